import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { encodeRecord, sealRecord } from '../../../protocol/records/record.js';
import { createHost } from '../../../node/p2p/host.js';
import { protocolIds, encodeMessage } from '../../../node/p2p/wire.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x21);

async function withRegistrar(t: TestNet, i: number) {
  const m = t.members[i]!;
  const n = t.nodes[i]!;
  await until(() => n.ledger.size(m.id) >= 1, 10_000, 'first admin');
  await n.ledger.append(submission(t.net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
  return (k: number) => n.ledger.append(submission(t.net, m.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k & 255), type: `t${k}`, class: 'public' }));
}

describe('node scenarios (in-process, real TCP on 127.0.0.1)', () => {
  it('five nodes: appends at two members reach all five and become final (quorum 4)', async () => {
    t = await testNet(5);
    await Promise.all([0, 1, 2, 3, 4].map((i) => t!.start(i)));
    const reg0 = await withRegistrar(t, 0);
    const reg3 = await withRegistrar(t, 3);
    for (let k = 0; k < 20; k++) await Promise.all([reg0(k), reg3(100 + k)]);
    const [a, d] = [t.members[0]!.id, t.members[3]!.id];
    await until(() => t!.nodes.every((n) => n!.ledger.size(a) === 22 && n!.ledger.size(d) === 22 && n!.ledger.finalSize(a) === 22 && n!.ledger.finalSize(d) === 22), 30_000, 'finality at all five');
    expect(t.nodes[4]!.ledger.config.quorum.witness).toBe(4);
  }, 60_000);

  it('an intruder with a valid key but no membership can neither connect nor inject gossip', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const intruder = await createHost({ peerSeed: new Uint8Array(32).fill(0x99), listen: ['/ip4/127.0.0.1/tcp/0'], allowed: () => new Set(t!.members.map((m) => m.member.peer)) });
    try {
      const target = multiaddr(t.nodes[0]!.addresses()[0]!);
      // The member's gater drops the connection once the intruder's peer id is known (after Noise).
      await intruder.dial(target, { signal: AbortSignal.timeout(5_000) }).then(
        () => 'connected',
        () => 'refused',
      );
      const ids = protocolIds(t.net);
      await expect(intruder.dialProtocol(peerIdFromString(t.members[0]!.member.peer), ids.sync, { signal: AbortSignal.timeout(3_000) }).then((s) => s.close())).rejects.toBeTruthy();
      intruder.services.pubsub.subscribe(ids.heads);
      await intruder.services.pubsub.publish(ids.heads, encodeMessage({ note: 'forged' })).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      for (const n of t.nodes) expect(n!.host.getPeers().map(String)).not.toContain(intruder.peerId.toString());
      // and members do not dial it either: it is not in the gater's set
      await expect(t.nodes[0]!.host.dial(peerIdFromString(intruder.peerId.toString()), { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    } finally {
      await intruder.stop();
    }
  }, 30_000);

  it('a node stopped during appends catches up after restart: nothing lost or duplicated', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const add = await withRegistrar(t, 0);
    const a = t.members[0]!.id;
    const acked: string[] = [];
    for (let k = 0; k < 10; k++) acked.push(Buffer.from((await add(k)).id).toString('hex'));
    await t.stop(2);
    for (let k = 10; k < 60; k++) acked.push(Buffer.from((await add(k)).id).toString('hex'));
    const c = await t.start(2);
    await until(() => c.ledger.size(a) === 62 && c.ledger.finalSize(a) === 62, 30_000, 'catch-up');
    for (const id of acked) expect((await c.ledger.recordById(Buffer.from(id, 'hex')))?.record.author).toBe(a);
    expect((await c.ledger.envelopeBytes(a, 0, 1000)).length).toBe(62);
    expect((await c.ledger.audit()).problems).toEqual([]);
  }, 60_000);

  it('equivocation: two records for one seq fed to different nodes are detected everywhere; the author is no longer cosigned', async () => {
    t = await testNet(4);
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const A = t.members[0]!;
    await withRegistrar(t, 0);
    await until(() => t!.nodes.every((n) => n!.ledger.size(A.id) === 2 && n!.ledger.finalSize(A.id) === 2), 20_000, 'A replicated');
    await t.stop(0);
    // the test signs two different records for seq 2 with A's key
    const head = t.nodes[1]!.ledger.head(A.id)!;
    const fork = (tag: number) =>
      sealRecord(
        encodeRecord({ v: 1, net: t!.net, author: A.id, seq: 2, prev: head.id, epoch: 0, ts: head.ts + 1, kind: 'evidence.fork', body: { a: Uint8Array.of(tag), b: Uint8Array.of(tag) } }),
        A.seed,
      ).bytes;
    await t.nodes[1]!.ledger.acceptForeign(A.id, [fork(1)]);
    await t.nodes[2]!.ledger.acceptForeign(A.id, [fork(2)]);
    // Detection is two steps (the fork is known, then the evidence record is appended): wait for both.
    const evidence = async (i: number) => (await t!.nodes[i]!.ledger.byKind('evidence.fork', t!.members[i]!.id)).length;
    await until(
      async () => (await Promise.all([1, 2, 3].map(async (i) => t!.nodes[i]!.ledger.isForked(A.id) && (await evidence(i)) > 0))).every(Boolean),
      15_000,
      'fork detected and evidence stored at every honest node',
    );
    for (const i of [1, 2, 3]) {
      const n = t.nodes[i]!;
      expect((await n.ledger.byKind('evidence.fork', t.members[i]!.id)).length).toBe(1);
      await expect(n.ledger.cosign(A.id, 2)).rejects.toMatchObject({ code: 'COSIGN_REFUSED' });
    }
    // honest logs stay final
    const reg1 = await withRegistrar(t, 1);
    await reg1(1);
    await until(() => [1, 2, 3].every((i) => t!.nodes[i]!.ledger.finalSize(t!.members[1]!.id) === t!.nodes[1]!.ledger.size(t!.members[1]!.id)), 20_000, 'honest logs final');
  }, 60_000);
});
