// Where a browser conversion's CPU goes, thread by thread: the CPU time (from /proc) every
// Chromium thread spent over conversions of the generated mixed CSV with the threaded
// build, per conversion. The engine's rayon threads and the worker's own thread (reading
// the Blob, copying in and out of wasm memory) are Web Workers ("DedicatedWorker"); the
// browser's IO thread and the renderer's pool threads carry the Blob's bytes.
//
//   node bench/browser-threads.mjs [--mb 100] [--runs 4]
//
// Linux only. Needs `npm test` (or scripts/build-web.sh) to have run once.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchPage } from './page.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '4' } } });
const runs = Number(values.runs);
execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', values.mb, '--generate-only'], { stdio: 'inherit' });
const csv = `/bench/out/data_${values.mb}mb_v1.csv`;

/** CPU milliseconds of every thread of every Chromium process, by process/thread id. */
function threads() {
  const out = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('chrom')) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime + stime, in clock ticks of 10 ms.
        out.set(`${pid}/${tid}`, { name, ms: (Number(f[11]) + Number(f[12])) * 10 });
      }
    } catch {
      // A process or thread that ended while being read.
    }
  }
  return out;
}

const { page, close } = await benchPage();
await page.evaluate((u) => window.runOurs(u, true), csv); // fetched, compiled, warmed up

const byRank = []; // Web Worker threads of each conversion, busiest first, summed by rank
const others = new Map(); // the other threads, by name
let wall = 0;
let total = 0;
for (let i = 0; i < runs; i++) {
  const before = threads();
  wall += (await page.evaluate((u) => window.runOurs(u, true), csv)).ms;
  const workers = [];
  for (const [id, t] of threads()) {
    const ms = t.ms - (before.get(id)?.ms ?? 0);
    if (ms <= 0) continue;
    total += ms;
    if (t.name === 'DedicatedWorker') workers.push(ms);
    else others.set(t.name, (others.get(t.name) ?? 0) + ms);
  }
  workers.sort((a, b) => b - a).forEach((ms, k) => (byRank[k] = (byRank[k] ?? 0) + ms));
}
await close();

const each = (ms) => (ms / runs).toFixed(0);
console.log(`${runs} conversions of ${values.mb} MB: ${each(wall)} ms each, ${each(total)} ms of CPU each (${((total / wall / 2) * 100).toFixed(0)}% of two cores)`);
console.log(`Web Worker threads, busiest first, CPU ms per conversion: ${byRank.map(each).join(' ')}`);
for (const [name, ms] of [...others].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`${name}: ${each(ms)} ms per conversion`);
