import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import type { CryptoBackend } from '../../../protocol/crypto.js';
import { verifyOnce } from '../../../cli/verify-once.js';

const seed = new Uint8Array(32).fill(7);
const pub = nodeCrypto.publicKey(seed);
const msg = new TextEncoder().encode('checkpoint');
const sig = nodeCrypto.sign(seed, msg);

/** nodeCrypto, counting the checks that reach it. */
function counting(): { backend: CryptoBackend; checks: () => number } {
  let n = 0;
  return {
    backend: {
      ...nodeCrypto,
      verify: (p, m, s) => {
        n++;
        return nodeCrypto.verify(p, m, s);
      },
    },
    checks: () => n,
  };
}

describe('verifyOnce (the CLI checks each distinct signature once)', () => {
  it('a repeat of the same key, message and signature is answered with the first verdict, without a second check', () => {
    const c = counting();
    const once = verifyOnce(c.backend);
    expect([once.verify(pub, msg, sig), once.verify(pub, msg, sig), once.verify(pub.slice(), msg.slice(), sig.slice())]).toEqual([true, true, true]);
    expect(c.checks()).toBe(1);
  });

  it('any byte changed is a new check with its own verdict', () => {
    const c = counting();
    const once = verifyOnce(c.backend);
    const badSig = sig.slice();
    badSig[5]! ^= 1;
    const otherMsg = new TextEncoder().encode('checkpoinT');
    const otherPub = nodeCrypto.publicKey(new Uint8Array(32).fill(8));
    expect(once.verify(pub, msg, sig)).toBe(true);
    expect(once.verify(pub, msg, badSig)).toBe(false);
    expect(once.verify(pub, otherMsg, sig)).toBe(false);
    expect(once.verify(otherPub, msg, sig)).toBe(false);
    expect(once.verify(pub, msg, badSig)).toBe(false);
    expect(c.checks()).toBe(4);
  });

  it('the split between key, signature and message is part of the key: shifted bytes are not a repeat', () => {
    const c = counting();
    const once = verifyOnce(c.backend);
    expect(once.verify(pub, msg, sig)).toBe(true);
    // the same bytes in a row, one byte moved from the message into a 65-byte signature: a wrong length, false
    expect(once.verify(pub, msg.subarray(1), new Uint8Array([...sig, msg[0]!]))).toBe(false);
    expect(c.checks()).toBe(2);
  });

  it('hashing, keys and signing are the backend’s own', () => {
    const once = verifyOnce(nodeCrypto);
    expect(once.sha256(msg)).toEqual(nodeCrypto.sha256(msg));
    expect(once.publicKey(seed)).toEqual(pub);
    expect(once.sign(seed, msg)).toEqual(sig);
  });
});
