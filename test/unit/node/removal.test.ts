import { peerIdFromString } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig, configId, encodeConfig } from '../../../protocol/config/index.js';
import { encodeRecord, sealRecord } from '../../../protocol/records/record.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('removal through governance', () => {
  it('a removed member is disconnected at once, and nothing it writes after its last final checkpoint is accepted or served', async () => {
    t = await testNet(4);
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const M = t.members;
    const D = M[3]!;
    const [n0, n1] = [t.nodes[0]!, t.nodes[1]!];
    await until(() => [0, 1, 2].every((i) => t!.nodes[i]!.ledger.finalSize(D.id) === 1), 20_000, "D's first admin final everywhere");
    // a record D signs that no witness cosigned (D's own node never saw it): not final when D is removed
    const head = n1.ledger.head(D.id)!;
    const signed = (seq: number, prev: Uint8Array, ts: number, tag: number) =>
      sealRecord(encodeRecord({ v: 1, net: t!.net, author: D.id, seq, prev, epoch: 0, ts, kind: 'evidence.fork', body: { a: Uint8Array.of(tag), b: Uint8Array.of(tag) } }), D.seed);
    const late = signed(1, head.id, head.ts + 1, 1);
    await n1.ledger.acceptForeign(D.id, [late.bytes]);
    expect(n1.ledger.size(D.id)).toBe(2);
    // members 0, 1, 2 remove D (governance quorum 3 of 4)
    const cfg1 = buildConfig({ consortium: n0.ledger.consortium, epoch: 1, prev: t.net, members: n0.ledger.config.members.filter((m) => m.id !== D.id) });
    const bytes = encodeConfig(cfg1);
    const id = configId(bytes);
    await n0.ledger.append(submission(t.net, M[0]!.id, 'admin', M[0]!.adminSeed, 'gov.propose', { config: bytes }));
    for (const i of [1, 2]) await until(async () => !!(await t!.nodes[i]!.ledger.governance.proposal(id))?.config, 10_000, 'proposal replicated');
    for (const i of [0, 1, 2]) {
      const n = t.nodes[i]!;
      const sig = await n.ledger.governance.signApproval(id);
      await n.ledger.append(submission(t.net, M[i]!.id, 'admin', M[i]!.adminSeed, 'gov.approve', { config: id, sig }));
    }
    await until(() => [0, 1, 2].every((i) => t!.nodes[i]!.ledger.epoch === 1), 15_000, 'epoch 1 adopted by the remaining members');
    // disconnected at once: no open connection to D anywhere, and D cannot connect again
    await until(() => [0, 1, 2].every((i) => t!.nodes[i]!.host.getConnections().every((c) => c.remotePeer.toString() !== D.member.peer)), 10_000, 'D disconnected');
    // the gater now refuses D: members do not dial it, and its own attempts leave no connection behind
    await expect(n0.host.dial(peerIdFromString(D.member.peer), { signal: AbortSignal.timeout(3_000) }).then(() => 'connected')).rejects.toThrow();
    await t.nodes[3]!.host.dial(peerIdFromString(M[0]!.member.peer), { signal: AbortSignal.timeout(3_000) }).then(
      () => undefined,
      () => undefined,
    );
    await until(() => n0.host.getConnections().every((c) => c.remotePeer.toString() !== D.member.peer), 10_000, "D's new connection refused");
    // D's log is closed at its last final checkpoint (size 1): the later record is not served, though held
    expect(n1.ledger.closedSize(D.id)).toBe(1);
    expect(n1.ledger.size(D.id)).toBe(2);
    expect(await n1.ledger.envelopeBytes(D.id, 0, 100)).toHaveLength(1);
    const url = await n1.startApi('127.0.0.1', 0);
    const log = (await (await fetch(`${url}/v1/logs/${D.id}`)).json()) as { records: unknown[] };
    expect(log.records).toHaveLength(1);
    expect((await fetch(`${url}/v1/records/${Buffer.from(late.id).toString('hex')}`)).status).toBe(404);
    // and a record D writes now (stamped with its last epoch) is not accepted anywhere
    const n0size = n0.ledger.size(D.id);
    const r = await n0.ledger.acceptForeign(D.id, n0size === 1 ? [late.bytes] : [signed(2, late.id, head.ts + 2, 2).bytes]);
    expect(r.accepted).toBe(0);
    expect(n0.ledger.size(D.id)).toBe(n0size);
    expect(await n0.ledger.envelopeBytes(D.id, 0, 100)).toHaveLength(1);
  }, 90_000);
});
