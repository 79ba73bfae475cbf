import { readU64be, u64be } from '../protocol/bytes.js';
import type { RecordStateName } from './events.js';
import { pairKey, pairRange, parsePairKey } from './keys.js';
import type { Store } from './store.js';
import type { WriteTx } from './writer.js';

/** A record's state with the time each was reached (ms); times are absent for records stored before states were kept. */
export interface RecordState {
  state: RecordStateName;
  durableAt?: number;
  replicatedAt?: number;
  finalAt?: number;
}

const DURABLE = 'durable';
const REPLICATED = 'replicated';
const finalOf = (epoch: number) => `final.${epoch}`;
/** Durable marks remembered per log (ledger/states.ts recentDurableAbove). */
const RECENT_MARKS = 16;

/**
 * Record states derived per log from sizes, never per record: a mark
 * (author, state, size) → time is written when a log's durable, replicated
 * or final size grows, in the batch that makes it grow. A record's state
 * is the largest state whose size is above its seq; its time, that of the
 * first mark above it. One mark per write or per checkpoint that advanced a
 * size: bounded by the log, not by what peers send.
 */
export class RecordStates {
  private readonly replicated = new Map<string, number>();
  /** author → epoch → size below which records of that epoch are final. */
  private readonly finals = new Map<string, Map<number, number>>();
  /** author → the newest durable marks this run wrote, in order: a write's answer asks its records' state at once. */
  private readonly recentDurable = new Map<string, { size: number; at: number }[]>();

  constructor(private readonly store: Store) {}

  async load(authors: string[], epochs: number): Promise<void> {
    for (const a of authors) {
      const r = await this.last(a, REPLICATED);
      if (r) this.replicated.set(a, r);
      for (let e = 0; e < epochs; e++) {
        const f = await this.last(a, finalOf(e));
        if (f) this.finalsOf(a).set(e, f);
      }
    }
  }

  private async last(author: string, what: string): Promise<number | undefined> {
    for await (const k of this.store.keys('mark', { ...pairRange(author, what), reverse: true, limit: 1 })) return parsePairKey(k).n;
    return undefined;
  }

  private finalsOf(author: string): Map<number, number> {
    let m = this.finals.get(author);
    if (!m) this.finals.set(author, (m = new Map()));
    return m;
  }

  replicatedSize(author: string): number {
    return this.replicated.get(author) ?? 0;
  }

  finalSize(author: string, epoch: number): number {
    return this.finals.get(author)?.get(epoch) ?? 0;
  }

  /** No record of `author` at or past this seq is final under any epoch (the largest final size of any epoch). */
  finalBound(author: string): number {
    let bound = 0;
    for (const size of this.finals.get(author)?.values() ?? []) bound = Math.max(bound, size);
    return bound;
  }

  /** Mark records below `size` durable (written and fsynced). */
  durable(tx: WriteTx, author: string, size: number, at: number): void {
    tx.put('mark', pairKey(author, DURABLE, size), u64be(at));
    tx.onDurable(() => {
      const marks = this.recentDurable.get(author) ?? [];
      marks.push({ size, at });
      if (marks.length > RECENT_MARKS) marks.shift();
      this.recentDurable.set(author, marks);
    });
    tx.emit('state', { author, state: 'durable', size, at });
  }

  /**
   * The time of the first durable mark above `seq`, from the marks this run
   * wrote (every durable mark is written by durable(), sizes growing): known
   * when a remembered mark is at or below `seq` and a later one above it.
   */
  private recentDurableAbove(author: string, seq: number): number | undefined {
    const marks = this.recentDurable.get(author);
    if (!marks || seq < marks[0]!.size) return undefined;
    return marks.find((m) => m.size > seq)?.at;
  }

  /** Mark records below `size` replicated, if that grows the replicated size; the caller's checkpoint names another cosigner. */
  replicatedTo(tx: WriteTx, author: string, size: number, at: number): boolean {
    if (size <= this.replicatedSize(author)) return false;
    tx.put('mark', pairKey(author, REPLICATED, size), u64be(at));
    tx.onDurable(() => this.replicated.set(author, Math.max(size, this.replicatedSize(author))));
    tx.emit('state', { author, state: 'replicated', size, at });
    return true;
  }

  /** Mark records of `epoch` below `size` final, if that grows the final size: true when this checkpoint is the first to make them final. */
  finalTo(tx: WriteTx, author: string, epoch: number, size: number, at: number): boolean {
    if (size <= this.finalSize(author, epoch)) return false;
    tx.put('mark', pairKey(author, finalOf(epoch), size), u64be(at));
    tx.onDurable(() => this.finalsOf(author).set(epoch, Math.max(size, this.finalSize(author, epoch))));
    tx.emit('state', { author, state: 'final', size, at, epoch });
    return true;
  }

  /** The size of the first mark above `seq` and its time. */
  private async firstAbove(author: string, what: string, seq: number): Promise<{ size: number; at: number } | undefined> {
    for await (const [k, v] of this.store.entries('mark', { ...pairRange(author, what, seq + 1), limit: 1 })) return { size: parsePairKey(k).n, at: readU64be(v) };
    return undefined;
  }

  /** Every mark of `author`'s records of `epoch` made final, in size order (one read for many `firstFinal` questions). */
  async finalMarks(author: string, epoch: number): Promise<{ size: number; at: number }[]> {
    const out: { size: number; at: number }[] = [];
    for await (const [k, v] of this.store.entries('mark', pairRange(author, finalOf(epoch)))) out.push({ size: parsePairKey(k).n, at: readU64be(v) });
    return out;
  }

  /** Size of the first checkpoint that made record `seq` of `epoch` final, with the time. */
  firstFinal(author: string, seq: number, epoch: number): Promise<{ size: number; at: number } | undefined> {
    return this.firstAbove(author, finalOf(epoch), seq);
  }

  /** The state of record `seq` (written in `epoch`) of `author`, held in a log of `size` records. */
  async of(author: string, seq: number, epoch: number, size: number): Promise<RecordState | undefined> {
    if (seq >= size) return undefined;
    const durableAt = this.recentDurableAbove(author, seq) ?? (await this.firstAbove(author, DURABLE, seq))?.at;
    const final = seq < this.finalSize(author, epoch);
    const replicated = seq < this.replicatedSize(author);
    const out: RecordState = { state: final ? 'final' : replicated ? 'replicated' : 'durable' };
    if (durableAt !== undefined) out.durableAt = durableAt;
    if (replicated) out.replicatedAt = (await this.firstAbove(author, REPLICATED, seq))?.at;
    if (final) out.finalAt = (await this.firstFinal(author, seq, epoch))?.at;
    return out;
  }

  /** Whether record `seq` of `epoch` has reached `state` (sync, from sizes). */
  reached(author: string, seq: number, epoch: number, size: number, state: RecordStateName): boolean {
    if (state === 'final') return seq < this.finalSize(author, epoch);
    if (state === 'replicated') return seq < this.replicatedSize(author) || seq < this.finalSize(author, epoch);
    return seq < size;
  }
}
