import { Decoder } from 'cbor-x';
import { decodeStrict, type CborMap, type CborValue } from './cbor-decode.js';
import { encodeCanonicalValue } from './cbor-encode.js';
import { fail } from './errors.js';

/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding) restricted to
 * the types of PROTOCOL.md §2: integers with |n| < 2^53, byte strings, text,
 * arrays, maps with text keys, true, false, null. Encoding is one pass
 * (cbor-encode.ts); decoding (cbor-decode.ts) accepts exactly what
 * re-encodes to the same bytes, so every non-canonical or forbidden input is
 * rejected.
 */
export type { CborMap, CborValue } from './cbor-decode.js';
export { compareKeys } from './cbor-encode.js';

const decoder = new Decoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  int64AsType: 'number',
} as ConstructorParameters<typeof Decoder>[0]);

/** Encode a value in canonical form. Object properties set to undefined are omitted. */
export function encodeCanonical(value: CborValue): Uint8Array {
  return encodeCanonicalValue(value);
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
