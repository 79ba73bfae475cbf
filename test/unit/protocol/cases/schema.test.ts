import { describe, expect, it } from 'vitest';
import { concat, toHex, utf8 } from '../../../../protocol/bytes.js';
import type { CborMap } from '../../../../protocol/cbor.js';
import { applicantCommitment, newApplicantCommitment } from '../../../../protocol/cases/applicant.js';
import { CASE_KINDS } from '../../../../protocol/cases/schema.js';
import { sha256 } from '../../../../protocol/crypto.js';
import { ProtocolError } from '../../../../protocol/errors.js';
import { checkBody, isKnownKind, KIND_ROLE, roleNeeded } from '../../../../protocol/records/kinds.js';

const H = (b: number) => new Uint8Array(32).fill(b);
const CASE = [H(0xca)];
const CASE_HANDOFF = [H(0xca), H(0xcb)];

const VALID: Record<string, { body: CborMap; refs?: Uint8Array[] }> = {
  'case.open': {
    body: {
      item: '11410100MB1234567X4000111001',
      name: '道路运输经营许可',
      mode: 'proxy',
      serial: 'ZZ-2026-000123',
      applicant: H(1),
      handlers: ['bj-haidian'],
      limit: { days: 20, calendar: 'working' },
      materials: [
        { name: '身份证', doc: H(2), form: 'paper', original: true, level: 'A' },
        { name: '营业执照', doc: H(3), form: 'electronic', original: false, license: 'LIC-1' },
      ],
    },
  },
  'case.handoff': { body: { to: 'bj-haidian', purpose: 'handle', via: 'post', materials: [H(2)], tracking: 'EMS1234', note: '纸质材料' }, refs: CASE },
  'case.receipt': { body: { complete: false, missing: [H(3)], note: '缺营业执照' }, refs: CASE_HANDOFF },
  'case.accept': { body: { decision: 'correct', reason: '材料不全', needed: ['营业执照'] }, refs: CASE },
  'case.clock': { body: { action: 'pause', reason: 'inspection', note: '检测' }, refs: CASE },
  'case.step': { body: { step: 'review', opinion: 'agree', note: '同意' }, refs: CASE },
  'case.close': { body: { result: 'issued', license: 'E-LIC-9', doc: H(9), note: '出证' }, refs: CASE },
  'case.deliver': { body: { via: 'post', tracking: 'SF123' }, refs: CASE },
  'case.evaluate': { body: { score: 5, channel: 'app', note: '很好' }, refs: CASE },
  'case.supervise': { body: { action: 'flag', alert: 'red', note: '超期' }, refs: CASE },
};

function field(kind: string, body: CborMap, refs?: Uint8Array[]): string | undefined {
  try {
    checkBody(kind, body, refs);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('BODY_INVALID');
    return (e as ProtocolError).detail;
  }
}

const edit = (kind: string, patch: CborMap) => ({ ...VALID[kind]!.body, ...patch });
const without = (kind: string, key: string) => Object.fromEntries(Object.entries(VALID[kind]!.body).filter(([k]) => k !== key)) as CborMap;

