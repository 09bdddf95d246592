// Messages between the page (index.ts) and the conversion worker (worker.ts).

import type { ErrorInfo } from './errors.js';
import type { BuildInfo } from './engine.js';
import type { WarmUp } from './warm.js';
import type { Inference, Progress, Report } from './types.js';

export interface Job {
  kind: 'convert' | 'inspect';
  input: Blob | ReadableStream<Uint8Array>;
  output?: WritableStream<Uint8Array>;
  /** `output` leads to a file that takes `{ type: 'truncate', size }` chunks (a File System
   * Access stream): output can be taken back, so a Blob input is read once on trial. */
  truncates?: boolean;
  /** Engine options as JSON. */
  options: string;
  threads?: number;
  /** inspect: types from the first `sampleRows` rows only. */
  preview?: boolean;
}

export type FromWorker =
  | { type: 'build'; build: BuildInfo }
  /** The engine is loaded, its threads are started and, if asked, warmed (after a `load`). */
  | { type: 'loaded'; build: BuildInfo; warmUp?: WarmUp }
  | { type: 'progress'; progress: Progress }
  | { type: 'converted'; report: Report; peakWasmMemoryBytes: number; output?: Blob; wasmMemoryBytes: number }
  | { type: 'inspected'; inference: Inference; wasmMemoryBytes: number }
  | { type: 'error'; error: ErrorInfo };

/** The page's compiled wasm for the build it expects the worker to choose, if it has one:
 * every worker instantiates the same module, so code V8 optimised in one conversion is
 * already optimised in the next. */
export interface Compiled {
  threaded: boolean;
  module: WebAssembly.Module;
}

/** A job's final message gives the worker's wasm memory (`wasmMemoryBytes`, which never
 * shrinks): the page keeps a worker whose memory stayed small for the next call. */

/** `load` readies the engine ahead of a `run` (see `prepare`), with a warm-up conversion
 * if `warmUp`; `run` loads it if need be. */
export type ToWorker =
  | { type: 'load'; threads?: number; compiled?: Compiled; warmUp?: boolean }
  | { type: 'run'; job: Job; compiled?: Compiled }
  | { type: 'abort' };
