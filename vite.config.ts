// The web app (index.html + web/app). It uses the npm package as a user would, by name:
// `parquetry` resolves to the built package in web/dist (scripts/build-web.sh).
// COOP/COEP make the page cross-origin isolated, which the threaded wasm build needs for
// SharedArrayBuffer.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type ResolvedConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The service worker (web/app/sw.ts) as `sw.js` at the root of the build, so its scope is the
 * whole app, with the precache manifest written into it: every file of the build (bundle,
 * workers, wasm, public dir) and a hash of them all, so any change to the app changes sw.js
 * and browsers install the new version.
 */
function serviceWorker(): Plugin {
  const SW = 'sw.js';
  let config: ResolvedConfig;
  let emitted: string[] = [];
  return {
    name: 'parquetry-service-worker',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: fileURLToPath(new URL('./web/app/sw.ts', import.meta.url)), fileName: SW });
    },
    // `post`: after index.html is added to the bundle.
    generateBundle: {
      order: 'post',
      handler(_, bundle) {
        emitted = Object.keys(bundle);
      },
    },
    // After the bundle and the public dir are on disk, so the manifest can hash their bytes.
    writeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        const out = config.build.outDir;
        const files = new Set(emitted);
        if (config.publicDir) for (const f of await readdir(config.publicDir, { recursive: true, withFileTypes: true })) if (f.isFile()) files.add(relative(config.publicDir, join(f.parentPath, f.name)).split(sep).join('/'));
        files.delete(SW);
        for (const f of files) if (f.endsWith('.map') || f.startsWith('.vite/')) files.delete(f);
        const list = [...files].sort();
        const hash = createHash('sha256');
        for (const f of list) hash.update(`${f}\0`).update(await readFile(join(out, f))).update('\0');
        const precache = { version: hash.digest('hex').slice(0, 16), files: list };
        const code = await readFile(join(out, SW), 'utf8');
        await writeFile(join(out, SW), `self.__PARQUETRY_PRECACHE__=${JSON.stringify(precache)};\n${code}`);
      },
    },
  };
}

export default defineConfig({
  publicDir: 'web/public',
  resolve: { alias: { parquetry: fileURLToPath(new URL('./web/dist/index.js', import.meta.url)) } },
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['parquetry'] },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  plugins: [serviceWorker()],
});
