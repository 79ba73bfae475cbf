import '../polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { createTopicScoreParams } from '@libp2p/gossipsub/score';
import { identify } from '@libp2p/identify';
import { KEEP_ALIVE, type Libp2p, type PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Member } from '../../protocol/config/config.js';

export type Host = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub }>;

export interface HostInit {
  peerSeed: Uint8Array;
  listen: string[];
  psk?: Uint8Array;
  /** Peer ids allowed to connect, asked on every connection (the current members). */
  allowed: () => ReadonlySet<string>;
  heartbeatMs?: number;
  /** Gossip topics whose invalid messages lower the sender's score. */
  scoredTopics?: string[];
  /** Addresses to announce to peers (identify); default: the listen addresses. [] announces none. */
  announce?: string[];
}

/** Where to dial a member: the config's addresses, or an operator's override for that member. */
export type AddressBook = (m: Member) => string[];
export const configAddresses: AddressBook = (m) => m.addrs;

/**
 * The libp2p host: TCP + Noise + Yamux + identify + gossipsub, a persistent
 * peer identity, an optional pnet PSK, and a gater that lets only members'
 * peer ids through, in both directions and at every stage.
 */
export async function createHost(init: HostInit): Promise<Host> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', init.peerSeed);
  const deny = (peer: PeerId) => !init.allowed().has(peer.toString());
  return createLibp2p({
    privateKey,
    addresses: {
      listen: init.listen,
      ...(init.announce ? { announceFilter: () => init.announce!.map((a) => multiaddr(a)) } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.psk ? { connectionProtector: preSharedKey({ psk: init.psk }) } : {}),
    connectionGater: {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
      // loopback and private addresses are where consortium members live in tests
      denyDialMultiaddr: () => false,
    },
    // Members of a test or site network share one IP: the per-IP inbound rate limit (5/s) would refuse them.
    connectionManager: { maxConnections: 2000, inboundConnectionThreshold: 1000 },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Heads messages authenticate themselves (signed notes, checked evidence), and under load
        // verifying a peer signature on every gossip message took a fifth of a node's CPU.
        globalSignaturePolicy: 'StrictNoSign',
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        // Every node forwards each message to its mesh peers, so a node receives each message about D times:
        // with 34 members on two cores, forwarding was a third of a node's CPU. A small mesh is enough for a
        // consortium where every member is connected to every other.
        floodPublish: false,
        heartbeatInterval: init.heartbeatMs ?? 1000,
        D: 4,
        Dlo: 3,
        Dhi: 8,
        Dlazy: 4,
        // IDONTWANT control messages cost about what they save for notes of a few KiB.
        idontwantMinDataSize: 16 * 1024,
        scoreThresholds: { gossipThreshold: -100, publishThreshold: -200, graylistThreshold: -300 },
        // Rejected messages only count against a sender on topics with score parameters.
        scoreParams: {
          IPColocationFactorWeight: 0,
          topics: Object.fromEntries((init.scoredTopics ?? []).map((t) => [t, createTopicScoreParams({ topicWeight: 1, invalidMessageDeliveriesWeight: -10, invalidMessageDeliveriesDecay: 0.9 })])),
        },
      }),
    },
  }) as unknown as Promise<Host>;
}

/** Tag members keep-alive with their known addresses so libp2p keeps them connected. */
export async function trackMembers(host: Host, members: Member[], selfPeer: string, book: AddressBook = configAddresses): Promise<void> {
  for (const m of members) {
    if (m.peer === selfPeer) continue;
    const id = peerIdFromString(m.peer);
    await host.peerStore.merge(id, {
      multiaddrs: book(m).map((a) => multiaddr(a)),
      tags: { [`${KEEP_ALIVE}-tongban`]: { value: 100 } },
    });
  }
}

/** Try to connect to every member not yet connected (errors are expected while peers are down). */
export async function dialMembers(host: Host, members: Member[], selfPeer: string, book: AddressBook = configAddresses): Promise<void> {
  const connected = new Set(host.getPeers().map((p) => p.toString()));
  await Promise.allSettled(
    members
      .filter((m) => m.peer !== selfPeer && !connected.has(m.peer) && book(m).length > 0)
      .map((m) =>
        host.dial(
          book(m).map((a) => multiaddr(`${a}/p2p/${m.peer}`)),
          { signal: AbortSignal.timeout(5_000) },
        ),
      ),
  );
}
