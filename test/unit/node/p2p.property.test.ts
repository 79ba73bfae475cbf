import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCanonical, type CborMap, type CborValue } from '../../../protocol/cbor.js';
import { isMemberId } from '../../../protocol/names.js';
import { parseEnvelopes, parseHeads, parseHeadsMessage, parseNoteMessage, parseSyncRequest, parseWitnessRequest } from '../../../node/p2p/messages.js';
import { decodeMessage, isUint, WireError } from '../../../node/p2p/wire.js';
import { cborMap, cborValue, mutate, mutation, objectOf, onlyTyped } from '../../helpers/arbitraries.js';

/**
 * Peer messages are the most exposed input a node has: any admitted peer can send any bytes. For random and mutated
 * messages, decoding and every parser either succeed with a well-formed value or throw a WireError; nothing else
 * escapes (a TypeError would abort the stream handler in ways the node does not expect).
 */
const MAX_BYTES = 64 * 1024;
const MAX_RECORDS = 100;
const wire = (e: unknown) => e instanceof WireError && e.code === 'WIRE_INVALID';

/** What a peer's bytes become on our side: the map decodeMessage hands to the parsers. */
function received(m: CborValue): CborMap | undefined {
  const r = onlyTyped(() => decodeMessage(encodeCanonical(m), MAX_BYTES), wire);
  return r.ok ? r.value : undefined;
}

const memberish = fc.oneof(fc.constantFrom('bj-haidian', 'sh-pudong', 'a', 'ab', 'A-b', '-x', 'x'.repeat(63), 'x'.repeat(64)), fc.stringMatching(/^[a-z][a-z0-9-]{0,64}$/));
const uintish = fc.oneof(fc.nat(), fc.constantFrom(-1, 0, 1, MAX_RECORDS, MAX_RECORDS + 1, 2 ** 53 - 1), fc.integer());
const bytes32ish = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }));

