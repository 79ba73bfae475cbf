import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { RecordRejected } from '../../../protocol/records/rules.js';
import { Ledger, LedgerError } from '../../../ledger/index.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x55);
const doc = new Uint8Array(32).fill(0xd0);

let dirs: { cleanup: () => void }[] = [];
async function open(m = A, dir = tempDir()): Promise<Ledger> {
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
}

/** A's log: admin, registrar li.na, one registered document. */
async function seeded(l: Ledger) {
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
  return l.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc, type: 'permit', class: 'public' }));
}

beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const d of dirs) d.cleanup();
});

describe('own log', () => {
  it('appends with actor signatures, group-commits concurrent requests, and survives reopen', async () => {
    const dir = tempDir();
    const l = await open(A, dir);
    const reg = await seeded(l);
    expect(reg.seq).toBe(2);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => l.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc: new Uint8Array(32).fill(i), type: 'permit', class: 'public' }))),
    );
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 3));
    const root = await l.treeHead(A.id);
    await l.close();
    const again = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed } });
    dirs.push({ cleanup: () => undefined });
    expect(again.size(A.id)).toBe(203);
    expect(equalBytes(await again.treeHead(A.id), root)).toBe(true);
    expect(again.actorsOf(A.id).map((a) => a.id)).toEqual(['admin', 'li.na']);
    expect((await again.byActor(A.id, 'li.na')).length).toBe(201);
    expect((await again.byKind('doc.register', A.id)).length).toBe(201);
    expect((await again.docRecords(doc)).map((e) => e.record.seq)).toEqual([2]);
    await again.close();
  });

  it('rejects a replayed nonce, a wrong actor signature and a missing role, each alone', async () => {
    const l = await open();
    await seeded(l);
    const sub = submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc: new Uint8Array(32).fill(9), type: 'permit', class: 'public' });
    const bad = { ...sub, sig: new Uint8Array(64) };
    const noRole = submission(net, A.id, 'li.na', registrarSeed, 'doc.approve', { doc, decision: 'approve', role: 'review' }, [new Uint8Array(32)]);
    const [ok, replay, forged, role] = await Promise.allSettled([l.append(sub), l.append(sub), l.append(bad), l.append(noRole)]);
    expect(ok.status).toBe('fulfilled');
    expect((replay as PromiseRejectedResult).reason.rule).toBe('NONCE_REPLAYED');
    expect((forged as PromiseRejectedResult).reason.rule).toBe('ACTOR_SIGNATURE');
    expect((role as PromiseRejectedResult).reason.rule).toBe('ACTOR_ROLE');
    expect(l.size(A.id)).toBe(4);
    // the nonce stays used across a restart too
    await expect(l.append(sub)).rejects.toMatchObject({ rule: 'NONCE_REPLAYED' });
    await l.close();
  });
});

describe('foreign logs', () => {
  it('accepts a range, stores the prefix before a bad record and names author, seq and rule', async () => {
    const a = await open(A);
    await seeded(a);
    for (let i = 0; i < 5; i++) await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: `p${i}` }));
    const envs = await a.envelopeBytes(A.id, 0, 100);
    const b = await open(B);
    const tampered = new Uint8Array(envs[5]!);
    tampered[tampered.length - 1]! ^= 1; // last byte of the signature
    const err = await b.acceptForeign(A.id, [...envs.slice(0, 5), tampered, ...envs.slice(6)]).catch((e) => e);
    expect(err).toBeInstanceOf(RecordRejected);
    expect(err.rule).toBe('SIGNATURE');
    expect(err.author).toBe(A.id);
    expect(err.seq).toBe(5);
    expect(b.size(A.id)).toBe(5);
    const res = await b.acceptForeign(A.id, envs);
    expect(res).toMatchObject({ accepted: 3, duplicates: 5 });
    expect(equalBytes(await b.treeHead(A.id), await a.treeHead(A.id))).toBe(true);
    await a.close();
    await b.close();
  });
});

