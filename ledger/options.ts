/** Ledger defaults, in one place (PROTOCOL.md §9 limits live in protocol/). */
export const ledgerDefaults = {
  /** Most own-log requests written in one group commit. */
  maxGroup: 2048,
  /** Most foreign records validated and written in one batch. */
  foreignBatch: 1000,
  /** Checkpoints kept per log (older ones are implied by stored hashes). */
  checkpointsKept: 16,
};

export type LedgerLimits = typeof ledgerDefaults;
