import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { cryptoBackend, sha256, useCrypto } from '../../../protocol/crypto.js';
import {
  EMPTY_ROOT,
  MemoryTree,
  consistencyFrom,
  consistencyNeeded,
  consistencyProof,
  inclusionFrom,
  inclusionNeeded,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromInclusion,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashes,
  storedHashesFrom,
  storedHashesNeeded,
  treeHash,
  treeHashFrom,
  treeHashNeeded,
  verifyConsistency,
  verifyInclusion,
  type HashReader,
} from '../../../protocol/merkle/index.js';
import { vector } from './fixtures.js';

const v = vector('merkle.json');
const hex = (hs: Uint8Array[]) => hs.map(toHex);
const invalid = expect.objectContaining({ code: 'PROOF_INVALID' });

/** Stored hashes built with the async storedHashes() alone, behind an async reader that counts calls. */
async function storedLog(leafHashes: Uint8Array[]) {
  const hashes: Uint8Array[] = [];
  const log = { hashes, calls: 0, reads: 0 } as { hashes: Uint8Array[]; calls: number; reads: number; reader: HashReader };
  log.reader = {
    async readHashes(ix) {
      log.calls++;
      log.reads += ix.length;
      return ix.map((i) => hashes[i] ?? Uint8Array.of(1));
    },
  };
  for (let n = 0; n < leafHashes.length; n++) hashes.push(...(await storedHashes(n, leafHashes[n]!, log.reader)));
  return log;
}

/** RFC 6962 §2.1 written out literally (top-down recursion over the leaves), as an independent model. */
function reference(leaves: Uint8Array[]) {
  const memo = new Map<string, Uint8Array>();
  const split = (w: number) => 2 ** Math.ceil(Math.log2(w) - 1);
  const mth = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 0) return sha256(new Uint8Array(0));
    if (hi - lo === 1) return leaves[lo]!;
    const key = `${lo},${hi}`;
    let h = memo.get(key);
    if (!h) memo.set(key, (h = nodeHash(mth(lo, lo + split(hi - lo)), mth(lo + split(hi - lo), hi))));
    return h;
  };
  const path = (m: number, lo: number, hi: number): Uint8Array[] => {
    if (hi - lo === 1) return [];
    const k = split(hi - lo);
    return m < k ? [...path(m, lo, lo + k), mth(lo + k, hi)] : [...path(m - k, lo + k, hi), mth(lo, lo + k)];
  };
  const sub = (m: number, lo: number, hi: number, b: boolean): Uint8Array[] => {
    if (m === hi - lo) return b ? [] : [mth(lo, hi)];
    const k = split(hi - lo);
    return m <= k ? [...sub(m, lo, lo + k, b), mth(lo + k, hi)] : [...sub(m - k, lo + k, hi, false), mth(lo, lo + k)];
  };
  return { mth, path: (m: number, n: number) => path(m, 0, n), proof: (m: number, n: number) => sub(m, 0, n, true) };
}

