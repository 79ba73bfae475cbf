import { equalBytes } from '../bytes.js';
import { nodeHash } from './hash.js';

/**
 * Proof checks (RFC 9162 §2.1.3.2 and §2.1.4.2). They are total: malformed
 * input of any kind (wrong types, negative or fractional numbers, index >=
 * size, hashes not 32 bytes, proofs longer than 64) gives false / null, never
 * a throw, because they run on bytes from the network and from bundles.
 *
 * Note: an inclusion proof binds the size only through the proof's shape;
 * sizes are bound to roots by the signed checkpoint.
 */

/** No log of < 2^53 records has a longer proof. */
export const MAX_PROOF_LENGTH = 64;

const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === 32;
const isProof = (p: unknown): p is Uint8Array[] => Array.isArray(p) && p.length <= MAX_PROOF_LENGTH && p.every(isHash);
// Sizes exceed 2^32: shift by division.
const half = (x: number) => Math.floor(x / 2);
const odd = (x: number) => x % 2 === 1;

/** The root an inclusion proof leads to, or null when the input or the proof's shape is wrong. */
export function rootFromInclusion(leafHash: Uint8Array, index: number, size: number, proof: Uint8Array[]): Uint8Array | null {
  if (!isHash(leafHash) || !isSize(index) || !isSize(size) || index >= size || !isProof(proof)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null; // proof too long
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Right edge: skip the levels where this node has no right sibling.
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null; // else too short
}

/** Is `leafHash` record `index` of the tree of `size` records with `root`? */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusion(leafHash, index, size, proof);
  return r !== null && isHash(root) && equalBytes(r, root);
}

/**
 * Is the tree (oldSize, oldRoot) a prefix of (newSize, newRoot)? Equal sizes
 * need an empty proof and equal roots. oldSize 0 is false: like Go's
 * tlog.CheckTree (which rejects it as invalid input) there is nothing to
 * check, so a caller with no earlier tree head must skip the check itself.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: Uint8Array[]): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize < 1 || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  // When the old tree is a perfect subtree, its root is the proof's implicit first node.
  const path = oldSize === 2 ** Math.round(Math.log2(oldSize)) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}
