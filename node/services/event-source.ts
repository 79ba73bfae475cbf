import { toHex } from '../../protocol/bytes.js';
import { caseIdOf, caseReport, isCaseKind, isoCst, nextDayStart, type WorkCalendar, type CaseReport, type HeldRecord } from '../../protocol/cases/index.js';
import { decodeOwn } from '../../protocol/cbor.js';
import { decodeEnvelope, type Envelope } from '../../protocol/records/record.js';
import { FinalityPolicy } from '../../protocol/finality.js';
import type { Config } from '../../protocol/config/index.js';
import { laterThan, type StoredCheckpoint } from '../../ledger/checkpoints.js';
import type { CaseMark, NewEvent, Outbox, OutboxWrite } from '../../ledger/outbox.js';
import { lightsOf, type CaseSummary, type WitnessedOf } from '../../ledger/cases.js';
import { calendarOf } from '../../protocol/bundle/case.js';
import type { Components, Service } from './components.js';
import type { CaseRecordsOf } from './case-records.js';
import type { EventType } from '../../protocol/events.js';

export type EventSourceComponents = Pick<Components, 'ledger' | 'log' | 'metrics'> & { outbox: Outbox; caseRecords: CaseRecordsOf };

export interface EventSourceInit {
  /** Records read and derived per outbox write. */
  eventBatch?: number;
  /** The clock lights are evaluated at (tests pass a later instant to `reevaluate` instead). */
  now?: () => number;
}

/** After a failed derivation (a failed write), try again this soon. */
const RETRY_MS = 1_000;
const REC = (author: string) => `rec/${author}`;
const FIN = (author: string) => `fin/${author}`;

/**
 * Derives the events of README "Events and webhooks" from the ledger's
 * durable state into the outbox: per log, a cursor of the records derived
 * (case events) and of the records announced final (`record.final`), each
 * written in the same atomic batch as the events it produced. After a crash
 * the cursors are where the events stopped: nothing is lost or repeated.
 * Lights and alerts are evaluated on each case record and again for every
 * open case at each day boundary in China Standard Time (and at start, for
 * boundaries passed while stopped).
 */
export class EventSource implements Service {
  private readonly batch: number;
  private readonly now: () => number;
  private offs: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Per log, the records events have been derived for (the durable cursors, kept in memory during a pass). */
  private readonly derived = new Map<string, number>();
  /**
   * The durable cursors per log: read from the store once, then moved as each write is done (this service is their
   * only writer, one pass at a time), instead of read again at every pass. Dropped when a write fails, so the next
   * pass reads what is on disk.
   */
  private cursors: { rec: Map<string, number>; fin: Map<string, number> } | undefined;

  constructor(
    init: EventSourceInit,
    private readonly x: EventSourceComponents,
  ) {
    this.batch = init.eventBatch ?? 256;
    this.now = init.now ?? (() => x.ledger.now());
  }

  start(): void {
    this.stopped = false;
    this.offs = [this.x.ledger.events.on('records', () => this.kick()), this.x.ledger.events.on('state', (s) => s.state === 'final' && this.kick())];
    this.kick();
    this.enqueue(() => this.reevaluateOpen(this.now()));
    this.scheduleDay();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
  }

  /** Resolves once every change seen so far has been derived. */
  async idle(): Promise<void> {
    this.kick();
    await this.chain;
  }

  private kick(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    this.enqueue(async () => {
      this.pending = false;
      try {
        await this.derive();
      } catch (e) {
        // nothing was lost (the cursors did not move): derive again soon, even if nothing else changes
        if (!this.stopped) setTimeout(() => this.kick(), RETRY_MS).unref();
        throw e;
      }
    });
  }

