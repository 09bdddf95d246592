// parquetry: CSV → exactly typed, compact Parquet in the browser, in a Web Worker.
//
//   const { output, report } = await convert(file, { onProgress, signal });
//
// Each call runs in a worker of its own. A worker that ends its call with little wasm
// memory is kept for the next call; otherwise it is ended with the call, so its memory goes
// back to the browser. Cancelling is ending it. `prepare()` starts the next call's worker
// early.

import { engineOptions, type EngineOptions } from './options.js';
import { ParquetryError } from './errors.js';
import { chooseBuild, compileBuild, type BuildInfo } from './engine.js';
import type { Compiled, FromWorker, Job, ToWorker } from './protocol.js';
import type { ColumnReport, Inference, Progress, Rejection, Report } from './types.js';
import type { WarmUp } from './warm.js';

export { ParquetryError } from './errors.js';
export { chooseBuild } from './engine.js';
export type { ErrorCode, ErrorInfo } from './errors.js';
export type { BuildInfo } from './engine.js';
export type { ColumnType, Compression, EngineOptions } from './options.js';
export type * from './types.js';
export type { WarmUp } from './warm.js';

/** A file or Blob (exact types: every row checked), or a stream or Response (read once: types
 * from a sample). A Blob is read once when its first rows' types hold for the whole file,
 * unless the output goes to a stream that cannot take bytes back (see `output`). */
export type Input = Blob | ReadableStream<Uint8Array> | Response;

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called once the engine is chosen: threaded or not, and why. */
  onBuild?: (b: BuildInfo) => void;
  /** Worker threads; 1 forces the single-threaded build. Default: all cores when possible. */
  threads?: number;
}

export interface ConvertOptions extends EngineOptions, CallOptions {
  /** Where to write the Parquet file as it is produced (e.g. from the File System Access
   * API). Without it, the result carries a Blob. A File System Access stream is truncated
   * when a one-pass trial's output is taken back; other streams cannot take bytes back, so a
   * Blob input is then read twice, a scan and a conversion, rather than once on trial. */
  output?: WritableStream<Uint8Array>;
}

export interface Result {
  /** The Parquet file, unless an `output` stream was given. */
  output?: Blob;
  /** Final column types and statistics. */
  schema: ColumnReport[];
  rowsIn: number;
  rowsWritten: number;
  rowsRejected: number;
  /** Rejected rows, when `badRows: 'collect'`. */
  rejected: Rejection[];
  timingsMs: Report['timings_ms'];
  /** Largest the wasm memory grew, and the engine's peak heap. */
  peakWasmMemoryBytes: number;
  peakHeapBytes: number;
  build: BuildInfo;
  /** The engine's full report (the native CLI's `--json`). */
  report: Report;
}

/** Only plain WritableStreams can be transferred to a worker; others (a File System Access
 * `FileSystemWritableFileStream`, for one) are fed through a plain one that is: what the
 * worker writes is piped on here, and closing or aborting it closes or aborts `out`.
 * `truncates`: `out` takes `{ type: 'truncate', size }` chunks, as a File System Access
 * stream does, and they pass through the relay unchanged. */
function relay(out: WritableStream<Uint8Array>): { stream: WritableStream<Uint8Array>; piped?: Promise<void>; truncates: boolean } {
  if (Object.getPrototypeOf(out) === WritableStream.prototype) return { stream: out, truncates: false };
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const piped = readable.pipeTo(out);
  piped.catch(() => {}); // awaited by convert(); a cancelled conversion rejects it on purpose
  const truncates = typeof (out as { truncate?: unknown }).truncate === 'function';
  return { stream: writable, piped, truncates };
}

function toJob(kind: Job['kind'], input: Input, options: ConvertOptions): { job: Job; transfer: Transferable[]; piped?: Promise<void> } {
  const body = input instanceof Response ? input.body : input;
  if (!body) throw new ParquetryError({ code: 'empty_input', message: 'the response has no body' });
  const transfer: Transferable[] = [];
  if (!(body instanceof Blob)) transfer.push(body as unknown as Transferable);
  const out = options.output ? relay(options.output) : undefined;
  if (out) transfer.push(out.stream as unknown as Transferable);
  const preview = (options as InspectOptions).preview;
  const job: Job = { kind, input: body, output: out?.stream, truncates: out?.truncates, options: engineOptions(options), threads: options.threads, preview };
  return { job, transfer, piped: out?.piped };
}

/** Each build's wasm, compiled once by the page and kept: every worker instantiates it, so
 * the code V8 optimises while one conversion runs (it compiles quickly first and optimises
 * hot functions as they run) is optimised from the start of the next; a worker compiling
 * its own copy started over (the convert pass ran ~1.3× longer). */
const compiledBuilds = new Map<boolean, Promise<WebAssembly.Module | undefined>>();

/** The module for the build a worker will choose for `threads`, or undefined if compiling
 * failed here (the worker then fetches and compiles the wasm itself). */
