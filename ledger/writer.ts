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

/** Serialises every write to the store: one transaction at a time, each one atomic batch. */
export class Writer {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly bus: LedgerEventBus,
  ) {}

  /** Build a transaction under the lock, write it, apply its in-memory changes, then emit its events. */
  async run<T>(build: (tx: WriteTx) => Promise<T>): Promise<T> {
    const tx = new WriteTx(this.store);
    const fn = async () => {
      const out = await build(tx);
      await tx.commit(this.bus);
      return out;
    };
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    const out = await result;
    tx.flushEvents();
    return out;
  }

  /** Resolves once every transaction queued so far has finished. */
  async idle(): Promise<void> {
    await this.run(async () => undefined);
  }
}
