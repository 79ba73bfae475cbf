import { equalBytes } from '../../protocol/bytes.js';
import { parseCheckpoint } from '../../protocol/note/checkpoint.js';
import { formatNote, parseNote, type Note } from '../../protocol/note/note.js';
import { networkDefaults, type NetworkOptions } from '../options.js';
import { parseHeadsMessage, type HeadsMessage } from '../p2p/messages.js';
import { decodeMessage } from '../p2p/wire.js';
import { authorOf, type Components, type Service } from './components.js';

export type HeadGossipComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'intake'>;
export type HeadGossipInit = Partial<Pick<NetworkOptions, 'maxGossipBytes'>>;

/**
 * The heads topic, inbound: checkpoint notes and fork evidence from members.
 * Invalid messages are rejected in validation (not forwarded, the sender's
 * score drops); notes are queued per author and coalesced, then taken.
 */
export class HeadGossip implements Service {
  private readonly opts: Pick<NetworkOptions, 'maxGossipBytes'>;
  /** Gossiped notes not yet taken, one per author (the largest size; lines of one text merged). */
  private readonly inbox = new Map<string, { text: string; size: number; note: Note; from: string }>();
  private readonly taking = new Set<string>();
  private stopped = false;

  constructor(
    init: HeadGossipInit,
    private readonly c: HeadGossipComponents,
  ) {
    this.opts = { maxGossipBytes: networkDefaults.maxGossipBytes, ...init };
  }

  start(): void {
    this.stopped = false;
    this.c.network.subscribe(this.c.ids.heads, {
      maxBytes: this.opts.maxGossipBytes,
      validate: (data) => this.validate(data),
      deliver: (m, from) => void this.onGossip(m, from).catch((e) => this.c.log.warn({ err: e }, 'gossip handling failed')),
    });
  }

  stop(): void {
    this.stopped = true;
    this.c.network.unsubscribe(this.c.ids.heads);
  }

  private validate(data: Uint8Array): HeadsMessage {
    const { ledger } = this.c;
    try {
      const m = parseHeadsMessage(decodeMessage(data, this.opts.maxGossipBytes));
      if ('note' in m) {
        const cp = parseCheckpoint(parseNote(m.note).text);
        const author = authorOf(ledger, cp.origin);
        if (!cp.origin.startsWith(`${ledger.consortium}/`) || !ledger.config.members.some((x) => x.id === author)) throw new Error('not a member log');
      }
      return m;
    } catch (e) {
      this.c.metrics.validationFailures.inc({ rule: 'GOSSIP' });
      throw e;
    }
  }

  private async onGossip(m: HeadsMessage, from: string): Promise<void> {
    const { ledger } = this.c;
    this.c.metrics.gossip.inc({ direction: 'in', reason: 'fork' in m ? 'fork' : 'note' });
    if ('fork' in m) {
      if (!ledger.isForked(m.fork.author)) await ledger.acceptForkEvidence(m.fork.author, m.fork.a, m.fork.b);
      return;
    }
    const note = parseNote(m.note);
    const cp = parseCheckpoint(note.text);
    const author = authorOf(ledger, cp.origin);
    const queued = this.inbox.get(author);
    if (queued && queued.text === note.text) {
      for (const s of note.sigs) if (!queued.note.sigs.some((q) => q.name === s.name && equalBytes(q.sig, s.sig))) queued.note.sigs.push(s);
    } else if (!queued || cp.size > queued.size) {
      this.inbox.set(author, { text: note.text, size: cp.size, note, from });
    }
    await this.drainInbox(author);
  }

  /**
   * Take an author's gossiped notes one at a time. Under load notes arrive
   * faster than they are taken; queued per author and coalesced, the backlog
   * stays one note per member instead of growing without bound (and holding
   * up appends behind the write lock).
   */
  private async drainInbox(author: string): Promise<void> {
    if (this.taking.has(author)) return;
    this.taking.add(author);
    try {
      for (let item = this.inbox.get(author); item && !this.stopped; item = this.inbox.get(author)) {
        this.inbox.delete(author);
        await this.c.intake.takeNote(formatNote(item.note), item.from).catch((e) => this.c.log.debug({ err: e, author }, 'gossiped note not taken'));
      }
    } finally {
      this.taking.delete(author);
    }
  }
}

export function headGossip(init: HeadGossipInit = {}): (c: HeadGossipComponents) => HeadGossip {
  return (c) => new HeadGossip(init, c);
}
