import { concat, equalBytes, toHex, utf8 } from '../bytes.js';
import { verify } from '../crypto.js';
import { asSigner, type SigningKey } from '../signer.js';
import { ProtocolError, fail } from '../errors.js';
import { configId, decodeConfig, memberOf, type Config } from './config.js';

const GOVERNANCE_PREFIX = utf8('tongban/v1/governance\x00');

/** The message a member's ledger key signs to approve config `id` (§3). */
export function governanceMessage(id: Uint8Array): Uint8Array {
  if (id.length !== 32) fail('CONFIG_INVALID', 'config id must be 32 bytes');
  return concat(GOVERNANCE_PREFIX, id);
}

export interface Approval {
  member: string;
  sig: Uint8Array;
}

export function approveConfig(id: Uint8Array, ledgerKey: SigningKey): Uint8Array {
  return asSigner(ledgerKey).sign(governanceMessage(id));
}

/** A config with the approvals that admitted it (none for epoch 0). */
export interface SignedConfig {
  bytes: Uint8Array;
  approvals: Approval[];
}

export interface VerifiedConfig {
  config: Config;
  id: Uint8Array;
  bytes: Uint8Array;
  approvals: Approval[];
}

function chainError(epoch: number, msg: string): never {
  throw new ProtocolError('CONFIG_CHAIN', `epoch ${epoch}: ${msg}`, `epoch ${epoch}`);
}

/**
 * Check the link of a proposed successor of `prev` (§4): prev id, epoch + 1,
 * same consortium. Approvals are not looked at.
 */
export function checkSuccessorLink(prev: VerifiedConfig, bytes: Uint8Array): { config: Config; id: Uint8Array } {
  const config = decodeConfig(bytes);
  const id = configId(bytes);
  const e = config.epoch;
  if (e !== prev.config.epoch + 1) chainError(e, `expected epoch ${prev.config.epoch + 1}`);
  if (!config.prev || !equalBytes(config.prev, prev.id)) chainError(e, 'prev is not the id of the previous config');
  if (config.consortium !== prev.config.consortium) chainError(e, 'consortium name changed');
  return { config, id };
}

/**
 * Check that `next` is a valid successor of `prev` (§4): its link, and at
 * least quorum.governance distinct members of `prev` signed its id. Every
 * listed approval must verify (a bad one is an error, not ignored), so a
 * bundle cannot smuggle junk.
 */
export function checkSuccessor(prev: VerifiedConfig, next: SignedConfig): VerifiedConfig {
  const { config, id } = checkSuccessorLink(prev, next.bytes);
  const e = config.epoch;
  const seen = new Set<string>();
  for (const a of next.approvals) {
    const m = memberOf(prev.config, a.member);
    if (!m) chainError(e, `approval by ${a.member}, not a member of epoch ${prev.config.epoch}`);
    if (seen.has(a.member)) chainError(e, `duplicate approval by ${a.member}`);
    if (!(a.sig instanceof Uint8Array) || !verify(m.key, governanceMessage(id), a.sig)) chainError(e, `approval signature of ${a.member} does not verify`);
    seen.add(a.member);
  }
  if (seen.size < prev.config.quorum.governance) {
    chainError(e, `${seen.size} approvals, quorum is ${prev.config.quorum.governance}`);
  }
  return { config, id, bytes: next.bytes, approvals: next.approvals };
}

/** Verify a chain of configs from the trust anchor `net` (the epoch-0 id). */
export function verifyConfigChain(net: Uint8Array, chain: SignedConfig[]): VerifiedConfig[] {
  if (chain.length === 0) fail('CONFIG_CHAIN', 'no configs');
  const first = chain[0]!;
  const id0 = configId(first.bytes);
  if (!equalBytes(id0, net)) fail('CONFIG_CHAIN', `epoch 0 config id ${toHex(id0)} is not the network id ${toHex(net)}`);
  const config0 = decodeConfig(first.bytes);
  if (config0.epoch !== 0) chainError(config0.epoch, 'the first config must be epoch 0');
  if (first.approvals.length !== 0) chainError(0, 'epoch 0 carries no approvals');
  const out: VerifiedConfig[] = [{ config: config0, id: id0, bytes: first.bytes, approvals: [] }];
  for (let i = 1; i < chain.length; i++) out.push(checkSuccessor(out[i - 1]!, chain[i]!));
  return out;
}
