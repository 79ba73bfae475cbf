import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyKind, writeKeyFile } from '../../cli/keyfile.js';

/** A key file as `tongban` writes it; one already there is replaced (a test may put another member's key in place). */
export function keyFile(path: string, kind: KeyKind, seed: Uint8Array): void {
  rmSync(path, { force: true });
  writeKeyFile(path, kind, undefined, seed);
}

/** The files of a member's home in `dir`: its ledger and peer key files and the genesis (no node.yaml). */
export function memberHome(dir: string, member: { seed: Uint8Array; peerSeed: Uint8Array }, genesis: Uint8Array): void {
  mkdirSync(join(dir, 'keys'));
  keyFile(join(dir, 'keys/ledger.key'), 'ledger', member.seed);
  keyFile(join(dir, 'keys/peer.key'), 'peer', member.peerSeed);
  writeFileSync(join(dir, 'genesis.cbor'), genesis);
}
