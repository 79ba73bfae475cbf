import { afterEach, describe, expect, it } from 'vitest';
import type { Member } from '../../../protocol/config/config.js';
import { Libp2pNetwork } from '../../../node/p2p/libp2p-network.js';
import { testMember } from '../../helpers/consortium.js';
import { until } from '../../helpers/network.js';

const open: Libp2pNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.stop()));
});

describe('libp2p peer network (real TCP)', () => {
  it('serves requests between allowed peers; a peer no longer allowed is disconnected on a members change', async () => {
    const [A, B] = [testMember(0), testMember(1)];
    let allowed = new Set([A.member.peer, B.member.peer]);
    const members: Member[] = [];
    const make = async (seed: Uint8Array) => {
      const n = await Libp2pNetwork.create({ peerSeed: seed, listen: ['/ip4/127.0.0.1/tcp/0'], book: (m) => m.addrs, members: () => members, allowed: () => allowed });
      open.push(n);
      return n;
    };
    const a = await make(A.peerSeed);
    const b = await make(B.peerSeed);
    // B's address is known once it listens (port 0)
    members.push({ ...B.member, addrs: b.addresses().map((x) => x.replace(/\/p2p\/.*$/, '')) });
    const limits = { maxBytes: 1024, timeoutMs: 5_000, maxInboundStreams: 4 };
    await b.handle('/test/echo/1', async (req, from) => ({ ...req, from }), limits);
    await b.start();
    await a.start();
    await until(() => a.peers().includes(B.member.peer), 10_000, 'a connected to b');
    expect(await a.request(B.member.peer, '/test/echo/1', { n: 1 }, limits)).toEqual({ n: 1, from: A.member.peer });
    allowed = new Set([A.member.peer]);
    members.length = 0;
    await a.membersChanged();
    await until(() => !a.peers().includes(B.member.peer), 10_000, 'b disconnected');
    await expect(a.request(B.member.peer, '/test/echo/1', { n: 2 }, { ...limits, timeoutMs: 2_000 })).rejects.toBeTruthy();
  });
});
