import { fromUtf8, readU64be, toHex, u64be, utf8 } from '../protocol/bytes.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import type { WriteTx } from './writer.js';

/**
 * One event for local systems (README "Events and webhooks"): `id` grows by
 * one per event, in the order events were written, and never repeats on a
 * node, so receivers de-duplicate by it.
 */
export interface OutboxEvent {
  id: number;
  type: string;
  /** ms since the epoch: when the event was derived. */
  at: number;
  caseId?: string;
  recordId?: string;
  /** The member whose node emitted it. */
  member: string;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<OutboxEvent, 'id'>;

/** What an event last announced about a case: its light, its alert codes, and whether it is still open (re-evaluated at day boundaries). */
export interface CaseMark {
  light: string | null;
  alerts: string[];
  open: boolean;
}

/**
 * Bounded retention: the newest `retainEvents` events are kept; older ones
 * are deleted in the write that adds the newer ones. A reader (SSE client,
 * webhook) behind the oldest event held resumes at the oldest held and is told
 * how many it missed.
 */
export const outboxDefaults = { retainEvents: 100_000 };

const PRUNED = 'outbox/pruned';
export type OutboxOptions = typeof outboxDefaults;

/** The part of a write transaction that adds events, cursors and case marks. */
export class OutboxWrite {
  readonly added: OutboxEvent[] = [];

  constructor(
    private readonly tx: WriteTx,
    private next: number,
  ) {}

  add(e: NewEvent): OutboxEvent {
    const ev: OutboxEvent = { id: this.next++, ...e };
    this.tx.put('evt', u64be(ev.id), utf8(JSON.stringify(ev)));
    this.added.push(ev);
    return ev;
  }

  cursor(name: string, n: number): void {
    this.tx.put('evcur', utf8(name), u64be(n));
  }

  private readonly marks = new Map<string, CaseMark>();

  caseMark(caseId: Uint8Array, mark: CaseMark): void {
    this.tx.put('evcase', caseId, utf8(JSON.stringify(mark)));
    this.marks.set(toHex(caseId), mark);
  }

  /** The mark this write sets for a case (hex id), if it sets one: later checks in the same write compare against it. */
  pendingMark(caseHex: string): CaseMark | undefined {
    return this.marks.get(caseHex);
  }

  get nextId(): number {
    return this.next;
  }
}

/**
 * The durable event outbox: events are written with the cursors of what they
 * were derived from in one atomic batch through the ledger's writer, so after
 * a crash an event is either stored with its cursor advanced or neither, and
 * deriving again from the cursor loses nothing and repeats nothing.
 */
export class Outbox {
  private next = 1;
  private oldest = 1;
  private pruned = 0;
  private readonly listeners = new Set<(added: OutboxEvent[]) => void>();

  private constructor(
    private readonly core: Pick<LedgerCore, 'store' | 'writer' | 'assertOpen'>,
    readonly opts: OutboxOptions,
  ) {}

  /**
   * `firstId`: the id of the first event of an outbox that holds none; by
   * default the time in ms × 1000, so ids keep growing even across a store
   * rebuilt from peers (receivers de-duplicate by id).
   */
  static async open(core: Pick<LedgerCore, 'store' | 'writer' | 'assertOpen'>, opts: Partial<OutboxOptions> & { firstId?: number } = {}): Promise<Outbox> {
    const o = new Outbox(core, { ...outboxDefaults, ...opts });
    if (!(o.opts.retainEvents >= 1)) throw new LedgerError('INVALID_ARGUMENT', 'retainEvents must be at least 1');
    o.next = 0;
    for await (const k of core.store.keys('evt', { reverse: true, limit: 1 })) o.next = readU64be(k) + 1;
    for await (const k of core.store.keys('evt', { limit: 1 })) o.oldest = readU64be(k);
    o.pruned = (await o.cursor(PRUNED)) ?? 0;
    if (o.next === 0) o.next = o.oldest = Math.max(opts.firstId ?? Date.now() * 1000, o.pruned + 1);
    return o;
  }

  /** Id of the newest event written (0 when none). */
  get lastId(): number {
    return this.next - 1;
  }

  /** Id of the oldest event held (lastId + 1 when none is held). */
  get oldestId(): number {
    return this.oldest;
  }

  /** Events up to this id were deleted by retention (0: none ever was). */
  get prunedTo(): number {
    return this.pruned;
  }

  /** Run one atomic write of events, cursors and case marks; listeners hear of the events once they are durable. */
  async write<T>(build: (w: OutboxWrite) => Promise<T>): Promise<T> {
    this.core.assertOpen();
    return this.core.writer.run(async (tx) => {
      const w = new OutboxWrite(tx, this.next);
      const out = await build(w);
      // Events are fsynced: a reader may see them at once, so they must not come back with other contents after a
      // crash. A write of cursors alone need not be: lost, it is derived or delivered again.
      if (w.added.length === 0) tx.sync = false;
      const next = w.nextId;
      // Retention: delete what falls out of the newest `retainEvents`, in the same batch.
      const floor = Math.max(this.oldest, next - this.opts.retainEvents);
      for (let id = this.oldest; id < floor; id++) tx.del('evt', u64be(id));
      if (floor > this.oldest) w.cursor(PRUNED, floor - 1);
      tx.onDurable(() => {
        this.next = next;
        if (floor > this.oldest) this.pruned = floor - 1;
        this.oldest = floor;
        if (w.added.length > 0) {
          for (const fn of [...this.listeners]) {
            try {
              fn(w.added);
            } catch (e) {
              process.emitWarning(`outbox listener failed: ${(e as Error).message}`);
            }
          }
        }
      });
      return out;
    });
  }

  /** Events with id > `after`, oldest first, at most `limit`. */
  async read(after: number, limit: number): Promise<OutboxEvent[]> {
    const out: OutboxEvent[] = [];
    if (limit <= 0) return out;
    for await (const [, v] of this.core.store.entries('evt', { gt: u64be(Math.max(0, after)), limit })) {
      try {
        out.push(JSON.parse(fromUtf8(v)) as OutboxEvent);
      } catch (e) {
        throw new LedgerError('CORRUPT', `stored event is corrupt: ${(e as Error).message}`);
      }
    }
    return out;
  }

  async cursor(name: string): Promise<number | undefined> {
    const v = await this.core.store.get('evcur', utf8(name));
    return v ? readU64be(v) : undefined;
  }

  /** A cursor on its own (a webhook's delivery cursor), durably. */
  setCursor(name: string, n: number): Promise<void> {
    return this.write(async (w) => w.cursor(name, n));
  }

  async caseMark(caseId: Uint8Array): Promise<CaseMark | undefined> {
    const v = await this.core.store.get('evcase', caseId);
    return v ? (JSON.parse(fromUtf8(v)) as CaseMark) : undefined;
  }

  /** Every case with a mark that is still open, with the mark (for the day-boundary re-evaluation). */
  async *openCases(): AsyncGenerator<[Uint8Array, CaseMark]> {
    for await (const [k, v] of this.core.store.entries('evcase', {})) {
      const mark = JSON.parse(fromUtf8(v)) as CaseMark;
      if (mark.open) yield [k, mark];
    }
  }

  /** Called with each durable write's events, in id order; returns the unsubscribe function. */
  onAppended(fn: (added: OutboxEvent[]) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}
