import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The built web console (`npm run build`: dist/web/), from the built node (dist/node/api/) or its sources (node/api/). */
export const CONSOLE_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../web/' : '../../dist/web/', import.meta.url));

/** The console's own paths (client-side routes): each answers index.html. */
export const CONSOLE_PAGES = ['/', '/verify', '/cases', '/cases/:id', '/supervise', '/network', '/act', '/c/:id'];

/**
 * Only the node's own origin: the console fetches nothing from elsewhere (no fonts, CDNs, analytics), and its
 * verifier reads files locally.
 */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serve the web console at `/`: hashed assets (assets/*) cached for a year as immutable, index.html never cached (it
 * names the current assets). Public like /v1/public/*: the console holds no data, the API it calls decides access.
 * Skipped, with false returned, when the console was not built.
 */
export async function consoleRoutes(app: FastifyInstance, dir = CONSOLE_DIR): Promise<boolean> {
  if (!existsSync(`${dir}/index.html`)) return false;
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: `${dir}/assets`,
      prefix: '/assets/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=31536000, immutable'),
    });
    for (const page of CONSOLE_PAGES)
      scope.get(page, { schema: { hide: true } }, (_req, reply) =>
        reply.header('cache-control', 'no-cache').header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').sendFile('index.html', dir, { cacheControl: false }),
      );
  });
  return true;
}
