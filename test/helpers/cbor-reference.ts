import { Encoder } from 'cbor-x';
import { compareBytes, plain, utf8 } from '../../protocol/bytes.js';
import type { CborValue } from '../../protocol/cbor.js';
import { fail } from '../../protocol/errors.js';

/**
 * The canonical encoder as it was before protocol/cbor-encode.ts (issue 16): maps copied into JS Maps with keys in
 * canonical order, integers >= 2^32 as BigInt, then cbor-x. Kept here only as the reference the one-pass encoder is
 * compared with.
 */
const encoder = new Encoder({
  useRecords: false,
  tagUint8Array: false,
  mapsAsObjects: false,
  variableMapSize: true,
  pack: false,
  bundleStrings: false,
  useFloat32: 0,
} as ConstructorParameters<typeof Encoder>[0]);

const ASCII = /^[\x00-\x7f]*$/;

export function referenceCompareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const ab = utf8(a);
  const bb = utf8(b);
  return ab.length - bb.length || compareBytes(ab, bb);
}

function prepare(v: unknown, depth: number, path: string): unknown {
  if (depth > 32) fail('CBOR_FORBIDDEN', `${path}: nested too deep`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) fail('CBOR_FORBIDDEN', `${path}: only integers with |n| < 2^53 are allowed`);
    if (Object.is(v, -0)) return 0;
    return v >= 2 ** 32 || v < -(2 ** 32) ? BigInt(v) : v;
  }
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => prepare(x, depth + 1, `${path}[${i}]`));
  if ((typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) || (typeof v === 'object' && Object.getPrototypeOf(v) === null)) {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    keys.sort(referenceCompareKeys);
    const m = new Map<string, unknown>();
    for (const k of keys) m.set(k, prepare((v as Record<string, unknown>)[k], depth + 1, `${path}.${k}`));
    return m;
  }
  return fail('CBOR_FORBIDDEN', `${path}: ${v === undefined ? 'undefined' : typeof v} cannot be encoded`);
}

export function referenceEncodeCanonical(value: CborValue): Uint8Array {
  return plain(encoder.encode(prepare(value, 0, '$')));
}
