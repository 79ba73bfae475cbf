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
  /** The store's schema version is newer than this code knows (an older node on a newer store). */
  | 'STORE_TOO_NEW'
  /** A backup archive that is not one, is cut short, changed, or of another network (ledger/backup.ts). */
  | 'BACKUP_INVALID'
  | 'INVALID_ARGUMENT';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  constructor(code: LedgerErrorCode, message: string) {
    super(message);
    this.name = 'LedgerError';
    this.code = code;
  }
}

/**
 * An error met while opening or reading a store, as a STORE_DAMAGED error
 * naming the store when LevelDB reports damage (it does not name the file)
 * or the ledger found a stored value it cannot decode.
 */
export function damaged(e: unknown, path: string): unknown {
  const code = (e as { code?: string })?.code;
  const cause = (e as { cause?: Error })?.cause;
  const msg = `${(e as Error)?.message ?? e}${cause?.message ? `: ${cause.message}` : ''}`;
  if (e instanceof LedgerError && e.code === 'CORRUPT') return new LedgerError('STORE_DAMAGED', `store ${path} is damaged: ${e.message}`);
  if (code === 'LEVEL_CORRUPTION' || /corrupt/i.test(msg)) return new LedgerError('STORE_DAMAGED', `store ${path} is damaged: ${msg}`);
  return e;
}

/** The same error with a snapshot's path replaced by the store's own. */
export function renamePath(e: unknown, from: string, to: string): unknown {
  if (!(e instanceof LedgerError) || !e.message.includes(from)) return e;
  return new LedgerError(e.code, e.message.split(from).join(to));
}
