import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { EMPTY_ROOT, leafHash } from '../../../protocol/merkle/hash.js';
import { MemoryTree } from '../../../protocol/merkle/memory.js';
import { consistencyProof, inclusionProof, storedHashCount, storedHashes, treeHash, type HashReader } from '../../../protocol/merkle/tlog.js';
import { verifyConsistency, verifyInclusion } from '../../../protocol/merkle/verify.js';
import { vector } from './fixtures.js';

const v = vector('merkle.json');

/** An async reader over stored hashes built with storedHashes() alone, counting reads. */
async function storedLog(leaves: Uint8Array[]) {
  const hashes: Uint8Array[] = [];
  let reads = 0;
  const reader: HashReader & { reads: () => number } = {
    async readHashes(ix) {
      reads += ix.length;
      return ix.map((i) => hashes[i]!);
    },
    reads: () => reads,
  };
  for (let n = 0; n < leaves.length; n++) hashes.push(...(await storedHashes(n, leafHash(leaves[n]!), reader)));
  return { hashes, reader };
}

describe('RFC 6962 vectors from Go sumdb/tlog (merkle.json)', () => {
  const leaves: Uint8Array[] = v.leaves.map((x: string) => fromHex(x));
  const tree = new MemoryTree();
  leaves.forEach((l) => tree.append(leafHash(l)));

  it('leaf hashes', () => {
    expect(leaves.map((l) => toHex(leafHash(l)))).toEqual(v.leafHashes);
  });
  it('tree heads of sizes 1..40, in memory and from stored hashes', async () => {
    const { reader, hashes } = await storedLog(leaves);
    expect(hashes.length).toBe(storedHashCount(leaves.length));
    for (let n = 1; n <= leaves.length; n++) {
      expect(toHex(tree.root(n))).toBe(v.roots[n - 1]);
      expect(toHex(await treeHash(n, reader))).toBe(v.roots[n - 1]);
    }
    expect(toHex(tree.root(0))).toBe(toHex(EMPTY_ROOT));
  });
  it('inclusion proofs', async () => {
    const { reader } = await storedLog(leaves);
    for (const t of v.inclusion) {
      expect(tree.inclusionProof(t.index, t.size).map(toHex)).toEqual(t.path);
      expect((await inclusionProof(t.index, t.size, reader)).map(toHex)).toEqual(t.path);
      expect(verifyInclusion(leafHash(leaves[t.index]!), t.index, t.size, t.path.map(fromHex), fromHex(v.roots[t.size - 1]))).toBe(true);
    }
  });
  it('consistency proofs', async () => {
    const { reader } = await storedLog(leaves);
    for (const t of v.consistency) {
      expect(tree.consistencyProof(t.old, t.new).map(toHex)).toEqual(t.path);
      expect((await consistencyProof(t.old, t.new, reader)).map(toHex)).toEqual(t.path);
      expect(verifyConsistency(t.old, t.new, fromHex(v.roots[t.old - 1]), fromHex(v.roots[t.new - 1]), t.path.map(fromHex))).toBe(true);
    }
  });
  it('edge cases', () => {
    expect(verifyConsistency(0, 5, EMPTY_ROOT, tree.root(5), [])).toBe(true);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, tree.root(5), [tree.root(1)])).toBe(false);
    expect(verifyInclusion(leafHash(leaves[0]!), 0, 1, [], tree.root(1))).toBe(true);
    expect(verifyInclusion(leafHash(leaves[0]!), 1, 1, [], tree.root(1))).toBe(false);
    expect(verifyInclusion(leafHash(leaves[0]!), -1, 1, [], tree.root(1))).toBe(false);
    expect(() => tree.inclusionProof(5, 5)).toThrow(expect.objectContaining({ code: 'PROOF_INVALID' }));
    expect(() => tree.root(41)).toThrow(expect.objectContaining({ code: 'PROOF_INVALID' }));
  });
});