/** [kind, body, refs, the field the error names] */
const INVALID: [string, CborMap, Uint8Array[] | undefined, string][] = [
  ['case.open', edit('case.open', { extra: 1 }), undefined, 'body.extra'],
  ['case.open', without('case.open', 'item'), undefined, 'body.item'],
  ['case.open', edit('case.open', { item: 'x'.repeat(65) }), undefined, 'body.item'],
  ['case.open', edit('case.open', { name: '' }), undefined, 'body.name'],
  ['case.open', edit('case.open', { name: '办'.repeat(257) }), undefined, 'body.name'],
  ['case.open', edit('case.open', { name: '😀'.repeat(256) }), undefined, 'body.name'], // 256 code points, 1,024 bytes: fits
  ['case.open', edit('case.open', { name: '😀'.repeat(256) + 'a' }), undefined, 'body.name'],
  ['case.open', edit('case.open', { mode: 'mail' }), undefined, 'body.mode'],
  ['case.open', without('case.open', 'serial'), undefined, 'body.serial'],
  ['case.open', edit('case.open', { applicant: new Uint8Array(31) }), undefined, 'body.applicant'],
  ['case.open', edit('case.open', { handlers: [] }), undefined, 'body.handlers'],
  ['case.open', edit('case.open', { handlers: ['sh-pudong', 'bj-haidian'], mode: 'joint' }), undefined, 'body.handlers'],
  ['case.open', edit('case.open', { handlers: ['bj-haidian', 'sh-pudong'] }), undefined, 'body.handlers'],
  ['case.open', edit('case.open', { mode: 'joint' }), undefined, 'body.handlers'],
  ['case.open', edit('case.open', { handlers: ['Bad Id'] }), undefined, 'body.handlers'],
  ['case.open', edit('case.open', { limit: { days: 0, calendar: 'working' } }), undefined, 'body.limit'],
  ['case.open', edit('case.open', { limit: { days: 3651, calendar: 'working' } }), undefined, 'body.limit'],
  ['case.open', edit('case.open', { limit: { days: 5, calendar: 'lunar' } }), undefined, 'body.limit'],
  ['case.open', edit('case.open', { limit: { days: 5, calendar: 'working', x: 1 } }), undefined, 'body.limit'],
  ['case.open', edit('case.open', { materials: Array.from({ length: 65 }, () => ({ name: 'a', doc: H(2), form: 'paper', original: true })) }), undefined, 'body.materials'],
  ['case.open', edit('case.open', { materials: [{ name: 'a', doc: H(2), form: 'stone', original: true }] }), undefined, 'body.materials[0].form'],
  ['case.open', edit('case.open', { materials: [{ name: 'a', doc: H(2), form: 'paper' }] }), undefined, 'body.materials[0].original'],
  ['case.open', edit('case.open', { materials: [{ name: 'a', doc: H(2), form: 'paper', original: true, level: 'E' }] }), undefined, 'body.materials[0].level'],
  ['case.open', edit('case.open', { materials: [{ name: 'a', doc: H(2).slice(1), form: 'paper', original: true }] }), undefined, 'body.materials[0].doc'],
  ['case.open', edit('case.open', { materials: [{ name: 'a', doc: H(2), form: 'paper', original: true, x: 1 }] }), undefined, 'body.materials[0].x'],
  ['case.open', VALID['case.open']!.body, CASE, 'refs'],
  ['case.handoff', edit('case.handoff', { to: 'X' }), CASE, 'body.to'],
  ['case.handoff', edit('case.handoff', { purpose: 'keep' }), CASE, 'body.purpose'],
  ['case.handoff', edit('case.handoff', { via: 'pigeon' }), CASE, 'body.via'],
  ['case.handoff', edit('case.handoff', { materials: [] }), CASE, 'body.materials'],
  ['case.handoff', without('case.handoff', 'tracking'), CASE, 'body.tracking'],
  ['case.handoff', edit('case.handoff', { via: 'network' }), CASE, 'body.tracking'],
  ['case.handoff', VALID['case.handoff']!.body, undefined, 'refs'],
  ['case.handoff', VALID['case.handoff']!.body, CASE_HANDOFF, 'refs'],
  ['case.receipt', without('case.receipt', 'missing'), CASE_HANDOFF, 'body.missing'],
  ['case.receipt', edit('case.receipt', { complete: true }), CASE_HANDOFF, 'body.missing'],
  ['case.receipt', edit('case.receipt', { missing: [] }), CASE_HANDOFF, 'body.missing'],
  ['case.receipt', edit('case.receipt', { complete: 'no' }), CASE_HANDOFF, 'body.complete'],
  ['case.receipt', VALID['case.receipt']!.body, CASE, 'refs'],
  ['case.accept', edit('case.accept', { decision: 'maybe' }), CASE, 'body.decision'],
  ['case.accept', without('case.accept', 'reason'), CASE, 'body.reason'],
  ['case.accept', { decision: 'refuse', reason: 'x', needed: ['a'] }, CASE, 'body.needed'],
  ['case.accept', edit('case.accept', { needed: [] }), CASE, 'body.needed'],
  ['case.clock', edit('case.clock', { reason: 'nap' }), CASE, 'body.reason'],
  ['case.clock', without('case.clock', 'reason'), CASE, 'body.reason'],
  ['case.clock', edit('case.clock', { days: 3 }), CASE, 'body.days'],
  ['case.clock', { action: 'extend', reason: 'extension' }, CASE, 'body.days'],
  ['case.clock', { action: 'extend', days: 5, reason: 'inspection' }, CASE, 'body.reason'],
  ['case.clock', { action: 'extend', days: 3651, reason: 'extension' }, CASE, 'body.days'],
  ['case.clock', { action: 'resume', reason: 'other' }, CASE, 'body.reason'],
  ['case.clock', { action: 'resume', days: 1 }, CASE, 'body.days'],
  ['case.clock', { action: 'stop' }, CASE, 'body.action'],
  ['case.step', edit('case.step', { step: 'sign' }), CASE, 'body.step'],
  ['case.step', without('case.step', 'opinion'), CASE, 'body.opinion'],
  ['case.close', edit('case.close', { result: 'won' }), CASE, 'body.result'],
  ['case.close', edit('case.close', { doc: H(1).slice(2) }), CASE, 'body.doc'],
  ['case.deliver', { via: 'post' }, CASE, 'body.tracking'],
  ['case.deliver', { via: 'pickup', tracking: 'x' }, CASE, 'body.tracking'],
  ['case.deliver', { via: 'drone' }, CASE, 'body.via'],
  ['case.evaluate', edit('case.evaluate', { score: 0 }), CASE, 'body.score'],
  ['case.evaluate', edit('case.evaluate', { score: 6 }), CASE, 'body.score'],
  ['case.evaluate', edit('case.evaluate', { channel: 'fax' }), CASE, 'body.channel'],
  ['case.supervise', edit('case.supervise', { action: 'punish' }), CASE, 'body.action'],
  ['case.supervise', edit('case.supervise', { alert: 'purple' }), CASE, 'body.alert'],
  ['case.supervise', edit('case.supervise', { note: '' }), CASE, 'body.note'],
];

