import { toHex } from '../protocol/bytes.js';
import { verifyBundle, type Report } from '../protocol/bundle/verify.js';
import type { VerifiedConfig } from '../protocol/config/governance.js';
import type { Envelope } from '../protocol/records/record.js';
import { RecordRejected } from '../protocol/records/rules.js';
import { checkForkEvidence } from '../protocol/records/fork.js';
import { OwnLog, type Appended, type Submission } from './append.js';
import { audit, type AuditProgress, type AuditReport } from './audit.js';
import { buildBundle, docRecords, type BuiltBundle } from './bundle.js';
import { Checkpoints, type CheckpointOutcome } from './checkpoints.js';
import { encodeValue } from './codec.js';
import { LedgerError } from './errors.js';
import { foreignOps, type ForeignResult } from './foreign.js';
import { closedSize } from './membership.js';
import { decodeEnvelope } from '../protocol/records/record.js';
import { headOp } from './records.js';
import { Governance } from './governance.js';
import { LedgerCore, type ForkEvidence, type LedgerOptions } from './ledger.js';
import { nameKey, pairRange, parsePairKey, prefixRange } from './keys.js';
import type { Op } from './store.js';
import { WriteLock } from './writer.js';

export type { LedgerOptions, LedgerSelf, ForkEvidence } from './ledger.js';
export { LedgerError } from './errors.js';
export type { Appended, Submission, ActorSubmission, NodeSubmission } from './append.js';
export type { AuditReport, AuditProblem } from './audit.js';
export type { StoredCheckpoint, CheckpointOutcome } from './checkpoints.js';

export interface LedgerEvents {
  /** Records newly stored (own or foreign), in order per log. */
  onRecords?: (envs: Envelope[]) => void;
  /** A fork was detected and evidence stored. */
  onFork?: (fork: ForkEvidence) => void;
  /** A new epoch was adopted. */
  onEpoch?: (cfg: VerifiedConfig) => void;
}

/**
 * The node's memory: every member's log on LevelDB, with stored hashes,
 * indexes, checkpoints, witness state, governance and fork evidence.
 */
export class Ledger extends LedgerCore {
  readonly governance: Governance;
  readonly checkpoints: Checkpoints;
  readonly events: LedgerEvents = {};
  /** Set by the node: why its own log must not grow now (e.g. recovering it from peers), or undefined. */
  appendGuard?: () => Error | undefined;
  /** Set by the node: why it must not cosign now (its witness state may have been lost with its store), or undefined. */
  cosignGuard?: () => Error | undefined;
  private readonly lock = new WriteLock();
  private readonly own: OwnLog;
  private readonly forking = new Map<string, Promise<ForkEvidence>>();
  private readonly closedAt = new Map<string, number>();

  private constructor(loaded: Awaited<ReturnType<typeof LedgerCore['load']>>, opts: LedgerOptions) {
    super(loaded.store, loaded.net, loaded.chain, opts);
    this.governance = new Governance(this);
    this.checkpoints = new Checkpoints(this);
    this.own = new OwnLog(this, (build) => this.writeGroup(build));
  }

  static async open(opts: LedgerOptions): Promise<Ledger> {
    const loaded = await LedgerCore['load'](opts);
    const ledger = new Ledger(loaded, opts);
    try {
      await ledger.loadState();
      await ledger.checkpoints.load();
      await ledger.governance.adopt();
    } catch (e) {
      await ledger.closeStore();
      throw e;
    }
    return ledger;
  }

  /** Write a group built under the lock, then run the after-commit hooks. */
  private async writeGroup(build: () => Promise<{ ops: Op[]; envs: Envelope[] }>): Promise<Envelope[]> {
    this.assertOpen();
    const envs = await this.lock.run(async () => {
      const { ops, envs } = await build();
      if (envs.length === 0) return envs;
      const last = new Map(envs.map((e) => [e.record.author, e]));
      for (const e of last.values()) ops.push(headOp(this.store, e));
      ops.push(...(await this.governance.recordOps(envs)));
      await this.store.write(ops);
      for (const env of envs) this.heads.set(env.record.author, { seq: env.record.seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts });
      return envs;
    });
    if (envs.length > 0) await this.afterRecords(envs);
    return envs;
  }

  private async afterRecords(envs: Envelope[]): Promise<void> {
    this.events.onRecords?.(envs);
    if (envs.some((e) => e.record.kind === 'gov.propose' || e.record.kind === 'gov.approve')) {
      const adopted = await this.lock.run(() => this.governance.adopt());
      for (const cfg of adopted) this.events.onEpoch?.(cfg);
    }
  }

