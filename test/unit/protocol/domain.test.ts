import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { approveConfig } from '../../../protocol/config/governance.js';
import { checkDomain, DomainRefused, MemoryView, proposedOf, type DomainRule, type Proposed } from '../../../protocol/domain/index.js';
import { acceptRecord, type Envelope } from '../../../protocol/records/index.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

/** A scenario whose records all count so far, viewed as the node that holds them. */
function held(s: Scenario): MemoryView {
  const all = [...s.logs.values()].flat();
  const v = new MemoryView(
    [s.config],
    [s.net],
    all.filter((e) => e.record.kind === 'org.actor'),
  );
  for (const e of all) v.add(e);
  return v;
}

function refused(view: MemoryView, p: Proposed): DomainRefused {
  try {
    checkDomain(view, p);
  } catch (e) {
    if (e instanceof DomainRefused) return e;
    throw e;
  }
  throw new Error('not refused');
}

const next = (s: Scenario, author: string): number => s.logs.get(author)!.length;
const doc = new Uint8Array(32).fill(0xd1);

function world() {
  const s = new Scenario(3);
  const [A, B] = [s.member(0).id, s.member(1).id];
  s.enrol(A, 'li.na', ['registrar']);
  s.enrol(B, 'wang.fang', ['approver']);
  s.enrol(B, 'zhou.reg', ['registrar']);
  const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
  return { s, A, B, reg };
}

const propose = (s: Scenario, author: string, kind: string, body: Record<string, unknown>, refs?: Uint8Array[], actor = 'x'): Proposed => ({
  author,
  seq: next(s, author),
  epoch: 0,
  kind,
  body: body as never,
  actor,
  ...(refs ? { refs } : {}),
});

