import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromBase64, toBase64, toHex } from '../../protocol/bytes.js';
import { decodeConfig } from '../../protocol/config/config.js';
import { decodeRequest, verifyActorSignature } from '../../protocol/records/request.js';
import { RecordRejected } from '../../protocol/records/rules.js';
import type { TongbanNode } from '../node.js';
import { apiError } from './errors.js';
import { ErrorBody } from './server.js';
import { toJson } from './json.js';

const MAX_SKEW_MS = 5 * 60 * 1000;

export async function governanceRoutes(app: FastifyInstance, node: TongbanNode): Promise<void> {
  const { ledger } = node;

  app.get(
    '/v1/governance',
    { schema: { summary: 'Epochs, members, quorums and pending proposals', response: { 200: Type.Any() } } },
    async () => ({
      epoch: ledger.epoch,
      network: toHex(ledger.net),
      epochs: ledger.chain.map((c) => ({
        epoch: c.config.epoch,
        id: toHex(c.id),
        config: toBase64(c.bytes),
        quorum: c.config.quorum,
        members: c.config.members.map((m) => ({ ...(toJson(m as never) as object) })),
        approvals: c.approvals.map((a) => a.member),
      })),
      pending: (await ledger.governance.pending()).map((p) => {
        let summary: unknown;
        try {
          summary = p.config ? { epoch: decodeConfig(p.config).epoch, members: decodeConfig(p.config).members.map((m) => m.id) } : undefined;
        } catch {
          summary = undefined;
        }
        return { id: toHex(p.id), epoch: p.epoch, config: p.config ? toBase64(p.config) : undefined, approvals: p.approvals.map((a) => a.member), summary };
      }),
    }),
  );

  app.post(
    '/v1/governance/approvals',
    {
      schema: {
        summary: 'Have this node sign its approval of a proposal (one per epoch), for an admin\'s gov.approve record',
        description: 'Body: an admin-signed request of kind "gov.sign" with body {config: id}. Returns the node\'s governance signature.',
        body: Type.Object({ request: Type.String(), actor: Type.String(), sig: Type.String() }, { additionalProperties: false }),
        response: { 200: Type.Object({ config: Type.String(), sig: Type.String() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const b = req.body as { request: string; actor: string; sig: string };
      const self = ledger.self!.id;
      let request;
      let sig;
      try {
        request = decodeRequest(fromBase64(b.request));
        sig = fromBase64(b.sig);
      } catch (e) {
        throw apiError(400, 'REQUEST_INVALID', (e as Error).message);
      }
      if (request.kind !== 'gov.sign' || !(request.body.config instanceof Uint8Array) || request.body.config.length !== 32) {
        throw apiError(400, 'REQUEST_INVALID', 'request must be of kind gov.sign with body {config: 32-byte id}');
      }
      if (request.author !== self) throw new RecordRejected('WRONG_AUTHOR', `request is for ${request.author}`);
      if (Math.abs(request.at - Date.now()) > MAX_SKEW_MS) throw new RecordRejected('ACTOR_CLOCK', 'request time is more than 5 minutes from this node\'s clock');
      const inForce = ledger.actorInForce(self, b.actor, ledger.size(self));
      if (!inForce) throw new RecordRejected('ACTOR_UNKNOWN', `actor ${b.actor} is not registered`);
      if (!inForce.active) throw new RecordRejected('ACTOR_INACTIVE', `actor ${b.actor} is disabled`);
      if (!inForce.roles.includes('admin')) throw new RecordRejected('ACTOR_ROLE', `actor ${b.actor} is not an admin`);
      const asRecord = { v: 1 as const, net: request.net, author: self, seq: 0, epoch: 0, ts: 0, kind: request.kind, body: request.body, actor: { id: b.actor, nonce: request.nonce, at: request.at, sig } };
      if (!verifyActorSignature(asRecord, inForce.key)) throw new RecordRejected('ACTOR_SIGNATURE', 'actor signature does not verify');
      const id = request.body.config as Uint8Array;
      // While the own log is being recovered, an approval given before the store was lost may not be known yet.
      const refused = ledger.appendGuard?.();
      if (refused) throw refused;
      const govSig = await ledger.governance.signApproval(id);
      return { config: toHex(id), sig: toBase64(govSig) };
    },
  );
}