describe('RFC 6962 vectors from Go sumdb/tlog (merkle.json)', () => {
  const leaves: Uint8Array[] = v.leaves.map((x: string) => fromHex(x));
  const leafHashes = leaves.map(leafHash);
  const tree = new MemoryTree();
  leafHashes.forEach((l) => tree.append(l));

  it('has the expected shape', () => {
    expect(leaves.length).toBe(40);
    expect(v.roots.length).toBe(40);
    expect(v.inclusion.length).toBeGreaterThan(0);
    expect(v.consistency.length).toBeGreaterThan(0);
  });
  it('leaf hashes and the empty root', () => {
    expect(hex(leafHashes)).toEqual(v.leafHashes);
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(EMPTY_ROOT).toEqual(sha256(new Uint8Array(0))); // written out in protocol/merkle/hash.ts: it is SHA-256("")
  });
  it('tree heads of sizes 1..40, in memory and from stored hashes', async () => {
    const log = await storedLog(leafHashes);
    expect(log.hashes.length).toBe(storedHashCount(40));
    expect(tree.storedCount).toBe(storedHashCount(40));
    for (let n = 1; n <= 40; n++) {
      expect(toHex(tree.root(n))).toBe(v.roots[n - 1]);
      expect(toHex(await treeHash(n, log.reader))).toBe(v.roots[n - 1]);
    }
  });
  it('inclusion proofs: equal to Go and verifying', async () => {
    const log = await storedLog(leafHashes);
    for (const t of v.inclusion) {
      const root = fromHex(v.roots[t.size - 1]);
      expect(hex(tree.inclusionProof(t.index, t.size))).toEqual(t.path);
      expect(hex(await inclusionProof(t.index, t.size, log.reader))).toEqual(t.path);
      expect(
        verifyInclusion(
          leafHashes[t.index]!,
          t.index,
          t.size,
          t.path.map((h: string) => fromHex(h)),
          root,
        ),
      ).toBe(true);
      expect(
        toHex(
          rootFromInclusion(
            leafHashes[t.index]!,
            t.index,
            t.size,
            t.path.map((h: string) => fromHex(h)),
          )!,
        ),
      ).toBe(toHex(root));
    }
  });
  it('consistency proofs: equal to Go and verifying', async () => {
    const log = await storedLog(leafHashes);
    for (const t of v.consistency) {
      const proof = t.path.map((h: string) => fromHex(h));
      expect(hex(tree.consistencyProof(t.old, t.new))).toEqual(t.path);
      expect(hex(await consistencyProof(t.old, t.new, log.reader))).toEqual(t.path);
      expect(verifyConsistency(t.old, t.new, fromHex(v.roots[t.old - 1]), fromHex(v.roots[t.new - 1]), proof)).toBe(true);
    }
  });
});

describe('against a literal RFC 6962 model, every size up to 48', () => {
  const N = 48;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(Uint8Array.of(i, 7)));
  const ref = reference(leaves);
  const tree = new MemoryTree();
  leaves.forEach((l) => tree.append(l));

  it('each stored hash sits at storedHashIndex(level, n) and is that subtree root', () => {
    const seen = new Set<number>();
    for (let level = 0; 2 ** level <= N; level++) {
      for (let n = 0; (n + 1) * 2 ** level <= N; n++) {
        const i = storedHashIndex(level, n);
        expect(splitStoredHashIndex(i)).toEqual({ level, n });
        expect(toHex(tree.readHashes([i])[0]!)).toBe(toHex(ref.mth(n * 2 ** level, (n + 1) * 2 ** level)));
        seen.add(i);
      }
    }
    // exactly the indexes 0..count-1, nothing else
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: storedHashCount(N) }, (_, i) => i));
  });
  it('tree heads, every inclusion and every consistency proof', () => {
    for (let n = 1; n <= N; n++) {
      const root = tree.root(n);
      expect(toHex(root)).toBe(toHex(ref.mth(0, n)));
      for (let i = 0; i < n; i++) {
        const p = tree.inclusionProof(i, n);
        expect(hex(p)).toEqual(hex(ref.path(i, n)));
        expect(verifyInclusion(leaves[i]!, i, n, p, root)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const p = tree.consistencyProof(m, n);
        expect(hex(p)).toEqual(hex(ref.proof(m, n)));
        expect(verifyConsistency(m, n, tree.root(m), root, p)).toBe(true);
      }
    }
  });
});

