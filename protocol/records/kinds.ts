import { utf8Length } from '../bytes.js';
import { encodeCanonical, isMap, type CborMap } from '../cbor.js';
import { checkEnrollableKey } from '../crypto.js';
import { ProtocolError } from '../errors.js';
import { isActorId, isMemberId } from '../names.js';
import { CASE_KINDS, checkCaseBody, isCaseKind, type STEPS } from '../cases/schema.js';

/** Actor roles (§5.2, §5.3), in their sorted order. The case roles request the case.* kinds (CASES.md §C.2). */
export type ActorRole = 'admin' | 'approver' | 'caseworker' | 'registrar' | 'supervisor';
export const ACTOR_ROLES: readonly ActorRole[] = ['admin', 'approver', 'caseworker', 'registrar', 'supervisor'];

export const KINDS = ['org.actor', 'doc.register', 'doc.approve', 'doc.revoke', 'doc.share', 'doc.access', 'gov.propose', 'gov.approve', 'evidence.fork', ...CASE_KINDS] as const;
export type Kind = (typeof KINDS)[number];

export function isKnownKind(k: string): k is Kind {
  return (KINDS as readonly string[]).includes(k);
}

/** Which actor role may request a kind; `any` = any active actor; `node` = only the node itself; `step` = the role of its step (STEP_ROLE). */
export const KIND_ROLE: Record<Kind, ActorRole | 'any' | 'node' | 'step'> = {
  'org.actor': 'admin',
  'gov.propose': 'admin',
  'gov.approve': 'admin',
  'doc.register': 'registrar',
  'doc.revoke': 'registrar',
  'doc.share': 'registrar',
  'doc.approve': 'approver',
  'doc.access': 'any',
  'evidence.fork': 'node',
  // CASES.md §C.2
  'case.open': 'caseworker',
  'case.handoff': 'caseworker',
  'case.receipt': 'caseworker',
  'case.accept': 'caseworker',
  'case.clock': 'approver',
  'case.step': 'step',
  'case.close': 'approver',
  'case.deliver': 'caseworker',
  'case.evaluate': 'caseworker',
  'case.supervise': 'supervisor',
};

/** The role each `case.step` step needs (§C.2): undertaking is the caseworker's, review and approval the approver's. */
export const STEP_ROLE: Record<(typeof STEPS)[number], ActorRole> = { undertake: 'caseworker', review: 'approver', approve: 'approver' };

/**
 * The role an actor needs to request `kind` with `body` (§5.3, §C.2), or
 * `any`/`node`; undefined for unknown kinds (opaque) and for a step whose
 * body names no known step (the schema refuses it).
 */
export function roleNeeded(kind: string, body?: CborMap): ActorRole | 'any' | 'node' | undefined {
  if (!isKnownKind(kind)) return undefined;
  const need = KIND_ROLE[kind];
  if (need !== 'step') return need;
  const step = body?.step;
  return typeof step === 'string' && Object.hasOwn(STEP_ROLE, step) ? STEP_ROLE[step as keyof typeof STEP_ROLE] : undefined;
}

export const DOC_CLASSES = ['public', 'internal', 'restricted'] as const;
export const MAX_META_BYTES = 4 * 1024;
const MAX_TEXT = 1024;

export interface OrgActorBody {
  id: string;
  key: Uint8Array;
  roles: ActorRole[];
  active: boolean;
  /** Id of the org.actor in force for `id` that this one replaces (disable, enable, rotate); absent when enrolling a new id (§5.2, extension). */
  prev?: Uint8Array;
}
export interface DocRegisterBody {
  doc: Uint8Array;
  type: string;
  title?: string;
  class: (typeof DOC_CLASSES)[number];
  owner?: string;
  meta?: CborMap;
}
export interface DocApproveBody {
  doc: Uint8Array;
  decision: 'approve' | 'reject';
  role: string;
  reason?: string;
}
export interface DocRevokeBody {
  doc: Uint8Array;
  reason: string;
}
export interface DocShareBody {
  doc: Uint8Array;
  to: string;
  purpose: string;
  until?: number;
}
export interface DocAccessBody {
  doc: Uint8Array;
  purpose: string;
}
export interface GovProposeBody {
  config: Uint8Array;
}
export interface GovApproveBody {
  config: Uint8Array;
  sig: Uint8Array;
}
export interface EvidenceForkBody {
  a: Uint8Array;
  b: Uint8Array;
}

function bad(kind: string, field: string, expected: string): never {
  throw new ProtocolError('BODY_INVALID', `${kind} body.${field}: expected ${expected}`, `body.${field}`);
}

type Field = { name: string; required: boolean; check: (v: unknown) => boolean; expected: string };

