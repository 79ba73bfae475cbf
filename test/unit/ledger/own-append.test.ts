import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { decodeRequest } from '../../../protocol/records/request.js';
import { seedSigner, type Signer } from '../../../protocol/signer.js';
import { Ledger } from '../../../ledger/index.js';
import { VerifyPool, type VerifyItem } from '../../../ledger/verify-pool.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(2);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const clerkSeed = new Uint8Array(32).fill(0x61);
const otherSeed = new Uint8Array(32).fill(0x62);

/**
 * A pool that records what it is handed. Tests run from TypeScript sources, where a
 * pool has no worker threads and does the work in the calling thread: what is checked
 * here is what the ledger hands to the pool, and that the results are right.
 */
class SpyPool extends VerifyPool {
  verifyCalls: { items: number; minParallel: number | undefined }[] = [];
  signCalls: number[] = [];
  failVerify = false;
  failSign = false;
  constructor() {
    super(0);
  }
  override async verify(items: VerifyItem[], minParallel?: number): Promise<boolean[]> {
    this.verifyCalls.push({ items: items.length, minParallel });
    if (this.failVerify) throw new Error('pool down');
    return super.verify(items, minParallel);
  }
  override async sign(seed: Uint8Array, msgs: Uint8Array[]): Promise<Uint8Array[]> {
    this.signCalls.push(msgs.length);
    if (this.failSign) throw new Error('pool down');
    return super.sign(seed, msgs);
  }
}

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

async function open(pool?: VerifyPool, m = A): Promise<Ledger> {
  const dir = tempDir();
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed }, verifyPool: pool });
}

const register = (i: number, seed = clerkSeed) => submission(net, A.id, 'clerk', seed, 'doc.register', { doc: new Uint8Array(32).fill(i), type: 'permit', class: 'public' });

async function seeded(pool?: VerifyPool): Promise<Ledger> {
  const l = await open(pool);
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'clerk', key: publicKeyOf(clerkSeed), roles: ['registrar'], active: true }));
  return l;
}

/** Every record of A's log accepted by another member with every §5.1 rule (record and actor signatures included). */
async function acceptedElsewhere(l: Ledger): Promise<number> {
  const b = await open(undefined, B);
  const r = await b.acceptForeign(A.id, await l.envelopeBytes(A.id, 0, 10_000));
  await b.close();
  return r.accepted;
}

