import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../../protocol/bytes.js';
import { compareKeys, decodeCanonical, encodeCanonical, type CborMap, type CborValue } from '../../../protocol/cbor.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { encodeRecord, type Record as LedgerRecord } from '../../../protocol/records/record.js';
import { cborMap, cborValue, objectOf } from '../../helpers/arbitraries.js';
import { referenceCompareKeys, referenceEncodeCanonical } from '../../helpers/cbor-reference.js';

/**
 * The one-pass encoder (protocol/cbor-encode.ts) against the encoder before it (test/helpers/cbor-reference.ts:
 * maps sorted into JS Maps, then cbor-x): the same bytes for every value of PROTOCOL.md §2, and the same error, code
 * and message (with its path), for every value outside it.
 */
function outcome(encode: (v: CborValue) => Uint8Array, v: unknown): { hex: string } | { code: string; message: string } {
  try {
    return { hex: toHex(encode(v as CborValue)) };
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return { code: (e as ProtocolError).code, message: (e as ProtocolError).message };
  }
}

function sameAsReference(v: unknown, encode: (v: CborValue) => Uint8Array = encodeCanonical): void {
  expect(outcome(encode, v)).toEqual(outcome(referenceEncodeCanonical, v));
}

/** Whether `s` has no lone surrogate (String.prototype.isWellFormed, outside this project's TS lib). */
const wellFormed = (s: string): boolean => !/\p{Surrogate}/u.test(s);

/** Text without lone surrogates (those the old encoder wrote as invalid UTF-8 below 64 code units: see below). */
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 70 })).filter(wellFormed);
const int = fc.oneof(
  fc.integer({ min: -70000, max: 70000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 31), -(2 ** 31) - 1, -24, -25, -256, -257, -65536, -65537, -0, 2 ** 53 - 1, -(2 ** 53 - 1)),
);
/** Values of §2 with wide integers, long and non-ASCII text and keys, and properties set to undefined. */
const wide: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    int,
    text,
    fc.uint8Array({ maxLength: 300 }),
    fc.constantFrom(true, false, null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(text, fc.constantFrom('a', 'b', 'aa', '10', '9', '__proto__', 'é', '')), fc.option(tie('v'), { nil: undefined, freq: 6 })), { maxLength: 6, selector: ([k]) => k })
      .map((e) => objectOf(e)),
  ),
})).v;
/** Values outside §2 anywhere in a tree: floats, unsafe integers, undefined in arrays, BigInt, Maps, class instances, functions. */
const forbidden = fc.constantFrom<unknown>(1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53), 1n, new Map(), new Date(0), () => 1, Symbol('s'), new Uint16Array(2), [undefined], { a: [1, { b: 0.5 }] });
const withForbidden = fc.tuple(wide, forbidden, fc.array(fc.oneof(fc.nat(5), fc.constantFrom('x', 'aa', 'é')), { maxLength: 4 })).map(([v, bad, path]) => {
  let tree: unknown = bad;
  for (const p of path)
    tree =
      typeof p === 'number'
        ? [...Array.from({ length: p }, () => v), tree]
        : objectOf([
            [p, tree],
            ['k', v],
          ]);
  return tree;
});

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const actor = cborMap({ id: fc.constantFrom('clerk', 'a.b', 'x'), nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }), at: int, sig: fc.uint8Array({ minLength: 64, maxLength: 64 }) });
/** Records as the append path builds them, and near-records: fields missing, of other types, extra ones, an actor of any shape. */
const record = cborMap({
  v: fc.constant(1),
  net: hash,
  author: fc.constantFrom('bj-haidian', 'sh-pudong'),
  seq: fc.nat(),
  prev: hash,
  epoch: fc.nat(3),
  ts: fc.maxSafeNat(),
  kind: fc.constantFrom('doc.register', 'org.actor', 'case.open'),
  body: cborValue(['doc', 'type', 'title']),
  refs: fc.array(hash, { minLength: 1, maxLength: 3 }),
  actor: fc.oneof(actor, cborValue()),
});

