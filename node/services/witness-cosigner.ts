import type { CborMap } from '../../protocol/cbor.js';
import { parseCheckpoint } from '../../protocol/note/checkpoint.js';
import { parseNote } from '../../protocol/note/note.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { networkDefaults, syncDefaults, witnessDefaults, type NetworkOptions, type SyncOptions, type WitnessOptions } from '../options.js';
import { parseWitnessRequest } from '../p2p/messages.js';
import { authorOf, peerOf, type Components, type Cosigning, type Service } from './components.js';
import { reportRejection } from './rejection.js';

export type WitnessCosignerComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads' | 'intake'>;
export interface WitnessCosignerInit extends Partial<WitnessOptions & NetworkOptions & SyncOptions> {
  /** Whether this node cosigns (a witness member may run without witnessing). */
  enabled?: boolean;
}

/**
 * The witness (§6): cosigns, in order, the checkpoints of other members it
 * can check, and serves the /witness/1 protocol where an author asks for a
 * cosignature directly (as in C2SP's witness protocol).
 */
export class WitnessCosigner implements Service, Cosigning {
  private readonly opts: WitnessOptions & NetworkOptions & SyncOptions;
  readonly enabled: boolean;
  /** Cosignatures made on gossip, waiting to be gossiped in turn if the author does not gather them. */
  private readonly laterGossip = new Map<string, NodeJS.Timeout>();
  /** Authors that ask this witness for cosignatures: they collect them by request, no gossip needed. */
  private readonly gatherers = new Set<string>();
  private stopped = false;
  /** Per author, the records sent with requests being taken (in order). */
  private readonly taking = new Map<string, Promise<unknown>>();

