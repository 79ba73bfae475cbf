import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web console (web/): Preact, built to dist/web/ as one script and one stylesheet with hashed names (the node serves
// them immutable; index.html no-cache). One chunk also lets scripts/web-standalone.mjs inline it into a single HTML file
// that runs from disk with no server (the Verify page). Vite 7: Vite 8's lock entry needs an optional Windows-only
// package the registry mirror does not carry, which breaks `npm ci`.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    rollupOptions: { output: { inlineDynamicImports: true } },
  },
});
