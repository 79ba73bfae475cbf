import { fail } from '../errors.js';
import { EMPTY_ROOT, nodeHash } from './hash.js';

/**
 * Stored-hash Merkle math in the manner of Go's sumdb/tlog: a log of n
 * records keeps about 2n hashes (every complete subtree's root, in the order
 * they are completed), so the tree head and any proof for any size take
 * O(log n) reads and nothing is replayed. Numbers are < 2^53.
 *
 * Each computation comes as a pair: `…Needed` lists the stored-hash indexes
 * to read (so a store can batch them), `…From` builds the result from those
 * hashes. The async forms glue the two over a HashReader.
 */
export interface HashReader {
  /** Hashes at the given stored-hash indexes, in the order asked. */
  readHashes(indexes: number[]): Promise<Uint8Array[]> | Uint8Array[];
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

function trailingZeros(n: number): number {
  let z = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
}

/** Index of the hash of the subtree at `level` number `n` (n-th node of that level). */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

export function splitStoredHashIndex(index: number): { level: number; n: number } {
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}

/** Number of stored hashes of a log of n records (also the index of record n's first hash). */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = (i - 1) / 2) count++;
  return count;
}

/** Stored-hash indexes needed to add record n: the subtrees its leaf completes. */
export function storedHashesNeeded(n: number): number[] {
  const m = trailingZeros(n + 1);
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) out[m - 1 - i] = storedHashIndex(i, Math.floor(n / 2 ** i) - 1);
  return out;
}

/** The hashes to store for record n: its leaf hash, then each subtree it completes. */
export function storedHashesFrom(n: number, leafHash: Uint8Array, old: Uint8Array[]): Uint8Array[] {
  const m = old.length;
  if (m !== trailingZeros(n + 1)) fail('PROOF_INVALID', 'wrong number of stored hashes');
  const out = [leafHash];
  let h = leafHash;
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h);
    out.push(h);
  }
  return out;
}

export async function storedHashes(n: number, leafHash: Uint8Array, reader: HashReader): Promise<Uint8Array[]> {
  return storedHashesFrom(n, leafHash, await reader.readHashes(storedHashesNeeded(n)));
}

/** Largest power of two strictly below n, and its log2. */
function maxpow2(n: number): { k: number; level: number } {
  let level = 0;
  while (2 ** (level + 1) < n) level++;
  return { k: 2 ** level, level };
}

function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const { k, level } = maxpow2(hi - lo + 1);
    need.push(storedHashIndex(level, lo / k));
    lo += k;
  }
  return need;
}

/** Hash of records [lo, hi) from the front of `hashes`; returns the rest. */
function subTreeHash(lo: number, hi: number, hashes: Uint8Array[]): [Uint8Array, Uint8Array[]] {
  let numTree = 0;
  while (lo < hi) {
    lo += maxpow2(hi - lo + 1).k;
    numTree++;
  }
  let h = hashes[numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return [h, hashes.slice(numTree)];
}

function checkSize(n: number, what: string): void {
  if (!isCount(n)) fail('PROOF_INVALID', `${what} must be a non-negative integer`);
}

export function treeHashNeeded(n: number): number[] {
  checkSize(n, 'size');
  return subTreeIndex(0, n, []);
}

export function treeHashFrom(n: number, hashes: Uint8Array[]): Uint8Array {
  if (n === 0) return EMPTY_ROOT;
  return subTreeHash(0, n, hashes)[0];
}

/** Root of the first n records (RFC 6962 tree head; SHA-256("") for n = 0). */
export async function treeHash(n: number, reader: HashReader): Promise<Uint8Array> {
  const need = treeHashNeeded(n);
  return treeHashFrom(n, need.length ? await reader.readHashes(need) : []);
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (lo + 1 === hi) return need;
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(lo: number, hi: number, n: number, hashes: Uint8Array[]): [Uint8Array[], Uint8Array[]] {
  if (lo + 1 === hi) return [[], hashes];
  const { k } = maxpow2(hi - lo);
  let p: Uint8Array[];
  let th: Uint8Array;
  if (n < lo + k) {
    [p, hashes] = leafProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = leafProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

export function inclusionNeeded(index: number, size: number): number[] {
  checkSize(index, 'index');
  checkSize(size, 'size');
  if (index >= size) fail('PROOF_INVALID', `index ${index} is not below size ${size}`);
  return leafProofIndex(0, size, index, []);
}

export function inclusionFrom(index: number, size: number, hashes: Uint8Array[]): Uint8Array[] {
  return leafProof(0, size, index, hashes)[0];
}

/** RFC 6962 audit path of record `index` in the tree of `size` records. */
export async function inclusionProof(index: number, size: number, reader: HashReader): Promise<Uint8Array[]> {
  const need = inclusionNeeded(index, size);
  return need.length ? inclusionFrom(index, size, await reader.readHashes(need)) : [];
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function treeProof(lo: number, hi: number, n: number, hashes: Uint8Array[]): [Uint8Array[], Uint8Array[]] {
  if (n === hi) {
    if (lo === 0) return [[], hashes];
    const [th, rest] = subTreeHash(lo, hi, hashes);
    return [[th], rest];
  }
  const { k } = maxpow2(hi - lo);
  let p: Uint8Array[];
  let th: Uint8Array;
  if (n <= lo + k) {
    [p, hashes] = treeProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = treeProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return [p, hashes];
}

export function consistencyNeeded(oldSize: number, newSize: number): number[] {
  checkSize(oldSize, 'old size');
  checkSize(newSize, 'new size');
  if (oldSize > newSize) fail('PROOF_INVALID', `old size ${oldSize} is above new size ${newSize}`);
  return oldSize === 0 ? [] : treeProofIndex(0, newSize, oldSize, []);
}

export function consistencyFrom(oldSize: number, newSize: number, hashes: Uint8Array[]): Uint8Array[] {
  return oldSize === 0 ? [] : treeProof(0, newSize, oldSize, hashes)[0];
}

/** RFC 6962 consistency proof from `oldSize` to `newSize` (empty for oldSize 0). */
export async function consistencyProof(oldSize: number, newSize: number, reader: HashReader): Promise<Uint8Array[]> {
  const need = consistencyNeeded(oldSize, newSize);
  return need.length ? consistencyFrom(oldSize, newSize, await reader.readHashes(need)) : [];
}
