import * as ed from '@noble/ed25519';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { fail } from './errors.js';
import { toHex } from './bytes.js';

ed.hashes.sha512 = sha512;

/**
 * The primitives every hashed or signed byte goes through. The portable
 * backend (noble) runs anywhere; the node swaps in a node:crypto backend for
 * its hot paths (ledger/crypto-node.ts), which must give the same verdicts on
 * vectors/ed25519.json. Verification is strict RFC 8032 in both.
 */
export interface CryptoBackend {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /** 32-byte public key of a 32-byte Ed25519 seed. */
  publicKey(seed: Uint8Array): Uint8Array;
  sign(seed: Uint8Array, msg: Uint8Array): Uint8Array;
  /** Strict: non-canonical S, non-canonical points and wrong lengths are false. */
  verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
}

export const nobleCrypto: CryptoBackend = {
  name: 'noble',
  sha256: (d) => nobleSha256(d),
  publicKey: (seed) => ed.getPublicKey(seed),
  sign: (seed, msg) => ed.sign(msg, seed),
  verify(pub, msg, sig) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    try {
      return ed.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  },
};

let active: CryptoBackend = nobleCrypto;

/** Replace the backend used by every protocol function (process-wide). */
export function useCrypto(backend: CryptoBackend): void {
  active = backend;
}

export function cryptoBackend(): CryptoBackend {
  return active;
}

export function sha256(data: Uint8Array): Uint8Array {
  return active.sha256(data);
}

export function publicKeyOf(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) fail('KEY_INVALID', 'Ed25519 seed must be 32 bytes');
  return active.publicKey(seed);
}

export function sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  if (seed.length !== 32) fail('KEY_INVALID', 'Ed25519 seed must be 32 bytes');
  return active.sign(seed, msg);
}

export function verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  return active.verify(pub, msg, sig);
}

/**
 * Check a public key before it is enrolled (member ledger key, actor key):
 * canonical point encoding, on the curve, not of small order. node:crypto
 * accepts both bad cases, so this check is done here with noble.
 */
export function checkEnrollableKey(pub: Uint8Array, what = 'public key'): void {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) fail('KEY_INVALID', `${what}: must be 32 bytes`);
  const hex = toHex(pub);
  if (enrollable.has(hex)) return;
  let p: ed.Point;
  try {
    p = ed.Point.fromBytes(pub, false);
  } catch {
    return fail('KEY_INVALID', `${what}: not a canonical Ed25519 point`);
  }
  if (p.isSmallOrder()) fail('KEY_INVALID', `${what}: small-order Ed25519 point`);
  if (enrollable.size >= ENROLLABLE_CACHE) enrollable.clear();
  enrollable.add(hex);
}

// Keys found enrollable: the check decompresses the point in BigInt arithmetic (~0.5 ms cold), and replaying a
// bundle or a store meets the same member and actor keys again and again (an offline verify: 24 checks, 13 keys).
const ENROLLABLE_CACHE = 4096;
const enrollable = new Set<string>();

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}
