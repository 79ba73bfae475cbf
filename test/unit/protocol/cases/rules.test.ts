import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../protocol/bytes.js';
import type { CborMap } from '../../../../protocol/cbor.js';
import { foldCase, orderCaseRecords } from '../../../../protocol/cases/rules.js';
import { checkDomain, DomainRefused, MemoryView, type LedgerView } from '../../../../protocol/domain/index.js';
import { checkRecordAlone, type RecordRejected, type Envelope } from '../../../../protocol/records/index.js';
import { Scenario } from '../../../helpers/bundle-scenario.js';

const H = (b: number) => new Uint8Array(32).fill(b);

/** Zhengzhou (opener, 收件地) hands a case to Haidian (handler, 办理地); Pudong is a third member. */
function world() {
  const s = new Scenario(3);
  const [HD, PD, ZZ] = [s.member(0).id, s.member(1).id, s.member(2).id];
  s.enrol(ZZ, 'zz.cw', ['caseworker']);
  s.enrol(ZZ, 'zz.ap', ['approver']);
  s.enrol(HD, 'hd.cw', ['caseworker']);
  s.enrol(HD, 'hd.ap', ['approver']);
  s.enrol(PD, 'pd.cw', ['caseworker']);
  s.enrol(PD, 'pd.ap', ['approver']);
  s.enrol(PD, 'pd.sup', ['supervisor']);
  const open = s.by(ZZ, 'zz.cw', 'case.open', {
    item: '11410100MB1234567X4000111001',
    name: '道路运输经营许可',
    mode: 'proxy',
    serial: 'ZZ-0001',
    applicant: H(1),
    handlers: [HD],
    limit: { days: 20, calendar: 'working' },
    materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
  });
  return { s, HD, PD, ZZ, open, id: open.id };
}

function view(s: Scenario, withCases = true): LedgerView {
  const all = [...s.logs.values()].flat();
  const v = new MemoryView(
    [s.config],
    [s.net],
    all.filter((e) => e.record.kind === 'org.actor'),
  );
  for (const e of all) v.add(e);
  if (withCases) return v;
  return {
    configFor: (e) => v.configFor(e),
    docRecords: (d) => v.docRecords(d),
    actorInForce: (...a) => v.actorInForce(...a),
    actorRecord: (...a) => v.actorRecord(...a),
    keyHolders: (...a) => v.keyHolders(...a),
    govVotes: (i) => v.govVotes(i),
    adopted: (i) => v.adopted(i),
  };
}

/** The rule the authoring node names for this request, or undefined when it may be appended. */
function rule(s: Scenario, author: string, kind: string, body: CborMap, refs?: Uint8Array[], v = view(s)): string | undefined {
  try {
    checkDomain(v, { author, seq: s.logs.get(author)!.length, epoch: 0, kind, body, actor: 'x', ...(refs ? { refs } : {}) });
    return undefined;
  } catch (e) {
    if (!(e instanceof DomainRefused)) throw e;
    return e.rule;
  }
}

const ACCEPT = { decision: 'accept' };
const HANDOFF = (to: string, purpose = 'handle') => ({ to, purpose, via: 'network', materials: [H(2)] });