describe('stored-hash index math', () => {
  it('small values by hand', () => {
    // record 0: [0]; record 1: [1, (1,0)=2]; record 2: [3]; record 3: [4, (1,1)=5, (2,0)=6]
    expect([0, 1, 2, 3].map((n) => storedHashIndex(0, n))).toEqual([0, 1, 3, 4]);
    expect([storedHashIndex(1, 0), storedHashIndex(1, 1), storedHashIndex(2, 0)]).toEqual([2, 5, 6]);
    expect([0, 1, 2, 3, 4, 5].map(storedHashCount)).toEqual([0, 1, 3, 4, 7, 8]);
    expect(storedHashesNeeded(0)).toEqual([]);
    expect(storedHashesNeeded(3)).toEqual([3, 2]);
    expect(storedHashesNeeded(7)).toEqual([storedHashIndex(0, 6), storedHashIndex(1, 2), storedHashIndex(2, 0)]);
  });
  it('values past 2^32 are exact', () => {
    expect(storedHashCount(2 ** 52)).toBe(2 ** 53 - 1);
    // record n stores its leaf plus one hash per trailing 1 bit of n
    const even = 2 ** 40 + 12344;
    const ones = 2 ** 41 + 2 ** 10 - 1;
    expect(storedHashCount(even + 1) - storedHashCount(even)).toBe(1);
    expect(storedHashCount(ones + 1) - storedHashCount(ones)).toBe(11);
    expect(storedHashesNeeded(ones).length).toBe(10);
    expect(storedHashCount(2 ** 33)).toBe(2 ** 34 - 1);
    expect(splitStoredHashIndex(storedHashIndex(7, 2 ** 44 + 5))).toEqual({ level: 7, n: 2 ** 44 + 5 });
    expect(storedHashIndex(0, 2 ** 32)).toBe(2 ** 33 - 1);
    expect(treeHashNeeded(2 ** 40).length).toBe(1);
    expect(inclusionNeeded(2 ** 45 + 3, 2 ** 46 - 1).length).toBeLessThanOrEqual(2 * 46 + 2);
    expect(consistencyNeeded(2 ** 45 + 3, 2 ** 50 + 17).length).toBeLessThanOrEqual(2 * 51 + 2);
  });
  it('rejects bad numbers with PROOF_INVALID', () => {
    for (const bad of [-1, 0.5, NaN, Infinity, 2 ** 53, '3' as unknown as number]) {
      expect(() => storedHashCount(bad)).toThrow(invalid);
      expect(() => storedHashIndex(0, bad)).toThrow(invalid);
      expect(() => splitStoredHashIndex(bad)).toThrow(invalid);
      expect(() => treeHashNeeded(bad)).toThrow(invalid);
    }
    expect(() => storedHashIndex(-1, 0)).toThrow(invalid);
    expect(() => storedHashIndex(1, 2 ** 51)).toThrow(invalid);
  });
});

