import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, fromHex, toHex, utf8 } from '../../../protocol/bytes.js';
import { verifyBundle } from '../../../protocol/bundle/verify.js';
import { nobleCrypto, useCrypto } from '../../../protocol/crypto.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { leafHash } from '../../../protocol/merkle/hash.js';
import { verifyInclusion } from '../../../protocol/merkle/verify.js';
import { parseCheckpoint } from '../../../protocol/note/checkpoint.js';
import { parseNote, verifyNoteSignature } from '../../../protocol/note/note.js';
import { parseTlogProof } from '../../../protocol/note/tlog-proof.js';
import { acceptRecord, decodeEnvelope } from '../../../protocol/records/index.js';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import { contextFor, cv, envelopes, net } from './consortium-helpers.js';
import { vector } from './fixtures.js';

/**
 * 10,000 random mutations (bit flips, truncations, insertions, deletions) of
 * valid envelopes, notes, proofs and bundles: each is either still exactly
 * the original, or rejected with a typed ProtocolError; nothing throws an
 * untyped error, hangs, or verifies when it should not.
 */
type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: number[] } | { kind: 'delete'; at: number; n: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const at = b.length === 0 ? 0 : m.at % b.length;
  switch (m.kind) {
    case 'flip': {
      const c = new Uint8Array(b);
      c[at]! ^= 1 << m.bit;
      return c;
    }
    case 'truncate':
      return b.slice(0, at);
    case 'insert':
      return new Uint8Array([...b.slice(0, at), ...m.bytes, ...b.slice(at)]);
    case 'delete':
      return new Uint8Array([...b.slice(0, at), ...b.slice(at + m.n)]);
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b); // lossy on purpose: bad UTF-8 becomes U+FFFD

function typed(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`untyped error: ${(e as Error)?.stack ?? e}`);
  }
}

const logs = Object.fromEntries(['bj-haidian', 'sh-pudong', 'ha-zhengzhou'].map((a) => [a, envelopes(a)]));
const ctx = contextFor(logs, Date.parse('2026-11-22T00:10:00Z'));
const allEnvs = Object.values(logs).flat();
const notes = vector('note.json');

beforeAll(() => useCrypto(nodeCrypto));
afterAll(() => useCrypto(nobleCrypto));

describe('robustness under random mutation', () => {
  it('envelopes (3,000)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: allEnvs.length - 1 }), mutation, (i, m) => {
        const env = allEnvs[i]!;
        const bytes = mutate(env.bytes, m);
        const head =
          env.record.seq === 0
            ? null
            : (() => {
                const p = logs[env.record.author]![env.record.seq - 1]!;
                return { seq: p.record.seq, id: p.id, epoch: p.record.epoch, ts: p.record.ts };
              })();
        typed(() => {
          const ok = acceptRecord(ctx, head, decodeEnvelope(bytes));
          // anything accepted must be the original, byte for byte
          expect(equalBytes(ok.bytes, env.bytes)).toBe(true);
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('signed notes and checkpoints (3,000)', () => {
    const cosigned: string[] = Object.values(cv.checkpoints).map((c) => (c as { cosignedNote: string }).cosignedNote);
    const members = cv.members as { id: string; ledgerSeedHex: string }[];
    const keys = members.map((m) => ({ name: `${cv.consortium}/${m.id}`, pub: nobleCrypto.publicKey(fromHex(m.ledgerSeedHex)) }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cosigned.length - 1 }), mutation, (i, m) => {
        const original = parseNote(cosigned[i]!);
        const mutated = text(mutate(utf8(cosigned[i]!), m));
        typed(() => {
          const note = parseNote(mutated);
          parseCheckpoint(note.text);
          for (const s of note.sigs) {
            for (const k of keys) {
              if (s.name === k.name && verifyNoteSignature(note.text, s, k)) {
                expect(note.text).toBe(original.text);
              }
            }
          }
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('tlog-proofs (3,000)', () => {
    const proof = notes.tlogProof.proof as string;
    const leaf = leafHash(fromHex(notes.tlogProof.leafHex));
    const original = parseTlogProof(proof);
    fc.assert(
      fc.property(mutation, (m) => {
        typed(() => {
          const p = parseTlogProof(text(mutate(utf8(proof), m)));
          const cp = parseCheckpoint(p.checkpoint.text);
          if (verifyInclusion(leaf, p.index, cp.size, p.path, cp.root)) {
            expect(p.index).toBe(original.index);
            expect(p.path.map(toHex)).toEqual(original.path.map(toHex));
          }
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('bundles (1,000): verifyBundle reports and never throws', () => {
    const bundle = fromHex(cv.bundleHex);
    fc.assert(
      fc.property(mutation, (m) => {
        const bytes = mutate(bundle, m);
        const r = verifyBundle(bytes, net);
        if (!equalBytes(bytes, bundle) && r.proofs !== 'unsound') {
          // only witness support can be lost (signature lines of unused keys), never gained
          expect(r.events.length).toBeLessThanOrEqual(cv.expected.events.length);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
