import { toHex } from '../bytes.js';
import type { Envelope } from '../records/record.js';
import { dateText, dayEnd, dayOf, dayStart, isoCst, type WorkCalendar } from './calendar.js';
import type { CaseFold } from './rules.js';
import type { CaseClockBody, CaseOpenBody, CaseReceiptBody, Light } from './schema.js';

/** §C.5: a record witnessed more than this after its claimed time is a late entry (补录). */
export const LATE_ENTRY_MS = 10 * 60 * 1000;
/** §C.5: working days a handoff may wait for its receipt, by `via`. */
export const HANDOFF_RECEIPT_DAYS: Record<string, number> = { network: 2, post: 5, courier: 5 };

/** The clock-relevant records of a case that count, as the fold left them. */
export interface ClockFacts {
  limit: CaseOpenBody['limit'];
  accept?: Envelope;
  refuse?: Envelope;
  close?: Envelope;
  /** Counted case.clock records in rule order. */
  clocks: readonly Envelope[];
}

export function clockFacts(fold: CaseFold): ClockFacts {
  const f: ClockFacts = { limit: fold.open.limit, clocks: fold.counted.filter((e) => e.record.kind === 'case.clock') };
  if (fold.accepted) f.accept = fold.accepted;
  if (fold.refused) f.refuse = fold.refused;
  if (fold.closed) f.close = fold.closed;
  return f;
}

/** The arithmetic behind a clock, so anyone can check it by hand (§C.5). */
export interface ClockArithmetic {
  calendar: 'working' | 'natural';
  /** Epoch of the config whose calendar was applied, or null (Monday to Friday). */
  calendarEpoch: number | null;
  /** The acceptance day (not counted) and the record. */
  acceptedOn: string;
  accept: string;
  limit: number;
  extensions: { id: string; days: number }[];
  allowed: number;
  counted: number;
  /** The counted days, first and last. */
  countedFrom: string | null;
  countedTo: string | null;
  paused: number;
  pausedDays: string[];
  /** Pauses that exist at the instant: [pause id, resume id or null]. */
  pauses: [string, string | null][];
  /** The day counted reaches allowed (null while paused). */
  dueOn: string | null;
  /** The instant the clock was read at (t, or the close). */
  at: string;
  text: string;
}

export interface ClockReading {
  counted: number;
  allowed: number;
  remaining: number;
  paused: number;
  /** Last instant of the due day (ms), null while paused. */
  due: number | null;
  /** The pause in force at the instant, if any. */
  pausedBy: Envelope | null;
  arithmetic: ClockArithmetic;
}

export interface Deadline {
  /** Null where there is no clock (not accepted, refused). */
  clock: ClockReading | null;
  light: Light | null;
  overdue: number | null;
  lateDays: number | null;
  /** Closed (or refused) by `t`. */
  closedAt: number | null;
}

/**
 * Read the clock at instant `e` (§C.5) from the records that exist then:
 * acceptance day not counted; a day counts when it is a working day (any day
 * for `natural`) with no pause in force at any moment of it; `skip` leaves
 * out one pause (to ask what the clock said just before it).
 */
