import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig, configId, encodeConfig } from '../../../protocol/config/index.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { peerIdOf } from '../../../protocol/keys.js';
import { verifyBundle } from '../../../protocol/bundle/index.js';
import { keyRefusal } from '../../../node/identity.js';
import { submission, testConsortium } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const newSeed = new Uint8Array(32).fill(0xa1);
const newPeerSeed = new Uint8Array(32).fill(0xa2);

describe('member key rotation through governance (ledger key and peer id)', () => {
  it('a node signs and cosigns nothing while the adopted epoch names other keys for its member [KEY_ROTATION]', () => {
    const { members } = testConsortium(4);
    const A = members[0]!;
    const cfg0 = buildConfig({ consortium: 'test.gov.example', epoch: 0, members: members.map((m) => m.member) });
    const rotated = members.map((m) => (m.id === A.id ? { ...m.member, key: publicKeyOf(newSeed), peer: peerIdOf(publicKeyOf(newPeerSeed)) } : m.member));
    const cfg1 = buildConfig({ consortium: 'test.gov.example', epoch: 1, prev: new Uint8Array(32), members: rotated });
    const oldPeer = A.member.peer;
    const newPeer = peerIdOf(publicKeyOf(newPeerSeed));
    expect(keyRefusal(cfg0, A.id, publicKeyOf(A.seed), oldPeer)).toBeUndefined();
    // the old node once the rotation is adopted; the new node before it is adopted here
    expect(keyRefusal(cfg1, A.id, publicKeyOf(A.seed), oldPeer)?.code).toBe('KEY_ROTATION');
    expect(keyRefusal(cfg0, A.id, publicKeyOf(newSeed), newPeer)?.code).toBe('KEY_ROTATION');
    expect(keyRefusal(cfg1, A.id, publicKeyOf(newSeed), oldPeer)?.message).toMatch(/names peer id/);
    expect(keyRefusal(cfg1, A.id, publicKeyOf(newSeed), newPeer)).toBeUndefined();
    // a member not (yet) in the config: nothing to say here
    expect(keyRefusal(cfg1, 'xz-nowhere', publicKeyOf(newSeed), newPeer)).toBeUndefined();
  });

  it('records signed with the old keys still verify; restarted with the new keys (--rotated-keys) the node adopts the epoch, then writes on', async () => {
    t = await testNet(4);
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const M = t.members;
    const A = M[0]!;
    const n0 = t.nodes[0]!;
    await until(() => [0, 1, 2, 3].every((i) => t!.nodes[i]!.ledger.finalSize(A.id) === 1), 20_000, "A's first admin final everywhere");
    const reg = new Uint8Array(32).fill(0x77);
    await n0.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    const doc = new Uint8Array(32).fill(0xd9);
    await n0.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc, type: 'permit', class: 'public' }));
    await until(() => [0, 1, 2, 3].every((i) => t!.nodes[i]!.ledger.finalSize(A.id) === 3), 20_000, 'A/2 final everywhere');

    // A's operator made new keys; B proposes epoch 1 naming them; A's old node is stopped; B, C, D approve
    const members = n0.ledger.config.members.map((m) => (m.id === A.id ? { ...m, key: publicKeyOf(newSeed), peer: peerIdOf(publicKeyOf(newPeerSeed)) } : m));
    const bytes = encodeConfig(buildConfig({ consortium: n0.ledger.consortium, epoch: 1, prev: t.net, members }));
    const id = configId(bytes);
    await t.nodes[1]!.ledger.append(submission(t.net, M[1]!.id, 'admin', M[1]!.adminSeed, 'gov.propose', { config: bytes }));
    await t.stop(0);
    for (const i of [2, 3]) await until(async () => !!(await t!.nodes[i]!.ledger.governance.proposal(id))?.config, 10_000, 'proposal replicated');
    for (const i of [1, 2, 3]) {
      const n = t.nodes[i]!;
      const sig = await n.ledger.governance.signApproval(id);
      await n.ledger.append(submission(t.net, M[i]!.id, 'admin', M[i]!.adminSeed, 'gov.approve', { config: id, sig }));
    }
    await until(() => [1, 2, 3].every((i) => t!.nodes[i]!.ledger.epoch === 1), 15_000, 'epoch 1 adopted');

    t.members[0] = { ...A, seed: newSeed, peerSeed: newPeerSeed };
    // without the operator's word the new keys are refused at start: the store's newest epoch names the old ones
    await expect(t.start(0)).rejects.toThrow(/is not the one epoch 0 names .*--rotated-keys/);
    const a = await t.start(0, { rotatedKeys: true });
    expect(a.ledger.epoch === 1 || a.ledger.appendGuard?.()?.message.includes('epoch 0 names ledger key')).toBe(true);
    await until(() => a.ledger.epoch === 1, 20_000, 'A adopts epoch 1 from its peers');
    await until(() => !a.ledger.appendGuard?.(), 30_000, 'A may append');
    const after = await a.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.access', { doc, purpose: 'after the rotation' }));
    await until(() => [0, 1, 2, 3].every((i) => t!.nodes[i]!.ledger.finalSize(A.id) === after.seq + 1), 20_000, 'final everywhere');

    // one bundle, records under both keys: sound, both final
    const r = verifyBundle((await t.nodes[2]!.ledger.buildBundle(doc)).bytes, t.net);
    expect([r.proofs, r.problems]).toEqual(['sound', []]);
    expect(r.events.map((e) => [e.kind, e.epoch, e.final])).toEqual([
      ['doc.register', 0, true],
      ['doc.access', 1, true],
    ]);
  }, 120_000);
});
