import pino from 'pino';
import { publicKeyOf } from '../../protocol/crypto.js';
import { buildConfig, configId, encodeConfig } from '../../protocol/config/index.js';
import { TongbanNode, type NodeInit } from '../../node/node.js';
import type { NodeOptions } from '../../node/options.js';
import { MemoryHub } from '../../node/p2p/memory-network.js';
import { CONSORTIUM, tempDir, testMember, type TestMember } from './consortium.js';

/** Fast timers for in-process nodes: every round takes milliseconds. */
export const fastOptions: Partial<NodeOptions> = {
  checkpointIntervalMs: 10,
  checkpointMaxWaitMs: 50,
  cosignRetryMs: 50,
  cosignatureGossipDelayMs: 100,
  antiEntropyMs: 50,
  requestTimeoutMs: 2_000,
};

export interface MemoryNet {
  hub: MemoryHub;
  members: TestMember[];
  genesis: Uint8Array;
  net: Uint8Array;
  nodes: (TongbanNode | undefined)[];
  /** Store directory of member i. */
  dirs: string[];
  /** The peer id of member i (what the hub names it by). */
  peer(i: number): string;
  /** Start member i's node; `extra` overrides its init (a skewed clock, webhooks; its options go over the fast ones). */
  start(i: number, extra?: Partial<NodeInit>): Promise<TongbanNode>;
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

/** n members in this process, linked by an in-memory hub (no sockets). */
export function memoryNet(n: number, opts: { quorum?: { witness?: number; governance?: number } } = {}): MemoryNet {
  const hub = new MemoryHub();
  const members = Array.from({ length: n }, (_, i) => testMember(i));
  const genesis = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 0, members: members.map((m) => m.member), quorum: opts.quorum }));
  const tmp = members.map(() => tempDir());
  const logger = pino({ level: process.env.TONGBAN_TEST_LOG ?? 'silent' });
  const t: MemoryNet = {
    hub,
    members,
    genesis,
    net: configId(genesis),
    nodes: [],
    dirs: tmp.map((d) => d.path),
    peer: (i) => members[i]!.member.peer,
    async start(i, extra = {}) {
      const m = members[i]!;
      const node = await TongbanNode.start({
        dataDir: tmp[i]!.path,
        genesis,
        memberId: m.id,
        ledgerSeed: m.seed,
        peerSeed: m.peerSeed,
        listen: [],
        firstAdmin: { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true },
        logger: logger.child({ node: m.id }),
        network: async ({ allowed }) => hub.network(m.member.peer, allowed),
        ...extra,
        options: { ...fastOptions, ...extra.options },
      });
      t.nodes[i] = node;
      return node;
    },
    async stop(i) {
      await t.nodes[i]?.stop();
      t.nodes[i] = undefined;
    },
    async close() {
      await Promise.all(t.nodes.map((x) => x?.stop()));
      tmp.forEach((d) => d.cleanup());
    },
  };
  return t;
}
