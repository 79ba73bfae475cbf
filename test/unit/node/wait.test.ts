import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet;
let url: string;
const reg = new Uint8Array(32).fill(0x41);

const json = (sub: { request: Uint8Array; actor: string; sig: Uint8Array }) => ({ request: toBase64(sub.request), actor: sub.actor, sig: toBase64(sub.sig) });
async function post(body: unknown, query = '') {
  const res = await fetch(`${url}/v1/records${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const doc = () => ({ doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });

beforeAll(async () => {
  t = await testNet(3);
  for (const i of [0, 1, 2]) await t.start(i);
  url = await t.nodes[0]!.startApi('127.0.0.1', 0);
  const A = t.members[0]!;
  await until(() => t.nodes[0]!.ledger.size(A.id) === 1);
  expect((await post(json(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true })))).status).toBe(201);
}, 60_000);
afterAll(async () => t?.close());

describe('record states and ?wait=', () => {
  it('answers a write with ?wait=final once final, with the time of each state, and GET shows them', async () => {
    const A = t.members[0]!;
    const seen: string[] = [];
    const off = t.nodes[0]!.ledger.events.on('state', (s) => void (s.author === A.id && seen.push(`${s.state} ${s.size}`)));
    const r = await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', doc())), '?wait=final&timeoutMs=20000');
    off();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ author: A.id, state: 'final' });
    expect(r.body.durableAt).toBeLessThanOrEqual(r.body.replicatedAt);
    expect(r.body.replicatedAt).toBeLessThanOrEqual(r.body.finalAt);
    const size = r.body.seq + 1;
    // each state once its size covers the record, in order
    const first = (state: string) => seen.findIndex((x) => x.startsWith(state) && Number(x.split(' ')[1]) >= size);
    expect(first('durable')).toBeGreaterThanOrEqual(0);
    expect(first('replicated')).toBeGreaterThan(first('durable'));
    expect(first('final')).toBeGreaterThan(first('durable'));
    const got = (await (await fetch(`${url}/v1/records/${r.body.id}`)).json()) as Record<string, any>;
    expect(got).toMatchObject({ final: true, state: 'final', durableAt: r.body.durableAt, replicatedAt: r.body.replicatedAt, finalAt: r.body.finalAt });
  }, 30_000);

  it('answers 202 with the current state when the wait times out, and the record still counts', async () => {
    const A = t.members[0]!;
    await t.stop(1);
    await t.stop(2);
    const r = await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', doc())), '?wait=replicated&timeoutMs=300');
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ author: A.id, state: 'durable' });
    expect(typeof r.body.durableAt).toBe('number');
    expect(t.nodes[0]!.ledger.size(A.id)).toBe(r.body.seq + 1);
    // without ?wait= a write answers 201 once durable, as before
    const plain = await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', doc())));
    expect([plain.status, plain.body.state]).toEqual([201, 'durable']);
    expect((await post(json(submission(t.net, A.id, 'li.na', reg, 'doc.register', doc())), '?wait=soon')).status).toBe(400);
  }, 30_000);
});
