import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromBase64, fromHex32, toBase64, toHex } from '../../protocol/bytes.js';
import { decodeCanonical, isMap } from '../../protocol/cbor.js';
import { RecordRejected } from '../../protocol/records/rules.js';
import { DomainRefused } from '../../protocol/domain/rules.js';
import { checkAndAppend, RuleLocks } from './rules.js';
import type { NodeApi } from './ports.js';
import { laterThan, witnessCount } from '../../ledger/checkpoints.js';
import { apiError } from './errors.js';
import { toJson } from './json.js';
import { ErrorBody } from './errors.js';
import { afterWrite, StateFields, stateOf, WaitQuery } from './wait.js';
import { RecordJson } from './schemas.js';

const Submit = Type.Object(
  {
    request: Type.String({ description: 'canonical CBOR of the actor request (§5.3), base64' }),
    actor: Type.String({ description: 'actor id' }),
    sig: Type.String({ description: 'actor signature, base64 (64 bytes)' }),
  },
  { additionalProperties: false },
);

const Created = Type.Object({ id: Type.String(), author: Type.String(), seq: Type.Integer(), ...StateFields });

function parseSubmission(body: unknown): { request: Uint8Array; actor: string; sig: Uint8Array } {
  if (body instanceof Uint8Array) {
    let m;
    try {
      m = decodeCanonical(body);
    } catch (e) {
      throw apiError(400, 'CBOR_INVALID', `body is not canonical CBOR: ${(e as Error).message}`);
    }
    if (!isMap(m) || !(m.request instanceof Uint8Array) || typeof m.actor !== 'string' || !(m.sig instanceof Uint8Array)) {
      throw apiError(400, 'BAD_REQUEST', 'CBOR body must be {request: bytes, actor: text, sig: bytes}');
    }
    return { request: m.request, actor: m.actor, sig: m.sig };
  }
  const b = body as { request: string; actor: string; sig: string };
  let request: Uint8Array;
  let sig: Uint8Array;
  try {
    request = fromBase64(b.request, 'request');
    sig = fromBase64(b.sig, 'sig');
  } catch (e) {
    throw apiError(400, 'BASE64_INVALID', (e as Error).message);
  }
  return { request, actor: b.actor, sig };
}

export async function recordRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const locks = new RuleLocks();
  app.post(
    '/v1/records',
    {
      schema: {
        summary: "Append an actor-signed request to this node's log",
        description:
          'JSON {request, actor, sig} (base64) or application/cbor {request, actor, sig}. 201 only once the record is durable (or, with ?wait=, once it reached that state; 202 with its current state if the wait timed out), and only for a record that counts: a request that breaks an acceptance or domain rule is refused with a 4xx whose code names the rule; a duplicate is 409 with `standing`, the id of the record that already stands.',
        querystring: WaitQuery,
        body: {
          content: {
            'application/json': { schema: Submit },
            // No type: the validator sees the parsed bytes (a Buffer); the OpenAPI document calls it binary (server.ts).
            'application/cbor': { schema: { description: 'canonical CBOR map {request: bytes, actor: text, sig: bytes}' } },
          },
        },
        response: { 201: Created, 202: Created, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = req.body as unknown;
      if (!(body instanceof Uint8Array) && (typeof body !== 'object' || body === null || typeof (body as { request?: unknown }).request !== 'string')) {
        throw apiError(400, 'BAD_REQUEST', 'body must be {request, actor, sig}');
      }
      const sub = parseSubmission(body);
      if (sub.sig.length !== 64) throw apiError(400, 'BAD_REQUEST', 'sig must be 64 bytes');
      try {
        const r = await checkAndAppend(node.ledger, locks, sub);
        node.metrics.appends.inc();
        const w = await afterWrite(node.ledger, r.envelope, req.query as never);
        return reply.status(w.status).send({ id: toHex(r.id), author: r.envelope.record.author, seq: r.seq, ...w.state });
      } catch (e) {
        if (e instanceof RecordRejected || e instanceof DomainRefused) node.metrics.appendRejects.inc({ rule: e.rule });
        throw e;
      }
    },
  );

  app.get(
    '/v1/records/:id',
    {
      schema: {
        summary: 'A record by id, decoded, with its envelope and finality',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            author: Type.String(),
            seq: Type.Integer(),
            record: RecordJson,
            envelope: Type.String(),
            final: Type.Boolean(),
            witnesses: Type.Integer(),
            ...StateFields,
          }),
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const env = await node.ledger.recordById(fromHex32((req.params as { id: string }).id));
      if (!env) throw apiError(404, 'NOT_FOUND', 'no such record');
      const r = env.record;
      const cfg = node.ledger.configFor(r.epoch);
      const best = node.ledger.checkpoints.best(r.author, r.seq + 1, r.epoch);
      return {
        id: toHex(env.id),
        author: r.author,
        seq: r.seq,
        record: toJson(r as never),
        envelope: toBase64(env.bytes),
        final: node.ledger.isFinal(r.author, r.seq, r.epoch),
        witnesses: best && cfg ? witnessCount(best, cfg, laterThan(node.ledger.chain, cfg)) : 0,
        ...(await stateOf(node.ledger, env)),
      };
    },
  );
}
