import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { checkEnrollableKey, nobleCrypto, useCrypto, type CryptoBackend } from '../../../protocol/crypto.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { formatVkey, KEY_TYPE_COSIGNATURE, parseVkey, peerIdOf, peerIdPublicKey } from '../../../protocol/keys.js';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import { vector } from './fixtures.js';

const ed = vector('ed25519.json');
const consortium = vector('consortium.json');
const backends: CryptoBackend[] = [nobleCrypto, nodeCrypto];

afterEach(() => useCrypto(nobleCrypto));

describe.each(backends.map((b) => [b.name, b] as const))('Ed25519 backend %s', (_n, b) => {
  for (const t of ed.valid) {
    it(`derives, signs and verifies ${t.name}`, () => {
      const seed = fromHex(t.seed);
      expect(toHex(b.publicKey(seed))).toBe(t.pub);
      expect(toHex(b.sign(seed, fromHex(t.msg)))).toBe(t.sig);
      expect(b.verify(fromHex(t.pub), fromHex(t.msg), fromHex(t.sig))).toBe(true);
    });
  }
  for (const t of ed.invalid) {
    it(`rejects ${t.name}`, () => {
      expect(b.verify(fromHex(t.pub), fromHex(t.msg), fromHex(t.sig))).toBe(false);
    });
  }
  it('rejects a non-canonical public key encoding (y >= p) as noble does', () => {
    // y = p + 1 encodes the same point as y = 1 (the identity) but is non-canonical.
    const pub = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const sig = new Uint8Array(64);
    expect(b.verify(pub, new Uint8Array(0), sig)).toBe(nobleCrypto.verify(pub, new Uint8Array(0), sig));
    expect(b.verify(pub, new Uint8Array(0), sig)).toBe(false);
  });
  it('computes SHA-256', () => {
    expect(toHex(b.sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('enrollment checks', () => {
  it('accepts a real key', () => {
    expect(() => checkEnrollableKey(fromHex(ed.valid[0].pub))).not.toThrow();
  });
  it('rejects the identity (small order) and a non-canonical encoding', () => {
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    expect(() => checkEnrollableKey(identity)).toThrow(ProtocolError);
    const nonCanonical = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(() => checkEnrollableKey(nonCanonical)).toThrow(ProtocolError);
    // order-8 point
    const order8 = fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    expect(() => checkEnrollableKey(order8)).toThrow(ProtocolError);
  });
  it('remembers only good keys: a bad key is refused every time, also after good keys and after itself', () => {
    const good = fromHex(ed.valid[0].pub);
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    for (let i = 0; i < 3; i++) {
      expect(() => checkEnrollableKey(good)).not.toThrow();
      expect(() => checkEnrollableKey(identity)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    }
    // the cache is keyed by the bytes now, not by the array: a checked array changed in place is checked again
    const reused = new Uint8Array(good);
    checkEnrollableKey(reused);
    reused.set(identity);
    expect(() => checkEnrollableKey(reused)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    expect(() => checkEnrollableKey(new Uint8Array(31), 'k')).toThrow(/k: must be 32 bytes/);
  });
});

describe('vkeys and peer ids', () => {
  for (const m of consortium.members) {
    it(`reproduces ${m.id}'s vkeys and peer id`, () => {
      const pub = nobleCrypto.publicKey(fromHex(m.ledgerSeedHex));
      const name = `${consortium.consortium}/${m.id}`;
      expect(formatVkey(name, pub)).toBe(m.vkey);
      expect(formatVkey(name, pub, KEY_TYPE_COSIGNATURE)).toBe(m.witnessVkey);
      expect(parseVkey(m.vkey).pub).toEqual(pub);
      const peerPub = nobleCrypto.publicKey(fromHex(m.peerSeedHex));
      expect(peerIdOf(peerPub)).toBe(m.peerId);
      expect(peerIdPublicKey(m.peerId)).toEqual(peerPub);
    });
  }
  it('parses vkeys whose base64 key contains "+" (split at the first two "+" only)', () => {
    for (let i = 0; i < 64; i++) {
      const pub = nobleCrypto.publicKey(new Uint8Array(32).fill(i));
      const v = formatVkey('example.com/log', pub);
      expect(parseVkey(v).pub).toEqual(pub);
    }
    const withPlus = Array.from({ length: 64 }, (_, i) => formatVkey('example.com/log', nobleCrypto.publicKey(new Uint8Array(32).fill(i)))).filter((v) => v.split('+').length > 3);
    expect(withPlus.length).toBeGreaterThan(0);
  });
  it('rejects a vkey whose key id does not match', () => {
    const v = consortium.members[0].vkey.replace('+9150825a+', '+9150825b+');
    expect(() => parseVkey(v)).toThrow(expect.objectContaining({ code: 'VKEY_INVALID' }));
  });
});
