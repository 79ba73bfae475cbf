import { toHex } from '../protocol/bytes.js';
import { verifyBundle, type Report } from '../protocol/bundle/verify.js';
import type { Envelope } from '../protocol/records/record.js';
import { RecordRejected } from '../protocol/records/rules.js';
import { checkForkEvidence } from '../protocol/records/fork.js';
import { OwnLog, type Appended, type Submission } from './append.js';
import { audit, type AuditProgress, type AuditReport } from './audit.js';
import { buildBundle, buildCaseBundle, docRecords, type BuiltBundle } from './bundle.js';
import {
  caseRecords,
  caseOps,
  casesBySerial,
  indexOldCases,
  caseSummaries,
  caseSummary,
  listCases,
  nodeCaseReport,
  type CaseListItem,
  type CaseQuery,
  type CaseSummary,
  type NodeCaseReport,
} from './cases.js';
import { Checkpoints, type CheckpointOutcome, type StoredCheckpoint } from './checkpoints.js';
import { encodeValue } from './codec.js';
import { LedgerError } from './errors.js';
import { foreignOps, prepareForeign, type ForeignResult, type PreparedBatch } from './foreign.js';
import { closedSize } from './membership.js';
import { decodeEnvelope } from '../protocol/records/record.js';
import { headOp } from './records.js';
import { Governance } from './governance.js';
import { NoteBatch } from './note-batch.js';
import { ReadBatch } from './read-batch.js';
import { LedgerCore, type ForkEvidence, type LedgerOptions } from './ledger.js';
import { nameKey, pairRange, parsePairKey, prefixRange } from './keys.js';
import type { RecordState } from './states.js';
import type { WritePriority, WriteTx } from './writer.js';
import { snapshotStore } from './snapshot.js';
import { hashReader } from './hashes.js';
import { treeHash } from '../protocol/merkle/tlog.js';
import { domainView, nonceUsed } from './domain-view.js';
import type { Proposed } from '../protocol/domain/rules.js';
import type { LedgerView } from '../protocol/domain/view.js';
import { checkTables } from './tables.js';
import { damaged, renamePath } from './errors.js';
import type { MigrationStep } from './schema.js';
import { backupChunks, RESTORED_KEY, restoredMark, type RestoredMark } from './backup.js';

export type { LedgerOptions, LedgerSelf, ForkEvidence } from './ledger.js';
export type { ForeignResult } from './foreign.js';
export { LedgerError } from './errors.js';
export type { Appended, Submission, ActorSubmission, NodeSubmission } from './append.js';
export type { AuditReport, AuditProblem } from './audit.js';
export type { StoredCheckpoint, CheckpointOutcome } from './checkpoints.js';
export type { LedgerEventBus, LedgerEventMap, LedgerEventName, RecordStateName, StateChange } from './events.js';
export type { RecordState } from './states.js';
export type { CaseListItem, CaseQuery, CaseSummary, NodeCaseReport } from './cases.js';

/**
 * The node's memory: every member's log on LevelDB, with stored hashes,
 * indexes, checkpoints, witness state, governance and fork evidence.
 */
export class Ledger extends LedgerCore {
  readonly governance: Governance;
  readonly checkpoints: Checkpoints;
  /** Set by the node: why its own log must not grow now (e.g. recovering it from peers), or undefined. */
  appendGuard?: () => Error | undefined;
  /** Set by the node: why it must not cosign now (its witness state may have been lost with its store), or undefined. */
  cosignGuard?: () => Error | undefined;
  private readonly own: OwnLog;
  private readonly notes: NoteBatch;
  /** Nonce lookups of the API's prechecks, one read per turn of the event loop. */
  private readonly nonceReads: ReadBatch;
  private readonly forking = new Map<string, Promise<ForkEvidence>>();
  /** Per author, the org.actor keys of the last batch prepared: a concurrent call's range (the fetcher's next one) sends its actor signatures to the pool under them. */
  private readonly preparing = new Map<string, Pick<PreparedBatch, 'actors'>>();
  private readonly closedAt = new Map<string, number>();
  /** Schema migrations this open applied (ledger/schema.ts), oldest first. */
  readonly migrated: MigrationStep[];

