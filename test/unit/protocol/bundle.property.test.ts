import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, fromHex } from '../../../protocol/bytes.js';
import { decodeBundle, encodeBundle, verifyBundle } from '../../../protocol/bundle/index.js';
import { decodeCanonical, encodeCanonical } from '../../../protocol/cbor.js';
import { nobleCrypto, useCrypto } from '../../../protocol/crypto.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import { cborValue, mutateText, mutation, onlyTyped, replaceDeep } from '../../helpers/arbitraries.js';
import { cv, net } from './consortium-helpers.js';

/**
 * A bundle is what anyone may hand a verifier. Byte mutations are covered in robustness.test.ts; here the edits keep
 * the CBOR valid and reach the checks behind the decoder: values replaced or keys dropped anywhere in the structure,
 * proofs edited as text, entries dropped, duplicated or reordered. decodeBundle fails only with a ProtocolError;
 * verifyBundle never throws, and reports no event the original bundle did not prove.
 */
const bundle = fromHex(cv.bundleHex);
const original = verifyBundle(bundle, net);
const provenIds = new Set(original.events.map((e) => e.id));

beforeAll(() => useCrypto(nodeCrypto));
afterAll(() => useCrypto(nobleCrypto));

function checkReport(bytes: Uint8Array): void {
  const decoded = onlyTyped(
    () => decodeBundle(bytes),
    (e) => e instanceof ProtocolError,
  );
  if (decoded.ok) expect(equalBytes(encodeBundle(decoded.value), bytes)).toBe(true);
  const r = verifyBundle(bytes, net);
  for (const e of r.events) expect(provenIds.has(e.id), `event ${e.kind} ${e.id} was not in the original bundle`).toBe(true);
}

describe('bundles: structural edits never crash the verifier nor prove more', () => {
  it('the vector bundle proves its events', () => {
    expect(original.events.length).toBe(cv.expected.events.length);
  });

  it('a value replaced or a key dropped anywhere (1,500)', () => {
    const keys = ['v', 'net', 'subject', 'configs', 'entries', 'config', 'approvals', 'member', 'sig', 'envelope', 'proof'];
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 5 }), cborValue(keys), fc.boolean(), (path, by, drop) => {
        const bytes = onlyTyped(
          () => encodeCanonical(replaceDeep(decodeCanonical(bundle), path, by, drop)),
          (e) => e instanceof ProtocolError,
        );
        if (bytes.ok) checkReport(bytes.value);
      }),
      { numRuns: 1500 },
    );
  });

  it('proofs edited as text (300; each verifies the whole bundle)', () => {
    const b = decodeBundle(bundle);
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
        const entries = b.entries.map((e) => ({ ...e }));
        const e = entries[i % entries.length]!;
        e.proof = ms.reduce((t, m) => mutateText(t, m), e.proof);
        checkReport(encodeBundle({ ...b, entries }));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('entries and approvals dropped, duplicated or reordered (300)', () => {
    const b = decodeBundle(bundle);
    const pick = <T>(xs: T[], idx: number[]) => idx.map((k) => xs[k % xs.length]!);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: b.entries.length + 2 }), fc.array(fc.nat(), { maxLength: 4 }), fc.nat(), (ei, ai, ci) => {
        const configs = b.configs.map((c, k) => (k === ci % b.configs.length && c.approvals.length > 0 ? { ...c, approvals: pick(c.approvals, ai) } : c));
        checkReport(encodeBundle({ ...b, configs, entries: pick(b.entries, ei) }));
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
