import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReadBatch } from '../../../ledger/read-batch.js';
import { Store } from '../../../ledger/store.js';
import { tempDir } from '../../helpers/consortium.js';

const k = (b: number) => Uint8Array.of(b, b);

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function store(): Promise<Store> {
  const dir = tempDir();
  const s = await Store.open(dir.path);
  cleanup.push(dir.cleanup);
  await s.write([s.put('nonce', k(1), Uint8Array.of(9)), s.put('nonce', k(3), Uint8Array.of(7))]);
  return s;
}

describe('point reads batched per turn (issue 16)', () => {
  it('reads asked in one turn are one getMany, each answered as a get would be; a later turn is a new batch', async () => {
    const s = await store();
    const reads = new ReadBatch(s, 'nonce');
    const getMany = vi.spyOn(s, 'getMany');
    const got = await Promise.all([1, 2, 3, 1].map((b) => reads.get(k(b))));
    expect(got).toEqual([Uint8Array.of(9), undefined, Uint8Array.of(7), Uint8Array.of(9)]);
    expect(getMany.mock.calls.map((c) => c[1].length)).toEqual([4]);
    await s.write([s.put('nonce', k(2), Uint8Array.of(5))]);
    expect(await reads.get(k(2))).toEqual(Uint8Array.of(5));
    expect(getMany).toHaveBeenCalledTimes(2);
    await s.close();
  });

  it('a batch whose read fails fails each of its reads', async () => {
    const s = await store();
    const reads = new ReadBatch(s, 'nonce');
    await s.close();
    const both = [reads.get(k(1)), reads.get(k(3))];
    for (const p of both) await expect(p).rejects.toThrow();
  });
});