describe('checkpoints, witnessing and finality', () => {
  it('cosigns only consistent checkpoints and computes finality with quorum 2 of 3', async () => {
    const [a, b, c] = await Promise.all([open(A), open(B), open(C)]);
    const reg = await seeded(a);
    const cp = await a.signCheckpoint();
    const note = (await import('../../../ledger/checkpoints.js')).noteOf(cp);
    for (const w of [b, c]) {
      await expect(w.addCheckpoint(note)).resolves.toMatchObject({ status: 'ahead' });
      await expect(w.cosign(A.id, 3)).rejects.toMatchObject({ code: 'COSIGN_REFUSED' }); // records not held yet
      await w.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
      const signed = await w.cosign(A.id, 3);
      expect(signed.cosigners.has(w.self!.id)).toBe(true);
      await a.addCheckpoint((await import('../../../ledger/checkpoints.js')).noteOf(signed));
    }
    expect(a.isFinal(A.id, reg.seq, 0)).toBe(true);
    expect(a.finalSize(A.id)).toBe(3);
    // never below the largest size cosigned
    await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: 'x' }));
    const cp2 = await a.signCheckpoint();
    expect(cp2.checkpoint.size).toBe(4);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('forks', () => {
  it('two envelopes for one (author, seq) become evidence, and the author is no longer cosigned', async () => {
    const dirA2 = tempDir();
    const [a, a2, b] = await Promise.all([open(A), open(A, dirA2), open(B)]);
    await seeded(a);
    await a2.append(firstAdmin(A));
    await a2.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
    await a2.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'wang.wu', key: publicKeyOf(registrarSeed), roles: ['approver'], active: true }));
    await b.append(firstAdmin(B));
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
    const err = await b.acceptForeign(A.id, await a2.envelopeBytes(A.id, 0, 10)).catch((e) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.code).toBe('FORKED');
    expect(b.isForked(A.id)).toBe(true);
    const evidence = await b.byKind('evidence.fork', B.id);
    expect(evidence).toHaveLength(1);
    await b.addCheckpoint((await import('../../../ledger/checkpoints.js')).noteOf(await a.signCheckpoint()));
    await expect(b.cosign(A.id, 3)).rejects.toMatchObject({ code: 'COSIGN_REFUSED' });
    await Promise.all([a.close(), a2.close(), b.close()]);
  });

  it('two checkpoints of one size with different roots become evidence', async () => {
    const dirA2 = tempDir();
    const [a, a2, b] = await Promise.all([open(A), open(A, dirA2), open(B)]);
    await seeded(a);
    await a2.append(firstAdmin(A));
    await a2.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
    await a2.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'x.y', key: publicKeyOf(registrarSeed), roles: ['approver'], active: true }));
    await b.append(firstAdmin(B));
    const { noteOf } = await import('../../../ledger/checkpoints.js');
    await b.addCheckpoint(noteOf(await a.signCheckpoint()));
    const out = await b.addCheckpoint(noteOf(await a2.signCheckpoint()));
    expect(out.status).toBe('fork');
    expect(b.isForked(A.id)).toBe(true);
    const [evidence] = await b.byKind('evidence.fork', B.id);
    expect(new TextDecoder().decode(evidence!.record.body.a as Uint8Array)).toContain(`${A.id}\n3\n`);
    await Promise.all([a.close(), a2.close(), b.close()]);
  });
});

describe('bad input from a peer leaves the store unchanged', () => {
  it('rejects garbage, a wrong network and a record of another author', async () => {
    const a = await open(A);
    await seeded(a);
    const b = await open(B);
    const envs = await a.envelopeBytes(A.id, 0, 3);
    const before = toHex(await b.treeHead(A.id, 0));
    for (const [input, rule] of [
      [[new Uint8Array([1, 2, 3])], 'ENVELOPE'],
      [[envs[1]!], 'SEQ'],
    ] as const) {
      await expect(b.acceptForeign(A.id, [...input])).rejects.toMatchObject({ rule });
      expect(b.size(A.id)).toBe(0);
    }
    await expect(b.acceptForeign(C.id, envs)).rejects.toMatchObject({ rule: 'WRONG_AUTHOR' });
    expect(b.size(C.id)).toBe(0);
    expect(toHex(await b.treeHead(A.id, 0))).toBe(before);
    await a.close();
    await b.close();
  });
});
