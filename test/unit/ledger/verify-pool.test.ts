import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import { VerifyPool, type VerifyItem } from '../../../ledger/verify-pool.js';

const WORKER = fileURLToPath(new URL('../../helpers/sig-worker.mjs', import.meta.url));
const seed = new Uint8Array(32).fill(7);
const pub = nodeCrypto.publicKey(seed);
const msgs = Array.from({ length: 600 }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 1, 2, 3]));

describe('signature worker pool', () => {
  it('verifies and signs on its workers, every verdict and signature right, in order', async () => {
    const pool = new VerifyPool(2, WORKER);
    expect(pool.threads).toBe(2);
    const sigs = await pool.sign(seed, msgs);
    sigs.forEach((s, i) => expect(nodeCrypto.verify(pub, msgs[i]!, s)).toBe(true));
    const items: VerifyItem[] = msgs.map((m, i) => [pub, m, i % 3 === 0 ? new Uint8Array(64) : sigs[i]!]);
    expect(await pool.verify(items, 1)).toEqual(msgs.map((_, i) => i % 3 !== 0));
    // a single item goes to a worker too when asked (no threshold); a key or signature of the wrong length is false
    expect(await pool.verify([[pub, msgs[0]!, sigs[0]!]], 1)).toEqual([true]);
    expect(
      await pool.verify(
        [
          [pub.subarray(1), msgs[0]!, sigs[0]!],
          [pub, msgs[0]!, sigs[0]!.subarray(1)],
          [pub, new Uint8Array(0), sigs[0]!],
        ],
        1,
      ),
    ).toEqual([false, false, false]);
    await pool.close();
  });

  it('lets signatures a group waits on overtake verifications queued before them', async () => {
    const pool = new VerifyPool(1, WORKER);
    const sigs = await pool.sign(seed, msgs.slice(0, 1));
    const order: string[] = [];
    const items: VerifyItem[] = Array.from({ length: 1280 }, () => [pub, msgs[0]!, sigs[0]!]);
    const verified = pool.verify(items, 1).then(() => order.push('verify'));
    const signed = pool.sign(seed, msgs.slice(0, 10)).then(() => order.push('sign'));
    await Promise.all([verified, signed]);
    expect(order).toEqual(['sign', 'verify']);
    await pool.close();
  });

  it('fails the job of a worker that dies instead of leaving it waiting, and works on in the calling thread', async () => {
    const pool = new VerifyPool(1, WORKER);
    await expect(pool.sign(new Uint8Array(32).fill(0xff), msgs.slice(0, 2))).rejects.toThrow(/exited/);
    expect(pool.threads).toBe(0);
    const sigs = await pool.sign(seed, msgs.slice(0, 2));
    expect(nodeCrypto.verify(pub, msgs[1]!, sigs[1]!)).toBe(true);
    await pool.close();
  });
});