function readClock(f: ClockFacts, cal: WorkCalendar, e: number, skip?: Envelope): ClockReading {
  const accept = f.accept!;
  const A = dayOf(accept.record.ts);
  const natural = f.limit.calendar === 'natural';
  const exist = f.clocks.filter((c) => c.record.ts <= e && c !== skip);
  const extensions = exist.filter((c) => (c.record.body as unknown as CaseClockBody).action === 'extend');
  const allowed = f.limit.days + extensions.reduce((s, c) => s + (c.record.body as unknown as CaseClockBody).days!, 0);
  // pause intervals [pause.ts, resume.ts); open-ended while in force at e
  const intervals: { from: number; to: number; pause: Envelope; resume: Envelope | null }[] = [];
  for (const c of exist) {
    const action = (c.record.body as unknown as CaseClockBody).action;
    if (action === 'pause') intervals.push({ from: c.record.ts, to: Infinity, pause: c, resume: null });
    if (action === 'resume') {
      const last = intervals.at(-1);
      if (last && last.resume === null) Object.assign(last, { to: c.record.ts, resume: c });
    }
  }
  const inForce = intervals.find((i) => i.resume === null) ?? null;
  const today = dayOf(e);
  let counted = 0;
  let dueDay: number | null = null;
  let first: number | null = null;
  let last: number | null = null;
  const pausedDays: number[] = [];
  for (let d = A + 1; d <= today; d++) {
    if (!natural && !cal.isWorkingDay(d)) continue;
    const s = dayStart(d);
    if (intervals.some((i) => i.from <= s + 86_399_999 && i.to > s)) {
      pausedDays.push(d);
      continue;
    }
    counted++;
    first ??= d;
    last = d;
    if (counted === allowed) dueDay = d;
  }
  if (!inForce && dueDay === null) {
    // days after e are assumed free of pauses
    let n = counted;
    for (let d = today + 1; n < allowed; d++) {
      if ((natural || cal.isWorkingDay(d)) && ++n === allowed) dueDay = d;
    }
  }
  const due = inForce || dueDay === null ? null : dayEnd(dueDay);
  // written out only when asked for (the report): lights for many cases at once do not need the text
  const explain = (): ClockArithmetic => {
    const arithmetic: ClockArithmetic = {
      calendar: f.limit.calendar,
      calendarEpoch: cal.epoch,
      acceptedOn: dateText(A),
      accept: toHex(accept.id),
      limit: f.limit.days,
      extensions: extensions.map((c) => ({ id: toHex(c.id), days: (c.record.body as unknown as CaseClockBody).days! })),
      allowed,
      counted,
      countedFrom: first === null ? null : dateText(first),
      countedTo: last === null ? null : dateText(last),
      paused: pausedDays.length,
      pausedDays: pausedDays.map(dateText),
      pauses: intervals.map((i) => [toHex(i.pause.id), i.resume ? toHex(i.resume.id) : null]),
      dueOn: due === null ? null : dateText(dueDay!),
      at: isoCst(e),
      text: '',
    };
    const days = natural ? 'natural days' : 'working days';
    arithmetic.text =
      `accepted ${arithmetic.acceptedOn} (not counted); allowed ${allowed} = limit ${f.limit.days} ${days}${arithmetic.extensions.map((x) => ` + extension ${x.days}`).join('')}; ` +
      `counted ${counted}${first !== null ? ` (${arithmetic.countedFrom}..${arithmetic.countedTo})` : ''} by ${arithmetic.at}; paused ${pausedDays.length}${pausedDays.length ? ` (${arithmetic.pausedDays.join(', ')})` : ''}; ` +
      (due === null ? 'due: none while paused' : `due ${isoCst(due)}`) +
      `; remaining ${allowed - counted}`;
    return arithmetic;
  };
  let arithmetic: ClockArithmetic | undefined;
  return {
    counted,
    allowed,
    remaining: allowed - counted,
    paused: pausedDays.length,
    due,
    pausedBy: inForce?.pause ?? null,
    get arithmetic() {
      arithmetic ??= explain();
      return arithmetic;
    },
  };
}

/**
 * Whether the pause in force at the reading began after the case went red
 * (§C.5): the clock read at the pause's time without it had a due before it.
 */
function redBeforePause(f: ClockFacts, cal: WorkCalendar, reading: ClockReading): boolean {
  const p = reading.pausedBy;
  if (!p) return false;
  const before = readClock(f, cal, p.record.ts, p);
  return before.due !== null && p.record.ts > before.due;
}

/**
 * The deadline of a case at instant `t` (§C.5): counted, paused and allowed
 * days, due, light and overdue for an open case, lateDays once closed; null
 * where there is no clock. Same facts + calendar + t = same result.
 */
export function evaluateDeadline(f: ClockFacts, cal: WorkCalendar, t: number): Deadline {
  const close = f.close && f.close.record.ts <= t ? f.close : undefined;
  const refuse = f.refuse && f.refuse.record.ts <= t ? f.refuse : undefined;
  const closedAt = refuse ? refuse.record.ts : close ? close.record.ts : null;
  if (!f.accept || f.accept.record.ts > t || refuse) return { clock: null, light: null, overdue: null, lateDays: null, closedAt };
  if (close) {
    const c = close.record.ts;
    const reading = readClock(f, cal, c);
    const late = reading.due !== null ? c > reading.due : redBeforePause(f, cal, reading);
    return { clock: reading, light: null, overdue: null, lateDays: late ? Math.max(1, reading.counted - reading.allowed) : 0, closedAt: c };
  }
  const reading = readClock(f, cal, t);
  if (reading.pausedBy) {
    if (redBeforePause(f, cal, reading)) {
      // overdue as it stood at the pause (the pause in force), extensions granted since do not lift it
      const atPause = readClock(f, cal, reading.pausedBy.record.ts);
      return { clock: reading, light: 'red', overdue: Math.max(1, atPause.counted - atPause.allowed), lateDays: null, closedAt: null };
    }
    return { clock: reading, light: reading.remaining <= 1 ? 'yellow' : 'green', overdue: 0, lateDays: null, closedAt: null };
  }
  if (t > reading.due!) return { clock: reading, light: 'red', overdue: Math.max(1, reading.counted - reading.allowed), lateDays: null, closedAt: null };
  return { clock: reading, light: reading.remaining <= 1 ? 'yellow' : 'green', overdue: 0, lateDays: null, closedAt: null };
}

