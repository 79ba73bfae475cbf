import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { verifyBundle } from '../../../protocol/bundle/index.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { checkDomain, DomainRefused, MemoryView, replay, type Proposed } from '../../../protocol/domain/index.js';
import { checkBody, checkRecordAlone, RecordRejected, type Envelope, type OrgActorBody } from '../../../protocol/records/index.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

/**
 * Officials' lifecycle (PROTOCOL.md §5.2 extension `prev`): an org.actor that
 * changes an enrolled official names the one it replaces; re-enrolling an id
 * is refused; a disabled official's later records are invalid everywhere, and
 * earlier ones still verify after a disable or a key rotation.
 */
const doc = new Uint8Array(32).fill(0xd7);
const oldSeed = new Uint8Array(32).fill(0x71);
const newSeed = new Uint8Array(32).fill(0x72);

function world() {
  const s = new Scenario(3);
  const A = s.member(0).id;
  const enrolled = s.enrol(A, 'li.na', ['registrar'], oldSeed);
  return { s, A, enrolled };
}

/** The node's view of everything held, counted through the rules as a report would. */
function held(s: Scenario): MemoryView {
  const all = [...s.logs.values()].flat();
  const v = new MemoryView(
    [s.config],
    [s.net],
    all.filter((e) => e.record.kind === 'org.actor'),
  );
  replay(v, all);
  return v;
}

const proposal = (s: Scenario, author: string, body: Partial<OrgActorBody>): Proposed => ({
  author,
  seq: s.logs.get(author)!.length,
  epoch: 0,
  kind: 'org.actor',
  body: body as never,
  actor: 'admin',
});

function refusal(v: MemoryView, p: Proposed): [string, string | undefined] {
  try {
    checkDomain(v, p);
  } catch (e) {
    if (e instanceof DomainRefused) return [e.rule, e.standing];
    throw e;
  }
  return ['accepted', undefined];
}

/** A change of `li.na` by A's admin, naming the org.actor in force. */
function change(s: Scenario, A: string, current: Envelope, patch: Partial<OrgActorBody>): Envelope {
  const body = { ...(current.record.body as unknown as OrgActorBody), ...patch, prev: current.id };
  return s.by(A, 'admin', 'org.actor', body as never);
}

/** Receiver's verdict on a record (§5.1 rules that need no previous record), against the org.actor records held. */
function receive(s: Scenario, env: Envelope): string {
  const all = [...s.logs.values()].flat();
  const v = new MemoryView(
    [s.config],
    [s.net],
    all.filter((e) => e.record.kind === 'org.actor'),
  );
  try {
    checkRecordAlone({ net: s.net, configFor: (e) => v.configFor(e), actorInForce: (a, id, seq) => v.actorInForce(a, id, seq) }, env);
    return 'accepted';
  } catch (e) {
    if (e instanceof RecordRejected) return e.rule;
    throw e;
  }
}

