import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { bordersPlugin } from './borders-plugin.js';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), bordersPlugin()],
  // No CDN, no external fonts: everything the page loads comes from this build.
  build: {
    outDir: resolve(here, '..', 'dist', 'web'),
    emptyOutDir: true,
    sourcemap: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
    // The borders plugin is slow on purpose (turf at build time); no need to say so on every build.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: { fs: { allow: [resolve(here, '..')] } },
});
