import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The tests also serve the app without the headers, to see the single-threaded fallback.
const headers = process.env.NO_ISOLATION ? {} : isolation;

export default defineConfig({
  server: { headers },
  preview: { headers },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['parquetry'] },
});
