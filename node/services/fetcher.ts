import { utf8 } from '../../protocol/bytes.js';
import { parseCheckpoint } from '../../protocol/note/checkpoint.js';
import { parseNote } from '../../protocol/note/note.js';
import { LedgerError, type ForeignResult } from '../../ledger/index.js';
import { networkDefaults, syncDefaults, type NetworkOptions, type SyncOptions } from '../options.js';
import { parseEnvelopes } from '../p2p/messages.js';
import { authorOf, type Components, type LogSync, type NoteIntake, type Service } from './components.js';
import { reportRejection } from './rejection.js';

export type FetcherComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads' | 'forks' | 'cosigner'>;
export type FetcherInit = Partial<SyncOptions & NetworkOptions>;

/**
 * Fetches what this node lacks and hands it to the ledger to validate:
 * record ranges of a log from a peer (one fetch per log at a time, pipelined), and
 * checkpoint notes (store, fetch the records they cover, cosign; a note that
 * disagrees with the records held starts a fork search).
 */
export class Fetcher implements Service, LogSync, NoteIntake {
  private readonly opts: SyncOptions & NetworkOptions;
  private readonly syncing = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    init: FetcherInit,
    private readonly c: FetcherComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...init };
  }

  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Take a checkpoint note (gossip, heads or a witness request): store, fetch what it covers, cosign. */
  async takeNote(note: string, from?: string, gossipCosignature = true): Promise<void> {
    const { ledger } = this.c;
    let out;
    try {
      out = await ledger.addCheckpoint(note);
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'CHECKPOINT_CONFLICT' && from) {
        // The author's checkpoint disagrees with the records held: fetch the peer's copy to find the fork.
        const cp = parseCheckpoint(parseNote(note).text);
        await this.c.forks.findFork(authorOf(ledger, cp.origin), from, cp.size);
        return;
      }
      this.c.metrics.validationFailures.inc({ rule: e instanceof LedgerError ? e.code : 'CHECKPOINT' });
      throw e;
    }
    if (out.status === 'fork') {
      this.c.heads.publish({ fork: { author: out.author, a: utf8(out.a), b: utf8(out.b) } }, 'fork');
      return;
    }
    const author = out.checkpoint.author;
    if (author === ledger.self?.id) return;
    if (out.checkpoint.checkpoint.size > ledger.size(author) && from) await this.syncAuthor(author, from, out.checkpoint.checkpoint.size);
    await this.c.cosigner.maybeCosign(author, gossipCosignature);
  }

  /** Fetch `author`'s records from `peer` until `target` (or what the peer has), validating each. */
  syncAuthor(author: string, peer: string, target = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (author === this.c.ledger.self?.id) return Promise.resolve();
    const running = this.syncing.get(author);
    if (running) return running.then(() => (this.c.ledger.size(author) < target ? this.syncAuthor(author, peer, target) : undefined));
    const p = this.fetchRange(author, peer, target).finally(() => this.syncing.delete(author));
    this.syncing.set(author, p);
    return p;
  }

  /**
   * Pipelined: the next range is asked for before the current one is validated, so the peer reads and sends
   * range k+1 while this node checks range k; and range k+1 is handed to the ledger as soon as it arrives, so
   * it is decoded and its signatures checked on the verify pool while range k is still being validated and
   * written (the ledger writes them in order). If range k is refused, range k+1 is refused too (it no longer
   * follows the log's head) and only range k's rejection is reported.
   */
  private async fetchRange(author: string, peer: string, target: number): Promise<void> {
    const { ledger, network, ids } = this.c;
    const ask = (from: number) => {
      const res = network.request(peer, ids.sync, { t: 'range', author, from, limit: this.opts.syncMaxRecords }, { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs });
      res.catch(() => undefined); // a prefetch that fails is seen when awaited, or not at all when dropped
      return { from, res };
    };
    let next = ledger.size(author) < target ? ask(ledger.size(author)) : undefined;
    let accepting: Promise<ForeignResult> | undefined;
    try {
      while (!this.stopped && next) {
        const cur = next;
        const envs = parseEnvelopes(await cur.res, this.opts.syncMaxRecords);
        if (envs.length === 0) return;
        if (!accepting && ledger.size(author) !== cur.from) {
          // A range that no longer starts where the log ends (records taken another way) is dropped.
          next = ledger.size(author) < target ? ask(ledger.size(author)) : undefined;
          continue;
        }
        next = cur.from + envs.length < target ? ask(cur.from + envs.length) : undefined;
        const before = accepting;
        accepting = ledger.acceptForeign(author, envs);
        accepting.catch(() => undefined);
        if (before) {
          const went = await this.settle(before, author);
          if (went === 'refused') {
            accepting = undefined; // refused after range k as a consequence, not reported
            return;
          }
          if (went === 'none') return;
        }
      }
    } finally {
      if (accepting) await this.settle(accepting, author);
    }
  }

  /** The outcome of one range handed to the ledger: counted, and a rejection reported. */
  private async settle(accepting: Promise<ForeignResult>, author: string): Promise<'some' | 'none' | 'refused'> {
    try {
      const r = await accepting;
      this.c.metrics.foreignAccepted.inc({ author }, r.accepted);
      return r.accepted > 0 ? 'some' : 'none';
    } catch (e) {
      reportRejection(this.c, e, author);
      return 'refused';
    }
  }
}

export function fetcher(init: FetcherInit = {}): (c: FetcherComponents) => Fetcher {
  return (c) => new Fetcher(init, c);
}
