// The package as users get it: `npm pack`, installed into a fresh Vite app, built with
// `vite build`, served by `vite preview` and run in headless Chromium: threaded when the
// preview server sends COOP/COEP, single-threaded when it does not. A generated mixed CSV of
// tens of MB is converted in the app and pyarrow compares every cell of the result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = `${ROOT}target/vite-app`;
const VITE = `${ROOT}node_modules/vite/bin/vite.js`;
const BIG_MB = Number(process.env.PARQUETRY_BROWSER_MB ?? 20);
const BIG = `${ROOT}bench/out/data_${BIG_MB}mb_v1.csv`;

let browser;

before(async () => {
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(`${APP}/public`, { recursive: true });
  cpSync(`${ROOT}tests/vite-app/app`, APP, { recursive: true });
  execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', String(BIG_MB), '--generate-only'], { stdio: 'inherit' });
  copyFileSync(BIG, `${APP}/public/big.csv`);
  writeFileSync(`${APP}/package.json`, JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', APP], { cwd: `${ROOT}web` }).toString().trim().split('\n').at(-1);
  execFileSync('npm', ['install', '--no-fund', '--no-audit', '--loglevel=error', `./${tarball}`], { cwd: APP, stdio: 'inherit' });
  execFileSync('node', [VITE, 'build', '--logLevel', 'warn'], { cwd: APP, stdio: 'inherit' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => browser?.close());

/** Starts `vite preview` on a free port; resolves with its origin and a stop function. */
function preview(isolate) {
  const env = { ...process.env };
  if (isolate) delete env.NO_ISOLATION;
  else env.NO_ISOLATION = '1';
  const child = spawn('node', [VITE, 'preview', '--port', '0', '--host', '127.0.0.1'], { cwd: APP, env });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolve({ origin: m[0], stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`vite preview exited ${code}: ${out}`)));
  });
}

function readBack(csv, r, name) {
  const out = `${APP}/${name}.parquet`;
  writeFileSync(out, Buffer.from(r.parquet, 'base64'));
  return execFileSync('python3', [`${ROOT}tests/browser/check.py`, csv, out]).toString();
}

for (const isolate of [true, false]) {
  describe(isolate ? 'vite preview with COOP/COEP: threaded' : 'vite preview without COOP/COEP: single-threaded', () => {
    let server;
    let page;
    const foreign = [];
    before(async () => {
      server = await preview(isolate);
      page = await browser.newPage();
      // Nothing may leave the machine.
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith(server.origin)) return route.continue();
        foreign.push(route.request().url());
        return route.abort();
      });
      await page.goto(server.origin);
      await page.waitForFunction(() => window.ready === true);
    });
    after(async () => {
      await page?.close();
      server?.stop();
      assert.deepEqual(foreign, [], 'requests left the machine');
    });

    test('small CSV: exact types, read back', async () => {
      const csv = 'zip,qty,when\n00501,3,2024-01-02\n90210,250,2024-03-04\n';
      const r = await page.evaluate((text) => window.run(text), csv);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.build.threaded, isolate, r.build.reason);
      assert.deepEqual(r.types, ['text', 'uint8', 'date']);
      writeFileSync(`${APP}/small.csv`, csv);
      readBack(`${APP}/small.csv`, r, `small-${isolate}`);
    });

    test(`${BIG_MB} MB mixed CSV: every cell read back by pyarrow`, async () => {
      const r = await page.evaluate(() => window.run('/big.csv', { url: true }));
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.build.threaded, isolate, r.build.reason);
      if (isolate) assert.ok(r.build.threads > 1, `threads: ${r.build.threads}`);
      assert.equal(r.rowsIn, r.rowsWritten);
      assert.ok(r.peak < 256 * 2 ** 20, `peak wasm memory ${r.peak}`);
      const checked = readBack(BIG, r, `big-${isolate}`);
      assert.match(checked, /^ok: \d+ rows/);
    });
  });
}