describe('domain rules (protocol/domain): each refused with its rule, duplicates name the standing record', () => {
  it('accepts what counts', () => {
    const { s, A, B, reg } = world();
    const v = held(s);
    expect(() => checkDomain(v, propose(s, B, 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]))).not.toThrow();
    expect(() => checkDomain(v, propose(s, A, 'doc.revoke', { doc, reason: 'superseded' }, [reg.id]))).not.toThrow();
    expect(() => checkDomain(v, propose(s, A, 'doc.share', { doc, to: B, purpose: 'check' }, [reg.id]))).not.toThrow();
    expect(() => checkDomain(v, propose(s, B, 'doc.register', { doc, type: 'permit', class: 'public' }))).not.toThrow(); // another member: a conflict, reported, not refused
    // a peer's unknown kind (no actor) is not the API's to refuse
    expect(() => checkDomain(v, { ...propose(s, A, 'x.future', {}), actor: undefined })).not.toThrow();
  });

  const cases: [string, DomainRule, (w: ReturnType<typeof world>) => Proposed, ((w: ReturnType<typeof world>) => Envelope)?][] = [
    ['an unknown kind asked by an actor', 'KIND_UNKNOWN', ({ s, A }) => propose(s, A, 'doc.stamp', { doc })],
    ['an approval of a registration not held', 'REF_UNKNOWN', ({ s, B }) => propose(s, B, 'doc.approve', { doc, decision: 'approve', role: 'review' }, [new Uint8Array(32).fill(7)])],
    [
      "an approval that refers to another document's registration",
      'REF_UNKNOWN',
      ({ s, B, reg }) => propose(s, B, 'doc.approve', { doc: new Uint8Array(32).fill(2), decision: 'approve', role: 'review' }, [reg.id]),
    ],
    ['a revoke by a member that does not own the registration', 'REVOKE_NOT_OWNER', ({ s, B, reg }) => propose(s, B, 'doc.revoke', { doc, reason: 'no' }, [reg.id])],
    ['a share to a non-member', 'SHARE_NOT_MEMBER', ({ s, A, reg }) => propose(s, A, 'doc.share', { doc, to: 'xz-nowhere', purpose: 'p' }, [reg.id])],
    ['a share of a document not registered', 'REF_UNKNOWN', ({ s, A }) => propose(s, A, 'doc.share', { doc: new Uint8Array(32).fill(3), to: 'sh-pudong', purpose: 'p' })],
  ];
  for (const [what, rule, make] of cases) {
    it(`refuses ${what} [${rule}]`, () => {
      const w = world();
      const e = refused(held(w.s), make(w));
      expect(e.rule).toBe(rule);
      expect(e.message).toContain(`[${rule}]`);
    });
  }

  it('refuses an approval or share of a revoked registration [DOC_REVOKED], naming the revocation', () => {
    const { s, A, B, reg } = world();
    const revoke = s.by(A, 'li.na', 'doc.revoke', { doc, reason: 'superseded' }, [reg.id]);
    const v = held(s);
    for (const p of [propose(s, B, 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]), propose(s, A, 'doc.share', { doc, to: B, purpose: 'p' }, [reg.id])]) {
      const e = refused(v, p);
      expect([e.rule, e.standing]).toEqual(['DOC_REVOKED', toHex(revoke.id)]);
    }
    // and a second revoke is a duplicate of the first
    const again = refused(v, propose(s, A, 'doc.revoke', { doc, reason: 'again' }, [reg.id]));
    expect([again.rule, again.standing]).toEqual(['DUPLICATE', toHex(revoke.id)]);
    // once revoked, the member may register the document again
    expect(() => checkDomain(v, propose(s, A, 'doc.register', { doc, type: 'permit', class: 'public' }))).not.toThrow();
  });

  it('a second registration of one document by one member is a duplicate of the first', () => {
    const { s, A, reg } = world();
    const e = refused(held(s), propose(s, A, 'doc.register', { doc, type: 'other-type', class: 'internal' }));
    expect([e.rule, e.standing]).toEqual(['DUPLICATE', toHex(reg.id)]);
  });

  it('one decision per member and step: the same again is a duplicate, the opposite is DECIDED; another step is free', () => {
    const { s, B, reg } = world();
    const first = s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const v = held(s);
    const dup = refused(v, propose(s, B, 'doc.approve', { doc, decision: 'approve', role: 'review', reason: 'again' }, [reg.id]));
    expect([dup.rule, dup.standing]).toEqual(['DUPLICATE', toHex(first.id)]);
    const flip = refused(v, propose(s, B, 'doc.approve', { doc, decision: 'reject', role: 'review' }, [reg.id]));
    expect([flip.rule, flip.standing]).toEqual(['DECIDED', toHex(first.id)]);
    expect(() => checkDomain(v, propose(s, B, 'doc.approve', { doc, decision: 'approve', role: 'approval' }, [reg.id]))).not.toThrow();
  });

  it('one actor key per actor id per member [ACTOR_KEY_TAKEN], naming the org.actor that holds it; changing the same id (naming prev) is fine', () => {
    const { s, A } = world();
    const key = new Uint8Array(32).fill(0x61);
    const holder = s.enrol(A, 'zhao.min', ['approver'], key);
    const v = held(s);
    const body = holder.record.body;
    const e = refused(v, propose(s, A, 'org.actor', { ...body, id: 'zhao.min2' }));
    expect([e.rule, e.standing]).toEqual(['ACTOR_KEY_TAKEN', toHex(holder.id)]);
    expect(() => checkDomain(v, propose(s, A, 'org.actor', { ...body, roles: ['approver', 'registrar'], prev: holder.id }))).not.toThrow();
    // another member may use the same key for its own official
    expect(() => checkDomain(v, propose(s, s.member(1).id, 'org.actor', { ...body, id: 'zhao.min2' }))).not.toThrow();
  });

  it('governance approvals: once per member and config, valid signatures, not of adopted configs', () => {
    const { s, A } = world();
    const id = new Uint8Array(32).fill(0xc0);
    const sig = approveConfig(id, s.member(0).seed);
    const first = s.by(A, 'admin', 'gov.approve', { config: id, sig });
    const v = held(s);
    const dup = refused(v, propose(s, A, 'gov.approve', { config: id, sig }));
    expect([dup.rule, dup.standing]).toEqual(['DUPLICATE', toHex(first.id)]);
    expect(refused(v, propose(s, A, 'gov.approve', { config: new Uint8Array(32).fill(0xc1), sig })).rule).toBe('GOV_SIG_INVALID');
    expect(refused(v, propose(s, A, 'gov.approve', { config: s.net, sig: approveConfig(s.net, s.member(0).seed) })).rule).toBe('CONFIG_ADOPTED');
  });

  it("a peer's unknown kind, even with an actor, is still accepted by receivers (§5.1); only this node's API refuses it", () => {
    const { s, A } = world();
    const log = s.logs.get(A)!;
    const head = log.at(-1)!;
    const env = s.by(A, 'li.na', 'x.future', { n: 1 });
    const v = held(s);
    const ctx = { net: s.net, configFor: (e: number) => (e === 0 ? s.config : undefined), actorInForce: v.actorInForce.bind(v) };
    expect(acceptRecord(ctx, { seq: head.record.seq, id: head.id, epoch: 0, ts: head.record.ts }, env.bytes).id).toEqual(env.id);
    expect(refused(v, proposedOf(env)).rule).toBe('KIND_UNKNOWN');
  });

  it('proposedOf takes a record as the rules see it', () => {
    const { reg } = world();
    expect(proposedOf(reg)).toMatchObject({ author: reg.record.author, seq: reg.record.seq, kind: 'doc.register', actor: 'li.na' });
  });
});
