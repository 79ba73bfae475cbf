import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleRoutes, CONSOLE_CSP } from '../../../node/api/console.js';
import { tempDir } from '../../helpers/consortium.js';

// The node serves the built console: hashed assets immutable, index.html (every console path) never cached.
const dir = tempDir('tongban-console-');
mkdirSync(join(dir.path, 'assets'));
writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(join(dir.path, 'assets', 'index-abc123.js'), 'console.log(1)');
afterAll(() => dir.cleanup());

describe('console static files', () => {
  it('serves index.html for the console paths with no-cache and the CSP, and assets as immutable', async () => {
    const app = Fastify();
    expect(await consoleRoutes(app, dir.path)).toBe(true);
    for (const url of ['/', '/verify', `/cases/${'a'.repeat(64)}`, '/network', `/c/${'b'.repeat(64)}`]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.body).toContain('<title>console</title>');
    }
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('serves nothing when the console was not built', async () => {
    const app = Fastify();
    expect(await consoleRoutes(app, join(dir.path, 'absent'))).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    await app.close();
  });
});