const bytesN = (n: number) => (v: unknown) => v instanceof Uint8Array && v.length === n;
const text =
  (max = MAX_TEXT) =>
  (v: unknown) =>
    typeof v === 'string' && v.length > 0 && utf8Length(v) <= max;
const f = (name: string, required: boolean, check: Field['check'], expected: string): Field => ({ name, required, check, expected });
const DOC = f('doc', true, bytesN(32), 'the 32-byte SHA-256 of the document');

const SCHEMAS: Record<Exclude<Kind, (typeof CASE_KINDS)[number]>, Field[]> = {
  'org.actor': [
    f('id', true, isActorId, 'an actor id'),
    f('key', true, bytesN(32), 'a 32-byte Ed25519 public key'),
    f(
      'roles',
      true,
      (v) => Array.isArray(v) && v.every((r, i) => ACTOR_ROLES.includes(r as ActorRole) && (i === 0 || (v[i - 1] as string) < (r as string))),
      `sorted unique roles among ${ACTOR_ROLES.join(', ')}`,
    ),
    f('active', true, (v) => typeof v === 'boolean', 'true or false'),
    f('prev', false, bytesN(32), 'the 32-byte id of the org.actor it replaces'),
  ],
  'doc.register': [
    DOC,
    f('type', true, text(128), 'a document type of at most 128 bytes'),
    f('title', false, text(), 'a title of at most 1024 bytes'),
    f('class', true, (v) => DOC_CLASSES.includes(v as never), '"public", "internal" or "restricted"'),
    f('owner', false, isMemberId, 'a member id'),
    f('meta', false, isMap, 'a map'),
  ],
  'doc.approve': [
    DOC,
    f('decision', true, (v) => v === 'approve' || v === 'reject', '"approve" or "reject"'),
    f('role', true, text(128), 'the step name (review, approval, supervision…)'),
    f('reason', false, text(), 'a reason of at most 1024 bytes'),
  ],
  'doc.revoke': [DOC, f('reason', true, text(), 'a reason of at most 1024 bytes')],
  'doc.share': [
    DOC,
    f('to', true, isMemberId, 'a member id'),
    f('purpose', true, text(), 'a purpose of at most 1024 bytes'),
    f('until', false, (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'a time in ms'),
  ],
  'doc.access': [DOC, f('purpose', true, text(), 'a purpose of at most 1024 bytes')],
  'gov.propose': [f('config', true, (v) => v instanceof Uint8Array && v.length > 0, 'proposed config bytes')],
  'gov.approve': [f('config', true, bytesN(32), 'a 32-byte config id'), f('sig', true, bytesN(64), 'a 64-byte signature')],
  'evidence.fork': [
    f('a', true, (v) => v instanceof Uint8Array && v.length > 0, 'the first conflicting item'),
    f('b', true, (v) => v instanceof Uint8Array && v.length > 0, 'the second conflicting item'),
  ],
};

/**
 * Check a body against its kind's schema (§5.2), limits first. Unknown kinds
 * are opaque: any map is accepted (peers keep them, contiguous).
 */
export function checkBody(kind: string, body: CborMap, refs: Uint8Array[] | undefined): void {
  if (!isKnownKind(kind)) return;
  if (isCaseKind(kind)) return checkCaseBody(kind, body, refs);
  const schema = SCHEMAS[kind];
  for (const k of Object.keys(body)) if (!schema.some((x) => x.name === k)) bad(kind, k, 'no such field');
  for (const field of schema) {
    const v = body[field.name];
    if (v === undefined) {
      if (field.required) bad(kind, field.name, field.expected);
      continue;
    }
    if (field.name === 'meta' && encodeCanonical(v).length > MAX_META_BYTES) {
      throw new ProtocolError('LIMIT_EXCEEDED', `${kind} body.meta exceeds ${MAX_META_BYTES} bytes`, 'body.meta');
    }
    if (!field.check(v)) bad(kind, field.name, field.expected);
  }
  if (kind === 'org.actor') {
    try {
      checkEnrollableKey(body.key as Uint8Array, 'body.key');
    } catch (e) {
      bad(kind, 'key', `an enrollable Ed25519 key (${(e as Error).message})`);
    }
  }
  if (kind === 'doc.register' && body.class === 'restricted' && (body.title !== undefined || body.meta !== undefined)) {
    bad(kind, 'class', 'no title or meta on a restricted document');
  }
  if ((kind === 'doc.approve' || kind === 'doc.revoke') && (!refs || refs.length === 0)) {
    throw new ProtocolError('BODY_INVALID', `${kind}: refs must hold the id of the doc.register record`, 'refs');
  }
}
