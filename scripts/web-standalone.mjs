#!/usr/bin/env node
// After `vite build`: dist/web/tongban-console.html, the console as one self-contained file (script and styles
// inlined) that opens from disk with no server: its Verify page checks bundles offline. The node serves dist/web/.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');
let html = readFileSync(join(dir, 'index.html'), 'utf8');
const asset = (ref) => readFileSync(join(dir, ref.replace(/^\.?\//, '')), 'utf8');
let found = 0;
html = html.replace(/<script type="module" crossorigin src="([^"]+)"><\/script>/, (_m, src) => {
  found++;
  return `<script type="module">${asset(src).replace(/<\/script/gi, '<\\/script')}</script>`;
});
html = html.replace(/<link rel="stylesheet" crossorigin href="([^"]+)">/, (_m, href) => {
  found++;
  return `<style>${asset(href).replace(/<\/style/gi, '<\\/style')}</style>`;
});
if (found !== 2) {
  console.error(`web-standalone: expected one script and one stylesheet in dist/web/index.html, inlined ${found}`);
  process.exit(1);
}
writeFileSync(join(dir, 'tongban-console.html'), html);
console.log(`web-standalone: dist/web/tongban-console.html (${html.length} bytes)`);
