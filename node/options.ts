/** Node defaults, in one place. PROTOCOL.md §9 limits are enforced in protocol/. */
export const nodeDefaults = {
  /** Coalescing interval of own checkpoints (§6). */
  checkpointIntervalMs: 100,
  /** While the newest own checkpoint is not final, a new one is signed only after this long. */
  checkpointMaxWaitMs: 1_000,
  /** While the newest own checkpoint is not final, ask the witnesses missing from it again this often. */
  cosignRetryMs: 2_000,
  /** A cosignature made on a gossiped checkpoint is gossiped after this long if the checkpoint is still not final. */
  cosignatureGossipDelayMs: 5_000,
  /** Anti-entropy: ask one random peer for its heads this often. */
  antiEntropyMs: 3_000,
  /** §7 sync limits. */
  syncMaxRecords: 1000,
  syncMaxBytes: 4 * 1024 * 1024,
  /** Deadline of one sync or governance request. */
  requestTimeoutMs: 10_000,
  /** Largest message accepted on any stream (a sync batch plus framing). */
  maxMessageBytes: 4 * 1024 * 1024 + 64 * 1024,
  /** Largest gossip message (a checkpoint note with 100 signatures fits easily). */
  maxGossipBytes: 64 * 1024,
  /** Concurrent inbound streams per protocol. */
  maxInboundStreams: 32,
  /** Measure each member's signed clock this often (and on connect). */
  clockCheckMs: 30_000,
  /** HTTP API. */
  httpBodyLimit: 256 * 1024,
  httpRateLimitPerMinute: 60_000,
};

export type NodeOptions = typeof nodeDefaults;
