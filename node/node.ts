import './polyfills.js';
import { multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { useCrypto } from '../protocol/crypto.js';
import { Ledger } from '../ledger/index.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { Metrics } from './metrics.js';
import { nodeDefaults, type NodeOptions } from './options.js';
import { createHost, dialMembers, trackMembers, type AddressBook, type Host } from './p2p/host.js';
import { Replicator } from './replicator.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { protocolIds } from './p2p/wire.js';
import type { CborMap } from '../protocol/cbor.js';
import { checkIdentity } from './identity.js';
import { disconnectNonMembers } from './membership.js';
import { startSafety, type Safety } from './safety.js';

export interface NodeInit {
  dataDir: string;
  genesis: Uint8Array;
  memberId: string;
  ledgerSeed: Uint8Array;
  peerSeed: Uint8Array;
  listen: string[];
  bootstrap?: string[];
  psk?: Uint8Array;
  witness?: boolean;
  /** Addresses to announce (identify); default the listen addresses, [] for none. */
  announce?: string[];
  /** Per-member dial address overrides (operator's address book), e.g. through a site gateway. */
  peerAddrs?: Record<string, string[]>;
  /** The first administrator's org.actor body, appended as seq 0 when the own log is empty. */
  firstAdmin?: CborMap;
  /** Operator's word that this member's log is empty everywhere: append seq 0 without hearing from peers (node/recovery.ts). */
  acceptEmptyLog?: boolean;
  /** The node's clock (ms); tests skew one node. */
  now?: () => number;
  logger: Logger;
  options?: Partial<NodeOptions>;
}

/**
 * A running Tongban node: the ledger, the libp2p host, replication and
 * witnessing. The HTTP API is attached by node/api (it needs only this).
 */
export class TongbanNode {
  readonly opts: NodeOptions;
  private redial?: NodeJS.Timeout;
  private api?: FastifyInstance;
  private stopping = false;
  /** Own-log recovery and clock skew: the guards on appending. */
  safety?: Safety;

  private constructor(
    readonly ledger: Ledger,
    readonly host: Host,
    readonly replicator: Replicator,
    readonly log: Logger,
    readonly metrics: Metrics,
    private readonly init: NodeInit,
    opts: NodeOptions,
  ) {
    this.opts = opts;
  }

  static async start(init: NodeInit): Promise<TongbanNode> {
    useCrypto(nodeCrypto);
    const opts = { ...nodeDefaults, ...init.options };
    const pool = new VerifyPool();
    let ledger: Ledger;
    try {
      ledger = await Ledger.open({ path: init.dataDir, genesis: init.genesis, self: { id: init.memberId, seed: init.ledgerSeed }, verifyPool: pool, now: init.now });
      await checkIdentity(ledger.chain, init.memberId, init.ledgerSeed, init.peerSeed).catch(async (e) => {
        await ledger.close();
        throw e;
      });
    } catch (e) {
      await pool.close();
      throw e;
    }
    let host: Host;
    try {
      host = await createHost({ peerSeed: init.peerSeed, listen: init.listen, psk: init.psk, announce: init.announce, allowed: () => allowedPeers(ledger), scoredTopics: [protocolIds(ledger.net).heads] });
    } catch (e) {
      await ledger.close();
      await pool.close();
      throw e;
    }
    const selfPeer = host.peerId.toString();
    const book: AddressBook = (m) => init.peerAddrs?.[m.id] ?? m.addrs;
    const metrics = new Metrics();
    const replicator = new Replicator(ledger, host, opts, init.logger, metrics);
    const node = new TongbanNode(ledger, host, replicator, init.logger, metrics, init, opts);
    replicator.witness = init.witness ?? true;
    ledger.events.onEpoch = (cfg) => {
      node.log.info({ epoch: cfg.config.epoch }, 'adopted a new epoch');
      node.metrics.epoch.set(cfg.config.epoch);
      void disconnectNonMembers(host, cfg.config, node.log);
      void trackMembers(host, cfg.config.members, selfPeer, book).then(() => node.onMembership());
    };
    ledger.events.onFork = (f) => {
      node.metrics.forks.set(ledger.forks.size);
      node.log.error({ author: f.author }, 'fork detected: evidence stored');
    };
    ledger.events.onRecords = (envs) => {
      for (const e of envs) node.metrics.logSize.set({ author: e.record.author }, e.record.seq + 1);
    };
    try {
      const now = init.now ?? Date.now;
      node.safety = await startSafety({ ledger, host, opts, log: init.logger, metrics, now, acceptEmptyLog: init.acceptEmptyLog, catchUp: (p) => replicator.catchUp(p), onRecovered: () => void node.onMembership().catch((e) => node.log.warn({ err: e }, 'first administrator not appended')) });
      await replicator.start();
      await trackMembers(host, ledger.config.members, selfPeer, book);
      await node.onMembership();
      host.addEventListener('peer:connect', () => node.metrics.peers.set(host.getPeers().length));
      host.addEventListener('peer:disconnect', () => node.metrics.peers.set(host.getPeers().length));
      for (const b of init.bootstrap ?? []) void host.dial(multiaddr(b), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      void dialMembers(host, ledger.config.members, selfPeer, book);
      node.redial = setInterval(() => void dialMembers(host, node.ledger.config.members, selfPeer, book), 3_000);
      node.redial.unref();
      node.metrics.epoch.set(ledger.epoch);
      node.metrics.forks.set(ledger.forks.size);
    } catch (e) {
      await node.stop();
      throw e;
    }
    return node;
  }

  /** Once this node is a member of the current epoch, its log starts with the first admin (seq 0). */
  private async onMembership(): Promise<void> {
    const id = this.init.memberId;
    if (!this.ledger.config.members.some((m) => m.id === id) || this.ledger.size(id) > 0 || !this.init.firstAdmin || !this.safety?.recovery.recovered || this.ledger.appendGuard?.()) return;
    await this.ledger.append({ kind: 'org.actor', body: this.init.firstAdmin });
    this.log.info('appended the first administrator (seq 0)');
  }

  /** Start the HTTP API on `host:port` (port 0 picks one); closed first on stop. */
  async startApi(host: string, port: number): Promise<string> {
    const { startApi } = await import('./api/server.js');
    this.api = await startApi(this, { host, port });
    const addr = this.api.server.address() as { address: string; port: number };
    return `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  addresses(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString());
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.redial) clearInterval(this.redial);
    // Stop accepting requests first; in-flight appends finish before the store closes.
    await this.api?.close();
    this.replicator.stop();
    this.safety?.stop();
    await Promise.resolve(this.host.stop()).catch((e: unknown) => this.log.warn({ err: e }, 'libp2p stop failed'));
    await this.ledger.close();
    await this.ledger.pool?.close();
  }
}

/** Peers allowed through the gater: members of the current epoch (cached per epoch). */
const allowedCache = new WeakMap<object, ReadonlySet<string>>();
function allowedPeers(ledger: Ledger): ReadonlySet<string> {
  const cfg = ledger.config;
  let set = allowedCache.get(cfg);
  if (!set) allowedCache.set(cfg, (set = new Set(cfg.members.map((m) => m.peer))));
  return set;
}