describe('C.4 at the authoring node: each rule allowed and refused', () => {
  it('unknown-case: refs[0] must be a held case.open', () => {
    const { s, HD, id } = world();
    expect(rule(s, HD, 'case.accept', ACCEPT, [H(9)])).toBe('unknown-case');
    const h = s.by(s.member(2).id, 'zz.cw', 'case.handoff', HANDOFF(HD), [id]);
    expect(rule(s, HD, 'case.accept', ACCEPT, [h.id])).toBe('unknown-case');
    expect(rule(s, HD, 'case.accept', ACCEPT, [id])).toBeUndefined();
  });

  it('not-participant: handoff, deliver and evaluate only by the opener or a handler', () => {
    const { s, HD, PD, ZZ, id } = world();
    expect(rule(s, PD, 'case.handoff', HANDOFF(HD), [id])).toBe('not-participant');
    expect(rule(s, PD, 'case.deliver', { via: 'pickup' }, [id])).toBe('not-participant');
    expect(rule(s, PD, 'case.evaluate', { score: 5, channel: 'web' }, [id])).toBe('not-participant');
    expect(rule(s, ZZ, 'case.handoff', HANDOFF(HD), [id])).toBeUndefined();
    expect(rule(s, HD, 'case.deliver', { via: 'pickup' }, [id])).toBeUndefined();
    expect(rule(s, ZZ, 'case.evaluate', { score: 5, channel: 'web' }, [id])).toBeUndefined();
  });

  it('supervise by any member', () => {
    const { s, PD, id } = world();
    expect(rule(s, PD, 'case.supervise', { action: 'claim' }, [id])).toBeUndefined();
  });

  it('not-handler: accept, clock, step and close only by a handler (the opener is not one)', () => {
    const { s, HD, ZZ, id } = world();
    expect(rule(s, ZZ, 'case.accept', ACCEPT, [id])).toBe('not-handler');
    expect(rule(s, ZZ, 'case.close', { result: 'void' }, [id])).toBe('not-handler');
    s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    expect(rule(s, ZZ, 'case.step', { step: 'undertake', opinion: 'agree' }, [id])).toBe('not-handler');
    expect(rule(s, ZZ, 'case.clock', { action: 'pause', reason: 'other' }, [id])).toBe('not-handler');
    expect(rule(s, HD, 'case.step', { step: 'undertake', opinion: 'agree' }, [id])).toBeUndefined();
  });

  it('receipts: unknown-handoff, not-recipient, duplicate-receipt; a handle receipt makes a handler, a return one does not', () => {
    const { s, HD, PD, ZZ, id } = world();
    expect(rule(s, HD, 'case.receipt', { complete: true }, [id, H(7)])).toBe('unknown-handoff');
    const h = s.by(HD, 'hd.cw', 'case.handoff', HANDOFF(PD), [id]);
    expect(rule(s, ZZ, 'case.receipt', { complete: true }, [id, h.id])).toBe('not-recipient');
    expect(rule(s, PD, 'case.accept', ACCEPT, [id])).toBe('not-handler');
    const r = s.by(PD, 'pd.cw', 'case.receipt', { complete: true }, [id, h.id]);
    const again = (() => {
      try {
        checkDomain(view(s), { author: PD, seq: 99, epoch: 0, kind: 'case.receipt', body: { complete: true }, refs: [id, h.id] });
      } catch (e) {
        return e as DomainRefused;
      }
    })();
    expect(again?.rule).toBe('duplicate-receipt');
    expect(again?.standing).toBe(toHex(r.id));
    expect(rule(s, PD, 'case.accept', ACCEPT, [id])).toBeUndefined();
    const back = s.by(HD, 'hd.cw', 'case.handoff', HANDOFF(ZZ, 'return'), [id]);
    s.by(ZZ, 'zz.cw', 'case.receipt', { complete: true }, [id, back.id]);
    expect(rule(s, ZZ, 'case.accept', ACCEPT, [id])).toBe('not-handler');
  });

  it('a receipt for a handoff of another case is unknown-handoff', () => {
    const { s, HD, ZZ, id } = world();
    const other = s.by(ZZ, 'zz.cw', 'case.open', { ...(s.logs.get(ZZ)!.find((e) => e.record.kind === 'case.open')!.record.body as CborMap), serial: 'ZZ-0002' });
    const h = s.by(ZZ, 'zz.cw', 'case.handoff', HANDOFF(HD), [other.id]);
    expect(rule(s, HD, 'case.receipt', { complete: true }, [id, h.id])).toBe('unknown-handoff');
    expect(rule(s, HD, 'case.receipt', { complete: true }, [other.id, h.id])).toBeUndefined();
  });

  it('before-accept: no step or clock before acceptance; accept-twice; a correction may be followed by an accept', () => {
    const { s, HD, id } = world();
    expect(rule(s, HD, 'case.step', { step: 'undertake', opinion: 'agree' }, [id])).toBe('before-accept');
    expect(rule(s, HD, 'case.clock', { action: 'extend', days: 5, reason: 'extension' }, [id])).toBe('before-accept');
    s.by(HD, 'hd.ap', 'case.accept', { decision: 'correct', reason: '缺材料', needed: ['营业执照'] }, [id]);
    expect(rule(s, HD, 'case.step', { step: 'undertake', opinion: 'agree' }, [id])).toBe('before-accept');
    expect(rule(s, HD, 'case.accept', ACCEPT, [id])).toBeUndefined();
    s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    expect(rule(s, HD, 'case.accept', ACCEPT, [id])).toBe('accept-twice');
    expect(rule(s, HD, 'case.accept', { decision: 'refuse', reason: 'x' }, [id])).toBe('accept-twice');
    expect(rule(s, HD, 'case.step', { step: 'undertake', opinion: 'agree' }, [id])).toBeUndefined();
  });

  it('no-pause and already-paused', () => {
    const { s, HD, id } = world();
    s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    expect(rule(s, HD, 'case.clock', { action: 'resume' }, [id])).toBe('no-pause');
    s.by(HD, 'hd.ap', 'case.clock', { action: 'pause', reason: 'inspection' }, [id]);
    expect(rule(s, HD, 'case.clock', { action: 'pause', reason: 'expert' }, [id])).toBe('already-paused');
    expect(rule(s, HD, 'case.clock', { action: 'extend', days: 3, reason: 'extension' }, [id])).toBeUndefined();
    expect(rule(s, HD, 'case.clock', { action: 'resume' }, [id])).toBeUndefined();
    s.by(HD, 'hd.ap', 'case.clock', { action: 'resume' }, [id]);
    expect(rule(s, HD, 'case.clock', { action: 'resume' }, [id])).toBe('no-pause');
  });

  it('close-before-accept: before acceptance only correction-timeout, void, deleted or forwarded', () => {
    const { s, HD, id } = world();
    for (const result of ['issued', 'returned', 'done']) expect(rule(s, HD, 'case.close', { result }, [id])).toBe('close-before-accept');
    for (const result of ['correction-timeout', 'void', 'deleted', 'forwarded']) expect(rule(s, HD, 'case.close', { result }, [id])).toBeUndefined();
  });

  it('after-close (checked first): only handoff, receipt, deliver, evaluate and supervise after a close or a refusal', () => {
    const { s, HD, PD, ZZ, id } = world();
    s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    s.by(HD, 'hd.ap', 'case.close', { result: 'issued', license: 'E-1' }, [id]);
    expect(rule(s, HD, 'case.step', { step: 'approve', opinion: 'agree' }, [id])).toBe('after-close');
    expect(rule(s, ZZ, 'case.step', { step: 'approve', opinion: 'agree' }, [id])).toBe('after-close'); // before not-handler
    expect(rule(s, HD, 'case.close', { result: 'done' }, [id])).toBe('after-close');
    expect(rule(s, HD, 'case.clock', { action: 'pause', reason: 'other' }, [id])).toBe('after-close');
    expect(rule(s, HD, 'case.handoff', HANDOFF(ZZ, 'return'), [id])).toBeUndefined();
    expect(rule(s, ZZ, 'case.deliver', { via: 'electronic' }, [id])).toBeUndefined();
    expect(rule(s, ZZ, 'case.evaluate', { score: 4, channel: 'sms' }, [id])).toBeUndefined();
    expect(rule(s, PD, 'case.supervise', { action: 'feedback', note: '好' }, [id])).toBeUndefined();
    const w = world();
    w.s.by(w.HD, 'hd.ap', 'case.accept', { decision: 'refuse', reason: '不属于受理范围' }, [w.id]);
    expect(rule(w.s, w.HD, 'case.accept', ACCEPT, [w.id])).toBe('after-close');
    expect(rule(w.s, w.HD, 'case.close', { result: 'void' }, [w.id])).toBe('after-close');
  });

  it('duplicate-serial and handler-not-member for a case.open', () => {
    const { s, ZZ, open } = world();
    const body = open.record.body as CborMap;
    expect(rule(s, ZZ, 'case.open', body)).toBe('duplicate-serial');
    expect(rule(s, s.member(1).id, 'case.open', body)).toBeUndefined(); // unique per author
    expect(rule(s, ZZ, 'case.open', { ...body, serial: 'ZZ-9' })).toBeUndefined();
    expect(rule(s, ZZ, 'case.open', { ...body, serial: 'ZZ-9', handlers: ['zj-nowhere'] })).toBe('handler-not-member');
  });

  it('a view without case questions refuses case kinds instead of letting them through', () => {
    const { s, HD, id } = world();
    expect(rule(s, HD, 'case.accept', ACCEPT, [id], view(s, false))).toBe('CASES_UNSUPPORTED');
  });
});

