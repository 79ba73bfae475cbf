import { Level } from 'level';
import type { AbstractSublevel } from 'abstract-level';
import { plain } from '../protocol/bytes.js';
import { LedgerError } from './errors.js';

type Db = Level<Uint8Array, Uint8Array>;
export type Sub = AbstractSublevel<Db, Uint8Array | string | Buffer, Uint8Array, Uint8Array>;

/** Names of the sublevels; each holds binary keys and values ('view'). */
const SUBLEVELS = [
  'meta', // utf8 name → value (net, self id, format version)
  'env', // (author, seq) → envelope bytes
  'hash', // (author, stored-hash index) → 32-byte hash
  'head', // author → canonical CBOR {seq, id, epoch, ts}
  'rid', // record id → (author, seq)
  'doc', // doc hash ‖ (author, seq) → ''
  'actor', // (author, actor id, seq) → '' for org.actor records
  'byActor', // (author, actor id, seq) → '' for every record an actor requested
  'kind', // (kind, author, seq) → ''
  'nonce', // author ‖ nonce → seq
  'cp', // (author, size) → canonical CBOR {note, first?}: every first checkpoint to make a range final, and a bounded window of others
  'wit', // origin → canonical CBOR {size, root}: the largest size this node cosigned
  'cfg', // epoch → canonical CBOR {config, approvals}
  'prop', // config id → canonical CBOR {config, approvals}: pending proposals
  'vote', // epoch → id of the successor this node approved (at most one per epoch)
  'fork', // author → canonical CBOR {a, b, at}
  'case', // case id ‖ (author, seq) → '' for every record of a case (CASES.md), the case.open included
  'serial', // author ‖ 0 ‖ serial ‖ 0 ‖ case id → '' for case.open records
  'caseSum', // case id → canonical CBOR summary: the time-independent facts of the case (ledger/cases.ts)
  'caseBy', // facet ‖ 0 ‖ open ts ‖ case id → '': lists of cases by state, opener, handler, member, item, clock, live
  'mark', // (author, state, size) → u64 ms: when the log's durable, replicated or final.<epoch> size reached size
  'evt', // event id (u64) → UTF-8 JSON of one outbox event (ledger/outbox.ts), bounded retention
  'evcur', // utf8 name → u64: the outbox's cursors (records and final sizes derived per log, deliveries per webhook)
  'evcase', // case id → UTF-8 JSON {light, alerts, open}: the last lights and alerts an event announced per case
] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

export interface PutOp {
  type: 'put';
  sublevel: Sub;
  key: Uint8Array;
  value: Uint8Array;
}
export interface DelOp {
  type: 'del';
  sublevel: Sub;
  key: Uint8Array;
}
export type Op = PutOp | DelOp;

export const EMPTY = new Uint8Array(0);

/** The LevelDB store: one database, one sublevel per kind of data. */
export class Store {
  readonly db: Db;
  readonly sub: Record<SublevelName, Sub>;

  private constructor(
    db: Db,
    readonly readOnly: boolean,
  ) {
    this.db = db;
    this.sub = Object.fromEntries(SUBLEVELS.map((n) => [n, db.sublevel<Uint8Array, Uint8Array>(n, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as Sub])) as Record<SublevelName, Sub>;
  }

  /**
   * Whether a process holds the store's LevelDB lock now (a running node): the only sure sign, since a node's
   * API may not answer (busy, TLS names, another interface). A missing or unreadable store is not in use.
   */
  static async inUse(path: string): Promise<boolean> {
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open({ createIfMissing: false });
    } catch (e) {
      const err = e as { code?: string; cause?: { code?: string } };
      return err.code === 'LEVEL_LOCKED' || err.cause?.code === 'LEVEL_LOCKED';
    }
    await db.close();
    return false;
  }

  /** Open (or create) the store at `path`; `readOnly` never creates one and refuses every write. */
  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<Store> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open({ createIfMissing: !opts.readOnly });
    return new Store(db, !!opts.readOnly);
  }

  async get(name: SublevelName, key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.sub[name].get(key);
    return v === undefined ? undefined : plain(v);
  }

  async getMany(name: SublevelName, keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const vs = await this.sub[name].getMany(keys);
    return vs.map((v) => (v === undefined ? undefined : plain(v)));
  }

  /** Atomic, durable write of one group. */
  async write(ops: Op[], sync = true): Promise<void> {
    if (ops.length === 0) return;
    if (this.readOnly) throw new LedgerError('READ_ONLY', 'the store is open read-only');
    // A chained batch on the root with prefixed keys: the same bytes as sublevel
    // ops, several times faster than abstract-level's array form (BENCHMARKS.md).
    const batch = this.db.batch();
    for (const op of ops) {
      const key = op.sublevel.prefixKey(op.key, 'view');
      if (op.type === 'put') batch.put(key, op.value);
      else batch.del(key);
    }
    await batch.write({ sync });
  }

  async *entries(name: SublevelName, range: { gte?: Uint8Array; gt?: Uint8Array; lte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number }): AsyncGenerator<[Uint8Array, Uint8Array]> {
    for await (const [k, v] of this.sub[name].iterator(range)) yield [plain(k), plain(v)];
  }

  /** Every value in `range`, in key order, read in batches (no async step per entry: peers' range requests read 1,000 at once). */
  async values(name: SublevelName, range: { gte?: Uint8Array; gt?: Uint8Array; lte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number }): Promise<Uint8Array[]> {
    return (await this.sub[name].values(range).all()).map(plain);
  }

  async *keys(name: SublevelName, range: { gte?: Uint8Array; gt?: Uint8Array; lte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number }): AsyncGenerator<Uint8Array> {
    for await (const k of this.sub[name].keys(range)) yield plain(k);
  }

  put(name: SublevelName, key: Uint8Array, value: Uint8Array): PutOp {
    return { type: 'put', sublevel: this.sub[name], key, value };
  }

  del(name: SublevelName, key: Uint8Array): DelOp {
    return { type: 'del', sublevel: this.sub[name], key };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
