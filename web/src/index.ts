// parquetry: CSV → exactly typed, compact Parquet in the browser, in a Web Worker.
//
//   const { output, report } = await convert(file, { onProgress, signal });
//
// Each call runs in its own worker, which ends with the call: its memory goes back to the
// browser, and cancelling is ending it.

import { engineOptions, type EngineOptions } from './options.js';
import { ParquetryError } from './errors.js';
import type { BuildInfo } from './engine.js';
import type { FromWorker, Job, ToWorker } from './protocol.js';
import type { ColumnReport, Inference, Progress, Rejection, Report } from './types.js';

export { ParquetryError } from './errors.js';
export { chooseBuild } from './engine.js';
export type { ErrorCode, ErrorInfo } from './errors.js';
export type { BuildInfo } from './engine.js';
export type { ColumnType, Compression, EngineOptions } from './options.js';
export type * from './types.js';

/** A file or Blob (read twice: exact types), or a stream or Response (read once: types from a sample). */
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
   * API). Without it, the result carries a Blob. */
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
 * worker writes is piped on here, and closing or aborting it closes or aborts `out`. */
function relay(out: WritableStream<Uint8Array>): { stream: WritableStream<Uint8Array>; piped?: Promise<void> } {
  if (Object.getPrototypeOf(out) === WritableStream.prototype) return { stream: out };
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const piped = readable.pipeTo(out);
  piped.catch(() => {}); // awaited by convert(); a cancelled conversion rejects it on purpose
  return { stream: writable, piped };
}

function toJob(kind: Job['kind'], input: Input, options: ConvertOptions): { job: Job; transfer: Transferable[]; piped?: Promise<void> } {
  const body = input instanceof Response ? input.body : input;
  if (!body) throw new ParquetryError({ code: 'empty_input', message: 'the response has no body' });
  const transfer: Transferable[] = [];
  if (!(body instanceof Blob)) transfer.push(body as unknown as Transferable);
  const out = options.output ? relay(options.output) : undefined;
  if (out) transfer.push(out.stream as unknown as Transferable);
  const preview = (options as InspectOptions).preview;
  return { job: { kind, input: body, output: out?.stream, options: engineOptions(options), threads: options.threads, preview }, transfer, piped: out?.piped };
}

/** Runs one job in a fresh worker; resolves with the worker's final message. */
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
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'parquetry' });
    let build: BuildInfo = { threaded: false, threads: 1, reason: 'not started' };
    const end = () => {
      signal?.removeEventListener('abort', onAbort);
      worker.terminate();
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
      } else {
        end();
        if (msg.type === 'error') reject(new ParquetryError(msg.error));
        else resolve({ msg, build, piped: prepared.piped });
      }
    };
    worker.onerror = (ev) => {
      end();
      reject(new ParquetryError({ code: 'worker', message: `the conversion worker failed to start: ${ev.message || 'unknown error'}` }));
    };
    worker.postMessage({ type: 'run', job: prepared.job } satisfies ToWorker, prepared.transfer);
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
