// Renderer build: one offline bundle (Monaco, its workers and Plotly included) loadable from the web host
// at `/` and from Electron over file://, hence the relative base.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { COMPILE_ALL_FUNCTIONS } from './src/lib/compile-hints';

const here = fileURLToPath(new URL('.', import.meta.url));

const PLOTLY = /[\\/]node_modules[\\/]plotly\.js-cartesian-dist-min[\\/]/;

/** Starts the Plotly chunk with V8's compile hint, after minification so that nothing strips it. */
const plotlyCompileHint: Plugin = {
  name: 'plotly-compile-hint',
  apply: 'build',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk' && chunk.name === 'plotly') chunk.code = `${COMPILE_ALL_FUNCTIONS}\n${chunk.code}`;
  },
};

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), plotlyCompileHint],
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
    // Plotly in a chunk of its own, so that its compile hint covers Plotly and nothing else.
    rollupOptions: { output: { manualChunks: (id) => (PLOTLY.test(id) ? 'plotly' : undefined) } },
  },
  worker: { format: 'es' },
});
