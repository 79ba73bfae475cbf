import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../protocol/bytes.js';
import { decodeBundle, encodeBundle, verifyBundle, verifyCaseBundle } from '../../../../protocol/bundle/index.js';
import type { CborMap } from '../../../../protocol/cbor.js';
import { WorkCalendar } from '../../../../protocol/cases/calendar.js';
import { caseReport, hoursOf, type HeldRecord } from '../../../../protocol/cases/report.js';
import { approveConfig, buildConfig, configId, encodeConfig } from '../../../../protocol/config/index.js';
import type { Envelope } from '../../../../protocol/records/index.js';
import { Scenario } from '../../../helpers/bundle-scenario.js';

const H = (b: number) => new Uint8Array(32).fill(b);
const at = (s: string) => Date.parse(s);

/**
 * The 异地代收代办 story: Zhengzhou receives the application and posts the
 * materials to Haidian, which receipts, accepts, pauses for an inspection,
 * resumes, decides in three steps, closes with an e-licence and hands the
 * result back; Zhengzhou delivers, the applicant rates it, Pudong's
 * supervisor claims it.
 */
function story() {
  const s = new Scenario(3);
  const [HD, PD, ZZ] = [s.member(0).id, s.member(1).id, s.member(2).id];
  s.enrol(ZZ, 'zz.cw', ['caseworker']);
  s.enrol(HD, 'hd.cw', ['caseworker']);
  s.enrol(HD, 'hd.ap', ['approver']);
  s.enrol(PD, 'pd.sup', ['supervisor']);
  const when = (t: string) => (s.clock = at(t) - 1000);
  const recs: Envelope[] = [];
  const by = (t: string, author: string, actor: string, kind: string, body: CborMap, refs?: Uint8Array[]) => {
    when(t);
    const e = s.by(author, actor, kind, body, refs);
    recs.push(e);
    return e;
  };
  const open = by('2026-11-25T09:00:00+08:00', ZZ, 'zz.cw', 'case.open', {
    item: '11410100MB1234567X4000111001',
    name: '道路运输经营许可',
    mode: 'proxy',
    serial: 'ZZ-2026-0001',
    applicant: H(1),
    handlers: [HD],
    limit: { days: 5, calendar: 'working' },
    materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
  });
  const id = open.id;
  const post = by('2026-11-25T10:00:00+08:00', ZZ, 'zz.cw', 'case.handoff', { to: HD, purpose: 'handle', via: 'post', materials: [H(2)], tracking: 'EMS0001' }, [id]);
  by('2026-11-27T09:30:00+08:00', HD, 'hd.cw', 'case.receipt', { complete: true }, [id, post.id]);
  by('2026-11-27T10:00:00+08:00', HD, 'hd.cw', 'case.accept', { decision: 'accept' }, [id]);
  by('2026-12-01T10:00:00+08:00', HD, 'hd.ap', 'case.clock', { action: 'pause', reason: 'inspection' }, [id]);
  by('2026-12-02T09:00:00+08:00', HD, 'hd.ap', 'case.clock', { action: 'resume' }, [id]);
  by('2026-12-03T09:00:00+08:00', HD, 'hd.cw', 'case.step', { step: 'undertake', opinion: 'agree' }, [id]);
  by('2026-12-03T11:00:00+08:00', HD, 'hd.ap', 'case.step', { step: 'review', opinion: 'agree' }, [id]);
  by('2026-12-04T11:00:00+08:00', HD, 'hd.ap', 'case.step', { step: 'approve', opinion: 'agree' }, [id]);
  by('2026-12-04T15:00:00+08:00', HD, 'hd.ap', 'case.close', { result: 'issued', license: 'E-LIC-110108-0001', doc: H(9) }, [id]);
  const back = by('2026-12-04T15:10:00+08:00', HD, 'hd.cw', 'case.handoff', { to: ZZ, purpose: 'return', via: 'network', materials: [H(9)] }, [id]);
  by('2026-12-04T16:40:00+08:00', ZZ, 'zz.cw', 'case.receipt', { complete: true }, [id, back.id]);
  by('2026-12-07T10:00:00+08:00', ZZ, 'zz.cw', 'case.deliver', { via: 'pickup' }, [id]);
  by('2026-12-07T10:05:00+08:00', ZZ, 'zz.cw', 'case.evaluate', { score: 5, channel: 'window' }, [id]);
  by('2026-12-08T09:00:00+08:00', PD, 'pd.sup', 'case.supervise', { action: 'claim' }, [id]);
  return { s, HD, PD, ZZ, id, recs };
}

