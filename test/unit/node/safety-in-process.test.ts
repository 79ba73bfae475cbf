import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { AppendRefused } from '../../../node/append-refused.js';
import { submission } from '../../helpers/consortium.js';
import { memoryNet, type MemoryNet } from '../../helpers/memory.js';
import { until } from '../../helpers/network.js';

let t: MemoryNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x61);
const TEN_MINUTES = 10 * 60_000;

function registrar(t: MemoryNet, i: number) {
  const m = t.members[i]!;
  return {
    enrol: () => t.nodes[i]!.ledger.append(submission(t.net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true })),
    register: (k: number) => t.nodes[i]!.ledger.append(submission(t.net, m.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k & 255), type: `t${k}`, class: 'public' })),
  };
}

describe('safety at start in process (in-memory network)', () => {
  it('a node whose store was deleted refuses to append until its peers answered, takes its log back and continues at the right seq', async () => {
    t = memoryNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes[0]!.ledger.size(A) === 1, 5_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    for (let k = 0; k < 3; k++) await r.register(k);
    await until(() => t!.nodes.every((n) => n!.ledger.finalSize(A) === 5), 10_000, 'replicated and final');
    await t.stop(0);
    await t.stop(2);
    rmSync(t.dirs[0]!, { recursive: true, force: true });
    // with one of the two other witnesses up (3 witnesses, quorum 2: both must answer), it takes back what B holds but signs nothing
    const a = await t.start(0);
    await until(() => a.ledger.size(A) === 5, 5_000, 'records taken back from B');
    expect(a.safety!.recovery.recovered).toBe(false);
    await expect(r.register(9)).rejects.toBeInstanceOf(AppendRefused);
    await expect(r.register(9)).rejects.toMatchObject({ code: 'RECOVERING', status: 503 });
    await t.start(2);
    await until(() => a.safety!.recovery.recovered, 10_000, 'recovered once the second witness answered');
    expect((await r.register(9)).seq).toBe(5);
    await until(() => t!.nodes.every((n) => n!.ledger.finalSize(A) === 6), 10_000, 'the next record final everywhere');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 30_000);

  it('a node whose clock is 10 minutes ahead measures it over the time exchange and refuses to append (CLOCK_SKEW)', async () => {
    t = memoryNet(3);
    await Promise.all([0, 1].map((i) => t!.start(i)));
    const C = t.members[2]!;
    const c = await t.start(2, { now: () => Date.now() + TEN_MINUTES });
    await until(() => c.safety!.recovery.recovered && c.safety!.skew.current().length === 2, 10_000, 'skewed node recovered and measured');
    for (const s of c.safety!.skew.current()) expect(s.skewMs).toBeGreaterThan(TEN_MINUTES - 5_000);
    // its first administrator was never signed with a time its peers would reject
    expect(c.ledger.size(C.id)).toBe(0);
    expect(c.ledger.appendGuard?.()).toMatchObject({ code: 'CLOCK_SKEW' });
    const sub = submission(t.net, C.id, 'admin', C.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }, undefined, Date.now() + TEN_MINUTES);
    await expect(c.ledger.append(sub)).rejects.toMatchObject({ code: 'CLOCK_SKEW', status: 503 });
    // the honest nodes see it behind and still append: one skewed peer of two is not a majority
    const a = t.nodes[0]!;
    await until(() => a.safety!.skew.current().some((s) => s.member === C.id), 10_000, 'honest node measured the skewed one');
    expect(a.safety!.skew.current().find((s) => s.member === C.id)!.skewMs).toBeLessThan(-(TEN_MINUTES - 5_000));
    expect(a.ledger.appendGuard?.()).toBeUndefined();
    expect((await registrar(t, 0).enrol()).seq).toBe(1);
  }, 30_000);
});
