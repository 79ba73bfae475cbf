import { createServer } from 'node:net';
import pino from 'pino';
import { publicKeyOf } from '../../protocol/crypto.js';
import { buildConfig, configId, encodeConfig } from '../../protocol/config/index.js';
import { TongbanNode, type NodeInit } from '../../node/node.js';
import { CONSORTIUM, tempDir, testMember, type TestMember } from './consortium.js';

/** A running node's listen addresses without the /p2p/ part (an address book entry; the dialer adds the peer id). */
export function dialable(node: TongbanNode): string[] {
  return node.addresses().map((a) => a.replace(/\/p2p\/[^/]+$/, ''));
}

/** Free TCP ports on 127.0.0.1 (bound, read, released). */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await new Promise<number>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      }),
    );
  }
  return out;
}

export interface TestNet {
  members: TestMember[];
  genesis: Uint8Array;
  net: Uint8Array;
  dirs: string[];
  nodes: (TongbanNode | undefined)[];
  /** Start member i's node; `extra` overrides its init (e.g. a skewed clock). */
  start(i: number, extra?: Partial<NodeInit>): Promise<TongbanNode>;
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * n members on loopback with real TCP, each node in this process. Nodes listen
 * on port 0 (no port is picked before it is bound): the config carries no
 * addresses, and a node starting dials the ones already running, at the
 * addresses they bound.
 */
export async function testNet(n: number, opts: { quorum?: { witness?: number; governance?: number } } = {}): Promise<TestNet> {
  const members = Array.from({ length: n }, (_, i) => {
    const m = testMember(i);
    m.member.addrs = [];
    return m;
  });
  const genesis = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 0, members: members.map((m) => m.member), quorum: opts.quorum }));
  const tmp = members.map(() => tempDir());
  const logger = pino({ level: process.env.TONGBAN_TEST_LOG ?? 'silent' });
  /** Where the running nodes listen (an operator's address book, shared and filled in as nodes start; nodes redial from it). */
  const book: Record<string, string[]> = {};
  const t: TestNet = {
    members,
    genesis,
    net: configId(genesis),
    dirs: tmp.map((d) => d.path),
    nodes: [],
    async start(i, extra) {
      const m = members[i]!;
      const node = await TongbanNode.start({
        dataDir: tmp[i]!.path,
        genesis,
        memberId: m.id,
        ledgerSeed: m.seed,
        peerSeed: m.peerSeed,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        peerAddrs: book,
        firstAdmin: { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true },
        logger: logger.child({ node: m.id }),
        options: { antiEntropyMs: 1000 },
        ...extra,
      });
      t.nodes[i] = node;
      book[m.id] = dialable(node);
      return node;
    },
    async stop(i) {
      delete book[members[i]!.id];
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

/** Poll until `fn` is true or time out (tests assert outcomes, not sleeps). */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
