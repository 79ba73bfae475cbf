import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, builders, checkPrepared, type ClientError, seedSigner, TongbanClient, verifyCaseBundleOffline, verifyDocBundle, type Actor, type PreparedAnswer } from '../../../client/index.js';
import { fromBase64, toBase64, toHex } from '../../../protocol/bytes.js';
import { publicKeyOf, sha256 } from '../../../protocol/crypto.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { decodeRequest, encodeRequest, requestDigest, requestSigMessage } from '../../../protocol/records/request.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet;
let url: string;
let client: TongbanClient;
const admin = (): Actor => ({ id: 'admin', signer: seedSigner(t.members[0]!.adminSeed) });
const reg: Actor = { id: 'sdk.reg', signer: seedSigner(new Uint8Array(32).fill(0x51)) };
const cw: Actor = { id: 'sdk.cw', signer: seedSigner(new Uint8Array(32).fill(0x52)) };
const doc = () => ({ doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' as const });
const target = () => ({ net: t.net, author: t.members[0]!.id });
const fast = { backoffMs: 1, maxBackoffMs: 2, pollMs: 20, maxPollMs: 100 };

/** A fetch that hands each call to `hook` (which may call the real fetch) and counts calls by path. */
function hooked(hook: (url: string, init: RequestInit | undefined, real: typeof fetch) => Promise<Response>) {
  const calls: string[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const u = String(input);
    calls.push(`${init?.method ?? 'GET'} ${new URL(u).pathname}`);
    return hook(u, init, globalThis.fetch);
  }) as typeof fetch;
  return { f, calls };
}

beforeAll(async () => {
  t = await testNet(3);
  for (const i of [0, 1, 2]) await t.start(i);
  url = await t.nodes[0]!.startApi('127.0.0.1', 0);
  client = new TongbanClient(url, fast);
  await until(() => t.nodes[0]!.ledger.size(t.members[0]!.id) === 1);
  for (const [a, roles] of [
    [reg, ['registrar']],
    [cw, ['caseworker']],
  ] as const) {
    const key = publicKeyOf(a === reg ? new Uint8Array(32).fill(0x51) : new Uint8Array(32).fill(0x52));
    await client.write(admin(), builders.orgActor({ id: a.id, key, roles: [...roles], active: true }));
  }
}, 60_000);
afterAll(async () => t?.close());

describe('client SDK against an in-process node', () => {
  it('signs locally, submits, waits until final, reads the record and the document, verifies the bundle offline', async () => {
    const d = doc();
    const created = await client.write(reg, builders.docRegister(d), { wait: 'durable' });
    expect(created).toMatchObject({ author: t.members[0]!.id, state: expect.stringMatching(/durable|replicated|final/) });
    const final = await client.waitFinal(created.id, { timeoutMs: 20_000 });
    expect(final.final).toBe(true);
    expect(final.record).toMatchObject({ kind: 'doc.register', body: { doc: toHex(d.doc), type: 'permit', class: 'public' }, actor: { id: 'sdk.reg' } });
    const report = await client.doc(d.doc);
    expect(report).toMatchObject({ proofs: 'sound', outcome: 'pending' });
    const offline = verifyDocBundle(await client.docBundle(d.doc), t.net);
    expect(offline).toMatchObject({ proofs: 'sound', doc: toHex(d.doc), outcome: 'pending' });
    expect(offline.entries.map((e) => e.id)).toContain(created.id);
    // the node's report, through its response schema, is the offline verifier's, field for field
    expect(await client.doc(d.doc)).toEqual(verifyDocBundle(await client.docBundle(d.doc), t.net));
    // another network id: the bundle does not verify
    expect(verifyDocBundle(await client.docBundle(d.doc), sha256(new Uint8Array([1]))).proofs).toBe('unsound');
  }, 40_000);

  it('prepares on the node, checks the bytes, signs and submits a case; reads the report and verifies the case bundle', async () => {
    const open = builders.caseOpen({
      item: '11410100MB1234567X4000111001',
      name: '道路运输经营许可',
      mode: 'online',
      serial: `SDK-${Date.now()}`,
      applicant: sha256(new Uint8Array([7])),
      handlers: [t.members[0]!.id],
      limit: { days: 5, calendar: 'working' },
      materials: [{ name: '申请表', doc: sha256(new Uint8Array([8])), form: 'electronic', original: true }],
    });
    const answer = await client.prepare(cw.id, open);
    const checked = checkPrepared(answer, { ...open, ...target() });
    expect(checked.request.kind).toBe('case.open');
    expect(toHex(checked.signMessage)).toBe(toHex(requestSigMessage(requestDigest(checked.bytes))));
    const created = await client.writePrepared(cw, open, target(), { wait: 'final', timeoutMs: 20_000 });
    expect(created.state).toBe('final');
    const report = await client.caseReport(created.id);
    expect(report).toMatchObject({ case: created.id, state: 'received', opener: t.members[0]!.id, serial: open.body.serial });
    expect((await client.caseBySerial(t.members[0]!.id, open.body.serial as string)).case).toBe(created.id);
    expect((await client.cases({ member: t.members[0]!.id, limit: 1000 })).cases.map((c) => c.case)).toContain(created.id);
    const log = await client.log(t.members[0]!.id, 0, 1000);
    expect(log.records.find((r) => r.id === created.id)).toMatchObject({ record: { kind: 'case.open', actor: { id: 'sdk.cw' } }, final: true });
    await expect(client.caseReport('nothex')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const offline = verifyCaseBundleOffline(await client.caseBundle(created.id), t.net);
    expect(offline.proofs).toBe('sound');
    expect(offline.report).toMatchObject({ case: created.id, serial: open.body.serial });
  }, 40_000);

  it('refuses to sign a tampered prepare answer, naming the field, and stores nothing', async () => {
    const me = t.members[0]!.id;
    const want = builders.docRegister(doc());
    const honest = await client.prepare(reg.id, want);
    const retamper = (change: (r: ReturnType<typeof decodeRequest>) => void): PreparedAnswer => {
      const r = decodeRequest(fromBase64(honest.request));
      change(r);
      const bytes = encodeRequest(r);
      const digest = requestDigest(bytes);
      // a consistent lie: digest and message match the tampered bytes
      return { ...honest, request: toBase64(bytes), digest: toHex(digest), signMessage: toBase64(requestSigMessage(digest)), nonce: toHex(r.nonce), at: r.at };
    };
    const cases: [PreparedAnswer, string][] = [
      [retamper((r) => (r.body = { ...r.body, class: 'internal' })), 'body'],
      [retamper((r) => (r.kind = 'doc.revoke')), 'kind'],
      [retamper((r) => (r.net = sha256(new Uint8Array([2])))), 'net'],
      [retamper((r) => (r.author = t.members[1]!.id)), 'author'],
      [retamper((r) => (r.at = Date.now() - 3_600_000)), 'at'],
      [retamper((r) => (r.refs = [sha256(new Uint8Array([3]))])), 'refs'],
      [{ ...honest, digest: toHex(sha256(new Uint8Array([4]))) }, 'digest'],
      [{ ...honest, signMessage: toBase64(new Uint8Array(51)) }, 'signMessage'],
      [{ ...honest, request: toBase64(new Uint8Array([0xa0])) }, 'request'],
    ];
    for (const [answer, field] of cases) {
      const e = (() => {
        try {
          checkPrepared(answer, { ...want, ...target() });
        } catch (x) {
          return x as ClientError;
        }
        throw new Error(`tampered ${field} passed`);
      })();
      expect([e.code, e.field]).toEqual(['PREPARED_MISMATCH', field]);
    }
    // End to end: a node that answers prepare with another body never gets a signature.
    const evil = retamper((r) => (r.body = { ...r.body, type: 'forged' }));
    const { f, calls } = hooked(async (u, init, real) =>
      u.endsWith('/v1/requests/prepare') ? new Response(JSON.stringify(evil), { status: 200, headers: { 'content-type': 'application/json' } }) : real(u, init),
    );
    const before = t.nodes[0]!.ledger.size(me);
    await expect(new TongbanClient(url, { ...fast, fetch: f }).writePrepared(reg, want, target())).rejects.toMatchObject({ code: 'PREPARED_MISMATCH', field: 'body' });
    expect(calls).toEqual(['POST /v1/requests/prepare']);
    expect(t.nodes[0]!.ledger.size(me)).toBe(before);
  });

  it('gets typed 400s naming the field for bad bodies', async () => {
    const raw = async (body: unknown) => {
      const res = await fetch(`${url}/v1/requests/prepare`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { code: string; message: string; field?: string } };
    };
    const good = { kind: 'doc.register', body: { doc: 'ab'.repeat(32), type: 'permit', class: 'public' }, actor: 'sdk.reg' };
    expect((await raw(good)).status).toBe(200);
    const bad: [unknown, string, string][] = [
      [{ ...good, body: { ...good.body, class: 'secret' } }, 'BODY_INVALID', 'body.class'],
      [{ ...good, body: { ...good.body, doc: 'XYZ' } }, 'BODY_INVALID', 'body.doc'],
      [{ ...good, body: { ...good.body, doc: 'ab' } }, 'BODY_INVALID', 'body.doc'],
      [{ ...good, body: { ...good.body, colour: 'red' } }, 'BODY_INVALID', 'body.colour'],
      [{ ...good, body: { ...good.body, type: 1.5 } }, 'BODY_INVALID', 'body.type'],
      [{ kind: 'case.open', body: { item: 'x' }, actor: 'sdk.cw' }, 'BODY_INVALID', 'body.name'],
      [{ kind: 'doc.approve', body: { doc: 'ab'.repeat(32), decision: 'approve', role: 'review' }, actor: 'sdk.reg' }, 'BODY_INVALID', 'refs'],
      [{ ...good, refs: ['nothex'] }, 'BAD_REQUEST', 'refs.0'],
      [{ kind: good.kind, body: good.body }, 'BAD_REQUEST', 'actor'],
      [{ ...good, actor: 'Not An Id' }, 'BAD_REQUEST', 'actor'],
    ];
    for (const [body, code, field] of bad) {
      const r = await raw(body);
      expect([r.status, r.body.code, r.body.field], JSON.stringify(r.body)).toEqual([400, code, field]);
    }
    // The SDK's error carries the same: status, the node's code, the field.
    await expect(client.prepare('sdk.reg', { kind: 'doc.register', body: { doc: new Uint8Array(32), type: 'permit', class: 'secret' } })).rejects.toMatchObject({
      code: 'REFUSED',
      status: 400,
      nodeCode: 'BODY_INVALID',
      field: 'body.class',
    });
    // An actor without the role is refused at prepare time, as the submission would be.
    await expect(client.prepare('sdk.cw', builders.docRegister(doc()))).rejects.toMatchObject({ status: 403, nodeCode: 'ACTOR_ROLE' });
  });

  it('builders check bodies before anything is signed', () => {
    expect(() => build('doc.register', { doc: new Uint8Array(3), type: 'permit', class: 'public' })).toThrow(ProtocolError);
    expect(() => builders.caseStep(new Uint8Array(32), { step: 'review', opinion: 'maybe' as never })).toThrow(/body.opinion/);
    expect(builders.docApprove({ doc: new Uint8Array(32), decision: 'approve', role: 'review' }, new Uint8Array(32)).refs).toHaveLength(1);
  });

  it('retries reads and refused-for-now writes, never a refusal, and reports a lost answer whose retry is a replay', async () => {
    // reads: two network errors, then a 503, then the node
    let n = 0;
    const flaky = hooked(async (u, init, real) => {
      n++;
      if (n <= 2) throw new TypeError('fetch failed');
      if (n === 3) return new Response(JSON.stringify({ code: 'RECOVERING', message: 'later' }), { status: 503 });
      return real(u, init);
    });
    expect((await new TongbanClient(url, { ...fast, fetch: flaky.f }).status()).member).toBe(t.members[0]!.id);
    expect(flaky.calls).toHaveLength(4);
    // a write refused for now (503 CLOCK_SKEW) is sent again and stored once
    let m = 0;
    const skew = hooked(async (u, init, real) => (init?.method === 'POST' && m++ === 0 ? new Response(JSON.stringify({ code: 'CLOCK_SKEW', message: 'later' }), { status: 503 }) : real(u, init)));
    const c2 = new TongbanClient(url, { ...fast, fetch: skew.f });
    const created = await c2.write(reg, builders.docRegister(doc()), {}, target());
    expect(skew.calls).toEqual(['POST /v1/records', 'POST /v1/records']);
    expect(created.id).toMatch(/^[0-9a-f]{64}$/);
    // a refusal is final: one call
    const once = hooked((u, init, real) => real(u, init));
    await expect(new TongbanClient(url, { ...fast, fetch: once.f }).write(cw, builders.docRegister(doc()), {}, target())).rejects.toMatchObject({ code: 'REFUSED', nodeCode: 'ACTOR_ROLE' });
    expect(once.calls).toEqual(['POST /v1/records']);
    // the answer of a stored write is lost: the retry is refused as a replay, and the SDK says the outcome is unknown
    let k = 0;
    const lost = hooked(async (u, init, real) => {
      const res = await real(u, init);
      if (init?.method === 'POST' && k++ === 0) throw new TypeError('fetch failed: socket hang up');
      return res;
    });
    const me = t.members[0]!.id;
    const before = t.nodes[0]!.ledger.size(me);
    await expect(new TongbanClient(url, { ...fast, fetch: lost.f }).write(reg, builders.docRegister(doc()), {}, target())).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(t.nodes[0]!.ledger.size(me)).toBe(before + 1);
    // unreachable after the retries
    const gone = hooked(async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    });
    await expect(new TongbanClient(url, { ...fast, retries: 2, fetch: gone.f }).status()).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') });
    expect(gone.calls).toHaveLength(3);
    await expect(client.record('0'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});
