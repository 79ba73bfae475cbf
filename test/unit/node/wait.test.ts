import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger, type StateChange } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { Metrics } from '../../../node/metrics.js';
import { recordRoutes } from '../../../node/api/records.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

// In process, without sockets: the API of A's node over fastify's inject, witnesses B and C as ledgers driven by the test.
const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const reg = new Uint8Array(32).fill(0x41);
let dirs: { path: string; cleanup: () => void }[] = [];
let a: Ledger, b: Ledger, c: Ledger;
let app: FastifyInstance;

const json = (sub: { request: Uint8Array; actor: string; sig: Uint8Array }) => ({ request: toBase64(sub.request), actor: sub.actor, sig: toBase64(sub.sig) });
const doc = () => ({ doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });
const post = (query = '') => app.inject({ method: 'POST', url: `/v1/records${query}`, payload: json(submission(net, A.id, 'li.na', reg, 'doc.register', doc())) });

/** B and C fetch A's log, cosign A's newest checkpoint, and A merges their cosignatures. */
async function witness(...ws: Ledger[]) {
  const cp = await a.signCheckpoint();
  for (const w of ws) {
    await w.acceptForeign(A.id, await a.envelopeBytes(A.id, w.size(A.id), 1000));
    await w.addCheckpoint(noteOf(cp));
    await a.addCheckpoint(noteOf(await w.cosign(A.id, cp.checkpoint.size)));
  }
}

beforeEach(async () => {
  dirs = [tempDir(), tempDir(), tempDir()];
  const open = (m: typeof A, i: number) => Ledger.open({ path: dirs[i]!.path, genesis, self: { id: m.id, seed: m.seed } });
  [a, b, c] = await Promise.all([open(A, 0), open(B, 1), open(C, 2)]);
  await a.append(firstAdmin(A));
  await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
  app = Fastify();
  await recordRoutes(app, { ledger: a, metrics: new Metrics() } as never);
});
afterEach(async () => {
  await app.close();
  await Promise.all([a.close(), b.close(), c.close()]);
  for (const d of dirs) d.cleanup();
});

describe('record states and ?wait=', () => {
  it('answers a write with ?wait=final once final, with the time of each state, and GET shows them', async () => {
    const seen: StateChange[] = [];
    a.events.on('state', (s) => void seen.push(s));
    const durable = new Promise<void>((resolve) => a.events.on('records', () => resolve()));
    const pending = post('?wait=final&timeoutMs=20000');
    await durable;
    await witness(b); // replicated: one other member cosigned
    await witness(c); // final: quorum 2 of 3
    const r = await pending;
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body).toMatchObject({ author: A.id, seq: 2, state: 'final' });
    expect(body.durableAt).toBeLessThanOrEqual(body.replicatedAt);
    expect(body.replicatedAt).toBeLessThanOrEqual(body.finalAt);
    expect(seen.map((s) => s.state)).toEqual(['durable', 'replicated', 'final']);
    const got = (await app.inject({ method: 'GET', url: `/v1/records/${body.id}` })).json();
    expect(got).toMatchObject({ final: true, state: 'final', durableAt: body.durableAt, replicatedAt: body.replicatedAt, finalAt: body.finalAt });
  });

  it('answers 202 with the current state when the wait times out, and the record still counts', async () => {
    const r = await post('?wait=replicated&timeoutMs=50');
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ author: A.id, seq: 2, state: 'durable', durableAt: expect.any(Number) });
    expect(a.size(A.id)).toBe(3);
    // without ?wait= a write answers 201 once durable, as before
    const plain = await post();
    expect([plain.statusCode, plain.json().state]).toEqual([201, 'durable']);
    expect((await post('?wait=soon')).statusCode).toBe(400);
    expect(a.size(A.id)).toBe(4);
  });
});
