// Conversions one after another in the same page give their workers and memory back: a
// web app that converts file after file must not grow without bound. Workers are counted
// through the Chrome DevTools Protocol (nested rayon thread workers included), memory as the
// RSS of the browser's processes after a forced garbage collection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
import { KEEP_WORKER_BYTES as KEEP_BYTES } from '../../web/dist/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', '20', '--generate-only'], { stdio: 'inherit' });

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => browser?.close());

/** Resident memory of the browser this test started (every process under this one), in MB. */
function browserRssMb() {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss=']).toString();
  const procs = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of procs) if (ours.has(pp) && !ours.has(p)) (ours.add(p), (grew = true));
  }
  ours.delete(process.pid);
  return procs.filter(([p]) => ours.has(p)).reduce((s, [, , rss]) => s + rss, 0) / 1024;
}

for (const isolate of [true, false]) {
  test(`${isolate ? 'threaded' : 'single-threaded'}: conversion after conversion, the workers end and memory stays flat`, async () => {
    const server = await serve({ isolate });
    const page = await browser.newPage();
    try {
      const cdp = await page.context().newCDPSession(page);
      await page.goto(`${server.origin}/tests/browser/page.html`);
      await page.waitForFunction(() => window.ready === true);
      await page.evaluate(async () => {
        window.csv = await (await fetch('/bench/out/data_20mb_v1.csv')).blob();
      });
      const workers = async () => (await cdp.send('Target.getTargets')).targetInfos.filter((t) => t.type.includes('worker')).length;
      const convertOnce = async () => {
        const r = await page.evaluate(async () => {
          const { convert } = await import('/web/dist/index.js');
          const before = window.workersStarted();
          const r = await convert(window.csv);
          return { rows: r.rowsWritten, threads: r.build.threads, bytes: r.output.size, peak: r.peakWasmMemoryBytes, started: window.workersStarted() - before };
        });
        assert.ok(r.rows > 100_000 && r.bytes > 0, JSON.stringify(r));
        if (isolate) assert.ok(r.threads > 1, `threads: ${r.threads}`);
        return r;
      };
      const unprepare = () => page.evaluate(async () => (await import('/web/dist/index.js')).unprepare());
      /** Waits until no worker is left; returns how long that took. */
      const settled = async () => {
        const t0 = Date.now();
        while ((await workers()) > 0) {
          assert.ok(Date.now() - t0 < 10_000, `${await workers()} workers still alive 10 s after the last conversion`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const ms = Date.now() - t0;
        await cdp.send('HeapProfiler.collectGarbage');
        await new Promise((r) => setTimeout(r, 300));
        return ms;
      };

      // Small files one after another, as an app converting a list would: the worker of
      // each call is kept for the next, so no worker is started or left ending.
      const small = await page.evaluate(async () => {
        const { convert, KEEP_WORKER_BYTES } = await import('/web/dist/index.js');
        const before = window.workersStarted();
        let most = 0;
        for (let i = 0; i < 20; i++) {
          const r = await convert(new Blob([`n,day\n${i},2024-01-02\n`]));
          if (r.rowsWritten !== 1 || r.peakWasmMemoryBytes > KEEP_WORKER_BYTES) return { bad: r.report };
          most = Math.max(most, window.workersStarted() - before);
        }
        return { started: window.workersStarted() - before, threads: (await convert(new Blob(['a\n1\n']))).build.threads };
      });
      assert.equal(small.started, 1, JSON.stringify(small));
      const alive = await workers();
      assert.equal(alive, isolate ? 1 + small.threads : 1, 'the kept worker (and its threads), nothing else');
      await unprepare();
      const smallMs = await settled();

      // Large ones: a worker left with more wasm memory than KEEP_WORKER_BYTES is ended.
      const first = await convertOnce();
      await unprepare();
      const firstMs = await settled();
      const base = browserRssMb();
      let previous = { peak: Infinity }; // nothing kept after unprepare()
      for (let i = 0; i < 6; i++) {
        const r = await convertOnce();
        assert.equal(r.started, previous.peak > KEEP_BYTES ? 1 : 0, `after a call that peaked at ${previous.peak} bytes`);
        previous = r;
      }
      await unprepare();
      const lastMs = await settled();
      const grown = browserRssMb() - base;
      console.log(`20 small files: ${small.started} worker; ended ${smallMs} ms after unprepare(). 20 MB file: peak wasm memory ${(first.peak / 2 ** 20).toFixed(0)} MiB, workers ended ${firstMs} ms after one conversion and unprepare(), ${lastMs} ms after 6 more; browser RSS ${base.toFixed(0)} MB, then ${grown >= 0 ? '+' : ''}${grown.toFixed(0)} MB`);
      // One conversion's wasm memory is ~60 MB here: a leak of even one per call shows.
      assert.ok(grown < 48, `browser memory grew by ${grown.toFixed(0)} MB over 6 conversions`);
    } finally {
      await page.close();
      await server.close();
    }
  });
}