  /** Append to this node's own log (group commit; resolves once durable). */
  append(sub: Submission): Promise<Appended> {
    this.assertOpen();
    const refused = this.appendGuard?.();
    if (refused) return Promise.reject(refused);
    return this.own.append(sub);
  }

  get backlog(): number {
    return this.own.backlog;
  }

  /**
   * Accept envelopes of another member's log, in order from its next seq.
   * Stores every valid record before the first bad one, then throws
   * RecordRejected naming author, seq and rule. A fork is recorded as
   * evidence and reported as LedgerError FORKED.
   */
  async acceptForeign(author: string, envelopes: Uint8Array[], own = false): Promise<ForeignResult> {
    this.assertOpen();
    if (this.self && author === this.self.id && !own) throw new LedgerError('INVALID_ARGUMENT', 'a node does not accept its own log from peers');
    const cap = this.closedSize(author);
    if (cap !== undefined) envelopes = envelopes.filter((b) => seqOf(b) < cap);
    let accepted = 0;
    let duplicates = 0;
    for (let i = 0; i < envelopes.length; i += this.limits.foreignBatch) {
      const batch = envelopes.slice(i, i + this.limits.foreignBatch);
      let outcome: Awaited<ReturnType<typeof foreignOps>> | undefined;
      await this.writeGroup(async () => {
        outcome = await foreignOps(this, author, batch, this.head(author));
        if (outcome.error || outcome.fork) this.forgetActorsAfter(author, outcome.head?.seq ?? -1);
        return { ops: outcome.ops, envs: outcome.envs };
      });
      accepted += outcome!.envs.length;
      duplicates += outcome!.duplicates;
      if (outcome!.fork) {
        const f = outcome!.fork;
        await this.recordFork(author, f.a, f.b);
        throw new LedgerError('FORKED', `${author} signed two different records for seq ${f.seq}`);
      }
      if (outcome!.error) throw outcome!.error;
    }
    return { accepted, duplicates, head: this.head(author) };
  }

  /** A removed author's log ends at its last final checkpoint (ledger/membership.ts); undefined for current authors. */
  closedSize(author: string): number | undefined {
    const size = closedSize(this.chain, this.checkpoints.list(author), author);
    if (size === undefined) return undefined;
    // Never shrinks within a run, even if the checkpoint that set it is no longer kept.
    const held = Math.max(size, this.closedAt.get(author) ?? 0);
    this.closedAt.set(author, held);
    return held;
  }

  /** Records as served to peers and clients: a removed author's only up to its closed size. */
  override envelopeBytes(author: string, from: number, limit: number): Promise<Uint8Array[]> {
    const cap = this.closedSize(author);
    return super.envelopeBytes(author, from, cap === undefined ? limit : Math.min(limit, cap - from));
  }

  /** A record by id, as served: not one of a removed author's beyond its closed size. */
  override async recordById(id: Uint8Array): Promise<Envelope | undefined> {
    const env = await super.recordById(id);
    const cap = env && this.closedSize(env.record.author);
    return cap !== undefined && env && env.record.seq >= cap ? undefined : env;
  }

  /** This node's own records taken back from a peer after a store loss (node/recovery.ts), validated as a peer's range. */
  recoverOwn(envelopes: Uint8Array[]): Promise<ForeignResult> {
    if (!this.self) throw new LedgerError('NOT_MEMBER', 'this ledger has no own log');
    return this.acceptForeign(this.self.id, envelopes, true);
  }

  /**
   * Store fork evidence for `author` (once) and, when this node has a key,
   * an `evidence.fork` record in its own log.
   */
  recordFork(author: string, a: Uint8Array, b: Uint8Array): Promise<ForkEvidence> {
    const held = this.forks.get(author);
    if (held) return Promise.resolve(held);
    // Gossip and anti-entropy may find the same fork at once: one evidence record per author.
    let p = this.forking.get(author);
    if (!p) {
      p = this.storeFork(author, a, b).finally(() => this.forking.delete(author));
      this.forking.set(author, p);
    }
    return p;
  }

