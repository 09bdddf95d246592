// The web app (index.html + web/app). It uses the npm package as a user would, by name:
// `parquetry` resolves to the built package in web/dist (scripts/build-web.sh).
// COOP/COEP make the page cross-origin isolated, which the threaded wasm build needs for
// SharedArrayBuffer.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  publicDir: 'web/public',
  resolve: { alias: { parquetry: fileURLToPath(new URL('./web/dist/index.js', import.meta.url)) } },
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['parquetry'] },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
});
