import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { encodeCanonical } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { approveConfig } from '../../../protocol/config/governance.js';
import { signRequest } from '../../../protocol/records/request.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet;
let url: string;
// Not 0x31: that is A's admin seed, and one key belongs to one actor id per member.
const reg = new Uint8Array(32).fill(0x35);
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
  for (const [id, seed, active] of [
    ['li.na', reg, true],
    ['zhao.off', off, false],
  ] as const) {
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
    // The same report as `tongban verify --json`: proofs sound, registered and final, nobody decided yet (pending).
    type Rep = { proofs: string; outcome: string; stands: boolean; events: { final: boolean }[] };
    await until(async () => ((await (await fetch(`${url}/v1/docs/${hex}`)).json()) as Rep).events[0]?.final === true, 20_000, 'final provenance');
    expect(await (await fetch(`${url}/v1/docs/${hex}`)).json()).toMatchObject({ proofs: 'sound', outcome: 'pending', stands: false });
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

describe('HTTP API: 201 means it counts (domain rules, protocol/domain)', () => {
  const appr = new Uint8Array(32).fill(0x33);
  const regB = new Uint8Array(32).fill(0x34);
  const d = (n: number) => new Uint8Array(32).fill(n);
  const A = () => t.members[0]!;
  const B = () => t.members[1]!;
  const sub = (actor: string, seed: Uint8Array, kind: string, body: Record<string, unknown>, refs?: Uint8Array[]) => json(submission(t.net, A().id, actor, seed, kind, body as never, refs));
  const refusal = async (body: unknown) => {
    const r = await post(body);
    return [r.status, r.body.code, r.body.standing];
  };

  beforeAll(async () => {
    expect((await post(sub('admin', A().adminSeed, 'org.actor', { id: 'wang.fang', key: publicKeyOf(appr), roles: ['approver'], active: true }))).status).toBe(201);
    // B registers a document of its own, which A replicates.
    const nb = t.nodes[1]!;
    await until(() => nb.ledger.size(B().id) === 1);
    await nb.ledger.append(submission(t.net, B().id, 'admin', B().adminSeed, 'org.actor', { id: 'zhou.reg', key: publicKeyOf(regB), roles: ['registrar'], active: true }));
    await nb.ledger.append(submission(t.net, B().id, 'zhou.reg', regB, 'doc.register', { doc: d(0x60), type: 'permit', class: 'public' }));
    await until(async () => (await t.nodes[0]!.ledger.docRecords(d(0x60))).length === 1, 20_000, "B's registration at A");
  }, 30_000);

  it('refuses each record that would not count, with a 4xx naming the rule; a duplicate is 409 with the standing id', async () => {
    const first = await post(sub('li.na', reg, 'doc.register', { doc: d(0x61), type: 'permit', class: 'public' }));
    expect(first.status).toBe(201);
    const regId = Buffer.from(first.body.id as string, 'hex');
    const theirs = (await t.nodes[0]!.ledger.docRecords(d(0x60)))[0]!.id;
    const before = t.nodes[0]!.ledger.size(A().id);
    expect(await refusal(sub('li.na', reg, 'doc.register', { doc: d(0x61), type: 'permit', class: 'internal' }))).toEqual([409, 'DUPLICATE', first.body.id]);
    expect(await refusal(sub('li.na', reg, 'doc.stamp', { doc: d(0x61) }))).toEqual([400, 'KIND_UNKNOWN', undefined]);
    expect(await refusal(sub('li.na', reg, 'doc.revoke', { doc: d(0x60), reason: 'not ours' }, [theirs]))).toEqual([403, 'REVOKE_NOT_OWNER', undefined]);
    expect(await refusal(sub('li.na', reg, 'doc.share', { doc: d(0x61), to: 'xz-nowhere', purpose: 'p' }, [regId]))).toEqual([422, 'SHARE_NOT_MEMBER', undefined]);
    expect(await refusal(sub('wang.fang', appr, 'doc.approve', { doc: d(0x62), decision: 'approve', role: 'review' }, [d(0x62)]))).toEqual([422, 'REF_UNKNOWN', undefined]);
    expect(await refusal(sub('wang.fang', appr, 'doc.register', { doc: d(0x63), type: 'permit', class: 'public' }))).toEqual([403, 'ACTOR_ROLE', undefined]);
    expect(await refusal(sub('admin', A().adminSeed, 'org.actor', { id: 'li.na2', key: publicKeyOf(reg), roles: ['registrar'], active: true }))).toEqual([
      409,
      'ACTOR_KEY_TAKEN',
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
    expect(t.nodes[0]!.ledger.size(A().id)).toBe(before);

    const ok = await post(sub('wang.fang', appr, 'doc.approve', { doc: d(0x61), decision: 'approve', role: 'review' }, [regId]));
    expect(ok.status).toBe(201);
    expect(await refusal(sub('wang.fang', appr, 'doc.approve', { doc: d(0x61), decision: 'approve', role: 'review' }, [regId]))).toEqual([409, 'DUPLICATE', ok.body.id]);
    expect(await refusal(sub('wang.fang', appr, 'doc.approve', { doc: d(0x61), decision: 'reject', role: 'review' }, [regId]))).toEqual([409, 'DECIDED', ok.body.id]);
    const rv = await post(sub('li.na', reg, 'doc.revoke', { doc: d(0x61), reason: 'superseded' }, [regId]));
    expect(rv.status).toBe(201);
    expect(await refusal(sub('wang.fang', appr, 'doc.approve', { doc: d(0x61), decision: 'approve', role: 'approval' }, [regId]))).toEqual([409, 'DOC_REVOKED', rv.body.id]);
    expect(await refusal(sub('li.na', reg, 'doc.revoke', { doc: d(0x61), reason: 'again' }, [regId]))).toEqual([409, 'DUPLICATE', rv.body.id]);
  }, 30_000);

  it('concurrent duplicates: exactly one 201, the others 409 naming it', async () => {
    const bodies = Array.from({ length: 4 }, () => sub('li.na', reg, 'doc.register', { doc: d(0x64), type: 'permit', class: 'public' }));
    const res = await Promise.all(bodies.map((b) => post(b)));
    const made = res.filter((r) => r.status === 201);
    expect(made).toHaveLength(1);
    for (const r of res.filter((x) => x.status !== 201)) expect([r.status, r.body.code, r.body.standing]).toEqual([409, 'DUPLICATE', made[0]!.body.id]);
  }, 30_000);

  it('governance approvals: once per member and config (409 with the standing id), valid signatures, not of adopted configs', async () => {
    const id = d(0x70);
    const sig = approveConfig(id, A().seed);
    const first = await post(sub('admin', A().adminSeed, 'gov.approve', { config: id, sig }));
    expect(first.status).toBe(201);
    expect(await refusal(sub('admin', A().adminSeed, 'gov.approve', { config: id, sig }))).toEqual([409, 'DUPLICATE', first.body.id]);
    expect(await refusal(sub('admin', A().adminSeed, 'gov.approve', { config: d(0x71), sig }))).toEqual([422, 'GOV_SIG_INVALID', undefined]);
    expect(await refusal(sub('admin', A().adminSeed, 'gov.approve', { config: t.net, sig: approveConfig(t.net, A().seed) }))).toEqual([409, 'CONFIG_ADOPTED', undefined]);
  }, 30_000);

  it('the governance-signing route checks actors through the shared rules, nonce included', async () => {
    const gsign = async (actor: string, seed: Uint8Array, nonce?: Uint8Array) => {
      const s = signRequest({ net: t.net, author: A().id, kind: 'gov.sign', body: { config: d(0x72) }, nonce }, actor, seed);
      const res = await fetch(`${url}/v1/governance/approvals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request: toBase64(s.bytes), actor, sig: toBase64(s.actor.sig) }),
      });
      return [res.status, ((await res.json()) as { code: string }).code];
    };
    expect(await gsign('li.na', reg)).toEqual([403, 'ACTOR_ROLE']);
    expect(await gsign('nobody', reg)).toEqual([401, 'ACTOR_UNKNOWN']);
    expect(await gsign('admin', reg)).toEqual([401, 'ACTOR_SIGNATURE']);
    // a nonce already used by a record of this node is refused, as for records
    const used = signRequest({ net: t.net, author: A().id, kind: 'doc.register', body: { doc: d(0x73), type: 'permit', class: 'public' } }, 'li.na', reg);
    expect((await post({ request: toBase64(used.bytes), actor: 'li.na', sig: toBase64(used.actor.sig) })).status).toBe(201);
    expect(await gsign('admin', A().adminSeed, used.request.nonce)).toEqual([409, 'NONCE_REPLAYED']);
    expect(await gsign('admin', A().adminSeed)).toEqual([404, 'NOT_FOUND']); // passes the rules; no such proposal
  }, 30_000);
});
