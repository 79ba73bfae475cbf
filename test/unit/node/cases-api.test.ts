import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import type { CborMap } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { verifyCaseBundle } from '../../../protocol/bundle/case.js';
import { decodeBundle } from '../../../protocol/bundle/bundle.js';
import { Ledger } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { Metrics } from '../../../node/metrics.js';
import { recordRoutes } from '../../../node/api/records.js';
import { caseRoutes } from '../../../node/api/cases.js';
import { toApiError } from '../../../node/api/errors.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

// In process, without sockets: the APIs of A (receiving office) and B (handling office) over fastify's inject,
// on one test clock; replication and witnessing are driven by the test.
const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const cwSeed = new Uint8Array(32).fill(0x71);
const hdSeed = new Uint8Array(32).fill(0x72);
const supSeed = new Uint8Array(32).fill(0x73);
const pdSeed = new Uint8Array(32).fill(0x74);
const H = (b: number) => new Uint8Array(32).fill(b);
let t = 0;
let dirs: { path: string; cleanup: () => void }[] = [];
let a: Ledger, b: Ledger, c: Ledger;
let appA: FastifyInstance, appB: FastifyInstance, appC: FastifyInstance;

async function api(l: Ledger): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = toApiError(err);
    void reply.status(e.status).send({ code: e.code, message: e.message, ...(e.standing ? { standing: e.standing } : {}) });
  });
  const node = { ledger: l, metrics: new Metrics() } as never;
  await recordRoutes(app, node);
  await caseRoutes(app, node);
  return app;
}

const json = (sub: { request: Uint8Array; actor: string; sig: Uint8Array }) => ({ request: toBase64(sub.request), actor: sub.actor, sig: toBase64(sub.sig) });
async function post(app: FastifyInstance, who: 'zz' | 'hd' | 'sup' | 'pd', kind: string, body: CborMap, refs?: Uint8Array[]) {
  const [author, actor, seed] = who === 'zz' ? [A.id, 'zz.cw', cwSeed] : who === 'hd' ? [B.id, 'hd.ap', hdSeed] : who === 'pd' ? [C.id, 'pd.cw', pdSeed] : [C.id, 'pd.sup', supSeed];
  const res = await app.inject({ method: 'POST', url: '/v1/records', payload: json(submission(net, author, actor, seed, kind, body, refs, t)) });
  return { status: res.statusCode, body: res.json() as Record<string, string> };
}
const get = async (app: FastifyInstance, url: string) => {
  const res = await app.inject({ method: 'GET', url });
  const type = res.headers['content-type'];
  return { status: res.statusCode, body: String(type).startsWith('application/json') ? (res.json() as any) : undefined, raw: res.rawPayload, type };
};
const at = (iso: string) => (t = Date.parse(iso));

/** Every log's new records reach every other ledger. */
async function sync() {
  for (const x of [a, b, c]) for (const y of [a, b, c]) if (x !== y && x.self) await y.acceptForeign(x.self.id, await x.envelopeBytes(x.self.id, y.size(x.self.id), 1000));
}

/** Each log's newest checkpoint, cosigned by the two other members, held by every ledger: everything final. */
async function witnessAll() {
  await sync();
  for (const x of [a, b, c]) {
    const id = x.self!.id;
    let cp = await x.signCheckpoint();
    for (const w of [a, b, c].filter((y) => y !== x)) {
      await w.addCheckpoint(noteOf(cp));
      await x.addCheckpoint(noteOf(await w.cosign(id, cp.checkpoint.size)));
    }
    cp = x.checkpoints.latest(id)!;
    for (const w of [a, b, c].filter((y) => y !== x)) await w.addCheckpoint(noteOf(cp));
  }
}

const openBody = (serial: string) => ({
  item: '11410100MB1234567X4000111001',
  name: '道路运输经营许可',
  mode: 'proxy',
  serial,
  applicant: H(1),
  handlers: [B.id],
  limit: { days: 3, calendar: 'working' },
  materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
});