  private constructor(loaded: Awaited<ReturnType<(typeof LedgerCore)['load']>>, opts: LedgerOptions) {
    super(loaded.store, loaded.net, loaded.chain, opts);
    this.migrated = loaded.migrated;
    this.governance = new Governance(this);
    this.checkpoints = new Checkpoints(this);
    this.notes = new NoteBatch(this.writer, (tx, noteText) => this.checkpoints.add(tx, noteText));
    this.nonceReads = new ReadBatch(this.store, 'nonce');
    this.own = new OwnLog(this, (build) => this.writeGroup(build, 'urgent'));
  }

  static async open(opts: LedgerOptions): Promise<Ledger> {
    const loaded = await LedgerCore.load(opts);
    const ledger = new Ledger(loaded, opts);
    try {
      await ledger.loadAll();
    } catch (e) {
      await ledger.closeStore();
      throw damaged(e, opts.path);
    }
    return ledger;
  }

  /**
   * Open the store at `path` for reading only (audit): a snapshot copy is
   * opened, so the store is left byte-identical, and a missing or damaged
   * one is a STORE_DAMAGED error naming it. Closing removes the snapshot.
   */
  static async openReadOnly(opts: Omit<LedgerOptions, 'readOnly' | 'self' | 'checkTables'>): Promise<Ledger> {
    const snap = snapshotStore(opts.path);
    try {
      checkTables(snap.path);
      const ledger = await Ledger.open({ ...opts, path: snap.path, readOnly: true });
      ledger.onClosed = snap.remove;
      return ledger;
    } catch (e) {
      snap.remove();
      throw renamePath(damaged(e, snap.path), snap.path, opts.path);
    }
  }

  private onClosed: (() => void) | undefined;

  private async loadAll(): Promise<void> {
    await this.loadState();
    await this.checkpoints.load();
    if (this.readOnly) return;
    await indexOldCases(this);
    await this.adoptPending();
    // Stores written before record states were kept derive them from the checkpoints held.
    await this.writer.run(async (tx) => this.checkpoints.refresh(tx));
  }

  /** Write records built in one transaction with their heads, durable marks and governance state. */
  private async writeGroup(build: (tx: WriteTx) => Promise<Envelope[]>, priority: WritePriority = 'bulk'): Promise<Envelope[]> {
    this.assertOpen();
    const envs = await this.writer.run(async (tx) => {
      const envs = await build(tx);
      if (envs.length === 0) return envs;
      const last = new Map(envs.map((e) => [e.record.author, e]));
      const at = this.now();
      for (const e of last.values()) {
        tx.ops.push(headOp(this.store, e));
        this.states.durable(tx, e.record.author, e.record.seq + 1, at);
      }
      tx.ops.push(...(await this.governance.recordOps(envs)));
      tx.ops.push(...(await caseOps(this, envs)));
      tx.onDurable(() => {
        for (const env of envs) this.heads.set(env.record.author, { seq: env.record.seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts });
      });
      tx.emit('records', envs);
      return envs;
    }, priority);
    if (envs.some((e) => e.record.kind === 'gov.propose' || e.record.kind === 'gov.approve')) await this.adoptPending();
    return envs;
  }

