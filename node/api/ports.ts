import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/index.js';
import type { Metrics } from '../metrics.js';
import type { ClockSkew } from '../clock-skew.js';
import type { EventOptions, HttpOptions } from '../options.js';
import type { Outbox } from '../../ledger/outbox.js';

/** The durable event outbox as GET /v1/events reads it. */
export type EventsApi = Pick<Outbox, 'read' | 'onAppended' | 'lastId' | 'prunedTo'>;

/** What the routes read from and write to the ledger: reads, proofs, governance, and append. */
export type LedgerApi = Pick<
  Ledger,
  | 'append'
  | 'appendGuard'
  | 'actorInForce'
  | 'actorsOf'
  | 'authors'
  | 'backup'
  | 'buildBundle'
  | 'buildCaseBundle'
  | 'caseRecords'
  | 'caseReport'
  | 'casesBySerial'
  | 'caseSummary'
  | 'listCases'
  | 'chain'
  | 'checkpoints'
  | 'config'
  | 'domainView'
  | 'events'
  | 'nonceUsed'
  | 'now'
  | 'recordState'
  | 'states'
  | 'configFor'
  | 'consortium'
  | 'envelopeBytes'
  | 'epoch'
  | 'finalSize'
  | 'governance'
  | 'isFinal'
  | 'isForked'
  | 'net'
  | 'provenance'
  | 'recordById'
  | 'self'
  | 'size'
>;

/**
 * The node as the HTTP API sees it (the API imports this, never the node
 * class): the ledger, metrics, logging, HTTP options, and this node's place
 * in the network for /v1/status.
 */
export interface NodeApi {
  readonly ledger: LedgerApi;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly opts: HttpOptions & Pick<EventOptions, 'sseHeartbeatMs' | 'sseMaxBufferBytes'>;
  /** The event outbox (README "Events and webhooks"). */
  readonly events: EventsApi;
  readonly peerId: string;
  addresses(): string[];
  /** Peer ids connected now. */
  peers(): string[];
  /** The guards on appending (node/safety.ts): clock skew against members, for /v1/status. */
  readonly safety?: { readonly skew: Pick<ClockSkew, 'maxMs' | 'current'> };
}
