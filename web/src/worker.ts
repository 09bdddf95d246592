// The conversion worker: loads the engine (ahead of time, when prepared) and runs jobs one
// at a time, so the page never blocks. Memory is freed by ending the worker when a job is
// cancelled or fails, or left much memory behind (see `keep` in index.ts).

import { BlobParts } from './blobparts.js';
import { drive, inspectSource, type Source, type WasmEngine } from './drive.js';
import { chooseBuild, loadEngine, type BuildInfo } from './engine.js';
import { errorInfo, ParquetryError } from './errors.js';
import type { Compiled, FromWorker, Job, ToWorker } from './protocol.js';
import type { Progress } from './types.js';
import { warmUp, type WarmUp } from './warm.js';

const abort = new AbortController();
const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

interface Loading {
  build: BuildInfo;
  /** Settles once the engine is loaded and the warm-up, if any, is over: a job never runs
   * alongside the warm-up. */
  engine: Promise<WasmEngine>;
  warmed: Promise<WarmUp | undefined>;
}

/** The engine, once loading has begun: a worker loads it once, for all its jobs. */
let loading: Loading | undefined;

function load(threads?: number, compiled?: Compiled, warm = false): Loading {
  if (!loading) {
    const build = chooseBuild(threads);
    const module = compiled?.threaded === build.threaded ? compiled.module : undefined;
    const loaded = loadEngine(build, module);
    const warmed = warm ? loaded.then(warmUp) : loaded.then(() => undefined);
    loading = { build, engine: warmed.then(() => loaded), warmed };
  }
  return loading;
}

async function run(job: Job, compiled?: Compiled): Promise<void> {
  const { build, engine: loaded } = load(job.threads, compiled);
  post({ type: 'build', build });
  const engine = await loaded;
  const input = job.input;
  const source: Source = input instanceof Blob ? { reread: () => input.stream() } : { once: input };
  const hooks = {
    signal: abort.signal,
    totalBytes: input instanceof Blob ? input.size : undefined,
    onProgress: (progress: Progress) => post({ type: 'progress', progress }),
  };
  if (job.kind === 'inspect') {
    const inference = await inspectSource(engine, source, job.options, hooks, job.preview);
    post({ type: 'inspected', inference, wasmMemoryBytes: engine.memory.buffer.byteLength });
    return;
  }
  if (job.output) {
    const writer = job.output.getWriter();
    // Bytes written so far: a file that can be truncated takes back the output of a failed
    // one-pass trial, and writing goes on from there.
    let at = 0;
    const truncate = async (bytes: number) => {
      at -= bytes;
      await writer.ready;
      await writer.write({ type: 'truncate', size: at } as unknown as Uint8Array);
    };
    try {
      const done = await drive(engine, source, job.options, {
        ...hooks,
        onOutput: async (bytes) => {
          await writer.ready;
          await writer.write(bytes);
          at += bytes.length;
        },
        onDiscard: job.truncates ? truncate : undefined,
      });
      await writer.close();
      post({ type: 'converted', ...done, wasmMemoryBytes: engine.memory.buffer.byteLength });
    } catch (e) {
      // Abort, never close: the destination must not look like a complete file.
      await writer.abort(e).catch(() => {});
      throw e;
    }
    return;
  }
  const parts = new BlobParts();
  const done = await drive(engine, source, job.options, {
    ...hooks,
    onOutput: (bytes) => parts.push(bytes),
    onDiscard: (bytes) => parts.dropLast(bytes),
  });
  const output = parts.blob('application/vnd.apache.parquet');
  post({ type: 'converted', ...done, output, wasmMemoryBytes: engine.memory.buffer.byteLength });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'abort') {
    abort.abort(new ParquetryError({ code: 'aborted', message: 'conversion cancelled' }));
    return;
  }
  if (msg.type === 'load') {
    const { build, warmed } = load(msg.threads, msg.compiled, msg.warmUp);
    warmed.then(
      (warmUp) => post({ type: 'loaded', build, warmUp }),
      (e) => post({ type: 'error', error: errorInfo(e) }),
    );
    return;
  }
  run(msg.job, msg.compiled).catch((e) => post({ type: 'error', error: errorInfo(e) }));
};
