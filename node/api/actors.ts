import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { toHex } from '../../protocol/bytes.js';
import { MEMBER_ID_PATTERN } from '../../protocol/names.js';
import { ACTOR_ROLES } from '../../protocol/records/kinds.js';
import { decodeEnvelope } from '../../protocol/records/record.js';
import type { NodeApi } from './ports.js';
import { apiError, ErrorBody } from './errors.js';

const Actor = Type.Object({
  id: Type.String({ description: 'actor id' }),
  roles: Type.Array(Type.Union(ACTOR_ROLES.map((r) => Type.Literal(r)))),
  active: Type.Boolean({ description: 'false once disabled' }),
  key: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Ed25519 public key in force, hex' }),
  seq: Type.Integer({ description: 'position of the org.actor in force in the member’s log' }),
  record: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'id of the org.actor in force: what a change names as `prev`' }),
  ts: Type.Integer({ description: 'time of that org.actor (ms)' }),
});

/** The officials of a member (§5.3): the org.actor in force for each actor id, which a change must name as `prev`. */
export async function actorRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;
  app.get(
    '/v1/actors',
    {
      schema: {
        summary: "A member's officials: for each actor id the org.actor in force (roles, active, key) and its record id",
        querystring: Type.Object({ member: Type.Optional(Type.String({ pattern: MEMBER_ID_PATTERN, description: 'member id (default: this node)' })) }),
        response: { 200: Type.Object({ member: Type.String(), actors: Type.Array(Actor) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const member = (req.query as { member?: string }).member ?? ledger.self?.id;
      if (!member) throw apiError(400, 'BAD_REQUEST', 'this node has no member id: name one with ?member=');
      if (!ledger.chain.some((c) => c.config.members.some((m) => m.id === member))) throw apiError(404, 'NOT_FOUND', `${member} is not a member of the consortium`);
      const actors = [];
      for (const a of ledger.actorsOf(member)) {
        const [bytes] = await ledger.envelopeBytes(member, a.seq, 1);
        if (!bytes) continue; // indexed but not readable: audit reports it
        const env = decodeEnvelope(bytes);
        actors.push({ id: a.id, roles: a.roles as never, active: a.active, key: a.key, seq: a.seq, record: toHex(env.id), ts: env.record.ts });
      }
      return { member, actors };
    },
  );
}
