import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromHex, fromHex32 } from '../../protocol/bytes.js';
import { LIGHTS } from '../../protocol/cases/schema.js';
import type { NodeApi } from './ports.js';
import { apiError, ErrorBody } from './errors.js';

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Iso = Type.String({ description: 'ISO 8601 with +08:00 and milliseconds' });
const IsoOrNull = Type.Union([Iso, Type.Null()]);

/** What an applicant sees of their case (the citizen page): state, dates and lights; no officials, no materials. */
export const PublicCaseBody = Type.Object(
  {
    case: Type.String(),
    item: Type.String(),
    name: Type.String(),
    state: Type.String(),
    result: Type.Union([Type.String(), Type.Null()]),
    openedAt: Iso,
    acceptedAt: IsoOrNull,
    due: IsoOrNull,
    closedAt: IsoOrNull,
    light: Type.Union([...LIGHTS.map((l) => Type.Literal(l)), Type.Null()]),
    overdue: Type.Union([Type.Integer(), Type.Null()]),
    asOf: Iso,
  },
  { additionalProperties: false },
);

const NO_MATCH = 'no such case for this applicant';

/**
 * GET /v1/public/cases/:id?applicant=HEX: the applicant, holding the salt of the receipt slip and their ID, computes
 * the applicant commitment (CASES.md §C.3) in their browser and asks with it; the ID number never reaches the node.
 * A wrong commitment and an unknown case answer the same 404, so the route tells nothing to whoever lacks the slip.
 * Public (no API token): it reveals only what the slip's holder may see.
 */
export async function publicRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;
  app.get(
    '/v1/public/cases/:id',
    {
      schema: {
        summary: "The public subset of a case (state, dates, lights) for the applicant who proves it is theirs with the case's applicant commitment",
        params: Type.Object({ id: Hex64 }),
        querystring: Type.Object(
          { applicant: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256("tongban/v1/applicant\\x00" ‖ salt ‖ UTF-8(idType ":" idNumber)), lowercase hex' }) },
          { additionalProperties: false },
        ),
        response: { 200: PublicCaseBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const id = fromHex32((req.params as { id: string }).id, 'case id');
      const applicant = fromHex((req.query as { applicant: string }).applicant, 'applicant');
      // The case id is its case.open record's id: one read tells a match, the same work for an unknown case as for a
      // wrong applicant (neither may be told apart, not even by time); the report is built only for the applicant.
      const opened = await ledger.recordById(id);
      const claimed = opened?.record.kind === 'case.open' ? (opened.record.body as { applicant?: unknown }).applicant : undefined;
      if (!(claimed instanceof Uint8Array) || !sameBytes(claimed, applicant)) throw apiError(404, 'NOT_FOUND', NO_MATCH);
      const r = await ledger.caseReport(id, ledger.now());
      const open = r?.timeline.find((e) => e.kind === 'case.open');
      if (!r || !open) throw apiError(404, 'NOT_FOUND', NO_MATCH);
      return {
        case: r.case,
        item: r.item,
        name: r.name,
        state: r.state,
        result: r.result,
        openedAt: open.ts,
        acceptedAt: r.acceptedAt,
        due: r.due,
        closedAt: r.closedAt,
        light: r.light,
        overdue: r.overdue,
        asOf: r.asOf,
      };
    },
  );
}

/** Equal bytes, compared in time independent of where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
