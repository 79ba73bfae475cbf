import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { KIND_ROLE, isKnownKind } from '../../protocol/records/kinds.js';
import { decodeRequest } from '../../protocol/records/request.js';
import { decodeCanonical, isMap } from '../../protocol/cbor.js';
import { fromBase64 } from '../../protocol/bytes.js';
import type { Metrics } from '../metrics.js';
import { includes, type Scope, type TokenEntry, TokenFile } from './tokens.js';

/**
 * Token authorization of the HTTP API (README "Securing the API"). Public: /healthz, /v1/public/* and every
 * path outside /v1 that is not /metrics or /docs (the web console's static files). Everything else needs
 * `Authorization: Bearer <token>` with the route's scope, once tokens are in force.
 */

/** `auto`: tokens are in force once the token file exists (even emptied by revocations); `tokens`: always. */
export type AuthMode = 'auto' | 'tokens';

export interface AuthInit {
  mode: AuthMode;
  /** The JSON file of hashed tokens (node/api/tokens.ts). */
  tokensFile: string;
}

/** What a route needs: nothing, one scope, or (POST /v1/records) the scope of the record's kind. */
export type Access = 'public' | Scope | 'record';

/** The routes whose class differs from the default (GET read, other methods write), by route pattern. */
const ROUTE_ACCESS: [method: string | '*', prefix: string, access: Access][] = [
  ['*', '/v1/public', 'public'],
  ['POST', '/v1/records', 'record'],
  ['*', '/v1/governance', 'admin'],
  ['*', '/v1/operators', 'admin'],
  ['*', '/v1/tokens', 'admin'],
  // A backup holds the whole store: an admin's.
  ['*', '/v1/admin', 'admin'],
  // The listing of every case with its light is the supervisor's view; a case by id or serial is a read.
  ['GET', '/v1/cases', 'supervise'],
  ['*', '/v1/supervision', 'supervise'],
];

const under = (url: string, prefix: string) => url === prefix || url.startsWith(`${prefix}/`);

/** The access a route needs, from its method and route pattern (undefined: no route matched, a public 404). */
export function accessOf(method: string, route: string | undefined): Access {
  if (route === undefined || route === '/healthz') return 'public';
  const m = method === 'HEAD' ? 'GET' : method;
  if (under(route, '/v1')) {
    for (const [rm, prefix, access] of ROUTE_ACCESS) {
      if ((rm === '*' || rm === m) && (rm === 'GET' && prefix === '/v1/cases' ? route === prefix : under(route, prefix))) return access;
    }
    return m === 'GET' ? 'read' : 'write';
  }
  if (under(route, '/metrics') || under(route, '/docs')) return 'read';
  return 'public';
}

/** The scope a record needs by its kind: governance and officials admin, supervision supervise, the rest write. */
export function recordScope(kind: string): Scope {
  const role = isKnownKind(kind) ? KIND_ROLE[kind] : undefined;
  return role === 'admin' ? 'admin' : role === 'supervisor' ? 'supervise' : 'write';
}

/** A scope held, or (for 'record') any scope that may submit some record. */
const allowed = (held: readonly Scope[], access: Exclude<Access, 'public'>): boolean =>
  access === 'record' ? (['write', 'supervise', 'admin'] as const).some((s) => includes(held, s)) : includes(held, access);

export type ApiSecurityCode = 'OPEN_BIND';

export class ApiSecurityError extends Error {
  constructor(
    readonly code: ApiSecurityCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiSecurityError';
  }
}

export const openBindError = (host: string) =>
  new ApiSecurityError(
    'OPEN_BIND',
    `the HTTP API would listen on ${host} without tokens, open to anyone who reaches it. Fix: create a token (tongban token create --home HOME --name NAME --scope read) or set http.auth: tokens in node.yaml; or, to serve it open on purpose, set http.allowOpen: true`,
  );

/**
 * What startApi would refuse, checked before a node starts its store and network (a refusal then costs nothing):
 * an open non-loopback bind, a damaged token file.
 */