/** Each record proved by the checkpoint right after it, cosigned 30 s later by every member (witnessed on time). */
const prompt = (s: Scenario) => (env: Envelope) =>
  s.checkpoint(
    env.record.author,
    env.record.seq + 1,
    s.members.map((m) => m.id),
    s.members.map((_, i) => Math.floor(env.record.ts / 1000) + 30 + i),
  );

const held = (recs: Envelope[]): HeldRecord[] => recs.map((env) => ({ env, final: true, witnessed: env.record.ts + 31_000 }));
const ctx = (s: Scenario) => ({ calendar: new WorkCalendar(undefined, null), regionOf: (m: string) => s.members.find((x) => x.id === m)?.region });
const LATER = at('2027-01-10T00:00:00+08:00');

describe('case report (CASES.md §C.6)', () => {
  it('reports the proxy story: state, deadline arithmetic, hops, timeline', () => {
    const { s, HD, ZZ, id, recs } = story();
    const r = caseReport(id, held(recs), ctx(s), LATER)!;
    expect(r).toMatchObject({
      case: toHex(id),
      item: '11410100MB1234567X4000111001',
      mode: 'proxy',
      serial: 'ZZ-2026-0001',
      opener: ZZ,
      handlers: [HD],
      state: 'closed',
      result: 'issued',
      acceptedAt: '2026-11-27T10:00:00.000+08:00',
      closedAt: '2026-12-04T15:00:00.000+08:00',
      // 11-30 counted, 12-01 and 12-02 paused, 12-03 and 12-04 counted: 3 of 5 by the close; due 12-08
      counted: 3,
      allowed: 5,
      remaining: 2,
      paused: 2,
      due: '2026-12-08T23:59:59.999+08:00',
      light: null,
      overdue: null,
      lateDays: 0,
      ignored: [],
      alerts: [],
      asOf: '2027-01-10T00:00:00.000+08:00',
      calendarEpoch: null,
    });
    expect(r.clock!.text).toContain('accepted 2026-11-27 (not counted)');
    expect(r.hops).toEqual([
      { from: ZZ, to: HD, purpose: 'handle', via: 'post', sent: '2026-11-25T10:00:00.000+08:00', received: '2026-11-27T09:30:00.000+08:00', hours: 47.5 },
      { from: HD, to: ZZ, purpose: 'return', via: 'network', sent: '2026-12-04T15:10:00.000+08:00', received: '2026-12-04T16:40:00.000+08:00', hours: 1.5 },
    ]);
    expect(r.timeline).toHaveLength(15);
    expect(r.timeline[0]).toMatchObject({ kind: 'case.open', member: ZZ, region: '410100', actor: 'zz.cw', role: 'caseworker', final: true, applicant: toHex(H(1)) });
    expect(r.timeline.find((x) => x.kind === 'case.step' && x.step === 'review')).toMatchObject({ role: 'approver', region: '110108' });
    expect(r.timeline.find((x) => x.kind === 'case.step' && x.step === 'undertake')).toMatchObject({ role: 'caseworker' });
  });

  it('evaluates at any instant: before acceptance, in progress, paused', () => {
    const { s, id, recs } = story();
    const rep = (t: string) => caseReport(id, held(recs), ctx(s), at(t))!;
    expect(rep('2026-11-26T12:00:00+08:00')).toMatchObject({ state: 'received', light: null, counted: null, due: null, lateDays: null, closedAt: null, result: null });
    expect(rep('2026-11-30T12:00:00+08:00')).toMatchObject({ state: 'in-progress', light: 'green', counted: 1, overdue: 0, due: '2026-12-04T23:59:59.999+08:00' });
    expect(rep('2026-12-01T12:00:00+08:00')).toMatchObject({ state: 'paused', due: null, paused: 1, light: 'green' });
    expect(rep('2026-12-01T12:00:00+08:00').timeline).toHaveLength(5);
  });

  it('a case never closed goes red at a later asOf; refused and correction states', () => {
    const s = new Scenario(3);
    const [HD, , ZZ] = [s.member(0).id, s.member(1).id, s.member(2).id];
    s.enrol(HD, 'hd.cw', ['caseworker']);
    s.enrol(HD, 'hd.ap', ['approver']);
    s.clock = at('2026-11-27T09:00:00+08:00');
    const open = s.by(HD, 'hd.cw', 'case.open', {
      item: 'X1',
      name: '全程网办',
      mode: 'online',
      serial: 'HD-1',
      applicant: H(1),
      handlers: [HD],
      limit: { days: 5, calendar: 'working' },
      materials: [],
    });
    const acc = s.by(HD, 'hd.cw', 'case.accept', { decision: 'accept' }, [open.id]);
    const r = caseReport(open.id, held([open, acc]), ctx(s), at('2026-12-09T12:00:00+08:00'))!;
    expect(r).toMatchObject({ state: 'in-progress', light: 'red', overdue: 3, counted: 8, remaining: -3, lateDays: null });
    expect(ZZ).toBeDefined();
    const fix = s.by(HD, 'hd.cw', 'case.accept', { decision: 'correct', reason: '补正', needed: ['材料'] }, [open.id]);
    const t = at('2027-01-01T00:00:00+08:00');
    // the accept came first: the correction is accept-twice and ignored
    expect(caseReport(open.id, held([open, acc, fix]), ctx(s), t)!.ignored).toEqual([{ id: toHex(fix.id), rule: 'accept-twice' }]);
    expect(caseReport(open.id, held([open, fix]), ctx(s), t)).toMatchObject({ state: 'awaiting-correction', light: null });
    const no = s.by(HD, 'hd.cw', 'case.accept', { decision: 'refuse', reason: '不予受理' }, [open.id]);
    expect(caseReport(open.id, held([open, no]), ctx(s), t)).toMatchObject({ state: 'refused', light: null, counted: null, lateDays: null, closedAt: expect.stringMatching(/\+08:00$/) });
  });

  it('raises handoff-stalled, materials-incomplete and late-entry with their times', () => {
    const s = new Scenario(3);
    const [HD, , ZZ] = [s.member(0).id, s.member(1).id, s.member(2).id];
    s.enrol(ZZ, 'zz.cw', ['caseworker']);
    s.enrol(HD, 'hd.cw', ['caseworker']);
    s.clock = at('2026-11-27T09:00:00+08:00'); // a Friday
    const open = s.by(ZZ, 'zz.cw', 'case.open', { item: 'X1', name: 'n', mode: 'proxy', serial: 'Z-1', applicant: H(1), handlers: [HD], limit: { days: 5, calendar: 'working' }, materials: [] });
    const h = s.by(ZZ, 'zz.cw', 'case.handoff', { to: HD, purpose: 'handle', via: 'network', materials: [H(2)] }, [open.id]);
    s.clock = at('2026-12-02T10:00:00+08:00') - 1000;
    const partial = s.by(HD, 'hd.cw', 'case.receipt', { complete: false, missing: [H(2)] }, [open.id, h.id]);
    const recs: HeldRecord[] = [
      { env: open, final: true, witnessed: open.record.ts + 1000 },
      { env: h, final: true, witnessed: h.record.ts + 1000 },
      { env: partial, final: false, witnessed: partial.record.ts + 11 * 60_000 },
    ];
    const r = caseReport(open.id, recs, ctx(s), at('2026-12-03T00:00:00+08:00'))!;
    expect(r.alerts.map((a) => [a.code, a.since])).toEqual([
      ['handoff-stalled', '2026-12-01T23:59:59.999+08:00'], // 2nd working day after Friday: Tuesday
      ['materials-incomplete', '2026-12-02T10:00:00.000+08:00'],
      ['late-entry', '2026-12-02T10:11:00.000+08:00'],
    ]);
    expect(r.timeline.find((x) => x.kind === 'case.receipt')).toMatchObject({ lateEntry: true, final: false });
    // the stall happened: a receipt after the deadline does not lift it; before it, no stall
    expect(caseReport(open.id, recs, ctx(s), at('2026-12-01T23:59:59.999+08:00'))!.alerts).toEqual([]);
  });

  it('rounds hop hours half up to one decimal', () => {
    expect(hoursOf((3 * 360_000) / 2)).toBe(0.2); // 0.15 h
    expect(hoursOf(359_999)).toBe(0.1);
    expect(hoursOf(179_999)).toBe(0);
  });
});

