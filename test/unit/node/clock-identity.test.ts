import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { IdentityMismatch } from '../../../node/identity.js';
import { answerTime, checkTimeAnswer, ClockSkew, timeRequest } from '../../../node/clock-skew.js';
import { testMember } from '../../helpers/consortium.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x41);
const TEN_MINUTES = 10 * 60_000;

describe('start-up identity check', () => {
  it('refuses to start with a ledger key or peer key other than the config names for the member, naming which', async () => {
    t = await testNet(2);
    const other = t.members[1]!;
    const wrongLedger = t.start(0, { ledgerSeed: other.seed });
    await expect(wrongLedger).rejects.toBeInstanceOf(IdentityMismatch);
    await expect(wrongLedger).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH', which: 'ledger key' });
    await expect(wrongLedger).rejects.toThrow(/ledger key .* member bj-haidian/);
    await expect(t.start(0, { peerSeed: other.peerSeed })).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH', which: 'peer id' });
    // nothing was left open: the right keys start
    const n = await t.start(0);
    expect(n.peerId).toBe(t.members[0]!.member.peer);
  }, 30_000);
});

describe('clock skew', () => {
  it("a node whose clock is 10 minutes ahead measures it against peers' signed times, shows it, and refuses to append (503 CLOCK_SKEW)", async () => {
    t = await testNet(3);
    const C = t.members[2]!;
    await Promise.all([0, 1].map((i) => t!.start(i)));
    const c = await t.start(2, { now: () => Date.now() + TEN_MINUTES });
    await until(() => c.safety!.recovery.recovered && c.safety!.skew.current().length === 2, 20_000, 'skewed node recovered and measured');
    for (const s of c.safety!.skew.current()) expect(s.skewMs).toBeGreaterThan(TEN_MINUTES - 5_000);
    // its first administrator was never signed with a time its peers reject
    expect(c.ledger.size(C.id)).toBe(0);
    await expect(
      c.ledger.append(submission(t.net, C.id, 'admin', C.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }, undefined, Date.now() + TEN_MINUTES)),
    ).rejects.toMatchObject({ code: 'CLOCK_SKEW' });
    const url = await c.startApi('127.0.0.1', 0);
    const sub = submission(t.net, C.id, 'admin', C.adminSeed, 'org.actor', { id: 'wu.fang', key: publicKeyOf(reg), roles: ['registrar'], active: true }, undefined, Date.now() + TEN_MINUTES);
    const res = await fetch(`${url}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: Buffer.from(sub.request).toString('base64'), actor: sub.actor, sig: Buffer.from(sub.sig).toString('base64') }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('CLOCK_SKEW');
    const st = (await (await fetch(`${url}/v1/status`)).json()) as {
      appendRefused: { code: string; message: string } | null;
      clockSkew: { maxSeconds: number; peers: { member: string; seconds: number }[] };
    };
    expect(st.appendRefused?.code).toBe('CLOCK_SKEW');
    expect(st.appendRefused?.message).toMatch(/ahead of 2 of 2 peers/);
    expect(st.clockSkew.maxSeconds).toBeGreaterThan(595);
    expect(st.clockSkew.peers.map((p) => p.member)).toEqual([t.members[0]!.id, t.members[1]!.id]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`tongban_clock_skew_seconds\\{peer="${t.members[0]!.id}"\\} 59\\d`));
    // the honest nodes see it behind, and still append: one skewed peer of two is not a majority
    const a = t.nodes[0]!;
    await until(() => a.safety!.skew.current().some((s) => s.member === C.id), 20_000, 'honest node measured the skewed one');
    expect(a.safety!.skew.current().find((s) => s.member === C.id)!.skewMs).toBeLessThan(-(TEN_MINUTES - 5_000));
    expect(a.ledger.appendGuard?.()).toBeUndefined();
    await until(() => a.ledger.size(t!.members[0]!.id) === 1, 10_000, 'honest first admin');
  }, 60_000);

  it("a peer's time counts only when signed by its ledger key over this exchange's nonce", () => {
    const net = new Uint8Array(32).fill(5);
    const [a, b] = [testMember(0), testMember(1)];
    const nonce = new Uint8Array(16).fill(1);
    const res = answerTime(timeRequest(nonce), net, a.seed, 1_700_000_000_000);
    expect(checkTimeAnswer(res, net, nonce, a.member.key)).toBe(1_700_000_000_000);
    expect(() => checkTimeAnswer(res, net, nonce, b.member.key)).toThrow(/does not verify/);
    expect(() => checkTimeAnswer(res, net, new Uint8Array(16).fill(2), a.member.key)).toThrow(/does not verify/);
    expect(() => checkTimeAnswer({ ...res, time: 1_700_000_600_000 }, net, nonce, a.member.key)).toThrow(/does not verify/);
    expect(() => answerTime({ nonce: new Uint8Array(3) }, net, a.seed, 1)).toThrow(/nonce/);
  });

  it('warns above one minute and refuses only when most peers measured see this node more than 5 minutes ahead', () => {
    let now = 1_000_000_000;
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => warnings.push(s) });
    const skew = new ClockSkew(() => now, log);
    skew.record('a', now, now - 30_000, now);
    expect(warnings).toHaveLength(0);
    skew.record('a', now, now - 90_000, now);
    expect(warnings).toHaveLength(1);
    expect(skew.refusal()).toBeUndefined();
    skew.record('a', now, now - 6 * 60_000, now);
    skew.record('b', now, now, now);
    expect(skew.refusal()).toBeUndefined();
    skew.record('c', now, now - 6 * 60_000, now);
    expect(skew.refusal()).toMatchObject({ code: 'CLOCK_SKEW', status: 503 });
    // behind is not refused: peers accept records from the past
    const behind = new ClockSkew(() => now, log);
    behind.record('a', now, now + 6 * 60_000, now);
    expect(behind.refusal()).toBeUndefined();
    // stale samples stop counting
    now += 11 * 60_000;
    expect(skew.refusal()).toBeUndefined();
  });
});
