import { ProtocolError } from '../../protocol/errors.js';
import { RecordRejected, type RuleCode } from '../../protocol/records/rules.js';
import { DomainRefused, type DomainRule } from '../../protocol/domain/rules.js';
import { LedgerError } from '../../ledger/errors.js';

/** The HTTP status of each acceptance rule: who asked matters (401/403), replays conflict (409). */
const RULE_STATUS: Partial<Record<RuleCode, number>> = {
  LIMIT: 413,
  ACTOR_UNKNOWN: 401,
  ACTOR_SIGNATURE: 401,
  ACTOR_INACTIVE: 403,
  ACTOR_ROLE: 403,
  NOT_AUTHOR: 403,
  WRONG_AUTHOR: 403,
  NONCE_REPLAYED: 409,
};

/** Domain rules (protocol/domain): who may not (403), what is not there (422), what already stands (409). */
const DOMAIN_STATUS: Record<DomainRule, number> = {
  KIND_UNKNOWN: 400,
  REF_UNKNOWN: 422,
  SHARE_NOT_MEMBER: 422,
  GOV_SIG_INVALID: 422,
  REVOKE_NOT_OWNER: 403,
  DOC_REVOKED: 409,
  DUPLICATE: 409,
  DECIDED: 409,
  ACTOR_KEY_TAKEN: 409,
  ACTOR_EXISTS: 409,
  ACTOR_PREV: 409,
  CONFIG_ADOPTED: 409,
  // case rules (CASES.md §C.4): who may not (403), what is not held yet (422), the case's order (409)
  CASES_UNSUPPORTED: 501,
  'not-participant': 403,
  'not-handler': 403,
  'not-recipient': 403,
  'unknown-case': 422,
  'unknown-handoff': 422,
  'handler-not-member': 422,
  'after-close': 409,
  'duplicate-receipt': 409,
  'before-accept': 409,
  'accept-twice': 409,
  'no-pause': 409,
  'already-paused': 409,
  'close-before-accept': 409,
  'duplicate-serial': 409,
};

export interface ApiError {
  status: number;
  code: string;
  message: string;
  /** For a duplicate: the id of the record that already stands. */
  standing?: string;
  /** For a bad body: the field that is wrong (`body.class`, `refs`). */
  field?: string;
}

export function apiError(status: number, code: string, message: string): ApiError & Error {
  return Object.assign(new Error(message), { status, code });
}

/** Map any error to a typed body; unknown errors are 500 INTERNAL and logged. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof DomainRefused) return { status: DOMAIN_STATUS[e.rule], code: e.rule, message: e.message, ...(e.standing ? { standing: e.standing } : {}) };
  if (e instanceof RecordRejected) return { status: RULE_STATUS[e.rule] ?? 400, code: e.rule, message: e.message };
  if (e instanceof ProtocolError) return { status: e.code === 'LIMIT_EXCEEDED' ? 413 : 400, code: e.code, message: e.message, ...(e.detail ? { field: e.detail } : {}) };
  if (e instanceof LedgerError) {
    const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'GOVERNANCE' || e.code === 'COSIGN_REFUSED' ? 409 : e.code === 'CLOSED' ? 503 : e.code === 'INVALID_ARGUMENT' ? 400 : 500;
    return { status, code: e.code, message: e.message };
  }
  const x = e as { statusCode?: number; code?: string; status?: number; message?: string; validation?: unknown };
  if (typeof x?.status === 'number' && typeof x.code === 'string') return { status: x.status, code: x.code, message: x.message ?? '' };
  if (x?.validation) {
    // A bad query or path parameter names the parameter: {code: BAD_PARAMETER, message: "parameter from: must be <= …"}.
    const where = (e as { validationContext?: string }).validationContext;
    const first = (x.validation as { instancePath?: string; message?: string; params?: { missingProperty?: string; additionalProperty?: string } }[])[0];
    const unknown = first?.params?.additionalProperty;
    if ((where === 'querystring' || where === 'params') && first) {
      const name = unknown ?? (first.instancePath?.replace(/^\//, '') || first.params?.missingProperty || where);
      return { status: 400, code: 'BAD_PARAMETER', message: unknown ? `parameter ${name}: not a parameter of this route` : `parameter ${name}: ${first.message ?? 'invalid'}` };
    }
    // A bad JSON body names the field too (`field: actor`, a path in the JSON sent), so a caller in another language can fix it.
    const path = first?.instancePath?.replace(/^\//, '').replaceAll('/', '.');
    const field = where === 'body' && first ? (first.params?.missingProperty ?? (unknown ? [path, unknown].filter(Boolean).join('.') : path)) : undefined;
    const message = unknown && field ? `body field ${field}: not a field of this request` : (x.message ?? 'invalid request');
    return { status: 400, code: 'BAD_REQUEST', message, ...(field ? { field } : {}) };
  }
  // Errors of plugins (static files of /docs) that carry a client status keep it.
  if (x?.statusCode === 404 || x?.statusCode === 403) return { status: 404, code: 'NOT_FOUND', message: 'not found' };
  if (x?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'BODY_TOO_LARGE', message: x.message ?? 'body too large' };
  if (x?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: x.message ?? '' };
  if (x?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || x?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (x?.statusCode === 400 && x.code?.startsWith('FST_'))) {
    return { status: 400, code: 'BAD_REQUEST', message: x.message ?? 'bad request' };
  }
  if (x?.statusCode === 429) return { status: 429, code: 'RATE_LIMITED', message: x.message ?? 'too many requests' };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** The body of every error response, for route schemas. */
export const ErrorBody = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    standing: { type: 'string', description: 'for a duplicate (409): id of the record that already stands' },
    field: { type: 'string', description: 'for a bad body (400): the field that is wrong, e.g. body.class' },
  },
} as const;
