import './polyfills.js';
import { localApiUrl } from './api/local-url.js';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { useCrypto } from '../protocol/crypto.js';
import type { Member } from '../protocol/config/config.js';
import { Ledger } from '../ledger/index.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { Metrics } from './metrics.js';
import { nodeDefaults, type NodeOptions } from './options.js';
import type { AddressBook, Host } from './p2p/host.js';
import { Libp2pNetwork } from './p2p/libp2p-network.js';
import type { PeerNetwork } from './p2p/network.js';
import { createServices, startServices, stopServices, type NodeServices } from './services/index.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { protocolIds } from './p2p/wire.js';
import type { CborMap } from '../protocol/cbor.js';
import type { NodeApi } from './api/ports.js';
import type { ApiInit, SecurityReload } from './api/server.js';
import { checkIdentity, keyRefusal } from './identity.js';
import { attachSafety, type Safety } from './safety.js';
import { Outbox } from '../ledger/outbox.js';
import type { WebhookConfig } from '../protocol/events.js';
import type { CaseRecordsOf } from './services/case-records.js';

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
  /** Operator's word that the keys are new ones a proposed epoch names: start, sign nothing until it is adopted (docs/KEY-ROTATION.md). */
  rotatedKeys?: boolean;
  /** The node's clock (ms); tests skew one node. */
  now?: () => number;
  logger: Logger;
  options?: Partial<NodeOptions>;
  /** Webhooks to deliver events to (README "Events and webhooks"). */
  webhooks?: WebhookConfig[];
  /** How events read a case's records (default: the ledger's case index). */
  caseRecords?: CaseRecordsOf;
  /** The peer network; default libp2p from peerSeed, listen, psk, announce, bootstrap and peerAddrs (tests pass an in-memory one). */
  network?: NetworkFactory;
}

/** The HTTP API's TLS files, token authorization and CORS origins (README "Securing the API"). */
export type ApiSecurity = Pick<ApiInit, 'tls' | 'auth' | 'allowOpen' | 'corsOrigins'>;

/** Builds the node's PeerNetwork once the ledger is open: who may connect, and the members to keep connected. */
export type NetworkFactory = (ctx: { allowed: () => ReadonlySet<string>; members: () => Member[] }) => Promise<PeerNetwork>;

/**
 * A running Tongban node: the ledger, the peer network, and the replication
 * and witnessing services over it. The HTTP API is attached by node/api,
 * which sees the node only as a NodeApi.
 */
export class TongbanNode implements NodeApi {
  readonly opts: NodeOptions;
  private api?: FastifyInstance;
  private stopping = false;
  private membership: Promise<void> = Promise.resolve();
  /** Own-log recovery and clock skew: the guards on appending. */
  safety?: Safety;

