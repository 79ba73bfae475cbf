import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/index.js';
import type { Metrics } from '../metrics.js';
import type { HttpOptions } from '../options.js';

/** What the routes read from and write to the ledger: reads, proofs, governance, and append. */
export type LedgerApi = Pick<
  Ledger,
  | 'append'
  | 'actorInForce'
  | 'authors'
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
  readonly opts: HttpOptions;
  readonly peerId: string;
  addresses(): string[];
  /** Peer ids connected now. */
  peers(): string[];
}
