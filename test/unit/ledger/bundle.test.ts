import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { decodeBundle, verifyBundle } from '../../../protocol/bundle/index.js';
import { parseTlogProof } from '../../../protocol/note/tlog-proof.js';
import { decodeEnvelope } from '../../../protocol/records/index.js';
import { approveConfig } from '../../../protocol/config/governance.js';
import { Ledger } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x56);
const doc = new Uint8Array(32).fill(0xd3);

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
async function open(m: typeof A): Promise<Ledger> {
  const dir = tempDir();
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
}

/** Have b and c replicate A's log and cosign A's newest checkpoint; A merges both cosignatures. */
async function witness(a: Ledger, ws: Ledger[]): Promise<number> {
  const cp = await a.signCheckpoint();
  for (const w of ws) {
    await w.acceptForeign(A.id, await a.envelopeBytes(A.id, w.size(A.id), 1000));
    await w.addCheckpoint(noteOf(cp));
    await a.addCheckpoint(noteOf(await w.cosign(A.id, cp.checkpoint.size)));
  }
  return cp.checkpoint.size;
}

describe('bundle export (ledger/bundle.ts)', () => {
  it('proves each entry with the first checkpoint that made it final, sorts entries by (author, seq), and carries configs 0..e', async () => {
    const [a, b, c] = await Promise.all([open(A), open(B), open(C)]);
    try {
      await a.append(firstAdmin(A));
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
      await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc, type: 'permit', class: 'public' }));
      expect(await witness(a, [b, c])).toBe(3);
      // li.na gets a second org.actor version, then shares: a later, larger final checkpoint.
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['admin', 'registrar'], active: true }));
      await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.share', { doc, to: B.id, purpose: 'check' }, [(await a.docRecords(doc))[0]!.id]));
      expect(await witness(a, [b, c])).toBe(5);
      const built = await a.buildBundle(doc);
      const sizes = built.bundle.entries.map((e) => {
        const r = decodeEnvelope(e.envelope).record;
        return [`${r.author}/${r.seq}`, Number(parseTlogProof(e.proof).checkpoint.text.split('\n')[1])];
      });
      // seq 0..2 were first final at size 3 (not the newer size-5 checkpoint); 3..4 at 5.
      expect(sizes).toEqual([
        [`${A.id}/0`, 3],
        [`${A.id}/1`, 3],
        [`${A.id}/2`, 3],
        [`${A.id}/3`, 5],
        [`${A.id}/4`, 5],
      ]);
      expect(built.bundle.configs).toHaveLength(a.chain.length);
      const r = verifyBundle(built.bytes, net);
      expect([r.proofs, r.outcome]).toEqual(['sound', 'pending']);
      expect(r.events.every((e) => e.final)).toBe(true);
      expect(decodeBundle(built.bytes).entries).toHaveLength(5);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  }, 30_000);

  it('the governance index counts one approval per member and config (the shared domain rule)', async () => {
    const a = await open(A);
    try {
      await a.append(firstAdmin(A));
      const id = new Uint8Array(32).fill(0xe1);
      const sig = approveConfig(id, A.seed);
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'gov.approve', { config: id, sig }));
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'gov.approve', { config: id, sig }));
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'gov.approve', { config: id, sig: approveConfig(new Uint8Array(32).fill(0xe2), A.seed) }));
      expect((await a.governance.proposal(id))?.approvals.map((x) => x.member)).toEqual([A.id]);
    } finally {
      await a.close();
    }
  });
});
