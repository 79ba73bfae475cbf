import type { Envelope } from '../protocol/records/record.js';
import type { LedgerEventBus, LedgerEventMap, LedgerEventName } from './events.js';
import type { Op, Store, SublevelName } from './store.js';

/**
 * One write: the ops of one atomic batch, the in-memory changes to make once
 * it is on disk, and the events to emit then. Parts of the ledger add to it;
 * only the Writer writes it.
 */
export class WriteTx {
  readonly ops: Op[] = [];
  /** fsync the batch (records, votes, witness state); peers' checkpoint notes can be had again and skip it. */
  sync = true;
  /** org.actor records of this batch, in order: validation of later records in it sees them before they are indexed. */
  readonly actors: Envelope[] = [];
  private readonly durable: (() => void)[] = [];
  private readonly events: (() => void)[] = [];

  constructor(private readonly store: Store) {}

  put(name: SublevelName, key: Uint8Array, value: Uint8Array): void {
    this.ops.push(this.store.put(name, key, value));
  }

  del(name: SublevelName, key: Uint8Array): void {
    this.ops.push(this.store.del(name, key));
  }

  /** An in-memory change (index, head, cache) made only once the batch is durable. */
  onDurable(fn: () => void): void {
    this.durable.push(fn);
  }

  /** An event emitted after the batch is durable, outside the lock. */
  emit<K extends LedgerEventName>(name: K, v: LedgerEventMap[K]): void {
    this.events.push(() => this.bus?.emit(name, v));
  }

  private bus: LedgerEventBus | undefined;

  /** @internal Writer only. */
  async commit(bus: LedgerEventBus): Promise<void> {
    this.bus = bus;
    await this.store.write(this.ops, this.sync);
    for (const fn of this.durable) fn();
  }

  /** @internal Writer only. */
  flushEvents(): void {
    for (const fn of this.events) fn();
  }
}

/**
 * Which queue a transaction waits in. `urgent`: a step of a checkpoint's cosigning round that finality waits on
 * (an author signing its checkpoint, a witness taking the records sent with a request and cosigning, an author
 * writing its quorum's cosignatures). `bulk`: everything else (appends, foreign ranges, the outbox, gossiped
 * notes). Only the order in which queued transactions start differs: each is still one atomic batch, built and
 * written alone, with the same checks and the same durability.
 */
export type WritePriority = 'urgent' | 'bulk';

/** Urgent transactions started in a row while bulk ones wait, before the oldest bulk one goes: bulk work is delayed, never starved. */
export const URGENT_RUN = 4;

type Job = () => Promise<void>;

/**
 * Serialises every write to the store: one transaction at a time, each one
 * atomic batch. Queued urgent transactions start before queued bulk ones
 * (each queue in order), at most URGENT_RUN in a row while bulk ones wait.
 */
export class Writer {
  private readonly urgent: Job[] = [];
  private readonly bulk: Job[] = [];
  private busy = false;
  private urgentInRow = 0;

  constructor(
    private readonly store: Store,
    private readonly bus: LedgerEventBus,
  ) {}

  /** Build a transaction under the lock, write it, apply its in-memory changes, then emit its events. */
  async run<T>(build: (tx: WriteTx) => Promise<T>, priority: WritePriority = 'bulk'): Promise<T> {
    const tx = new WriteTx(this.store);
    const out = await new Promise<T>((resolve, reject) => {
      (priority === 'urgent' ? this.urgent : this.bulk).push(async () => {
        try {
          const out = await build(tx);
          await tx.commit(this.bus);
          resolve(out);
        } catch (e) {
          reject(e);
        }
      });
      this.pump();
    });
    tx.flushEvents();
    return out;
  }

  /** Resolves once every transaction queued so far has finished. */
  async idle(): Promise<void> {
    // Each queue is in order: an empty transaction queued last in each finishes after everything queued before it.
    await Promise.all([this.run(async () => undefined, 'urgent'), this.run(async () => undefined)]);
  }

  /** Start the next transaction unless one runs; in a microtask, so transactions queued together are ordered by priority. */
  private pump(): void {
    if (this.busy) return;
    this.busy = true;
    queueMicrotask(() => this.next());
  }

  private next(): void {
    const urgent = this.urgent.length > 0 && (this.bulk.length === 0 || this.urgentInRow < URGENT_RUN);
    const job = urgent ? this.urgent.shift() : this.bulk.shift();
    if (!job) {
      this.busy = false;
      return;
    }
    this.urgentInRow = urgent && this.bulk.length > 0 ? this.urgentInRow + 1 : 0;
    void job().then(() => this.next());
  }
}
