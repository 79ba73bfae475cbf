import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromHex32, toBase64, toHex } from '../../protocol/bytes.js';
import { configPolicy } from '../../protocol/config/policy.js';
import { MEMBER_ID_PATTERN } from '../../protocol/names.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { decodeEnvelope } from '../../protocol/records/record.js';
import type { NodeApi } from './ports.js';
import { apiError } from './errors.js';
import { ErrorBody } from './errors.js';
import { toJson } from './json.js';
import { binaryResponse, DocReportBody, RecordJson, textResponse } from './schemas.js';

import { VERSION } from '../../protocol/constants.js';

export { VERSION };

const Hash = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'document SHA-256, lowercase hex' }) });
const Author = Type.Object({ author: Type.String({ pattern: MEMBER_ID_PATTERN }) });

export async function readRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;

  app.get(
    '/v1/logs/:author',
    {
      schema: {
        summary: 'Records of one log, in order',
        params: Author,
        querystring: Type.Object({ from: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: {
          200: Type.Object({
            author: Type.String(),
            size: Type.Integer(),
            finalSize: Type.Integer(),
            records: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer(), record: RecordJson, envelope: Type.String({ description: 'the envelope, base64' }), final: Type.Boolean() })),
          }),
          400: ErrorBody,
        },
      },
    },
    async (req) => {
      const { author } = req.params as { author: string };
      const { from, limit } = req.query as { from: number; limit: number };
      const out = [];
      for (const bytes of await ledger.envelopeBytes(author, from, limit)) {
        const env = decodeEnvelope(bytes);
        out.push({ id: toHex(env.id), seq: env.record.seq, record: toJson(env.record as never), envelope: toBase64(bytes), final: ledger.isFinal(author, env.record.seq, env.record.epoch) });
      }
      return { author, size: ledger.size(author), finalSize: ledger.finalSize(author), records: out };
    },
  );

  app.get(
    '/v1/logs/:author/checkpoint',
    {
      schema: {
        summary: 'The newest checkpoint of a log with every signature collected (C2SP signed note, text/plain)',
        params: Author,
        response: { 200: textResponse('text/plain', 'a C2SP signed note: the checkpoint and its cosignatures'), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { author } = req.params as { author: string };
      const cp = ledger.checkpoints.latest(author);
      if (!cp) throw apiError(404, 'NOT_FOUND', `no checkpoint of ${author} is held`);
      return reply.type('text/plain; charset=utf-8').send(noteOf(cp));
    },
  );

  app.get(
    '/v1/docs/:sha256',
    { schema: { summary: 'Provenance of a document: its bundle, verified as an offline verifier would', params: Hash, response: { 200: DocReportBody, 400: ErrorBody } } },
    async (req) => ledger.provenance(fromHex32((req.params as { sha256: string }).sha256)),
  );

  app.get(
    '/v1/docs/:sha256/bundle',
    {
      schema: {
        summary: 'The proof bundle of a document (application/cbor, PROTOCOL.md §8)',
        params: Hash,
        response: { 200: binaryResponse('application/cbor', 'the proof bundle (PROTOCOL.md §8)'), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const doc = fromHex32((req.params as { sha256: string }).sha256);
      const built = await ledger.buildBundle(doc);
      if (built.bundle.entries.length === 0) throw apiError(404, 'NOT_FOUND', 'no proven record about this document');
      return reply.type('application/cbor').send(Buffer.from(built.bytes));
    },
  );

  app.get('/v1/policy', { schema: { summary: 'The current epoch as a C2SP tlog-policy (text/plain)', response: { 200: textResponse('text/plain', 'a C2SP tlog-policy') } } }, async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send(configPolicy(ledger.config)),
  );

  app.get(
    '/v1/status',
    {
      schema: {
        summary: 'This node: member, consortium, epoch, peers and every log',
        response: {
          200: Type.Object({
            member: Type.String(),
            consortium: Type.String(),
            network: Type.String(),
            epoch: Type.Integer(),
            peerId: Type.String(),
            addresses: Type.Array(Type.String()),
            peers: Type.Array(Type.String()),
            admitted: Type.Boolean(),
            logs: Type.Array(Type.Object({ author: Type.String(), size: Type.Integer(), finalSize: Type.Integer(), forked: Type.Boolean() })),
            version: Type.String(),
            /** Why appends are refused now (RECOVERING, CLOCK_SKEW), or null. */
            appendRefused: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
            clockSkew: Type.Object({
              maxSeconds: Type.Union([Type.Number(), Type.Null()]),
              peers: Type.Array(Type.Object({ member: Type.String(), seconds: Type.Number(), rttMs: Type.Number() })),
            }),
          }),
        },
      },
    },
    async () => {
      const members = new Map(ledger.config.members.map((m) => [m.peer, m.id]));
      const authors = [...new Set([...ledger.config.members.map((m) => m.id), ...ledger.authors()])].sort();
      const logs = authors.map((a) => ({ author: a, size: ledger.size(a), finalSize: ledger.finalSize(a), forked: ledger.isForked(a) }));
      for (const l of logs) node.metrics.finalityLag.set({ author: l.author }, l.size - l.finalSize);
      return {
        member: ledger.self!.id,
        consortium: ledger.consortium,
        network: toHex(ledger.net),
        epoch: ledger.epoch,
        peerId: node.peerId,
        addresses: node.addresses(),
        peers: node
          .peers()
          .map((p) => members.get(p) ?? p)
          .sort(),
        admitted: ledger.config.members.some((m) => m.id === ledger.self!.id),
        logs,
        version: VERSION,
        ...safetyStatus(node),
      };
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: false, response: { 200: textResponse('text/plain', 'Prometheus text exposition format') } } }, async (_req, reply) => {
    for (const a of ledger.authors()) node.metrics.finalityLag.set({ author: a }, ledger.size(a) - ledger.finalSize(a));
    return reply.type(node.metrics.registry.contentType).send(await node.metrics.registry.metrics());
  });

  app.get('/healthz', { schema: { summary: 'Liveness', response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));
}

/** The append guards as status shows them (node/safety.ts). */
function safetyStatus(node: NodeApi) {
  const refused = node.ledger.appendGuard?.() as { code?: string; message: string } | undefined;
  const skew = node.safety?.skew;
  const max = skew?.maxMs();
  return {
    appendRefused: refused ? { code: refused.code ?? 'REFUSED', message: refused.message } : null,
    clockSkew: { maxSeconds: max === undefined ? null : max / 1000, peers: (skew?.current() ?? []).map((s) => ({ member: s.member, seconds: s.skewMs / 1000, rttMs: s.rttMs })) },
  };
}
