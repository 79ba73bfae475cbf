import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import type { CborMap } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { checkDomain, type DomainRefused, type Proposed } from '../../../protocol/domain/index.js';
import { Ledger } from '../../../ledger/index.js';
import { factsOf, redFrom, type CaseSummary } from '../../../ledger/cases.js';
import { evaluateDeadline } from '../../../protocol/cases/deadline.js';
import { WorkCalendar } from '../../../protocol/cases/calendar.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';
import { utf8 } from '../../../protocol/bytes.js';

const { members, genesis, net } = testConsortium(3);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const cwSeed = new Uint8Array(32).fill(0x61);
const hdSeed = new Uint8Array(32).fill(0x62);
const H = (b: number) => new Uint8Array(32).fill(b);

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/** Two members' ledgers on one test clock: A receives applications, B handles them. */
async function pair() {
  let t = Date.parse('2026-11-25T09:00:00+08:00');
  const open = async (m: typeof A) => {
    const dir = tempDir();
    dirs.push(dir);
    return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed }, now: () => t });
  };
  const [a, b] = await Promise.all([open(A), open(B)]);
  await a.append(firstAdmin(A));
  await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'zz.cw', key: publicKeyOf(cwSeed), roles: ['caseworker'], active: true }, undefined, t));
  await b.append(firstAdmin(B));
  await b.append(submission(net, B.id, 'admin', B.adminSeed, 'org.actor', { id: 'hd.ap', key: publicKeyOf(hdSeed), roles: ['approver', 'caseworker'], active: true }, undefined, t));
  const byA = (kind: string, body: CborMap, refs?: Uint8Array[]) => a.append(submission(net, A.id, 'zz.cw', cwSeed, kind, body, refs, t));
  const byB = (kind: string, body: CborMap, refs?: Uint8Array[]) => b.append(submission(net, B.id, 'hd.ap', hdSeed, kind, body, refs, t));
  const sync = async () => {
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, b.size(A.id), 100));
    await a.acceptForeign(B.id, await b.envelopeBytes(B.id, a.size(B.id), 100));
  };
  const openBody = (serial: string, item = 'ITEM-1') => ({
    item,
    name: '道路运输经营许可',
    mode: 'proxy',
    serial,
    applicant: H(1),
    handlers: [B.id],
    limit: { days: 2, calendar: 'working' },
    materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
  });
  return { a, b, byA, byB, sync, openBody, set: (iso: string) => (t = Date.parse(iso)), close: () => Promise.all([a.close(), b.close()]) };
}

async function refusal(l: Ledger, p: Proposed): Promise<string | undefined> {
  try {
    checkDomain(await l.domainView(p), p);
  } catch (e) {
    return (e as DomainRefused).rule;
  }
  return undefined;
}

