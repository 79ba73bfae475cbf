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
import { adminRoutes } from './admin.js';
import { prepareRoutes } from './prepare.js';
import { actorRoutes } from './actors.js';
import { publicRoutes } from './public.js';
import { consoleRoutes } from './console.js';
import { attachAuth, checkApiSecurity, type AuthInit } from './auth.js';
import { attachCors } from './cors.js';
import { binaryBodies } from './schemas.js';
import { expiryWarning, loadTls, type TlsFiles, type TlsMaterial } from './tls.js';
import type { TokenFile } from './tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Re-read the TLS certificate and key (SIGHUP) and the token file; a bad new file keeps the old one served. */
    reloadSecurity(): SecurityReload;
  }
}

/** What a reload did: the certificate now served, and what could not be reloaded. */
export interface SecurityReload {
  tls?: { notAfter: string; fingerprint256: string };
  errors: string[];
}

export interface ApiInit {
  host: string;
  port: number;
  bodyLimit?: number;
  rateLimitPerMinute?: number;
  /** Overrides of the node's HTTP limits (timeouts, connection cap). */
  limits?: Partial<HttpLimits>;
  /** Serve https with these PEM files (README "Securing the API"); reloaded by app.reloadSecurity(). */
  tls?: TlsFiles;
  /** API tokens; without, the API is open (allowed only on a loopback host unless allowOpen). */
  auth?: AuthInit;
  /** Serve without tokens on a non-loopback host, on purpose. */
  allowOpen?: boolean;
  /** Origins a web console may call the API from (CORS); default none. */
  corsOrigins?: string[];
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
  checkApiSecurity(init.host, init.auth, init.allowOpen);
  const tlsLog = node.log.child({ component: 'tls' });
  let tls: TlsMaterial | undefined = init.tls ? loadTls(init.tls) : undefined;
  const tlsServed = (m: TlsMaterial) => {
    node.metrics.tlsNotAfter.set({ cert: init.tls!.certFile }, m.notAfter.getTime() / 1000);
    tlsLog.info({ certFile: init.tls!.certFile, subject: m.subject, notAfter: m.notAfter.toISOString(), fingerprint256: m.fingerprint256 }, 'HTTP API certificate loaded');
    checkExpiry(m);
  };
  const checkExpiry = (m: TlsMaterial) => {
    const warning = expiryWarning(m, init.tls!.certFile, node.opts.tlsExpiryWarnDays, Date.now());
    if (warning) tlsLog.warn({ certFile: init.tls!.certFile, notAfter: m.notAfter.toISOString() }, warning);
  };
  const app: FastifyInstance = Fastify({
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    // Per-request logs only when debugging: at thousands of appends a second they would dominate.
    loggerInstance: node.log.child({ component: 'http' }, { level: ['debug', 'trace'].includes(node.log.level) ? node.log.level : 'warn' }) as unknown as FastifyBaseLogger,
    bodyLimit: init.bodyLimit ?? node.opts.httpBodyLimit,
    // A busy machine (many nodes starting at once) must not fail the start on plugin timing.
    pluginTimeout: 60_000,
    // A field or parameter the route does not know is refused and named (400), not silently dropped: a misspelt
    // option from an integrator's client must not look accepted. Fastify's default removes it instead.
    ajv: { customOptions: { removeAdditional: false } },
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
    transform: binaryBodies,
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
    void reply.status(e.status).send({ code: e.code, message: e.message, ...(e.standing ? { standing: e.standing } : {}), ...(e.field ? { field: e.field } : {}) });
  });
  // Nothing is served from outside its folder (swagger-ui's static files under /docs): 404, as if absent.
  app.addHook('onRequest', async (req, reply) => {
    if (isTraversal(req.url)) return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such path' });
  });
  // CORS before tokens: a preflight carries no token.
  attachCors(app, init.corsOrigins ?? []);
  const tokens: TokenFile | undefined = init.auth ? attachAuth(app, node, init.auth, init.host, init.allowOpen ?? false) : undefined;
  if (tls) tlsServed(tls);
  // A node runs for months: the expiry is checked daily, not only at start and reload.
  const expiryTimer = tls ? setInterval(() => tls && checkExpiry(tls), node.opts.tlsExpiryCheckMs).unref() : undefined;
  app.addHook('onClose', async () => clearInterval(expiryTimer));
  app.decorate('reloadSecurity', (): SecurityReload => {
    const errors: string[] = [];
    if (init.tls) {
      try {
        const next = loadTls(init.tls);
        (app.server as unknown as { setSecureContext(o: { cert: Buffer; key: Buffer }): void }).setSecureContext({ cert: next.cert, key: next.key });
        tls = next;
        tlsServed(next);
      } catch (e) {
        errors.push((e as Error).message);
        tlsLog.error({ err: e }, 'HTTP API certificate not reloaded: the one loaded before is still served');
      }
    }
    try {
      tokens?.refresh();
    } catch (e) {
      errors.push((e as Error).message);
    }
    return { ...(tls ? { tls: { notAfter: tls.notAfter.toISOString(), fingerprint256: tls.fingerprint256 } } : {}), errors };
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
  await adminRoutes(app, node);
  await prepareRoutes(app, node);
  await actorRoutes(app, node);
  await publicRoutes(app, node);
  await consoleRoutes(app);
  await app.listen({ host: init.host, port: init.port });
  return app;
}
