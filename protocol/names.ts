import { fail } from './errors.js';
import { PROVINCES } from './regions.js';

/** Name patterns (§3), once: the checks below, error messages and the HTTP/config schemas use these. */
export const CONSORTIUM_PATTERN = '^[a-z0-9][a-z0-9.-]{1,62}$';
export const MEMBER_ID_PATTERN = '^[a-z][a-z0-9-]{1,62}$';
/** Actor ids (officials): dotted lowercase names such as `li.na`. */
export const ACTOR_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
const CONSORTIUM_RE = new RegExp(CONSORTIUM_PATTERN);
const MEMBER_RE = new RegExp(MEMBER_ID_PATTERN);
const ACTOR_RE = new RegExp(ACTOR_ID_PATTERN);
const REGION_RE = /^[0-9]{6}$/;

export function isConsortiumName(s: unknown): s is string {
  return typeof s === 'string' && CONSORTIUM_RE.test(s) && s !== 'cosignature';
}

export function isMemberId(s: unknown): s is string {
  return typeof s === 'string' && MEMBER_RE.test(s);
}

export function isActorId(s: unknown): s is string {
  return typeof s === 'string' && ACTOR_RE.test(s);
}

/**
 * A GB/T 2260 administrative division code: six digits whose first two name
 * a provincial-level division. (The full county table is not shipped; the
 * province prefix catches typos and codes from other schemes.)
 */
export function isRegionCode(s: unknown): s is string {
  return typeof s === 'string' && REGION_RE.test(s) && PROVINCES.some((p) => p.code.slice(0, 2) === s.slice(0, 2));
}

export function checkConsortiumName(s: unknown, field = 'consortium'): string {
  if (!isConsortiumName(s)) fail('NAME_INVALID', `${field}: must match ${CONSORTIUM_PATTERN} and not be "cosignature"`, field);
  return s;
}

export function checkMemberId(s: unknown, field = 'id'): string {
  if (!isMemberId(s)) fail('NAME_INVALID', `${field}: member id must match ${MEMBER_ID_PATTERN}`, field);
  return s;
}

export function checkActorId(s: unknown, field = 'actor'): string {
  if (!isActorId(s)) fail('NAME_INVALID', `${field}: actor id must match ${ACTOR_ID_PATTERN}`, field);
  return s;
}

export function checkRegionCode(s: unknown, field = 'region'): string {
  if (!isRegionCode(s)) fail('NAME_INVALID', `${field}: must be a six-digit GB/T 2260 code of a known province`, field);
  return s;
}

/** `<consortium>/<id>`: both the log origin and the key name of a member. */
export function originOf(consortium: string, memberId: string): string {
  return `${consortium}/${memberId}`;
}
