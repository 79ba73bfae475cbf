import * as nc from 'node:crypto';
import { nobleCrypto, type CryptoBackend } from '../protocol/crypto.js';

// PKCS#8 / SPKI DER prefixes for raw Ed25519 keys (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// L, the order of the Ed25519 base point, little-endian: S must be < L.
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
// p = 2^255 - 19, little-endian, for the canonical-encoding check of points.
const P = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex');

const privCache = new Map<string, nc.KeyObject>();
const pubCache = new Map<string, nc.KeyObject>();
const CACHE_MAX = 4096;

/** The last key used, checked by its bytes first: one member key signs, one official's key verifies many in a row. */
let lastSeed: { bytes: Uint8Array; key: nc.KeyObject } | undefined;
let lastPub: { bytes: Uint8Array; key: nc.KeyObject } | undefined;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function privateKey(seed: Uint8Array): nc.KeyObject {
  if (lastSeed && sameBytes(lastSeed.bytes, seed)) return lastSeed.key;
  const key = cachedPrivateKey(seed);
  lastSeed = { bytes: new Uint8Array(seed), key };
  return key;
}

function publicKeyObject(pub: Uint8Array): nc.KeyObject {
  if (lastPub && sameBytes(lastPub.bytes, pub)) return lastPub.key;
  const key = cachedPublicKey(pub);
  lastPub = { bytes: new Uint8Array(pub), key };
  return key;
}

function cachedPrivateKey(seed: Uint8Array): nc.KeyObject {
  const k = Buffer.from(seed).toString('base64');
  let key = privCache.get(k);
  if (!key) {
    key = nc.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    if (privCache.size >= CACHE_MAX) privCache.clear();
    privCache.set(k, key);
  }
  return key;
}

function cachedPublicKey(pub: Uint8Array): nc.KeyObject {
  const k = Buffer.from(pub).toString('base64');
  let key = pubCache.get(k);
  if (!key) {
    key = nc.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
    if (pubCache.size >= CACHE_MAX) pubCache.clear();
    pubCache.set(k, key);
  }
  return key;
}

/** Little-endian compare of 32-byte values, with the top bit of the last byte masked when asked. */
function ltLE(a: Uint8Array, b: Uint8Array, maskTop: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && maskTop ? a[i]! & 0x7f : a[i]!;
    if (x !== b[i]) return x < b[i]!;
  }
  return false;
}

/**
 * node:crypto (OpenSSL) rejects S >= L already; the extra checks keep the
 * verdicts identical to strict RFC 8032 (noble, zip215:false) for
 * non-canonical R and A encodings (y >= p), which OpenSSL may accept.
 */
export const nodeCrypto: CryptoBackend = {
  name: 'node:crypto',
  // One-shot hash: no Hash object per call (a record's id, its request digest and its stored hashes are each one).
  sha256(d) {
    const b = nc.hash('sha256', d, 'buffer');
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  },
  publicKey(seed) {
    const der = nc.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(der.length - 32));
  },
  sign: (seed, msg) => new Uint8Array(nc.sign(null, msg, privateKey(seed))),
  verify(pub, msg, sig) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    if (!ltLE(sig.subarray(32), L, false)) return false;
    if (!ltLE(pub, P, true) || !ltLE(sig.subarray(0, 32), P, true)) {
      // Non-canonical y: decide exactly as the portable backend does.
      return nobleCrypto.verify(pub, msg, sig);
    }
    try {
      return nc.verify(null, msg, publicKeyObject(pub), sig);
    } catch {
      return false;
    }
  },
};