describe('edge cases', () => {
  const leaves = Array.from({ length: 33 }, (_, i) => leafHash(Uint8Array.of(i)));
  const tree = new MemoryTree();
  leaves.forEach((l) => tree.append(l));

  it('size 0', async () => {
    const empty = new MemoryTree();
    expect(empty.size).toBe(0);
    expect(toHex(empty.root())).toBe(toHex(EMPTY_ROOT));
    const log = await storedLog([]);
    expect(toHex(await treeHash(0, log.reader))).toBe(toHex(EMPTY_ROOT));
    expect(log.calls).toBe(0); // no read at all
    expect(() => empty.inclusionProof(0, 0)).toThrow(invalid);
    expect(verifyInclusion(leaves[0]!, 0, 0, [], EMPTY_ROOT)).toBe(false);
    // Go's CheckTree/ProveTree reject an old size of 0: nothing to be consistent with.
    expect(() => tree.consistencyProof(0, 5)).toThrow(invalid);
    expect(() => consistencyNeeded(0, 0)).toThrow(invalid);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, tree.root(5), [])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(false);
  });
  it('size 1', () => {
    expect(toHex(tree.root(1))).toBe(toHex(leaves[0]!));
    expect(tree.inclusionProof(0, 1)).toEqual([]);
    expect(verifyInclusion(leaves[0]!, 0, 1, [], tree.root(1))).toBe(true);
    expect(verifyInclusion(leaves[0]!, 0, 1, [leaves[1]!], tree.root(1))).toBe(false);
    expect(verifyInclusion(leaves[0]!, 1, 1, [], tree.root(1))).toBe(false);
    expect(verifyConsistency(1, 1, tree.root(1), tree.root(1), [])).toBe(true);
    expect(verifyConsistency(1, 2, tree.root(1), tree.root(2), tree.consistencyProof(1, 2))).toBe(true);
    expect(hex(tree.consistencyProof(1, 2))).toEqual([toHex(leaves[1]!)]);
  });
  it('equal sizes need an empty proof and equal roots', () => {
    expect(tree.consistencyProof(9, 9)).toEqual([]);
    expect(verifyConsistency(9, 9, tree.root(9), tree.root(9), [])).toBe(true);
    expect(verifyConsistency(9, 9, tree.root(9), tree.root(10), [])).toBe(false);
    expect(verifyConsistency(9, 9, tree.root(9), tree.root(9), [leaves[0]!])).toBe(false);
    expect(verifyConsistency(9, 10, tree.root(9), tree.root(10), [])).toBe(false);
  });
  it('index = size - 1 and power-of-two sizes', () => {
    for (const n of [2, 4, 8, 16, 32]) {
      expect(treeHashNeeded(n)).toEqual([storedHashIndex(Math.log2(n), 0)]);
      expect(tree.inclusionProof(n - 1, n).length).toBe(Math.log2(n));
      expect(verifyInclusion(leaves[n - 1]!, n - 1, n, tree.inclusionProof(n - 1, n), tree.root(n))).toBe(true);
      // old root of a power-of-two size is implicit in the proof
      const p = tree.consistencyProof(n, 33);
      expect(p.some((h) => toHex(h) === toHex(tree.root(n)))).toBe(false);
      expect(verifyConsistency(n, 33, tree.root(n), tree.root(33), p)).toBe(true);
    }
    for (const n of [3, 5, 17, 33]) {
      expect(verifyInclusion(leaves[n - 1]!, n - 1, n, tree.inclusionProof(n - 1, n), tree.root(n))).toBe(true);
      expect(verifyInclusion(leaves[n - 1]!, n - 1, n - 1, tree.inclusionProof(n - 1, n), tree.root(n))).toBe(false);
    }
  });
  it('pure pairs and the async reader agree, one batched read per call', async () => {
    const log = await storedLog(leaves);
    const read = (ix: number[]) => ix.map((i) => log.hashes[i]!);
    log.calls = 0;
    expect(toHex(treeHashFrom(21, read(treeHashNeeded(21))))).toBe(toHex(await treeHash(21, log.reader)));
    expect(hex(inclusionFrom(5, 21, read(inclusionNeeded(5, 21))))).toEqual(hex(await inclusionProof(5, 21, log.reader)));
    expect(hex(consistencyFrom(6, 21, read(consistencyNeeded(6, 21))))).toEqual(hex(await consistencyProof(6, 21, log.reader)));
    expect(hex(storedHashesFrom(33, leaves[0]!, read(storedHashesNeeded(33))))).toEqual(hex(await storedHashes(33, leaves[0]!, log.reader)));
    expect(log.calls).toBe(4);
  });
  it('From functions reject the wrong number or size of hashes', () => {
    const need = inclusionNeeded(5, 21);
    const got = tree.readHashes(need);
    expect(() => inclusionFrom(5, 21, got.slice(1))).toThrow(invalid);
    expect(() => inclusionFrom(5, 21, [...got, got[0]!])).toThrow(invalid);
    expect(() => treeHashFrom(21, [Uint8Array.of(1), ...tree.readHashes(treeHashNeeded(21)).slice(1)])).toThrow(invalid);
    expect(() => storedHashesFrom(3, leaves[3]!, [])).toThrow(invalid);
    expect(() => tree.root(34)).toThrow(invalid);
    expect(() => tree.inclusionProof(33, 33)).toThrow(invalid);
    expect(() => tree.consistencyProof(10, 9)).toThrow(invalid);
  });
});

