import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash } from '../../../protocol/merkle/hash.js';
import { MemoryTree } from '../../../protocol/merkle/memory.js';
import { consistencyNeeded, inclusionNeeded, storedHashCount, treeHashNeeded } from '../../../protocol/merkle/tlog.js';
import { verifyConsistency, verifyInclusion } from '../../../protocol/merkle/verify.js';

function flip(h: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(h);
  c[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return c;
}

const leavesOf = (n: number, salt: number) => Array.from({ length: n }, (_, i) => leafHash(new Uint8Array([salt & 255, i & 255, (i >> 8) & 255, (i >> 16) & 255])));

// Sizes are not flipped: they are bound by the signed checkpoint, and RFC 6962
// paths of neighbouring sizes can share a shape, so a size alone is not checkable.
describe('Merkle properties over random logs', () => {
  it('every inclusion proof verifies, and any single-bit change makes it fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (sizeIn, idx, sizeSel, salt, bit) => {
        const leaves = leavesOf(sizeIn, salt);
        const tree = new MemoryTree();
        leaves.forEach((l) => tree.append(l));
        expect(tree.storedCount).toBe(storedHashCount(sizeIn));
        const size = 1 + (sizeSel % sizeIn);
        const index = idx % size;
        const root = tree.root(size);
        const proof = tree.inclusionProof(index, size);
        expect(verifyInclusion(leaves[index]!, index, size, proof, root)).toBe(true);
        // reads are O(log n)
        expect(inclusionNeeded(index, size).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size + 1)) + 2);
        expect(treeHashNeeded(size).length).toBeLessThanOrEqual(Math.ceil(Math.log2(size + 1)) + 1);
        if (proof.length > 0) {
          const i = bit % proof.length;
          const bad = proof.map((h, j) => (j === i ? flip(h, bit) : h));
          expect(verifyInclusion(leaves[index]!, index, size, bad, root)).toBe(false);
        }
        expect(verifyInclusion(flip(leaves[index]!, bit), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[index]!, index, size, proof, flip(root, bit))).toBe(false);
        const otherIndex = index ^ (1 << (bit % 12));
        if (otherIndex !== index && otherIndex < size && leaves[otherIndex] !== leaves[index]) {
          expect(verifyInclusion(leaves[index]!, otherIndex, size, proof, root)).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('every consistency proof verifies, and any single-bit change makes it fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (sizeIn, a, b, salt, bit) => {
        const leaves = leavesOf(sizeIn, salt);
        const tree = new MemoryTree();
        leaves.forEach((l) => tree.append(l));
        const newSize = 1 + (a % sizeIn);
        const oldSize = 1 + (b % newSize);
        const proof = tree.consistencyProof(oldSize, newSize);
        const oldRoot = tree.root(oldSize);
        const newRoot = tree.root(newSize);
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);
        expect(consistencyNeeded(oldSize, newSize).length).toBeLessThanOrEqual(3 * Math.ceil(Math.log2(newSize + 1)) + 2);
        if (proof.length > 0) {
          const i = bit % proof.length;
          expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.map((h, j) => (j === i ? flip(h, bit) : h)))).toBe(false);
        }
        expect(verifyConsistency(oldSize, newSize, flip(oldRoot, bit), newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize, newSize, oldRoot, flip(newRoot, bit), proof)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