describe('actor roles for case kinds (§C.2, §5.3)', () => {
  const ctx = (s: Scenario) => {
    const v = view(s);
    return { net: s.net, configFor: (e: number) => (e === 0 ? s.config : undefined), actorInForce: v.actorInForce.bind(v) };
  };
  const roleRule = (s: Scenario, env: Envelope) => {
    try {
      checkRecordAlone(ctx(s), env);
      return undefined;
    } catch (e) {
      return (e as RecordRejected).rule;
    }
  };
  it('a step needs the role of its step; the other kinds the role of C.2', () => {
    const { s, HD, PD, id } = world();
    expect(roleRule(s, s.by(HD, 'hd.cw', 'case.step', { step: 'undertake', opinion: 'agree' }, [id]))).toBeUndefined();
    expect(roleRule(s, s.by(HD, 'hd.cw', 'case.step', { step: 'approve', opinion: 'agree' }, [id]))).toBe('ACTOR_ROLE');
    expect(roleRule(s, s.by(HD, 'hd.ap', 'case.step', { step: 'review', opinion: 'agree' }, [id]))).toBeUndefined();
    expect(roleRule(s, s.by(HD, 'hd.ap', 'case.step', { step: 'undertake', opinion: 'agree' }, [id]))).toBe('ACTOR_ROLE');
    // C.2: accepting is the caseworker's at the handling office, not the approver's.
    expect(roleRule(s, s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]))).toBe('ACTOR_ROLE');
    expect(roleRule(s, s.by(HD, 'hd.cw', 'case.accept', ACCEPT, [id]))).toBeUndefined();
    expect(roleRule(s, s.by(PD, 'pd.cw', 'case.supervise', { action: 'claim' }, [id]))).toBe('ACTOR_ROLE');
    expect(roleRule(s, s.by(PD, 'pd.sup', 'case.supervise', { action: 'claim' }, [id]))).toBeUndefined();
  });
});