describe('verifiers are total: malformed input is false/null, never a throw', () => {
  const leaves = Array.from({ length: 12 }, (_, i) => leafHash(Uint8Array.of(i)));
  const tree = new MemoryTree();
  leaves.forEach((l) => tree.append(l));
  const root = tree.root();
  const p = tree.inclusionProof(5);
  const c = tree.consistencyProof(7);
  const root7 = tree.root(7);
  const any = (x: unknown) => x as never;

  it('the good cases verify (so the failures below are about the input)', () => {
    expect(verifyInclusion(leaves[5]!, 5, 12, p, root)).toBe(true);
    expect(verifyConsistency(7, 12, root7, root, c)).toBe(true);
  });
  it('inclusion', () => {
    const cases: [unknown, unknown, unknown, unknown, unknown][] = [
      [leaves[5], -1, 12, p, root],
      [leaves[5], 5.5, 12, p, root],
      [leaves[5], 5, 12.5, p, root],
      [leaves[5], NaN, 12, p, root],
      [leaves[5], '5', 12, p, root],
      [leaves[5], 12, 12, p, root],
      [leaves[5], 5, 2 ** 53, p, root],
      [leaves[5]!.subarray(1), 5, 12, p, root],
      [leaves[5], 5, 12, p, root.subarray(1)],
      [leaves[5], 5, 12, p, null],
      [leaves[5], 5, 12, [...p.slice(1), p[0]!.subarray(1)], root],
      [leaves[5], 5, 12, [...p, 'x'], root],
      [leaves[5], 5, 12, 'p', root],
      [leaves[5], 5, 12, null, root],
      [undefined, 5, 12, p, root],
      [leaves[5], 5, 12, [...p, root], root],
      [leaves[5], 5, 12, p.slice(1), root],
      [leaves[5], 5, 12, Array(65).fill(root), root],
    ];
    for (const [l, i, s, pr, r] of cases) {
      expect(verifyInclusion(any(l), any(i), any(s), any(pr), any(r))).toBe(false);
      if (r === root) expect(rootFromInclusion(any(l), any(i), any(s), any(pr))).toBe(null);
    }
  });
  it('consistency', () => {
    const cases: [unknown, unknown, unknown, unknown, unknown][] = [
      [-1, 12, root7, root, c],
      [7.5, 12, root7, root, c],
      [7, 12.5, root7, root, c],
      [13, 12, root7, root, c],
      [7, 2 ** 53, root7, root, c],
      [7, 12, root7.subarray(1), root, c],
      [7, 12, root7, root.subarray(1), c],
      [7, 12, root7, root, [...c.slice(1), c[0]!.subarray(1)]],
      [7, 12, root7, root, null],
      [7, 12, root7, root, [...c, root]],
      [7, 12, root7, root, c.slice(1)],
      [7, 12, root7, root, []],
      [7, 12, root7, root, Array(65).fill(root)],
      ['7', 12, root7, root, c],
      [7, 12, undefined, root, c],
    ];
    for (const [m, n, a, b, pr] of cases) expect(verifyConsistency(any(m), any(n), any(a), any(b), any(pr))).toBe(false);
  });
  it('an over-long proof is refused before any hashing', () => {
    const backend = cryptoBackend();
    let hashes = 0;
    useCrypto({ ...backend, sha256: (d) => (hashes++, backend.sha256(d)) });
    try {
      const long = Array(65).fill(root);
      expect(verifyInclusion(leaves[0]!, 0, 2 ** 52, long, root)).toBe(false);
      expect(verifyConsistency(2 ** 40 + 1, 2 ** 52, root, root, long)).toBe(false);
      expect(hashes).toBe(0);
      expect(verifyInclusion(leaves[0]!, 0, 2 ** 52, long.slice(1), root)).toBe(false); // 64: allowed, and hashed
      expect(hashes).toBeGreaterThan(0);
    } finally {
      useCrypto(backend);
    }
  });
});
