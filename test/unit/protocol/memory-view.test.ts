import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../protocol/bytes.js';
import { verifyBundle } from '../../../protocol/bundle/verify.js';
import { mutate } from '../../helpers/arbitraries.js';
import { cv, net } from './consortium-helpers.js';

describe('MemoryView over a tampered bundle', () => {
  it('never puts a malformed org.actor in force (verifyBundle reported a TypeError instead of a finding)', () => {
    // found by the bundle robustness property (seed -1848981236): one flipped bit in an org.actor's roles
    const bytes = mutate(fromHex(cv.bundleHex), { kind: 'flip', at: 1166716735, bit: 0 });
    const r = verifyBundle(bytes, net);
    expect(r.proofs).toBe('unsound');
  });
});
