import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publicKeyOf, sign, verify } from '../../protocol/crypto.js';
import type { VerifyItem, VerifyPool } from '../../ledger/verify-pool.js';

// The built pool: run from the sources it has no worker threads (it verifies in the calling thread).
const POOL = fileURLToPath(new URL('../../dist/ledger/verify-pool.js', import.meta.url));

describe('verify pool with worker threads (built, issue 16: packed messages)', () => {
  it('gives every item the verdict a direct check gives, in order, across workers and messages', async () => {
    expect(existsSync(POOL), 'dist/ must be built').toBe(true);
    const { VerifyPool: Built } = (await import(POOL)) as { VerifyPool: typeof VerifyPool };
    const pool = new Built(2);
    expect(pool.threads).toBe(2);
    const items: VerifyItem[] = Array.from({ length: 300 }, (_, i) => {
      const seed = new Uint8Array(32).fill(i % 7);
      const msg = new Uint8Array(20 + (i % 50)).fill(i);
      const sig = sign(seed, msg);
      if (i % 5 === 0) sig[i % 64]! ^= 1; // every fifth forged
      return [publicKeyOf(i % 11 === 0 ? new Uint8Array(32).fill(99) : seed), msg, sig];
    });
    const want = items.map(([p, m, s]) => verify(p, m, s));
    expect(want.filter(Boolean).length).toBeGreaterThan(100);
    expect(want.filter((v) => !v).length).toBeGreaterThan(50);
    const [all, again] = await Promise.all([pool.verify(items, 1), pool.verify(items.slice(7, 207), 1)]);
    expect(all).toEqual(want);
    expect(again).toEqual(want.slice(7, 207));
    await pool.close();
  });
});
