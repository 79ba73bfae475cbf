import { concat, equalBytes, fromHex, plain, readU64be, toHex, u64be, utf8 } from '../protocol/bytes.js';
import type { CborValue } from '../protocol/cbor.js';
import { calendarOf } from '../protocol/bundle/case.js';
import { WorkCalendar } from '../protocol/cases/calendar.js';
import { alertFacts, evaluateAlerts, evaluateDeadline, type AlertFacts, type CaseAlert, type ClockFacts } from '../protocol/cases/deadline.js';
import { caseReport, caseStateOf, type CaseReport, type CaseState, type HeldRecord } from '../protocol/cases/report.js';
import { caseIdOf, foldCase, type CaseFold } from '../protocol/cases/rules.js';
import { serialWarnings } from '../protocol/cases/check.js';
import { CASE_KINDS, isCaseKind, type CaseClockBody, type CaseOpenBody, type Light } from '../protocol/cases/schema.js';
import { FinalityPolicy } from '../protocol/finality.js';
import { decodeEnvelope, type Envelope } from '../protocol/records/record.js';
import { laterThan, type Checkpoints } from './checkpoints.js';
import { decodeIndexValue, encodeValue } from './codec.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { logKey, parseLogKey, parsePairKey, prefixRange } from './keys.js';
import { EMPTY, type Op, type Store } from './store.js';

/*
 * Case indexes (CASES.md; written in the transaction that stores the records):
 *   case    caseId ‖ author ‖ seq → ''      every record of a case (the case.open too), whoever wrote it
 *   serial  author ‖ 0 ‖ serial ‖ 0 ‖ caseId → ''   case.open records per (author, serial)
 *   caseSum caseId → summary                the time-independent facts of the fold of what is held
 *   caseBy  facet ‖ 0 ‖ openTs ‖ caseId → '' one key per facet of the summary (state, opener, handler, member, item, clock, live, all)
 * Lights depend on the instant, so they are never stored: a light query walks the `live` facet (accepted,
 * open) or, for another instant, the `clock` facet (every accepted case), and runs the deadline engine over
 * the stored clock facts of each candidate.
 */

/** The time-independent facts of a case that lists and lights need (the fold of every record held). */
export interface CaseSummary {
  id: Uint8Array;
  opener: string;
  handlers: string[];
  item: string;
  serial: string;
  state: CaseState;
  openTs: number;
  limit: CaseOpenBody['limit'];
  accept?: [Uint8Array, number];
  refuse?: number;
  close?: number;
  /** Counted case.clock records: id, ts, action, days. */
  clocks: [Uint8Array, number, string, number][];
  /**
   * What the alert rules read, so lights and alerts at a later instant need no record (the day boundary):
   * absent from summaries written before it was kept (those cases are evaluated from their records).
   */
  alert?: {
    /** id, ts, to, via, ts of the receipt that counts (or null). */
    handoffs: [Uint8Array, number, string, string, number | null][];
    /** Counted receipts in rule order: id, ts, author, complete, missing count. */
    receipts: [Uint8Array, number, string, boolean, number][];
    /** Every record held, ignored ones included: id, author, seq, epoch, ts, kind. */
    records: [Uint8Array, string, number, number, number, string][];
  };
}

export function summarize(fold: CaseFold, ordered: readonly Envelope[]): CaseSummary {
  // the alert rules' facts as the report takes them, stored as tuples (witnessing is looked up when evaluated)
  const facts = alertFacts(
    fold,
    ordered.map((env) => ({ env, witnessed: null })),
  );
  const s: CaseSummary = {
    id: fold.id,
    opener: fold.opener,
    handlers: [...fold.handlers],
    item: fold.open.item,
    serial: fold.open.serial,
    state: caseStateOf(fold),
    openTs: fold.openEnv.record.ts,
    limit: fold.open.limit,
    clocks: fold.counted
      .filter((e) => e.record.kind === 'case.clock')
      .map((e) => {
        const b = e.record.body as unknown as CaseClockBody;
        return [e.id, e.record.ts, b.action, b.days ?? 0];
      }),
    alert: {
      handoffs: facts.handoffs.map((h) => [h.id, h.ts, h.to, h.via, h.receipt]),
      receipts: facts.receipts.map((r) => [r.id, r.ts, r.author, r.complete, r.missing]),
      records: ordered.map((e) => [e.id, e.record.author, e.record.seq, e.record.epoch, e.record.ts, e.record.kind]),
    },
  };
  if (fold.accepted) s.accept = [fold.accepted.id, fold.accepted.record.ts];
  if (fold.refused) s.refuse = fold.refused.record.ts;
  if (fold.closed) s.close = fold.closed.record.ts;
  return s;
}