describe('case bundles (§C.6) verified offline', () => {
  it('verifies the story from real signed records and gives the same report as the node', async () => {
    const { s, id, recs } = story();
    const bytes = await s.caseBundle(id, prompt(s));
    expect(decodeBundle(bytes).about).toBe('case');
    const v = verifyCaseBundle(bytes, s.net, LATER);
    expect(v.problems).toEqual([]);
    expect(v.proofs).toBe('sound');
    expect(v.provenTo).not.toBeNull();
    const direct = caseReport(
      id,
      recs.map((env) => ({ env, final: true, witnessed: v.entries.find((e) => e.id === toHex(env.id))!.witnessed })),
      ctx(s),
      LATER,
    );
    expect(v.report).toEqual(direct);
    expect(v.report!.state).toBe('closed');
    expect(v.report!.timeline.every((x) => x.final && !x.lateEntry)).toBe(true);
  });

  it('uses the calendar of the newest config in the bundle and names its epoch', async () => {
    const { s, id } = story();
    const cfg1 = buildConfig({ consortium: s.config.consortium, epoch: 1, prev: s.net, members: s.config.members, calendar: { off: [20261130], on: [] } });
    const bytes1 = encodeConfig(cfg1);
    const approvals = s.members.map((m) => ({ member: m.id, sig: approveConfig(configId(bytes1), m.seed) }));
    const bytes = await s.caseBundle(id, prompt(s), [
      { bytes: s.genesis, approvals: [] },
      { bytes: bytes1, approvals },
    ]);
    const v = verifyCaseBundle(bytes, s.net, LATER);
    expect(v.proofs).toBe('sound');
    expect(v.report).toMatchObject({ calendarEpoch: 1, counted: 2, due: '2026-12-09T23:59:59.999+08:00' });
  });

  it('any tampered record makes the proofs unsound', async () => {
    const { s, id } = story();
    const bytes = await s.caseBundle(id, prompt(s));
    const b = decodeBundle(bytes);
    for (let i = 0; i < b.entries.length; i++) {
      const env = b.entries[i]!.envelope;
      const bad = new Uint8Array(env);
      bad[Math.floor(bad.length / 2)]! ^= 0x01;
      const entries = b.entries.map((e, j) => (j === i ? { ...e, envelope: bad } : e));
      const v = verifyCaseBundle(encodeBundle({ ...b, entries }), s.net, LATER);
      expect(v.proofs, `entry ${i}`).toBe('unsound');
    }
  });

  it('a bundle without its case.open, or a document bundle, is not a sound case bundle', async () => {
    const { s, id } = story();
    const b = decodeBundle(await s.caseBundle(id, prompt(s)));
    const noOpen = b.entries.filter((e) => !toHex(e.envelope).includes(toHex(new TextEncoder().encode('case.open'))));
    expect(noOpen.length).toBe(b.entries.length - 1);
    const v = verifyCaseBundle(encodeBundle({ ...b, entries: noOpen }), s.net, LATER);
    expect([v.proofs, v.report, v.problems.map((p) => p.code)]).toEqual(['unsound', null, ['CASE_MISSING']]);
    const { about: _, ...doc } = b;
    expect(verifyCaseBundle(encodeBundle(doc), s.net, LATER).problems.map((p) => p.code)).toEqual(['NOT_A_CASE_BUNDLE']);
  });

  it('the document verifier still reads document bundles as before; about must be "case" or absent', async () => {
    const { s, id } = story();
    const b = decodeBundle(await s.caseBundle(id, prompt(s)));
    const { about: _, ...doc } = b;
    expect(toHex(encodeBundle(doc))).not.toContain(toHex(new TextEncoder().encode('about')));
    expect(verifyBundle(encodeBundle(doc), s.net).proofs).toBe('sound');
    const weird = encodeBundle({ ...b, about: 'doc' as never });
    expect(verifyBundle(weird, s.net).problems.map((p) => p.code)).toEqual(['BUNDLE_MALFORMED']);
  });
});
