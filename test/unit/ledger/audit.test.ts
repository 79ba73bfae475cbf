import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger } from '../../../ledger/index.js';
import { Store } from '../../../ledger/store.js';
import { logKey } from '../../../ledger/keys.js';
import { storedHashCount } from '../../../protocol/merkle/tlog.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const seedR = new Uint8Array(32).fill(0x66);
const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

/** B's store holding A's log of 20 records (and a cosigned checkpoint of it). */
async function populated(): Promise<string> {
  const da = tempDir();
  const db = tempDir();
  dirs.push(da, db);
  const a = await Ledger.open({ path: da.path, genesis, self: { id: A.id, seed: A.seed } });
  await a.append(firstAdmin(A));
  await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(seedR), roles: ['registrar'], active: true }));
  for (let i = 0; i < 18; i++) await a.append(submission(net, A.id, 'li.na', seedR, 'doc.register', { doc: new Uint8Array(32).fill(i), type: 't', class: 'public' }));
  const b = await Ledger.open({ path: db.path, genesis, self: { id: B.id, seed: B.seed } });
  await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 100));
  const { noteOf } = await import('../../../ledger/checkpoints.js');
  await b.addCheckpoint(noteOf(await a.signCheckpoint()));
  await b.cosign(A.id, 20);
  const report = await b.audit();
  expect(report.problems).toEqual([]);
  expect(report.records).toBe(20);
  expect(report.checkpoints).toBe(1);
  await a.close();
  await b.close();
  return db.path;
}

async function flip(path: string, sub: 'env' | 'hash' | 'cp', key: Uint8Array, at: (len: number) => number) {
  const store = await Store.open(path);
  const v = (await store.get(sub, key))!;
  const copy = new Uint8Array(v);
  copy[at(copy.length)]! ^= 0x01;
  await store.write([store.put(sub, key, copy)]);
  await store.close();
}

async function auditOf(path: string) {
  const l = await Ledger.open({ path, genesis });
  const r = await l.audit();
  await l.close();
  return r;
}

describe('audit names author and seq of tampered data', () => {
  it('a byte in a stored envelope', async () => {
    const path = await populated();
    await flip(path, 'env', logKey(A.id, 7), (n) => n - 10);
    const r = await auditOf(path);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems[0]).toMatchObject({ author: A.id, seq: 7 });
  });
  it('a byte in a stored hash', async () => {
    const path = await populated();
    await flip(path, 'hash', logKey(A.id, storedHashCount(11)), () => 3);
    const r = await auditOf(path);
    expect(r.problems).toContainEqual(expect.objectContaining({ code: 'HASH', author: A.id, seq: 11 }));
  });
  it('a byte in a stored checkpoint', async () => {
    const path = await populated();
    await flip(path, 'cp', logKey(A.id, 20), (n) => n - 30);
    const r = await auditOf(path);
    expect(r.problems).toContainEqual(expect.objectContaining({ code: 'CHECKPOINT', author: A.id, seq: 19 }));
  });
  it('every single-byte flip of one envelope is reported, never a crash', async () => {
    const path = await populated();
    const store = await Store.open(path);
    const original = (await store.get('env', logKey(A.id, 3)))!;
    await store.close();
    for (let i = 0; i < original.length; i += 13) {
      await flip(path, 'env', logKey(A.id, 3), () => i);
      const r = await auditOf(path);
      expect(r.problems.some((p) => p.author === A.id && p.seq === 3)).toBe(true);
      const s = await Store.open(path);
      await s.write([s.put('env', logKey(A.id, 3), original)]);
      await s.close();
    }
  }, 60_000);
});
