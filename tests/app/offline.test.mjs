// The web app offline, and cross-origin isolated by its service worker alone. The production
// build (`vite build`, into target/offline-app) is served by a plain static server that sends
// no COOP/COEP. In headless Chromium the first visit installs the service worker, which
// precaches the app and, once it controls the page, has it reload once: from then on every
// response carries COOP/COEP from the worker, so the page is isolated and threaded. Then the
// browser goes offline, the page reloads from the cache, converts the bundled sample and the
// download is read back by pyarrow, cell by cell. No request may leave the origin, and once
// offline none may reach the server or the network at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../browser/serve.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = `${ROOT}target/offline-app`;
const SHOTS = `${ROOT}target/screenshots`;
const VITE = `${ROOT}node_modules/vite/bin/vite.js`;

let server;
let browser;
let context;
let page;
/** Paths the static server was asked for, in order; `sw.js (update check)` for the
 * browser's own fetches of the service worker script (`Service-Worker: script`). */
const served = [];
/** When set, the server drops every connection unanswered, as if the machine were offline. */
let down = false;
/** Every request the browser made (page, workers, service worker), with how it was answered. */
const requests = [];
const errors = [];

/** The precache manifest the build wrote into sw.js. */
function manifest() {
  const first = readFileSync(`${APP}/sw.js`, 'utf8').split('\n', 1)[0];
  return JSON.parse(first.match(/^self\.__PARQUETRY_PRECACHE__=(.*);$/)[1]);
}

/** Waits until the page, across its reloads, satisfies `fn` (polled in the page). */
async function until(fn, what, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await page.evaluate(fn)) return;
    } catch {
      // the page is between two loads
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function onRequest(req) {
  served.push(req.headers['service-worker'] === 'script' ? `${req.url} (update check)` : req.url);
  if (down) req.socket.destroy();
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Its own output directory: the other app tests build into dist/.
  execFileSync('node', [VITE, 'build', '--logLevel', 'warn', '--outDir', APP, '--emptyOutDir'], { cwd: ROOT, stdio: 'inherit' });
  server = await serve({ isolate: false, root: APP, onRequest });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const entries = new Map();
  context.on('request', (request) => {
    // bySW: made by the service worker itself (its fetch() to the network), not by a page.
    const entry = { url: request.url(), bySW: request.serviceWorker() !== null, fromServiceWorker: false, failed: false };
    entries.set(request, entry);
    requests.push(entry);
    request.response().then(
      (r) => (entry.fromServiceWorker = r?.fromServiceWorker() ?? false),
      () => {},
    );
  });
  context.on('requestfailed', (request) => {
    if (entries.has(request)) entries.get(request).failed = true;
  });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('first visit: the service worker precaches the app and makes the page isolated, hence threaded', async () => {
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto(`${server.origin}/`);
  // The first load is not isolated: the server sends no COOP/COEP.
  await until(() => crossOriginIsolated && navigator.serviceWorker.controller !== null, 'isolation from the service worker');
  await page.waitForSelector('#engine:has-text("Threaded")');
  // One reload, no more (the loop guard): give a second one time to show up.
  await page.waitForTimeout(1500);
  assert.equal(loads, 2, 'the page loads twice: the first visit and the one reload');
  assert.match(await page.textContent('#engine'), /^Threaded · \d+ threads/);

  // Everything the build emitted is in the cache, and the worker served the page's headers.
  const { version, files } = manifest();
  assert.ok(files.includes('index.html') && files.includes('sample.csv') && files.some((f) => f.endsWith('.wasm')), files.join());
  const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname.slice(1)).sort(), `parquetry-${version}`);
  assert.deepEqual(cached, [...files].sort());
  const doc = await page.evaluate(async () => Object.fromEntries([...(await fetch(location.href)).headers].filter(([k]) => k.startsWith('cross-origin'))));
  assert.deepEqual(doc, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' });
  await page.screenshot({ path: `${SHOTS}/offline-first-visit.png` });
});

test('offline: reload from the cache, convert the sample, download it; pyarrow reads every cell back', async () => {
  const servedBefore = served.length;
  const first = requests.length;
  // Playwright's offline mode covers the pages and their workers but not the browser's own
  // update checks of sw.js, so the server goes down too: they fail, as they would offline.
  down = true;
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => navigator.onLine), false);
  await page.reload();
  await page.waitForSelector('#engine:has-text("Threaded")');
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'isolated offline too');

  await page.click('#sample');
  await page.waitForSelector('#preview');
  // A download rather than the native save picker.
  const save = page.locator('#setting-saveToDisk');
  if ((await save.count()) > 0 && (await save.isChecked())) await save.uncheck();
  const converting = requests.length;
  const servedConverting = served.length;
  await page.click('#convert');
  await page.waitForSelector('#result', { timeout: 120_000 });
  assert.match(await page.textContent('#result'), /Threaded, \d+ threads/);
  await page.screenshot({ path: `${SHOTS}/offline-result.png`, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const out = `${APP}-sample.parquet`;
  await download.saveAs(out);
  const checked = execFileSync('python3', [`${ROOT}tests/browser/check.py`, `${ROOT}web/public/sample.csv`, out]).toString();
  assert.match(checked, /^ok: 500 rows x 11 columns/);

  // While offline the server saw only the browser's update checks of sw.js (the service worker
  // spec has one follow each page load and each worker started; they failed and the installed
  // worker went on): nothing from the app, before or during the conversion. Every request of
  // the page and its workers was answered by the service worker (or was a blob: or data: URL):
  // none went out, and none went out and failed.
  await new Promise((r) => setTimeout(r, 200));
  const updateCheck = '/sw.js (update check)';
  assert.deepEqual(served.slice(servedBefore).filter((u) => u !== updateCheck), [], 'requests reached the server while offline');
  assert.ok(served.slice(servedConverting).every((u) => u === updateCheck));
  const local = (e) => /^(blob|data):/.test(e.url);
  const network = (e) => !local(e) && (e.bySW || e.failed || !e.fromServiceWorker);
  assert.deepEqual(requests.slice(converting).filter(network), [], 'requests went to the network during the conversion');
  // Before it, the one thing that tried the network was the worker's network-first fetch of
  // the page on reload; it failed, and the cached index.html answered.
  const tried = requests.slice(first).filter(network);
  assert.ok(tried.length > 0 && tried.every((e) => e.bySW && e.failed && e.url === `${server.origin}/`), JSON.stringify(tried));
  // The page loaded the wasm engine once after the reload (it compiles it for every worker)
  // and the worker's script, all from the cache (the worker the app prepared at load runs
  // the preview and is kept for the conversion).
  const paths = (from) => requests.slice(from).filter((e) => !local(e)).map((e) => new URL(e.url).pathname);
  assert.ok(paths(first).some((p) => p.endsWith('.wasm')), `requests since the reload: ${paths(first).join()}`);
  assert.ok(paths(first).some((p) => /\/worker[^/]*\.js$/.test(p)), `requests since the reload: ${paths(first).join()}`);
  assert.deepEqual(errors, []);
});

test('no request ever left the origin', () => {
  const foreign = requests.filter((e) => !e.url.startsWith(`${server.origin}/`) && !/^(blob|data):/.test(e.url)).map((e) => e.url);
  assert.deepEqual(foreign, []);
  // And the static server did see the first visit: the precache came from it.
  assert.ok(served.includes('/sw.js (update check)') && served.some((u) => u.endsWith('.wasm')), served.join());
});
