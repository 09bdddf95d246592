// Loads one of the two wasm builds. The threaded one needs SharedArrayBuffer, which browsers
// only give cross-origin isolated pages (COOP/COEP headers); otherwise the single-threaded
// build runs. Both are emitted by scripts/build-wasm.sh into ./wasm/{mt,st}.

import type { WasmEngine } from './drive.js';

export interface BuildInfo {
  threaded: boolean;
  threads: number;
  /** Why this build was chosen, in words for a person. */
  reason: string;
}

/** Which build can run here, and why. `threads`: 1 forces the single-threaded build. */
export function chooseBuild(threads?: number): BuildInfo {
  const cores = (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1;
  if (threads === 1) return { threaded: false, threads: 1, reason: 'one thread was asked for' };
  if (typeof SharedArrayBuffer === 'undefined' || !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
    return {
      threaded: false,
      threads: 1,
      reason: 'the page is not cross-origin isolated (it needs the COOP/COEP headers), so threads are unavailable',
    };
  }
  const n = Math.max(1, Math.min(threads ?? cores, cores));
  return { threaded: true, threads: n, reason: `cross-origin isolated: ${n} threads` };
}

/** Where each build's wasm is, for the page to compile it once (see `compileBuild`). */
function wasmUrl(threaded: boolean): URL {
  return threaded
    ? new URL('./wasm/mt/parquetry_wasm_bg.wasm', import.meta.url)
    : new URL('./wasm/st/parquetry_wasm_bg.wasm', import.meta.url);
}

/** Compiles a build's wasm (streaming where the server says `application/wasm`). */
export async function compileBuild(threaded: boolean): Promise<WebAssembly.Module> {
  const url = wasmUrl(threaded);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}

/** Loads a build: from `module` if given (compiled by the page), else fetched here. */
export async function loadEngine(build: BuildInfo, module?: WebAssembly.Module): Promise<WasmEngine> {
  const init = module ? { module_or_path: module } : undefined;
  if (build.threaded) {
    const m = await import('./wasm/mt/parquetry_wasm.js');
    // wasm-bindgen-rayon's thread workers import this same module and call this export.
    // Naming it here stops bundlers (Vite/Rollup) from dropping it as unused.
    if (typeof m.wbg_rayon_start_worker !== 'function') throw new Error('threaded build lacks its worker entry');
    const exports = await m.default(init);
    await m.initThreadPool(build.threads);
    return { Session: m.Session, memory: exports.memory };
  }
  const m = await import('./wasm/st/parquetry_wasm.js');
  const exports = await m.default(init);
  return { Session: m.Session, memory: exports.memory };
}
