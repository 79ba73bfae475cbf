import { fromHex, toHex } from '../bytes.js';
import type { CborMap, CborValue } from '../cbor.js';
import { ProtocolError } from '../errors.js';
import type { Kind } from './kinds.js';

/**
 * The JSON form of record bodies (POST /v1/requests/prepare, record reads):
 * JSON has no byte strings, so each byte field of a known kind is written as
 * lowercase hex. These are the byte fields, as paths: `a.b` a field of a map,
 * `a[]` every element of an array. Everything else maps one to one (text,
 * integers, booleans, arrays, maps). Unknown kinds have no byte fields.
 */
export const BYTE_FIELDS: Record<Kind, readonly string[]> = {
  'org.actor': ['key'],
  'doc.register': ['doc'],
  'doc.approve': ['doc'],
  'doc.revoke': ['doc'],
  'doc.share': ['doc'],
  'doc.access': ['doc'],
  'gov.propose': ['config'],
  'gov.approve': ['config', 'sig'],
  'evidence.fork': ['a', 'b'],
  'case.open': ['applicant', 'materials[].doc'],
  'case.handoff': ['materials[]'],
  'case.receipt': ['missing[]'],
  'case.accept': [],
  'case.clock': [],
  'case.step': [],
  'case.close': ['doc'],
  'case.deliver': [],
  'case.evaluate': [],
  'case.supervise': [],
};

function bad(kind: string, path: string, expected: string): never {
  const field = path ? `body.${path}` : 'body';
  throw new ProtocolError('BODY_INVALID', `${kind} ${field}: expected ${expected}`, field);
}

/** Plain JSON (no floats, no undefined) as a CBOR value; `at` names the place for errors. */
function plainValue(kind: string, v: unknown, at: string): CborValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) bad(kind, at, 'an integer (the formats have no fractions)');
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => plainValue(kind, x, `${at}[${i}]`));
  if (typeof v === 'object') {
    const out: CborMap = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = plainValue(kind, x, at ? `${at}.${k}` : k);
    return out;
  }
  return bad(kind, at, 'a JSON value');
}

/** Replace the hex text at `path` (relative to `v`) by bytes, in place. */
function hexAt(kind: string, v: CborValue | undefined, path: string[], at: string, set: (b: Uint8Array) => void): void {
  if (v === undefined) return; // absent optional field: the body check says whether it was needed
  if (path.length === 0) {
    if (typeof v !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(v)) bad(kind, at, 'lowercase hex (a byte string)');
    set(fromHex(v));
    return;
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (head.endsWith('[]')) {
    const name = head.slice(0, -2);
    const arr = name ? (v as CborMap)[name] : v;
    const here = name ? (at ? `${at}.${name}` : name) : at;
    if (arr === undefined) return;
    if (!Array.isArray(arr)) bad(kind, here, 'an array');
    arr.forEach((x, i) => {
      hexAt(kind, x, rest, `${here}[${i}]`, (b) => {
        arr[i] = b;
      });
    });
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) bad(kind, at, 'a map');
  const m = v as CborMap;
  hexAt(kind, m[head], rest, at ? `${at}.${head}` : head, (b) => {
    m[head] = b;
  });
}

/**
 * A body in its JSON form as the CBOR map the record carries: byte fields
 * from hex. Throws ProtocolError BODY_INVALID naming the field; the kind's
 * schema (checkBody) is checked separately.
 */
export function bodyFromJson(kind: string, json: unknown): CborMap {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad(kind, '', 'a map');
  const body = plainValue(kind, json, '') as CborMap;
  for (const path of (BYTE_FIELDS as Record<string, readonly string[]>)[kind] ?? []) {
    hexAt(kind, body, path.split('.'), '', () => undefined);
  }
  return body;
}

/** A decoded CBOR value as JSON: byte strings become lowercase hex (the inverse of bodyFromJson for known kinds). */
export function cborToJson(v: CborValue | undefined): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(cborToJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = cborToJson(x);
    return out;
  }
  return v;
}
