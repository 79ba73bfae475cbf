import { equalBytes } from '../../protocol/bytes.js';
import type { CborMap } from '../../protocol/cbor.js';
import { backfillDefaults, networkDefaults, type BackfillOptions, type NetworkOptions } from '../options.js';
import { parseHeads, type Head } from '../p2p/messages.js';
import { connectedMembers, type Components, type Service } from './components.js';
import { Periodic } from './periodic.js';

export type BackfillComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'intake' | 'sync' | 'forks'>;
export type BackfillInit = Partial<BackfillOptions & NetworkOptions>;

/**
 * Backfill and anti-entropy: on every connection, and periodically with one
 * random member, learn the configs and heads a peer has and fetch what is
 * missing (a late joiner or a node back from a partition catches up here).
 */
export class Backfill implements Service {
  private readonly opts: BackfillOptions & NetworkOptions;
  private periodic?: Periodic;
  private off?: () => void;
  private ticks = 0;
  private stopped = false;

  constructor(
    init: BackfillInit,
    private readonly c: BackfillComponents,
  ) {
    this.opts = { ...networkDefaults, ...backfillDefaults, ...init };
  }

  start(): void {
    this.stopped = false;
    this.off = this.c.network.onPeer((e) => {
      if (e.type === 'connect') void this.catchUp(e.peer).catch((err) => this.c.log.debug({ err, peer: e.peer }, 'catch-up failed'));
    });
    this.periodic = new Periodic(this.c.log);
    this.periodic.every(this.opts.antiEntropyMs, () => this.antiEntropy());
  }

  stop(): void {
    this.stopped = true;
    this.off?.();
    this.periodic?.stop();
  }

  /** Learn the configs and heads `peer` has, fetch what is missing. */
  async catchUp(peer: string): Promise<void> {
    if (this.stopped) return;
    const { ledger, network, ids } = this.c;
    const rpc = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs };
    const gov = await network.request(peer, ids.governance, { from: ledger.epoch + 1 }, rpc);
    for (const c of Array.isArray(gov.configs) ? gov.configs : []) {
      const x = c as CborMap;
      try {
        await ledger.addConfig({ bytes: x.config as Uint8Array, approvals: (x.approvals as unknown as { member: string; sig: Uint8Array }[]) ?? [] });
      } catch (e) {
        this.c.log.warn({ err: e }, 'config from peer rejected');
        break;
      }
    }
    const sizes: Record<string, number> = {};
    for (const a of ledger.authors()) sizes[a] = ledger.size(a);
    const heads = parseHeads(await network.request(peer, ids.sync, { t: 'heads', sizes }, rpc));
    for (const h of heads) await this.compareHead(h, peer);
  }

  private async compareHead(h: Head, peer: string): Promise<void> {
    const { ledger } = this.c;
    if (!ledger.chain.some((c) => c.config.members.some((m) => m.id === h.author))) return;
    if (h.author === ledger.self?.id) {
      // A peer's copy of our own checkpoint carries the cosignatures we may have missed (e.g. while down).
      if (h.note) await this.c.intake.takeNote(h.note).catch((e) => this.c.log.debug({ err: e }, 'own head note not taken'));
      return;
    }
    if (h.rootSize > 0 && h.rootSize <= ledger.size(h.author) && !ledger.isForked(h.author)) {
      const mine = await ledger.treeHead(h.author, h.rootSize);
      if (!equalBytes(mine, h.root)) await this.c.forks.findFork(h.author, peer, h.rootSize);
    }
    if (h.size > ledger.size(h.author)) await this.c.sync.syncAuthor(h.author, peer, h.size);
    if (h.note) await this.c.intake.takeNote(h.note, peer).catch((e) => this.c.log.debug({ err: e }, 'head note not taken'));
  }

  private async antiEntropy(): Promise<void> {
    // Every node asks one peer for all heads: the period stretches with the membership so the load stays linear in it.
    if (++this.ticks % Math.max(1, Math.ceil(this.c.ledger.config.members.length / 8)) !== 0) return;
    const peers = connectedMembers(this.c);
    if (peers.length === 0) return;
    await this.catchUp(peers[Math.floor(Math.random() * peers.length)]!);
  }
}

export function backfill(init: BackfillInit = {}): (c: BackfillComponents) => Backfill {
  return (c) => new Backfill(init, c);
}