  /** One pass at a time: derivation, day re-evaluation. */
  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (e) {
        if (!this.stopped) this.x.log.warn({ err: e }, 'deriving events failed; retried');
      }
    });
  }

  private scheduleDay(): void {
    if (this.stopped) return;
    const now = this.now();
    this.timer = setTimeout(
      () => {
        this.enqueue(() => this.reevaluateOpen(this.now()));
        this.scheduleDay();
      },
      Math.max(1, nextDayStart(now) - now),
    );
    this.timer.unref();
  }

  private get self(): string {
    return this.x.ledger.self?.id ?? '';
  }

  /**
   * Derive every log's new records and newly final records until caught up: one outbox write per pass over the
   * logs (all their cursors in it), more only when more than \`batch\` records are due. Within the write each
   * log's new records come first, then its newly final ones, log after log, as separate writes did before.
   */
  private async derive(): Promise<void> {
    const { ledger, outbox } = this.x;
    // The durable cursors; each write moves them only once it is done.
    this.cursors ??= { rec: new Map(), fin: new Map() };
    const { rec, fin } = this.cursors;
    for (const author of ledger.authors()) {
      if (!rec.has(author)) rec.set(author, (await outbox.cursor(REC(author))) ?? 0);
      if (!fin.has(author)) fin.set(author, (await outbox.cursor(FIN(author))) ?? 0);
    }
    for (const [author, n] of rec) this.derived.set(author, n);
    for (;;) {
      if (this.stopped) return;
      const parts = await this.due(rec, fin);
      if (parts.length === 0) return;
      try {
        await this.write(async (w) => {
          for (const p of parts) await this.derivePart(w, p);
        });
      } catch (e) {
        // Not written: what the write derived is not derived (the cursors did not move).
        for (const [author, n] of rec) this.derived.set(author, n);
        this.cursors = undefined;
        throw e;
      }
      for (const p of parts) {
        rec.set(p.author, p.from + p.records.length);
        if (p.final.length > 0) fin.set(p.author, p.finalFrom + p.final.length);
      }
    }
  }

  /**
   * What the next write derives, read before it takes the write lock: per log, the records after its cursor and
   * then, once they are all in, the final ones after its final cursor; at most \`batch\` records in all.
   */
  private async due(rec: Map<string, number>, fin: Map<string, number>): Promise<DuePart[]> {
    const { ledger } = this.x;
    const parts: DuePart[] = [];
    let budget = this.batch;
    for (const author of ledger.authors()) {
      if (budget <= 0) break;
      const from = rec.get(author) ?? 0;
      const size = ledger.size(author);
      const records = await ledger.envelopeBytes(author, from, Math.min(budget, size - from));
      budget -= records.length;
      const finalFrom = fin.get(author) ?? 0;
      const final: Envelope[] = [];
      // A log's finals follow all its records (a late-entry check reads the case as derived).
      // Only records below the final bound can be final: those past it are not read and decoded at every pass.
      const finalTo = Math.min(size, ledger.states.finalBound(author));
      if (from + records.length >= size && budget > 0 && finalTo > finalFrom) {
        for (const env of (await ledger.envelopeBytes(author, finalFrom, Math.min(budget, finalTo - finalFrom))).map(decodeEnvelope)) {
          if (!ledger.isFinal(author, env.record.seq, env.record.epoch)) break;
          final.push(env);
        }
        budget -= final.length;
      }
      if (records.length > 0 || final.length > 0) parts.push({ author, from, records, finalFrom, final });
    }
    return parts;
  }

  /** One log's part of a write: the events of its new records, then of its newly final ones, with their cursors. */
  private async derivePart(w: OutboxWrite, p: DuePart): Promise<void> {
    const { ledger } = this.x;
    const { author } = p;
    if (p.records.length > 0) {
      // Only case records make events here: the others are not decoded in full (a stored record was checked when written).
      for (const bytes of p.records) if (isCaseKind(kindOf(bytes))) await this.caseRecordEvents(w, decodeEnvelope(bytes));
      w.cursor(REC(author), p.from + p.records.length);
      // Later logs' reports in this write see these records as derived, as they did after a write of their own.
      this.derived.set(author, p.from + p.records.length);
    }
    if (p.final.length === 0) return;
    const cases = new Map<string, CaseReport | null>();
    // Records come in seq order: the first mark above one record is the first above the next while it covers it
    // (any mark above the later seq is above the earlier one too), so one mark read serves a run of records.
    let mark: { size: number; at: number; epoch: number } | undefined;
    for (const env of p.final) {
      // record.final is announced for this member's own records (what its local systems wrote) and for case
      // records of any log; other members' finality is theirs to announce (an event and an fsync per record
      // at every node doubled the latency to finality under load).
      const c = caseIdOf(env);
      if (author !== this.self && !c) continue;
      const { seq, epoch } = env.record;
      if (!mark || mark.epoch !== epoch || mark.size <= seq) {
        const m = await ledger.states.firstFinal(author, seq, epoch);
        mark = m && { ...m, epoch };
      }
      const finalAt = mark?.at ?? null;
      this.add(w, {
        type: 'record.final',
        recordId: toHex(env.id),
        ...(c ? { caseId: toHex(c) } : {}),
        data: { author, seq: env.record.seq, kind: env.record.kind, epoch: env.record.epoch, ts: env.record.ts, finalAt },
      });
      // a case record now witnessed may raise late-entry (CASES.md §C.5)
      if (c) await this.alertCheck(w, await this.cachedReport(cases, c, this.now()), c, 'final');
    }
    w.cursor(FIN(author), p.finalFrom + p.final.length);
  }

  /** One outbox write with a per-write cache of case reports (several records of one case, one evaluation). */
  private write(build: (w: OutboxWrite, cases: Map<string, CaseReport | null>) => Promise<void>): Promise<void> {
    const cases = new Map<string, CaseReport | null>();
    return this.x.outbox
      .write(async (w) => {
        await build(w, cases);
        return w.added;
      })
      .then((added) => added.forEach((e) => this.x.metrics.events.inc({ type: e.type })));
  }

  private add(w: OutboxWrite, e: Omit<NewEvent, 'member' | 'at'> & { type: EventType; at?: number }): void {
    w.add({ ...e, at: e.at ?? this.now(), member: this.self });
  }

  /** The calendar in force (CASES.md §C.5: the newest config's), as reports and bundles apply it. */
  private calendar(): WorkCalendar {
    return calendarOf(this.x.ledger.chain);
  }

  /**
   * The case report at `t` from the records held that events have been
   * derived for (up to `upTo`, the record being derived, in its log): each
   * event tells the case as it stood after its record, not after later ones
   * of the same batch. Null when the case.open is not among them.
   */
  private async report(caseId: Uint8Array, t: number, upTo?: Envelope): Promise<CaseReport | null> {
    const { ledger } = this.x;
    const held: HeldRecord[] = [];
    const witnessedOf = new Map<string, number | null>();
    for (const env of await this.x.caseRecords(caseId)) {
      const r = env.record;
      const seen = upTo && r.author === upTo.record.author ? r.seq <= upTo.record.seq : r.seq < (this.derived.get(r.author) ?? 0);
      if (!seen) continue;
      const final = ledger.isFinal(r.author, r.seq, r.epoch);
      held.push({ env, final, witnessed: final ? await this.witnessed(r.author, r.seq, r.epoch, witnessedOf) : null });
    }
    const ctx = { calendar: this.calendar(), regionOf: (m: string, e: number) => ledger.configFor(e)?.members.find((x) => x.id === m)?.region };
    return caseReport(caseId, held, ctx, t) ?? null;
  }

  /**
   * When a record was witnessed (PROTOCOL.md §8): the time the checkpoint
   * that proves it (the first to make it final, as in bundles) reached quorum,
   * from its cosignature times, so a node that caught up late does not see
   * late entries that are not. Per checkpoint, once per report (or per
   * day-boundary pass).
   */
  private async witnessed(author: string, seq: number, epoch: number, cache: Map<string, number | null>): Promise<number | null> {
    const cp = await this.x.ledger.checkpoints.forEntry(author, seq, epoch);
    const cfg = this.x.ledger.configFor(epoch);
    if (!cp || !cfg) return null;
    const key = `${author}/${cp.checkpoint.size}`;
    if (!cache.has(key)) cache.set(key, this.witnessTime(cfg, cp));
    return cache.get(key)!;
  }

  /** When a checkpoint reached quorum, counting later epochs' keys of the same witnesses (PROTOCOL.md §6, key rotation). */
  private witnessTime(cfg: Config, cp: { text: string; sigs: StoredCheckpoint['sigs'] }): number | null {
    return FinalityPolicy.of(cfg, laterThan(this.x.ledger.chain, cfg)).check({ text: cp.text, sigs: cp.sigs }).witnessed;
  }

  private async cachedReport(cases: Map<string, CaseReport | null>, caseId: Uint8Array, t: number): Promise<CaseReport | null> {
    const key = toHex(caseId);
    if (!cases.has(key)) cases.set(key, await this.report(caseId, t));
    return cases.get(key)!;
  }

  /** The event of one case record, then its lights and alerts checked. */
  private async caseRecordEvents(w: OutboxWrite, env: Envelope): Promise<void> {
    const caseId = caseIdOf(env);
    if (!caseId) return;
    const r = env.record;
    const rep = await this.report(caseId, this.now(), env);
    const ignored = rep?.ignored.find((i) => i.id === toHex(env.id))?.rule;
    const base = {
      author: r.author,
      seq: r.seq,
      kind: r.kind,
      ts: isoCst(r.ts),
      actor: r.actor?.id ?? null,
      ...(ignored ? { ignored } : {}),
      state: rep?.state ?? null,
      ...(rep ? {} : { caseHeld: false }),
    };
    const ids = { caseId: toHex(caseId), recordId: toHex(env.id) };
    const body = r.body as Record<string, unknown>;
    if (r.kind === 'case.open') {
      const role = r.author === this.self ? 'opener' : (body.handlers as string[]).includes(this.self) ? 'handler' : null;
      this.add(w, { type: 'case.opened', ...ids, data: { ...base, item: body.item, name: body.name, mode: body.mode, serial: body.serial, handlers: body.handlers, limit: body.limit, role } });
    } else if (r.kind === 'case.handoff' && body.to === this.self) {
      this.add(w, {
        type: 'case.handoff',
        ...ids,
        data: { ...base, from: r.author, to: body.to, purpose: body.purpose, via: body.via, tracking: body.tracking ?? null, materials: (body.materials as Uint8Array[]).map(toHex) },
      });
    } else if (!ignored && (r.kind === 'case.close' || (r.kind === 'case.accept' && body.decision === 'refuse'))) {
      this.add(w, { type: 'case.closed', ...ids, data: { ...base, result: r.kind === 'case.close' ? body.result : 'refused', lateDays: rep?.lateDays ?? null } });
    } else {
      this.add(w, { type: 'case.updated', ...ids, data: base });
    }
    if (rep) await this.alertCheck(w, rep, caseId, 'record');
  }

  /** Emit `case.alert` when the case's light or alert codes differ from what the last event announced; remember them. */
  private async alertCheck(w: OutboxWrite, rep: CaseReport | null, caseId: Uint8Array, reason: 'record' | 'final' | 'day', t = this.now()): Promise<void> {
    if (!rep) return;
    const key = toHex(caseId);
    const stored = w.pendingMark(key) ?? (await this.x.outbox.caseMark(caseId));
    const prev = stored ?? { light: null, alerts: [], open: true };
    const codes = [...new Set(rep.alerts.map((a) => a.code))].sort();
    const mark: CaseMark = { light: rep.light, alerts: codes, open: rep.state !== 'closed' && rep.state !== 'refused' };
    if (mark.light !== prev.light || codes.join() !== prev.alerts.join()) {
      this.add(w, {
        type: 'case.alert',
        caseId: key,
        at: t,
        data: {
          reason,
          light: rep.light,
          previous: prev.light,
          raised: codes.filter((c) => !prev.alerts.includes(c)),
          cleared: prev.alerts.filter((c) => !codes.includes(c)),
          alerts: rep.alerts,
          state: rep.state,
          due: rep.due,
          counted: rep.counted,
          allowed: rep.allowed,
          remaining: rep.remaining,
          overdue: rep.overdue,
          asOf: rep.asOf,
        },
      });
    }
    if (!stored || mark.light !== prev.light || codes.join() !== prev.alerts.join() || mark.open !== prev.open) w.caseMark(caseId, mark);
  }

  /**
   * Re-evaluate every open case at instant `t` (a day boundary, or start):
   * a `case.alert` for each whose light or alerts changed. Each case is
   * first evaluated from its indexed summary; only those that changed (or
   * that the summary cannot decide) get the full report the event carries.
   * A batch of those per write. Runs after the derivation under way.
   */
  async reevaluate(t: number): Promise<void> {
    this.enqueue(() => this.reevaluateOpen(t));
    await this.chain;
  }

  /**
   * Whether the light, alert codes and openness of a case at `t` are still
   * those of its mark, decided from the case's indexed summary (no record
   * read) by the same engine as the report. False when the summary cannot
   * tell (it folds a record events were not derived for yet, a record after
   * `t`, or predates the alert facts): the report decides then.
   */
  private async unchanged(s: CaseSummary | undefined, mark: CaseMark, t: number, calendar: WorkCalendar, witnessed: WitnessedOf): Promise<boolean> {
    if (!s?.alert) return false;
    // the report reads only the records events were derived for; the summary folds every record held
    for (const r of s.alert.records) if (r[2] >= (this.derived.get(r[1]) ?? 0)) return false;
    const lights = await lightsOf(s, calendar, t, witnessed);
    if (!lights) return false;
    const codes = [...new Set(lights.alerts.map((a) => a.code))].sort();
    return lights.light === mark.light && codes.join() === mark.alerts.join() && lights.open === mark.open;
  }

  /**
   * When records were witnessed, for one pass over many cases: the same answers as `witnessed` (one finality
   * lookup per record), but each log's final marks are read once and each checkpoint is looked up once; records
   * whose first final mark is that of a checkpoint already looked up share its answer.
   */
  private passWitness(): WitnessedOf {
    const { ledger } = this.x;
    const checks = new Map<string, number | null>();
    const marks = new Map<string, Promise<{ size: number; at: number }[]>>();
    const bySize = new Map<string, number | null>();
    return async (author, seq, epoch) => {
      if (!ledger.isFinal(author, seq, epoch)) return null;
      const log = `${author}/${epoch}`;
      if (!marks.has(log)) marks.set(log, ledger.states.finalMarks(author, epoch));
      const list = await marks.get(log)!;
      // the first mark above seq, as states.firstFinal reads it
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.size > seq) hi = mid;
        else lo = mid + 1;
      }
      const first = list[lo];
      const key = first ? `${log}/${first.size}` : undefined;
      if (key && bySize.has(key)) return bySize.get(key)!;
      const cp = await ledger.checkpoints.forEntry(author, seq, epoch);
      const cfg = ledger.configFor(epoch);
      if (!cp || !cfg) return null;
      const ck = `${author}/${cp.checkpoint.size}`;
      if (!checks.has(ck)) checks.set(ck, this.witnessTime(cfg, cp));
      // forEntry gave the checkpoint of that first mark: it gives it for every record whose first mark it is
      if (key && cp.checkpoint.size === first!.size) bySize.set(key, checks.get(ck)!);
      return checks.get(ck)!;
    };
  }

  private async reevaluateOpen(t: number): Promise<void> {
    const calendar = this.calendar();
    const witnessed = this.passWitness();
    let ids: Uint8Array[] = [];
    const flush = async () => {
      const batch = ids;
      ids = [];
      if (batch.length)
        await this.write(async (w, cases) => {
          for (const id of batch) await this.alertCheck(w, await this.cachedReport(cases, id, t), id, 'day', t);
        });
    };
    // only the cases whose light or alerts change get a full report (and an event); summaries are read a batch at a time
    let open: [Uint8Array, CaseMark][] = [];
    const screen = async () => {
      const batch = open;
      open = [];
      const sums = await this.x.ledger.caseSummaries(batch.map(([id]) => id));
      const same = await Promise.all(batch.map(([, mark], i) => this.unchanged(sums[i], mark, t, calendar, witnessed)));
      batch.forEach(([id], i) => same[i] || ids.push(id));
      if (ids.length >= this.batch) await flush();
    };
    for await (const pair of this.x.outbox.openCases()) {
      open.push(pair);
      if (open.length >= this.batch) await screen();
    }
    await screen();
    await flush();
  }
}

/** One log's share of an event-source write: new records from \`from\`, newly final ones from \`finalFrom\`. */
interface DuePart {
  author: string;
  from: number;
  records: Uint8Array[];
  finalFrom: number;
  final: Envelope[];
}

export function eventSource(init: EventSourceInit = {}): (c: EventSourceComponents) => EventSource {
  return (c) => new EventSource(init, c);
}

/** The kind of a stored envelope, read without the strict decode; a record it cannot read is decoded in full (and named) by the caller. */
function kindOf(bytes: Uint8Array): string {
  try {
    const env = decodeOwn(bytes) as unknown[];
    const record = decodeOwn(env[0] as Uint8Array) as { kind?: unknown };
    if (typeof record.kind === 'string') return record.kind;
  } catch {
    // fall through
  }
  return decodeEnvelope(bytes).record.kind;
}
