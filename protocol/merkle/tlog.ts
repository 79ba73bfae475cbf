import { fail } from '../errors.js';
import { EMPTY_ROOT, nodeHash } from './hash.js';

/**
 * Stored-hash Merkle math in the spirit of Go's sumdb/tlog. A log keeps, per
 * record, its leaf hash followed by the root of every perfect subtree that
 * record completes (2n - popcount(n) hashes for n records). Any tree head or
 * proof is then a few of those hashes folded together: O(log n) reads and
 * nothing to replay at start-up.
 *
 * Each computation is a pure pair, `…Needed` (stored-hash indexes to read, so
 * a store can batch them) and `…From` (the result from those hashes, in the
 * same order); the async forms glue the pair over a HashReader. Bad arguments
 * throw ProtocolError 'PROOF_INVALID'.
 *
 * Sizes may exceed 2^32, so this file uses arithmetic, never bit operators.
 */
export interface HashReader {
  /** Hashes at the given stored-hash indexes, in the order asked. */
  readHashes(indexes: number[]): Promise<Uint8Array[]> | Uint8Array[];
}

/** Largest log size supported: its stored-hash indexes stay below 2^53. */
export const MAX_TREE_SIZE = 2 ** 52;

const P32 = 2 ** 32;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
const popcount = (x: number) => popcount32(x % P32) + popcount32(Math.floor(x / P32));

function trailingOnes(x: number): number {
  let c = 0;
  for (; x % 2 === 1; x = (x - 1) / 2) c++;
  return c;
}

/** Largest power of two strictly below w (w >= 2): where RFC 6962 splits a range. */
function split(w: number): number {
  let k = 1;
  while (k * 2 < w) k *= 2;
  return k;
}

function checkSize(n: number, what: string): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_TREE_SIZE) {
    fail('PROOF_INVALID', `${what} must be an integer in [0, 2^52], got ${String(n)}`);
  }
}

/** First stored-hash index of record r: the count stored for records 0..r-1. */
const firstIndex = (r: number) => 2 * r - popcount(r);

/**
 * Index of the hash of the perfect subtree at `level` number `n` (covering
 * records [n·2^level, (n+1)·2^level)). It is stored with its last record,
 * after that record's leaf and lower levels.
 */
export function storedHashIndex(level: number, n: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 52) fail('PROOF_INVALID', `bad level ${String(level)}`);
  checkSize(n, 'subtree number');
  const last = (n + 1) * 2 ** level - 1;
  if (last >= MAX_TREE_SIZE) fail('PROOF_INVALID', 'subtree beyond the largest supported log');
  return firstIndex(last) + level;
}

/** Inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= firstIndex(MAX_TREE_SIZE)) {
    fail('PROOF_INVALID', `bad stored-hash index ${String(index)}`);
  }
  // firstIndex is increasing and within 53 of 2r, so start at index/2 and walk up.
  let r = Math.floor(index / 2);
  while (firstIndex(r + 1) <= index) r++;
  const level = index - firstIndex(r);
  return { level, n: (r + 1) / 2 ** level - 1 };
}

/** Number of stored hashes of a log of n records (= first index of record n). */
export function storedHashCount(n: number): number {
  checkSize(n, 'size');
  return firstIndex(n);
}

/** Indexes to read before adding record n: the left siblings it completes, lowest level first. */
export function storedHashesNeeded(n: number): number[] {
  checkSize(n, 'record number');
  if (n >= MAX_TREE_SIZE) fail('PROOF_INVALID', 'log is full');
  const out: number[] = [];
  for (let l = 0, m = trailingOnes(n); l < m; l++) out.push(storedHashIndex(l, Math.floor(n / 2 ** l) - 1));
  return out;
}

/** The hashes to store for record n: its leaf hash, then each subtree it completes. */
export function storedHashesFrom(n: number, leafHash: Uint8Array, hashes: Uint8Array[]): Uint8Array[] {
  const need = storedHashesNeeded(n).length;
  checkHashes(hashes, need);
  checkHashes([leafHash], 1);
  const out = [leafHash];
  let h = leafHash;
  for (let l = 0; l < need; l++) out.push((h = nodeHash(hashes[l]!, h)));
  return out;
}

export async function storedHashes(n: number, leafHash: Uint8Array, reader: HashReader): Promise<Uint8Array[]> {
  return storedHashesFrom(n, leafHash, await read(reader, storedHashesNeeded(n)));
}

// A plan lists, per output hash, the stored hashes whose right fold gives it.
type Plan = number[][];

/**
 * Stored indexes of the perfect subtrees making up records [lo, hi), largest
 * first. Every range RFC 6962 recursion produces starts at a multiple of
 * its width rounded up to a power of two, so the greedy pieces are aligned.
 */