  private constructor(
    readonly ledger: Ledger,
    readonly network: PeerNetwork,
    readonly services: NodeServices,
    readonly log: Logger,
    readonly metrics: Metrics,
    readonly outbox: Outbox,
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
      ledger = await Ledger.open({ path: init.dataDir, genesis: init.genesis, self: { id: init.memberId, seed: init.ledgerSeed }, verifyPool: pool, checkTables: true, now: init.now });
      for (const m of ledger.migrated) init.logger.info({ from: m.from, to: m.to, what: m.what }, 'store schema migrated');
      await checkIdentity(ledger.chain, init.memberId, ledger.self!.key, init.peerSeed, init.rotatedKeys).catch(async (e) => {
        await ledger.close();
        throw e;
      });
    } catch (e) {
      await pool.close();
      throw e;
    }
    let network: PeerNetwork;
    let outbox: Outbox;
    try {
      outbox = await Outbox.open(ledger, { retainEvents: opts.eventRetain });
      const ctx = { allowed: () => allowedPeers(ledger), members: () => ledger.config.members };
      network = init.network ? await init.network(ctx) : await libp2pNetwork(init, ledger, ctx);
    } catch (e) {
      await ledger.close();
      await pool.close();
      throw e;
    }
    // A store restored from a backup never skips own-log recovery, whatever the operator says (README "Backup and restore").
    const restored = await ledger.restoredMark();
    if (restored && init.acceptEmptyLog) init.logger.warn('--accept-empty-log ignored: the store was restored from a backup, so its own log is recovered from peers first');
    const metrics = new Metrics();
    const services = createServices({
      ledger,
      network,
      log: init.logger,
      metrics,
      opts,
      witness: init.witness,
      now: init.now,
      acceptEmptyLog: init.acceptEmptyLog && !restored,
      outbox,
      webhooks: init.webhooks,
      caseRecords: init.caseRecords,
    });
    const node = new TongbanNode(ledger, network, services, init.logger, metrics, outbox, init, opts);
    ledger.events.on('epoch', (cfg) => {
      node.log.info({ epoch: cfg.config.epoch }, 'adopted a new epoch');
      node.metrics.epoch.set(cfg.config.epoch);
      node.metrics.members.set(cfg.config.members.length);
      // Closes connections of peers no longer members (removal) and connects new ones.
      void network.membersChanged().then(() => node.onMembership());
    });
    ledger.events.on('fork', (f) => {
      node.metrics.forks.set(ledger.forks.size);
      node.log.error({ author: f.author }, 'fork detected: evidence stored');
    });
    ledger.events.on('records', (envs) => {
      for (const e of envs) node.metrics.logSize.set({ author: e.record.author }, e.record.seq + 1);
    });
    try {
      node.safety = attachSafety(
        ledger,
        services,
        opts.antiEntropyMs,
        () => void node.onMembership().catch((e) => node.log.warn({ err: e }, 'first administrator not appended')),
        () => keyRefusal(ledger.config, init.memberId, ledger.self!.key, network.peerId),
      );
      await startServices(services);
      if (restored) {
        void services.recovery.recovered
          .then(async () => {
            if (node.stopping) return;
            await ledger.clearRestored();
            node.log.info(
              { size: ledger.size(init.memberId), backupCreatedAt: new Date(restored.backupCreatedAt).toISOString() },
              'restored store: own log recovered from peers, restore mark cleared',
            );
          })
          .catch((e) => node.log.warn({ err: e }, 'restore mark not cleared (it is cleared at the next start)'));
      }
      network.onPeer(() => node.metrics.peers.set(network.peers().length));
      await network.start();
      await node.onMembership();
      node.metrics.peers.set(network.peers().length);
      node.metrics.epoch.set(ledger.epoch);
      node.metrics.members.set(ledger.config.members.length);
      node.metrics.watchDisk(init.dataDir);
      node.metrics.forks.set(ledger.forks.size);
    } catch (e) {
      await node.stop();
      throw e;
    }
    return node;
  }

  /**
   * Once this node is a member of the current epoch, its log starts with the first admin (seq 0). Called on
   * start, on a new epoch and when appends become possible: one run at a time, so seq 0 is appended once.
   */
  private onMembership(): Promise<void> {
    const run = this.membership.catch(() => undefined).then(() => this.appendFirstAdmin());
    this.membership = run;
    return run;
  }

  private async appendFirstAdmin(): Promise<void> {
    const id = this.init.memberId;
    if (!this.ledger.config.members.some((m) => m.id === id) || this.ledger.size(id) > 0 || !this.init.firstAdmin || !this.safety?.recovery.recovered || this.ledger.appendGuard?.()) return;
    await this.ledger.append({ kind: 'org.actor', body: this.init.firstAdmin });
    this.log.info('appended the first administrator (seq 0)');
  }

  /** Start the HTTP API on `host:port` (port 0 picks one), with TLS, tokens and CORS if given; closed first on stop. */
  async startApi(host: string, port: number, security: ApiSecurity = {}): Promise<string> {
    const { startApi } = await import('./api/server.js');
    this.api = await startApi(this, { host, port, ...security });
    const addr = this.api.server.address() as { address: string; port: number };
    return localApiUrl(security.tls !== undefined, addr.address, addr.port);
  }

  /** Re-read the API's certificate and token file (SIGHUP); undefined when the API is not started. */
  reloadSecurity(): SecurityReload | undefined {
    return this.api?.reloadSecurity();
  }

  /** The event outbox, as GET /v1/events reads it. */
  get events(): Outbox {
    return this.outbox;
  }

  get peerId(): string {
    return this.network.peerId;
  }

  /** The libp2p host, when the node runs on libp2p (tests and tools that need libp2p itself). */
  get host(): Host {
    if (!(this.network instanceof Libp2pNetwork)) throw new Error('this node does not run on libp2p');
    return this.network.host;
  }

  addresses(): string[] {
    return this.network.addresses();
  }

  peers(): string[] {
    return this.network.peers();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Stop accepting requests first; in-flight appends finish before the store closes.
    await this.api?.close();
    this.safety?.stop();
    await stopServices(this.services).catch((e: unknown) => this.log.warn({ err: e }, 'stopping services failed'));
    await this.network.stop().catch((e: unknown) => this.log.warn({ err: e }, 'network stop failed'));
    await this.ledger.close();
    await this.ledger.pool?.close();
  }
}

function libp2pNetwork(init: NodeInit, ledger: Ledger, ctx: { allowed: () => ReadonlySet<string>; members: () => Member[] }): Promise<Libp2pNetwork> {
  const book: AddressBook = (m) => init.peerAddrs?.[m.id] ?? m.addrs;
  return Libp2pNetwork.create({
    peerSeed: init.peerSeed,
    listen: init.listen,
    psk: init.psk,
    announce: init.announce,
    bootstrap: init.bootstrap,
    book,
    ...ctx,
    scoredTopics: [protocolIds(ledger.net).heads],
  });
}

/** Peers allowed through the gater: members of the current epoch (cached per epoch). */
const allowedCache = new WeakMap<object, ReadonlySet<string>>();
function allowedPeers(ledger: Ledger): ReadonlySet<string> {
  const cfg = ledger.config;
  let set = allowedCache.get(cfg);
  if (!set) allowedCache.set(cfg, (set = new Set(cfg.members.map((m) => m.peer))));
  return set;
}