export function encodeSummary(s: CaseSummary): Uint8Array {
  const v: Record<string, CborValue> = {
    id: s.id,
    opener: s.opener,
    handlers: s.handlers,
    item: s.item,
    serial: s.serial,
    state: s.state,
    openTs: s.openTs,
    limit: { days: s.limit.days, calendar: s.limit.calendar },
    clocks: s.clocks,
  };
  if (s.alert) v.alert = s.alert as unknown as CborValue;
  if (s.accept) v.accept = s.accept;
  if (s.refuse !== undefined) v.refuse = s.refuse;
  if (s.close !== undefined) v.close = s.close;
  return encodeValue(v);
}

/** A stored integer (cbor-x gives those ≥ 2^32 as bigint), or undefined when `x` is none. */
function int(x: unknown): number | undefined {
  if (typeof x === 'number') return Number.isSafeInteger(x) ? x : undefined;
  if (typeof x === 'bigint') return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : undefined;
  return undefined;
}

/**
 * Whether `v` is a list of tuples of these element types ('b' bytes, 's' text, 'n' integer, 'N' integer or
 * null, 't' boolean); bytes are made plain and integers numbers, in place.
 */
function rows(v: unknown, types: string): boolean {
  if (!Array.isArray(v)) return false;
  for (const r of v) {
    if (!Array.isArray(r) || r.length !== types.length) return false;
    for (let i = 0; i < r.length; i++) {
      const x = r[i];
      const t = types[i];
      if (t === 'b') {
        if (!(x instanceof Uint8Array)) return false;
        r[i] = plain(x);
      } else if (t === 'n' || t === 'N') {
        if (t === 'N' && x === null) continue;
        r[i] = int(x);
        if (r[i] === undefined) return false;
      } else if (t === 's' ? typeof x !== 'string' : typeof x !== 'boolean') return false;
    }
  }
  return true;
}

/** A stored summary, its shape checked field by field (the index is read without the canonical re-encoding). */
export function decodeSummary(bytes: Uint8Array): CaseSummary {
  const v = decodeIndexValue(bytes, 'case summary');
  const limit = v.limit as { days?: unknown; calendar?: unknown } | undefined;
  const alert = v.alert as Record<string, unknown> | undefined;
  const openTs = int(v.openTs);
  const refuse = v.refuse === undefined ? undefined : int(v.refuse);
  const close = v.close === undefined ? undefined : int(v.close);
  const sound =
    rows([[v.id]], 'b') &&
    typeof v.opener === 'string' &&
    Array.isArray(v.handlers) &&
    v.handlers.every((h) => typeof h === 'string') &&
    typeof v.item === 'string' &&
    typeof v.serial === 'string' &&
    typeof v.state === 'string' &&
    openTs !== undefined &&
    int(limit?.days) !== undefined &&
    (limit?.calendar === 'working' || limit?.calendar === 'natural') &&
    rows(v.clocks, 'bnsn') &&
    (v.accept === undefined || rows([v.accept], 'bn')) &&
    (v.refuse === undefined || refuse !== undefined) &&
    (v.close === undefined || close !== undefined) &&
    (alert === undefined || (rows(alert.handoffs, 'bnssN') && rows(alert.receipts, 'bnstn') && rows(alert.records, 'bsnnns')));
  if (!sound) throw new LedgerError('CORRUPT', 'stored case summary is corrupt');
  const s: CaseSummary = {
    id: plain(v.id as Uint8Array),
    opener: v.opener as string,
    handlers: v.handlers as string[],
    item: v.item as string,
    serial: v.serial as string,
    state: v.state as CaseState,
    openTs,
    limit: v.limit as unknown as CaseOpenBody['limit'],
    clocks: v.clocks as unknown as CaseSummary['clocks'],
  };
  if (alert) s.alert = alert as unknown as CaseSummary['alert'];
  if (v.accept) s.accept = v.accept as [Uint8Array, number];
  if (refuse !== undefined) s.refuse = refuse;
  if (close !== undefined) s.close = close;
  return s;
}

