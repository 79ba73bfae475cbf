import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { NodeApi } from './ports.js';
import { toApiError } from './errors.js';
import { recordRoutes } from './records.js';
import { readRoutes } from './reads.js';
import { governanceRoutes } from './governance.js';

export interface ApiInit {
  host: string;
  port: number;
  bodyLimit?: number;
  rateLimitPerMinute?: number;
}

/**
 * The node's HTTP API (fastify 5): JSON schemas on every route, OpenAPI at
 * /docs, body limits, rate limit, typed error bodies {code, message}.
 */
export async function startApi(node: NodeApi, init: ApiInit): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Per-request logs only when debugging: at thousands of appends a second they would dominate.
    loggerInstance: node.log.child({ component: 'http' }, { level: ['debug', 'trace'].includes(node.log.level) ? node.log.level : 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: init.bodyLimit ?? node.opts.httpBodyLimit,
    // A busy machine (many nodes starting at once) must not fail the start on plugin timing.
    pluginTimeout: 60_000,
  });
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Tongban node API', version: '1', description: 'Records, logs, provenance, bundles and governance of one Tongban node.' },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, { max: init.rateLimitPerMinute ?? node.opts.httpRateLimitPerMinute, timeWindow: '1 minute' });
  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    void reply.status(e.status).send({ code: e.code, message: e.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }));
  app.addHook('onResponse', async (req, reply) => {
    node.metrics.http.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  await recordRoutes(app, node);
  await readRoutes(app, node);
  await governanceRoutes(app, node);
  await app.listen({ host: init.host, port: init.port });
  return app;
}

/** Kept here for route files that import it from the server. */
export { ErrorBody } from './errors.js';
