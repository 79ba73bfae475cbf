import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type HashReader,
} from '../../../protocol/merkle/index.js';

const flipBit = (h: Uint8Array, bit: number): Uint8Array => {
  const c = h.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};
/** x with bit `bit` flipped; arithmetic because sizes go past 2^32. */
const flipNum = (x: number, bit: number): number => (Math.floor(x / 2 ** bit) % 2 === 1 ? x - 2 ** bit : x + 2 ** bit);
const split = (w: number) => {
  let k = 1;
  while (k * 2 < w) k *= 2;
  return k;
};

/*
 * RFC 6962 proofs bind a size only through the proof's shape: e.g. the path of
 * leaf 0 in a tree of 5 also "verifies" as leaf 0 of 7 against the same root,
 * since the verifier hashes the same way. (Checkpoint signatures bind sizes to
 * roots.) So a changed number must fail exactly when it changes the shape,
 * computed here top-down from RFC 6962 §2.1, independently of the verifiers.
 */
function inclusionShape(index: number, size: number): string | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let s = '';
  for (let lo = 0, hi = size; hi - lo > 1; ) {
    const mid = lo + split(hi - lo);
    if (index < mid) [s, hi] = [s + 'R', mid];
    else [s, lo] = [s + 'L', mid];
  }
  return s;
}
function consistencyShape(m: number, n: number): string | null {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || m > n) return null;
  if (m === n) return '=';
  let s = '';
  let lo = 0;
  let hi = n;
  while (m !== hi) {
    const mid = lo + split(hi - lo);
    if (m <= mid) [s, hi] = [s + 'R', mid];
    else [s, lo] = [s + 'L', mid];
  }
  return s + (lo === 0 ? 'old' : 'node');
}

/** An async reader over a tree that counts batches and indexes. */
function counting(tree: MemoryTree) {
  const c = { calls: 0, reads: 0, reader: {} as HashReader };
  c.reader = {
    async readHashes(ix) {
      c.calls++;
      c.reads += ix.length;
      return tree.readHashes(ix);
    },
  };
  return c;
}
const lg = (n: number) => Math.ceil(Math.log2(n));

const runs = fc.record({
  size: fc.integer({ min: 1, max: 3000 }),
  salt: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  picks: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), bit: fc.integer({ min: 0, max: 255 }), nbit: fc.integer({ min: 0, max: 52 }) }), { minLength: 3, maxLength: 3 }),
});

describe('Merkle properties over random logs (tree built once per run)', () => {
  it('proofs verify, need O(log n) reads, and every single-bit change fails', async () => {
    await fc.assert(
      fc.asyncProperty(runs, async ({ size: N, salt, picks }) => {
        const leaves = Array.from({ length: N }, (_, i) => leafHash(Uint8Array.of(salt >>> 24, salt >>> 16, salt >>> 8, salt, i >> 8, i)));
        const tree = new MemoryTree();
        leaves.forEach((l) => tree.append(l));
        expect(tree.size).toBe(N);
        expect(tree.storedCount).toBe(storedHashCount(N));

        for (const { a, b, bit, nbit } of picks) {
          // inclusion of `index` in the tree of `size`
          const size = 1 + (a % N);
          const index = b % size;
          const c = counting(tree);
          const root = await treeHash(size, c.reader);
          expect(root).toEqual(tree.root(size));
          expect(c.reads).toBeLessThanOrEqual(lg(size) + 1);
          c.reads = c.calls = 0;
          const proof = await inclusionProof(index, size, c.reader);
          expect(proof).toEqual(tree.inclusionProof(index, size));
          expect(c.calls).toBeLessThanOrEqual(1);
          expect(c.reads).toBeLessThanOrEqual(2 * lg(size) + 2);
          const leaf = leaves[index]!;
          expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
          proof.forEach((_, j) => {
            const bad = proof.map((h, k) => (k === j ? flipBit(h, (bit + 37 * j) % 256) : h));
            expect(verifyInclusion(leaf, index, size, bad, root)).toBe(false);
          });
          expect(verifyInclusion(flipBit(leaf, bit), index, size, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
          const shape = inclusionShape(index, size);
          for (const nb of [nbit, nbit % 12]) {
            const i2 = flipNum(index, nb);
            const s2 = flipNum(size, nb);
            expect(verifyInclusion(leaf, i2, size, proof, root)).toBe(inclusionShape(i2, size) === shape);
            expect(verifyInclusion(leaf, index, s2, proof, root)).toBe(inclusionShape(index, s2) === shape);
          }

          // consistency of (oldSize, newSize)
          const newSize = 1 + (b % N);
          const oldSize = 1 + (a % newSize);
          c.reads = c.calls = 0;
          const cp = await consistencyProof(oldSize, newSize, c.reader);
          expect(cp).toEqual(tree.consistencyProof(oldSize, newSize));
          expect(c.calls).toBeLessThanOrEqual(1);
          expect(c.reads).toBeLessThanOrEqual(2 * lg(newSize) + 2);
          const oldRoot = tree.root(oldSize);
          const newRoot = tree.root(newSize);
          expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, cp)).toBe(true);
          cp.forEach((_, j) => {
            const bad = cp.map((h, k) => (k === j ? flipBit(h, (bit + 37 * j) % 256) : h));
            expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, bad)).toBe(false);
          });
          expect(verifyConsistency(oldSize, newSize, flipBit(oldRoot, bit), newRoot, cp)).toBe(false);
          expect(verifyConsistency(oldSize, newSize, oldRoot, flipBit(newRoot, bit), cp)).toBe(false);
          const cshape = consistencyShape(oldSize, newSize);
          for (const nb of [nbit, nbit % 12]) {
            const m2 = flipNum(oldSize, nb);
            const n2 = flipNum(newSize, nb);
            expect(verifyConsistency(m2, newSize, oldRoot, newRoot, cp)).toBe(consistencyShape(m2, newSize) === cshape);
            expect(verifyConsistency(oldSize, n2, oldRoot, newRoot, cp)).toBe(consistencyShape(oldSize, n2) === cshape);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('stored-hash indexes round-trip up to 2^52 records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), fc.integer({ min: 0, max: 2 ** 52 - 1 }), (level, raw) => {
        const n = Math.floor(raw / 2 ** level); // subtree fits below 2^52 records
        const i = storedHashIndex(level, n);
        expect(splitStoredHashIndex(i)).toEqual({ level, n });
        // the hash is stored with the subtree's last record, after its leaf
        const last = (n + 1) * 2 ** level - 1;
        expect(i).toBeGreaterThanOrEqual(storedHashCount(last));
        expect(i).toBeLessThan(storedHashCount(last + 1));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 2 }), (i) => {
        const { level, n } = splitStoredHashIndex(i);
        expect(storedHashIndex(level, n)).toBe(i);
      }),
      { numRuns: 2000 },
    );
  });
});
