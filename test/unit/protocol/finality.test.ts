import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../protocol/config/index.js';
import { FinalityPolicy } from '../../../protocol/finality.js';
import { originOf } from '../../../protocol/names.js';
import { cosign } from '../../../protocol/note/cosignature.js';
import { CONSORTIUM, testMember } from '../../helpers/consortium.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

describe('FinalityPolicy (one per epoch, tlog-policy semantics)', () => {
  const s = new Scenario(4);
  const ids = s.members.map((m) => m.id);
  const [A, B, C, D] = ids as [string, string, string, string];
  const policy = FinalityPolicy.of(s.config);

  it("is built once per config, with the epoch's witnesses and quorum", () => {
    expect(FinalityPolicy.of(s.config)).toBe(policy);
    expect([policy.epoch, policy.needed, policy.witnesses.map((w) => w.id)]).toEqual([0, 3, [...ids].sort()]);
  });

  it('counts each witness once, ignores keys it does not know, and gives count, needed, final and witnessed', () => {
    const n = s.checkpoint(A, 1, [A, B], [100, 300]);
    const outsider = testMember(5);
    const extra = cosign(n.text, originOf(CONSORTIUM, outsider.id), outsider.seed, 50);
    const twice = cosign(n.text, originOf(CONSORTIUM, B), s.member(1).seed, 200);
    expect(policy.check({ text: n.text, sigs: [...n.sigs, extra, twice] })).toMatchObject({ count: 2, needed: 3, final: false, witnessed: null });
    const q = s.checkpoint(A, 1, [D, B, C], [400, 100, 250]);
    expect(policy.check(q)).toEqual({
      counted: [
        { id: B, time: 100_000 },
        { id: C, time: 250_000 },
        { id: D, time: 400_000 },
      ],
      count: 3,
      needed: 3,
      final: true,
      witnessed: 400_000,
    });
  });

  it('a known witness line that does not verify is an error, not noise', () => {
    const n = s.checkpoint(A, 1, [B]);
    const bad = { ...n.sigs[1]!, sig: n.sigs[1]!.sig.map((b, i) => (i === 30 ? b ^ 1 : b)) };
    expect(() => policy.check({ text: n.text, sigs: [n.sigs[0]!, bad] })).toThrow(expect.objectContaining({ code: 'COSIGNATURE_INVALID' }));
  });

  it('counts cosigners verified elsewhere only with the key the epoch names (witnessCount/isFinalFor in the ledger ask this)', () => {
    const keys = new Map(s.members.map((m) => [m.id, m.member.key]));
    expect(policy.countVerified(keys)).toBe(4);
    keys.set(B, testMember(6).member.key);
    keys.set('nobody', testMember(5).member.key);
    expect(policy.countVerified(keys)).toBe(3);
    const authorsOnly = buildConfig({ consortium: CONSORTIUM, epoch: 0, members: s.members.map((m, i) => ({ ...m.member, roles: i === 0 ? ['author'] : ['author', 'witness'] })) });
    expect(FinalityPolicy.of(authorsOnly).countVerified(new Map(s.members.map((m) => [m.id, m.member.key])))).toBe(3);
  });
});