/**
 * The deadline engine's input from a summary: only ids, times and clock bodies are read by it, so the
 * stored facts stand in for the records (no record is read to evaluate a light).
 */
export function factsOf(s: CaseSummary): ClockFacts {
  const rec = (id: Uint8Array, ts: number, body: Record<string, unknown> = {}) => ({ id, record: { ts, body } }) as unknown as Envelope;
  const f: ClockFacts = {
    limit: s.limit,
    clocks: s.clocks.map(([id, ts, action, days]) => rec(id, ts, action === 'extend' ? { action, days, reason: 'extension' } : { action })),
  };
  if (s.accept) f.accept = rec(s.accept[0], s.accept[1]);
  if (s.refuse !== undefined) f.refuse = rec(new Uint8Array(32), s.refuse);
  if (s.close !== undefined) f.close = rec(new Uint8Array(32), s.close);
  return f;
}

/** Who may say when a record of a case was witnessed (null: not final, or not known). */
export type WitnessedOf = (author: string, seq: number, epoch: number) => Promise<number | null>;

/** The alert rules' input from a summary, with each record's witnessing time asked of `witnessed`. */
export async function alertFactsOf(s: CaseSummary, witnessed: WitnessedOf): Promise<AlertFacts | undefined> {
  const a = s.alert;
  if (!a) return undefined;
  const records: AlertFacts['records'] = [];
  for (const [id, author, seq, epoch, ts, kind] of a.records) records.push({ id, kind, author, ts, witnessed: await witnessed(author, seq, epoch) });
  return {
    handoffs: a.handoffs.map(([id, ts, to, via, receipt]) => ({ id, ts, to, via, receipt })),
    receipts: a.receipts.map(([id, ts, author, complete, missing]) => ({ id, ts, author, complete, missing })),
    records,
  };
}

/** A case's light, overdue days and alerts at `t`, as its C.6 report would give them. */
export interface CaseLights {
  light: Light | null;
  overdue: number | null;
  alerts: CaseAlert[];
  open: boolean;
}

/**
 * Light and alerts at `t` from the stored summary alone, by the same engine as the report (`evaluateDeadline`,
 * `evaluateAlerts`): equal to the report's whenever every record held exists at `t` (ts ≤ t). Undefined when
 * that is not so (the report filters by ts) or the summary predates the alert facts: ask the report.
 */
export async function lightsOf(s: CaseSummary, calendar: WorkCalendar, t: number, witnessed: WitnessedOf): Promise<CaseLights | undefined> {
  if (!s.alert || s.alert.records.some((r) => r[4] > t)) return undefined;
  const facts = await alertFactsOf(s, witnessed);
  if (!facts) return undefined;
  const d = evaluateDeadline(factsOf(s), calendar, t);
  return { light: d.light, overdue: d.overdue, alerts: evaluateAlerts(facts, calendar, t), open: s.state !== 'closed' && s.state !== 'refused' };
}

/**
 * The earliest instant a live case can be red, whatever the calendar (a lower bound, time-independent): its
 * due date counted in natural days, where every day after acceptance counts, is never later than in working
 * days (§C.5). A paused case is red only if it went red before the pause. Undefined when it cannot be red
 * until another record is written. Light queries take these as candidates and ask the deadline engine.
 */
export function redFrom(s: CaseSummary): number | undefined {
  if (!s.accept || (s.state !== 'in-progress' && s.state !== 'paused')) return undefined;
  const f = factsOf({ ...s, limit: { days: s.limit.days, calendar: 'natural' } });
  const anyCalendar = new WorkCalendar();
  const last = Math.max(s.accept[1], ...s.clocks.map((c) => c[1]));
  if (s.state === 'paused') {
    // the pause in force is the last pause (an extension may follow it)
    const pause = [...f.clocks].reverse().find((c) => (c.record.body as { action?: string }).action === 'pause')!;
    const before = evaluateDeadline({ ...f, clocks: f.clocks.filter((c) => c !== pause) }, anyCalendar, pause.record.ts).clock?.due ?? null;
    return before !== null && before < pause.record.ts ? before + 1 : undefined;
  }
  const due = evaluateDeadline(f, anyCalendar, last).clock?.due ?? null;
  return due === null ? undefined : due + 1;
}

