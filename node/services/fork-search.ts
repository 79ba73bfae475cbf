import { networkDefaults, syncDefaults, type NetworkOptions, type SyncOptions } from '../options.js';
import { parseEnvelopes } from '../p2p/messages.js';
import type { Components, ForkFinder, Service } from './components.js';
import { reportRejection } from './rejection.js';

export type ForkSearchComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'metrics' | 'heads'>;
export type ForkSearchInit = Partial<SyncOptions & NetworkOptions>;

/**
 * When a peer's checkpoint or tree head disagrees with the records held,
 * re-read the log from that peer: the first record that differs is the fork,
 * and the ledger turns the two records into evidence (spread by gossip).
 */
export class ForkSearch implements Service, ForkFinder {
  private readonly opts: SyncOptions & NetworkOptions;

  constructor(
    init: ForkSearchInit,
    private readonly c: ForkSearchComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...init };
  }

  start(): void {}
  stop(): void {}

  /** Re-read `author`'s log from `peer` up to `size`: the first record that differs is the fork. */
  async findFork(author: string, peer: string, size: number): Promise<void> {
    const { ledger, network, ids } = this.c;
    for (let from = 0; from < size && !ledger.isForked(author); from += this.opts.syncMaxRecords) {
      const res = await network.request(
        peer,
        ids.sync,
        { t: 'range', author, from, limit: Math.min(this.opts.syncMaxRecords, size - from) },
        { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs },
      );
      const envs = parseEnvelopes(res, this.opts.syncMaxRecords).filter((_, i) => from + i < ledger.size(author));
      if (envs.length === 0) return;
      try {
        await ledger.acceptForeign(author, envs);
      } catch (e) {
        reportRejection(this.c, e, author);
      }
    }
  }
}

export function forkSearch(init: ForkSearchInit = {}): (c: ForkSearchComponents) => ForkSearch {
  return (c) => new ForkSearch(init, c);
}