describe('one-pass canonical CBOR encoder', () => {
  it('writes the bytes the previous encoder wrote, for every value of §2', () => {
    fc.assert(
      fc.property(wide, (v) => sameAsReference(v)),
      { numRuns: 4000 },
    );
    fc.assert(
      fc.property(cborValue(), (v) => sameAsReference(v)),
      { numRuns: 3000 },
    );
  });

  it('refuses what the previous encoder refused, with the same error and path', () => {
    fc.assert(
      fc.property(withForbidden, (v) => sameAsReference(v)),
      { numRuns: 2000 },
    );
    let deep: unknown = 1;
    for (let i = 0; i < 33; i++) deep = i % 2 ? [deep] : { k: deep };
    sameAsReference(deep);
    expect(outcome(encodeCanonical, deep)).toMatchObject({ code: 'CBOR_FORBIDDEN' });
  });

  it('writes a record, shaped or not, as encodeCanonical does', () => {
    fc.assert(
      fc.property(record, (r) => {
        sameAsReference(r, (x) => encodeRecord(x as unknown as LedgerRecord));
        expect(outcome((x) => encodeRecord(x as unknown as LedgerRecord), r)).toEqual(outcome(encodeCanonical, r));
      }),
      { numRuns: 3000 },
    );
    // A record as OwnLog.build makes it (fields in JS order, not canonical), with and without prev, refs and actor.
    const r: CborMap = {
      v: 1,
      net: new Uint8Array(32).fill(1),
      author: 'bj-haidian',
      seq: 7,
      epoch: 0,
      ts: 1764400000000,
      kind: 'doc.register',
      body: { doc: new Uint8Array(32), title: 'x', class: 'internal' },
    };
    sameAsReference(r, (x) => encodeRecord(x as unknown as LedgerRecord));
    const full = { ...r, actor: { id: 'clerk', nonce: new Uint8Array(16), at: 1764400000001, sig: new Uint8Array(64) }, refs: [new Uint8Array(32)], prev: new Uint8Array(32).fill(2) };
    sameAsReference(full, (x) => encodeRecord(x as unknown as LedgerRecord));
    expect(decodeCanonical(encodeRecord(full as unknown as LedgerRecord))).toEqual(full);
  });

  it('orders keys as the previous comparison did', () => {
    fc.assert(
      fc.property(text, text, (a, b) => Math.sign(compareKeys(a, b)) === Math.sign(referenceCompareKeys(a, b))),
      { numRuns: 3000 },
    );
  });

  it('writes a lone surrogate as U+FFFD (as TextEncoder does): valid UTF-8, where the old encoder wrote invalid bytes for short text', () => {
    expect(toHex(encodeCanonical('a\ud800'))).toBe('6461efbfbd');
    expect(decodeCanonical(encodeCanonical('a\ud800'))).toBe('a\ufffd');
    const long = `${'x'.repeat(70)}\udc00`;
    expect(encodeCanonical(long)).toEqual(referenceEncodeCanonical(long));
  });

  it('refuses a hole in an array (undefined), which the old encoder wrote as the forbidden simple value 0xf7', () => {
    expect(outcome(encodeCanonical, new Array(3).fill(1, 0, 1).fill(2, 2) as CborValue)).toEqual({ code: 'CBOR_FORBIDDEN', message: '$[1]: undefined cannot be encoded' });
  });

  it('reuses its buffer safely: large values, values after an error, an encoding made from a getter', () => {
    const big = new Uint8Array(3 << 20).fill(5);
    expect(equalBytes(encodeCanonical([big, 'x']), referenceEncodeCanonical([big, 'x']))).toBe(true);
    expect(() => encodeCanonical({ a: [1, 0.5] })).toThrow(ProtocolError);
    expect(toHex(encodeCanonical({ a: 1 }))).toBe('a1616101');
    const inner = { n: 1 };
    const outer = {
      get a() {
        return encodeCanonical(inner);
      },
      b: 'after',
    };
    expect(encodeCanonical(outer as unknown as CborValue)).toEqual(referenceEncodeCanonical({ a: referenceEncodeCanonical(inner), b: 'after' }));
  });
});
