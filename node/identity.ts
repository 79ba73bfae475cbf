import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { equalBytes, toHex } from '../protocol/bytes.js';
import type { Config } from '../protocol/config/config.js';

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
 * `ledgerKey` is the public key the node signs with (its signer's).
 */
export async function checkIdentity(chain: readonly { config: Config }[], memberId: string, ledgerKey: Uint8Array, peerSeed: Uint8Array): Promise<void> {
  const found = [...chain].reverse().find((c) => c.config.members.some((m) => m.id === memberId));
  const m = found?.config.members.find((x) => x.id === memberId);
  if (!m) return;
  const epoch = found!.config.epoch;
  const key = ledgerKey;
  if (!equalBytes(key, m.key)) {
    throw new IdentityMismatch('ledger key', `the ledger key (public key ${toHex(key)}) is not the one epoch ${epoch} names for member ${memberId} (${toHex(m.key)}): check ledgerKey in node.yaml`);
  }
  const peer = await peerIdOfSeed(peerSeed);
  if (peer !== m.peer) {
    throw new IdentityMismatch('peer id', `the peer key gives peer id ${peer}, but epoch ${epoch} names ${m.peer} for member ${memberId}: check peerKey in node.yaml`);
  }
}
