import { describe, expect, it } from 'vitest';
import { configId, decodeConfig, encodeConfig } from '../../../protocol/config/index.js';
import { nextConfig } from '../../../cli/commands/governance.js';
import { testConsortium } from '../../helpers/consortium.js';

describe('governance propose: the next config (cli/commands/governance.ts nextConfig)', () => {
  it('a membership change keeps the working calendar in force; --calendar replaces it', () => {
    const { genesis } = testConsortium(3);
    const g = decodeConfig(genesis);
    const cal = { off: [20270101], on: [20270109] };
    const e1 = nextConfig(g, configId(genesis), g.members, cal);
    expect([e1.epoch, e1.calendar]).toEqual([1, cal]);
    // removing a member (or adding one) must not drop the holidays: the newest config's calendar is the one in force
    const e2 = nextConfig(e1, configId(encodeConfig(e1)), g.members.slice(0, 2));
    expect([e2.epoch, e2.members.length, e2.calendar]).toEqual([2, 2, cal]);
    const next = { off: [20280101], on: [] };
    expect(nextConfig(e2, configId(encodeConfig(e2)), e2.members, next).calendar).toEqual(next);
    // a consortium that never adopted a calendar still has none
    expect(nextConfig(g, configId(genesis), g.members).calendar).toBeUndefined();
  });
});