async function compiledFor(threads?: number): Promise<Compiled | undefined> {
  const { threaded } = chooseBuild(threads);
  let module = compiledBuilds.get(threaded);
  if (!module) {
    module = compileBuild(threaded).catch(() => undefined);
    compiledBuilds.set(threaded, module);
  }
  const m = await module;
  return m && { threaded, module: m };
}

function startWorker(): Worker {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'parquetry' });
}

/** The worker `prepare` started for the next call, with the threads it was asked for. */
let spare: { worker: Worker; threads?: number; ready: Promise<Prepared>; drop: () => void; state: SpareState } | undefined;

interface SpareState {
  /** Set by `unprepare`. */
  ended?: boolean;
  /** The build this worker is warming up, until it is loaded. */
  warming?: boolean;
}

/** Builds whose page-compiled module a prepared worker has warmed or is warming (a worker
 * ended by `unprepare` before its warm-up was over gives its build back). */
const warmedBuilds = new Set<boolean>();

export interface PrepareOptions extends Pick<CallOptions, 'threads'> {
  /** Convert a small generated CSV in the worker once the engine is loaded (default true,
   * once per page and build): V8 then optimises the engine's hot code at this point rather
   * than during the first real conversion, which otherwise runs up to twice as long as
   * the next ones. Costs about a third of a second of one worker's time. */
  warmUp?: boolean;
}

/** What `prepare` readied: the build, and the warm-up it ran, if it ran one. */
export interface Prepared extends BuildInfo {
  warmUp?: WarmUp;
}

/**
 * Starts the worker for the next `convert` or `inspect` now, with the engine compiled, its
 * threads running and its code warmed up, so that call starts at once and at full speed:
 * loading takes a noticeable part of a second, about as long as converting 15 MB. Call it
 * when a page loads, or when a person opens a file picker. One worker is kept ready at a
 * time, for a call with the same `threads`; it holds its wasm memory (7 MB; about 30 MB
 * after the warm-up's conversion, memory wasm cannot give back) until a call uses it or
 * `unprepare` ends it. A worker whose call left it at most `KEEP_WORKER_BYTES` of wasm
 * memory is kept the same way, and `prepare` then resolves with it. A call that takes the
 * worker while it warms up starts after the warm-up. Resolves with the build chosen and
 * the warm-up run, if one was.
 */
export function prepare(options: PrepareOptions = {}): Promise<Prepared> {
  if (spare && spare.threads === options.threads) return spare.ready;
  unprepare();
  const worker = startWorker();
  let drop = () => {};
  const state: SpareState = {};
  // Listeners, not handlers: a call that takes the worker sets its own handlers, and this
  // promise must still settle for whoever awaits it.
  const ready = new Promise<Prepared>((resolve, reject) => {
    drop = () => reject(new ParquetryError({ code: 'aborted', message: 'the prepared worker was ended before it was used' }));
    worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => {
      if (ev.data.type === 'loaded') {
        delete state.warming;
        resolve(ev.data.warmUp ? { ...ev.data.build, warmUp: ev.data.warmUp } : ev.data.build);
      } else if (ev.data.type === 'error') reject(new ParquetryError(ev.data.error));
    });
    worker.addEventListener('error', (ev) =>
      reject(new ParquetryError({ code: 'worker', message: `the conversion worker failed to start: ${ev.message || 'unknown error'}` })),
    );
  });
  ready.catch(() => {}); // a failure also reaches the call that uses the worker
  void compiledFor(options.threads).then((compiled) => {
    if (state.ended) return;
    // A module warmed once serves every worker after; a worker's own module (the page's
    // compile failed) is warmed for that worker's call.
    const warmUp = options.warmUp !== false && !(compiled && warmedBuilds.has(compiled.threaded));
    if (warmUp && compiled) {
      warmedBuilds.add(compiled.threaded);
      state.warming = compiled.threaded;
    }
    worker.postMessage({ type: 'load', threads: options.threads, compiled, warmUp } satisfies ToWorker);
  });
  spare = { worker, threads: options.threads, ready, drop, state };
  return ready;
}

/** Ends the worker kept for the next call (started by `prepare`, or kept after a call). */
export function unprepare(): void {
  if (spare) {
    spare.state.ended = true;
    if (spare.state.warming !== undefined) warmedBuilds.delete(spare.state.warming);
  }
  spare?.worker.terminate();
  spare?.drop();
  spare = undefined;
}

/** Most wasm memory a worker may hold and still be kept for the next call (see `keep`). */
export const KEEP_WORKER_BYTES = 64 * 2 ** 20;

