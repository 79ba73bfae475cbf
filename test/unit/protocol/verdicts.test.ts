import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { decodeBundle, encodeBundle, verifyBundle, type Report } from '../../../protocol/bundle/index.js';
import { parseTlogProof, formatTlogProof } from '../../../protocol/note/tlog-proof.js';
import type { Note } from '../../../protocol/note/note.js';
import type { Envelope } from '../../../protocol/records/index.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

const doc = new Uint8Array(32).fill(0xd2);

/** A (registrar li.na), B (approver wang.fang), C (approver chen.jie, registrar zhou.reg); A registers the document. */
function world() {
  const s = new Scenario(3);
  const [A, B, C] = [0, 1, 2].map((i) => s.member(i).id) as [string, string, string];
  s.enrol(A, 'li.na', ['registrar']);
  s.enrol(B, 'wang.fang', ['approver']);
  s.enrol(C, 'chen.jie', ['approver']);
  s.enrol(C, 'zhou.reg', ['registrar']);
  const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
  return { s, A, B, C, reg };
}

const verify = async (s: Scenario, proof?: (env: Envelope) => Note): Promise<Report> => verifyBundle(await s.bundle(doc, proof), s.net);
const sound = (r: Report) => expect([r.proofs, r.problems]).toEqual(['sound', []]);