describe('own appends with a worker pool', () => {
  it('hands a small group to the pool: actor signatures checked and records signed there, every record valid', async () => {
    const pool = new SpyPool();
    const l = await seeded(pool);
    pool.verifyCalls = [];
    pool.signCalls = [];
    const got = await Promise.all([1, 2, 3].map((i) => l.append(register(i))));
    expect(got.map((g) => g.seq)).toEqual([2, 3, 4]);
    // the three arrived in one turn: one check of three on the pool (no threshold), one signing batch
    expect(pool.verifyCalls).toEqual([{ items: 3, minParallel: 1 }]);
    expect(pool.signCalls.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await acceptedElsewhere(l)).toBe(5);
    await l.close();
  });

  it('rejects a forged actor signature alone, and checks on this thread when the pool fails', async () => {
    const pool = new SpyPool();
    const l = await seeded(pool);
    const forged = { ...register(7), sig: new Uint8Array(64).fill(1) };
    const [ok, bad] = await Promise.allSettled([l.append(register(6)), l.append(forged)]);
    expect(ok.status).toBe('fulfilled');
    expect((bad as PromiseRejectedResult).reason.rule).toBe('ACTOR_SIGNATURE');
    pool.failVerify = true;
    const [ok2, bad2] = await Promise.allSettled([l.append(register(8)), l.append({ ...register(9), sig: new Uint8Array(64).fill(2) })]);
    expect(ok2.status).toBe('fulfilled');
    expect((bad2 as PromiseRejectedResult).reason.rule).toBe('ACTOR_SIGNATURE');
    expect(l.size(A.id)).toBe(4);
    expect(await acceptedElsewhere(l)).toBe(4);
    await l.close();
  });

  it('does not trust a check made under a key that is no longer in force when the record is built', async () => {
    const pool = new SpyPool();
    const l = await seeded(pool);
    // In one turn: the clerk's key is changed, then a request signed with the old key arrives. Both are
    // checked on arrival against the key in force then (the old one); the request's record comes after
    // the change, so its signature must be checked again under the new key, and fails.
    const rotate = submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'clerk', key: publicKeyOf(otherSeed), roles: ['registrar'], active: true });
    const [rot, old] = await Promise.allSettled([l.append(rotate), l.append(register(11))]);
    expect(rot.status).toBe('fulfilled');
    expect((old as PromiseRejectedResult).reason.rule).toBe('ACTOR_SIGNATURE');
    await expect(l.append(register(12, otherSeed))).resolves.toMatchObject({ seq: 3 });
    expect(await acceptedElsewhere(l)).toBe(4);
    await l.close();
  });

  it('fails the whole group, writing nothing, when signing fails; the log goes on after', async () => {
    const pool = new SpyPool();
    const l = await seeded(pool);
    pool.failSign = true;
    const subs = [1, 2, 3].map((i) => register(20 + i));
    const res = await Promise.allSettled(subs.map((s) => l.append(s)));
    expect(res.every((r) => r.status === 'rejected')).toBe(true);
    expect(l.size(A.id)).toBe(2);
    pool.failSign = false;
    // the same requests again: their nonces were not used, nothing of the failed group was stored
    const again = await Promise.all(subs.map((s) => l.append(s)));
    expect(again.map((g) => g.seq)).toEqual([2, 3, 4]);
    expect(await acceptedElsewhere(l)).toBe(5);
    await l.close();
  });

  it('makes the same stored hashes from the right edge it keeps between groups as another member computes', async () => {
    const l = await seeded(new SpyPool());
    let i = 100;
    // groups of 1 to 7 records, one after another: sizes cross every power of two up to 64
    for (let g = 1; g <= 20; g++) await Promise.all(Array.from({ length: (g % 7) + 1 }, () => l.append(register(i++ & 0xff))));
    const b = await open(undefined, B);
    await b.acceptForeign(A.id, await l.envelopeBytes(A.id, 0, 10_000));
    expect(l.size(A.id)).toBeGreaterThan(64);
    for (let size = 1; size <= l.size(A.id); size++) expect(toHex(await l.treeHead(A.id, size))).toBe(toHex(await b.treeHead(A.id, size)));
    await b.close();
    await l.close();
  });

  it('fails the group whose used nonces cannot be read, instead of leaving it waiting; the next group goes on', async () => {
    const l = await seeded(new SpyPool());
    const read = vi.spyOn(l.store, 'getMany').mockRejectedValueOnce(new Error('disk gone'));
    const res = await Promise.allSettled([1, 2].map((i) => l.append(register(40 + i))));
    // the first request went alone in a group (the log was idle), the second waited for the next one
    expect(res.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((res[0] as PromiseRejectedResult).reason.message).toBe('disk gone');
    read.mockRestore();
    await expect(l.append(register(43))).resolves.toMatchObject({ seq: 3 });
    await l.close();
  });

  it('signs with the Signer it was given, never on the pool, when the ledger key is not a seed held here', async () => {
    const pool = new SpyPool();
    const inner = seedSigner(A.seed);
    const signed: Uint8Array[] = [];
    const signer: Signer = {
      alg: 'ed25519',
      publicKey: inner.publicKey,
      sign: (m) => {
        signed.push(m);
        return inner.sign(m);
      },
    };
    const dir = tempDir();
    dirs.push(dir);
    const l = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, signer }, verifyPool: pool });
    await l.append(firstAdmin(A));
    await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'clerk', key: publicKeyOf(clerkSeed), roles: ['registrar'], active: true }));
    await Promise.all([1, 2].map((i) => l.append(register(50 + i))));
    expect(signed.length).toBe(4);
    expect(pool.signCalls).toEqual([]);
    expect(await acceptedElsewhere(l)).toBe(4);
    await l.close();
  });

  it('uses a request decoded by the caller instead of decoding it again', async () => {
    const l = await seeded();
    const sub = register(30);
    const decoded = decodeRequest(sub.request);
    const got = await l.append({ ...sub, decoded });
    expect(got.envelope.record.body).toBe(decoded.body);
    expect(await acceptedElsewhere(l)).toBe(3);
    await l.close();
  });
});
