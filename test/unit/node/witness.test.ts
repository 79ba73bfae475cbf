import { peerIdFromString } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { formatCheckpoint } from '../../../protocol/note/checkpoint.js';
import { formatNote, signNote } from '../../../protocol/note/note.js';
import { originOf } from '../../../protocol/names.js';
import { callRpc } from '../../../node/p2p/rpc.js';
import { protocolIds } from '../../../node/p2p/wire.js';
import type { TongbanNode } from '../../../node/node.js';
import { CONSORTIUM, submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x31);

async function counter(n: TongbanNode, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await n.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

describe('witnessing by request (authors gather cosignatures)', () => {
  it('witnesses answer the author instead of gossiping their cosignatures; records become final everywhere', async () => {
    t = await testNet(4);
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const A = t.members[0]!;
    await until(() => nodes.every((n) => n.ledger.size(A.id) === 1 && n.ledger.finalSize(A.id) === 1), 20_000, 'first admin final everywhere');
    await new Promise((r) => setTimeout(r, 500));
    const before = await Promise.all(
      nodes.map((n) => Promise.all([counter(n, 'tongban_witness_requests_total', { direction: 'in' }), counter(n, 'tongban_gossip_messages_total', { direction: 'out', reason: 'cosignature' })])),
    );
    await nodes[0]!.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    for (let k = 0; k < 5; k++) {
      const r = await nodes[0]!.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k + 1), type: 'permit', class: 'public' }));
      await until(() => nodes.every((n) => n.ledger.isFinal(A.id, r.seq, 0)), 20_000, `record ${r.seq} final everywhere`);
    }
    for (const i of [1, 2, 3]) {
      expect(await counter(nodes[i]!, 'tongban_witness_requests_total', { direction: 'in' })).toBeGreaterThan(before[i]![0]);
      expect(await counter(nodes[i]!, 'tongban_gossip_messages_total', { direction: 'out', reason: 'cosignature' })).toBe(before[i]![1]);
    }
    const cp = nodes[0]!.ledger.checkpoints.latest(A.id)!;
    expect(cp.cosigners.size).toBeGreaterThanOrEqual(t.nodes[0]!.ledger.config.quorum.witness);
  }, 60_000);

  it('a malformed or forged witness request is refused and changes nothing', async () => {
    t = await testNet(3);
    const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const [A, B] = [t.members[0]!, t.members[1]!];
    // every first admin (appended once each node has recovered its own log) is held everywhere before the forged requests
    await until(() => nodes.every((n) => t!.members.every((m) => n.ledger.size(m.id) === 1) && n.ledger.finalSize(A.id) === 1), 20_000, "first admins held, A's final");
    const ids = protocolIds(t.net);
    const ask = (req: Record<string, unknown>) => callRpc(nodes[1]!.host, peerIdFromString(A.member.peer), ids.witness, req as never, { maxBytes: 1 << 20, timeoutMs: 5_000 });
    await expect(ask({ note: 'not a note' })).rejects.toBeTruthy();
    await expect(ask({ other: 1 })).rejects.toBeTruthy();
    // B's log at a size it never reached, signed with a key that is not B's
    const origin = originOf(CONSORTIUM, B.id);
    const text = formatCheckpoint({ origin, size: 50, root: new Uint8Array(32).fill(7), extensions: [] });
    await expect(ask({ note: formatNote({ text, sigs: [signNote(text, origin, new Uint8Array(32).fill(0x77))] }) })).rejects.toBeTruthy();
    expect(nodes[0]!.ledger.size(B.id)).toBe(1);
    expect(nodes[0]!.ledger.checkpoints.list(B.id).some((c) => c.checkpoint.size === 50)).toBe(false);
    expect((await nodes[0]!.ledger.audit()).problems).toEqual([]);
  }, 60_000);
});
