import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toBase64, toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

/** Officials' lifecycle through the HTTP API: list, enrol, re-add refused, disable, enable, rotate (PROTOCOL.md §5.2 `prev`). */
let t: TestNet;
let url: string;
const oldSeed = new Uint8Array(32).fill(0x55);
const newSeed = new Uint8Array(32).fill(0x56);
const other = new Uint8Array(32).fill(0x57);

type Body = Record<string, unknown>;
const A = () => t.members[0]!;
const json = (s: { request: Uint8Array; actor: string; sig: Uint8Array }) => ({ request: toBase64(s.request), actor: s.actor, sig: toBase64(s.sig) });
async function post(actor: string, seed: Uint8Array, kind: string, body: Body): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json(submission(t.net, A().id, actor, seed, kind, body as never))),
  });
  return { status: res.status, body: (await res.json()) as Body };
}
const admin = (body: Body) => post('admin', A().adminSeed, 'org.actor', body);
const register = (seed: Uint8Array) => post('li.na', seed, 'doc.register', { doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });
async function actors(member?: string): Promise<{ id: string; roles: string[]; active: boolean; key: string; seq: number; record: string }[]> {
  const res = await fetch(`${url}/v1/actors${member ? `?member=${member}` : ''}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { actors: never[] }).actors;
}
const liNa = async () => (await actors()).find((a) => a.id === 'li.na')!;

beforeAll(async () => {
  t = await testNet(3);
  for (const i of [0, 1, 2]) await t.start(i);
  url = await t.nodes[0]!.startApi('127.0.0.1', 0);
  await until(() => t.nodes[0]!.ledger.size(A().id) === 1);
}, 60_000);
afterAll(async () => t?.close());

describe("officials' lifecycle over the API", () => {
  it('lists, refuses a re-add [ACTOR_EXISTS], disables [ACTOR_INACTIVE], refuses a stale change [ACTOR_PREV], enables and rotates', async () => {
    const base = { id: 'li.na', key: publicKeyOf(oldSeed), roles: ['registrar'], active: true };
    const enrolled = await admin(base);
    expect(enrolled.status).toBe(201);
    expect((await actors()).map((a) => [a.id, a.roles, a.active])).toEqual([
      ['admin', ['admin'], true],
      ['li.na', ['registrar'], true],
    ]);
    expect(await liNa()).toMatchObject({ key: toHex(publicKeyOf(oldSeed)), record: enrolled.body.id, seq: enrolled.body.seq });
    const before = await register(oldSeed);
    expect(before.status).toBe(201);

    // re-adding never rotates silently: refused, naming the enrolment that stands, nothing stored
    const size = t.nodes[0]!.ledger.size(A().id);
    const again = await admin({ ...base, key: publicKeyOf(other) });
    expect([again.status, again.body.code, again.body.standing]).toEqual([409, 'ACTOR_EXISTS', enrolled.body.id]);
    expect(t.nodes[0]!.ledger.size(A().id)).toBe(size);

    const prev = fromHex(enrolled.body.id as string);
    const disabled = await admin({ ...base, active: false, prev });
    expect(disabled.status).toBe(201);
    expect(await liNa()).toMatchObject({ active: false, record: disabled.body.id });
    const refused = await register(oldSeed);
    expect([refused.status, refused.body.code]).toEqual([403, 'ACTOR_INACTIVE']);
    // the same state again, and a change naming a replaced record
    const dup = await admin({ ...base, active: false, prev: fromHex(disabled.body.id as string) });
    expect([dup.status, dup.body.code, dup.body.standing]).toEqual([409, 'DUPLICATE', disabled.body.id]);
    const stale = await admin({ ...base, active: true, prev });
    expect([stale.status, stale.body.code, stale.body.standing]).toEqual([409, 'ACTOR_PREV', disabled.body.id]);

    const enabled = await admin({ ...base, active: true, prev: fromHex(disabled.body.id as string) });
    expect(enabled.status).toBe(201);
    expect((await register(oldSeed)).status).toBe(201);

    const rotated = await admin({ ...base, key: publicKeyOf(newSeed), prev: fromHex(enabled.body.id as string) });
    expect(rotated.status).toBe(201);
    const old = await register(oldSeed);
    expect([old.status, old.body.code]).toEqual([401, 'ACTOR_SIGNATURE']);
    expect((await register(newSeed)).status).toBe(201);
    expect(await liNa()).toMatchObject({ key: toHex(publicKeyOf(newSeed)), record: rotated.body.id, active: true });

    // a record signed before the rotation still verifies, at this node and in its provenance report
    const rec = (await (await fetch(`${url}/v1/records/${before.body.id}`)).json()) as { record: { body: { doc: string } } };
    const doc = rec.record.body.doc;
    await until(async () => ((await (await fetch(`${url}/v1/records/${before.body.id}`)).json()) as { final: boolean }).final, 20_000, 'finality');
    const report = (await (await fetch(`${url}/v1/docs/${doc}`)).json()) as { proofs: string; events: { actor?: string; counts: boolean }[] };
    expect(report.proofs).toBe('sound');
    expect(report.events.map((e) => [e.actor, e.counts])).toEqual([['li.na', true]]);

    // peers replicate the changes and hold the same official
    const B = t.nodes[1]!;
    await until(() => B.ledger.size(A().id) === t.nodes[0]!.ledger.size(A().id), 20_000, 'replication to B');
    expect(B.ledger.actorsOf(A().id).find((a) => a.id === 'li.na')).toMatchObject({ key: toHex(publicKeyOf(newSeed)), active: true });
    expect((await actors(t.members[1]!.id)).map((a) => a.id)).toEqual(['admin']);
  }, 60_000);

  it('names an unknown member (404) and a bad member id (400)', async () => {
    expect((await fetch(`${url}/v1/actors?member=xz-nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/v1/actors?member=NOPE`)).status).toBe(400);
  });
});
