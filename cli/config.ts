import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { MEMBER_ID_PATTERN } from '../protocol/names.js';
import { EVENT_TYPES } from '../protocol/events.js';

/** A webhook (README "Events and webhooks"): events of `types` POSTed to `url`, signed with HMAC-SHA256 under `secret`. */
const Webhook = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'http(s) URL the events are POSTed to' }),
    types: Type.Array(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))), { minItems: 1, uniqueItems: true, description: `event types to deliver: ${EVENT_TYPES.join(', ')}` }),
    secret: Type.String({ minLength: 16, maxLength: 1024, description: 'HMAC-SHA256 key of the X-Tongban-Signature header (at least 16 characters)' }),
  },
  { additionalProperties: false },
);

/** A console origin allowed by CORS: scheme, host and optional port, nothing more (no `*`: tokens travel in headers). */
const ORIGIN_PATTERN = '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$';

const Multiaddr = Type.String({ pattern: '^/', description: 'a multiaddr, e.g. /ip4/0.0.0.0/tcp/4101' });

/** The node config file (YAML). Paths are relative to the config file's folder. */
export const NodeConfigSchema = Type.Object(
  {
    member: Type.String({ pattern: MEMBER_ID_PATTERN, description: "this member's id in the consortium" }),
    consortium: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,62}$', description: 'consortium name' }),
    dataDir: Type.String({ default: 'data', description: 'LevelDB store' }),
    ledgerKey: Type.String({ default: 'keys/ledger.key', description: 'ledger key file (mode 0600)' }),
    peerKey: Type.String({ default: 'keys/peer.key', description: 'libp2p peer key file (mode 0600)' }),
    adminKey: Type.Optional(Type.String({ description: "first administrator's key file: its public key becomes seq 0 (org.actor)" })),
    genesis: Type.String({ default: 'genesis.cbor', description: 'epoch-0 config bytes; sha256sum of it is the network id' }),
    listen: Type.Array(Multiaddr, { default: ['/ip4/127.0.0.1/tcp/0'] }),
    bootstrap: Type.Array(Multiaddr, { default: [], description: 'peers to dial at start (with /p2p/<peer id>)' }),
    announce: Type.Optional(Type.Array(Multiaddr, { description: 'addresses announced to peers; default the listen addresses; [] announces none' })),
    peers: Type.Optional(Type.Record(Type.String({ pattern: MEMBER_ID_PATTERN }), Type.Array(Multiaddr), { description: 'address book: where to dial a member instead of its config addresses' })),
    pskFile: Type.Optional(Type.String({ description: 'libp2p pre-shared network key (pnet) file' })),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
        headersTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description: "a request's headers must arrive within this long (default 10 s)" })),
        requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'a whole request must arrive within this long (default 30 s)' })),
        connectionTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'a silent socket is closed after this long (default 120 s)' })),
        keepAliveTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description: 'an idle keep-alive connection is closed after this long (default 72 s)' })),
        maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'open connections at once (default 1024)' })),
        maxRequestsPerSocket: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'requests per connection, 0 unlimited (default 10000)' })),
        tls: Type.Optional(
          Type.Object(
            {
              cert: Type.String({ minLength: 1, description: 'PEM certificate file (the leaf first, then its chain); reloaded on SIGHUP' }),
              key: Type.String({ minLength: 1, description: 'PEM private key file of the certificate (mode 0600); reloaded on SIGHUP' }),
              ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA file the CLI trusts for this node with --home (a private CA); default the cert file itself' })),
            },
            { additionalProperties: false, description: 'serve the HTTP API over TLS (README "Securing the API")' },
          ),
        ),
        auth: Type.Union([Type.Literal('auto'), Type.Literal('tokens')], {
          default: 'auto',
          description: 'auto: API tokens are required once the token file exists (always on a non-loopback host); tokens: always required',
        }),
        allowOpen: Type.Boolean({ default: false, description: 'serve without tokens on a non-loopback host, on purpose' }),
        corsOrigins: Type.Optional(
          Type.Array(Type.String({ pattern: ORIGIN_PATTERN, description: 'an origin, e.g. https://console.example.gov.cn' }), {
            maxItems: 32,
            uniqueItems: true,
            description: 'origins a web console may call the API from (CORS); default none',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    checkpointIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 100 }),
    witness: Type.Boolean({ default: true, description: "cosign other members' checkpoints (if a witness member)" }),
    webhooks: Type.Array(Webhook, { default: [], maxItems: 32, description: 'webhooks events are delivered to, at least once and in order each' }),
    logLevel: Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type NodeConfig = Static<typeof NodeConfigSchema> & { home: string };

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The `http` section to override, or undefined when the file's own is not a mapping (the schema then names the field). */
const httpOf = (c: Record<string, unknown>): Record<string, unknown> | undefined => {
  c.http ??= {};
  return typeof c.http === 'object' && !Array.isArray(c.http) ? (c.http as Record<string, unknown>) : undefined;
};

/** Environment overrides, documented in the README. */
const ENV: [string, (c: Record<string, any>, v: string) => void][] = [
  ['TONGBAN_HTTP_HOST', (c, v) => Object.assign(httpOf(c) ?? {}, { host: v })],
  ['TONGBAN_HTTP_PORT', (c, v) => Object.assign(httpOf(c) ?? {}, { port: Number(v) })],
  ['TONGBAN_LISTEN', (c, v) => (c.listen = v.split(',').filter(Boolean))],
  ['TONGBAN_BOOTSTRAP', (c, v) => (c.bootstrap = v.split(',').filter(Boolean))],
  ['TONGBAN_DATA_DIR', (c, v) => (c.dataDir = v)],
  ['TONGBAN_LOG_LEVEL', (c, v) => (c.logLevel = v)],
];

/** Parse and validate a node config; every error names the field and what was expected. */
export function parseNodeConfig(text: string, home: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError(`node config is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('node config must be a YAML mapping');
  const c = raw as Record<string, any>;
  for (const [name, apply] of ENV) if (env[name] !== undefined && env[name] !== '') apply(c, env[name]!);
  // TypeBox merges an array default into a present non-array (Object.assign([], {length: 1e9})): refuse those first.
  for (const [field, schema] of Object.entries(NodeConfigSchema.properties)) {
    if (Array.isArray((schema as { default?: unknown }).default) && c[field] !== undefined && !Array.isArray(c[field])) throw new ConfigError(`node config field ${field}: expected array`);
  }
  const withDefaults = Value.Default(NodeConfigSchema, Value.Clone(c));
  const errors = [...Value.Errors(NodeConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const e = errors[0]!;
    const field = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const what = e.message === 'Unexpected property' ? 'is not a known field' : `${e.message.toLowerCase()}`;
    throw new ConfigError(`node config field ${field}: ${what}`);
  }
  const cfg = withDefaults as Static<typeof NodeConfigSchema>;
  // A webhook's delivery cursor is kept per URL: two entries with one URL would share it.
  cfg.webhooks.forEach((h, i) => {
    const j = cfg.webhooks.findIndex((x) => x.url === h.url);
    if (j < i) throw new ConfigError(`node config field webhooks.${i}.url: the same URL as webhooks.${j}.url (list the types of both in one entry)`);
  });
  return { ...cfg, home };
}

export function loadNodeConfig(path: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`cannot read node config ${path}`);
  }
  return parseNodeConfig(text, dirname(resolve(path)), env);
}

/** A path from the config, resolved against the config's folder. */
export function configPath(cfg: NodeConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(cfg.home, p);
}