function cover(lo: number, hi: number): number[] {
  const out: number[] = [];
  while (lo < hi) {
    let level = 0;
    while (2 ** (level + 1) <= hi - lo) level++;
    out.push(storedHashIndex(level, lo / 2 ** level));
    lo += 2 ** level;
  }
  return out;
}

function checkHashes(hashes: Uint8Array[], count: number): void {
  if (!Array.isArray(hashes) || hashes.length !== count) fail('PROOF_INVALID', `expected ${count} stored hashes`);
  for (const h of hashes) if (!(h instanceof Uint8Array) || h.length !== 32) fail('PROOF_INVALID', 'stored hash is not 32 bytes');
}

/** RFC 6962 MTH of a range from its perfect pieces: H(a, H(b, …)). */
function fold(hs: Uint8Array[]): Uint8Array {
  let h = hs[hs.length - 1]!;
  for (let i = hs.length - 2; i >= 0; i--) h = nodeHash(hs[i]!, h);
  return h;
}

function runPlan(plan: Plan, hashes: Uint8Array[]): Uint8Array[] {
  checkHashes(
    hashes,
    plan.reduce((s, g) => s + g.length, 0),
  );
  let at = 0;
  return plan.map((g) => fold(hashes.slice(at, (at += g.length))));
}

async function read(reader: HashReader, need: number[]): Promise<Uint8Array[]> {
  return need.length === 0 ? [] : await reader.readHashes(need);
}

function treePlan(n: number): Plan {
  checkSize(n, 'size');
  return n === 0 ? [] : [cover(0, n)];
}

export const treeHashNeeded = (n: number): number[] => treePlan(n).flat();

export function treeHashFrom(n: number, hashes: Uint8Array[]): Uint8Array {
  return runPlan(treePlan(n), hashes)[0] ?? EMPTY_ROOT.slice();
}

/** RFC 6962 tree head of the first n records (SHA-256("") for n = 0). */
export async function treeHash(n: number, reader: HashReader): Promise<Uint8Array> {
  return treeHashFrom(n, await read(reader, treeHashNeeded(n)));
}

/** RFC 6962 PATH(index, D[0:size]): sibling ranges walking down, emitted leaf side first. */
function inclusionPlan(index: number, size: number): Plan {
  checkSize(index, 'index');
  checkSize(size, 'size');
  if (index >= size) fail('PROOF_INVALID', `index ${index} is not below size ${size}`);
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const mid = lo + split(hi - lo);
    if (index < mid) {
      ranges.push([mid, hi]);
      hi = mid;
    } else {
      ranges.push([lo, mid]);
      lo = mid;
    }
  }
  return ranges.reverse().map(([a, b]) => cover(a, b));
}

export const inclusionNeeded = (index: number, size: number): number[] => inclusionPlan(index, size).flat();

export function inclusionFrom(index: number, size: number, hashes: Uint8Array[]): Uint8Array[] {
  return runPlan(inclusionPlan(index, size), hashes);
}

/** RFC 6962 / 9162 audit path of record `index` in the tree of `size` records (Go's tlog.ProveRecord). */
export async function inclusionProof(index: number, size: number, reader: HashReader): Promise<Uint8Array[]> {
  return inclusionFrom(index, size, await read(reader, inclusionNeeded(index, size)));
}

/**
 * RFC 6962 PROOF(m, D[0:n]). Like Go's tlog.ProveTree, 1 <= m <= n is
 * required: an empty old tree has nothing to be consistent with.
 */
function consistencyPlan(m: number, n: number): Plan {
  checkSize(m, 'old size');
  checkSize(n, 'new size');
  if (m < 1 || m > n) fail('PROOF_INVALID', `consistency needs 1 <= old size <= new size, got ${m}, ${n}`);
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = n;
  while (m !== hi) {
    const mid = lo + split(hi - lo);
    if (m <= mid) {
      ranges.push([mid, hi]);
      hi = mid;
    } else {
      ranges.push([lo, mid]);
      lo = mid;
    }
  }
  // The verifier knows the old root only when this piece is the whole old tree.
  if (lo !== 0) ranges.push([lo, hi]);
  return ranges.reverse().map(([a, b]) => cover(a, b));
}

export const consistencyNeeded = (oldSize: number, newSize: number): number[] => consistencyPlan(oldSize, newSize).flat();

export function consistencyFrom(oldSize: number, newSize: number, hashes: Uint8Array[]): Uint8Array[] {
  return runPlan(consistencyPlan(oldSize, newSize), hashes);
}

/** RFC 6962 / 9162 consistency proof from oldSize to newSize (Go's tlog.ProveTree). */
export async function consistencyProof(oldSize: number, newSize: number, reader: HashReader): Promise<Uint8Array[]> {
  return consistencyFrom(oldSize, newSize, await read(reader, consistencyNeeded(oldSize, newSize)));
}