/**
 * After a job that ended well, keeps its worker as the spare for the next call, instead of
 * ending it, when no other is ready and the worker's wasm memory (which never shrinks) is at
 * most `KEEP_WORKER_BYTES`; returns whether it did. A page converting file after file then
 * uses one worker, without starting one (~0.1–0.2 s) per call. It also bounds memory: the
 * threaded build's idle rayon threads wait in `Atomics.wait`, which only Chromium's
 * forcible termination interrupts, 2 s after `terminate()`, so until then an ended worker
 * holds its memory and threads (40 small conversions in 3 s left 29 ending workers and
 * 400 MB behind).
 */
function keep(worker: Worker, threads: number | undefined, build: BuildInfo, wasmMemoryBytes: number): boolean {
  if (spare || wasmMemoryBytes > KEEP_WORKER_BYTES) return false;
  worker.onmessage = null;
  worker.onerror = null;
  spare = { worker, threads, ready: Promise.resolve(build), drop: () => {}, state: {} };
  return true;
}

/** The prepared worker, if it suits a call with these `threads`. */
function takeSpare(threads?: number): Worker | undefined {
  if (!spare || spare.threads !== threads) return undefined;
  const { worker } = spare;
  spare = undefined;
  return worker;
}

/** Runs one job in a fresh (or prepared) worker; resolves with the worker's final message. */
function runInWorker(kind: Job['kind'], input: Input, options: ConvertOptions): Promise<{ msg: FromWorker; build: BuildInfo; piped?: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(new ParquetryError({ code: 'aborted', message: 'conversion cancelled' }));
      return;
    }
    let prepared: ReturnType<typeof toJob>;
    try {
      prepared = toJob(kind, input, options);
    } catch (e) {
      reject(e);
      return;
    }
    const worker = takeSpare(options.threads) ?? startWorker();
    let build: BuildInfo = { threaded: false, threads: 1, reason: 'not started' };
    const end = (msg?: FromWorker) => {
      signal?.removeEventListener('abort', onAbort);
      const done = msg?.type === 'converted' || msg?.type === 'inspected' ? msg : undefined;
      if (!(done && !signal?.aborted && keep(worker, options.threads, build, done.wasmMemoryBytes))) worker.terminate();
    };
    const onAbort = () => {
      // Let the worker abort its output stream first, then end it whatever it is doing.
      worker.postMessage({ type: 'abort' } satisfies ToWorker);
      setTimeout(end, 1000);
      signal?.removeEventListener('abort', onAbort);
      reject(new ParquetryError({ code: 'aborted', message: 'conversion cancelled' }));
    };
    signal?.addEventListener('abort', onAbort);
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const msg = ev.data;
      if (msg.type === 'build') {
        build = msg.build;
        options.onBuild?.(build);
      } else if (msg.type === 'progress') {
        options.onProgress?.(msg.progress);
      } else if (msg.type !== 'loaded') {
        end(msg);
        if (msg.type === 'error') reject(new ParquetryError(msg.error));
        else resolve({ msg, build, piped: prepared.piped });
      }
    };
    worker.onerror = (ev) => {
      end();
      reject(new ParquetryError({ code: 'worker', message: `the conversion worker failed to start: ${ev.message || 'unknown error'}` }));
    };
    // After a prepared worker's `load` (posted when the same module was ready), which it keeps.
    void compiledFor(options.threads).then((compiled) =>
      worker.postMessage({ type: 'run', job: prepared.job, compiled } satisfies ToWorker, prepared.transfer),
    );
  });
}

/** Converts CSV to Parquet. */
export async function convert(input: Input, options: ConvertOptions = {}): Promise<Result> {
  const { msg, build, piped } = await runInWorker('convert', input, options);
  if (msg.type !== 'converted') throw new ParquetryError({ code: 'internal', message: `unexpected reply ${msg.type}` });
  // The output is complete only once the relay has closed the caller's stream.
  await piped?.catch((e: unknown) => {
    throw new ParquetryError({ code: 'io', message: `the output could not be written: ${e instanceof Error ? e.message : String(e)}` });
  });
  const r = msg.report;
  return {
    output: msg.output,
    schema: r.columns,
    rowsIn: r.rows_in,
    rowsWritten: r.rows_written,
    rowsRejected: r.rows_rejected,
    rejected: r.rejected,
    timingsMs: r.timings_ms,
    peakWasmMemoryBytes: msg.peakWasmMemoryBytes,
    peakHeapBytes: r.peak_heap_bytes,
    build,
    report: r,
  };
}

export interface InspectOptions extends EngineOptions, CallOptions {
  /** Infer from the first `sampleRows` rows only (default 10,000) and read no further: a
   * preview of a large file in well under a second. Types a later row would change are not
   * seen; `convert` of a File still reads every row. */
  preview?: boolean;
}

/** Sniffs the dialect and infers every column's type, without converting. */
export async function inspect(input: Input, options: InspectOptions = {}): Promise<Inference> {
  const { msg } = await runInWorker('inspect', input, options);
  if (msg.type !== 'inspected') throw new ParquetryError({ code: 'internal', message: `unexpected reply ${msg.type}` });
  return msg.inference;
}