export function checkApiSecurity(host: string, auth: AuthInit | undefined, allowOpen = false): void {
  const exposed = !isLoopback(host) && !allowOpen;
  if (!auth) {
    if (exposed) throw openBindError(host);
    return;
  }
  const tokens = new TokenFile(auth.tokensFile);
  tokens.refresh();
  if (exposed && auth.mode === 'auto' && !tokens.exists) throw openBindError(host);
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Who asked, for refusal logs: the token's name, never the token. */
const tokenOf = new WeakMap<FastifyRequest, TokenEntry>();

/**
 * Enforce tokens on `app`. On a non-loopback host without `allowOpen`, tokens are always in force (an `auto`
 * node whose token file disappears does not open up); checkApiSecurity refused such a start with no token file.
 */
export function attachAuth(app: FastifyInstance, deps: { log: Logger; metrics: Metrics }, init: AuthInit, host: string, allowOpen: boolean): TokenFile {
  const tokens = new TokenFile(init.tokensFile);
  tokens.refresh();
  const exposed = !isLoopback(host) && !allowOpen;
  const enforced = () => init.mode === 'tokens' || exposed || tokens.exists;
  if (enforced() && tokens.size === 0)
    deps.log.warn({ tokensFile: init.tokensFile }, 'API tokens are in force but none exists: every request but /healthz and /v1/public is refused until one is created (tongban token create)');
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: 401 | 403 | 503, code: string, why: string, who: string | null) => {
    deps.metrics.authRefusals.inc({ code });
    deps.log.warn({ token: who, ip: req.ip, method: req.method, url: req.url.split('?', 1)[0], status, code, reason: why }, 'API request refused');
    if (status === 401) void reply.header('www-authenticate', 'Bearer realm="tongban"');
    return reply.status(status).send({ code, message: why });
  };

  app.addHook('onRequest', async (req, reply) => {
    const access = accessOf(req.method, req.routeOptions.url);
    if (access === 'public') return;
    try {
      tokens.refresh();
    } catch (e) {
      deps.log.error({ err: e }, 'API token file is damaged: refusing requests until it is fixed');
      return refuse(req, reply, 503, 'AUTH_UNAVAILABLE', "the node's token file is damaged (see the node's log)", null);
    }
    if (!enforced()) return;
    const header = req.headers.authorization;
    if (header === undefined) return refuse(req, reply, 401, 'AUTH_REQUIRED', 'this route needs Authorization: Bearer <token>', null);
    const m = /^Bearer +(\S+)$/i.exec(header);
    if (!m) return refuse(req, reply, 401, 'AUTH_INVALID', 'the Authorization header is not "Bearer <token>"', null);
    const entry = tokens.verify(m[1]!);
    if (!entry) return refuse(req, reply, 401, 'TOKEN_UNKNOWN', 'the token is unknown or revoked', null);
    if (!allowed(entry.scopes, access)) {
      return refuse(req, reply, 403, 'SCOPE_MISSING', `token ${entry.name} has scopes ${entry.scopes.join(',')}; this route needs ${access === 'record' ? 'write' : access}`, entry.name);
    }
    tokenOf.set(req, entry);
  });

  // A record's scope follows its kind, known only once the body is parsed; an unreadable body is left to the route's 400.
  app.addHook('preHandler', async (req, reply) => {
    const entry = tokenOf.get(req);
    if (!entry || accessOf(req.method, req.routeOptions.url) !== 'record') return;
    const kind = kindOf(req.body);
    if (kind === undefined) return;
    const need = recordScope(kind);
    if (!includes(entry.scopes, need)) return refuse(req, reply, 403, 'SCOPE_MISSING', `token ${entry.name} has scopes ${entry.scopes.join(',')}; a ${kind} record needs ${need}`, entry.name);
  });
  return tokens;
}

/** The kind of a submitted request ({request: base64} JSON or CBOR bytes), if readable. */
function kindOf(body: unknown): string | undefined {
  try {
    let request: Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      const m = decodeCanonical(body);
      if (isMap(m) && m.request instanceof Uint8Array) request = m.request;
    } else if (typeof (body as { request?: unknown })?.request === 'string') {
      request = fromBase64((body as { request: string }).request, 'request');
    }
    return request ? decodeRequest(request).kind : undefined;
  } catch {
    return undefined;
  }
}
