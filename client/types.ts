/** Shapes of the node's HTTP answers (node/api, OpenAPI at /docs/json) the SDK reads. */

export type RecordStateName = 'durable' | 'replicated' | 'final';
export const RECORD_STATES: readonly RecordStateName[] = ['durable', 'replicated', 'final'];

export interface StateFields {
  state: RecordStateName;
  durableAt?: number;
  replicatedAt?: number;
  finalAt?: number;
}

/** 201/202 of POST /v1/records. */
export interface Created extends StateFields {
  id: string;
  author: string;
  seq: number;
}

/** GET /v1/records/:id: the record decoded as JSON (byte strings as hex), its envelope (base64) and finality. */
export interface RecordView extends StateFields {
  id: string;
  author: string;
  seq: number;
  record: {
    v: 1;
    net: string;
    author: string;
    seq: number;
    prev?: string;
    epoch: number;
    ts: number;
    kind: string;
    body: Record<string, unknown>;
    refs?: string[];
    actor?: { id: string; nonce: string; at: number; sig: string };
  };
  envelope: string;
  final: boolean;
  witnesses: number;
}

/** GET /v1/status. */
export interface NodeStatus {
  member: string;
  consortium: string;
  network: string;
  epoch: number;
  peerId: string;
  addresses: string[];
  peers: string[];
  admitted: boolean;
  logs: { author: string; size: number; finalSize: number; forked: boolean }[];
  version: string;
  appendRefused: { code: string; message: string } | null;
  clockSkew: { maxSeconds: number | null; peers: { member: string; seconds: number; rttMs: number }[] };
}

/** GET /v1/logs/:author. */
export interface LogPage {
  author: string;
  size: number;
  finalSize: number;
  records: { id: string; seq: number; record: RecordView['record']; envelope: string; final: boolean }[];
}

/** One case of GET /v1/cases: its state and light at the page's `asOf`. */
export interface CaseListItem {
  case: string;
  item: string;
  serial: string;
  opener: string;
  handlers: string[];
  state: string;
  openedAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
  light: 'green' | 'yellow' | 'red' | null;
  overdue: number | null;
}

/** GET /v1/cases (a page). */
export interface CaseList {
  asOf: string;
  cases: CaseListItem[];
  next: string | null;
}
