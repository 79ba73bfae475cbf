import { toHex } from '../bytes.js';
import type { CborValue } from '../cbor.js';
import type { Envelope } from '../records/record.js';
import { roleNeeded } from '../records/kinds.js';
import { isoCst, type WorkCalendar } from './calendar.js';
import { alertFacts, clockFacts, evaluateAlerts, evaluateDeadline, LATE_ENTRY_MS, type ClockArithmetic } from './deadline.js';
import { foldCase, type CaseFold, type CaseRule } from './rules.js';
import type { CaseCloseBody, Light } from './schema.js';

/** A record of the case as the evaluator holds it: final or not, and when it was witnessed (ms, or null). */
export interface HeldRecord {
  env: Envelope;
  final: boolean;
  witnessed: number | null;
}

export type CaseState = 'received' | 'awaiting-correction' | 'in-progress' | 'paused' | 'closed' | 'refused';

export interface TimelineEntry {
  id: string;
  kind: string;
  member: string;
  region: string | null;
  actor: string | null;
  role: string | null;
  ts: string;
  witnessed: string | null;
  final: boolean;
  lateEntry?: true;
  ignored?: CaseRule;
  [field: string]: unknown;
}

export interface Hop {
  from: string;
  to: string;
  purpose: string;
  via: string;
  sent: string;
  received: string | null;
  hours: number | null;
}

export interface CaseReport {
  case: string;
  item: string;
  name: string;
  mode: string;
  serial: string;
  opener: string;
  handlers: string[];
  state: CaseState;
  result: string | null;
  acceptedAt: string | null;
  due: string | null;
  closedAt: string | null;
  counted: number | null;
  allowed: number | null;
  remaining: number | null;
  paused: number | null;
  light: Light | null;
  overdue: number | null;
  lateDays: number | null;
  alerts: { code: string; since: string; detail: string; records: string[] }[];
  timeline: TimelineEntry[];
  hops: Hop[];
  ignored: { id: string; rule: CaseRule }[];
  asOf: string;
  calendarEpoch: number | null;
  /** The deadline arithmetic written out (null where there is no clock). */
  clock: ClockArithmetic | null;
}

export interface ReportContext {
  calendar: WorkCalendar;
  /** The region of a member in an epoch (for the timeline), if known. */
  regionOf(member: string, epoch: number): string | undefined;
}

/** Body values as JSON: byte strings as lowercase hex. */
function jsonOf(v: CborValue | undefined): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(jsonOf);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return v;
}

/** The state of a folded case (§C.6): the report's and the ledger's list index's. */
export function caseStateOf(fold: CaseFold): CaseState {
  if (fold.refused) return 'refused';
  if (fold.closed) return 'closed';
  if (fold.accepted) return fold.pausedBy ? 'paused' : 'in-progress';
  return fold.decision?.decision === 'correct' ? 'awaiting-correction' : 'received';
}

/** Hours with one decimal, rounded half up (§C.6). */
export const hoursOf = (ms: number): number => Math.floor(ms / 360_000 + 0.5) / 10;

/**
 * The case report of §C.6 at instant `asOf`, from every record held for the
 * case (final or not). Only records with ts ≤ asOf exist at asOf (the
 * case.open always does: it names the case); the C.4 rules decide which
 * count, in rule order; the rest stay in the timeline marked `ignored`.
 * Undefined when the case.open is not among `records`.
 */
export function caseReport(caseId: Uint8Array, records: readonly HeldRecord[], ctx: ReportContext, asOf: number): CaseReport | undefined {
  const held = records.filter((h) => h.env.record.ts <= asOf || h.env.record.kind === 'case.open');
  const folded = foldCase(
    caseId,
    held.map((h) => h.env),
  );
  if (!folded) return undefined;
  const { fold, ordered } = folded;
  const meta = new Map(held.map((h) => [toHex(h.env.id), h]));
  const deadline = evaluateDeadline(clockFacts(fold), ctx.calendar, asOf);
  const alerts = evaluateAlerts(
    alertFacts(
      fold,
      ordered.map((o) => ({ env: o.env, witnessed: meta.get(toHex(o.env.id))!.witnessed })),
    ),
    ctx.calendar,
    asOf,
  );
  const timeline: TimelineEntry[] = ordered
    .map((o) => {
      const r = o.env.record;
      const h = meta.get(toHex(o.env.id))!;
      const base: TimelineEntry = {
        id: toHex(o.env.id),
        kind: r.kind,
        member: r.author,
        region: ctx.regionOf(r.author, r.epoch) ?? null,
        actor: r.actor?.id ?? null,
        role: r.actor ? ((roleNeeded(r.kind, r.body) as string | undefined) ?? null) : null,
        ts: isoCst(r.ts),
        witnessed: h.witnessed === null ? null : isoCst(h.witnessed),
        final: h.final,
      };
      const entry: TimelineEntry = { ...(jsonOf(r.body) as object), ...base };
      if (h.witnessed !== null && h.witnessed - r.ts > LATE_ENTRY_MS) entry.lateEntry = true;
      if (o.ignored) entry.ignored = o.ignored;
      return { entry, ts: r.ts, author: r.author, seq: r.seq };
    })
    // the timeline is in the order of (ts, author, seq), the case.open included (§C.6)
    .sort((a, b) => a.ts - b.ts || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq))
    .map((x) => x.entry);
  const hops: Hop[] = [...fold.handoffs.values()].map((h) => ({
    from: h.env.record.author,
    to: h.body.to,
    purpose: h.body.purpose,
    via: h.body.via,
    sent: isoCst(h.env.record.ts),
    received: h.receipt ? isoCst(h.receipt.record.ts) : null,
    hours: h.receipt ? hoursOf(h.receipt.record.ts - h.env.record.ts) : null,
  }));
  const state = caseStateOf(fold);
  const c = deadline.clock;
  return {
    case: toHex(fold.id),
    item: fold.open.item,
    name: fold.open.name,
    mode: fold.open.mode,
    serial: fold.open.serial,
    opener: fold.opener,
    handlers: [...fold.handlers],
    state,
    result: fold.closed ? (fold.closed.record.body as unknown as CaseCloseBody).result : null,
    acceptedAt: fold.accepted ? isoCst(fold.accepted.record.ts) : null,
    due: c?.due != null ? isoCst(c.due) : null,
    closedAt: deadline.closedAt !== null ? isoCst(deadline.closedAt) : null,
    counted: c?.counted ?? null,
    allowed: c?.allowed ?? null,
    remaining: c?.remaining ?? null,
    paused: c?.paused ?? null,
    light: deadline.light,
    overdue: deadline.overdue,
    lateDays: deadline.lateDays,
    alerts: alerts.map((a) => ({ code: a.code, since: isoCst(a.since), detail: a.detail, records: a.records })),
    timeline,
    hops,
    ignored: ordered.filter((o) => o.ignored).map((o) => ({ id: toHex(o.env.id), rule: o.ignored! })),
    asOf: isoCst(asOf),
    calendarEpoch: ctx.calendar.epoch,
    clock: c?.arithmetic ?? null,
  };
}
