import { parseNote } from '../../protocol/note/note.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { networkDefaults, ownCheckpointDefaults, type NetworkOptions, type OwnCheckpointOptions } from '../options.js';
import { parseNoteMessage } from '../p2p/messages.js';
import type { Components, Service } from './components.js';
import { Periodic } from './periodic.js';

export type OwnCheckpointsComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads' | 'cosigner'>;
export type OwnCheckpointsInit = Partial<OwnCheckpointOptions & NetworkOptions>;

/**
 * The own log's checkpoints (§6): sign one after appends, at most one in
 * flight, ask the witnesses for their cosignatures by request, gossip the
 * note once, and ask again while it is not final.
 */
export class OwnCheckpoints implements Service {
  private readonly opts: OwnCheckpointOptions & NetworkOptions;
  private periodic?: Periodic;
  private lastPublished = -1;
  private lastSignedAt = 0;
  private announcedFinal = 0;
  private gathering = false;
  private lastRoundAt = 0;
  /** One publish at a time; a kick while one runs asks for another right after it. */
  private publishing = false;
  private again = false;
  private offs: (() => void)[] = [];

  constructor(
    init: OwnCheckpointsInit,
    private readonly x: OwnCheckpointsComponents,
  ) {
    this.opts = { ...networkDefaults, ...ownCheckpointDefaults, ...init };
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
    if (!self || this.x.ledger.size(self) === 0 || this.gathering) return;
    this.announceFinal(self);
    if (this.x.ledger.size(self) === this.lastPublished || !this.x.ledger.config.members.some((m) => m.id === self)) return;
    // Not while appends are refused (own log recovering, rotated keys not adopted): signCheckpoint would refuse too.
    if (this.x.ledger.appendGuard?.()) return;
    // One checkpoint in flight: while the newest is not final, appends wait for it (or for the maximum wait),
    // so under load each cosigning round covers many records instead of one round per 100 ms.
    const latest = this.x.ledger.checkpoints.latest(self);
    if (latest && this.x.ledger.finalSize(self) < latest.checkpoint.size && Date.now() - this.lastSignedAt < this.opts.checkpointMaxWaitMs) return;
    const signed = await this.x.ledger.signCheckpoint();
    this.lastSignedAt = Date.now();
    this.lastPublished = signed.checkpoint.size;
    await this.x.cosigner.maybeCosign(self, false);
    await this.cosignRound(signed.text);
    // Gossiped once, final or not: other members learn of the records; witnesses the author could not reach cosign it.
    const cp = this.x.ledger.checkpoints.list(self).find((c) => c.text === signed.text);
    if (cp) this.x.heads.publish({ note: noteOf(cp) }, 'checkpoint');
    this.announcedFinal = Math.max(this.announcedFinal, this.x.ledger.finalSize(self));
  }

  /** While the newest own checkpoint is not final, ask the witnesses missing from it again (peers connect, partitions heal). */
  async retry(): Promise<void> {
    const self = this.x.ledger.self?.id;
    const cp = self ? this.x.ledger.checkpoints.latest(self) : undefined;
    if (!cp || this.gathering || Date.now() - this.lastRoundAt < this.opts.cosignRetryMs || this.x.ledger.finalSize(self!) >= cp.checkpoint.size) return;
    await this.cosignRound(cp.text);
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
    this.gathering = true;
    try {
      await this.gatherCosignatures(text);
    } finally {
      this.gathering = false;
      this.lastRoundAt = Date.now();
    }
    const cp = this.x.ledger.checkpoints.list(this.x.ledger.self!.id).find((c) => c.text === text);
    const quorum = !!cp && this.x.ledger.finalSize(this.x.ledger.self!.id) >= cp.checkpoint.size;
    timer({ quorum: quorum ? 'yes' : 'no' });
    if (!quorum) this.x.log.debug({ size: cp?.checkpoint.size, cosigners: [...(cp?.cosigners.keys() ?? [])] }, 'cosigning round ended without a quorum');
  }

  /**
   * Ask every connected witness that has not cosigned the own checkpoint
   * `text` for its cosignature (one request each, as in C2SP's witness
   * protocol) and merge the answers. Returns once a quorum has cosigned or
   * every witness asked has answered. Gossiping each witness's cosignature
   * instead costs every node a message per witness per checkpoint, which does
   * not scale with the membership.
   */
  private async gatherCosignatures(text: string): Promise<void> {
    const self = this.x.ledger.self!.id;
    const cp = this.x.ledger.checkpoints.list(self).find((c) => c.text === text);
    if (!cp) return;
    const size = cp.checkpoint.size;
    const note = noteOf(cp);
    const connected = new Set(this.x.network.peers());
    const witnesses = this.x.ledger.config.members.filter((m) => m.id !== self && m.roles.includes('witness') && connected.has(m.peer) && !cp.cosigners.has(m.id));
    const rpc = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs };
    await new Promise<void>((done) => {
      let left = witnesses.length;
      if (left === 0 || this.x.ledger.finalSize(self) >= size) return done();
      for (const w of witnesses) {
        void this.x.network
          .request(w.peer, this.x.ids.witness, { note }, rpc)
          .then(async (res) => {
            const answer = parseNoteMessage(res, 'witness response').note;
            if (answer && parseNote(answer).text === text) await this.x.ledger.addCheckpoint(answer);
            this.x.metrics.witnessRequests.inc({ direction: 'out', outcome: 'answered' });
          })
          .catch((e) => {
            this.x.metrics.witnessRequests.inc({ direction: 'out', outcome: 'failed' });
            this.x.log.debug({ err: e, witness: w.id }, 'no cosignature from witness');
          })
          .finally(() => {
            if (--left === 0 || this.x.ledger.finalSize(self) >= size) done();
          });
      }
    });
  }
}

export function ownCheckpoints(init: OwnCheckpointsInit = {}): (c: OwnCheckpointsComponents) => OwnCheckpoints {
  return (c) => new OwnCheckpoints(init, c);
}
