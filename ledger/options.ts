/** Ledger defaults, in one place (PROTOCOL.md §9 limits live in protocol/). */
export const ledgerDefaults = {
  /** Most own-log requests written in one group commit. */
  maxGroup: 2048,
  /** Most foreign records validated and written in one batch. */
  foreignBatch: 1000,
  /** Records of a foreign batch whose signatures go to the verify pool in one message: validation starts on the first chunk's verdicts. */
  foreignChunk: 64,
  /** Checkpoints within the records held kept per log, besides the first-final ones (older ones are implied by newer ones). */
  checkpointsKept: 16,
  /** Checkpoints ahead of the records held kept per log (the nearest): an author cannot push out anything else with them. */
  checkpointsAhead: 16,
};

export type LedgerLimits = typeof ledgerDefaults;
