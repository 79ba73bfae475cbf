/**
 * Typed ledger errors, matched by `code`. Rule violations of incoming
 * records are protocol RecordRejected errors; these cover the store itself.
 */
export type LedgerErrorCode =
  | 'NOT_OPEN'
  | 'CLOSED'
  | 'NETWORK_MISMATCH'
  | 'NOT_FOUND'
  | 'CORRUPT'
  /** The store is missing or LevelDB cannot read it (a damaged file): names the file and the way out. */
  | 'STORE_DAMAGED'
  | 'READ_ONLY'
  | 'NOT_MEMBER'
  | 'FORKED'
  | 'CHECKPOINT_REJECTED'
  /** An author-signed checkpoint whose root differs from the records held: look for the fork. */
  | 'CHECKPOINT_CONFLICT'
  | 'COSIGN_REFUSED'
  | 'GOVERNANCE'
  | 'INVALID_ARGUMENT';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  constructor(code: LedgerErrorCode, message: string) {
    super(message);
    this.name = 'LedgerError';
    this.code = code;
  }
}