  constructor(
    init: WitnessCosignerInit,
    private readonly c: WitnessCosignerComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...witnessDefaults, ...init };
    this.enabled = init.enabled ?? true;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const limits = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs, maxInboundStreams: this.opts.maxInboundStreams };
    await this.c.network.handle(this.c.ids.witness, (req, from) => this.serveWitness(req, from), limits);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.laterGossip.values()) clearTimeout(t);
    this.laterGossip.clear();
    await this.c.network.unhandle(this.c.ids.witness).catch(() => undefined);
  }

  /**
   * An author asks for a cosignature: take the records it sent with its
   * note (or fetch them from it), cosign if the §6 rules allow, and answer
   * with what is held for that checkpoint. Nothing is gossiped: the author
   * gathers the cosignatures and gossips the note once.
   */
  private async serveWitness(req: CborMap, from: string): Promise<CborMap> {
    const { ledger } = this.c;
    const { note, from: start, envelopes } = parseWitnessRequest(req, this.opts.syncMaxRecords);
    const text = parseNote(note).text;
    const cp = parseCheckpoint(text);
    this.c.metrics.witnessRequests.inc({ direction: 'in', outcome: 'received' });
    const author = authorOf(ledger, cp.origin);
    if (peerOf(ledger, author) === from) this.gatherers.add(author);
    if (author !== ledger.self?.id && this.enabled) {
      // New records sent with the note: taken with the note and its cosignature in one write.
      let out: Pick<TakenWithNote, 'outcome' | 'cosigned'> | undefined = envelopes && start !== undefined ? await this.takeRecords(author, start, envelopes, note) : undefined;
      // The records are held already: take the note and cosign it in one write, instead of a write for each.
      if (!out && ledger.size(author) >= cp.size) out = await ledger.addAndCosign(note).catch((e: unknown) => void this.c.log.debug({ err: e, author }, 'witness request taken the long way'));
      if (out?.cosigned && out.outcome) {
        if (out.outcome.status !== 'fork' && !out.outcome.checkpoint.cosigners.has(ledger.self!.id)) this.c.metrics.cosignatures.inc();
        return { note: noteOf(out.cosigned) };
      }
    }
    // Records missing (fetched from the author here), a refusal, a conflict or a fork: the general path.
    await this.c.intake.takeNote(note, from, false);
    const held = ledger.checkpoints.list(author).find((c) => c.text === text);
    return held ? { note: noteOf(held) } : {};
  }

  /**
   * Records an author sent with its checkpoint, from seq \`start\`: those
   * beyond what is held are validated and stored as any peer's. One author's
   * are taken in order, so a request that overtakes the one before it (two
   * checkpoints in flight) finds that one's records held, not a gap.
   */
  private takeRecords(author: string, start: number, envelopes: Uint8Array[], note: string): Promise<TakenWithNote | undefined> {
    const p = (this.taking.get(author) ?? Promise.resolve()).then(() => this.takeRecordsNow(author, start, envelopes, note));
    this.taking.set(author, p);
    return p.finally(() => {
      if (this.taking.get(author) === p) this.taking.delete(author);
    });
  }

  /** The new records and the note in one write (Ledger.acceptAndCosign); undefined when there were none to take or they were refused. */
  private async takeRecordsNow(author: string, start: number, envelopes: Uint8Array[], note: string): Promise<TakenWithNote | undefined> {
    const skip = this.c.ledger.size(author) - start;
    // A gap (this node holds less than the author thought) is fetched instead; nothing new, nothing to do.
    if (skip < 0 || skip >= envelopes.length) return undefined;
    try {
      // Urgent on the write lock: the author's round waits on them. They start at the log's end, so never leave a gap.
      const r = await this.c.ledger.acceptAndCosign(author, envelopes.slice(skip), note);
      this.c.metrics.foreignAccepted.inc({ author }, r.accepted);
      if (r.refused) this.c.log.debug({ err: r.refused, author }, 'records taken, the note the long way');
      return r;
    } catch (e) {
      try {
        reportRejection(this.c, e, author);
      } catch (err) {
        this.c.log.debug({ err, author }, 'records sent with a witness request not taken');
      }
      return undefined;
    }
  }

  /**
   * Cosign, in order, every held checkpoint of `author` this node can check and
   * has not cosigned, and gossip each. Cosigning only the newest would scatter
   * the witnesses over different sizes under load, and no single checkpoint
   * would gather a quorum. `gossip` false: the cosignatures go back to the
   * author that asked for them instead.
   */
  async maybeCosign(author: string, gossip = true): Promise<void> {
    const { ledger } = this.c;
    const self = ledger.self;
    if (!self || !this.enabled || ledger.isForked(author)) return;
    const me = ledger.config.members.find((m) => m.id === self.id);
    if (!me?.roles.includes('witness')) return;
    const held = ledger.size(author);
    // Records already final need no more cosignatures: with many witnesses the late ones stay quiet.
    const final = ledger.finalSize(author);
    const uncosigned = ledger.checkpoints.list(author).filter((c) => c.checkpoint.size <= held && c.checkpoint.size > final && !c.cosigners.has(self.id));
    if (uncosigned.length === 0) return;
    const state = await ledger.checkpoints.witnessState(uncosigned[0]!.checkpoint.origin);
    for (const cp of uncosigned) {
      if (state && state.size > cp.checkpoint.size) continue;
      try {
        const signed = await ledger.cosign(author, cp.checkpoint.size);
        this.c.metrics.cosignatures.inc();
        if (gossip) this.gossipLater(author, signed.checkpoint.size);
      } catch (e) {
        this.c.log.debug({ err: e, author }, 'not cosigned');
      }
    }
  }

  /**
   * A cosignature made on a gossiped checkpoint is gossiped only if the
   * checkpoint is still not final after a while: an author that gathers
   * cosignatures (this implementation) collects it by request first, and every
   * witness gossiping at once costs the network members² messages; an author
   * that does not gather still gets its cosignatures spread.
   */
  private gossipLater(author: string, size: number): void {
    const key = `${author}/${size}`;
    if (this.gatherers.has(author) || this.laterGossip.has(key) || this.stopped) return;
    const t = setTimeout(() => {
      this.laterGossip.delete(key);
      if (this.stopped || this.c.ledger.finalSize(author) >= size) return;
      const cp = this.c.ledger.checkpoints.list(author).find((c) => c.checkpoint.size === size);
      if (cp) this.c.heads.publish({ note: noteOf(cp) }, 'cosignature');
    }, this.opts.cosignatureGossipDelayMs);
    t.unref();
    this.laterGossip.set(key, t);
  }
}

type TakenWithNote = Awaited<ReturnType<WitnessCosignerComponents['ledger']['acceptAndCosign']>>;

export function witnessCosigner(init: WitnessCosignerInit = {}): (c: WitnessCosignerComponents) => WitnessCosigner {
  return (c) => new WitnessCosigner(init, c);
}
