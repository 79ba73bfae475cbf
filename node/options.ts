/**
 * Node defaults, in one place, grouped by the subsystem that reads them (each
 * service takes only its group). PROTOCOL.md §9 limits are enforced in protocol/.
 */

/** The peer network: request/response and gossip limits. */
export const networkDefaults = {
  /** Deadline of one sync, governance or witness request. */
  requestTimeoutMs: 10_000,
  /** Largest message accepted on any stream (a sync batch plus framing). */
  maxMessageBytes: 4 * 1024 * 1024 + 64 * 1024,
  /** Largest gossip message (a checkpoint note with 100 signatures fits easily). */
  maxGossipBytes: 64 * 1024,
  /** Concurrent inbound streams per protocol. */
  maxInboundStreams: 32,
};

/** §7 sync limits: what the sync server serves and the fetcher asks for in one request. */
export const syncDefaults = {
  syncMaxRecords: 1000,
  syncMaxBytes: 4 * 1024 * 1024,
};

/** Own checkpoints (§6). */
export const ownCheckpointDefaults = {
  /** Coalescing interval of own checkpoints. */
  checkpointIntervalMs: 100,
  /** While the newest own checkpoint is not final and no round is running (it ended without a quorum), a new one is signed only after this long. */
  checkpointMaxWaitMs: 1_000,
  /**
   * Own checkpoints being cosigned at once. 1: records that arrive during a round wait for it, and under load
   * each round covers more records; 2 lets a record that just missed a round skip the rest of it, at the price
   * of more rounds (better where rounds are slow because witnesses are far away, worse where they are slow
   * because the machine is busy: measured in bench/NOTES.md, issue 16).
   */
  checkpointsInFlight: 1,
  /** With checkpointsInFlight > 1: a further own checkpoint is signed only once the newest in flight has been out this long. */
  checkpointPipelineMs: 100,
  /** While the newest own checkpoint is not final, ask the witnesses missing from it again this often. */
  cosignRetryMs: 2_000,
  /** A witness that refused records sent with a cosigning request (an older version) is sent none for this long. */
  witnessPushRetryMs: 60_000,
};

/** The witness cosigner. */
export const witnessDefaults = {
  /** A cosignature made on a gossiped checkpoint is gossiped after this long if the checkpoint is still not final. */
  cosignatureGossipDelayMs: 5_000,
};

/** Backfill (anti-entropy). */
export const backfillDefaults = {
  /** Ask one random peer for its heads this often. */
  antiEntropyMs: 3_000,
};

/** Clock skew (node/clock-skew.ts): the signed time exchange with members. */
export const clockDefaults = {
  /** Measure each member's signed clock this often (and on connect). */
  clockCheckMs: 30_000,
};

/** The HTTP API. */
export const httpDefaults = {
  httpBodyLimit: 256 * 1024,
  httpRateLimitPerMinute: 60_000,
  /** A request's headers must arrive within this long (slow-header clients hold no socket for long). */
  httpHeadersTimeoutMs: 10_000,
  /** A whole request, headers and body, must arrive within this long. */
  httpRequestTimeoutMs: 30_000,
  /** A socket silent this long (no request, no response bytes) is closed; longer than the keep-alive time, so clients see the keep-alive close first. */
  httpConnectionTimeoutMs: 120_000,
  /** An idle keep-alive connection is closed after this long (fastify's default, announced to clients in Keep-Alive). */
  httpKeepAliveTimeoutMs: 72_000,
  /** Requests served on one connection before it is closed (0: unlimited). */
  httpMaxRequestsPerSocket: 10_000,
  /** Open connections at once; more are dropped on accept. */
  httpMaxConnections: 1_024,
  /** How often the server checks the header and request timeouts. */
  httpTimeoutCheckMs: 1_000,
  /** Repeated server errors with one code are logged once per this window, with a count. */
  httpErrorLogWindowMs: 10_000,
  /** A warning is logged while the HTTP API certificate expires within this many days (README "Securing the API"). */
  tlsExpiryWarnDays: 30,
  /** How often a running node checks its certificate's expiry (besides at start and on reload). */
  tlsExpiryCheckMs: 86_400_000,
};

/** Events for local systems: the outbox, server-sent events and webhooks (README "Events and webhooks"). */
export const eventDefaults = {
  /** Newest events kept in the outbox; older ones are deleted (a reader further behind resumes at the oldest held). */
  eventRetain: 100_000,
  /** Records derived per outbox write. */
  eventBatch: 256,
  /** A comment line on every SSE stream this often, so proxies and clients see it alive. */
  sseHeartbeatMs: 15_000,
  /** Bytes an SSE client may leave unread before the node closes its stream (it resumes with Last-Event-ID). */
  sseMaxBufferBytes: 1024 * 1024,
  /** Deadline of one webhook POST. */
  webhookTimeoutMs: 10_000,
  /** First retry delay after a failed POST; doubled each failure up to webhookRetryMaxMs. */
  webhookRetryBaseMs: 1_000,
  webhookRetryMaxMs: 60_000,
};

export const nodeDefaults = {
  ...networkDefaults,
  ...syncDefaults,
  ...ownCheckpointDefaults,
  ...witnessDefaults,
  ...backfillDefaults,
  ...clockDefaults,
  ...httpDefaults,
  ...eventDefaults,
};

export type NetworkOptions = typeof networkDefaults;
export type SyncOptions = typeof syncDefaults;
export type OwnCheckpointOptions = typeof ownCheckpointDefaults;
export type WitnessOptions = typeof witnessDefaults;
export type BackfillOptions = typeof backfillDefaults;
export type ClockOptions = typeof clockDefaults;
export type HttpOptions = typeof httpDefaults;
export type EventOptions = typeof eventDefaults;
export type NodeOptions = typeof nodeDefaults;
