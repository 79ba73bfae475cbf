import type { FastifyInstance } from 'fastify';

const ALLOW_METHODS = 'GET, HEAD, POST';
const ALLOW_HEADERS = 'authorization, content-type, last-event-id';
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for a web console served from another origin (origins as cli/config.ts checks them: scheme, host, port; no `*`) (README "Securing the API"): requests from a listed
 * origin get its Access-Control headers and their preflights a 204; others get none, so browsers refuse them.
 * A same-origin console needs none. Runs before token checks: a preflight carries no token.
 */
export function attachCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    void reply.header('vary', 'Origin');
    if (origin === undefined || !allowed.has(origin)) return;
    void reply.header('access-control-allow-origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      return reply
        .header('access-control-allow-methods', ALLOW_METHODS)
        .header('access-control-allow-headers', ALLOW_HEADERS)
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
        .status(204)
        .send();
    }
  });
}
