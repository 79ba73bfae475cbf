import { Type } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';

/** Response schemas shared by routes, for OpenAPI (/docs/json) and fastify's serializer. */

const Hex = (what: string) => Type.String({ pattern: '^[0-9a-f]*$', description: `${what}, lowercase hex` });
const Nullable = <T extends ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

/** A CBOR map as JSON (byte strings as hex): its fields depend on the record's kind (PROTOCOL.md §5.2, CASES.md §C.3). */
export const BodyJson = Type.Record(Type.String(), Type.Unknown(), {
  description: "a record body: its fields are the kind's (PROTOCOL.md §5.2, CASES.md §C.3), byte strings as lowercase hex",
});

/** A record decoded as JSON (PROTOCOL.md §5), byte strings as lowercase hex. */
export const RecordJson = Type.Object(
  {
    v: Type.Literal(1),
    net: Hex('network id'),
    author: Type.String({ description: 'member id: whose log' }),
    seq: Type.Integer({ minimum: 0 }),
    prev: Type.Optional(Hex('id of the previous record of the log')),
    epoch: Type.Integer({ minimum: 0 }),
    ts: Type.Integer({ description: "author's time, ms since the epoch" }),
    kind: Type.String(),
    body: BodyJson,
    refs: Type.Optional(Type.Array(Hex('record id'))),
    actor: Type.Optional(
      Type.Object({ id: Type.String({ description: 'actor id' }), nonce: Hex('request nonce'), at: Type.Integer({ description: 'request time, ms' }), sig: Hex('actor signature') }),
    ),
  },
  { description: 'a record (PROTOCOL.md §5), byte strings as lowercase hex' },
);

const Finding = Type.Object({ code: Type.String(), message: Type.String(), author: Type.Optional(Type.String()), seq: Type.Optional(Type.Integer()) });

/** The offline verifier's report of a document (protocol/bundle/verify.ts Report), as `tongban verify --json` prints it. */
export const DocReportBody = Type.Object(
  {
    doc: Type.String({ description: 'document SHA-256, hex' }),
    net: Type.String({ description: 'network id, hex' }),
    proofs: Type.Union([Type.Literal('sound'), Type.Literal('unsound')]),
    outcome: Type.Union(['approved', 'rejected', 'revoked', 'pending', 'conflict', 'not-found'].map((x) => Type.Literal(x))),
    decision: Type.Object({ outcome: Type.String(), why: Type.String(), records: Type.Array(Type.String()) }),
    stands: Type.Boolean({ description: 'sound and approved: the only case a verifier may call the document standing' }),
    asOf: Nullable(Type.Integer({ description: 'newest cosignature time in the bundle, ms' })),
    provenTo: Nullable(Type.Integer()),
    epoch: Nullable(Type.Integer()),
    events: Type.Array(
      Type.Object({
        kind: Type.String(),
        id: Type.String(),
        author: Type.String(),
        member: Type.String(),
        region: Type.String(),
        seq: Type.Integer(),
        epoch: Type.Integer(),
        ts: Type.Integer(),
        actor: Type.Optional(Type.String()),
        actorRoles: Type.Optional(Type.Array(Type.String())),
        type: Type.Optional(Type.String()),
        role: Type.Optional(Type.String()),
        decision: Type.Optional(Type.String()),
        purpose: Type.Optional(Type.String()),
        to: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
        final: Type.Boolean(),
        witnesses: Type.Integer(),
        quorum: Type.Integer(),
        witnessed: Nullable(Type.Integer()),
        counts: Type.Boolean(),
        ignored: Type.Optional(Type.String()),
      }),
    ),
    entries: Type.Array(
      Type.Object({
        author: Type.String(),
        seq: Type.Integer(),
        kind: Type.String(),
        id: Type.String(),
        final: Type.Boolean(),
        witnesses: Type.Integer(),
        quorum: Type.Integer(),
        witnessed: Nullable(Type.Integer()),
        checkpoint: Type.Integer(),
      }),
    ),
    problems: Type.Array(Finding),
    warnings: Type.Array(Finding),
    logs: Type.Array(Type.Object({ author: Type.String(), size: Type.Integer(), witnesses: Type.Integer(), witnessed: Nullable(Type.Integer()) })),
  },
  { description: 'the offline verifier’s report (PROTOCOL.md §8), exactly as `tongban verify --json` prints it' },
);

/** GET /v1/governance. */
export const GovernanceBody = Type.Object({
  epoch: Type.Integer(),
  network: Type.String({ description: 'network id, hex' }),
  epochs: Type.Array(
    Type.Object({
      epoch: Type.Integer(),
      id: Type.String({ description: 'config id, hex' }),
      config: Type.String({ description: 'the config, canonical CBOR, base64' }),
      quorum: Type.Object({ witness: Type.Integer(), governance: Type.Integer() }, { additionalProperties: true }),
      members: Type.Array(
        Type.Object(
          { id: Type.String(), name: Type.String(), region: Type.String(), key: Type.String(), peer: Type.String(), addrs: Type.Array(Type.String()), roles: Type.Array(Type.String()) },
          { additionalProperties: true },
        ),
      ),
      approvals: Type.Array(Type.String({ description: 'member ids' })),
    }),
  ),
  pending: Type.Array(
    Type.Object({
      id: Type.String(),
      epoch: Type.Integer(),
      config: Type.Optional(Type.String({ description: 'proposed config, base64' })),
      approvals: Type.Array(Type.String()),
      summary: Type.Optional(Type.Object({ epoch: Type.Integer(), members: Type.Array(Type.String()) })),
    }),
  ),
});

/** A response that is not JSON: text or bytes, by content type. */
export const textResponse = (type: string, description: string) => ({ description, content: { [type]: { schema: Type.String({ description }) } } });
export const binaryResponse = (type: string, description: string) => ({ description, content: { [type]: { schema: Type.String({ format: 'binary', description }) } } });

type BodyContent = Record<string, { schema: Record<string, unknown> }>;

/**
 * For the OpenAPI document only (@fastify/swagger's `transform`): a request body sent as raw bytes (any content type
 * but JSON) is a binary string. The route's own schema leaves it untyped, because the validator sees a Buffer, and a
 * `format` without a type makes Ajv's strict mode warn at every start.
 */
export function binaryBodies(route: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const schema = route.schema as FastifySchema | undefined;
  const content = (schema?.body as { content?: BodyContent } | undefined)?.content;
  if (!schema || !content) return { schema: route.schema, url: route.url };
  const docContent = Object.fromEntries(Object.entries(content).map(([type, c]) => [type, type === 'application/json' ? c : { ...c, schema: { ...c.schema, type: 'string', format: 'binary' } }]));
  return { schema: { ...schema, body: { ...(schema.body as object), content: docContent } }, url: route.url };
}
