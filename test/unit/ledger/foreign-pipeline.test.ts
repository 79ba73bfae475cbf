import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { equalBytes } from '../../../protocol/bytes.js';
import { publicKeyOf, verify } from '../../../protocol/crypto.js';
import { decodeEnvelope, encodeRecord, sealRecord, type Record } from '../../../protocol/records/record.js';
import { RecordRejected } from '../../../protocol/records/rules.js';
import { Ledger } from '../../../ledger/index.js';
import { VerifyPool, type VerifyItem } from '../../../ledger/verify-pool.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(2);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const oldKey = new Uint8Array(32).fill(0x55);
const newKey = new Uint8Array(32).fill(0x66);

/**
 * A verify pool answering later, as worker threads do (run from sources the
 * real pool has no workers): real Ed25519 checks, one call per chunk, counted.
 */
class DeferredPool extends VerifyPool {
  calls = 0;
  verdicts: boolean[] = [];
  constructor(private readonly fail = false) {
    super(0);
  }
  override async verify(items: VerifyItem[]): Promise<boolean[]> {
    this.calls++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.fail) throw new Error('worker gone');
    const out = items.map(([p, m, s]) => verify(p, m, s));
    this.verdicts.push(...out);
    return out;
  }
}

let dirs: { cleanup: () => void }[] = [];
beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const d of dirs) d.cleanup();
});

function openB(pool: VerifyPool): Promise<Ledger> {
  const dir = tempDir();
  dirs.push(dir);
  // Small batches and chunks: a 30-record range spans four batches of three or four chunks each.
  return Ledger.open({ path: dir.path, genesis, self: { id: B.id, seed: B.seed }, verifyPool: pool, limits: { foreignBatch: 8, foreignChunk: 3 } });
}

/** A's log of 30 records: admin, clerk (old key), 8 shares, the clerk's key replaced at seq 10, 19 shares under the new key. */
async function sourceLog(): Promise<{ a: Ledger; envs: Uint8Array[] }> {
  const dir = tempDir();
  dirs.push(dir);
  const a = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed } });
  await a.append(firstAdmin(A));
  const clerk = (key: Uint8Array) => submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'clerk', key: publicKeyOf(key), roles: ['registrar'], active: true });
  const share = (seed: Uint8Array, i: number) => submission(net, A.id, 'clerk', seed, 'doc.share', { doc: new Uint8Array(32).fill(7), to: B.id, purpose: `p${i}` });
  await a.append(clerk(oldKey));
  for (let i = 2; i < 10; i++) await a.append(share(oldKey, i));
  await a.append(clerk(newKey));
  for (let i = 11; i < 30; i++) await a.append(share(newKey, i));
  return { a, envs: await a.envelopeBytes(A.id, 0, 100) };
}

/** `env` re-signed by A's ledger key after `change` (a record A's node would never write: the actor block no longer verifies). */
function forged(env: Uint8Array, change: (r: Record) => void): Uint8Array {
  const r = structuredClone(decodeEnvelope(env).record);
  change(r);
  return sealRecord(encodeRecord(r), A.seed).bytes;
}

describe('foreign acceptance, pipelined', () => {
  it('checks signatures chunk by chunk ahead of the rules and keeps every record, in order', async () => {
    const { a, envs } = await sourceLog();
    const pool = new DeferredPool();
    const b = await openB(pool);
    expect(await b.acceptForeign(A.id, envs)).toMatchObject({ accepted: 30, duplicates: 0 });
    expect(equalBytes(await b.treeHead(A.id), await a.treeHead(A.id))).toBe(true);
    for (let s = 0; s < 30; s++) expect((await b.envelope(A.id, s))!.bytes).toEqual(envs[s]);
    expect(pool.calls).toBe(11);
    // Record and actor signatures of the whole range, each verified once on the pool, the new clerk key
    // (introduced in the second batch) used for the third and fourth batches too.
    expect(pool.verdicts.length).toBe(30 + 29);
    expect(pool.verdicts.every(Boolean)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('a range handed over before the one that enrolls its actor is written still has its actor signatures checked on the pool', async () => {
    const { a, envs } = await sourceLog();
    const pool = new DeferredPool();
    const b = await openB(pool);
    // As the fetcher does: range k+1 handed to the ledger while range k (which enrolls the clerk at seq 1) is not yet written.
    const first = b.acceptForeign(A.id, envs.slice(0, 5));
    const second = b.acceptForeign(A.id, envs.slice(5));
    expect(await first).toMatchObject({ accepted: 5 });
    expect(await second).toMatchObject({ accepted: 25 });
    expect(equalBytes(await b.treeHead(A.id), await a.treeHead(A.id))).toBe(true);
    // Every record and actor signature on the pool, the clerk's first key (seq 1) used for seq 5 to 9 of the second range.
    expect(pool.verdicts.length).toBe(30 + 29);
    expect(pool.verdicts.every(Boolean)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a bad record in the middle of a pipelined range with its rule, storing what came before and nothing after', async () => {
    const { a, envs } = await sourceLog();
    const b = await openB(new DeferredPool());
    // seq 17 signed by the clerk's replaced key: its actor signature does not verify under the key in force.
    const bad = forged(envs[17]!, (r) => {
      r.actor!.sig = decodeEnvelope(envs[5]!).record.actor!.sig;
    });
    const err = await b.acceptForeign(A.id, [...envs.slice(0, 17), bad, ...envs.slice(18)]).catch((e) => e);
    expect(err).toBeInstanceOf(RecordRejected);
    expect(err).toMatchObject({ rule: 'ACTOR_SIGNATURE', author: A.id, seq: 17 });
    expect(b.size(A.id)).toBe(17);
    expect(await b.envelope(A.id, 17)).toBeUndefined();
    expect(equalBytes(await b.treeHead(A.id), await a.treeHead(A.id, 17))).toBe(true);
    // A tampered record signature in a later chunk of the same batch is named as such.
    const tampered = new Uint8Array(envs[22]!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(b.acceptForeign(A.id, [...envs.slice(17, 22), tampered, ...envs.slice(23)])).rejects.toMatchObject({ rule: 'SIGNATURE', seq: 22 });
    expect(b.size(A.id)).toBe(22);
    await Promise.all([a.close(), b.close()]);
  });

  it('a pool that fails leaves every check to the rules, which still refuse a bad signature', async () => {
    const { a, envs } = await sourceLog();
    const b = await openB(new DeferredPool(true));
    const tampered = new Uint8Array(envs[12]!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(b.acceptForeign(A.id, [...envs.slice(0, 12), tampered])).rejects.toMatchObject({ rule: 'SIGNATURE', seq: 12 });
    expect(b.size(A.id)).toBe(12);
    expect(await b.acceptForeign(A.id, envs)).toMatchObject({ accepted: 18, duplicates: 12 });
    expect(equalBytes(await b.treeHead(A.id), await a.treeHead(A.id))).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});
