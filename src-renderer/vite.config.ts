// Renderer build: one offline bundle (Monaco, its workers and Plotly included) loadable from the web host
// at `/` and from Electron over file://, hence the relative base.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Monaco and Plotly are large by nature and load once from disk; the warning would only be noise.
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
    reportCompressedSize: false,
    // A font inlined as a data: URL would be blocked by the CSP (font-src falls back to 'self').
    assetsInlineLimit: 0,
  },
  worker: { format: 'es' },
});
