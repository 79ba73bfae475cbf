import { describe, expect, it } from 'vitest';
import { packItems, unpackItems, type VerifyItem } from '../../../ledger/verify-pool.js';

describe('verify pool message packing (issue 16)', () => {
  it('unpacks exactly the items packed, in order, whatever their lengths', () => {
    const items: VerifyItem[] = Array.from({ length: 50 }, (_, i) => [new Uint8Array(32).fill(i), new Uint8Array(i * 7).fill(255 - i), new Uint8Array(64).fill(i + 1)]);
    items.push([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
    const packed = packItems(items);
    expect(unpackItems(packed)).toEqual(items);
    expect(unpackItems(packItems([]))).toEqual([]);
  });
});
