/**
 * Typed errors of the client SDK. Callers match on `code`, never on `message`:
 * - UNREACHABLE: no answer from the node (network error, after the retries).
 * - TIMEOUT: no answer in time (after the retries).
 * - REFUSED: the node answered 4xx/5xx; `status`, `nodeCode` (the node's code: ACTOR_ROLE, BODY_INVALID…), `field`, `standing` say more.
 * - NOT_FOUND: the node holds no such thing (404).
 * - BAD_RESPONSE: the node's answer is not what the API defines.
 * - PREPARED_MISMATCH: a prepared request is not what was asked for (a faulty or compromised node): never sign it.
 * - OUTCOME_UNKNOWN: a submission's answer was lost and its retry was refused as a replay: the first one was probably stored.
 * - NOT_FINAL: waitFinal gave up before the record was final (it is stored and may still become final).
 * - INVALID_INPUT: the caller's own argument is malformed (an actor id, a record id); nothing was sent.
 */
export type ClientErrorCode = 'UNREACHABLE' | 'TIMEOUT' | 'REFUSED' | 'NOT_FOUND' | 'BAD_RESPONSE' | 'PREPARED_MISMATCH' | 'OUTCOME_UNKNOWN' | 'NOT_FINAL' | 'INVALID_INPUT';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** HTTP status, when the node answered. */
  readonly status: number | undefined;
  /** The node's error code (`{code}` of its error body), when it answered one. */
  readonly nodeCode: string | undefined;
  /** The field a 400 names (`body.class`, `actor`), or the field of a prepared request that does not match. */
  readonly field: string | undefined;
  /** For a duplicate (409): the id of the record that already stands. */
  readonly standing: string | undefined;

  constructor(code: ClientErrorCode, message: string, more: { status?: number; nodeCode?: string; field?: string; standing?: string; cause?: unknown } = {}) {
    super(message, more.cause === undefined ? undefined : { cause: more.cause });
    this.name = 'ClientError';
    this.code = code;
    this.status = more.status;
    this.nodeCode = more.nodeCode;
    this.field = more.field;
    this.standing = more.standing;
  }
}

export function isClientError(e: unknown): e is ClientError {
  return e instanceof ClientError;
}
