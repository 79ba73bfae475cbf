import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { parseNote } from '../../../protocol/note/note.js';
import { Ledger } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x55);
const doc = new Uint8Array(32).fill(0xd0);

let dirs: { path: string; cleanup: () => void }[] = [];
async function open(m = A, dir = tempDir()): Promise<Ledger> {
  if (!dirs.includes(dir)) dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
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