describe('case kinds (CASES.md §C.3)', () => {
  it('knows the ten case kinds', () => {
    expect(CASE_KINDS).toHaveLength(10);
    for (const k of CASE_KINDS) expect(isKnownKind(k)).toBe(true);
  });

  it.each(Object.keys(VALID))('accepts a valid %s body', (kind) => {
    expect(field(kind, VALID[kind]!.body, VALID[kind]!.refs)).toBeUndefined();
  });

  it('accepts the other valid shapes (joint handlers, network handoff, complete receipt, resume, extend, accept)', () => {
    expect(field('case.open', edit('case.open', { mode: 'joint', handlers: ['bj-haidian', 'sh-pudong'], materials: [] }))).toBeUndefined();
    expect(field('case.handoff', { to: 'bj-haidian', purpose: 'return', via: 'network', materials: [H(2)] }, CASE)).toBeUndefined();
    expect(field('case.receipt', { complete: true }, CASE_HANDOFF)).toBeUndefined();
    expect(field('case.clock', { action: 'resume' }, CASE)).toBeUndefined();
    expect(field('case.clock', { action: 'extend', days: 10, reason: 'extension' }, CASE)).toBeUndefined();
    expect(field('case.accept', { decision: 'accept' }, CASE)).toBeUndefined();
    expect(field('case.accept', { decision: 'refuse', reason: '不予受理' }, CASE)).toBeUndefined();
    expect(field('case.deliver', { via: 'electronic' }, CASE)).toBeUndefined();
  });

  it.each(INVALID.map((x, i) => [i, ...x] as const))('#%i refuses %s naming the field', (i, kind, body, refs, detail) => {
    if (i === 5) return expect(field(kind, body, refs)).toBeUndefined(); // the boundary case fits
    expect(field(kind, body, refs)).toBe(detail);
  });
});

describe('case roles (§C.2)', () => {
  it('maps every case kind to the role that may request it, a step to the role of its step', () => {
    expect(KIND_ROLE['case.open']).toBe('caseworker');
    for (const k of ['case.handoff', 'case.receipt', 'case.deliver', 'case.evaluate']) expect(roleNeeded(k)).toBe('caseworker');
    // C.2: accepting or refusing at the window is the caseworker's; the clock and the close are the approver's.
    expect(roleNeeded('case.accept')).toBe('caseworker');
    for (const k of ['case.clock', 'case.close']) expect(roleNeeded(k)).toBe('approver');
    expect(roleNeeded('case.supervise')).toBe('supervisor');
    expect(roleNeeded('case.step', { step: 'undertake' })).toBe('caseworker');
    expect(roleNeeded('case.step', { step: 'review' })).toBe('approver');
    expect(roleNeeded('case.step', { step: 'approve' })).toBe('approver');
    expect(roleNeeded('case.step', { step: 'toString' })).toBeUndefined();
    expect(roleNeeded('doc.register')).toBe('registrar');
  });
});

describe('applicant commitment (§C.3)', () => {
  const salt = new Uint8Array(16).map((_, i) => i);
  it('is SHA-256 of the prefix, the salt and idType:idNumber', () => {
    const expected = sha256(concat(utf8('tongban/v1/applicant\x00'), salt, utf8('111:41010219900101123X')));
    expect(toHex(applicantCommitment(salt, '111', '41010219900101123X'))).toBe(toHex(expected));
    // fixed bytes, so other implementations can check theirs
    expect(toHex(applicantCommitment(salt, '111', '41010219900101123X'))).toMatchInlineSnapshot(`"c1d1dad9dddf423301b17a018b6665ea760bacd32834bd39dfc4db4189ffc107"`);
  });
  it('refuses a short salt, a lower-case or spaced number, a bad type', () => {
    expect(() => applicantCommitment(salt.slice(1), '111', 'X')).toThrow(/salt/);
    expect(() => applicantCommitment(salt, '111', '41010219900101123x')).toThrow(/idNumber/);
    expect(() => applicantCommitment(salt, '111', '4101 0219')).toThrow(/idNumber/);
    expect(() => applicantCommitment(salt, '1:1', '1')).toThrow(/idType/);
  });
  it('uses a fresh salt each time', () => {
    const a = newApplicantCommitment('111', 'A1');
    const b = newApplicantCommitment('111', 'A1');
    expect(toHex(a.salt)).not.toBe(toHex(b.salt));
    expect(toHex(a.applicant)).toBe(toHex(applicantCommitment(a.salt, '111', 'A1')));
  });
});
