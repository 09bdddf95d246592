// The web app's build (grown by the browser issues). COOP/COEP make the page cross-origin
// isolated, which the threaded wasm build needs for SharedArrayBuffer.
import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
});
