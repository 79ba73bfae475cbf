import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/index.js';
import type { Metrics } from '../metrics.js';
import type { PeerNetwork } from '../p2p/network.js';
import type { HeadsMessage } from '../p2p/messages.js';
import type { protocolIds } from '../p2p/wire.js';
import type { Outbox } from '../../ledger/outbox.js';
import type { CaseRecordsOf } from './case-records.js';

/**
 * What the node's services are built from (js-libp2p style: each service is
 * `(init) => (components) => Service` and names, in its own `...Components`
 * type, only the parts it uses). The service-to-service parts are narrow
 * interfaces, looked up when called, so services can be built in any order.
 */
export interface Components {
  ledger: Ledger;
  network: PeerNetwork;
  log: Logger;
  metrics: Metrics;
  ids: ProtocolIds;
  /** Gossip on the heads topic. */
  heads: HeadsPublisher;
  /** Takes a checkpoint note: fetches what it covers, cosigns, finds forks (the fetcher). */
  intake: NoteIntake;
  /** Fetches a log's records from a peer (the fetcher). */
  sync: LogSync;
  /** Re-reads a log from a peer to find the first record that differs (fork search). */
  forks: ForkFinder;
  /** Cosigns held checkpoints (the witness cosigner). */
  cosigner: Cosigning;
  /** Learns a peer's configs and heads and fetches what is missing (backfill). */
  catchUp: CatchUp;
  /** Measures a member's signed clock (the time service). */
  clock: ClockMeasure;
  /** The durable event outbox (README "Events and webhooks"). */
  outbox: Outbox;
  /** Every record held for one case (the events' only view of cases). */
  caseRecords: CaseRecordsOf;
}

export interface Service {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export type ProtocolIds = ReturnType<typeof protocolIds>;

export interface HeadsPublisher {
  publish(m: HeadsMessage, reason: string): void;
}

export interface NoteIntake {
  /** `from`: the peer that sent or holds it; `gossipCosignature` false when the author asked for the cosignature. */
  takeNote(note: string, from?: string, gossipCosignature?: boolean): Promise<void>;
}

export interface LogSync {
  syncAuthor(author: string, peer: string, target?: number): Promise<void>;
}

export interface ForkFinder {
  findFork(author: string, peer: string, size: number): Promise<void>;
}

export interface Cosigning {
  /** Whether this node cosigns (its own checkpoints too). */
  readonly enabled: boolean;
  maybeCosign(author: string, gossip?: boolean): Promise<void>;
}

export interface CatchUp {
  catchUp(peer: string): Promise<void>;
}

export interface ClockMeasure {
  /** One time exchange with `peer` (a peer id); skips non-members. */
  measure(peer: string): Promise<void>;
}

/** The member id of a log origin (`<consortium>/<member>`); checked as a member by the ledger, not here. */
export function authorOf(ledger: Pick<Ledger, 'consortium'>, origin: string): string {
  return origin.slice(ledger.consortium.length + 1);
}

/** The peer id of a member of the current epoch. */
export function peerOf(ledger: Pick<Ledger, 'config'>, id: string): string | undefined {
  return ledger.config.members.find((x) => x.id === id)?.peer;
}

/** Connected peers that are members of the current epoch. */
export function connectedMembers(c: Pick<Components, 'ledger' | 'network'>): string[] {
  const members = new Set(c.ledger.config.members.map((m) => m.peer));
  return c.network.peers().filter((p) => members.has(p));
}