beforeEach(async () => {
  at('2026-11-25T09:00:00+08:00');
  dirs = [tempDir(), tempDir(), tempDir()];
  const open = (m: typeof A, i: number) => Ledger.open({ path: dirs[i]!.path, genesis, self: { id: m.id, seed: m.seed }, now: () => t });
  [a, b, c] = await Promise.all([open(A, 0), open(B, 1), open(C, 2)]);
  for (const [l, m] of [
    [a, A],
    [b, B],
    [c, C],
  ] as const)
    await l.append(firstAdmin(m));
  await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'zz.cw', key: publicKeyOf(cwSeed), roles: ['caseworker'], active: true }, undefined, t));
  await b.append(submission(net, B.id, 'admin', B.adminSeed, 'org.actor', { id: 'hd.ap', key: publicKeyOf(hdSeed), roles: ['approver', 'caseworker'], active: true }, undefined, t));
  await c.append(submission(net, C.id, 'admin', C.adminSeed, 'org.actor', { id: 'pd.sup', key: publicKeyOf(supSeed), roles: ['supervisor'], active: true }, undefined, t));
  await c.append(submission(net, C.id, 'admin', C.adminSeed, 'org.actor', { id: 'pd.cw', key: publicKeyOf(pdSeed), roles: ['caseworker'], active: true }, undefined, t));
  [appA, appB, appC] = await Promise.all([api(a), api(b), api(c)]);
});
afterEach(async () => {
  await Promise.all([appA.close(), appB.close(), appC.close()]);
  await Promise.all([a.close(), b.close(), c.close()]);
  for (const d of dirs) d.cleanup();
});

