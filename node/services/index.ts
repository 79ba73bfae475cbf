import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/index.js';
import type { Metrics } from '../metrics.js';
import type { NodeOptions } from '../options.js';
import type { PeerNetwork } from '../p2p/network.js';
import { protocolIds } from '../p2p/wire.js';
import { type Backfill, backfill } from './backfill.js';
import type { Components, Service } from './components.js';
import { type Fetcher, fetcher } from './fetcher.js';
import { type ForkSearch, forkSearch } from './fork-search.js';
import { type HeadGossip, headGossip } from './head-gossip.js';
import { headsPublisher } from './heads.js';
import { type OwnCheckpoints, ownCheckpoints } from './own-checkpoints.js';
import { type OwnLogRecoveryService, ownLogRecovery } from './own-log-recovery.js';
import { type SyncServer, syncServer } from './sync-server.js';
import { type TimeService, timeService } from './time-service.js';
import { type WitnessCosigner, witnessCosigner } from './witness-cosigner.js';
import { type EventSource, eventSource } from './event-source.js';
import { type Webhooks, webhooks } from './webhooks.js';
import type { CaseRecordsOf } from './case-records.js';
import type { Outbox } from '../../ledger/outbox.js';
import type { WebhookConfig } from '../../protocol/events.js';

export type { Components, Service } from './components.js';

/** The replication and witnessing services of one node (§6, §7), in start order. */
export interface NodeServices {
  syncServer: SyncServer;
  fetcher: Fetcher;
  forkSearch: ForkSearch;
  cosigner: WitnessCosigner;
  headGossip: HeadGossip;
  backfill: Backfill;
  ownCheckpoints: OwnCheckpoints;
  time: TimeService;
  recovery: OwnLogRecoveryService;
  eventSource: EventSource;
  webhooks: Webhooks;
}

export interface ServicesInit {
  ledger: Ledger;
  network: PeerNetwork;
  log: Logger;
  metrics: Metrics;
  opts: NodeOptions;
  /** Whether this node cosigns (default true). */
  witness?: boolean;
  /** The node's clock (ms); tests skew one node. */
  now?: () => number;
  /** Operator's word that this member's log is empty everywhere (node/recovery.ts). */
  acceptEmptyLog?: boolean;
  outbox: Outbox;
  /** Webhooks of the node config. */
  webhooks?: WebhookConfig[];
  /** How the events service reads a case's records (default: the ledger's case index). */
  caseRecords?: CaseRecordsOf;
}

/** Build every service over one components object (service-to-service parts are filled in as they are built). */
export function createServices(init: ServicesInit): NodeServices {
  const { ledger, network, log, metrics, opts } = init;
  const ids = protocolIds(ledger.net);
  // The ledger's case index: one range read per case.
  const caseRecords = init.caseRecords ?? ((id: Uint8Array) => ledger.caseRecords(id));
  const c = { ledger, network, log, metrics, ids, heads: headsPublisher({ network, ids, metrics, log }), outbox: init.outbox, caseRecords } as Components;
  const s = {
    syncServer: syncServer(opts)(c),
    fetcher: fetcher(opts)(c),
    forkSearch: forkSearch(opts)(c),
    cosigner: witnessCosigner({ ...opts, enabled: init.witness ?? true })(c),
    headGossip: headGossip(opts)(c),
    backfill: backfill(opts)(c),
    ownCheckpoints: ownCheckpoints(opts)(c),
    time: timeService({ ...opts, now: init.now })(c),
    recovery: ownLogRecovery({ ...opts, acceptEmptyLog: init.acceptEmptyLog })(c),
    eventSource: eventSource(opts)(c),
    webhooks: webhooks({ ...opts, hooks: init.webhooks ?? [] })(c),
  };
  c.intake = s.fetcher;
  c.sync = s.fetcher;
  c.forks = s.forkSearch;
  c.cosigner = s.cosigner;
  c.catchUp = s.backfill;
  c.clock = s.time;
  return s;
}

export async function startServices(s: NodeServices): Promise<void> {
  for (const x of Object.values(s) as Service[]) await x.start();
}

export async function stopServices(s: NodeServices): Promise<void> {
  for (const x of (Object.values(s) as Service[]).reverse()) await x.stop();
}
