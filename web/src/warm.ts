// The warm-up conversion `prepare()` runs in its worker. V8 starts a wasm module on quickly
// compiled baseline code and optimises the functions that turn out hot while they run, on
// background threads that compete with the conversion's own: the first conversion of a page
// ran up to twice as long as the next ones (100 MB: 2.2 s against 1.1 s on two cores).
// Converting a small generated CSV while the page loads moves that cost there. The module is
// compiled once per page (index.ts), so its optimised code serves every later worker.

import { drive, type WasmEngine } from './drive.js';

/** Rows of the generated CSV: about 2.7 MB, enough for V8 to optimise the hot loops. */
export const WARM_UP_ROWS = 20_000;

/** What the warm-up did, for whoever wants to know (the tests do). */
export interface WarmUp {
  rows: number;
  ms: number;
}

const COUNTRIES = ['Germany', 'France', 'Namibia', 'Japan', 'Brazil', 'Canada', 'India', 'Kenya'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'sigma', 'omega', 'kappa', 'theta', 'zeta', 'rho'];

/** A CSV with a column of each kind the engine infers: integers of several widths, floats
 * exact and not in float32, booleans, dates, timestamps, times, a category, codes that stay
 * text, quoted text with delimiters and quotes inside, and nulls. Same bytes every time. */
export function warmUpCsv(rows = WARM_UP_ROWS): Uint8Array {
  let x = 0x2545f491;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const lines = ['id,qty,delta,price,measure,active,day,ts,at,country,zip,comment,discount'];
  for (let i = 0; i < rows; i++) {
    const r = next();
    const words = Array.from({ length: 2 + (r % 5) }, (_, k) => WORDS[(r >>> (3 * k)) % WORDS.length]);
    const comment = r % 2 ? `"${words.join(', ')}${r % 7 ? '' : ' ""quoted""'}"` : words.join(' ');
    const day = `20${pad(10 + (r % 15), 2)}-${pad(1 + (r % 12), 2)}-${pad(1 + (r % 28), 2)}`;
    lines.push(
      [
        5_000_000_000 + i,
        r % 256,
        (r % 100_001) - 50_000,
        ((r % 1_000_000) / 100).toFixed(2),
        String((next() / 2 ** 32) * 1000),
        r % 3 ? 'true' : 'false',
        day,
        `${day} ${pad(r % 24, 2)}:${pad(r % 60, 2)}:${pad((r >>> 6) % 60, 2)}.${pad(r % 1000, 3)}`,
        `${pad((r >>> 4) % 24, 2)}:${pad((r >>> 8) % 60, 2)}:00`,
        COUNTRIES[r % COUNTRIES.length],
        pad(r % 100_000, 5),
        comment,
        r % 10 < 3 ? '' : String(r % 91),
      ].join(','),
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Converts the generated CSV with default options, both passes, and drops the Parquet. */
export async function warmUp(engine: WasmEngine): Promise<WarmUp> {
  const t0 = performance.now();
  const csv = new Blob([warmUpCsv() as BlobPart]);
  const done = await drive(engine, { reread: () => csv.stream() }, '{}', {});
  return { rows: done.report.rows_written, ms: performance.now() - t0 };
}
