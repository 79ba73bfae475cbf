import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { formatNote, parseNote, signNote } from '../../../protocol/note/note.js';
import { formatCheckpoint, parseCheckpoint } from '../../../protocol/note/checkpoint.js';
import { parseTlogProof } from '../../../protocol/note/tlog-proof.js';
import { decodeBundle } from '../../../protocol/bundle/bundle.js';
import { originOf } from '../../../protocol/names.js';
import { Ledger, type LedgerOptions } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { VerifyPool } from '../../../ledger/verify-pool.js';
import { CONSORTIUM, firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x55);
const doc = new Uint8Array(32).fill(0xd0);

let dirs: { path: string; cleanup: () => void }[] = [];
async function open(m = A, dir = tempDir(), limits?: LedgerOptions['limits']): Promise<Ledger> {
  if (!dirs.includes(dir)) dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed }, limits });
}

/** One witnessing round of A's log: A signs, B and C fetch and cosign, everyone learns every cosignature. */
async function finalRound(a: Ledger, ws: Ledger[]) {
  const cp = await a.signCheckpoint();
  const notes: string[] = [];
  for (const w of ws) {
    await w.acceptForeign(A.id, await a.envelopeBytes(A.id, w.size(A.id), 1000));
    await w.addCheckpoint(noteOf(cp));
    notes.push(noteOf(await w.cosign(A.id, cp.checkpoint.size)));
  }
  for (const n of notes) for (const l of [a, ...ws]) await l.addCheckpoint(n);
  return cp.checkpoint.size;
}

/** Size of the checkpoint each bundle entry of `doc` is proven with, by (author, seq). */
async function proofSizes(l: Ledger): Promise<number[]> {
  const b = decodeBundle((await l.buildBundle(doc)).bytes);
  return b.entries.map((e) => parseCheckpoint(parseTlogProof(e.proof).checkpoint.text).size);
}

async function storedCheckpoints(l: Ledger): Promise<number> {
  let n = 0;
  for await (const _ of l.store.keys('cp', {})) n++;
  return n;
}

async function seeded(l: Ledger) {
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
  return l.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc, type: 'permit', class: 'public' }));
}

async function share(l: Ledger, i: number) {
  return l.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: `p${i}` }));
}

beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const d of dirs) d.cleanup();
});

describe('merging cosignatures', () => {
  it("stores the author's own cosignature line once, next to its signature, and stays final after a reopen", async () => {
    const dirB = tempDir();
    const [a, b, c] = await Promise.all([open(A), open(B, dirB), open(C)]);
    await seeded(a);
    const cp = await a.signCheckpoint();
    for (const w of [b, c]) {
      await w.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
      await w.addCheckpoint(noteOf(cp)); // held without cosignatures
    }
    await a.cosign(A.id, 3); // the author witnesses its own log
    const own = noteOf(a.checkpoints.list(A.id).find((x) => x.checkpoint.size === 3)!);
    await b.addCheckpoint(own);
    await c.addCheckpoint(own);
    await b.addCheckpoint(noteOf(await c.cosign(A.id, 3)));
    expect(b.isFinal(A.id, 2, 0)).toBe(true);
    const held = parseNote(noteOf(b.checkpoints.list(A.id).find((x) => x.checkpoint.size === 3)!));
    const lines = held.sigs.map((s) => `${s.name} ${Buffer.from(s.keyId).toString('hex')} ${Buffer.from(s.sig).toString('hex')}`);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toHaveLength(3); // A's signature, A's cosignature, C's cosignature
    // what the node says is what its bundle proves
    const report = await b.provenance(doc);
    expect(report.events.every((e) => e.final)).toBe(true);
    await b.close();
    const again = await open(B, dirB);
    expect(again.isFinal(A.id, 2, 0)).toBe(true);
    await Promise.all([a.close(), c.close(), again.close()]);
  });
});