/** Facets of a summary, each with the time its keys sort by: every list the API filters on. */
export function facetsOf(s: CaseSummary): [string, number][] {
  const out = ['all', `state:${s.state}`, `opener:${s.opener}`, `member:${s.opener}`, `item:${s.item}`];
  for (const h of s.handlers) out.push(`handler:${h}`, `member:${h}`);
  if (s.accept && s.refuse === undefined) out.push('clock');
  if (s.state === 'in-progress' || s.state === 'paused') out.push('live');
  const keyed: [string, number][] = [...new Set(out)].map((f) => [f, s.openTs]);
  const red = redFrom(s);
  if (red !== undefined) keyed.push(['red', red]);
  return keyed;
}

export const facetPrefix = (facet: string): Uint8Array => concat(utf8(facet), Uint8Array.of(0));
const facetKey = (facet: string, ts: number, id: Uint8Array) => concat(facetPrefix(facet), u64be(ts), id);
export const serialPrefix = (author: string, serial: string): Uint8Array => concat(utf8(author), Uint8Array.of(0), utf8(serial), Uint8Array.of(0));
export const caseRange = (id: Uint8Array) => ({ gte: id, lt: concat(id, Uint8Array.of(0xff)) });

/** Every record of a case held (its index), in (author, seq) order. */
export async function caseRecords(core: LedgerCore, id: Uint8Array): Promise<Envelope[]> {
  const keys: Uint8Array[] = [];
  for await (const k of core.store.keys('case', caseRange(id))) if (k.length > 32) keys.push(k.subarray(32));
  const out: Envelope[] = [];
  const bytes = await core.store.getMany('env', keys);
  bytes.forEach((b, i) => {
    if (!b) return;
    try {
      out.push(decodeEnvelope(b));
    } catch (e) {
      const { author, n } = parseLogKey(keys[i]!);
      throw new LedgerError('CORRUPT', `stored envelope ${author}/${n} is corrupt: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Ids of `author`'s case.open records with `serial` held (one, unless a forged log repeated it). */
export async function casesBySerial(store: Store, author: string, serial: string): Promise<Uint8Array[]> {
  const p = serialPrefix(author, serial);
  const out: Uint8Array[] = [];
  for await (const k of store.keys('serial', { gte: p, lt: concat(p, new Uint8Array(32).fill(0xff), Uint8Array.of(0xff)) })) if (k.length === p.length + 32) out.push(k.subarray(p.length));
  return out;
}

/**
 * The index ops for the case records among `envs` (one write group): each record under its case and, for
 * every case touched, the new summary and its facet keys in place of the old ones. Reads only what earlier
 * transactions wrote (the writer serialises them), plus the group's own records.
 */
export async function caseOps(core: LedgerCore, envs: readonly Envelope[]): Promise<Op[]> {
  const { store } = core;
  const ops: Op[] = [];
  const touched = new Map<string, Envelope[]>();
  for (const env of envs) {
    const r = env.record;
    if (!isCaseKind(r.kind)) continue;
    const id = caseIdOf(env);
    if (!(id instanceof Uint8Array) || id.length !== 32) continue;
    ops.push(store.put('case', concat(id, logKey(r.author, r.seq)), EMPTY));
    if (r.kind === 'case.open') ops.push(store.put('serial', concat(serialPrefix(r.author, (r.body as unknown as CaseOpenBody).serial), env.id), EMPTY));
    const key = toHex(id);
    touched.set(key, [...(touched.get(key) ?? []), env]);
  }
  // cases are independent: their reads go to LevelDB together
  const perCase = await Promise.all(
    [...touched].map(async ([key, fresh]) => {
      const id = fromHex(key);
      const out: Op[] = [];
      const [held, oldBytes] = await Promise.all([caseRecords(core, id), store.get('caseSum', id)]);
      const all = [...held, ...fresh.filter((e) => !held.some((h) => equalBytes(h.id, e.id)))];
      const folded = foldCase(id, all);
      if (!folded) return out; // the case.open has not arrived yet: its records wait under the case id
      const next = summarize(
        folded.fold,
        folded.ordered.map((o) => o.env),
      );
      const old = oldBytes ? decodeSummary(oldBytes) : undefined;
      const name = ([f, ts]: [string, number]) => `${f}@${ts}`;
      const before = new Map((old ? facetsOf(old) : []).map((x) => [name(x), x]));
      const after = new Map(facetsOf(next).map((x) => [name(x), x]));
      for (const [k, [f, ts]] of before) if (!after.has(k)) out.push(store.del('caseBy', facetKey(f, ts, id)));
      for (const [k, [f, ts]] of after) if (!before.has(k)) out.push(store.put('caseBy', facetKey(f, ts, id), EMPTY));
      out.push(store.put('caseSum', id, encodeSummary(next)));
      return out;
    }),
  );
  for (const x of perCase) ops.push(...x);
  return ops;
}

export async function caseSummary(store: Store, id: Uint8Array): Promise<CaseSummary | undefined> {
  const b = await store.get('caseSum', id);
  return b ? decodeSummary(b) : undefined;
}

/** The summaries of several cases in one read (undefined where none is held). */
export async function caseSummaries(store: Store, ids: Uint8Array[]): Promise<(CaseSummary | undefined)[]> {
  return (await store.getMany('caseSum', ids)).map((b) => (b ? decodeSummary(b) : undefined));
}

export interface CaseQuery {
  state?: CaseState;
  light?: Light;
  member?: string;
  role?: 'opener' | 'handler';
  item?: string;
  /** Cases opened at or after this instant (ms). */
  since?: number;
  /** The instant lights are evaluated at (ms); absent: now. */
  asOf?: number;
  /** Continue after this cursor (from a previous page). */
  after?: string;
  limit: number;
}

export interface CaseListItem {
  summary: CaseSummary;
  light: Light | null;
  overdue: number | null;
}

/**
 * The facet a query walks: the most selective one it names; the other filters are checked on each summary.
 * Lights now are those of the cases open now (`live`); at another instant, of every case accepted (`clock`):
 * one closed since may have been red then.
 */
function facetOf(q: CaseQuery): string {
  if (q.item !== undefined) return `item:${q.item}`;
  if (q.member !== undefined) return `${q.role ?? 'member'}:${q.member}`;
  if (q.state !== undefined) return `state:${q.state}`;
  if (q.light === 'red' && q.asOf === undefined) return 'red';
  if (q.light !== undefined) return q.asOf === undefined ? 'live' : 'clock';
  return 'all';
}

function matches(s: CaseSummary, q: CaseQuery): boolean {
  if (q.since !== undefined && s.openTs < q.since) return false;
  if (q.state !== undefined && s.state !== q.state) return false;
  if (q.item !== undefined && s.item !== q.item) return false;
  if (q.member !== undefined) {
    const opener = s.opener === q.member;
    const handler = s.handlers.includes(q.member);
    if (q.role === 'opener' ? !opener : q.role === 'handler' ? !handler : !opener && !handler) return false;
  }
  return true;
}

/**
 * A page of cases from the facet indexes, in the order they were opened (open ts, then id); lights at
 * `asOf` by the deadline engine over each candidate's stored facts. `next` continues the walk.
 */
export async function listCases(core: LedgerCore, q: CaseQuery): Promise<{ asOf: number; cases: CaseListItem[]; next: string | null }> {
  if (!(Number.isInteger(q.limit) && q.limit >= 1)) throw new LedgerError('INVALID_ARGUMENT', `limit ${q.limit}: at least 1`);
  const calendar = calendarOf(core.chain);
  const asOf = q.asOf ?? core.now();
  const facet = facetOf(q);
  const prefix = facetPrefix(facet);
  // the red facet sorts by the earliest instant a case can be red: only those up to now are candidates;
  // the others sort by the time the case was opened, so `since` is where the walk starts
  const end = facet === 'red' ? concat(prefix, u64be(asOf + 1)) : concat(prefix, Uint8Array.of(0xff));
  const start = facet === 'red' ? 0 : (q.since ?? 0);
  let range: { gt?: Uint8Array; gte?: Uint8Array; lt: Uint8Array } = { gte: concat(prefix, u64be(start)), lt: end };
  if (q.after) {
    const c = fromHex(q.after, 'cursor');
    if (c.length !== 40) throw new LedgerError('INVALID_ARGUMENT', 'cursor: not a cursor of this list');
    if (readU64be(c) >= start) range = { gt: concat(prefix, c), lt: end };
  }
  const out: CaseListItem[] = [];
  let last: Uint8Array | undefined;
  for await (const k of core.store.keys('caseBy', range)) {
    const id = k.subarray(prefix.length + 8);
    const s = await caseSummary(core.store, id);
    if (!s || !matches(s, q)) continue;
    const d = s.accept ? evaluateDeadline(factsOf(s), calendar, asOf) : undefined;
    const light = d?.light ?? null;
    if (q.light !== undefined && light !== q.light) continue;
    // one match past the page says whether there is a next page
    if (out.length === q.limit) return { asOf, cases: out, next: toHex(last!.subarray(prefix.length)) };
    out.push({ summary: s, light, overdue: d?.overdue ?? null });
    last = k;
  }
  return { asOf, cases: out, next: null };
}

/** When a record was witnessed: the quorum time of the first checkpoint that made it final (null if not final). */
async function witnessedAt(core: LedgerCore, checkpoints: Checkpoints, env: Envelope, seen: Map<string, number | null>): Promise<number | null> {
  const r = env.record;
  const cfg = core.configFor(r.epoch);
  if (!cfg || !checkpoints.isFinal(r.author, r.seq, r.epoch)) return null;
  const cp = await checkpoints.forEntry(r.author, r.seq, r.epoch);
  if (!cp) return null;
  // records of one log proven by one checkpoint share its cosignatures: checked once per report
  const key = `${r.epoch}\n${cp.text}`;
  if (seen.has(key)) return seen.get(key)!;
  let at: number | null;
  try {
    at = FinalityPolicy.of(cfg, laterThan(core.chain, cfg)).check({ text: cp.text, sigs: cp.sigs }).witnessed;
  } catch {
    at = null;
  }
  seen.set(key, at);
  return at;
}

export type NodeCaseReport = CaseReport & { warnings: { code: 'duplicate-serial'; ids: string[] }[] };

/**
 * The C.6 report of a case from every record this node holds, final or not, at `asOf`, with the node's
 * warnings (a repeated serial). Undefined when the case.open is not held.
 */
export async function nodeCaseReport(core: LedgerCore, checkpoints: Checkpoints, id: Uint8Array, asOf: number): Promise<NodeCaseReport | undefined> {
  const records = await caseRecords(core, id);
  const held: HeldRecord[] = [];
  const seen = new Map<string, number | null>();
  for (const env of records) held.push({ env, final: checkpoints.isFinal(env.record.author, env.record.seq, env.record.epoch), witnessed: await witnessedAt(core, checkpoints, env, seen) });
  const regionOf = (member: string, epoch: number) => core.configFor(epoch)?.members.find((m) => m.id === member)?.region;
  const report = caseReport(id, held, { calendar: calendarOf(core.chain), regionOf }, asOf);
  if (!report) return undefined;
  const open = records.find((e) => equalBytes(e.id, id))!;
  const twins: Envelope[] = [];
  for (const other of await casesBySerial(core.store, open.record.author, report.serial)) {
    if (equalBytes(other, id)) continue;
    const env = (await caseRecords(core, other)).find((e) => equalBytes(e.id, other));
    if (env) twins.push(env);
  }
  return { ...report, warnings: serialWarnings(open, twins) };
}

const INDEXED = utf8('caseIndex');

/**
 * Index the case records of a store written before the case index existed (peers' case records were
 * accepted then, though this node refused its own): once, from the kind index, a few hundred records per
 * transaction; then a marker says it is done. A store with no case records only writes the marker.
 */
export async function indexOldCases(core: LedgerCore): Promise<number> {
  if (await core.store.get('meta', INDEXED)) return 0;
  let n = 0;
  let batch: Envelope[] = [];
  const flush = async () => {
    const envs = batch;
    batch = [];
    if (envs.length) await core.writer.run(async (tx) => tx.ops.push(...(await caseOps(core, envs))));
  };
  for (const kind of CASE_KINDS) {
    for await (const k of core.store.keys('kind', prefixRange(kind))) {
      const { b, n: seq } = parsePairKey(k);
      const env = await core.envelope(b, seq);
      if (!env) continue;
      batch.push(env);
      n++;
      if (batch.length >= 256) await flush();
    }
  }
  await flush();
  await core.writer.run(async (tx) => tx.put('meta', INDEXED, Uint8Array.of(1)));
  return n;
}
