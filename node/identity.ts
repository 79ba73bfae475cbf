import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { equalBytes, toHex } from '../protocol/bytes.js';
import type { Config } from '../protocol/config/config.js';
import { AppendRefused } from './append-refused.js';

/** The node's keys are not the ones its config names for its member id: it would sign what no peer accepts, or be refused by every gater. */
export class IdentityMismatch extends Error {
  readonly code = 'IDENTITY_MISMATCH';
  constructor(
    readonly which: 'ledger key' | 'peer id',
    message: string,
  ) {
    super(message);
    this.name = 'IdentityMismatch';
  }
}

/** The peer id a peer-key seed gives (as libp2p derives it). */
export async function peerIdOfSeed(peerSeed: Uint8Array): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', peerSeed)).toString();
}

/**
 * Check the node's ledger key and peer id against the newest config that
 * names `memberId` (none names it before it is admitted: nothing to check).
 * `ledgerKey` is the public key the node signs with (its signer's). With
 * `rotating` (the operator restarted the node with the keys a proposed epoch
 * names, docs/KEY-ROTATION.md) keys that differ are let through: the node
 * then signs and cosigns nothing until an adopted epoch names them
 * (`keyRefusal`).
 */
export async function checkIdentity(chain: readonly { config: Config }[], memberId: string, ledgerKey: Uint8Array, peerSeed: Uint8Array, rotating = false): Promise<void> {
  if (rotating) return;
  const found = [...chain].reverse().find((c) => c.config.members.some((m) => m.id === memberId));
  const m = found?.config.members.find((x) => x.id === memberId);
  if (!m) return;
  const epoch = found!.config.epoch;
  const key = ledgerKey;
  if (!equalBytes(key, m.key)) {
    throw new IdentityMismatch(
      'ledger key',
      `the ledger key (public key ${toHex(key)}) is not the one epoch ${epoch} names for member ${memberId} (${toHex(m.key)}): check ledgerKey in node.yaml (new keys, named by an epoch not yet adopted here: start with --rotated-keys)`,
    );
  }
  const peer = await peerIdOfSeed(peerSeed);
  if (peer !== m.peer) {
    throw new IdentityMismatch(
      'peer id',
      `the peer key gives peer id ${peer}, but epoch ${epoch} names ${m.peer} for member ${memberId}: check peerKey in node.yaml (new keys, named by an epoch not yet adopted here: start with --rotated-keys)`,
    );
  }
}

/**
 * Why this node may not sign or cosign now because of its keys: the adopted
 * epoch names other keys for its member. After a rotation is adopted a node
 * still holding the old keys would sign records no peer accepts (it must be
 * restarted with the new ones); a node restarted with the new keys waits
 * until it has adopted the epoch that names them.
 */
export function keyRefusal(config: Config, memberId: string, ledgerKey: Uint8Array, peerId: string): AppendRefused | undefined {
  const m = config.members.find((x) => x.id === memberId);
  if (!m) return undefined;
  const what = !equalBytes(m.key, ledgerKey)
    ? `ledger key ${toHex(m.key).slice(0, 16)}…, this node signs with ${toHex(ledgerKey).slice(0, 16)}…`
    : m.peer !== peerId
      ? `peer id ${m.peer}, this node is ${peerId}`
      : undefined;
  if (!what) return undefined;
  return new AppendRefused(
    'KEY_ROTATION',
    `epoch ${config.epoch} names ${what} for ${memberId}: restart with the keys epoch ${config.epoch} names (node.yaml ledgerKey and peerKey), or, restarted with new keys, wait until the epoch that names them is adopted here`,
  );
}