describe('case indexes (ledger/cases.ts)', () => {
  it('a case opened at one member and handled at another is one case, answered from the indexes', async () => {
    const x = await pair();
    try {
      const opened = await x.byA('case.open', x.openBody('ZZ-1'));
      const id = opened.id;
      x.set('2026-11-25T10:00:00+08:00');
      const handoff = await x.byA('case.handoff', { to: B.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [id]);
      await x.sync();
      // B holds A's case: the 501 is gone, and the C.4 rules decide
      const receipt: Proposed = { author: B.id, seq: x.b.size(B.id), epoch: 0, kind: 'case.receipt', body: { complete: true }, refs: [id, handoff.id], actor: 'hd.ap' };
      expect(await refusal(x.b, receipt)).toBeUndefined();
      const stepFirst: Proposed = { author: B.id, seq: x.b.size(B.id), epoch: 0, kind: 'case.step', body: { step: 'review', opinion: 'agree' }, refs: [id], actor: 'hd.ap' };
      expect(await refusal(x.b, stepFirst)).toBe('before-accept');
      x.set('2026-11-25T11:00:00+08:00');
      await x.byB('case.receipt', { complete: true }, [id, handoff.id]);
      await x.byB('case.accept', { decision: 'accept' }, [id]);
      await x.sync();
      for (const l of [x.a, x.b]) {
        const recs = await l.caseRecords(id);
        expect(recs.map((e) => e.record.kind).sort()).toEqual(['case.accept', 'case.handoff', 'case.open', 'case.receipt']);
        expect(new Set(recs.map((e) => e.record.author))).toEqual(new Set([A.id, B.id]));
        const s = await l.caseSummary(id);
        expect([s?.state, s?.opener, s?.handlers]).toEqual(['in-progress', A.id, [B.id]]);
      }
      // the serial, and a second open with it refused as duplicate-serial
      expect((await x.a.casesBySerial(A.id, 'ZZ-1')).map(toHex)).toEqual([toHex(id)]);
      const again: Proposed = { author: A.id, seq: x.a.size(A.id), epoch: 0, kind: 'case.open', body: x.openBody('ZZ-1'), actor: 'zz.cw' };
      expect(await refusal(x.a, again)).toBe('duplicate-serial');
      // a receipt for a handoff not replicated yet is refused, never appended blind
      const h2 = await x.byA('case.handoff', { to: B.id, purpose: 'return', via: 'network', materials: [H(2)] }, [id]);
      const early: Proposed = { author: B.id, seq: x.b.size(B.id), epoch: 0, kind: 'case.receipt', body: { complete: true }, refs: [id, h2.id], actor: 'hd.ap' };
      expect(await refusal(x.b, early)).toBe('unknown-handoff');
      const stranger: Proposed = { author: A.id, seq: x.a.size(A.id), epoch: 0, kind: 'case.accept', body: { decision: 'accept' }, refs: [id], actor: 'zz.cw' };
      expect(await refusal(x.a, stranger)).toBe('not-handler');
      // the report holds both members' records
      const report = await x.b.caseReport(id, Date.parse('2026-11-26T12:00:00+08:00'));
      expect([report?.state, report?.light, report?.timeline.length, report?.warnings]).toEqual(['in-progress', 'yellow', 4, []]);
    } finally {
      await x.close();
    }
  });

  it('lists by state, member and role, item, since and light at asOf; paged with a cursor', async () => {
    const x = await pair();
    try {
      const c1 = (await x.byA('case.open', x.openBody('ZZ-1', 'ITEM-1'))).id;
      x.set('2026-11-25T09:30:00+08:00');
      const c2 = (await x.byA('case.open', x.openBody('ZZ-2', 'ITEM-2'))).id;
      x.set('2026-11-25T10:00:00+08:00');
      const c3 = (await x.byA('case.open', x.openBody('ZZ-3', 'ITEM-1'))).id;
      await x.sync();
      x.set('2026-11-25T11:00:00+08:00');
      await x.byB('case.accept', { decision: 'accept' }, [c1]);
      await x.byB('case.accept', { decision: 'refuse', reason: '不属于受理范围' }, [c2]);
      await x.sync();
      const now = Date.parse('2026-11-25T12:00:00+08:00');
      const ids = async (l: Ledger, q: Partial<Parameters<Ledger['listCases']>[0]>) => (await l.listCases({ asOf: now, limit: 50, ...q })).cases.map((c) => toHex(c.summary.id));
      for (const l of [x.a, x.b]) {
        expect(await ids(l, {})).toEqual([c1, c2, c3].map(toHex));
        expect(await ids(l, { state: 'in-progress' })).toEqual([toHex(c1)]);
        expect(await ids(l, { state: 'refused' })).toEqual([toHex(c2)]);
        expect(await ids(l, { state: 'received' })).toEqual([toHex(c3)]);
        expect(await ids(l, { member: A.id, role: 'opener' })).toEqual([c1, c2, c3].map(toHex));
        expect(await ids(l, { member: A.id, role: 'handler' })).toEqual([]);
        expect(await ids(l, { member: B.id, role: 'handler' })).toEqual([c1, c2, c3].map(toHex));
        expect(await ids(l, { member: B.id })).toEqual([c1, c2, c3].map(toHex));
        expect(await ids(l, { item: 'ITEM-1' })).toEqual([c1, c3].map(toHex));
        expect(await ids(l, { item: 'ITEM-1', state: 'received' })).toEqual([toHex(c3)]);
        expect(await ids(l, { since: Date.parse('2026-11-25T09:30:00+08:00') })).toEqual([c2, c3].map(toHex));
        expect(await ids(l, { light: 'green' })).toEqual([toHex(c1)]);
        expect(await ids(l, { light: 'red' })).toEqual([]);
        // two working days from Wed 25th: due Fri 27th; red on Monday
        expect(await ids(l, { light: 'red', asOf: Date.parse('2026-11-30T09:00:00+08:00') })).toEqual([toHex(c1)]);
        expect(await ids(l, { light: 'yellow', asOf: Date.parse('2026-11-26T09:00:00+08:00') })).toEqual([toHex(c1)]);
      }
      const p1 = await x.b.listCases({ asOf: now, limit: 2 });
      expect(p1.cases.map((c) => toHex(c.summary.id))).toEqual([c1, c2].map(toHex));
      const p2 = await x.b.listCases({ asOf: now, limit: 2, after: p1.next! });
      expect([p2.cases.map((c) => toHex(c.summary.id)), p2.next]).toEqual([[toHex(c3)], null]);
      // lights now (no asOf) walk the cases open now
      const liveNow = async () => (await x.b.listCases({ limit: 50, light: 'green' })).cases.map((c) => toHex(c.summary.id));
      expect(await liveNow()).toEqual([toHex(c1)]);
      // closing moves the case out of the live lists
      x.set('2026-11-26T09:00:00+08:00');
      await x.byB('case.close', { result: 'done' }, [c1]);
      expect(await ids(x.b, { light: 'green', asOf: Date.parse('2026-11-26T10:00:00+08:00') })).toEqual([]);
      expect(await liveNow()).toEqual([]);
      expect(await ids(x.b, { state: 'closed' })).toEqual([toHex(c1)]);
      expect(await ids(x.b, { state: 'in-progress' })).toEqual([]);
      // at an earlier instant the closed case was still green
      expect(await ids(x.b, { light: 'green', asOf: Date.parse('2026-11-25T12:00:00+08:00') })).toEqual([toHex(c1)]);
    } finally {
      await x.close();
    }
  });

  it("records of a case that arrive before its case.open (another author's log) wait under the case id and count once it arrives", async () => {
    const x = await pair();
    const dir = tempDir();
    dirs.push(dir);
    const c = await Ledger.open({ path: dir.path, genesis, self: { id: members[2]!.id, seed: members[2]!.seed } });
    try {
      const id = (await x.byA('case.open', x.openBody('ZZ-9'))).id;
      await x.sync();
      x.set('2026-11-25T11:00:00+08:00');
      await x.byB('case.accept', { decision: 'accept' }, [id]);
      // the third member gets B's log first: the accept is held under the case id, no case yet
      await c.acceptForeign(B.id, await x.b.envelopeBytes(B.id, 0, 100));
      expect((await c.caseRecords(id)).map((e) => e.record.kind)).toEqual(['case.accept']);
      expect(await c.caseSummary(id)).toBeUndefined();
      expect((await c.listCases({ asOf: Date.now(), limit: 10 })).cases).toEqual([]);
      await c.acceptForeign(A.id, await x.a.envelopeBytes(A.id, 0, 100));
      expect((await c.caseSummary(id))?.state).toBe('in-progress');
      expect((await c.listCases({ asOf: Date.parse('2026-11-25T12:00:00+08:00'), limit: 10, state: 'in-progress' })).cases.map((k) => toHex(k.summary.id))).toEqual([toHex(id)]);
    } finally {
      await Promise.all([x.close(), c.close()]);
    }
  });

  it('light=red now walks only the cases that can be red by now (the red facet), paused ones only if red before the pause', async () => {
    const x = await pair();
    try {
      const c1 = (await x.byA('case.open', x.openBody('R-1'))).id;
      const c2 = (await x.byA('case.open', x.openBody('R-2'))).id;
      await x.sync();
      x.set('2026-11-25T11:00:00+08:00');
      await x.byB('case.accept', { decision: 'accept' }, [c1]);
      await x.byB('case.accept', { decision: 'accept' }, [c2]);
      // c2 pauses at once (not red): it stays off the red list however long the pause lasts
      await x.byB('case.clock', { action: 'pause', reason: 'inspection' }, [c2]);
      const red = async () => (await x.b.listCases({ limit: 10, light: 'red' })).cases.map((c) => toHex(c.summary.id));
      expect(await red()).toEqual([]);
      // due Friday 27th (two working days): red on Monday
      x.set('2026-11-30T09:00:00+08:00');
      expect(await red()).toEqual([toHex(c1)]);
      // c1 pauses after it went red: still red, still listed
      await x.byB('case.clock', { action: 'pause', reason: 'expert' }, [c1]);
      x.set('2026-12-20T09:00:00+08:00');
      expect(await red()).toEqual([toHex(c1)]);
    } finally {
      await x.close();
    }
  });

  it('redFrom is a lower bound of when a case turns red under any calendar (property)', () => {
    const day = 86_400_000;
    const base = Date.parse('2026-01-05T00:00:00+08:00');
    const calendars = [new WorkCalendar(), new WorkCalendar({ off: [20260107, 20260108, 20260112], on: [20260110] }, 1)];
    fc.assert(
      fc.property(
        fc.record({
          accept: fc.integer({ min: 0, max: 20 * day }),
          days: fc.integer({ min: 1, max: 10 }),
          natural: fc.boolean(),
          clocks: fc.array(fc.tuple(fc.integer({ min: 1, max: 30 * day }), fc.constantFrom('pause', 'resume', 'extend'), fc.integer({ min: 1, max: 5 })), { maxLength: 5 }),
          t: fc.integer({ min: 0, max: 60 * day }),
        }),
        ({ accept, days, natural, clocks, t }) => {
          // a well-formed clock history: pause/resume alternate, times after acceptance, in order
          const hist: CaseSummary['clocks'] = [];
          let paused = false;
          let at = base + accept;
          for (const [dt, action, n] of clocks) {
            if ((action === 'pause' && paused) || (action === 'resume' && !paused)) continue;
            at += dt;
            hist.push([new Uint8Array(32).fill(hist.length + 1), at, action, action === 'extend' ? n : 0]);
            if (action !== 'extend') paused = action === 'pause';
          }
          const s: CaseSummary = {
            id: new Uint8Array(32),
            opener: 'a',
            handlers: ['b'],
            item: 'I',
            serial: 'S',
            state: paused ? 'paused' : 'in-progress',
            openTs: base,
            limit: { days, calendar: natural ? 'natural' : 'working' },
            accept: [new Uint8Array(32).fill(0xaa), base + accept],
            clocks: hist,
          };
          const now = Math.max(base + t, at);
          const lb = redFrom(s);
          for (const cal of calendars) {
            if (evaluateDeadline(factsOf(s), cal, now).light === 'red') expect(lb !== undefined && lb <= now, `red at ${now}, redFrom ${lb}`).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('indexes, once at open, the case records of a store written before the case index existed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const t = Date.parse('2026-11-25T09:00:00+08:00');
    const open = () => Ledger.open({ path: dir.path, genesis, self: { id: B.id, seed: B.seed }, now: () => t });
    let b = await open();
    await b.append(firstAdmin(B));
    await b.append(submission(net, B.id, 'admin', B.adminSeed, 'org.actor', { id: 'hd.ap', key: publicKeyOf(hdSeed), roles: ['approver', 'caseworker'], active: true }, undefined, t));
    const body = { item: 'I', name: 'n', mode: 'online', serial: 'OLD-1', applicant: H(1), handlers: [B.id], limit: { days: 2, calendar: 'working' }, materials: [] };
    const id = (await b.append(submission(net, B.id, 'hd.ap', hdSeed, 'case.open', body, undefined, t))).id;
    await b.append(submission(net, B.id, 'hd.ap', hdSeed, 'case.accept', { decision: 'accept' }, [id], t));
    // what an older version left: no case index, no marker
    const del = [];
    for (const name of ['case', 'serial', 'caseSum', 'caseBy'] as const) for await (const k of b.store.keys(name, {})) del.push(b.store.del(name, k));
    del.push(b.store.del('meta', utf8('caseIndex')));
    await b.store.write(del);
    expect(await b.caseSummary(id)).toBeUndefined();
    await b.close();
    b = await open();
    try {
      expect((await b.caseSummary(id))?.state).toBe('in-progress');
      expect((await b.caseRecords(id)).length).toBe(2);
      expect((await b.casesBySerial(B.id, 'OLD-1')).map(toHex)).toEqual([toHex(id)]);
      expect((await b.listCases({ limit: 10, state: 'in-progress' })).cases.length).toBe(1);
    } finally {
      await b.close();
    }
  });
});
