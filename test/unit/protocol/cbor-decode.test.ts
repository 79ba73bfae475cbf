import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, fromHex } from '../../../protocol/bytes.js';
import { decodeCanonical, encodeCanonical, type CborMap, type CborValue } from '../../../protocol/cbor.js';
import { ProtocolError } from '../../../protocol/errors.js';

/**
 * The rule as PROTOCOL.md §2 states it, done the long way (the decoder
 * before issue 16): decode with cbor-x, refuse types outside §2, re-encode
 * canonically and compare bytes. The one-pass decoder must accept exactly
 * what this accepts, with the same value.
 */
const cborx = new Decoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, int64AsType: 'number' } as ConstructorParameters<typeof Decoder>[0]);
function allowed(v: unknown, depth: number): CborValue {
  if (depth > 32) throw new Error('deep');
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) throw new Error('number');
    return v;
  }
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('bigint');
    return Number(v);
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map((x) => allowed(x, depth + 1));
  if (typeof v === 'object' && v.constructor === Object) {
    const out: CborMap = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: allowed((v as CborMap)[k], depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  throw new Error('type');
}
function byReencoding(bytes: Uint8Array): { ok: true; value: CborValue } | { ok: false } {
  try {
    const value = allowed(cborx.decode(bytes), 0);
    return equalBytes(encodeCanonical(value), bytes) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}
function onePass(bytes: Uint8Array): { ok: true; value: CborValue } | { ok: false; code: string } {
  try {
    return { ok: true, value: decodeCanonical(bytes) };
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return { ok: false, code: (e as ProtocolError).code };
  }
}
function agree(bytes: Uint8Array): void {
  const want = byReencoding(bytes);
  const got = onePass(bytes);
  expect({ hex: Buffer.from(bytes).toString('hex'), ok: got.ok }).toEqual({ hex: Buffer.from(bytes).toString('hex'), ok: want.ok });
  if (want.ok && got.ok) expect(got.value).toEqual(want.value);
  if (!got.ok) expect(['CBOR_INVALID', 'CBOR_NONCANONICAL', 'CBOR_FORBIDDEN']).toContain(got.code);
}

const value: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.integer({ min: -70000, max: 70000 }),
      fc.maxSafeInteger(),
      fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
    ),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(true, false, null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** Small edits of a valid encoding: a byte changed, inserted or removed, or the end cut off. */
const edited = fc.tuple(value, fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete', 'cut')).map(([v, at, byte, how]) => {
  const b = encodeCanonical(v);
  const i = at % b.length;
  if (how === 'set') return Uint8Array.from(b, (x, j) => (j === i ? byte : x));
  if (how === 'insert') return Uint8Array.from([...b.subarray(0, i), byte, ...b.subarray(i)]);
  if (how === 'delete') return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
  return b.subarray(0, i);
});

describe('one-pass canonical CBOR decoder (issue 16) against decode, re-encode and compare', () => {
  it('decodes every canonical encoding to the value encoded', () => {
    fc.assert(
      fc.property(value, (v) => agree(encodeCanonical(v))),
      { numRuns: 3000 },
    );
  });

  it('accepts and refuses exactly the same edited encodings', () => {
    fc.assert(
      fc.property(edited, (b) => b.length === 0 || agree(b)),
      { numRuns: 20000 },
    );
  });

  it('agrees on the cases a byte edit rarely reaches', () => {
    for (const hex of [
      'a1695f5f70726f746f5f5f01', // key __proto__
      'a26161016161 02'.replace(' ', ''), // repeated key
      'a2616201616101', // keys out of order
      'a2626161016162 02'.replace(' ', ''), // longer key first
      '9f00ff', // indefinite array
      '5f41004100ff', // indefinite bytes
      'd8404100', // tag 64 around bytes
      'c11a5f000000', // tag 1 (date)
      'f93c00', // float16 1.0
      'f97e00', // float16 NaN
      'fb3ff8000000000000', // float64 1.5
      'fa47800000', // float32 65536
      'f7', // undefined
      'f0', // simple 16
      'f820', // simple 32
      '1b0020000000000000', // 2^53
      '1b001fffffffffffff', // 2^53 - 1
      '3b001ffffffffffffe', // -(2^53 - 1)
      '3b001fffffffffffff', // -(2^53)
      '1b00000000ffffffff', // 2^32 - 1 in 8 bytes
      '1a00010000', // 65536
      '1900ff', // 255 in 2 bytes
      '63efbbbf', // BOM
      '62c080', // overlong NUL
      '63eda080', // surrogate
      'a10102', // integer key
      'a1410102', // bytes key
      '0000', // trailing
      '7f6161ff', // indefinite text
      '1c', // reserved additional info
      'ff', // lone break
      `${'81'.repeat(32)}00`, // depth 32
      `${'81'.repeat(33)}00`, // depth 33
      `${'a16161'.repeat(33)}00`, // maps nested 33 deep
    ]) {
      agree(fromHex(hex));
    }
  });

  it('returns byte strings as copies, not views of the input', () => {
    const input = encodeCanonical({ a: new Uint8Array([1, 2, 3]) });
    const out = decodeCanonical(input) as { a: Uint8Array };
    expect(out.a.buffer).not.toBe(input.buffer);
    expect(out.a.byteLength).toBe(out.a.buffer.byteLength);
  });
});
