import { afterEach, describe, expect, it } from 'vitest';

import { buildConfig, configId, encodeConfig } from '../../../protocol/config/index.js';
import { Ledger } from '../../../ledger/index.js';
import { firstAdmin, submission, tempDir, testConsortium, testMember, CONSORTIUM } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const D = testMember(3);
const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

async function ledgers() {
  const out: Ledger[] = [];
  for (const m of members) {
    const dir = tempDir();
    dirs.push(dir);
    const l = await Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
    await l.append(firstAdmin(m));
    out.push(l);
  }
  return out;
}

/** Replicate every log into every ledger (what the node's sync does). */
async function replicate(ls: Ledger[]) {
  for (const src of ls) {
    const id = src.self!.id;
    for (const dst of ls) if (dst !== src) await dst.acceptForeign(id, await src.envelopeBytes(id, dst.size(id), 1000));
  }
}

function proposal(prev = net) {
  const cfg = buildConfig({ consortium: CONSORTIUM, epoch: 1, prev, members: [...members, D].map((m) => m.member) });
  const bytes = encodeConfig(cfg);
  return { bytes, id: configId(bytes) };
}

async function approve(l: Ledger, id: Uint8Array, i: number) {
  const sig = await l.governance.signApproval(id);
  await l.append(submission(net, members[i]!.id, 'admin', members[i]!.adminSeed, 'gov.approve', { config: id, sig }));
}

describe('governance', () => {
  it('admits a fourth member with two approvals (quorum 2 of 3)', async () => {
    const ls = await ledgers();
    const p = proposal();
    await ls[0]!.append(submission(net, members[0]!.id, 'admin', members[0]!.adminSeed, 'gov.propose', { config: p.bytes }));
    await replicate(ls);
    await approve(ls[0]!, p.id, 0);
    await replicate(ls);
    expect(ls.map((l) => l.epoch)).toEqual([0, 0, 0]); // one approval is not enough
    await approve(ls[1]!, p.id, 1);
    await replicate(ls);
    expect(ls.map((l) => l.epoch)).toEqual([1, 1, 1]);
    expect(ls[2]!.config.members.map((m) => m.id)).toContain(D.member.id);
    expect(ls[2]!.config.quorum).toEqual({ witness: 3, governance: 3 });
    // the newcomer's records are now accepted
    const dir = tempDir();
    dirs.push(dir);
    const d = await Ledger.open({ path: dir.path, genesis, self: { id: D.id, seed: D.seed } });
    await d.addConfig(ls[0]!.signedConfigs()[1]!);
    await d.append(firstAdmin(D));
    await ls[0]!.acceptForeign(D.id, await d.envelopeBytes(D.id, 0, 10));
    expect(ls[0]!.size(D.id)).toBe(1);
    await Promise.all([...ls, d].map((l) => l.close()));
  });

  it('does not adopt a successor with a wrong prev, and a node votes once per epoch', async () => {
    const ls = await ledgers();
    const bad = proposal(new Uint8Array(32).fill(1));
    await ls[0]!.append(submission(net, members[0]!.id, 'admin', members[0]!.adminSeed, 'gov.propose', { config: bad.bytes }));
    await replicate(ls);
    await expect(ls[1]!.governance.signApproval(bad.id)).rejects.toMatchObject({ code: 'GOVERNANCE' });
    const good = proposal();
    const other = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 1, prev: net, members: members.map((m) => m.member), quorum: { witness: 3 } }));
    for (const bytes of [good.bytes, other]) await ls[0]!.append(submission(net, members[0]!.id, 'admin', members[0]!.adminSeed, 'gov.propose', { config: bytes }));
    await replicate(ls);
    await ls[1]!.governance.signApproval(good.id);
    await expect(ls[1]!.governance.signApproval(configId(other))).rejects.toMatchObject({ code: 'GOVERNANCE' });
    expect(ls.map((l) => l.epoch)).toEqual([0, 0, 0]);
    await Promise.all(ls.map((l) => l.close()));
  });

  it('a node whose store was lost does not approve a second successor once its own log is recovered from peers', async () => {
    const ls = await ledgers();
    const good = proposal();
    const other = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 1, prev: net, members: members.map((m) => m.member), quorum: { witness: 3 } }));
    for (const bytes of [good.bytes, other]) await ls[0]!.append(submission(net, members[0]!.id, 'admin', members[0]!.adminSeed, 'gov.propose', { config: bytes }));
    await replicate(ls);
    await approve(ls[1]!, good.id, 1);
    await replicate(ls);
    // member 1's store is lost: a fresh store takes its own log back from a peer (as node/recovery.ts does)
    const B = members[1]!;
    const dir = tempDir();
    dirs.push(dir);
    const fresh = await Ledger.open({ path: dir.path, genesis, self: { id: B.id, seed: B.seed } });
    await fresh.acceptForeign(members[0]!.id, await ls[0]!.envelopeBytes(members[0]!.id, 0, 1000));
    await fresh.recoverOwn(await ls[0]!.envelopeBytes(B.id, 0, 1000));
    expect(fresh.size(B.id)).toBe(ls[1]!.size(B.id));
    await expect(fresh.governance.signApproval(configId(other))).rejects.toMatchObject({ code: 'GOVERNANCE' });
    await expect(fresh.governance.signApproval(good.id)).resolves.toBeInstanceOf(Uint8Array);
    await Promise.all([...ls, fresh].map((l) => l.close()));
  });
});
