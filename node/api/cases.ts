import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { equalBytes, fromHex32, toHex } from '../../protocol/bytes.js';
import { isoCst, parseInstant } from '../../protocol/cases/calendar.js';
import { ALERT_CODES, LIGHTS } from '../../protocol/cases/schema.js';
import { CASE_RULES } from '../../protocol/cases/rules.js';
import { MEMBER_ID_PATTERN } from '../../protocol/names.js';
import type { CaseQuery } from '../../ledger/cases.js';
import type { NodeApi } from './ports.js';
import { apiError, ErrorBody } from './errors.js';
import { binaryResponse } from './schemas.js';

const STATES = ['received', 'awaiting-correction', 'in-progress', 'paused', 'closed', 'refused'] as const;
const lit = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ description: 'ISO 8601 with +08:00 and milliseconds' });
const IntOrNull = Type.Union([Type.Integer(), Type.Null()]);
const Instant = Type.String({ description: 'ISO 8601 with an offset, or milliseconds since the epoch', maxLength: 40 });
const CaseIdParam = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'case id (the record id of its case.open), lowercase hex' }) });
const AsOfQuery = Type.Object({ asOf: Type.Optional(Instant) }, { additionalProperties: false });

/** The C.6 case report (CASES.md), as this node evaluates it from every record it holds. */
export const CaseReportBody = Type.Object(
  {
    case: Type.String(),
    item: Type.String(),
    name: Type.String(),
    mode: lit(['online', 'proxy', 'joint']),
    serial: Type.String(),
    opener: Type.String(),
    handlers: Type.Array(Type.String()),
    state: lit(STATES),
    result: Nullable(Type.String()),
    acceptedAt: Nullable(Iso),
    due: Nullable(Iso),
    closedAt: Nullable(Iso),
    counted: IntOrNull,
    allowed: IntOrNull,
    remaining: IntOrNull,
    paused: IntOrNull,
    light: Type.Union([lit(LIGHTS), Type.Null()]),
    overdue: IntOrNull,
    lateDays: IntOrNull,
    alerts: Type.Array(Type.Object({ code: lit(ALERT_CODES), since: Iso, detail: Type.String(), records: Type.Array(Type.String()) })),
    timeline: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          kind: Type.String(),
          member: Type.String(),
          region: Nullable(Type.String()),
          actor: Nullable(Type.String()),
          role: Nullable(Type.String()),
          ts: Iso,
          witnessed: Nullable(Iso),
          final: Type.Boolean(),
          lateEntry: Type.Optional(Type.Literal(true)),
          ignored: Type.Optional(lit(CASE_RULES)),
        },
        { additionalProperties: true, description: 'one record of the case, with its body fields (byte strings as hex)' },
      ),
    ),
    hops: Type.Array(
      Type.Object({ from: Type.String(), to: Type.String(), purpose: Type.String(), via: Type.String(), sent: Iso, received: Nullable(Iso), hours: Type.Union([Type.Number(), Type.Null()]) }),
    ),
    ignored: Type.Array(Type.Object({ id: Type.String(), rule: lit(CASE_RULES) })),
    asOf: Iso,
    calendarEpoch: IntOrNull,
    clock: Type.Union([Type.Object({ text: Type.String() }, { additionalProperties: true, description: 'the deadline arithmetic written out' }), Type.Null()]),
    warnings: Type.Array(Type.Object({ code: Type.Literal('duplicate-serial'), ids: Type.Array(Type.String()) })),
  },
  { description: 'CASES.md §C.6' },
);

const CaseListQuery = Type.Object(
  {
    state: Type.Optional(lit(STATES)),
    light: Type.Optional(lit(LIGHTS)),
    member: Type.Optional(Type.String({ pattern: MEMBER_ID_PATTERN, description: 'a member that opened or handles the case' })),
    role: Type.Optional(lit(['opener', 'handler'])),
    item: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'service item code' })),
    since: Type.Optional(Instant),
    asOf: Type.Optional(Instant),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9a-f]{80}$', description: 'the `next` of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

