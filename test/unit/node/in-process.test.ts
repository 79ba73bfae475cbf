import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { verifyBundle } from '../../../protocol/bundle/verify.js';
import { encodeRecord, sealRecord } from '../../../protocol/records/record.js';
import { encodeMessage, protocolIds } from '../../../node/p2p/wire.js';
import { submission } from '../../helpers/consortium.js';
import { memoryNet, type MemoryNet } from '../../helpers/memory.js';
import { until } from '../../helpers/network.js';

let t: MemoryNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x51);

/** Enrol a registrar at member i; returns a function that registers document k there. */
async function registrar(t: MemoryNet, i: number) {
  const m = t.members[i]!;
  const n = t.nodes[i]!;
  await until(() => n.ledger.size(m.id) >= 1, 5_000, 'first admin');
  await n.ledger.append(submission(t.net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
  return (k: number) => n.ledger.append(submission(t.net, m.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k & 255), type: `t${k}`, class: 'public' }));
}

const all = (t: MemoryNet, fn: (n: NonNullable<MemoryNet['nodes'][number]>, i: number) => boolean) => () => t.nodes.every((n, i) => !n || fn(n, i));

describe('replication, witnessing, finality and forks in process (in-memory network)', () => {
  it('four nodes: records appended at two members reach all and become final; a bundle built elsewhere verifies', async () => {
    t = memoryNet(4);
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const add0 = await registrar(t, 0);
    const add2 = await registrar(t, 2);
    for (let k = 0; k < 10; k++) await Promise.all([add0(k), add2(100 + k)]);
    const [a, c] = [t.members[0]!.id, t.members[2]!.id];
    await until(
      all(t, (n) => n.ledger.size(a) === 12 && n.ledger.size(c) === 12 && n.ledger.finalSize(a) === 12 && n.ledger.finalSize(c) === 12),
      10_000,
      'replication and finality everywhere',
    );
    const report = verifyBundle((await t.nodes[3]!.ledger.buildBundle(new Uint8Array(32).fill(3))).bytes, t.net);
    const shown = JSON.stringify(report, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    expect(report.proofs, shown).toBe('sound');
    expect(report.events[0], shown).toMatchObject({ kind: 'doc.register', author: a, final: true });
  });

  it('a partition below the witness quorum holds finality back; healing it makes the records final everywhere', async () => {
    t = memoryNet(4); // quorum 3 of 4 witnesses
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const add = await registrar(t, 0);
    const a = t.members[0]!.id;
    await until(
      all(t, (n) => n.ledger.finalSize(a) === 2),
      10_000,
      'registrar final',
    );
    t.hub.partition([t.peer(0), t.peer(1)], [t.peer(2), t.peer(3)]);
    const r = await add(1);
    // A and B hold the record, but two cosignatures are below the quorum of three.
    await until(() => t!.nodes[1]!.ledger.size(a) === 3 && !!t!.nodes[0]!.ledger.checkpoints.latest(a)?.cosigners.has(t!.members[1]!.id), 10_000, 'B holds and cosigned the record');
    expect(t.nodes[0]!.ledger.isFinal(a, r.seq, 0)).toBe(false);
    expect(t.nodes[2]!.ledger.size(a)).toBe(2);
    t.hub.heal();
    await until(
      all(t, (n) => n.ledger.size(a) === 3 && n.ledger.isFinal(a, r.seq, 0)),
      10_000,
      'final everywhere after healing',
    );
  });

  it('a dropped peer catches up when its links come back: nothing lost or duplicated', async () => {
    t = memoryNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const add = await registrar(t, 0);
    const a = t.members[0]!.id;
    t.hub.drop(t.peer(2));
    expect(t.nodes[2]!.peers()).toEqual([]);
    for (let k = 0; k < 20; k++) await add(k);
    // quorum 2 of 3: A and B finalise without C
    await until(() => t!.nodes[0]!.ledger.finalSize(a) === 22, 10_000, 'final without C');
    expect(t.nodes[2]!.ledger.size(a)).toBeLessThan(22);
    t.hub.heal();
    await until(() => t!.nodes[2]!.ledger.size(a) === 22 && t!.nodes[2]!.ledger.finalSize(a) === 22, 10_000, 'C caught up');
    expect((await t.nodes[2]!.ledger.envelopeBytes(a, 0, 1000)).length).toBe(22);
    expect((await t.nodes[2]!.ledger.audit()).problems).toEqual([]);
  });

  it('equivocation: two records for one seq given to nodes on either side of a partition are detected everywhere once it heals', async () => {
    t = memoryNet(4);
    await Promise.all([0, 1, 2, 3].map((i) => t!.start(i)));
    const A = t.members[0]!;
    await registrar(t, 0);
    await until(
      all(t, (n) => n.ledger.finalSize(A.id) === 2),
      10_000,
      'A replicated and final',
    );
    await t.stop(0);
    t.hub.partition([t.peer(1)], [t.peer(2), t.peer(3)]);
    const head = t.nodes[1]!.ledger.head(A.id)!;
    const fork = (tag: number) =>
      sealRecord(
        encodeRecord({ v: 1, net: t!.net, author: A.id, seq: 2, prev: head.id, epoch: 0, ts: head.ts + 1, kind: 'evidence.fork', body: { a: Uint8Array.of(tag), b: Uint8Array.of(tag) } }),
        A.seed,
      ).bytes;
    await t.nodes[1]!.ledger.acceptForeign(A.id, [fork(1)]);
    await t.nodes[2]!.ledger.acceptForeign(A.id, [fork(2)]);
    expect([1, 2, 3].some((i) => t!.nodes[i]!.ledger.isForked(A.id))).toBe(false);
    t.hub.heal();
    await until(() => [1, 2, 3].every((i) => t!.nodes[i]!.ledger.isForked(A.id)), 10_000, 'fork detected at every honest node');
    for (const i of [1, 2, 3]) {
      const n = t.nodes[i]!;
      await until(async () => (await n.ledger.byKind('evidence.fork', t!.members[i]!.id)).length === 1, 10_000, 'fork evidence recorded');
      await expect(n.ledger.cosign(A.id, 2)).rejects.toMatchObject({ code: 'COSIGN_REFUSED' });
    }
  });

  it('a late joiner backfills every log from its peers and its own first record becomes final', async () => {
    t = memoryNet(4);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const add = await registrar(t, 1);
    for (let k = 0; k < 30; k++) await add(k);
    const b = t.members[1]!.id;
    await until(() => t!.nodes[0]!.ledger.finalSize(b) === 32, 10_000, 'final among the first three');
    const d = await t.start(3);
    await until(() => [0, 1, 2].every((i) => d.ledger.size(t!.members[i]!.id) === t!.nodes[i]!.ledger.size(t!.members[i]!.id)), 10_000, 'late joiner backfilled');
    await until(
      all(t, (n) => n.ledger.finalSize(t!.members[3]!.id) === 1),
      10_000,
      'late joiner first record final everywhere',
    );
    // finality of the logs it fetched comes with the checkpoint notes in the heads, right after the records
    await until(() => [0, 1, 2].every((i) => d.ledger.finalSize(t!.members[i]!.id) === t!.nodes[i]!.ledger.size(t!.members[i]!.id)), 10_000, 'backfilled logs final at the late joiner');
  });

  it('only members connect; malformed gossip is rejected in validation and not forwarded', async () => {
    t = memoryNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const outsider = t.hub.network('12D3KooWOutsiderOutsiderOutsiderOutsiderOutsider', () => new Set(t!.members.map((m) => m.member.peer)));
    await outsider.start();
    try {
      expect(outsider.peers()).toEqual([]);
      await expect(outsider.request(t.peer(0), protocolIds(t.net).sync, { t: 'heads', sizes: {} }, { maxBytes: 1 << 20, timeoutMs: 1_000 })).rejects.toThrow(/not connected/);
    } finally {
      await outsider.stop();
    }
    // A member's node sends junk on the heads topic: its peers reject it and do not pass it on.
    const before = t.hub.rejected.get(t.peer(1)) ?? 0;
    await t.nodes[0]!.network.publish(protocolIds(t.net).heads, encodeMessage({ note: 'forged' }));
    await until(() => (t!.hub.rejected.get(t!.peer(1)) ?? 0) > before && (t!.hub.rejected.get(t!.peer(2)) ?? 0) > 0, 5_000, 'rejected by both peers');
    expect(t.hub.rejected.get(t.peer(1))! - before).toBe(1);
  });
});

describe('the HTTP API over a node without libp2p', () => {
  it('serves status with the peers of the in-memory network; the node has no libp2p host', async () => {
    t = memoryNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const n = t.nodes[0]!;
    const url = await n.startApi('127.0.0.1', 0);
    await until(() => n.peers().length === 2, 5_000, 'peers linked');
    const status = (await (await fetch(`${url}/v1/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ member: t.members[0]!.id, peerId: t.peer(0), addresses: [], admitted: true });
    expect(status.peers).toEqual([t.members[1]!.id, t.members[2]!.id].sort());
    expect(() => n.host).toThrow(/libp2p/);
  });
});