describe('case records through POST /v1/records (C.4 enforced before appending)', () => {
  it('refuses each broken rule with its code and status, and every 201 counts in the report', async () => {
    const opened = await post(appA, 'zz', 'case.open', openBody('ZZ-2026-0001'));
    expect(opened.status).toBe(201);
    const id = opened.body.id!;
    const ref = Buffer.from(id, 'hex');
    // the same serial again: refused, naming the case that stands
    expect((await post(appA, 'zz', 'case.open', openBody('ZZ-2026-0001'))).body).toMatchObject({ code: 'duplicate-serial', standing: id });
    at('2026-11-25T09:30:00+08:00');
    const handoff = await post(appA, 'zz', 'case.handoff', { to: B.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [ref]);
    expect(handoff.status).toBe(201);
    // B does not hold the case yet
    expect(await post(appB, 'hd', 'case.accept', { decision: 'accept' }, [ref])).toMatchObject({ status: 422, body: { code: 'unknown-case' } });
    await sync();
    // a second handoff A wrote but B does not hold yet: its receipt is refused as not yet replicated
    const later = await post(appA, 'zz', 'case.handoff', { to: B.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [ref]);
    expect(await post(appB, 'hd', 'case.receipt', { complete: true }, [ref, Buffer.from(later.body.id!, 'hex')])).toMatchObject({ status: 422, body: { code: 'unknown-handoff' } });
    at('2026-11-25T10:00:00+08:00');
    const refusals: [FastifyInstance, 'zz' | 'hd', string, CborMap, number, string][] = [
      [appB, 'hd', 'case.step', { step: 'review', opinion: 'agree' }, 409, 'before-accept'],
      [appB, 'hd', 'case.clock', { action: 'pause', reason: 'inspection' }, 409, 'before-accept'],
      [appB, 'hd', 'case.close', { result: 'issued' }, 409, 'close-before-accept'],
      [appA, 'zz', 'case.step', { step: 'undertake', opinion: 'agree' }, 403, 'not-handler'],
    ];
    for (const [app, who, kind, body, status, code] of refusals) expect(await post(app, who, kind, body, [ref]), code).toMatchObject({ status, body: { code } });
    expect((await post(appB, 'hd', 'case.receipt', { complete: true }, [ref, Buffer.from(handoff.body.id!, 'hex')])).status).toBe(201);
    expect((await post(appB, 'hd', 'case.receipt', { complete: true }, [ref, Buffer.from(handoff.body.id!, 'hex')])).body.code).toBe('duplicate-receipt');
    expect((await post(appB, 'hd', 'case.accept', { decision: 'accept' }, [ref])).status).toBe(201);
    expect((await post(appB, 'hd', 'case.accept', { decision: 'accept' }, [ref])).body.code).toBe('accept-twice');
    expect((await post(appB, 'hd', 'case.clock', { action: 'resume' }, [ref])).body.code).toBe('no-pause');
    expect((await post(appB, 'hd', 'case.clock', { action: 'pause', reason: 'inspection' }, [ref])).status).toBe(201);
    expect((await post(appB, 'hd', 'case.clock', { action: 'pause', reason: 'inspection' }, [ref])).body.code).toBe('already-paused');
    at('2026-11-26T10:00:00+08:00');
    expect((await post(appB, 'hd', 'case.clock', { action: 'resume' }, [ref])).status).toBe(201);
    expect((await post(appB, 'hd', 'case.close', { result: 'issued', license: 'E-LIC-1' }, [ref])).status).toBe(201);
    expect((await post(appB, 'hd', 'case.step', { step: 'approve', opinion: 'agree' }, [ref])).body.code).toBe('after-close');
    // every 201 counts: nothing in the report is ignored
    await sync();
    for (const app of [appA, appB]) {
      const r = await get(app, `/v1/cases/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.ignored).toEqual([]);
      expect(r.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['case.open', 'case.handoff', 'case.handoff', 'case.receipt', 'case.accept', 'case.clock', 'case.clock', 'case.close']);
      expect([r.body.state, r.body.result, r.body.handlers, r.body.opener, r.body.lateDays, r.body.warnings]).toEqual(['closed', 'issued', [B.id], A.id, 0, []]);
    }
  });
});

describe('the participant rules at a third member', () => {
  it('refuses not-participant, not-recipient and handler-not-member; a supervisor anywhere may write', async () => {
    const id = (await post(appA, 'zz', 'case.open', openBody('ZZ-3'))).body.id!;
    const ref = Buffer.from(id, 'hex');
    const handoff = (await post(appA, 'zz', 'case.handoff', { to: B.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [ref])).body.id!;
    await sync();
    expect(await post(appC, 'pd', 'case.handoff', { to: C.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [ref])).toMatchObject({ status: 403, body: { code: 'not-participant' } });
    expect(await post(appC, 'pd', 'case.deliver', { via: 'pickup' }, [ref])).toMatchObject({ status: 403, body: { code: 'not-participant' } });
    expect(await post(appC, 'pd', 'case.receipt', { complete: true }, [ref, Buffer.from(handoff, 'hex')])).toMatchObject({ status: 403, body: { code: 'not-recipient' } });
    expect(await post(appC, 'pd', 'case.open', { ...openBody('PD-1'), handlers: ['xx-nowhere'] })).toMatchObject({ status: 422, body: { code: 'handler-not-member' } });
    expect((await post(appC, 'sup', 'case.supervise', { action: 'claim' }, [ref])).status).toBe(201);
    await sync();
    const r = await get(appB, `/v1/cases/${id}`);
    expect([r.body.ignored, r.body.timeline.at(-1).kind, r.body.timeline.at(-1).member]).toEqual([[], 'case.supervise', C.id]);
  });
});

describe('GET /v1/cases, /v1/cases/:id, /v1/cases/by-serial, /v1/cases/:id/bundle', () => {
  async function twoCases() {
    const c1 = (await post(appA, 'zz', 'case.open', openBody('ZZ-1'))).body.id!;
    at('2026-11-25T09:10:00+08:00');
    const c2 = (await post(appA, 'zz', 'case.open', { ...openBody('ZZ-2'), item: 'OTHER-ITEM' })).body.id!;
    await sync();
    at('2026-11-25T10:00:00+08:00');
    expect((await post(appB, 'hd', 'case.accept', { decision: 'accept' }, [Buffer.from(c1, 'hex')])).status).toBe(201);
    await sync();
    return { c1, c2 };
  }

  it('lists cases with filters, lights at asOf and paging', async () => {
    const { c1, c2 } = await twoCases();
    at('2026-11-25T12:00:00+08:00');
    const list = async (q: string) => {
      const r = await get(appB, `/v1/cases${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.cases as { case: string }[]).map((x) => x.case);
    };
    expect(await list('')).toEqual([c1, c2]);
    expect(await list('?state=in-progress')).toEqual([c1]);
    expect(await list('?state=received')).toEqual([c2]);
    expect(await list(`?member=${A.id}&role=opener`)).toEqual([c1, c2]);
    expect(await list(`?member=${A.id}&role=handler`)).toEqual([]);
    expect(await list(`?member=${B.id}`)).toEqual([c1, c2]);
    expect(await list('?item=OTHER-ITEM')).toEqual([c2]);
    expect(await list(`?since=${encodeURIComponent('2026-11-25T09:05:00+08:00')}`)).toEqual([c2]);
    expect(await list('?light=green')).toEqual([c1]);
    expect(await list('?light=red')).toEqual([]);
    // three working days from Wednesday 25th: due Monday 30th; red from Tuesday
    expect(await list(`?light=red&asOf=${encodeURIComponent('2026-12-01T09:00:00+08:00')}`)).toEqual([c1]);
    expect(await list(`?light=yellow&asOf=${Date.parse('2026-11-30T09:00:00+08:00')}`)).toEqual([c1]);
    const full = await get(appB, '/v1/cases?state=in-progress');
    expect(full.body.cases[0]).toMatchObject({
      case: c1,
      opener: A.id,
      handlers: [B.id],
      state: 'in-progress',
      light: 'green',
      overdue: 0,
      acceptedAt: '2026-11-25T10:00:00.000+08:00',
      closedAt: null,
    });
    const p1 = await get(appB, '/v1/cases?limit=1');
    expect([p1.body.cases.map((x: { case: string }) => x.case), typeof p1.body.next]).toEqual([[c1], 'string']);
    const p2 = await get(appB, `/v1/cases?limit=1&cursor=${p1.body.next}`);
    expect([p2.body.cases.map((x: { case: string }) => x.case), p2.body.next]).toEqual([[c2], null]);
    for (const bad of ['?state=open', '?asOf=yesterday', '?role=opener', '?light=blue', '?cursor=zz', '?limit=0']) expect((await get(appB, `/v1/cases${bad}`)).status, bad).toBe(400);
  });

  it('reports a case by id and by serial (asOf), 404 for what is not held', async () => {
    const { c1 } = await twoCases();
    at('2026-11-25T12:00:00+08:00');
    const r = await get(appB, `/v1/cases/${c1}`);
    expect(r.body).toMatchObject({
      case: c1,
      serial: 'ZZ-1',
      state: 'in-progress',
      light: 'green',
      counted: 0,
      allowed: 3,
      remaining: 3,
      due: '2026-11-30T23:59:59.999+08:00',
      asOf: '2026-11-25T12:00:00.000+08:00',
      warnings: [],
    });
    expect(r.body.timeline[0]).toMatchObject({ kind: 'case.open', member: A.id, actor: 'zz.cw', item: '11410100MB1234567X4000111001', final: false, witnessed: null });
    expect(r.body.clock.text).toContain('due 2026-11-30T23:59:59.999+08:00');
    const late = await get(appB, `/v1/cases/${c1}?asOf=${encodeURIComponent('2026-12-02T09:00:00+08:00')}`);
    expect([late.body.light, late.body.overdue]).toEqual(['red', 2]);
    const bySerial = await get(appB, `/v1/cases/by-serial/${A.id}/ZZ-1?asOf=${encodeURIComponent('2026-12-02T09:00:00+08:00')}`);
    expect(bySerial.body).toEqual(late.body);
    expect((await get(appB, `/v1/cases/by-serial/${A.id}/ZZ-404`)).status).toBe(404);
    expect((await get(appB, `/v1/cases/${'ab'.repeat(32)}`)).status).toBe(404);
    expect((await get(appB, `/v1/cases/${'ab'.repeat(32)}/bundle`)).status).toBe(404);
    expect((await get(appB, '/v1/cases/xyz')).status).toBe(400);
  });

  it('serves a case bundle that verifies offline and says what the node says', async () => {
    const { c1 } = await twoCases();
    at('2026-11-25T10:30:00+08:00');
    expect((await post(appB, 'hd', 'case.step', { step: 'review', opinion: 'agree' }, [Buffer.from(c1, 'hex')])).status).toBe(201);
    // C's supervisor flags it: a third author's record of the same case
    const sup = await c.append(submission(net, C.id, 'pd.sup', supSeed, 'case.supervise', { action: 'claim' }, [Buffer.from(c1, 'hex')], t));
    expect(sup.seq).toBeGreaterThan(0);
    // not proven yet: no bundle
    expect((await get(appB, `/v1/cases/${c1}/bundle`)).status).toBe(404);
    await witnessAll();
    const res = await get(appB, `/v1/cases/${c1}/bundle`);
    expect([res.status, res.type]).toEqual([200, 'application/cbor']);
    const bytes = new Uint8Array(res.raw);
    expect(decodeBundle(bytes).about).toBe('case');
    const asOf = Date.parse('2026-11-26T09:00:00+08:00');
    const offline = verifyCaseBundle(bytes, net, asOf);
    expect(offline.proofs).toBe('sound');
    const node = await get(appB, `/v1/cases/${c1}?asOf=${asOf}`);
    expect(node.body.timeline.every((e: { final: boolean }) => e.final)).toBe(true);
    expect(new Set(node.body.timeline.map((e: { member: string }) => e.member))).toEqual(new Set([A.id, B.id, C.id]));
    expect({ ...offline.report, warnings: [] }).toEqual(node.body);
  });

  it('answers random query parameters with 200 or a typed 400, never a 5xx (property)', async () => {
    await twoCases();
    const param = fc.constantFrom('state', 'light', 'member', 'role', 'item', 'since', 'asOf', 'cursor', 'limit', 'other');
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('in-progress', 'red', 'opener', A.id, 'ITEM', '2026-11-25T09:00:00+08:00', '1764032400000', 'ab'.repeat(40), '0', '1001', '-1', 'NaN', 'Infinity', '1e999', '%00'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, value), { maxLength: 4 }), fc.constantFrom('/v1/cases', `/v1/cases/${'ab'.repeat(32)}`, `/v1/cases/by-serial/${A.id}/ZZ-1`), async (pairs, route) => {
        const qs = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const res = await appB.inject({ method: 'GET', url: `${route}?${qs}` });
        expect([200, 400, 404], `${route}?${qs}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
        if (res.statusCode !== 200) expect(typeof (res.json() as { code: unknown }).code).toBe('string');
      }),
      { numRuns: 150 },
    );
  });
});
