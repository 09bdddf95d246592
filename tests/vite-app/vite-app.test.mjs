// The package as users get it: `npm pack`, installed into a fresh Vite app, built with
// `vite build`, served by `vite preview` (with COOP/COEP) and run in headless Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = `${ROOT}target/vite-app`;
const VITE = `${ROOT}node_modules/vite/bin/vite.js`;

let preview;
let browser;
let origin;

before(async () => {
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  cpSync(`${ROOT}tests/vite-app/app`, APP, { recursive: true });
  writeFileSync(`${APP}/package.json`, JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', APP], { cwd: `${ROOT}web` }).toString().trim().split('\n').at(-1);
  execFileSync('npm', ['install', '--no-fund', '--no-audit', '--loglevel=error', `./${tarball}`], { cwd: APP, stdio: 'inherit' });
  execFileSync('node', [VITE, 'build', '--logLevel', 'warn'], { cwd: APP, stdio: 'inherit' });
  preview = spawn('node', [VITE, 'preview', '--port', '0', '--host', '127.0.0.1'], { cwd: APP });
  origin = await new Promise((resolve, reject) => {
    let out = '';
    preview.stdout.on('data', (d) => {
      out += d;
      const m = out.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolve(m[0]);
    });
    preview.on('exit', (code) => reject(new Error(`vite preview exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  preview?.kill();
});

test('a fresh Vite app converts with the installed package, threaded', async () => {
  const page = await browser.newPage();
  const foreign = [];
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith(origin)) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  await page.goto(origin);
  await page.waitForFunction(() => window.ready === true);
  const csv = 'zip,qty,when\n00501,3,2024-01-02\n90210,250,2024-03-04\n';
  const r = await page.evaluate((text) => window.run(text), csv);
  assert.ok(r.ok, JSON.stringify(r.error));
  assert.equal(r.build.threaded, true, r.build.reason);
  assert.deepEqual(r.types, ['text', 'uint8', 'date']);
  const out = `${APP}/out.parquet`;
  writeFileSync(out, Buffer.from(r.parquet, 'base64'));
  writeFileSync(`${APP}/in.csv`, csv);
  execFileSync('python3', [`${ROOT}tests/browser/check.py`, `${APP}/in.csv`, out], { stdio: 'inherit' });
  assert.deepEqual(foreign, []);
});
