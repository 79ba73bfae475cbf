import type { CborMap } from '../../protocol/cbor.js';
import { parseCheckpoint } from '../../protocol/note/checkpoint.js';
import { parseNote } from '../../protocol/note/note.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { networkDefaults, witnessDefaults, type NetworkOptions, type WitnessOptions } from '../options.js';
import { parseNoteMessage } from '../p2p/messages.js';
import { WireError } from '../p2p/wire.js';
import { authorOf, peerOf, type Components, type Cosigning, type Service } from './components.js';

export type WitnessCosignerComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads' | 'intake'>;
export interface WitnessCosignerInit extends Partial<WitnessOptions & NetworkOptions> {
  /** Whether this node cosigns (a witness member may run without witnessing). */
  enabled?: boolean;
}

/**
 * The witness (§6): cosigns, in order, the checkpoints of other members it
 * can check, and serves the /witness/1 protocol where an author asks for a
 * cosignature directly (as in C2SP's witness protocol).
 */
export class WitnessCosigner implements Service, Cosigning {
  private readonly opts: WitnessOptions & NetworkOptions;
  readonly enabled: boolean;
  /** Cosignatures made on gossip, waiting to be gossiped in turn if the author does not gather them. */
  private readonly laterGossip = new Map<string, NodeJS.Timeout>();
  /** Authors that ask this witness for cosignatures: they collect them by request, no gossip needed. */
  private readonly gatherers = new Set<string>();
  private stopped = false;

  constructor(
    init: WitnessCosignerInit,
    private readonly c: WitnessCosignerComponents,
  ) {
    this.opts = { ...networkDefaults, ...witnessDefaults, ...init };
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
   * An author asks for a cosignature: take its note (fetching the records it
   * covers from the author), cosign if the §6 rules allow, and answer with
   * what is held for that checkpoint. Nothing is gossiped: the author gathers
   * the cosignatures and gossips the note once.
   */
  private async serveWitness(req: CborMap, from: string): Promise<CborMap> {
    const { ledger } = this.c;
    const { note } = parseNoteMessage(req, 'witness request');
    if (!note) throw new WireError('witness request needs a note');
    const text = parseNote(note).text;
    const cp = parseCheckpoint(text);
    this.c.metrics.witnessRequests.inc({ direction: 'in', outcome: 'received' });
    const author = authorOf(ledger, cp.origin);
    if (peerOf(ledger, author) === from) this.gatherers.add(author);
    await this.c.intake.takeNote(note, from, false);
    const held = ledger.checkpoints.list(author).find((c) => c.text === text);
    return held ? { note: noteOf(held) } : {};
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

export function witnessCosigner(init: WitnessCosignerInit = {}): (c: WitnessCosignerComponents) => WitnessCosigner {
  return (c) => new WitnessCosigner(init, c);
}
