import { originOf } from '../../protocol/names.js';
import { formatNote, parseNote, type Signature } from '../../protocol/note/note.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { networkDefaults, ownCheckpointDefaults, syncDefaults, type NetworkOptions, type OwnCheckpointOptions, type SyncOptions } from '../options.js';
import { parseNoteMessage } from '../p2p/messages.js';
import type { Components, Service } from './components.js';
import { Periodic } from './periodic.js';

export type OwnCheckpointsComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads' | 'cosigner'>;
export type OwnCheckpointsInit = Partial<OwnCheckpointOptions & NetworkOptions & SyncOptions>;

/**
 * The own log's checkpoints (§6): sign one after appends, a few in flight,
 * ask the witnesses for their cosignatures by request, gossip the note
 * once, and ask again while it is not final.
 */
export class OwnCheckpoints implements Service {
  private readonly opts: OwnCheckpointOptions & NetworkOptions & SyncOptions;
  private periodic?: Periodic;
  private lastPublished = -1;
  private lastSignedAt = 0;
  private announcedFinal = 0;
  /** Cosigning rounds running (own checkpoints in flight). */
  private rounds = 0;
  private lastRoundAt = 0;
  /** One publish at a time; a kick while one runs asks for another right after it. */
  private publishing = false;
  private again = false;
  private offs: (() => void)[] = [];
  /** Witness id → an own log size it is known to hold (it cosigned a checkpoint of that size). */
  private readonly heldBy = new Map<string, number>();
  /** Witness id → when it last refused records sent with a request. */
  private readonly noPush = new Map<string, number>();