  /** Adopt every successor whose quorum is reached, then re-derive finality under the new configs. */
  private async adoptPending(): Promise<void> {
    const adopted = await this.writer.run((tx) => this.governance.adopt(tx));
    if (adopted.length > 0) await this.writer.run(async (tx) => this.checkpoints.refresh(tx));
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
   * evidence and reported as LedgerError FORKED. \`priority\` 'urgent': records a
   * witness needs for the checkpoint it is asked to cosign (writer.ts).
   */
  async acceptForeign(author: string, envelopes: Uint8Array[], own = false, priority: WritePriority = 'bulk'): Promise<ForeignResult> {
    this.assertOpen();
    if (this.self && author === this.self.id && !own) throw new LedgerError('INVALID_ARGUMENT', 'a node does not accept its own log from peers');
    const cap = this.closedSize(author);
    if (cap !== undefined) envelopes = envelopes.filter((b) => seqOf(b) < cap);
    let accepted = 0;
    let duplicates = 0;
    const size = this.limits.foreignBatch;
    // Decoding and the signature checks start before the write lock is taken (a concurrent call's write may be
    // under way), and the next batch is prepared while this one is written.
    // Urgent ranges (a witness's, small) go to the pool whatever their size: the main thread carries the round.
    const minParallel = priority === 'urgent' ? 1 : undefined;
    let prepared = prepareForeign(this, author, envelopes.slice(0, size), this.preparing.get(author), minParallel);
    this.preparing.set(author, { actors: prepared.actors });
    for (let i = 0; i < envelopes.length; i += size) {
      const cur = prepared;
      let outcome: Awaited<ReturnType<typeof foreignOps>> | undefined;
      let built = () => {};
      const validated = new Promise<void>((resolve) => (built = resolve));
      const written = this.writeGroup(async (tx) => {
        outcome = await foreignOps(this, tx, author, cur, this.head(author));
        tx.ops.push(...outcome.ops);
        built();
        return outcome.envs;
      }, priority).finally(built);
      await validated;
      if (i + size < envelopes.length && !outcome?.error && !outcome?.fork) {
        prepared = prepareForeign(this, author, envelopes.slice(i + size, i + 2 * size), cur, minParallel);
        this.preparing.set(author, { actors: prepared.actors });
      }
      await written;
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
    await this.writer.run(async (tx) => {
      tx.put('fork', nameKey(author), encodeValue({ a, b, at: fork.at }));
      tx.onDurable(() => this.forks.set(author, fork));
    });
    // The evidence record needs the node's own log to have started (seq 0 is its first admin).
    if (this.self && author !== this.self.id && this.size(this.self.id) > 0 && !this.appendGuard?.()) await this.append({ kind: 'evidence.fork', body: { a, b } });
    this.events.emit('fork', fork);
    return fork;
  }

  /** Fork evidence learned from a peer: checked (both items signed by `author`, conflicting) before it is stored. */
  async acceptForkEvidence(author: string, a: Uint8Array, b: Uint8Array): Promise<ForkEvidence> {
    const keys = this.chain.map((c) => c.config.members.find((m) => m.id === author)?.key).filter((k): k is Uint8Array => !!k);
    checkForkEvidence(this.consortium, author, keys, a, b);
    return this.recordFork(author, a, b);
  }

  /** Take a checkpoint note from a peer; forks become evidence. \`priority\` 'urgent': an author's own round (writer.ts). */
  async addCheckpoint(noteText: string, priority: WritePriority = 'bulk'): Promise<CheckpointOutcome> {
    this.assertOpen();
    const held = this.checkpoints.known(noteText);
    if (held) return { status: 'known', checkpoint: held };
    await this.checkpoints.preverify(noteText);
    // Peers' notes share a write per turn of the lock; an author's own round writes its own at once.
    const out = priority === 'urgent' ? await this.writer.run((tx) => this.checkpoints.add(tx, noteText), priority) : await this.notes.take(this.checkpoints.noteLog(noteText), noteText);
    if (out.status === 'fork') await this.recordFork(out.author, new TextEncoder().encode(out.a), new TextEncoder().encode(out.b));
    return out;
  }

  /**
   * Sign a checkpoint of the own log at its size. \`cosign\`: also cosign it as
   * this node's witness in the same batch (one write, and the witness state
   * is durable with it), when the witness rules allow.
   */
  signCheckpoint(opts: { cosign?: boolean } = {}) {
    this.assertOpen();
    // Whatever stops appends stops signing for the own log too: a log still being recovered, keys the adopted epoch does not name.
    const refused = this.appendGuard?.();
    if (refused) return Promise.reject(refused);
    return this.writer.run(async (tx) => {
      const cp = await this.checkpoints.signOwn(tx);
      if (!opts.cosign || this.cosignGuard?.()) return cp;
      try {
        return await this.checkpoints.cosign(tx, cp.author, cp.checkpoint.size, undefined, cp);
      } catch (e) {
        if (e instanceof LedgerError && e.code === 'COSIGN_REFUSED') return cp;
        throw e;
      }
    }, 'urgent');
  }

  /**
   * A witness takes an author's checkpoint note and cosigns it in one write
   * (the rules of \`cosign\`); a note it cannot cosign yet (records missing,
   * refused) is kept as \`addCheckpoint\` keeps it. Forks become evidence.
   */
  async addAndCosign(noteText: string): Promise<{ outcome: CheckpointOutcome; cosigned?: StoredCheckpoint; refused?: Error }> {
    this.assertOpen();
    const guard = this.cosignGuard?.();
    if (guard) return { outcome: await this.addCheckpoint(noteText), refused: guard };
    await this.checkpoints.preverify(noteText);
    const out = await this.writer.run((tx) => this.checkpoints.addAndCosign(tx, noteText), 'urgent');
    if (out.outcome.status === 'fork') await this.recordFork(out.outcome.author, new TextEncoder().encode(out.outcome.a), new TextEncoder().encode(out.outcome.b));
    return out;
  }

  /**
   * A witness asked to cosign \`noteText\` with records it lacks: the records
   * (\`author\`'s, from its next seq) are validated as \`acceptForeign\`
   * validates them, and the note taken and cosigned by the rules of
   * \`addAndCosign\`, in one durable write: the records, the note, the
   * cosignature and the witness state are on disk together before the
   * cosignature leaves. Records before a bad one are stored and the error
   * thrown, as \`acceptForeign\` does; a note that is refused or bad leaves
   * the records stored and says why (\`refused\`). More records than one
   * batch: the two steps one after the other.
   */
  async acceptAndCosign(author: string, envelopes: Uint8Array[], noteText: string): Promise<{ accepted: number; outcome?: CheckpointOutcome; cosigned?: StoredCheckpoint; refused?: Error }> {
    this.assertOpen();
    if (this.self && author === this.self.id) throw new LedgerError('INVALID_ARGUMENT', 'a node does not accept its own log from peers');
    const cap = this.closedSize(author);
    if (cap !== undefined) envelopes = envelopes.filter((b) => seqOf(b) < cap);
    if (this.cosignGuard?.() || envelopes.length > this.limits.foreignBatch) {
      const r = await this.acceptForeign(author, envelopes, false, 'urgent');
      return { accepted: r.accepted, ...(await this.addAndCosign(noteText)) };
    }
    // Small and urgent: their signatures are checked on the pool, off the main thread that carries the round.
    const prepared = prepareForeign(this, author, envelopes, undefined, 1);
    // The pool's verdicts (records and the note's lines) are awaited before the lock is taken, not while holding it (a
    // failed chunk leaves its checks to the rules).
    await Promise.all([...prepared.ready, this.checkpoints.preverify(noteText)]);
    let outcome: Awaited<ReturnType<typeof foreignOps>> | undefined;
    let note: Awaited<ReturnType<Checkpoints['addAndCosign']>> | undefined;
    let refused: Error | undefined;
    await this.writeGroup(async (tx) => {
      const overlay = new Map<number, Uint8Array>();
      outcome = await foreignOps(this, tx, author, prepared, this.head(author), overlay);
      tx.ops.push(...outcome.ops);
      if (outcome.error || outcome.fork) return outcome.envs;
      const pending = { author, size: outcome.head ? outcome.head.seq + 1 : 0, treeHead: (n: number) => treeHash(n, hashReader(this.store, author, overlay)) };
      try {
        // Checked before anything is added to the write: a bad note leaves the records' write as it is.
        note = await this.checkpoints.withPending(tx, pending, () => this.checkpoints.addAndCosign(tx, noteText));
      } catch (e) {
        refused = e instanceof Error ? e : new Error(String(e));
      }
      return outcome.envs;
    }, 'urgent');
    const out = outcome!;
    if (out.fork) {
      await this.recordFork(author, out.fork.a, out.fork.b);
      throw new LedgerError('FORKED', `${author} signed two different records for seq ${out.fork.seq}`);
    }
    if (out.error) throw out.error;
    const n = note as Awaited<ReturnType<Checkpoints['addAndCosign']>> | undefined;
    if (n?.outcome.status === 'fork') await this.recordFork(n.outcome.author, new TextEncoder().encode(n.outcome.a), new TextEncoder().encode(n.outcome.b));
    return { accepted: out.envs.length, ...n, ...(refused ? { refused } : {}) };
  }

  cosign(author: string, size: number) {
    this.assertOpen();
    const refused = this.cosignGuard?.();
    if (refused) return Promise.reject(refused);
    return this.writer.run((tx) => this.checkpoints.cosign(tx, author, size), 'urgent');
  }

  isFinal(author: string, seq: number, epoch: number): boolean {
    return this.checkpoints.isFinal(author, seq, epoch);
  }

  finalSize(author: string): number {
    return this.checkpoints.finalSize(author);
  }

  /** The state of a record held (durable, replicated, final) with the time each was reached; undefined if not held. */
  recordState(env: Envelope): Promise<RecordState | undefined> {
    const r = env.record;
    return this.states.of(r.author, r.seq, r.epoch, this.size(r.author));
  }

  async addConfig(signed: Parameters<Governance['addConfig']>[1]) {
    const cfg = await this.writer.run((tx) => this.governance.addConfig(tx, signed));
    await this.writer.run(async (tx) => this.checkpoints.refresh(tx));
    return cfg;
  }

  docRecords(doc: Uint8Array): Promise<Envelope[]> {
    return docRecords(this, doc);
  }

  buildBundle(doc: Uint8Array): Promise<BuiltBundle> {
    return buildBundle(this, this.checkpoints, doc);
  }

  /** Every record of a case held (the case.open and every record whose refs[0] is it, of any author), in (author, seq) order. */
  caseRecords(caseId: Uint8Array): Promise<Envelope[]> {
    return caseRecords(this, caseId);
  }

  /** Ids of `author`'s case.open records with this serial (one, unless a forged log repeated it). */
  casesBySerial(author: string, serial: string): Promise<Uint8Array[]> {
    return casesBySerial(this.store, author, serial);
  }

  /** The indexed, time-independent facts of a case (undefined until its case.open is held). */
  caseSummary(caseId: Uint8Array): Promise<CaseSummary | undefined> {
    return caseSummary(this.store, caseId);
  }

  /** The summaries of several cases, in one store read. */
  caseSummaries(caseIds: Uint8Array[]): Promise<(CaseSummary | undefined)[]> {
    return caseSummaries(this.store, caseIds);
  }

  /** A page of cases from the case indexes, lights evaluated at `q.asOf`. */
  listCases(q: CaseQuery): Promise<{ asOf: number; cases: CaseListItem[]; next: string | null }> {
    return listCases(this, q);
  }

  /** The C.6 report of a case at `asOf` from every record held (final or not), with the node's warnings. */
  caseReport(caseId: Uint8Array, asOf: number): Promise<NodeCaseReport | undefined> {
    return nodeCaseReport(this, this.checkpoints, caseId, asOf);
  }

  /** The case bundle (CASES.md §C.6, `"about": "case"`). */
  buildCaseBundle(caseId: Uint8Array): Promise<BuiltBundle> {
    return buildCaseBundle(this, this.checkpoints, caseId);
  }

  /** The read-only view the domain rules of protocol/domain need for a proposed record. */
  domainView(p: Proposed): Promise<LedgerView> {
    return domainView(this, this.governance, p);
  }

  /** Whether `author` already used an actor nonce (replay protection). */
  nonceUsed(author: string, nonce: Uint8Array): Promise<boolean> {
    this.assertOpen();
    return nonceUsed(this.nonceReads, author, nonce);
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

  /** The store as a backup archive (ledger/backup.ts), read at one instant while writes go on. */
  backup(): AsyncGenerator<Uint8Array> {
    this.assertOpen();
    return backupChunks(this.store, this.self?.id ?? null, this.now);
  }

  /** The mark a restore left: the store came from a backup and its own log must be recovered from peers. */
  restoredMark(): Promise<RestoredMark | undefined> {
    return restoredMark(this.store);
  }

  /** Remove the restore mark (once the own log is recovered from peers). */
  async clearRestored(): Promise<void> {
    await this.writer.run(async (tx) => {
      tx.ops.push(this.store.del('meta', RESTORED_KEY));
    });
  }

  async close(): Promise<void> {
    await this.writer.idle();
    await this.closeStore();
    this.onClosed?.();
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
