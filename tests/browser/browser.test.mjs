// The npm package in headless Chromium (Debian's), loaded without a bundler from a plain
// static server: threaded when the server sends COOP/COEP, single-threaded otherwise.
// Every Parquet file made in the browser is read back by pyarrow and compared cell by cell.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
import { WARM_UP_ROWS } from '../../web/dist/warm.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORK = `${ROOT}target/browser-tests`;
const BIG_MB = Number(process.env.PARQUETRY_BROWSER_MB ?? 20);

mkdirSync(WORK, { recursive: true });
execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', String(BIG_MB), '--generate-only'], { stdio: 'inherit' });
const BIG = `bench/out/data_${BIG_MB}mb_v1.csv`;

function fixture(name, text) {
  writeFileSync(`${WORK}/${name}`, text);
  return `/target/browser-tests/${name}`;
}

function readBack(csvPath, result, name) {
  assert.ok(result.ok, JSON.stringify(result.error));
  const out = `${WORK}/${name}.parquet`;
  writeFileSync(out, Buffer.from(result.parquet, 'base64'));
  return execFileSync('python3', [`${ROOT}tests/browser/check.py`, `${ROOT}${csvPath.replace(/^\//, '')}`, out]).toString();
}

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => browser?.close());

async function openPage(isolate) {
  const wasm = [];
  const server = await serve({ isolate, onRequest: (req) => req.url.endsWith('.wasm') && wasm.push(req.url) });
  const page = await browser.newPage();
  const foreign = [];
  // Nothing may leave the machine: any request off the test server fails the test.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.origin)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.origin}/tests/browser/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return { page, server, foreign, errors, wasm };
}