describe('peer messages: random and mutated input fails only with WireError', () => {
  it('decodeMessage on random bytes (3,000)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        onlyTyped(() => decodeMessage(b, MAX_BYTES), wire);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodeMessage on mutated valid messages (3,000), and the size limit comes first', () => {
    const valid = [
      encodeCanonical({ t: 'range', author: 'bj-haidian', from: 0, limit: 10 }),
      encodeCanonical({ t: 'heads', sizes: { 'bj-haidian': 3, 'sh-pudong': 2 ** 40 } }),
      encodeCanonical({ heads: [{ author: 'bj-haidian', size: 5, rootSize: 5, root: new Uint8Array(32).fill(7), note: 'x\n' }] }),
      encodeCanonical({ envelopes: [new Uint8Array(100).fill(1), new Uint8Array(3)] }),
      encodeCanonical({ fork: { author: 'bj-haidian', a: new Uint8Array(10), b: new Uint8Array(11) } }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), mutation, (b, m) => {
        const r = onlyTyped(() => decodeMessage(mutate(b, m), MAX_BYTES), wire);
        if (r.ok) expect(typeof r.value === 'object' && r.value !== null && !Array.isArray(r.value)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(() => decodeMessage(new Uint8Array(MAX_BYTES + 1), MAX_BYTES)).toThrow(WireError);
  });

  it('every parser on arbitrary maps, including __proto__ and constructor keys (2,000 each)', () => {
    const parsers: [string, (m: CborMap) => unknown][] = [
      ['sync request', (m) => parseSyncRequest(m, MAX_RECORDS)],
      ['heads response', parseHeads],
      ['range response', (m) => parseEnvelopes(m, MAX_RECORDS)],
      ['note message', (m) => parseNoteMessage(m, 'witness response')],
      ['witness request', (m) => parseWitnessRequest(m, MAX_RECORDS)],
      ['heads gossip', parseHeadsMessage],
    ];
    for (const [, parse] of parsers) {
      fc.assert(
        fc.property(cborValue(['t', 'author', 'from', 'limit', 'sizes', 'heads', 'envelopes', 'note', 'fork']), (v) => {
          const m = received(v);
          if (m) onlyTyped(() => parse(m), wire);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('sync requests: near-valid input is parsed exactly or refused (3,000)', () => {
    const range = cborMap({ t: fc.constant('range'), author: memberish, from: uintish, limit: uintish });
    const heads = cborMap({ t: fc.constant('heads'), sizes: fc.uniqueArray(fc.tuple(memberish, uintish), { maxLength: 4, selector: ([k]) => k }).map((e) => objectOf(e)) });
    const seen = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(fc.oneof(range, heads), (v) => {
        const m = received(v);
        if (!m) return;
        const r = onlyTyped(() => parseSyncRequest(m, MAX_RECORDS), wire);
        seen[r.ok ? 'ok' : 'refused']++;
        if (!r.ok) return;
        if (r.value.t === 'range') {
          expect(isMemberId(r.value.author) && isUint(r.value.from) && r.value.limit >= 1 && r.value.limit <= MAX_RECORDS).toBe(true);
          expect(r.value).toEqual({ t: 'range', author: m.author, from: m.from, limit: m.limit });
        } else {
          for (const [k, s] of Object.entries(r.value.sizes)) expect(isMemberId(k) && isUint(s)).toBe(true);
          expect(Object.keys(r.value.sizes).sort()).toEqual(Object.keys(m.sizes as object).sort());
        }
      }),
      { numRuns: 3000 },
    );
    // the generator reaches both sides of the parser
    expect(seen.ok).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it('heads responses and gossip: near-valid input is parsed exactly or refused (3,000)', () => {
    const head = cborMap({ author: memberish, size: uintish, rootSize: uintish, root: bytes32ish, note: fc.string({ maxLength: 20 }) });
    const headsResponse = cborMap({ heads: fc.array(head, { maxLength: 2 }) });
    const gossip = fc.oneof(cborMap({ note: fc.string({ maxLength: 20 }) }), cborMap({ fork: cborMap({ author: memberish, a: fc.uint8Array({ maxLength: 8 }), b: fc.uint8Array({ maxLength: 8 }) }) }));
    const seen = { heads: 0, gossip: 0 };
    fc.assert(
      fc.property(headsResponse, gossip, (hv, gv) => {
        const hm = received(hv);
        if (hm) {
          const r = onlyTyped(() => parseHeads(hm), wire);
          if (r.ok && r.value.length > 0) seen.heads++;
          if (r.ok) {
            for (const h of r.value) expect(isMemberId(h.author) && isUint(h.size) && isUint(h.rootSize) && h.root.length === 32 && (h.note === undefined || typeof h.note === 'string')).toBe(true);
          }
        }
        const gm = received(gv);
        if (gm) {
          const r = onlyTyped(() => parseHeadsMessage(gm), wire);
          if (r.ok) seen.gossip++;
          if (r.ok) expect('note' in r.value ? typeof r.value.note === 'string' : isMemberId(r.value.fork.author)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(seen.heads).toBeGreaterThan(10);
    expect(seen.gossip).toBeGreaterThan(50);
  });

  it('witness requests: a note, with or without records from a seq, is parsed exactly or refused (3,000)', () => {
    const envelopes = fc.array(fc.oneof(fc.uint8Array({ maxLength: 8 }), cborValue()), { maxLength: MAX_RECORDS + 2 });
    const req = fc.oneof(cborMap({ note: fc.string({ maxLength: 20 }) }), cborMap({ note: fc.string({ maxLength: 20 }), from: uintish, envelopes }));
    const seen = { bare: 0, records: 0, refused: 0 };
    fc.assert(
      fc.property(req, (v) => {
        const m = received(v);
        if (!m) return;
        const r = onlyTyped(() => parseWitnessRequest(m, MAX_RECORDS), wire);
        if (!r.ok) return void seen.refused++;
        expect(r.value.note).toBe(m.note);
        if (r.value.envelopes === undefined) {
          seen.bare++;
          expect(r.value.from === undefined && m.from === undefined && m.envelopes === undefined).toBe(true);
        } else {
          seen.records++;
          expect(isUint(r.value.from) && r.value.envelopes.length >= 1 && r.value.envelopes.length <= MAX_RECORDS && r.value.envelopes.every((e) => e instanceof Uint8Array)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(seen.bare).toBeGreaterThan(50);
    expect(seen.records).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it('range responses: envelopes are byte strings, at most the limit (2,000)', () => {
    const resp = cborMap({ envelopes: fc.array(fc.oneof(fc.uint8Array({ maxLength: 8 }), cborValue()), { maxLength: MAX_RECORDS + 2 }) });
    fc.assert(
      fc.property(resp, (v) => {
        const m = received(v);
        if (!m) return;
        const r = onlyTyped(() => parseEnvelopes(m, MAX_RECORDS), wire);
        if (r.ok) expect(r.value.length <= MAX_RECORDS && r.value.every((e) => e instanceof Uint8Array)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
