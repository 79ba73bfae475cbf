import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import type { CborMap, CborValue } from '../../../protocol/cbor.js';
import { decodeRecord, encodeRecord, type Record as LedgerRecord } from '../../../protocol/records/record.js';
import { requestBytesOfRecordBytes } from '../../../protocol/records/request-bytes.js';
import { encodeRequest, requestOfRecord } from '../../../protocol/records/request.js';
import { cv, envelopes } from './consortium-helpers.js';

/** The request as the rules rebuild it: decode the record, rebuild the request, encode it canonically. */
const rebuilt = (bytes: Uint8Array) => toHex(encodeRequest(requestOfRecord(decodeRecord(bytes))));

function decodes(bytes: Uint8Array): boolean {
  try {
    decodeRecord(bytes);
    return true;
  } catch {
    return false;
  }
}

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const value: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.maxSafeInteger(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

const record = fc.record({
  seq: fc.nat({ max: 2 ** 40 }),
  epoch: fc.nat({ max: 2 ** 20 }),
  ts: fc.nat({ max: 2 ** 45 }),
  author: fc.constantFrom('bj-haidian', 'sh-pudong', 'ha-zhengzhou'),
  kind: fc.constantFrom('doc.register', 'case.open', 'org.actor', 'x.y-z'),
  body: fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), value, { maxKeys: 6 }),
  refs: fc.option(fc.array(bytesOf(32), { minLength: 1, maxLength: 16 }), { nil: undefined }),
  actor: fc.record({ id: fc.constantFrom('li.na', 'zhao.lei', 'a'), nonce: bytesOf(16), at: fc.nat({ max: 2 ** 53 - 1 }), sig: bytesOf(64) }),
  net: bytesOf(32),
  prev: bytesOf(32),
});

describe('requestBytesOfRecordBytes', () => {
  it('cuts out of a record the very bytes encoding its rebuilt request gives, for every record shape', () => {
    fc.assert(
      fc.property(record, (r) => {
        const rec = { v: 1, ...r, body: r.body as CborMap, prev: r.seq === 0 ? undefined : r.prev } as LedgerRecord;
        if (rec.refs === undefined) delete rec.refs;
        if (rec.prev === undefined) delete rec.prev;
        const bytes = encodeRecord(rec);
        // Only records that decode reach it (a body key such as __proto__ encodes but never decodes).
        fc.pre(decodes(bytes));
        expect(toHex(requestBytesOfRecordBytes(bytes))).toBe(rebuilt(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on every actor-signed record of the vector logs', () => {
    let checked = 0;
    for (const author of Object.keys(cv.logs)) {
      for (const env of envelopes(author)) {
        if (!env.record.actor) continue;
        expect(toHex(requestBytesOfRecordBytes(env.recordBytes))).toBe(rebuilt(env.recordBytes));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('refuses a record without an actor, as requestOfRecord does', () => {
    const bytes = encodeRecord({ v: 1, net: new Uint8Array(32), author: 'bj-haidian', seq: 0, epoch: 0, ts: 1, kind: 'doc.register', body: {} });
    expect(() => requestBytesOfRecordBytes(bytes)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});
