import type { Logger } from 'pino';
import type { Config } from '../protocol/config/config.js';
import { AppendRefused } from './append-refused.js';
import type { Head } from './p2p/messages.js';

/** What recovery needs of the ledger. */
export interface RecoveryLedger {
  readonly self?: { id: string };
  readonly config: Config;
  size(author: string): number;
  /** Take back own records from a peer, validated as any peer's range (own key, seq, prev, rules). */
  recoverOwn(envelopes: Uint8Array[]): Promise<{ accepted: number }>;
  /** Take an own checkpoint note held by a peer (checked against the own key). */
  addCheckpoint(note: string): Promise<{ status: string; checkpoint?: { checkpoint: { size: number } } }>;
}

/** What recovery needs of the network: ask one member (by member id). */
export interface RecoveryPeers {
  /** Every head the member holds (after learning its configs, so the membership is current). */
  heads(member: string): Promise<Head[]>;
  /** The member's copy of `author`'s records from `from` (a bounded batch; empty when it holds no more). */
  range(member: string, author: string, from: number): Promise<Uint8Array[]>;
}

export interface RecoveryInit {
  ledger: RecoveryLedger;
  peers: RecoveryPeers;
  log: Logger;
  /** Operator's word that this member's log is empty everywhere (a new member starting alone): skip the wait if the local log is empty. */
  acceptEmptyLog?: boolean;
  /** Called once, when appends may start. */
  onRecovered?: () => void;
}

/**
 * Own-log recovery at start. A store lost, restored from a backup, or cut
 * short (deleted CURRENT, truncated WAL) looks like a shorter own log; signing
 * the next record at that size would reuse a seq peers hold: a fork at every
 * peer. So the node appends nothing until it has heard from enough witnesses
 * that every final record of its own log is known, has fetched its records
 * from them (each validated against its own key as a peer's range is), and
 * holds at least the largest size any own checkpoint held by a peer shows.
 *
 * Enough: W - Q + 1 witnesses other than itself (W witnesses, Q the witness
 * quorum), capped at the other witnesses. A final checkpoint carries Q
 * cosignatures, so any W - Q + 1 witnesses include one that cosigned it and
 * so holds its records.
 */
export class OwnLogRecovery {
  private done = false;
  private stopped = false;
  /** Members that answered with their heads and whose copy of the own log is now held. */
  private readonly heard = new Set<string>();
  private readonly asking = new Set<string>();
  /**
   * Largest own-log size shown by an own checkpoint a peer holds (signed with this node's key). A size a peer
   * merely claims is fetched from it but does not raise the target: a lying member could block appends forever.
   */
  private target = 0;

  constructor(private readonly x: RecoveryInit) {}

  get recovered(): boolean {
    return this.done;
  }

  private get self(): string {
    return this.x.ledger.self!.id;
  }

  /** Witnesses other than this node that must have answered. */
  needed(cfg: Config = this.x.ledger.config): number {
    const witnesses = cfg.members.filter((m) => m.roles.includes('witness'));
    const others = witnesses.filter((m) => m.id !== this.self).length;
    return Math.min(others, Math.max(1, witnesses.length - cfg.quorum.witness + 1));
  }

  /** Start: done at once when nobody else can hold the log, or the operator vouches that it is new. */
  start(): void {
    if (this.x.acceptEmptyLog && this.x.ledger.size(this.self) === 0) {
      this.x.log.warn("--accept-empty-log: appending without asking peers for this member's log (only for a member whose log is empty everywhere)");
      this.finish();
      return;
    }
    this.check();
  }

  /** The refusal while recovering, else undefined. */
  refusal(): AppendRefused | undefined {
    if (this.done) return undefined;
    const heardWitnesses = this.heardWitnesses();
    return new AppendRefused(
      'RECOVERING',
      `recovering this node's own log from peers before signing new records (heard from ${heardWitnesses} of ${this.needed()} witnesses needed; ${this.x.ledger.size(this.self)} of at least ${this.target} records held)`,
    );
  }

  /** Ask a connected member for its heads and take back the own records it holds. */
  async hear(member: string): Promise<void> {
    if (this.done || this.stopped || member === this.self || this.asking.has(member)) return;
    this.asking.add(member);
    try {
      const heads = await this.x.peers.heads(member);
      const h = heads.find((x) => x.author === this.self);
      if (h?.note) {
        // A peer's own checkpoint may show more records than it holds (cosigned elsewhere): those must be found too.
        const out = await this.x.ledger.addCheckpoint(h.note);
        if (out.checkpoint) this.target = Math.max(this.target, out.checkpoint.checkpoint.size);
      }
      const before = this.x.ledger.size(this.self);
      while (this.x.ledger.size(this.self) < (h?.size ?? 0)) {
        const envs = await this.x.peers.range(member, this.self, this.x.ledger.size(this.self));
        if (envs.length === 0) break;
        const r = await this.x.ledger.recoverOwn(envs);
        if (r.accepted === 0) break;
      }
      this.heard.add(member);
      if (this.x.ledger.size(this.self) > before) this.x.log.info({ from: member, before, size: this.x.ledger.size(this.self) }, 'own log recovery: took back own records held by a peer');
    } catch (e) {
      if (!this.stopped) this.x.log.warn({ err: e, member }, 'own log recovery: asking a peer failed');
    } finally {
      this.asking.delete(member);
    }
    this.check();
  }

  /** The node is stopping: ask no more. */
  stop(): void {
    this.stopped = true;
  }

  /** Ask again the given connected members (periodically): the ones not heard yet, or all while records are missing. */
  async retry(connected: string[]): Promise<void> {
    if (this.done) return;
    const behind = this.x.ledger.size(this.self) < this.target;
    await Promise.all(connected.filter((m) => behind || !this.heard.has(m)).map((m) => this.hear(m)));
  }

  private heardWitnesses(): number {
    return this.x.ledger.config.members.filter((m) => m.id !== this.self && m.roles.includes('witness') && this.heard.has(m.id)).length;
  }

  private check(): void {
    if (this.done) return;
    if (this.heardWitnesses() >= this.needed() && this.x.ledger.size(this.self) >= this.target) this.finish();
  }

  private finish(): void {
    this.done = true;
    this.x.log.info({ size: this.x.ledger.size(this.self), heard: [...this.heard] }, 'own log recovered: appends may start');
    this.x.onRecovered?.();
  }
}