export interface CaseAlert {
  code: 'handoff-stalled' | 'materials-incomplete' | 'late-entry';
  /** ms */
  since: number;
  detail: string;
  /** Ids of the records it rests on. */
  records: string[];
}

/**
 * What the alert rules read of a case (§C.5), as the fold left it: each
 * handoff with the time of the receipt that counts for it, the counted
 * receipts in rule order, and every record (ignored ones included) with when
 * it was witnessed. Plain values, so an index can keep them (ledger/cases.ts).
 */
export interface AlertFacts {
  handoffs: { id: Uint8Array; ts: number; to: string; via: string; receipt: number | null }[];
  receipts: { id: Uint8Array; ts: number; author: string; complete: boolean; missing: number }[];
  records: { id: Uint8Array; kind: string; author: string; ts: number; witnessed: number | null }[];
}

export function alertFacts(fold: CaseFold, all: readonly { env: Envelope; witnessed: number | null }[]): AlertFacts {
  return {
    handoffs: [...fold.handoffs.values()].map((h) => ({ id: h.env.id, ts: h.env.record.ts, to: h.body.to, via: h.body.via, receipt: h.receipt ? h.receipt.record.ts : null })),
    receipts: fold.counted
      .filter((e) => e.record.kind === 'case.receipt')
      .map((e) => {
        const b = e.record.body as unknown as CaseReceiptBody;
        return { id: e.id, ts: e.record.ts, author: e.record.author, complete: b.complete, missing: (b.missing ?? []).length };
      }),
    records: all.map(({ env, witnessed }) => ({ id: env.id, kind: env.record.kind, author: env.record.author, ts: env.record.ts, witnessed })),
  };
}

/**
 * The alerts of a case at `t` (§C.5): stalled handoffs (no receipt by the
 * end of the 2nd/5th working day after the handoff's day; a later receipt
 * does not lift it), materials incomplete (from an incomplete receipt until a
 * later complete one) and late entries (witnessed > 10 min after `ts`, any
 * record of the case, ignored ones included). Sorted by since, then code.
 */
export function evaluateAlerts(f: AlertFacts, cal: WorkCalendar, t: number): CaseAlert[] {
  const out: CaseAlert[] = [];
  for (const h of f.handoffs) {
    if (h.ts > t) continue;
    const n = HANDOFF_RECEIPT_DAYS[h.via]!;
    const since = dayEnd(cal.nthWorkingDayAfter(dayOf(h.ts), n));
    const received = h.receipt !== null && h.receipt <= since;
    if (t > since && !received) {
      out.push({
        code: 'handoff-stalled',
        since,
        detail: `handoff to ${h.to} by ${h.via} sent ${isoCst(h.ts)} had no receipt by ${isoCst(since)} (${n} working days after ${dateText(dayOf(h.ts))})`,
        records: [toHex(h.id)],
      });
    }
  }
  let incomplete: AlertFacts['receipts'][number] | undefined;
  for (const e of f.receipts) {
    if (e.ts > t) continue;
    if (!e.complete && !incomplete) incomplete = e;
    if (e.complete) incomplete = undefined;
  }
  if (incomplete) {
    out.push({
      code: 'materials-incomplete',
      since: incomplete.ts,
      detail: `${incomplete.author} received the materials incomplete (${incomplete.missing} missing) at ${isoCst(incomplete.ts)}; no complete receipt since`,
      records: [toHex(incomplete.id)],
    });
  }
  for (const r of f.records) {
    if (r.witnessed === null || r.witnessed - r.ts <= LATE_ENTRY_MS || t < r.witnessed) continue;
    out.push({
      code: 'late-entry',
      since: r.witnessed,
      detail: `${r.kind} by ${r.author} claims ${isoCst(r.ts)} but was witnessed ${isoCst(r.witnessed)}`,
      records: [toHex(r.id)],
    });
  }
  return out.sort((a, b) => a.since - b.since || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
