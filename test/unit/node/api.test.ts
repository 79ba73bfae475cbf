import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { encodeCanonical } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet;
let url: string;
const reg = new Uint8Array(32).fill(0x31);
const off = new Uint8Array(32).fill(0x32);

const json = (sub: { request: Uint8Array; actor: string; sig: Uint8Array }) => ({ request: toBase64(sub.request), actor: sub.actor, sig: toBase64(sub.sig) });
async function post(body: unknown, type = 'application/json') {
  const res = await fetch(`${url}/v1/records`, { method: 'POST', headers: { 'content-type': type }, body: type === 'application/json' ? JSON.stringify(body) : (body as Uint8Array) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  t = await testNet(3);
  for (const i of [0, 1, 2]) await t.start(i);
  url = await t.nodes[0]!.startApi('127.0.0.1', 0);
  const A = t.members[0]!;
  await until(() => t.nodes[0]!.ledger.size(A.id) === 1);
  for (const [id, seed, active] of [['li.na', reg, true], ['zhao.off', off, false]] as const) {
    const r = await post(json(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id, key: publicKeyOf(seed), roles: ['registrar'], active })));
    expect(r.status).toBe(201);
  }
}, 60_000);
afterAll(async () => t?.close());

describe('HTTP API', () => {
  const doc = () => ({ doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });

  it('appends a record (JSON and CBOR bodies) and serves it back, final', async () => {
    const A = t.members[0]!;
    const r = await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', doc())));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ author: A.id, seq: 3 });
    const s = submission(t.net, A.id, 'li.na', reg, 'doc.register', doc());
    const c = await post(encodeCanonical({ request: s.request, actor: s.actor, sig: s.sig }), 'application/cbor');
    expect(c.status).toBe(201);
    await until(async () => ((await (await fetch(`${url}/v1/records/${r.body.id}`)).json()) as { final: boolean }).final, 20_000, 'finality');
    const got = (await (await fetch(`${url}/v1/records/${r.body.id}`)).json()) as Record<string, any>;
    expect(got.record.kind).toBe('doc.register');
    expect(got.record.actor.id).toBe('li.na');
    expect(got.witnesses).toBeGreaterThanOrEqual(2);
    const cp = await fetch(`${url}/v1/logs/${A.id}/checkpoint`);
    expect(cp.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await cp.text()).toMatch(new RegExp(`^test.gov.example/${A.id}\\n\\d+\\n`));
  }, 30_000);

  it('gives the right status and code for each bad request, and stores nothing', async () => {
    const A = t.members[0]!;
    const before = t.nodes[0]!.ledger.size(A.id);
    const good = submission(t.net, A.id, 'li.na', reg, 'doc.register', doc());
    const cases: [unknown, number, string, string?][] = [
      [{ nope: 1 }, 400, 'BAD_REQUEST'],
      [{ ...json(good), request: '!!!' }, 400, 'BASE64_INVALID'],
      [{ ...json(good), sig: toBase64(new Uint8Array(64)) }, 401, 'ACTOR_SIGNATURE'],
      [json(submission(t.net, A.id, 'nobody', reg, 'doc.register', doc())), 401, 'ACTOR_UNKNOWN'],
      [json(submission(t.net, A.id, 'zhao.off', off, 'doc.register', doc())), 403, 'ACTOR_INACTIVE'],
      [json(submission(t.net, A.id, 'li.na', reg, 'doc.approve', { doc: new Uint8Array(32), decision: 'approve', role: 'review' }, [new Uint8Array(32)])), 403, 'ACTOR_ROLE'],
      [json(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32), type: 't', class: 'secret' })), 400, 'BODY'],
      [json(submission(t.net, t.members[1]!.id, 'li.na', reg, 'doc.register', doc())), 403, 'WRONG_AUTHOR'],
      ['not json', 400, 'BAD_REQUEST', 'text'],
      [{ request: 'A'.repeat(400_000), actor: 'x', sig: 'y' }, 413, 'BODY_TOO_LARGE'],
    ];
    for (const [body, status, code, raw] of cases) {
      const res = raw
        ? await fetch(`${url}/v1/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body as string })
        : await fetch(`${url}/v1/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const b = (await res.json()) as { code: string; message: string };
      expect([res.status, b.code], JSON.stringify(b)).toEqual([status, code]);
      expect(typeof b.message).toBe('string');
    }
    expect((await post(json(good))).status).toBe(201);
    const replay = await post(json(good));
    expect([replay.status, replay.body.code]).toEqual([409, 'NONCE_REPLAYED']);
    expect(t.nodes[0]!.ledger.size(A.id)).toBe(before + 1);
  }, 30_000);

  it('serves status, policy, governance, provenance, bundle, metrics, health and OpenAPI docs', async () => {
    const A = t.members[0]!;
    const d = doc();
    const r = await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', d)));
    expect(r.status).toBe(201);
    const hex = Buffer.from(d.doc).toString('hex');
    await until(async () => ((await (await fetch(`${url}/v1/docs/${hex}`)).json()) as { verdict: string }).verdict === 'valid', 20_000, 'valid provenance');
    const bundle = await fetch(`${url}/v1/docs/${hex}/bundle`);
    expect(bundle.headers.get('content-type')).toBe('application/cbor');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const status = (await (await fetch(`${url}/v1/status`)).json()) as Record<string, any>;
    expect(status).toMatchObject({ member: A.id, epoch: 0, admitted: true });
    expect(status.peers).toEqual([t.members[1]!.id, t.members[2]!.id].sort());
    expect(await (await fetch(`${url}/v1/policy`)).text()).toContain('quorum witnesses');
    expect(((await (await fetch(`${url}/v1/governance`)).json()) as { epoch: number }).epoch).toBe(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('tongban_appends_total');
    expect(metrics).toContain('tongban_http_request_seconds');
    expect(((await (await fetch(`${url}/healthz`)).json()) as { ok: boolean }).ok).toBe(true);
    expect((await fetch(`${url}/docs/json`)).status).toBe(200);
    expect((await fetch(`${url}/v1/docs/zz`)).status).toBe(400);
    expect((await fetch(`${url}/v1/records/${'0'.repeat(64)}`)).status).toBe(404);
  }, 30_000);
});
