// Drives one wasm Session over input streams: pure JavaScript plumbing shared by the Web
// Worker and the Node CLI. Input is pulled chunk by chunk (the engine holds at most a few
// batches), output is handed on as soon as the engine produces it.

import { ParquetryError } from './errors.js';
import type { Inference, Progress, Report } from './types.js';

/** The wasm-bindgen exports this driver needs (both builds have them). */
export interface WasmSession {
  feed(chunk: Uint8Array): void;
  end_scan(): string;
  has_sample(): boolean;
  end_sample(): string;
  trial_failed(): boolean;
  end_trial(): string;
  take_output(): Uint8Array;
  progress(): string;
  finish(): string;
  free(): void;
}
export interface WasmEngine {
  Session: new (options: string, mode: string) => WasmSession;
  /** Linear memory of the instance, for the memory figures. */
  memory: WebAssembly.Memory;
}

/** Input bytes fed to the engine per call, at least: amortises the call, keeps progress
 * smooth. Smaller chunks are gathered; a Blob's stream gives ~1 MB ones, each fed as it
 * comes (at 1 MiB, two had to be joined, copying every byte once more). */
export const FEED_BYTES = 1 << 19;

export interface DriveHooks {
  onProgress?: (p: Progress) => void;
  /** Receives Parquet bytes in file order; awaited, so a slow sink slows the reading. */
  onOutput?: (bytes: Uint8Array) => Promise<void> | void;
  /** Drops the last `bytes` bytes given to `onOutput`. With it, a source that can be read
   * again is converted in one read when its first rows' types hold (a one-pass trial),
   * and its output taken back if they do not; without it (a `WritableStream` cannot take
   * bytes back) in two reads, a scan and a conversion. */
  onDiscard?: (bytes: number) => Promise<void> | void;
  signal?: AbortSignal;
  /** Total input bytes, when known, for percentages. */
  totalBytes?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Decompresses gzip input on the way in, recognised by its magic bytes. Pull-based, so
 * nothing is read ahead of what the engine asks for. */
export async function gunzipIfNeeded(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  let r = await reader.read();
  while (!r.done && r.value.length === 0) r = await reader.read();
  let first = r.done ? undefined : r.value;
  const replay = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (first) {
          controller.enqueue(first);
          first = undefined;
          return;
        }
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (why) => reader.cancel(why),
    },
    { highWaterMark: 0 },
  );
  const gz = first !== undefined && first.length >= 2 && first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
  return gz ? replay.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : replay;
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ParquetryError({ code: 'aborted', message: 'conversion cancelled' });
}

/** Feeds one pass of `stream` to the session, in FEED_BYTES pieces. */
async function pass(
  session: WasmSession,
  engine: WasmEngine,
  stream: ReadableStream<Uint8Array>,
  hooks: DriveHooks,
  peak: { wasm: number },
  enough: () => boolean = () => false,
): Promise<void> {
  const reader = (await gunzipIfNeeded(stream)).getReader();
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? pending[0] : concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    session.feed(chunk);
    await drain(session, hooks);
    report(session, engine, hooks, peak);
  };
  try {
    for (;;) {
      aborted(hooks.signal);
      const { done, value } = await reader.read();
      if (done) break;
      pending.push(value);
      pendingBytes += value.length;
      if (pendingBytes >= FEED_BYTES) await flush();
      if (enough()) {
        // A preview has its rows: the rest of the input is never read.
        await reader.cancel().catch(() => {});
        return;
      }
    }
    await flush();
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function drain(session: WasmSession, hooks: DriveHooks): Promise<void> {
  const bytes = session.take_output();
  if (bytes.length > 0 && hooks.onOutput) await hooks.onOutput(bytes);
}

function report(session: WasmSession, engine: WasmEngine, hooks: DriveHooks, peak: { wasm: number }): void {
  const wasm = engine.memory.buffer.byteLength;
  peak.wasm = Math.max(peak.wasm, wasm);
  if (!hooks.onProgress) return;
  const p = JSON.parse(session.progress()) as Omit<Progress, 'wasmMemoryBytes' | 'peakWasmMemoryBytes' | 'totalBytes'>;
  hooks.onProgress({ ...p, totalBytes: hooks.totalBytes, wasmMemoryBytes: wasm, peakWasmMemoryBytes: peak.wasm });
}

/** A source that can be read more than once (a Blob, a file) or only once (a stream). */
export type Source = { reread: () => ReadableStream<Uint8Array> } | { once: ReadableStream<Uint8Array> };

export interface Converted {
  report: Report;
  peakWasmMemoryBytes: number;
}

/** What a one-pass trial's end says: output to drop, and what follows. */
interface TrialEnd {
  next: 'done' | 'convert' | 'scan';
  discard: number;
}

/** Converts `source` with exact types: when it can be re-read, in one pass that puts the
 * first rows' types on trial (if the output can be taken back) or in two, a scan and a
 * conversion; else in one pass with types from a sample. */
export async function drive(engine: WasmEngine, source: Source, options: string, hooks: DriveHooks): Promise<Converted> {
  const exact = 'reread' in source;
  const mode = !exact ? 'stream' : hooks.onDiscard ? 'one-pass' : 'two-pass';
  const session = new engine.Session(options, mode);
  const peak = { wasm: engine.memory.buffer.byteLength };
  try {
    if (exact) {
      const read = (enough?: () => boolean) => pass(session, engine, source.reread(), hooks, peak, enough);
      let next: TrialEnd['next'] = 'scan';
      if (mode === 'one-pass') {
        // The sample: only its rows are read.
        await read(() => session.has_sample());
        next = 'convert';
        if ((JSON.parse(session.end_sample()) as 'trial' | 'convert') === 'trial') {
          // Read no further once the trial failed: the input is read again either way.
          await read(() => session.trial_failed());
          const end = JSON.parse(session.end_trial()) as TrialEnd;
          // A trial that held reports its conversion complete.
          report(session, engine, hooks, peak);
          if (end.discard > 0) await hooks.onDiscard?.(end.discard);
          next = end.next;
        }
      }
      if (next === 'scan') {
        await read();
        session.end_scan();
      }
      if (next !== 'done') await read();
    } else {
      await pass(session, engine, source.once, hooks, peak);
    }
    aborted(hooks.signal);
    const final = JSON.parse(session.finish()) as Report;
    await drain(session, hooks);
    peak.wasm = Math.max(peak.wasm, engine.memory.buffer.byteLength);
    return { report: final, peakWasmMemoryBytes: peak.wasm };
  } finally {
    session.free();
  }
}

/** Sniffs and infers types only: what a conversion would produce. A `preview` reads only
 * the first `sampleRows` rows. */
export async function inspectSource(engine: WasmEngine, source: Source, options: string, hooks: DriveHooks, preview = false): Promise<Inference> {
  const session = new engine.Session(options, preview ? 'preview' : 'inspect');
  try {
    const stream = 'reread' in source ? source.reread() : source.once;
    await pass(session, engine, stream, hooks, { wasm: 0 }, () => preview && session.has_sample());
    return JSON.parse(session.end_scan()) as Inference;
  } finally {
    session.free();
  }
}