  private async storeFork(author: string, a: Uint8Array, b: Uint8Array): Promise<ForkEvidence> {
    const fork: ForkEvidence = { author, a, b, at: this.now() };
    await this.lock.run(() => this.store.write([this.store.put('fork', nameKey(author), encodeValue({ a, b, at: fork.at }))]));
    this.forks.set(author, fork);
    // The evidence record needs the node's own log to have started (seq 0 is its first admin).
    if (this.self && author !== this.self.id && this.size(this.self.id) > 0 && !this.appendGuard?.()) await this.append({ kind: 'evidence.fork', body: { a, b } });
    this.events.onFork?.(fork);
    return fork;
  }

  /** Fork evidence learned from a peer: checked (both items signed by `author`, conflicting) before it is stored. */
  async acceptForkEvidence(author: string, a: Uint8Array, b: Uint8Array): Promise<ForkEvidence> {
    const keys = this.chain.map((c) => c.config.members.find((m) => m.id === author)?.key).filter((k): k is Uint8Array => !!k);
    checkForkEvidence(this.consortium, author, keys, a, b);
    return this.recordFork(author, a, b);
  }

  /** Take a checkpoint note from a peer; forks become evidence. */
  async addCheckpoint(noteText: string): Promise<CheckpointOutcome> {
    this.assertOpen();
    const held = this.checkpoints.known(noteText);
    if (held) return { status: 'known', checkpoint: held };
    const out = await this.lock.run(() => this.checkpoints.add(noteText));
    if (out.status === 'fork') await this.recordFork(out.author, new TextEncoder().encode(out.a), new TextEncoder().encode(out.b));
    return out;
  }

  signCheckpoint() {
    this.assertOpen();
    return this.lock.run(() => this.checkpoints.signOwn());
  }

  cosign(author: string, size: number) {
    this.assertOpen();
    const refused = this.cosignGuard?.();
    if (refused) return Promise.reject(refused);
    return this.lock.run(() => this.checkpoints.cosign(author, size));
  }

  isFinal(author: string, seq: number, epoch: number): boolean {
    return this.checkpoints.isFinal(author, seq, epoch);
  }

  finalSize(author: string): number {
    return this.checkpoints.finalSize(author);
  }

  addConfig(signed: Parameters<Governance['addConfig']>[0]) {
    return this.lock.run(async () => {
      const cfg = await this.governance.addConfig(signed);
      this.events.onEpoch?.(cfg);
      return cfg;
    });
  }

  docRecords(doc: Uint8Array): Promise<Envelope[]> {
    return docRecords(this, doc);
  }

  buildBundle(doc: Uint8Array): Promise<BuiltBundle> {
    return buildBundle(this, this.checkpoints, doc);
  }

  /** Provenance of a document: its bundle, verified exactly as an offline verifier would. */
  async provenance(doc: Uint8Array): Promise<Report> {
    const built = await this.buildBundle(doc);
    return verifyBundle(built.bytes, this.net);
  }

  /** Records requested by an actor of `author`, newest last. */
  async byActor(author: string, actorId: string, limit = 1000): Promise<Envelope[]> {
    const out: Envelope[] = [];
    for await (const k of this.store.keys('byActor', { ...pairRange(author, actorId), limit })) {
      const env = await this.envelope(author, parsePairKey(k).n);
      if (env) out.push(env);
    }
    return out;
  }

  /** Records of one kind across logs (optionally of one author). */
  async byKind(kind: string, author?: string, limit = 1000): Promise<Envelope[]> {
    const out: Envelope[] = [];
    const range = author ? pairRange(kind, author) : prefixRange(kind);
    for await (const k of this.store.keys('kind', { ...range, limit })) {
      const { b, n } = parsePairKey(k);
      const env = await this.envelope(b, n);
      if (env) out.push(env);
    }
    return out;
  }

  /** Actors in force per member: the latest org.actor for each id. */
  actorsOf(author: string): { id: string; seq: number; roles: string[]; active: boolean; key: string }[] {
    const out = [];
    for (const [id, versions] of this.actors.get(author) ?? []) {
      const v = versions.at(-1)!;
      out.push({ id, seq: v.seq, roles: [...v.actor.roles], active: v.actor.active, key: toHex(v.actor.key) });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  audit(onProgress?: AuditProgress): Promise<AuditReport> {
    return audit(this, onProgress);
  }

  async close(): Promise<void> {
    await this.lock.run(async () => undefined);
    await this.closeStore();
  }
}

export { RecordRejected };

/** seq of an envelope, or -1 when it does not decode (left for the rules to name). */
function seqOf(bytes: Uint8Array): number {
  try {
    return decodeEnvelope(bytes).record.seq;
  } catch {
    return -1;
  }
}
