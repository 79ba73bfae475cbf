import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { NodeApi } from './ports.js';
import type { NodeOptions } from '../options.js';
import { ErrorLog } from './error-log.js';
import { apiError, toApiError } from './errors.js';
import { recordRoutes } from './records.js';
import { readRoutes } from './reads.js';
import { governanceRoutes } from './governance.js';
import { eventRoutes } from './events.js';
import { caseRoutes } from './cases.js';
import { publicRoutes } from './public.js';
import { consoleRoutes } from './console.js';

export interface ApiInit {
  host: string;
  port: number;
  bodyLimit?: number;
  rateLimitPerMinute?: number;
  /** Overrides of the node's HTTP limits (timeouts, connection cap). */
  limits?: Partial<HttpLimits>;
}

export type HttpLimits = Pick<
  NodeOptions,
  | 'httpHeadersTimeoutMs'
  | 'httpRequestTimeoutMs'
  | 'httpConnectionTimeoutMs'
  | 'httpKeepAliveTimeoutMs'
  | 'httpMaxRequestsPerSocket'
  | 'httpMaxConnections'
  | 'httpTimeoutCheckMs'
  | 'httpErrorLogWindowMs'
>;

/** A path that climbs out of its folder (`..` segments, raw or percent-encoded, or backslashes): never served. */
export function isTraversal(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  if (!/[.%\\]/.test(path)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  return decoded.includes('\\') || decoded.includes('\0') || /(^|\/)\.\.(\/|$)/.test(decoded);
}

/**
 * The node's HTTP API (fastify 5): JSON schemas on every route, OpenAPI at
 * /docs, body limits, rate limit, typed error bodies {code, message}.
 */
export async function startApi(node: NodeApi, init: ApiInit): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...node.opts, ...init.limits };
  const app: FastifyInstance = Fastify({
    // Per-request logs only when debugging: at thousands of appends a second they would dominate.
    loggerInstance: node.log.child({ component: 'http' }, { level: ['debug', 'trace'].includes(node.log.level) ? node.log.level : 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: init.bodyLimit ?? node.opts.httpBodyLimit,
    // A busy machine (many nodes starting at once) must not fail the start on plugin timing.
    pluginTimeout: 60_000,
    // Slow or idle clients do not hold sockets: header, request and idle timeouts, a cap on requests per connection.
    requestTimeout: limits.httpRequestTimeoutMs,
    connectionTimeout: limits.httpConnectionTimeoutMs,
    keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
    maxRequestsPerSocket: limits.httpMaxRequestsPerSocket,
    http: { headersTimeout: limits.httpHeadersTimeoutMs, connectionsCheckingInterval: limits.httpTimeoutCheckMs },
  });
  app.server.maxConnections = limits.httpMaxConnections;
  const errors = new ErrorLog(node.log.child({ component: 'http' }), limits.httpErrorLogWindowMs);
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
    // Bounded: no bodies, a short stack, and one line per route and code per window.
    if (e.status >= 500) errors.error(`${req.method} ${req.routeOptions.url ?? 'unknown'} ${(err as { code?: string }).code ?? ''}`, err, { method: req.method, route: req.routeOptions.url ?? null });
    void reply.status(e.status).send({ code: e.code, message: e.message, ...(e.standing ? { standing: e.standing } : {}) });
  });
  // Nothing is served from outside its folder (swagger-ui's static files under /docs): 404, as if absent.
  app.addHook('onRequest', async (req, reply) => {
    if (isTraversal(req.url)) return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such path' });
  });
  // The schema validator lets "Infinity" and "1e999" through as numbers beyond every minimum and maximum.
  app.addHook('preHandler', async (req) => {
    for (const where of [req.query, req.params] as Record<string, unknown>[]) {
      if (where) for (const [k, v] of Object.entries(where)) if (typeof v === 'number' && !Number.isFinite(v)) throw apiError(400, 'BAD_PARAMETER', `parameter ${k}: must be a finite number`);
    }
  });
  app.setNotFoundHandler((req, reply) => void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }));
  app.addHook('onResponse', async (req, reply) => {
    node.metrics.http.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  await recordRoutes(app, node);
  await readRoutes(app, node);
  await governanceRoutes(app, node);
  await eventRoutes(app, node);
  await caseRoutes(app, node);
  await publicRoutes(app, node);
  await consoleRoutes(app);
  await app.listen({ host: init.host, port: init.port });
  return app;
}