describe("a note's signature lines are checked on the worker pool (issue 16)", () => {
  const WORKER = fileURLToPath(new URL('../../helpers/sig-worker.mjs', import.meta.url));

  it('lines not seen before go to the pool in one batch before the write; forged ones are still dropped or refused; lines the node made itself are checked too', async () => {
    const pool = new VerifyPool(2, WORKER);
    const withPool = (m: typeof A) => {
      const dir = tempDir();
      dirs.push(dir);
      return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed }, verifyPool: pool });
    };
    const [a, b, c] = await Promise.all([withPool(A), withPool(B), open(C)]);
    await seeded(a);
    const cp = await a.signCheckpoint();
    for (const w of [b, c]) await w.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
    await c.addCheckpoint(noteOf(cp));
    const fromC = parseNote(noteOf(await c.cosign(A.id, cp.checkpoint.size)));
    const [authorLine, cLine] = [fromC.sigs[0]!, fromC.sigs.find((x) => x.name === originOf(CONSORTIUM, C.id))!];
    const forged = (line: typeof cLine) => ({ ...line, sig: line.sig.map((x, i) => (i === line.sig.length - 1 ? x ^ 1 : x)) });
    const spy = vi.spyOn(pool, 'verify');
    // the author's line and a forged cosignature: both asked of the pool at once, ahead of queued work; the forged one is dropped
    await b.addCheckpoint(formatNote({ text: cp.text, sigs: [authorLine, forged(cLine)] }));
    expect(spy.mock.calls.map((x) => [x[0].length, x[1], x[2]])).toEqual([[2, 1, true]]);
    expect(b.checkpoints.latest(A.id)!.cosigners.has(C.id)).toBe(false);
    // the genuine line: only it is asked (the author's line was found valid), and it is taken
    spy.mockClear();
    await b.addCheckpoint(noteOf({ ...cp, sigs: [authorLine, cLine] }));
    expect(spy.mock.calls.map((x) => x[0].length)).toEqual([1]);
    expect(b.checkpoints.latest(A.id)!.cosigners.has(C.id)).toBe(true);
    // a note whose only author line is forged is refused, as before
    const origin = originOf(CONSORTIUM, A.id);
    const text = formatCheckpoint({ origin, size: 2, root: await a.treeHead(A.id, 2), extensions: [] });
    await expect(b.addCheckpoint(formatNote({ text, sigs: [forged(signNote(text, origin, A.seed))] }))).rejects.toMatchObject({ code: 'CHECKPOINT_REJECTED' });
    // the author gets C's cosignature back with its own line: both are checked (a faulty signer is caught here)
    spy.mockClear();
    await a.addCheckpoint(noteOf({ ...cp, sigs: [authorLine, cLine] }));
    expect(spy.mock.calls.map((x) => x[0].length)).toEqual([2]);
    expect(a.checkpoints.latest(A.id)!.cosigners.has(C.id)).toBe(true);
    // a witness gets its own cosignature back in the author's note: its own and C's are checked, not the author's again
    await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: 'p' }));
    const next = await a.signCheckpoint();
    for (const w of [b, c]) {
      await w.acceptForeign(A.id, await a.envelopeBytes(A.id, w.size(A.id), 10));
      await w.addCheckpoint(noteOf(next));
    }
    const line = (l: Ledger, m: typeof A) => l.cosign(A.id, next.checkpoint.size).then((x) => parseNote(noteOf(x)).sigs.find((y) => y.name === originOf(CONSORTIUM, m.id))!);
    const [bLine, cLine2] = [await line(b, B), await line(c, C)];
    spy.mockClear();
    await b.addCheckpoint(noteOf({ ...next, sigs: [next.sigs[0]!, cLine2, bLine] }));
    expect(spy.mock.calls.map((x) => x[0].length)).toEqual([2]);
    expect([...b.checkpoints.latest(A.id)!.cosigners.keys()].sort()).toEqual([B.id, C.id].sort());
    // a pool that fails (a worker died) leaves the checks to this thread: the note is taken all the same
    await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: C.id, purpose: 'q' }));
    const third = await a.signCheckpoint();
    await c.acceptForeign(A.id, await a.envelopeBytes(A.id, c.size(A.id), 10));
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, b.size(A.id), 10));
    await c.addCheckpoint(noteOf(third));
    const cLine3 = parseNote(noteOf(await c.cosign(A.id, third.checkpoint.size))).sigs.find((y) => y.name === originOf(CONSORTIUM, C.id))!;
    spy.mockClear();
    spy.mockRejectedValueOnce(new Error('signature worker exited (code 1)'));
    await b.addCheckpoint(noteOf({ ...third, sigs: [third.sigs[0]!, forged(cLine3)] }));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(b.checkpoints.latest(A.id)!.checkpoint.size).toBe(third.checkpoint.size);
    expect(b.checkpoints.latest(A.id)!.cosigners.has(C.id)).toBe(false);
    await b.addCheckpoint(noteOf({ ...third, sigs: [third.sigs[0]!, cLine3] }));
    expect(b.checkpoints.latest(A.id)!.cosigners.has(C.id)).toBe(true);
    await Promise.all([a.close(), b.close(), c.close()]);
    await pool.close();
  });
});

