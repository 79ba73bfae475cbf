import { Decoder, Encoder } from 'cbor-x';
import { compareBytes, plain, utf8 } from './bytes.js';
import { decodeStrict, type CborMap, type CborValue } from './cbor-decode.js';
import { fail } from './errors.js';

/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding) restricted to
 * the types of PROTOCOL.md §2: integers with |n| < 2^53, byte strings, text,
 * arrays, maps with text keys, true, false, null.
 *
 * cbor-x writes the right bytes once (a) map keys are inserted in canonical
 * order and (b) integers >= 2^32 are handed over as BigInt (as numbers it
 * would write float64). Decoding (cbor-decode.ts) accepts exactly what
 * re-encodes to the same bytes, so every non-canonical or forbidden input is
 * rejected.
 */
export type { CborMap, CborValue } from './cbor-decode.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const MAX_DEPTH = 32;

const encoder = new Encoder({
  useRecords: false,
  tagUint8Array: false,
  // Maps are handed over as Map (so integer-like keys keep canonical order);
  // with mapsAsObjects:true cbor-x would tag them 259.
  mapsAsObjects: false,
  variableMapSize: true,
  pack: false,
  bundleStrings: false,
  useFloat32: 0,
} as ConstructorParameters<typeof Encoder>[0]);

const decoder = new Decoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  int64AsType: 'number',
} as ConstructorParameters<typeof Decoder>[0]);

const ASCII = /^[\x00-\x7f]*$/;

/** Canonical order of text keys: by UTF-8 length, then bytewise. */
export function compareKeys(a: string, b: string): number {
  // Schema keys are ASCII: there UTF-16 length and order equal UTF-8's, with no encoding.
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const ab = utf8(a);
  const bb = utf8(b);
  return ab.length - bb.length || compareBytes(ab, bb);
}

function prepare(v: unknown, depth: number, path: string): unknown {
  if (depth > MAX_DEPTH) fail('CBOR_FORBIDDEN', `${path}: nested too deep`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > MAX_SAFE) fail('CBOR_FORBIDDEN', `${path}: only integers with |n| < 2^53 are allowed`);
    if (Object.is(v, -0)) return 0;
    return v >= 2 ** 32 || v < -(2 ** 32) ? BigInt(v) : v;
  }
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => prepare(x, depth + 1, `${path}[${i}]`));
  if ((typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) || (typeof v === 'object' && Object.getPrototypeOf(v) === null)) {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    keys.sort(compareKeys);
    const m = new Map<string, unknown>();
    for (const k of keys) m.set(k, prepare((v as Record<string, unknown>)[k], depth + 1, `${path}.${k}`));
    return m;
  }
  return fail('CBOR_FORBIDDEN', `${path}: ${v === undefined ? 'undefined' : typeof v} cannot be encoded`);
}

/** Encode a value in canonical form. Object properties set to undefined are omitted. */
export function encodeCanonical(value: CborValue): Uint8Array {
  const prepared = prepare(value, 0, '$');
  return plain(encoder.encode(prepared));
}

/** Byte size at which decoding refuses to start (callers pass their own, smaller, limits). */
export const CBOR_HARD_LIMIT = 16 * 1024 * 1024;

/**
 * Strict decode: rejects malformed, trailing, non-canonical and forbidden
 * input with a typed error. The input is never modified.
 */
export function decodeCanonical(bytes: Uint8Array, maxBytes = CBOR_HARD_LIMIT): CborValue {
  if (!(bytes instanceof Uint8Array)) fail('CBOR_INVALID', 'input is not bytes');
  if (bytes.length > maxBytes) fail('LIMIT_EXCEEDED', `CBOR input of ${bytes.length} bytes exceeds ${maxBytes}`);
  if (bytes.length === 0) fail('CBOR_INVALID', 'empty input');
  return decodeStrict(bytes);
}

/**
 * Decode bytes this program encoded itself and can rebuild (a derived index
 * read in bulk), without the canonical re-encoding (ten times the decode) or
 * the type walk: the caller checks the shape of what it reads. Byte strings
 * may come back as Buffer views (`plain` them).
 */
export function decodeOwn(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) fail('CBOR_INVALID', 'empty input');
  try {
    return decoder.decode(bytes);
  } catch (e) {
    return fail('CBOR_INVALID', `malformed CBOR: ${(e as Error)?.message ?? String(e)}`);
  }
}

export function isMap(v: unknown): v is CborMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
