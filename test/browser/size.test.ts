import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST_WEB } from './browser.js';

/** The console's budget (issue 14): everything the browser loads, verifier included, gzipped. */
const BUDGET_GZIP_BYTES = 300 * 1024;

describe('console size', () => {
  it('the built console (index.html and every asset) stays under 300 KB gzipped', () => {
    const files = ['index.html', ...readdirSync(join(DIST_WEB, 'assets')).map((f) => join('assets', f))];
    const sizes = files.map((f) => ({ f, gz: gzipSync(readFileSync(join(DIST_WEB, f)), { level: 9 }).length }));
    const total = sizes.reduce((a, s) => a + s.gz, 0);
    console.log(`console: ${sizes.map((s) => `${s.f} ${(s.gz / 1024).toFixed(1)} KB`).join(', ')}; total ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(total).toBeLessThan(BUDGET_GZIP_BYTES);
  });
});
