/**
 * Typed protocol errors. Callers match on `code`, never on `message`.
 * Every rejection of bad input in protocol/ throws (or returns) one of these.
 */
export type ProtocolErrorCode =
  // encodings
  | 'CBOR_INVALID'
  | 'CBOR_NONCANONICAL'
  | 'CBOR_FORBIDDEN'
  | 'HEX_INVALID'
  | 'BASE64_INVALID'
  | 'UTF8_INVALID'
  // keys and names
  | 'KEY_INVALID'
  | 'VKEY_INVALID'
  | 'NAME_INVALID'
  | 'SIGNATURE_INVALID'
  // configs and governance
  | 'CONFIG_INVALID'
  | 'CONFIG_CHAIN'
  | 'JOIN_REQUEST_INVALID'
  // records (§5.1 rules carry their own codes, see records/rules.ts)
  | 'RECORD_INVALID'
  | 'RECORD_REJECTED'
  | 'EVIDENCE_INVALID'
  | 'ENVELOPE_INVALID'
  | 'BODY_INVALID'
  | 'REQUEST_INVALID'
  | 'LIMIT_EXCEEDED'
  // merkle and notes
  | 'PROOF_INVALID'
  | 'NOTE_INVALID'
  | 'CHECKPOINT_INVALID'
  | 'COSIGNATURE_INVALID'
  | 'TLOG_PROOF_INVALID'
  | 'POLICY_INVALID'
  // bundles
  | 'BUNDLE_INVALID';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** Optional detail naming the field / rule / position that failed. */
  readonly detail: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.detail = detail;
  }
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}

/** Throw a ProtocolError (expression form, handy in `??` chains). */
export function fail(code: ProtocolErrorCode, message: string, detail?: string): never {
  throw new ProtocolError(code, message, detail);
}
