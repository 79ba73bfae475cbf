import { equalBytes } from '../bytes.js';
import { nodeHash } from './hash.js';

/** Proofs longer than this cannot belong to a log of < 2^53 records. */
const MAX_PROOF = 64;

const okHashes = (p: unknown): p is Uint8Array[] =>
  Array.isArray(p) && p.length <= MAX_PROOF && p.every((h) => h instanceof Uint8Array && h.length === 32);
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function maxpow2(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function runRecordProof(p: Uint8Array[], lo: number, hi: number, n: number, leaf: Uint8Array): Uint8Array | null {
  if (lo + 1 === hi) return p.length === 0 ? leaf : null;
  if (p.length === 0) return null;
  const k = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  const rest = p.slice(0, -1);
  if (n < lo + k) {
    const th = runRecordProof(rest, lo, lo + k, n, leaf);
    return th && nodeHash(th, last);
  }
  const th = runRecordProof(rest, lo + k, hi, n, leaf);
  return th && nodeHash(last, th);
}

/** The root an inclusion proof leads to, or null when the proof has the wrong shape. */
export function rootFromInclusion(leafHash: Uint8Array, index: number, size: number, proof: Uint8Array[]): Uint8Array | null {
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== 32 || !isCount(index) || !isCount(size) || index >= size || !okHashes(proof)) return null;
  return runRecordProof(proof, 0, size, index, leafHash);
}

/** RFC 6962 / 9162 inclusion check of leaf `index` in a tree of `size` with `root`. */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusion(leafHash, index, size, proof);
  return r !== null && root instanceof Uint8Array && equalBytes(r, root);
}

function runTreeProof(p: Uint8Array[], lo: number, hi: number, n: number, old: Uint8Array): [Uint8Array, Uint8Array] | null {
  if (n === hi) {
    if (lo === 0) return p.length === 0 ? [old, old] : null;
    return p.length === 1 ? [p[0]!, p[0]!] : null;
  }
  if (p.length === 0) return null;
  const k = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  const rest = p.slice(0, -1);
  if (n <= lo + k) {
    const r = runTreeProof(rest, lo, lo + k, n, old);
    return r && [r[0], nodeHash(r[1], last)];
  }
  const r = runTreeProof(rest, lo + k, hi, n, old);
  return r && [nodeHash(last, r[0]), nodeHash(last, r[1])];
}

/**
 * RFC 6962 consistency check (as Go's tlog.CheckTree). An empty old tree is
 * consistent with any tree, with an empty proof.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: Uint8Array[]): boolean {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize || !okHashes(proof)) return false;
  if (!(oldRoot instanceof Uint8Array) || !(newRoot instanceof Uint8Array)) return false;
  if (oldSize === 0) return proof.length === 0;
  const r = runTreeProof(proof, 0, newSize, oldSize, oldRoot);
  return r !== null && equalBytes(r[0], oldRoot) && equalBytes(r[1], newRoot);
}