describe("an author's cosignature does not stand for its signature (issue 16 review)", () => {
  it('a note that carries only the author cosigning its own log is refused, on its first arrival, with or without a pool', async () => {
    const pool = new VerifyPool(2, fileURLToPath(new URL('../../helpers/sig-worker.mjs', import.meta.url)));
    const dir = tempDir();
    dirs.push(dir);
    const [a, b, c] = await Promise.all([open(A), Ledger.open({ path: dir.path, genesis, self: { id: B.id, seed: B.seed }, verifyPool: pool }), open(C)]);
    await seeded(a);
    const own = await a.signCheckpoint({ cosign: true }); // the author's signature, then its cosignature: one name
    const [sig, cosig] = own.sigs as [(typeof own.sigs)[0], (typeof own.sigs)[0]];
    expect(sig.name).toBe(cosig.name);
    for (const w of [b, c]) {
      await w.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
      await expect(w.addCheckpoint(formatNote({ text: own.text, sigs: [cosig] }))).rejects.toMatchObject({ code: 'CHECKPOINT_REJECTED' });
      // with both lines, in either order, the signature is the author's line and the cosignature counts
      const taken = await w.addCheckpoint(formatNote({ text: own.text, sigs: [cosig, sig] }));
      expect(taken.status).not.toBe('fork');
      const held = w.checkpoints.latest(A.id)!;
      expect(held.sigs[0]).toEqual(sig);
      expect(held.cosigners.has(A.id)).toBe(true);
    }
    await Promise.all([a.close(), b.close(), c.close()]);
    await pool.close();
  });
});

describe('taking and cosigning a note in one write (issue 16)', () => {
  it('an author signs and cosigns its checkpoint at once; a witness takes the note and cosigns it in one durable write, by the same rules', async () => {
    const dirB = tempDir();
    const [a, b] = await Promise.all([open(A), open(B, dirB)]);
    await seeded(a);
    const own = await a.signCheckpoint({ cosign: true });
    expect([...own.cosigners.keys()]).toEqual([A.id]);
    expect(await a.checkpoints.witnessState(originOf(CONSORTIUM, A.id))).toMatchObject({ size: 3 });
    // records not held yet: the note is kept (ahead), not cosigned
    const early = await b.addAndCosign(noteOf(own));
    expect(early.cosigned).toBeUndefined();
    expect(early.outcome.status).toBe('ahead');
    expect(await b.checkpoints.witnessState(originOf(CONSORTIUM, A.id))).toBeUndefined();
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
    const out = await b.addAndCosign(noteOf(own));
    expect([...out.cosigned!.cosigners.keys()].sort()).toEqual([A.id, B.id].sort());
    expect(b.checkpoints.latest(A.id)!.cosigners.has(B.id)).toBe(true);
    // with the author's own cosignature and B's, 2 of 3 witnesses: the quorum of three members
    expect(b.isFinal(A.id, 2, 0)).toBe(true);
    // an older size than one cosigned is refused, and the note is still kept
    await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: 'p' }));
    const next = await a.signCheckpoint({ cosign: true });
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 3, 10));
    expect((await b.addAndCosign(noteOf(next))).cosigned?.checkpoint.size).toBe(4);
    const origin = originOf(CONSORTIUM, A.id);
    const text = formatCheckpoint({ origin, size: 3, root: own.checkpoint.root, extensions: [] });
    const again = await b.addAndCosign(formatNote({ text, sigs: [signNote(text, origin, A.seed)] }));
    expect(again.cosigned).toBeUndefined();
    expect(again.refused).toBeDefined();
    // the witness state survives a reopen: it was written with the cosignature
    await b.close();
    const reopened = await open(B, dirB);
    expect(await reopened.checkpoints.witnessState(origin)).toMatchObject({ size: 4 });
    await Promise.all([a.close(), reopened.close()]);
  });
});