const CaseListBody = Type.Object({
  asOf: Iso,
  cases: Type.Array(
    Type.Object({
      case: Type.String(),
      item: Type.String(),
      serial: Type.String(),
      opener: Type.String(),
      handlers: Type.Array(Type.String()),
      state: lit(STATES),
      openedAt: Iso,
      acceptedAt: Nullable(Iso),
      closedAt: Nullable(Iso),
      light: Type.Union([lit(LIGHTS), Type.Null()]),
      overdue: IntOrNull,
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()], { description: 'cursor of the next page, null on the last' }),
});

/** An instant parameter (`asOf`, `since`), or `fallback` when absent. */
function instant(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const ms = parseInstant(v);
  if (ms === undefined) throw apiError(400, 'BAD_PARAMETER', `parameter ${name}: expected ISO 8601 with an offset or milliseconds since the epoch`);
  return ms;
}

/** Cases (CASES.md §C.6): lists from the ledger's case indexes, reports, and case bundles. */
export async function caseRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;

  app.get(
    '/v1/cases',
    {
      schema: {
        summary: 'Cases held, from the case indexes, in the order they were opened (light=red alone: in the order they could turn red); lights evaluated at asOf (default now)',
        querystring: CaseListQuery,
        response: { 200: CaseListBody, 400: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query as {
        state?: CaseQuery['state'];
        light?: CaseQuery['light'];
        member?: string;
        role?: 'opener' | 'handler';
        item?: string;
        since?: string;
        asOf?: string;
        cursor?: string;
        limit: number;
      };
      if (q.role && !q.member) throw apiError(400, 'BAD_PARAMETER', 'parameter role: needs member');
      const query: CaseQuery = { limit: q.limit };
      if (q.asOf !== undefined) query.asOf = instant('asOf', q.asOf, 0);
      if (q.state) query.state = q.state;
      if (q.light) query.light = q.light;
      if (q.member) query.member = q.member;
      if (q.role) query.role = q.role;
      if (q.item) query.item = q.item;
      if (q.since !== undefined) query.since = instant('since', q.since, 0);
      if (q.cursor) query.after = q.cursor;
      const page = await ledger.listCases(query);
      return {
        asOf: isoCst(page.asOf),
        cases: page.cases.map(({ summary: s, light, overdue }) => ({
          case: toHex(s.id),
          item: s.item,
          serial: s.serial,
          opener: s.opener,
          handlers: s.handlers,
          state: s.state,
          openedAt: isoCst(s.openTs),
          acceptedAt: s.accept ? isoCst(s.accept[1]) : null,
          closedAt: s.refuse !== undefined ? isoCst(s.refuse) : s.close !== undefined ? isoCst(s.close) : null,
          light,
          overdue,
        })),
        next: page.next,
      };
    },
  );

  app.get(
    '/v1/cases/by-serial/:member/:serial',
    {
      schema: {
        summary: 'The report of the case a member opened with this serial (申办流水号); a repeated serial is listed under warnings',
        params: Type.Object({ member: Type.String({ pattern: MEMBER_ID_PATTERN }), serial: Type.String({ minLength: 1, maxLength: 1024 }) }),
        querystring: AsOfQuery,
        response: { 200: CaseReportBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const { member, serial } = req.params as { member: string; serial: string };
      const asOf = instant('asOf', (req.query as { asOf?: string }).asOf, ledger.now());
      // With a repeated serial (a forged log), the case opened first in the member's log is the one named.
      let first: { id: Uint8Array; seq: number } | undefined;
      for (const id of await ledger.casesBySerial(member, serial)) {
        const env = (await ledger.caseRecords(id)).find((e) => equalBytes(e.id, id));
        if (env && (!first || env.record.seq < first.seq)) first = { id, seq: env.record.seq };
      }
      const report = first && (await ledger.caseReport(first.id, asOf));
      if (!report) throw apiError(404, 'NOT_FOUND', `no case of ${member} with serial ${serial} is held`);
      return report;
    },
  );

  app.get(
    '/v1/cases/:id',
    {
      schema: {
        summary: 'The case report (CASES.md §C.6) from every record held, final or not; lights and alerts at asOf (default now)',
        params: CaseIdParam,
        querystring: AsOfQuery,
        response: { 200: CaseReportBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const id = fromHex32((req.params as { id: string }).id, 'case id');
      const asOf = instant('asOf', (req.query as { asOf?: string }).asOf, ledger.now());
      const report = await ledger.caseReport(id, asOf);
      if (!report) throw apiError(404, 'NOT_FOUND', 'no such case is held (no case.open with this id)');
      return report;
    },
  );

  app.get(
    '/v1/cases/:id/bundle',
    {
      schema: {
        summary: 'The case bundle (application/cbor, `"about": "case"`, CASES.md §C.6): every proven record of the case, the actors behind them, the configs',
        params: CaseIdParam,
        response: { 200: binaryResponse('application/cbor', 'the case bundle (CASES.md §C.6)'), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const id = fromHex32((req.params as { id: string }).id, 'case id');
      if (!(await ledger.caseSummary(id))) throw apiError(404, 'NOT_FOUND', 'no such case is held (no case.open with this id)');
      const built = await ledger.buildCaseBundle(id);
      if (built.unproven.some((u) => equalBytes(u.id, id))) {
        throw apiError(404, 'NOT_FOUND', 'the case.open is not covered by a checkpoint yet: no bundle can prove the case');
      }
      return reply.type('application/cbor').send(Buffer.from(built.bytes));
    },
  );
}
