// Browser benchmark: converts a generated mixed-type CSV in headless Chromium with the
// threaded build, next to DuckDB-Wasm ingesting the same file in the same browser
// (`CREATE TABLE t AS SELECT * FROM read_csv(...)`; DuckDB-Wasm cannot write Parquet
// offline) and next to our native CLI on the same machine. Figures are ratios from one run.
//
//   node bench/browser.mjs [--mb 100] [--runs 3] [--write BENCHMARKS.md]
//   node bench/browser.mjs --scale 100,1000 [--write BENCHMARKS.md]
//
// `--scale` converts each size once with ours only and reports peak wasm memory per size:
// memory must not grow with the file.
//
// Needs `npm test` (or scripts/build-web.sh and a release build) to have run once.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchPage } from './page.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' }, write: { type: 'string' }, scale: { type: 'string' } } });
const mb = Number(values.mb);
const runs = Number(values.runs);
execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', String(mb), '--generate-only'], { stdio: 'inherit' });
const csv = `bench/out/data_${mb}mb_v1.csv`;
/** Prints a section and, with --write, replaces the file's section of the same kind. */
function publish(kind, section) {
  console.log(section);
  if (!values.write) return;
  const path = `${ROOT}${values.write}`;
  const old = readFileSync(path, 'utf8').replace(new RegExp(`<!-- ${kind}:[\\s\\S]*?<!-- /${kind} -->\\n?`), '');
  writeFileSync(path, `${old.trimEnd()}\n\n${section}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { page, close } = await benchPage();

if (values.scale) {
  const rows = [];
  for (const size of values.scale.split(',').map(Number)) {
    execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', String(size), '--generate-only'], { stdio: 'inherit' });
    const r = await page.evaluate((u) => window.runOurs(u), `/bench/out/data_${size}mb_v1.csv`);
    console.error(`${size} MB: ${r.ms.toFixed(0)} ms, peak wasm memory ${(r.peakWasmMemoryBytes / 1e6).toFixed(1)} MB`);
    rows.push(r);
  }
  await close();
  const date = new Date().toISOString().slice(0, 10);
  const first = rows[0];
  const last = rows.at(-1);
  const section = `<!-- browser-scale:${date} -->
## Browser memory at scale, ${date}

\`node bench/browser.mjs --scale ${values.scale}\`: the same generated mixed CSV at each size, converted once by \`convert(file)\` with the threaded build (${first.build.threads} threads) in headless Chromium, default row groups.

| input MB | rows | s | MB/s | peak wasm memory MB | engine peak heap MB | output MB |
|---:|---:|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${(r.bytesIn / 1e6).toFixed(0)} | ${r.rows.toLocaleString('en')} | ${(r.ms / 1000).toFixed(1)} | ${(r.bytesIn / 1e3 / r.ms).toFixed(1)} | ${(r.peakWasmMemoryBytes / 1e6).toFixed(1)} | ${(r.peakHeapBytes / 1e6).toFixed(1)} | ${(r.bytesOut / 1e6).toFixed(1)} |`).join('\n')}

Input ×${(last.bytesIn / first.bytesIn).toFixed(1)} → peak wasm memory ×${(last.peakWasmMemoryBytes / first.peakWasmMemoryBytes).toFixed(2)}.
<!-- /browser-scale -->
`;
  publish('browser-scale', section);
  process.exit(0);
}

const ours = [];
const cold = [];
const duck = [];
const native = [];
for (let i = 0; i < runs; i++) {
  ours.push(await page.evaluate((u) => window.runOurs(u, true), `/${csv}`));
  cold.push(await page.evaluate((u) => window.runOurs(u), `/${csv}`));
  duck.push(await page.evaluate((u) => window.runDuckdb(u), `/${csv}`));
  const t0 = performance.now();
  execFileSync(`${ROOT}target/release/parquetry`, [`${ROOT}${csv}`, '-o', '/tmp/parquetry-bench-native.parquet', '-q']);
  native.push(performance.now() - t0);
  const t = ours.at(-1).timingsMs;
  const engine = t ? ` (engine: scan ${t.scan.toFixed(0)} ms, convert ${t.convert.toFixed(0)} ms)` : '';
  console.error(`run ${i + 1}: ours ${ours.at(-1).ms.toFixed(0)} ms${engine}, cold ${cold.at(-1).ms.toFixed(0)} ms, duckdb ${duck.at(-1).ms.toFixed(0)} ms, native ${native.at(-1).toFixed(0)} ms`);
}
await close();

const bytes = ours[0].bytesIn;
const oursMs = median(ours.map((r) => r.ms));
const coldMs = median(cold.map((r) => r.ms));
const duckMs = median(duck.map((r) => r.ms));
const nativeMs = median(native);
const mbs = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
const fmtMB = (b) => (b == null ? 'n/a' : (b / 1e6).toFixed(1));
const date = new Date().toISOString().slice(0, 10);
const section = `<!-- browser-bench:${date} -->
## Browser benchmark, ${date}

\`node bench/browser.mjs --mb ${mb} --runs ${runs}\`: ${(bytes / 1e6).toFixed(1)} MB, ${ours[0].rows.toLocaleString('en')} rows, 12 columns, headless Chromium (Debian), page cross-origin isolated; median of ${runs}.

| what | median s | MB/s | memory MB | notes |
|---|---:|---:|---:|---|
| parquetry, threaded wasm (${ours[0].build.threads} threads) | ${(oursMs / 1000).toFixed(2)} | ${mbs(oursMs)} | ${fmtMB(Math.max(...ours.map((r) => r.peakWasmMemoryBytes)))} peak wasm memory | whole \`convert(file)\` call after \`prepare()\` (worker started beforehand, as DuckDB is instantiated beforehand): ${ours[0].mode === 'one-pass' ? 'one read (one-pass trial)' : ours[0].mode}, zstd Parquet of ${fmtMB(ours[0].bytesOut)} MB |
| parquetry, the page's first call | ${(ours[0].ms / 1000).toFixed(2)} | ${mbs(ours[0].ms)} | | run 1 of the above, the first conversion after the page loaded (\`prepare()\` warmed the engine up: ${ours[0].warmUpMs == null ? 'no warm-up reported' : `${ours[0].warmUpMs.toFixed(0)} ms`}) |
| parquetry, the same, cold | ${(coldMs / 1000).toFixed(2)} | ${mbs(coldMs)} | | the call also starts the worker and its threads (the page compiled the wasm for an earlier call) |
| DuckDB-Wasm 1.32 (eh build) | ${(duckMs / 1000).toFixed(2)} | ${mbs(duckMs)} | ${fmtMB(duck[0].memoryBytes)} after ingest (\`duckdb_memory()\`) | the \`CREATE TABLE … read_csv\` query only; no Parquet written |
| parquetry native CLI | ${(nativeMs / 1000).toFixed(2)} | ${mbs(nativeMs)} | | whole process |

**Ratios:** ours/DuckDB-Wasm speed **${(duckMs / oursMs).toFixed(2)}×** (target ≥ 2×; cold ${(duckMs / coldMs).toFixed(2)}×); browser/native time **${(oursMs / nativeMs).toFixed(2)}×** (target ≤ 1.5×; cold ${(coldMs / nativeMs).toFixed(2)}×).
<!-- /browser-bench -->
`;
publish('browser-bench', section);