describe('C.4 in reports: records that break a rule are ignored with its code', () => {
  it('folds forged records from peers in (ts, author, seq) order and names each rule', () => {
    const { s, HD, PD, ZZ, id } = world();
    const stepEarly = s.by(HD, 'hd.cw', 'case.step', { step: 'undertake', opinion: 'agree' }, [id]);
    const foreignAccept = s.by(ZZ, 'zz.ap', 'case.accept', ACCEPT, [id]);
    const accept = s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    const twice = s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    const resume = s.by(HD, 'hd.ap', 'case.clock', { action: 'resume' }, [id]);
    const hand = s.by(PD, 'pd.cw', 'case.handoff', HANDOFF(HD), [id]);
    const close = s.by(HD, 'hd.ap', 'case.close', { result: 'issued' }, [id]);
    const late = s.by(HD, 'hd.ap', 'case.step', { step: 'approve', opinion: 'agree' }, [id]);
    const sup = s.by(PD, 'pd.sup', 'case.supervise', { action: 'claim' }, [id]);
    const all = [...s.logs.values()].flat().filter((e) => e.record.kind.startsWith('case.'));
    const { fold, ordered } = foldCase(id, all.reverse())!;
    const ign = Object.fromEntries(ordered.filter((o) => o.ignored).map((o) => [toHex(o.env.id), o.ignored]));
    expect(ign).toEqual({
      [toHex(stepEarly.id)]: 'before-accept',
      [toHex(foreignAccept.id)]: 'not-handler',
      [toHex(twice.id)]: 'accept-twice',
      [toHex(resume.id)]: 'no-pause',
      [toHex(hand.id)]: 'not-participant',
      [toHex(late.id)]: 'after-close',
    });
    expect(fold.accepted?.id).toEqual(accept.id);
    expect(fold.closed?.id).toEqual(close.id);
    expect(ordered.at(-1)!.env.id).toEqual(sup.id);
    expect(ordered[0]!.env.id).toEqual(id);
  });

  it('puts a receipt right after its handoff when clocks disagree', () => {
    const { s, HD, ZZ, id } = world();
    s.clock = Date.parse('2026-12-01T02:00:00Z');
    const h = s.by(ZZ, 'zz.cw', 'case.handoff', HANDOFF(HD), [id]);
    s.clock = Date.parse('2026-12-01T01:00:00Z'); // Haidian's clock is an hour behind
    const r = s.by(HD, 'hd.cw', 'case.receipt', { complete: true }, [id, h.id]);
    const acc = s.by(HD, 'hd.ap', 'case.accept', ACCEPT, [id]);
    const order = orderCaseRecords([acc, r, h]).map((e) => toHex(e.id));
    expect(order).toEqual([toHex(acc.id), toHex(h.id), toHex(r.id)]); // (ts, author, seq), the receipt moved after its handoff
    expect(order.indexOf(toHex(r.id))).toBe(order.indexOf(toHex(h.id)) + 1);
    const { ordered } = foldCase(id, [s.logs.get(ZZ)!.find((e) => e.id === id)!, acc, r, h])!;
    expect(ordered.every((o) => !o.ignored)).toBe(true);
  });
});

describe('duplicate serials in node reports (§C.4)', () => {
  it('lists the case.open records of one author sharing a serial', async () => {
    const { serialWarnings } = await import('../../../../protocol/cases/check.js');
    const { s, ZZ, open } = world();
    expect(serialWarnings(open, [open])).toEqual([]);
    const twin = s.by(ZZ, 'zz.cw', 'case.open', open.record.body as CborMap);
    const other = s.by(ZZ, 'zz.cw', 'case.open', { ...(open.record.body as CborMap), serial: 'ZZ-0002' });
    expect(serialWarnings(open, [open, twin, other])).toEqual([{ code: 'duplicate-serial', ids: [toHex(open.id), toHex(twin.id)].sort() }]);
  });
});
