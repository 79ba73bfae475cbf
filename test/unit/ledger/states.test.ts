import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger, type StateChange } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x55);

let dirs: { path: string; cleanup: () => void }[] = [];
async function open(m = A, dir = tempDir()): Promise<Ledger> {
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
}
beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const d of dirs) d.cleanup();
});

async function seeded(l: Ledger) {
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
}
const register = (l: Ledger, i: number) => l.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc: new Uint8Array(32).fill(i), type: 'permit', class: 'public' }));

async function marks(l: Ledger): Promise<number> {
  let n = 0;
  for await (const _ of l.store.keys('mark', {})) n++;
  return n;
}

describe('record states', () => {
  it('go durable → replicated → final with their times, as typed events, from one mark per write or checkpoint', async () => {
    const [a, b, c] = await Promise.all([open(A), open(B), open(C)]);
    const events: StateChange[] = [];
    const off = a.events.on('state', (s) => void events.push(s));
    await seeded(a);
    const recs = await Promise.all(Array.from({ length: 50 }, (_, i) => register(a, i)));
    const last = recs.at(-1)!.envelope;
    expect(await a.recordState(last)).toMatchObject({ state: 'durable' });
    const cp = await a.signCheckpoint();
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 100));
    await b.addCheckpoint(noteOf(cp));
    await a.addCheckpoint(noteOf(await b.cosign(A.id, 52)));
    const mid = await a.recordState(last);
    expect(mid).toMatchObject({ state: 'replicated' });
    expect(mid!.replicatedAt).toBeGreaterThanOrEqual(mid!.durableAt!);
    expect(a.states.reached(A.id, last.record.seq, 0, a.size(A.id), 'final')).toBe(false);
    await c.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 100));
    await c.addCheckpoint(noteOf(cp));
    await a.addCheckpoint(noteOf(await c.cosign(A.id, 52)));
    const end = await a.recordState(last);
    expect(end).toMatchObject({ state: 'final', durableAt: mid!.durableAt, replicatedAt: mid!.replicatedAt });
    expect(end!.finalAt).toBeGreaterThanOrEqual(end!.replicatedAt!);
    off();
    expect(events.map((e) => e.state)).toEqual([...events.filter((e) => e.state === 'durable').map(() => 'durable'), 'replicated', 'final']);
    expect(events.at(-1)).toMatchObject({ author: A.id, state: 'final', size: 52, epoch: 0 });
    // 52 records: a mark per group commit and per checkpoint that advanced a state, not one per record
    expect(await marks(a)).toBeLessThan(52);
    await register(a, 99);
    expect(events.at(-1)!.state).toBe('final'); // unsubscribed
    // B derived the same states for A's log from its own view
    expect(await b.recordState(last)).toMatchObject({ state: 'replicated' });
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('durable times of records just written', () => {
  it('come from the marks this run wrote, without a store read, and equal what the stored marks give after a reopen', async () => {
    const dir = tempDir();
    const a = await open(A, dir);
    await seeded(a);
    const envs = [];
    // more writes than the marks kept in memory, so the oldest are answered from the store
    for (let i = 0; i < 20; i++) envs.push((await register(a, i)).envelope);
    const reads = vi.spyOn(a.store, 'entries');
    const newest = await a.recordState(envs.at(-1)!);
    expect(reads).not.toHaveBeenCalled();
    const before = await Promise.all(envs.map((e) => a.recordState(e)));
    reads.mockRestore();
    await a.close();
    const again = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed } });
    const after = await Promise.all(envs.map((e) => again.recordState(e)));
    expect(after).toEqual(before);
    expect(newest!.durableAt).toBe(after.at(-1)!.durableAt);
    expect(after.every((s) => typeof s?.durableAt === 'number')).toBe(true);
    await again.close();
  });
});

describe('write transactions and the event bus', () => {
  it('a failed write changes nothing in memory: no head, actor or cosignature', async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    await seeded(a);
    const cp = await a.signCheckpoint();
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
    await b.addCheckpoint(noteOf(cp));
    const write = b.store.write.bind(b.store);
    b.store.write = async () => {
      throw new Error('disk full');
    };
    await expect(b.cosign(A.id, 2)).rejects.toThrow('disk full');
    expect(
      b.checkpoints
        .list(A.id)
        .find((x) => x.checkpoint.size === 2)!
        .cosigners.has(B.id),
    ).toBe(false);
    await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'wang.fang', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
    await expect(b.acceptForeign(A.id, await a.envelopeBytes(A.id, 2, 10))).rejects.toThrow('disk full');
    expect(b.size(A.id)).toBe(2);
    expect(b.actorInForce(A.id, 'wang.fang', 10)).toBeUndefined();
    b.store.write = write;
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 2, 10));
    expect(b.actorInForce(A.id, 'wang.fang', 10)).toBeDefined();
    expect((await b.cosign(A.id, 2)).cosigners.has(B.id)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('has any number of listeners per event; one that throws stops neither the others nor the write', async () => {
    const a = await open(A);
    const got: number[] = [];
    const warn = process.emitWarning;
    process.emitWarning = () => undefined;
    try {
      a.events.on('records', () => {
        throw new Error('bad listener');
      });
      a.events.on('records', (envs) => void got.push(...envs.map((e) => e.record.seq)));
      const off = a.events.on('records', () => void got.push(-1));
      off();
      await a.append(firstAdmin(A));
      expect(got).toEqual([0]);
    } finally {
      process.emitWarning = warn;
    }
    await a.close();
  });
});
