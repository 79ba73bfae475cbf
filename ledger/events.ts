import type { VerifiedConfig } from '../protocol/config/governance.js';
import type { Envelope } from '../protocol/records/record.js';

/** A record's state in this node's view (README "Record states"). */
export type RecordStateName = 'durable' | 'replicated' | 'final';

/** Records 0..size-1 of `author` reached `state` at `at` (ms); `epoch` names the config a final size counts for. */
export interface StateChange {
  author: string;
  state: RecordStateName;
  size: number;
  at: number;
  epoch?: number;
}

export interface ForkEvidence {
  author: string;
  a: Uint8Array;
  b: Uint8Array;
  at: number;
}

export interface LedgerEventMap {
  /** Records newly stored (own or foreign), in order per log, once durable. */
  records: Envelope[];
  /** A new epoch was adopted. */
  epoch: VerifiedConfig;
  /** A fork was detected and evidence stored. */
  fork: ForkEvidence;
  /** A log's durable, replicated or final size grew. */
  state: StateChange;
}

export type LedgerEventName = keyof LedgerEventMap;

/**
 * Typed events of the ledger, emitted after the write that caused them is
 * on disk. Any number of listeners; `on` returns the unsubscribe function. A
 * throwing listener does not stop the others nor the ledger.
 */
export class LedgerEventBus {
  private readonly listeners = new Map<LedgerEventName, Set<(v: never) => void>>();

  on<K extends LedgerEventName>(name: K, fn: (v: LedgerEventMap[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const f = fn as (v: never) => void;
    set.add(f);
    return () => void set.delete(f);
  }

  emit<K extends LedgerEventName>(name: K, v: LedgerEventMap[K]): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) {
      try {
        (fn as (v: LedgerEventMap[K]) => void)(v);
      } catch (e) {
        process.emitWarning(`ledger ${name} listener failed: ${(e as Error).message}`);
      }
    }
  }
}