  constructor(
    init: OwnCheckpointsInit,
    private readonly x: OwnCheckpointsComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...ownCheckpointDefaults, ...init };
  }

  start(): void {
    this.periodic = new Periodic(this.x.log);
    this.periodic.every(this.opts.checkpointIntervalMs, () => this.publish());
    this.periodic.every(this.opts.cosignRetryMs, () => this.retry());
    // An idle author signs as soon as its records are durable, and the next checkpoint as soon as the one in
    // flight is final, instead of at the next tick of the interval (which added half an interval, twice, to
    // the finality of a record at a light load); under load the one-in-flight rule still coalesces.
    const self = () => this.x.ledger.self?.id;
    this.offs = [
      this.x.ledger.events.on('records', (envs) => envs.some((e) => e.record.author === self()) && this.kick()),
      this.x.ledger.events.on('state', (s) => s.state === 'final' && s.author === self() && this.kick()),
    ];
  }

  stop(): void {
    this.periodic?.stop();
    this.periodic = undefined;
    for (const off of this.offs) off();
    this.offs = [];
  }

  /** Publish now, or right after the publish that is running. */
  private kick(): void {
    if (!this.periodic) return;
    setImmediate(() => void this.publish().catch((e) => this.x.log.warn({ err: e instanceof Error ? e : new Error(String(e)) }, 'checkpoint publish failed')));
  }

  async publish(): Promise<void> {
    if (this.publishing) {
      this.again = true;
      return;
    }
    this.publishing = true;
    try {
      do {
        this.again = false;
        await this.publishOnce();
      } while (this.again && this.periodic);
    } finally {
      this.publishing = false;
    }
  }

  private async publishOnce(): Promise<void> {
    const self = this.x.ledger.self?.id;
    if (!self || this.x.ledger.size(self) === 0) return;
    this.announceFinal(self);
    if (this.x.ledger.size(self) === this.lastPublished || !this.x.ledger.config.members.some((m) => m.id === self)) return;
    // Not while appends are refused (own log recovering, rotated keys not adopted): signCheckpoint would refuse too.
    if (this.x.ledger.appendGuard?.()) return;
    // While the newest is not final, new records wait: for a second round once the newest has been out
    // checkpointPipelineMs (a record that just missed a round need not wait for all of it), never more than
    // checkpointsInFlight, and for checkpointMaxWaitMs after a round that ended without a quorum. Under load each
    // round still covers many records instead of one round per append.
    const latest = this.x.ledger.checkpoints.latest(self);
    if (latest && this.x.ledger.finalSize(self) < latest.checkpoint.size) {
      const wait = this.rounds > 0 ? this.opts.checkpointPipelineMs : this.opts.checkpointMaxWaitMs;
      if (this.rounds >= this.opts.checkpointsInFlight || Date.now() - this.lastSignedAt < wait) return;
    }
    // Signed and, as this node's own witness, cosigned in one write.
    const signed = await this.x.ledger.signCheckpoint({ cosign: this.x.cosigner.enabled });
    this.lastSignedAt = Date.now();
    this.lastPublished = signed.checkpoint.size;
    this.rounds++;
    void this.round(self, signed.text).finally(() => {
      this.rounds--;
      this.kick();
    });
  }

  /** One checkpoint's cosigning round, then its gossip. */
  private async round(self: string, text: string): Promise<void> {
    try {
      await this.cosignRound(text);
      // Gossiped once, final or not: other members learn of the records; witnesses the author could not reach cosign
      // it. Not when a newer own checkpoint is final already: its note says more.
      const cp = this.x.ledger.checkpoints.list(self).find((c) => c.text === text);
      if (cp && this.x.ledger.finalSize(self) <= cp.checkpoint.size) this.x.heads.publish({ note: noteOf(cp) }, 'checkpoint');
      this.announcedFinal = Math.max(this.announcedFinal, this.x.ledger.finalSize(self));
    } catch (e) {
      this.x.log.warn({ err: e instanceof Error ? e : new Error(String(e)) }, 'cosigning round failed');
    }
  }

  /** While the newest own checkpoint is not final, ask the witnesses missing from it again (peers connect, partitions heal). */
  async retry(): Promise<void> {
    const self = this.x.ledger.self?.id;
    const cp = self ? this.x.ledger.checkpoints.latest(self) : undefined;
    if (!cp || this.rounds > 0 || Date.now() - this.lastRoundAt < this.opts.cosignRetryMs || this.x.ledger.finalSize(self!) >= cp.checkpoint.size) return;
    this.rounds++;
    try {
      await this.cosignRound(cp.text);
    } finally {
      this.rounds--;
    }
    this.announceFinal(self!);
  }

  /** Gossip, once, the own checkpoint that made the records final, for nodes that missed it. */
  private announceFinal(self: string): void {
    const final = this.x.ledger.finalSize(self);
    if (final <= this.announcedFinal) return;
    this.announcedFinal = final;
    const cp = this.x.ledger.checkpoints.list(self).find((c) => c.checkpoint.size === final);
    if (cp) this.x.heads.publish({ note: noteOf(cp) }, 'final');
  }

  private async cosignRound(text: string): Promise<void> {
    const timer = this.x.metrics.cosignRound.startTimer();
    try {
      await this.gatherCosignatures(text);
    } finally {
      this.lastRoundAt = Date.now();
    }
    const cp = this.x.ledger.checkpoints.list(this.x.ledger.self!.id).find((c) => c.text === text);
    const quorum = !!cp && this.x.ledger.finalSize(this.x.ledger.self!.id) >= cp.checkpoint.size;
    timer({ quorum: quorum ? 'yes' : 'no' });
    if (!quorum) this.x.log.debug({ size: cp?.checkpoint.size, cosigners: [...(cp?.cosigners.keys() ?? [])] }, 'cosigning round ended without a quorum');
  }

  /**
   * Ask every connected witness that has not cosigned the own checkpoint
   * \`text\` for its cosignature (one request each, as in C2SP's witness
   * protocol), sending with it the records the witness is likely to lack so
   * it need not fetch them first, and merge the answers. Returns once a
   * quorum has cosigned or every witness asked has answered. Gossiping each
   * witness's cosignature instead costs every node a message per witness per
   * checkpoint, which does not scale with the membership.
   */
  private async gatherCosignatures(text: string): Promise<void> {
    const self = this.x.ledger.self!.id;
    const cp = this.x.ledger.checkpoints.list(self).find((c) => c.text === text);
    if (!cp) return;
    const size = cp.checkpoint.size;
    const note = noteOf(cp);
    const connected = new Set(this.x.network.peers());
    const witnesses = this.x.ledger.config.members.filter((m) => m.id !== self && m.roles.includes('witness') && connected.has(m.peer) && !cp.cosigners.has(m.id));
    if (witnesses.length === 0 || this.x.ledger.finalSize(self) >= size) return;
    const records = await this.recordsFor(witnesses, size).catch((e: unknown) => {
      this.x.log.debug({ err: e }, 'records for the witnesses not read; they fetch them');
      return new Map<string, { from: number; envelopes: Uint8Array[] }>();
    });
    const rpc = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs };
    const ask = async (w: (typeof witnesses)[number]) => {
      const push = records.get(w.id);
      try {
        return await this.x.network.request(w.peer, this.x.ids.witness, push ? { note, ...push } : { note }, rpc);
      } catch (e) {
        if (!push) throw e;
        // A witness that does not take records with the request (an older version) refuses it: ask without, and
        // send it none for a while.
        this.noPush.set(w.id, Date.now());
        return this.x.network.request(w.peer, this.x.ids.witness, { note }, rpc);
      }
    };
    // Each witness's own line is taken from its answer, and held until the lines held could make a quorum, then
    // written at once: one write per round instead of one per witness. Once final, later answers are not written.
    const quorum = this.x.ledger.config.quorum.witness;
    const lines: Signature[] = [];
    let counted = cp.cosigners.size;
    let writing: Promise<void> = Promise.resolve();
    const write = () => {
      if (lines.length === 0 || this.x.ledger.finalSize(self) >= size) return writing;
      writing = writing.then(() => {
        // Asked again once the write before it is done: the lines it wrote may have made the checkpoint final, and
        // lines that came meanwhile go in this write.
        const batch = lines.splice(0);
        if (batch.length === 0 || this.x.ledger.finalSize(self) >= size) return;
        const held = this.x.ledger.checkpoints.list(self).find((c) => c.text === text) ?? cp;
        return this.x.ledger.addCheckpoint(formatNote({ text, sigs: [...held.sigs, ...batch] }), 'urgent').then(
          () => undefined,
          (e: unknown) => this.x.log.debug({ err: e }, 'cosignatures not taken'),
        );
      });
      return writing;
    };
    await new Promise<void>((done) => {
      let left = witnesses.length;
      for (const w of witnesses) {
        void ask(w)
          .then(async (res) => {
            const answer = parseNoteMessage(res, 'witness response').note;
            const note = answer ? parseNote(answer) : undefined;
            const own = note?.text === text ? note.sigs.filter((x) => x.name === originOf(this.x.ledger.consortium, w.id)) : [];
            if (own.length > 0) {
              // It holds the records up to this size (a hint for what to send it next; its line is checked when written).
              this.heldBy.set(w.id, Math.max(size, this.heldBy.get(w.id) ?? 0));
              lines.push(...own);
              if (++counted >= quorum) await write();
            }
            this.x.metrics.witnessRequests.inc({ direction: 'out', outcome: 'answered' });
          })
          .catch((e) => {
            this.x.metrics.witnessRequests.inc({ direction: 'out', outcome: 'failed' });
            this.x.log.debug({ err: e, witness: w.id }, 'no cosignature from witness');
          })
          .finally(async () => {
            if (--left === 0) await write();
            if (left === 0 || this.x.ledger.finalSize(self) >= size) done();
          });
      }
    });
  }

  /**
   * The own records each witness is likely to lack below \`size\`: from the
   * largest own checkpoint it is known to have cosigned (it held those
   * records), read once for all. None for a witness whose size is unknown,
   * that is too far behind for one message, or that refused records lately.
   */
  private async recordsFor(witnesses: { id: string }[], size: number): Promise<Map<string, { from: number; envelopes: Uint8Array[] }>> {
    const self = this.x.ledger.self!.id;
    const own = this.x.ledger.checkpoints.list(self);
    const from = new Map<string, number>();
    for (const w of witnesses) {
      const refused = this.noPush.get(w.id);
      if (refused !== undefined && Date.now() - refused < this.opts.witnessPushRetryMs) continue;
      const known = Math.max(this.heldBy.get(w.id) ?? 0, own.filter((c) => c.cosigners.has(w.id)).at(-1)?.checkpoint.size ?? 0);
      if (known > 0 && known < size && size - known <= this.opts.syncMaxRecords) from.set(w.id, known);
    }
    const out = new Map<string, { from: number; envelopes: Uint8Array[] }>();
    if (from.size === 0) return out;
    const lowest = Math.min(...from.values());
    const envs = await this.x.ledger.envelopeBytes(self, lowest, size - lowest);
    if (envs.length !== size - lowest) return out;
    for (const [id, f] of from) {
      const part = envs.slice(f - lowest);
      if (part.reduce((n, e) => n + e.length, 0) <= this.opts.syncMaxBytes) out.set(id, { from: f, envelopes: part });
    }
    return out;
  }
}

export function ownCheckpoints(init: OwnCheckpointsInit = {}): (c: OwnCheckpointsComponents) => OwnCheckpoints {
  return (c) => new OwnCheckpoints(init, c);
}
