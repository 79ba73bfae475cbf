import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { decodeCanonical } from '../../../protocol/cbor.js';
import { decodeEnvelope, decodeRecord, MAX_ENVELOPE_BYTES } from '../../../protocol/records/record.js';
import { cv, envelopes } from './consortium-helpers.js';

/** The envelope rule done the general way: strict decode of the whole item, then its shape, then the record. */
function reference(bytes: Uint8Array): string {
  try {
    if (bytes.length > MAX_ENVELOPE_BYTES) return 'LIMIT_EXCEEDED';
    let v;
    try {
      v = decodeCanonical(bytes, MAX_ENVELOPE_BYTES);
    } catch {
      return 'ENVELOPE_INVALID';
    }
    if (!Array.isArray(v) || v.length !== 2 || !(v[0] instanceof Uint8Array) || !(v[1] instanceof Uint8Array) || v[1].length !== 64) return 'ENVELOPE_INVALID';
    try {
      decodeRecord(v[0]);
    } catch (e) {
      const code = (e as { code: string }).code;
      return code === 'LIMIT_EXCEEDED' ? code : 'RECORD_INVALID';
    }
    return `${toHex(v[0])}/${toHex(v[1])}`;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

function actual(bytes: Uint8Array): string {
  try {
    const env = decodeEnvelope(bytes);
    return `${toHex(env.recordBytes)}/${toHex(env.sig)}`;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

const all = Object.keys(cv.logs).flatMap((a) => envelopes(a).map((e) => e.bytes));

describe('decodeEnvelope', () => {
  it('decodes every vector envelope as the general decoder does', () => {
    for (const b of all) expect(actual(b)).toBe(reference(b));
  });

  it('accepts and refuses exactly what the general decoder does, for edited envelopes', () => {
    const edited = fc.tuple(fc.constantFrom(...all), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), fc.integer({ min: -2, max: 2 })).map(([b, edits, grow]) => {
      const out = new Uint8Array(Math.max(0, b.length + grow));
      out.set(b.subarray(0, out.length));
      // Mostly the heads: the first bytes and the signature's head.
      for (const [at, v] of edits) if (out.length > 0) out[at % 4 === 0 ? at % Math.min(4, out.length) : at % 3 === 0 ? Math.max(0, out.length - 66) : at % out.length] = v;
      return out;
    });
    fc.assert(
      fc.property(edited, (b) => {
        expect(actual(b)).toBe(reference(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a record-length head that is not the shortest', () => {
    const b = all[0]!;
    const n = b[1]! === 0x59 ? (b[2]! << 8) | b[3]! : b[2]!;
    const longer = new Uint8Array(b.length + (b[1] === 0x58 ? 1 : 0));
    longer.set([0x82, 0x59, n >> 8, n & 255]);
    longer.set(b.subarray(b[1] === 0x58 ? 3 : 4), 4);
    expect(actual(longer)).toBe('ENVELOPE_INVALID');
  });
});