describe('verdicts: proofs and decision are two answers', () => {
  it('approved: an approval, no rejection, not revoked, all final; the document stands', async () => {
    const { s, B, reg } = world();
    const ok = s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const r = await verify(s);
    sound(r);
    expect([r.outcome, r.stands]).toEqual(['approved', true]);
    expect(r.decision.records).toEqual([toHex(ok.id)]);
    const ev = r.events.find((e) => e.kind === 'doc.approve')!;
    expect(ev).toMatchObject({
      author: B,
      member: `member ${B}`,
      region: '310115',
      actor: 'wang.fang',
      actorRoles: ['approver'],
      role: 'review',
      decision: 'approve',
      final: true,
      witnesses: 3,
      quorum: 2,
      counts: true,
    });
    expect(ev.witnessed).toEqual(expect.any(Number));
  });

  it('rejected: any final rejection, named with who, step and reason, even after an approval', async () => {
    const { s, B, C, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const no = s.by(C, 'chen.jie', 'doc.approve', { doc, decision: 'reject', role: 'approval', reason: '材料不全' }, [reg.id]);
    const r = await verify(s);
    sound(r);
    expect([r.outcome, r.stands]).toEqual(['rejected', false]);
    expect(r.decision.records).toEqual([toHex(no.id)]);
    expect(r.decision.why).toContain(`${C} (approval): 材料不全`);
  });

  it('revoked: the owner revoked its registration', async () => {
    const { s, A, B, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const rv = s.by(A, 'li.na', 'doc.revoke', { doc, reason: 'superseded' }, [reg.id]);
    const r = await verify(s);
    sound(r);
    expect([r.outcome, r.stands, r.decision.records]).toEqual(['revoked', false, [toHex(rv.id)]]);
  });

  it('pending: registered with no decision yet', async () => {
    const { s } = world();
    const r = await verify(s);
    sound(r);
    expect([r.outcome, r.stands]).toEqual(['pending', false]);
  });

  it('pending: the approval is not final in this bundle (its own checkpoint lacks the quorum), so a rejection not final does not reject', async () => {
    const { s, B, C, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    s.by(C, 'chen.jie', 'doc.approve', { doc, decision: 'reject', role: 'approval' }, [reg.id]);
    const all = s.members.map((m) => m.id);
    const r = await verify(s, (env) => s.checkpoint(env.record.author, s.logs.get(env.record.author)!.length, env.record.author === A0(s) ? all : [B]));
    sound(r);
    expect(r.outcome).toBe('pending');
    expect(r.events.filter((e) => e.kind === 'doc.approve').map((e) => [e.final, e.witnesses, e.quorum, e.witnessed])).toEqual([
      [false, 1, 2, null],
      [false, 1, 2, null],
    ]);
  });

  it('conflict: one document registered by two members, listed', async () => {
    const { s, C, reg } = world();
    const other = s.by(C, 'zhou.reg', 'doc.register', { doc, type: 'certificate', class: 'public' });
    const r = await verify(s);
    sound(r);
    expect(r.outcome).toBe('conflict');
    expect(r.decision.records.sort()).toEqual([toHex(reg.id), toHex(other.id)].sort());
    expect(r.decision.why).toContain('registered 2 times');
  });

  it('not-found: nothing in the bundle is about the document', async () => {
    const s = new Scenario(3);
    const r = await verify(s);
    sound(r);
    expect([r.outcome, r.stands, r.events]).toEqual(['not-found', false, []]);
  });

  it('unsound: a broken proof makes the proofs unsound whatever the records say', async () => {
    const { s, B, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const b = decodeBundle(await s.bundle(doc));
    const p = parseTlogProof(b.entries[0]!.proof);
    p.path = [...p.path].reverse();
    b.entries[0] = { ...b.entries[0]!, proof: formatTlogProof(p) };
    const r = verifyBundle(encodeBundle(b), s.net);
    expect([r.proofs, r.stands]).toEqual(['unsound', false]);
  });
});

function A0(s: Scenario): string {
  return s.member(0).id;
}

describe('records that would not count are shown, warned and left out of the decision', () => {
  it('a revoke by a member that does not own the registration does not revoke [REVOKE_NOT_OWNER]', async () => {
    const { s, B, C, reg } = world();
    s.enrol(B, 'reg.b', ['registrar']);
    s.by(C, 'chen.jie', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    s.by(B, 'reg.b', 'doc.revoke', { doc, reason: 'not mine' }, [reg.id]);
    const r = await verify(s);
    sound(r);
    expect(r.outcome).toBe('approved');
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOKE_NOT_OWNER']);
    expect(r.events.find((e) => e.kind === 'doc.revoke')).toMatchObject({ counts: false, ignored: 'REVOKE_NOT_OWNER' });
  });

  it('an approval after the revocation does not count [DOC_REVOKED]; a second identical decision is a duplicate', async () => {
    const { s, A, B, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    s.by(A, 'li.na', 'doc.revoke', { doc, reason: 'superseded' }, [reg.id]);
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'approval' }, [reg.id]);
    const r = await verify(s);
    expect(r.outcome).toBe('revoked');
    expect(r.warnings.map((w) => w.code)).toEqual(['DUPLICATE', 'DOC_REVOKED']);
  });

  it('a share to a non-member is ignored [SHARE_NOT_MEMBER]; the verifier warns when two actor ids share one key [ACTOR_KEY_TAKEN]', async () => {
    const { s, A, B, reg } = world();
    const key = new Uint8Array(32).fill(0x77);
    s.enrol(A, 'liu.yang', ['registrar'], key);
    s.enrol(A, 'liu.yang2', ['registrar'], key);
    s.by(A, 'liu.yang', 'doc.share', { doc, to: B, purpose: 'check' }, [reg.id]);
    s.by(A, 'liu.yang2', 'doc.share', { doc, to: 'xz-nowhere', purpose: 'p' }, [reg.id]);
    const r = await verify(s);
    sound(r);
    expect(r.warnings.map((w) => w.code).sort()).toEqual(['ACTOR_KEY_TAKEN', 'SHARE_NOT_MEMBER']);
    expect(r.events.filter((e) => e.kind === 'doc.share').map((e) => e.counts)).toEqual([true, false]);
  });
});

describe('PROTOCOL.md change list, as the verifier applies it', () => {
  it('an actor block checks out only with |ts − at| ≤ 5 minutes', async () => {
    const { s, B, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id], s.clock + 1000 - 5 * 60 * 1000 - 1);
    const r = await verify(s);
    expect(r.proofs).toBe('unsound');
    expect(r.problems[0]!.message).toContain('[ACTOR_CLOCK]');
  });

  it('an actor block checks out only when its signature verifies over the rebuilt request under the key in force', async () => {
    const { s, B, reg } = world();
    s.forge(B, 'wang.fang', new Uint8Array(32).fill(0x99));
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const r = await verify(s);
    expect(r.problems.map((p) => p.message.match(/\[(\w+)\]$/)?.[1])).toEqual(['ACTOR_SIGNATURE']);
  });

  it('the org.actor in force before the record must be active and hold the role', async () => {
    const { s, B, reg } = world();
    s.by(B, 'admin', 'org.actor', {
      id: 'wang.fang',
      key: s.logs.get(B)!.find((e) => e.record.kind === 'org.actor' && e.record.body.id === 'wang.fang')!.record.body.key,
      roles: ['registrar'],
      active: true,
    });
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const r = await verify(s);
    expect(r.problems.map((p) => p.message.match(/\[(\w+)\]$/)?.[1])).toEqual(['ACTOR_ROLE']);
  });

  it("entries come sorted by (author, seq) with every org.actor version of each actor, back to each log's first record", async () => {
    const { s, A, B, reg } = world();
    const key = s.logs.get(A)!.find((e) => e.record.body.id === 'li.na')!.record.body.key;
    s.by(A, 'admin', 'org.actor', { id: 'li.na', key, roles: ['admin', 'registrar'], active: true });
    s.by(A, 'li.na', 'doc.share', { doc, to: B, purpose: 'check' }, [reg.id]);
    const r = verifyBundle(await s.bundle(doc), s.net);
    sound(r);
    expect(r.entries.map((e) => `${e.author}/${e.seq}:${e.kind}`)).toEqual([`${A}/0:org.actor`, `${A}/1:org.actor`, `${A}/2:doc.register`, `${A}/3:org.actor`, `${A}/4:doc.share`]);
  });

  it('a repeated entry makes the bundle unsound [DUPLICATE_ENTRY]', async () => {
    const { s } = world();
    const b = decodeBundle(await s.bundle(doc));
    b.entries.push(b.entries[0]!);
    const r = verifyBundle(encodeBundle(b), s.net);
    expect([r.proofs, r.problems.map((p) => p.code)]).toEqual(['unsound', ['DUPLICATE_ENTRY']]);
  });

  it("finality in a bundle is by each entry's own proof checkpoint", async () => {
    const { s, A, reg } = world();
    s.by(A, 'li.na', 'doc.share', { doc, to: s.member(1).id, purpose: 'check' }, [reg.id]);
    const all = s.members.map((m) => m.id);
    const size = s.logs.get(A)!.length;
    const early = s.checkpoint(A, reg.record.seq + 1, all);
    const late = s.checkpoint(A, size, [A]);
    const r = await verify(s, (env) =>
      env.record.author === A && env.record.seq <= reg.record.seq ? early : env.record.author === A ? late : s.checkpoint(env.record.author, s.logs.get(env.record.author)!.length, all),
    );
    sound(r);
    expect(r.events.map((e) => [e.kind, e.final])).toEqual([
      ['doc.register', true],
      ['doc.share', false],
    ]);
  });

  it('two checkpoints of one log with one size and different roots make the bundle unsound [FORK]', async () => {
    const { s, A, reg } = world();
    s.by(A, 'li.na', 'doc.share', { doc, to: s.member(1).id, purpose: 'one' }, [reg.id]);
    const all = s.members.map((m) => m.id);
    const b = decodeBundle(await s.bundle(doc));
    // The same log with another last record (a fork the author signed): a checkpoint of the same size, another root.
    const log = s.logs.get(A)!;
    const real = log.pop()!;
    s.by(A, 'li.na', 'doc.share', { doc, to: s.member(2).id, purpose: 'two' }, [reg.id]);
    const forked = s.checkpoint(A, log.length, all);
    const forkedTree = s.tree(A);
    log.pop();
    log.push(real);
    const i = b.entries.findIndex((e) => parseTlogProof(e.proof).index === 0);
    b.entries[i] = { ...b.entries[i]!, proof: formatTlogProof({ index: 0, path: forkedTree.inclusionProof(0, log.length), checkpoint: forked }) };
    const r = verifyBundle(encodeBundle(b), s.net);
    expect(r.proofs).toBe('unsound');
    expect(r.problems.map((p) => p.code)).toEqual(['FORK']);
  });

  it('a cosignature line of a known witness that does not verify makes the proof invalid', async () => {
    const { s, A } = world();
    const all = s.members.map((m) => m.id);
    const r = await verify(s, (env) => {
      const n = s.checkpoint(env.record.author, s.logs.get(env.record.author)!.length, all);
      if (env.record.author !== A) return n;
      const bad = n.sigs[2]!;
      const sig = bad.sig.slice();
      sig[20]! ^= 1;
      return { text: n.text, sigs: [n.sigs[0]!, n.sigs[1]!, { ...bad, sig }] };
    });
    expect(r.proofs).toBe('unsound');
    expect(r.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['CHECKPOINT']));
    expect(r.problems[0]!.message).toContain('does not verify');
  });

  it("witnessed = the quorum-th earliest counted cosignature time; proven to = the earliest over logs of each newest quorum checkpoint's witnessed time", async () => {
    const { s, A, B, reg } = world();
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    const ids = s.members.map((m) => m.id);
    const t0 = 1_800_000_000;
    const r = await verify(s, (env) => {
      const a = env.record.author;
      const n = s.logs.get(a)!.length;
      // A's log: cosigned at t0+30, t0+10, t0+20 → quorum (2) reached at t0+20. B's: t0+5, t0+50, t0+40 → t0+40.
      return a === A ? s.checkpoint(a, n, ids, [t0 + 30, t0 + 10, t0 + 20]) : s.checkpoint(a, n, ids, [t0 + 5, t0 + 50, t0 + 40]);
    });
    sound(r);
    expect(r.events.map((e) => [e.author, e.witnessed])).toEqual([
      [A, (t0 + 20) * 1000],
      [B, (t0 + 40) * 1000],
    ]);
    expect(r.logs.map((l) => [l.author, l.witnessed])).toEqual([
      [A, (t0 + 20) * 1000],
      [B, (t0 + 40) * 1000],
    ]);
    expect(r.provenTo).toBe((t0 + 20) * 1000);
    expect(r.asOf).toBe((t0 + 50) * 1000);
  });
});
