import { afterEach, describe, expect, it } from 'vitest';
import { verify } from '../../../protocol/crypto.js';
import { buildConfig, configId, encodeConfig, governanceMessage } from '../../../protocol/config/index.js';
import { seedSigner, type Signer } from '../../../protocol/signer.js';
import { Ledger } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { CONSORTIUM, firstAdmin, submission, tempDir, testConsortium, testMember } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B] = [members[0]!, members[1]!];
const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

/** A key the ledger never sees: only `sign` is exposed (as with a key held in an HSM); what it signs is recorded. */
function heldKey(seed: Uint8Array): Signer & { signed: Uint8Array[] } {
  const inner = seedSigner(seed);
  const signed: Uint8Array[] = [];
  return { alg: 'ed25519', publicKey: inner.publicKey, signed, sign: (msg) => (signed.push(msg), inner.sign(msg)) };
}

async function open(self: { id: string; seed?: Uint8Array; signer?: Signer }) {
  const dir = tempDir();
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self });
}

describe('the ledger signs through a Signer', () => {
  it('records, checkpoints, cosignatures and governance approvals are made by the signer given instead of a seed, and verify', async () => {
    const key = heldKey(B.seed);
    const b = await open({ id: B.id, signer: key });
    const a = await open({ id: A.id, seed: A.seed });
    // a record of B's own log
    const r = await b.append(firstAdmin(B));
    expect(key.signed.length).toBe(1);
    await a.acceptForeign(B.id, await b.envelopeBytes(B.id, 0, 10));
    expect(a.size(B.id)).toBe(1);
    // B's checkpoint note, accepted by A against B's configured key
    const cp = await b.signCheckpoint();
    expect(key.signed.length).toBe(2);
    expect((await a.addCheckpoint(noteOf(cp))).status).not.toBe('fork');
    // B cosigns A's checkpoint; A merges and counts it
    await a.append(firstAdmin(A));
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 10));
    await b.addCheckpoint(noteOf(await a.signCheckpoint()));
    const cosigned = await b.cosign(A.id, 1);
    expect(key.signed.length).toBe(3);
    await a.addCheckpoint(noteOf(cosigned));
    expect(a.checkpoints.latest(A.id)!.cosigners.has(B.id)).toBe(true);
    // a governance approval
    const cfg = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 1, prev: net, members: [...members, testMember(3)].map((m) => m.member) }));
    await a.append(submission(net, A.id, 'admin', A.adminSeed, 'gov.propose', { config: cfg }));
    await b.acceptForeign(A.id, await a.envelopeBytes(A.id, b.size(A.id), 10));
    const sig = await b.governance.signApproval(configId(cfg));
    expect(key.signed.length).toBe(4);
    expect(verify(B.member.key, governanceMessage(configId(cfg)), sig)).toBe(true);
    expect(r.envelope.record.author).toBe(B.id);
    await a.close();
    await b.close();
  });

  it('a ledger with neither a seed nor a signer is refused', async () => {
    await expect(open({ id: B.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
