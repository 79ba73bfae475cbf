import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Ledger } from '../ledger/index.js';
import type { NodeOptions } from './options.js';
import type { Host } from './p2p/host.js';
import { parseEnvelopes, parseHeads } from './p2p/messages.js';
import { callRpc } from './p2p/rpc.js';
import { protocolIds } from './p2p/wire.js';
import type { RecoveryPeers } from './recovery.js';

/** Member ids of the connected peers that are members of the current epoch. */
export function connectedMembers(host: Host, ledger: Ledger): string[] {
  const byPeer = new Map(ledger.config.members.map((m) => [m.peer, m.id]));
  return host.getPeers().flatMap((p) => byPeer.get(p.toString()) ?? []);
}

/** Recovery's questions over the sync protocol (§7): `heads`, then `range` of the own log. */
export function libp2pRecoveryPeers(host: Host, ledger: Ledger, opts: NodeOptions, learnConfigs: (peer: PeerId) => Promise<void>): RecoveryPeers {
  const ids = protocolIds(ledger.net);
  const rpc = { maxBytes: opts.maxMessageBytes, timeoutMs: opts.requestTimeoutMs };
  const peerOf = (member: string) => {
    const m = [...ledger.chain].reverse().flatMap((c) => c.config.members).find((x) => x.id === member);
    if (!m) throw new Error(`${member} is not a member`);
    return peerIdFromString(m.peer);
  };
  return {
    async heads(member) {
      const peer = peerOf(member);
      // A lost store also lost the later epochs: learn them first, so the own records of those epochs validate.
      await learnConfigs(peer);
      return parseHeads(await callRpc(host, peer, ids.sync, { t: 'heads', sizes: {} }, rpc));
    },
    async range(member, author, from) {
      const res = await callRpc(host, peerOf(member), ids.sync, { t: 'range', author, from, limit: opts.syncMaxRecords }, rpc);
      return parseEnvelopes(res, opts.syncMaxRecords);
    },
  };
}