for (const isolate of [true, false]) {
  describe(isolate ? 'threaded build (COOP/COEP)' : 'single-threaded build (no COOP/COEP)', () => {
    let ctx;
    before(async () => {
      ctx = await openPage(isolate);
    });
    after(async () => {
      assert.deepEqual(ctx.foreign, [], 'requests left the machine');
      assert.deepEqual(ctx.errors, []);
      await ctx.page.close();
      await ctx.server.close();
    });

    test(`converts a ${BIG_MB} MB mixed CSV; pyarrow reads back every cell`, async () => {
      const r = await ctx.page.evaluate((url) => window.runConvert(url), `/${BIG}`);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.build.threaded, isolate, r.build.reason);
      if (isolate) assert.ok(r.build.threads > 1, `threads: ${r.build.threads}`);
      // A Blob into a Blob: the first rows' types held over the whole file, read once.
      assert.equal(r.report.mode, 'one-pass');
      assert.equal(r.rowsIn, r.rowsWritten + r.rowsRejected);
      assert.ok(r.hadBlob);
      const phases = new Set(r.progress.map((p) => p.phase));
      // Read once: the sample, the trial, then the conversion reported complete.
      assert.deepEqual([...phases], ['sniff', 'trial', 'convert']);
      const last = r.progress.at(-1);
      assert.ok(last.wasmMemoryBytes > 0 && last.peakWasmMemoryBytes >= last.wasmMemoryBytes);
      assert.ok(r.peakWasmMemoryBytes < 256 * 2 ** 20, `peak wasm memory ${r.peakWasmMemoryBytes}`);
      console.log(readBack(`/${BIG}`, r, `big-${isolate}`));
      // The same file, byte for byte, as the native command line makes of the same CSV:
      // however the browser's stream cut the input, and on however many threads.
      const native = `${WORK}/big-native.parquet`;
      execFileSync(`${ROOT}target/release/parquetry`, [`${ROOT}${BIG}`, '-o', native, '-q']);
      assert.ok(Buffer.from(r.parquet, 'base64').equals(readFileSync(native)), 'the browser and native files differ');
    });

    test('a wide CSV (2,000 columns) stays well under 256 MB of wasm memory; pyarrow reads back every cell', async () => {
      // A column writer of the parquet crate costs 100-300 KB before a value (zstd
      // contexts, a dictionary table): 2,000 of them at once would pass 256 MB alone.
      const cols = 2000;
      const words = ['alpha', 'bravo', 'charlie', 'delta'];
      const cell = (i, j) => {
        if ((i + j) % 11 === 0) return '';
        switch (j % 4) {
          case 0: return String((i * 7 + j) % 1001);
          case 1: return ((i * 31 + j) % 100000 / 100).toFixed(2);
          case 2: return words[(i + j) % words.length];
          default: return (i + j) % 2 ? 'true' : 'false';
        }
      };
      const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(',')];
      for (let i = 0; i < 1200; i++) lines.push(Array.from({ length: cols }, (_, j) => cell(i, j)).join(','));
      const csv = fixture('wide.csv', lines.join('\n') + '\n');
      const r = await ctx.page.evaluate((url) => window.runConvert(url), csv);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.rowsWritten, 1200);
      assert.ok(r.peakWasmMemoryBytes < 160 * 2 ** 20, `peak wasm memory ${r.peakWasmMemoryBytes}`);
      console.log(`wide: peak wasm memory ${(r.peakWasmMemoryBytes / 2 ** 20).toFixed(1)} MiB; `
        + readBack(csv, r, `wide-${isolate}`).slice(0, 120));
    });

    test('a ReadableStream input converts in one pass; gzip input is decompressed', async () => {
      const csv = fixture('small.csv', 'zip,qty,day,city\n00501,3,2024-01-02,Oslo\n90210,250,2024-03-04,Oslo\n10001,,2024-05-06,Bern\n02134,7,2024-07-08,Oslo\n');
      const s = await ctx.page.evaluate((url) => window.runConvert(url, {}, { stream: true }), csv);
      assert.equal(s.report.mode, 'stream');
      readBack(csv, s, 'stream');
      const g = await ctx.page.evaluate((url) => window.runConvert(url, {}, { gzip: true }), csv);
      assert.equal(g.report.mode, 'two-pass');
      assert.deepEqual(g.report.columns.map((c) => c.type), ['text', 'uint8', 'date', 'category']);
      readBack(csv, g, 'gzip');
    });

    test('output to a WritableStream, not a Blob', async () => {
      const csv = fixture('w.csv', 'a,b\n1,x\n2,y\n3,z\n');
      const r = await ctx.page.evaluate((url) => window.runConvert(url, { sampleRows: 1 }), csv);
      assert.equal(r.report.mode, 'one-pass');
      const w = await ctx.page.evaluate((url) => window.runConvert(url, { sampleRows: 1 }, { writable: true }), csv);
      assert.equal(w.hadBlob, false);
      // A WritableStream cannot take bytes back, so no trial: a scan, then a conversion.
      assert.equal(w.report.mode, 'two-pass');
      readBack(csv, w, 'writable');
    });

    test('types that change after the first rows: the trial output is dropped, the file converted again', async () => {
      // `n` is a byte in the first rows and needs 16 bits at the very end, `x` float64
      // (the trial fails at that row: scanned again, then converted); `code` repeats enough
      // for a category only over the whole file (known at the end: converted again).
      const lines = ['n,x,day'];
      for (let i = 0; i < 30000; i++) lines.push(`${i % 200},${i % 90}.25,2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
      const codes = ['code'];
      for (let i = 0; i < 30000; i++) codes.push(`c${i % 600}`);
      for (const [name, rows, types] of [
        ['late-misfit', [...lines, '300,1.25,2024-01-01'], ['uint16', 'float32', 'date']],
        ['late-float', [...lines, '1,0.1000000001,2024-01-01'], ['uint8', 'float64', 'date']],
        ['late-category', codes, ['category']],
      ]) {
        const csv = fixture(`${name}.csv`, rows.join('\n') + '\n');
        const r = await ctx.page.evaluate((url) => window.runConvert(url, { sampleRows: 1000 }), csv);
        assert.ok(r.ok, JSON.stringify(r.error));
        assert.equal(r.report.mode, 'two-pass', name);
        assert.deepEqual(r.report.columns.map((c) => c.type), types);
        readBack(csv, r, name);
      }
    });

    test('a bad row is a typed error naming line, column and value', async () => {
      const csv = fixture('bad.csv', 'n,m\n1,2\n3\n');
      const r = await ctx.page.evaluate((url) => window.runConvert(url), csv);
      assert.equal(r.ok, false);
      assert.equal(r.error.isParquetryError, true);
      assert.equal(r.error.code, 'bad_row');
      assert.equal(r.error.line, 3);
      assert.match(r.error.message, /line 3/);
      const o = await ctx.page.evaluate((url) => window.runConvert(url, { compression: 'rar' }), csv);
      assert.equal(o.error.code, 'options');
      const e = await ctx.page.evaluate((url) => window.runConvert(url), fixture('empty.csv', ''));
      assert.equal(e.error.code, 'empty_input');
    });

    test('collected bad rows come back; rows in = written + rejected', async () => {
      const csv = fixture('collect.csv', 'n,m\n1,2\n3\n4,5\n6,7,8\n');
      const r = await ctx.page.evaluate((url) => window.runConvert(url, { badRows: 'collect' }), csv);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.rowsIn, 4);
      assert.equal(r.rowsWritten, 2);
      assert.deepEqual(r.rejected.map((x) => x.line), [3, 5]);
    });

    test('inspect gives the schema without converting', async () => {
      const csv = fixture('inspect.csv', 'zip,qty\n00501,3\n90210,250\n');
      const r = await ctx.page.evaluate((url) => window.runInspect(url), csv);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.deepEqual(r.inference.columns.map((c) => [c.name, c.type]), [['zip', 'text'], ['qty', 'uint8']]);
    });

    test('an inspect preview reads only the first rows: types, nulls and sample values', async () => {
      const r = await ctx.page.evaluate((url) => window.runInspect(url, { preview: true, sampleRows: 5000 }), `/${BIG}`);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.inference.sampledRows, 5000);
      assert.ok(r.maxBytes < r.size / 4, `read ${r.maxBytes} of ${r.size} bytes`);
      const full = await ctx.page.evaluate((url) => window.runInspect(url), `/${BIG}`);
      const byName = Object.fromEntries(full.inference.columns.map((c) => [c.name, c]));
      for (const c of r.inference.columns) {
        assert.equal(c.type, byName[c.name].type, c.name);
        assert.ok(c.samples.length > 0 && c.samples.length <= 5, `${c.name}: ${c.samples}`);
        assert.ok(c.nulls <= byName[c.name].nulls, c.name);
      }
      // The generated file's zip codes keep their zeros; a third of `sparse` is empty.
      assert.ok(r.inference.columns.find((c) => c.name === 'zip').samples.every((v) => /^\d{5}$/.test(v)));
      const sparse = r.inference.columns.find((c) => c.nulls > 0);
      assert.ok(sparse && sparse.nulls > 1000 && sparse.nulls < 2000, JSON.stringify(sparse));
    });

    test('prepare() readies the worker the next call takes; unprepare() ends it', async () => {
      const csv = fixture('prepared.csv', 'zip,qty,when\n00501,3,2024-01-02\n90210,250,2024-03-04\n');
      const r = await ctx.page.evaluate((url) => window.runPrepared(url), csv);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.samePromise, true, 'a second prepare() waits for the same worker');
      const { warmUp, ...build } = r.first.build;
      assert.equal(build.threaded, isolate);
      assert.deepEqual(r.first.resultBuild, build);
      assert.equal(warmUp?.rows, WARM_UP_ROWS, 'the page\'s first prepare() warms the engine up');
      assert.equal(r.againWarmUp, null, 'the module is warm: later workers skip the warm-up');
      assert.equal(r.first.workers, 1, 'the conversion used the prepared worker');
      assert.equal(r.first.rows, 2);
      readBack(csv, { ok: true, parquet: r.first.parquet }, 'prepared');
      assert.deepEqual(r.inspect, { workers: 1, columns: 3 }, 'the conversion\'s worker was kept for the next call');
      assert.deepEqual(r.unprepared, { workers: 2 }, 'nothing kept: the call starts its own');
      assert.equal(r.dropped.code, 'aborted');
      assert.deepEqual(r.after, { workers: 4 }, 'the ended worker is not reused');
    });

    test('prepare() warms up once per page, unless asked not to or ended before it was done', async () => {
      const fresh = await openPage(isolate);
      try {
        const r = await fresh.page.evaluate(() => window.runWarmUps());
        assert.ok(r.ok, JSON.stringify(r.error));
        assert.equal(r.off, null, 'warmUp: false');
        assert.equal(r.on?.rows, WARM_UP_ROWS, 'the ended worker gave the warm-up back');
        assert.ok(r.on.ms > 0);
        assert.equal(r.again, null, 'warmed once');
        assert.deepEqual(fresh.errors, []);
        assert.deepEqual(fresh.foreign, []);
      } finally {
        await fresh.page.close();
        await fresh.server.close();
      }
    });

    test('the page compiles the wasm once; every worker instantiates that module', async () => {
      const csv = fixture('twice.csv', 'a,b\n1,x\n2,y\n');
      for (let i = 0; i < 2; i++) {
        const r = await ctx.page.evaluate((url) => window.runConvert(url), csv);
        assert.ok(r.ok, JSON.stringify(r.error));
      }
      // Earlier tests converted many times too: one fetch, by the page, for all of them.
      const build = isolate ? '/web/dist/wasm/mt/parquetry_wasm_bg.wasm' : '/web/dist/wasm/st/parquetry_wasm_bg.wasm';
      assert.deepEqual(ctx.wasm, [build]);
    });

    test('cancelling stops promptly and never closes the output as complete', async () => {
      const r = await ctx.page.evaluate((url) => window.runCancel(url), `/${BIG}`);
      assert.equal(r.ok, false);
      assert.ok(r.started, 'cancelled before the convert phase');
      assert.equal(r.error.code, 'aborted');
      assert.equal(r.error.name, 'AbortError');
      assert.ok(r.msToReject < 1000, `${r.msToReject} ms`);
      assert.equal(r.closed, false);
    });
  });
}

describe("the worker's Blob output", () => {
  test('bytes folded into Blobs as they come, the last of them dropped at any point, make the same file', async () => {
    const { page, server } = await openPage(false);
    try {
      const failures = await page.evaluate(async () => {
        const { BlobParts } = await import('/web/dist/blobparts.js');
        let seed = 7;
        const rand = (n) => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          return seed % n;
        };
        const failed = [];
        for (let round = 0; round < 200; round++) {
          // Folded every 64 bytes, so that drops cross many Blobs.
          const parts = new BlobParts(64);
          let expected = [];
          for (let step = 0; step < 30; step++) {
            if (rand(4) === 0) {
              const n = rand(expected.length + 10);
              parts.dropLast(n);
              expected = expected.slice(0, Math.max(0, expected.length - n));
            } else {
              const bytes = Uint8Array.from({ length: rand(50) }, () => rand(256));
              parts.push(bytes);
              expected.push(...bytes);
            }
          }
          const blob = parts.blob('application/vnd.apache.parquet');
          const got = new Uint8Array(await blob.arrayBuffer());
          if (blob.type !== 'application/vnd.apache.parquet' || got.length !== expected.length || got.some((b, i) => b !== expected[i])) failed.push(round);
        }
        return failed;
      });
      assert.deepEqual(failures, []);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
