import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeCanonical, encodeCanonical, type CborValue } from '../../../protocol/cbor.js';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { ProtocolError } from '../../../protocol/errors.js';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/vectors/cbor.json', import.meta.url), 'utf8'));

function fromJson(v: unknown): CborValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return fromHex(o.$bytes);
    const out: Record<string, CborValue> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromJson(x);
    return out;
  }
  return v as CborValue;
}

describe('canonical CBOR vectors', () => {
  for (const t of vectors.valid) {
    it(`encodes ${t.name}`, () => {
      expect(toHex(encodeCanonical(fromJson(t.value)))).toBe(t.hex);
    });
    it(`decodes ${t.name}`, () => {
      const v = decodeCanonical(fromHex(t.hex));
      expect(v).toEqual(fromJson(t.value));
    });
  }
  for (const t of vectors.invalid) {
    it(`rejects ${t.name}`, () => {
      let err: unknown;
      try {
        decodeCanonical(fromHex(t.hex));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect(['CBOR_INVALID', 'CBOR_NONCANONICAL', 'CBOR_FORBIDDEN', 'LIMIT_EXCEEDED']).toContain((err as ProtocolError).code);
    });
  }
});

describe('canonical CBOR encoder', () => {
  it('sorts integer-like keys canonically, not in JS object order', () => {
    const b = encodeCanonical({ '10': 1, '9': 2, a: 3 });
    expect(toHex(b)).toBe('a361390261610362313001');
    expect(decodeCanonical(b)).toEqual({ '9': 2, a: 3, '10': 1 });
  });
  it('refuses floats, undefined in arrays and unsafe integers', () => {
    expect(() => encodeCanonical(1.5)).toThrow(ProtocolError);
    expect(() => encodeCanonical([undefined as unknown as CborValue])).toThrow(ProtocolError);
    expect(() => encodeCanonical(2 ** 53)).toThrow(ProtocolError);
  });
  it('omits properties set to undefined', () => {
    expect(toHex(encodeCanonical({ a: 1, b: undefined }))).toBe('a1616101');
  });
  it('encodes negative integers beyond 2^32', () => {
    const b = encodeCanonical(-(2 ** 40));
    expect(decodeCanonical(b)).toBe(-(2 ** 40));
  });
});