describe("peers' notes share a write (issue 16)", () => {
  it('notes taken while the write lock is busy go in one write, one note per log; a refused note fails only its caller', async () => {
    const [a, b, c] = await Promise.all([open(A), open(B), open(C)]);
    await seeded(a);
    await b.append(firstAdmin(B));
    const a3 = await a.signCheckpoint();
    const b1 = await b.signCheckpoint();
    await share(a, 0);
    const a4 = await a.signCheckpoint();
    const writes: number[] = [];
    const write = c.store.write.bind(c.store);
    c.store.write = async (ops, sync) => {
      if (ops.length > 0) writes.push(ops.length);
      return write(ops, sync);
    };
    // C's write lock is busy while the notes arrive
    let release = () => {};
    const held = c.writer.run(() => new Promise<void>((r) => (release = r)));
    const origin = originOf(CONSORTIUM, C.id);
    const forgedText = formatCheckpoint({ origin, size: 1, root: a3.checkpoint.root, extensions: [] });
    const taken = Promise.allSettled([
      c.addCheckpoint(noteOf(a3)),
      c.addCheckpoint(noteOf(b1)),
      c.addCheckpoint(formatNote({ text: forgedText, sigs: [signNote(forgedText, origin, B.seed)] })),
      c.addCheckpoint(noteOf(a4)),
    ]);
    await new Promise((r) => setImmediate(r));
    release();
    await held;
    const [r3, r1, forged, r4] = await taken;
    expect([r3.status, r1.status, r4.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(forged).toMatchObject({ status: 'rejected', reason: { code: 'CHECKPOINT_REJECTED' } });
    // A's size 3 and B's in one write, A's size 4 in the next (merged with what the first stored)
    expect(writes).toHaveLength(2);
    expect(c.checkpoints.list(A.id).map((x) => x.checkpoint.size)).toEqual([3, 4]);
    expect(c.checkpoints.list(B.id).map((x) => x.checkpoint.size)).toEqual([1]);
    expect(c.checkpoints.list(C.id)).toEqual([]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('a witness takes the records sent with a note and cosigns in one write (issue 16)', () => {
  it('records, note, cosignature and witness state in one fsynced write, by the rules of acceptForeign and addAndCosign', async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    await seeded(a);
    const own = await a.signCheckpoint({ cosign: true });
    const writes: boolean[] = [];
    const write = b.store.write.bind(b.store);
    b.store.write = async (ops, sync) => {
      if (ops.length > 0) writes.push(sync !== false);
      return write(ops, sync);
    };
    const out = await b.acceptAndCosign(A.id, await a.envelopeBytes(A.id, 0, 10), noteOf(own));
    expect(out.accepted).toBe(3);
    expect([...out.cosigned!.cosigners.keys()].sort()).toEqual([A.id, B.id].sort());
    expect(writes).toEqual([true]);
    expect(b.size(A.id)).toBe(3);
    expect(await b.checkpoints.witnessState(originOf(CONSORTIUM, A.id))).toMatchObject({ size: 3 });
    expect(b.isFinal(A.id, 2, 0)).toBe(true);
    expect(b.checkpoints.latest(A.id)!.checkpoint.root).toEqual(await b.treeHead(A.id, 3));
    await Promise.all([a.close(), b.close()]);
  });

  it('a note whose root is not that of the records sent is refused; the valid records are stored, nothing is cosigned', async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    await seeded(a);
    const origin = originOf(CONSORTIUM, A.id);
    const text = formatCheckpoint({ origin, size: 3, root: new Uint8Array(32).fill(7), extensions: [] });
    const out = await b.acceptAndCosign(A.id, await a.envelopeBytes(A.id, 0, 10), formatNote({ text, sigs: [signNote(text, origin, A.seed)] }));
    expect(out.accepted).toBe(3);
    expect(out.cosigned).toBeUndefined();
    expect(out.refused).toMatchObject({ code: 'CHECKPOINT_CONFLICT' });
    expect(b.size(A.id)).toBe(3);
    expect(await b.checkpoints.witnessState(origin)).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('a record that breaks a rule stops the range: the records before it are stored, the error is thrown, nothing is cosigned', async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    await seeded(a);
    const own = await a.signCheckpoint({ cosign: true });
    const envs = await a.envelopeBytes(A.id, 0, 10);
    const bad = Uint8Array.from(envs[2]!);
    bad[bad.length - 1]! ^= 1; // the last byte of the author's signature
    await expect(b.acceptAndCosign(A.id, [envs[0]!, envs[1]!, bad], noteOf(own))).rejects.toMatchObject({ seq: 2 });
    expect(b.size(A.id)).toBe(2);
    expect(await b.checkpoints.witnessState(originOf(CONSORTIUM, A.id))).toBeUndefined();
    expect(b.checkpoints.list(A.id)).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a write that fails stores neither the records nor the cosignature; asked again, the witness cosigns', async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    await seeded(a);
    const own = await a.signCheckpoint({ cosign: true });
    const write = b.store.write.bind(b.store);
    let fail = true;
    b.store.write = async (ops, sync) => {
      if (fail && ops.length > 0) throw new Error('disk full');
      return write(ops, sync);
    };
    const envs = await a.envelopeBytes(A.id, 0, 10);
    await expect(b.acceptAndCosign(A.id, envs, noteOf(own))).rejects.toThrow('disk full');
    expect([b.size(A.id), b.checkpoints.list(A.id), await b.checkpoints.witnessState(originOf(CONSORTIUM, A.id))]).toEqual([0, [], undefined]);
    fail = false;
    expect((await b.acceptAndCosign(A.id, envs, noteOf(own))).cosigned?.cosigners.has(B.id)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('checkpoint retention', () => {
  it('an author pushing many checkpoints ahead of its records does not make a final record non-final', async () => {
    const dirB = tempDir();
    const limits = { checkpointsKept: 4, checkpointsAhead: 4 };
    const [a, b, c] = await Promise.all([open(A), open(B, dirB, limits), open(C)]);
    await seeded(a);
    expect(await finalRound(a, [b, c])).toBe(3);
    expect(b.isFinal(A.id, 2, 0)).toBe(true);
    const origin = originOf(CONSORTIUM, A.id);
    for (let size = 4; size < 104; size++) {
      const text = formatCheckpoint({ origin, size, root: new Uint8Array(32).fill(size), extensions: [] });
      await expect(b.addCheckpoint(formatNote({ text, sigs: [signNote(text, origin, A.seed)] }))).resolves.toMatchObject({ status: 'ahead' });
    }
    expect(b.isFinal(A.id, 2, 0)).toBe(true);
    expect(b.finalSize(A.id)).toBe(3);
    expect((await b.provenance(doc)).events.every((e) => e.final)).toBe(true);
    expect(await storedCheckpoints(b)).toBeLessThanOrEqual(1 + limits.checkpointsAhead);
    await b.close();
    const again = await open(B, dirB, limits);
    expect(again.isFinal(A.id, 2, 0)).toBe(true);
    expect((await again.provenance(doc)).events.every((e) => e.final)).toBe(true);
    await Promise.all([a.close(), c.close(), again.close()]);
  });

  it('keeps the first checkpoint that made each range final and proves each entry with it, in a bounded store', async () => {
    const dirB = tempDir();
    const limits = { checkpointsKept: 2, checkpointsAhead: 2 };
    const [a, b, c] = await Promise.all([open(A, undefined, limits), open(B, dirB, limits), open(C, undefined, limits)]);
    await seeded(a);
    const sizes = [await finalRound(a, [b, c])];
    for (let i = 0; i < 6; i++) {
      await share(a, i);
      sizes.push(await finalRound(a, [b, c]));
    }
    expect(sizes).toEqual([3, 4, 5, 6, 7, 8, 9]);
    // seq 0..2 were made final by the checkpoint of size 3, the share at seq 3 by size 4, ...
    expect(await proofSizes(b)).toEqual([3, 3, 3, 4, 5, 6, 7, 8, 9]);
    const st = await b.recordState((await b.envelope(A.id, 3))!);
    expect(st).toMatchObject({ state: 'final' });
    expect(st!.finalAt).toBeGreaterThanOrEqual(st!.replicatedAt!);
    // one checkpoint per range made final: bounded by the log, not by the notes received
    expect(await storedCheckpoints(b)).toBe(7);
    await b.close();
    const again = await open(B, dirB, limits);
    expect(await proofSizes(again)).toEqual([3, 3, 3, 4, 5, 6, 7, 8, 9]);
    expect(again.finalSize(A.id)).toBe(9);
    await Promise.all([a.close(), c.close(), again.close()]);
  });
});

describe('signing the own log', () => {
  it('refuses to sign a checkpoint while appends are refused (own log recovering, keys not adopted), and signs once they are not', async () => {
    const a = await open(A);
    await seeded(a);
    const before = a.checkpoints.list(A.id).length;
    a.appendGuard = () => Object.assign(new Error('own log recovering'), { code: 'RECOVERING' });
    await expect(a.signCheckpoint()).rejects.toMatchObject({ code: 'RECOVERING' });
    expect(a.checkpoints.list(A.id)).toHaveLength(before);
    a.appendGuard = undefined;
    expect((await a.signCheckpoint()).checkpoint.size).toBe(3);
    await a.close();
  });
});