describe("officials' lifecycle: domain rules of org.actor changes", () => {
  it('prev is a 32-byte record id in the org.actor schema, and optional', () => {
    const body = { id: 'li.na', key: publicKeyOf(oldSeed), roles: ['registrar'], active: true };
    expect(() => checkBody('org.actor', body as never, undefined)).not.toThrow();
    expect(() => checkBody('org.actor', { ...body, prev: new Uint8Array(32) } as never, undefined)).not.toThrow();
    expect(() => checkBody('org.actor', { ...body, prev: new Uint8Array(31) } as never, undefined)).toThrow(/prev/);
  });

  it('re-adding an enrolled id is refused [ACTOR_EXISTS], naming the org.actor in force, even with another key', () => {
    const { s, A, enrolled } = world();
    const v = held(s);
    const again: OrgActorBody = { id: 'li.na', key: publicKeyOf(newSeed), roles: ['registrar'], active: true };
    expect(refusal(v, proposal(s, A, again))).toEqual(['ACTOR_EXISTS', toHex(enrolled.id)]);
    expect(refusal(v, proposal(s, A, { ...again, key: publicKeyOf(oldSeed) }))).toEqual(['ACTOR_EXISTS', toHex(enrolled.id)]);
    // a new id is an enrolment
    expect(refusal(v, proposal(s, A, { ...again, id: 'zhao.min' }))).toEqual(['accepted', undefined]);
  });

  it('a change names the org.actor in force as prev [ACTOR_PREV]; the same state again is a DUPLICATE', () => {
    const { s, A, enrolled } = world();
    const base = enrolled.record.body as unknown as OrgActorBody;
    const v0 = held(s);
    // disable, rotate and a role change, each naming the record in force
    expect(refusal(v0, proposal(s, A, { ...base, active: false, prev: enrolled.id }))).toEqual(['accepted', undefined]);
    expect(refusal(v0, proposal(s, A, { ...base, key: publicKeyOf(newSeed), prev: enrolled.id }))).toEqual(['accepted', undefined]);
    expect(refusal(v0, proposal(s, A, { ...base, roles: ['approver', 'registrar'], prev: enrolled.id }))).toEqual(['accepted', undefined]);
    expect(refusal(v0, proposal(s, A, { ...base, prev: enrolled.id }))).toEqual(['DUPLICATE', toHex(enrolled.id)]);
    // a prev for an id never enrolled
    expect(refusal(v0, proposal(s, A, { ...base, id: 'nobody', key: publicKeyOf(newSeed), prev: enrolled.id }))[0]).toBe('ACTOR_PREV');
    // once changed, the old prev is stale: a second admin's concurrent change cannot count too
    const disabled = change(s, A, enrolled, { active: false });
    const v1 = held(s);
    expect(refusal(v1, proposal(s, A, { ...base, key: publicKeyOf(newSeed), prev: enrolled.id }))).toEqual(['ACTOR_PREV', toHex(disabled.id)]);
    expect(refusal(v1, proposal(s, A, { ...base, active: true, prev: disabled.id }))).toEqual(['accepted', undefined]);
  });

  it("a disabled official's later records are rejected by receivers [ACTOR_INACTIVE]; enabled again, they count", () => {
    const { s, A, enrolled } = world();
    const before = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
    const disabled = change(s, A, enrolled, { active: false });
    const during = s.by(A, 'li.na', 'doc.access', { doc, purpose: 'check' });
    expect(receive(s, before)).toBe('accepted');
    expect(receive(s, during)).toBe('ACTOR_INACTIVE');
    change(s, A, disabled, { active: true });
    expect(receive(s, s.by(A, 'li.na', 'doc.access', { doc, purpose: 'check' }))).toBe('accepted');
  });

  it('after a rotation the old key is refused [ACTOR_SIGNATURE], the new one accepted, and records signed before still verify', () => {
    const { s, A, enrolled } = world();
    const before = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
    change(s, A, enrolled, { key: publicKeyOf(newSeed) });
    const stale = s.by(A, 'li.na', 'doc.access', { doc, purpose: 'old key' });
    s.forge(A, 'li.na', newSeed);
    const fresh = s.by(A, 'li.na', 'doc.access', { doc, purpose: 'new key' });
    expect([receive(s, before), receive(s, stale), receive(s, fresh)]).toEqual(['accepted', 'ACTOR_SIGNATURE', 'accepted']);
  });

  it('a bundle with a record signed before a rotation and a disable is sound and the record counts', async () => {
    const { s, A, enrolled } = world();
    const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
    const rotated = change(s, A, enrolled, { key: publicKeyOf(newSeed) });
    s.forge(A, 'li.na', newSeed);
    const share = s.by(A, 'li.na', 'doc.share', { doc, to: s.member(1).id, purpose: 'check' }, [reg.id]);
    change(s, A, rotated, { active: false });
    const r = verifyBundle(await s.bundle(doc), s.net);
    expect([r.proofs, r.problems, r.warnings]).toEqual(['sound', [], []]);
    expect(r.events.map((e) => [e.id, e.actor, e.counts])).toEqual([
      [toHex(reg.id), 'li.na', true],
      [toHex(share.id), 'li.na', true],
    ]);
  });

  it('a bundle whose org.actor re-enrols an id without prev warns [ACTOR_EXISTS]: it is held but does not count as an enrolment', async () => {
    const { s, A } = world();
    const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
    // a peer's (or an old node's) silent re-enrolment, before a record of the official
    const silent = s.by(A, 'admin', 'org.actor', { id: 'li.na', key: publicKeyOf(newSeed), roles: ['registrar'], active: true });
    s.forge(A, 'li.na', newSeed);
    s.by(A, 'li.na', 'doc.share', { doc, to: s.member(1).id, purpose: 'check' }, [reg.id]);
    const r = verifyBundle(await s.bundle(doc), s.net);
    expect(r.proofs).toBe('sound');
    expect(r.warnings.map((w) => [w.code, w.seq])).toEqual([['ACTOR_EXISTS', silent.record.seq]]);
  });
});
