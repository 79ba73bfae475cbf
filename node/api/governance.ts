import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromBase64, toBase64, toHex } from '../../protocol/bytes.js';
import { decodeConfig } from '../../protocol/config/config.js';
import { decodeRequest } from '../../protocol/records/request.js';
import type { NodeApi } from './ports.js';
import { apiError } from './errors.js';
import { ErrorBody } from './errors.js';
import { toJson } from './json.js';
import { precheck } from './rules.js';
import { GovernanceBody } from './schemas.js';

export async function governanceRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;

  app.get('/v1/governance', { schema: { summary: 'Epochs, members, quorums and pending proposals', response: { 200: GovernanceBody } } }, async () => ({
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
  }));

  app.post(
    '/v1/governance/approvals',
    {
      schema: {
        summary: "Have this node sign its approval of a proposal (one per epoch), for an admin's gov.approve record",
        description: 'Body: an admin-signed request of kind "gov.sign" with body {config: id}. Returns the node\'s governance signature.',
        body: Type.Object({ request: Type.String(), actor: Type.String(), sig: Type.String() }, { additionalProperties: false }),
        response: { 200: Type.Object({ config: Type.String(), sig: Type.String() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    async (req) => {
      const b = req.body as { request: string; actor: string; sig: string };
      let sub;
      try {
        sub = { request: fromBase64(b.request), actor: b.actor, sig: fromBase64(b.sig) };
      } catch (e) {
        throw apiError(400, 'REQUEST_INVALID', (e as Error).message);
      }
      if (sub.sig.length !== 64) throw apiError(400, 'REQUEST_INVALID', 'sig must be 64 bytes');
      let request = decodeRequest(sub.request);
      if (request.kind !== 'gov.sign' || !(request.body.config instanceof Uint8Array) || request.body.config.length !== 32) {
        throw apiError(400, 'REQUEST_INVALID', 'request must be of kind gov.sign with body {config: 32-byte id}');
      }
      // The same actor rules as for records (in force, active, admin, clock, signature, unused nonce); while the own log
      // is being recovered (503), an approval given before the store was lost may not be known yet.
      request = await precheck(ledger, sub, { role: 'admin' });
      const id = request.body.config as Uint8Array;
      const govSig = await ledger.governance.signApproval(id);
      return { config: toHex(id), sig: toBase64(govSig) };
    },
  );
}
