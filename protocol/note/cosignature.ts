import { concat, equalBytes, readU64be, u64be, utf8 } from '../bytes.js';
import { verify } from '../crypto.js';
import { fail } from '../errors.js';
import { isKeyName, keyId, KEY_TYPE_COSIGNATURE } from '../keys.js';
import { asSigner, requireAlg, type SigningKey } from '../signer.js';
import { parseCheckpoint } from './checkpoint.js';
import type { Ed25519Check, Signature } from './note.js';

/** c2sp.org/tlog-cosignature v1, Ed25519 (signature type 0x04). */
const SIG_BYTES = 8 + 64;

/** The signed message: header line, time line, then the checkpoint text. */
export function cosignatureMessage(checkpointText: string, time: number): Uint8Array {
  if (!Number.isSafeInteger(time) || time < 0) fail('COSIGNATURE_INVALID', 'time must be an integer number of seconds in [0, 2^53)');
  return utf8(`cosignature/v1\ntime ${time}\n${checkpointText}`);
}

/** Cosign a checkpoint text (which must parse) at `time` (POSIX seconds). */
export function cosign(checkpointText: string, name: string, key: SigningKey, time: number): Signature {
  parseCheckpoint(checkpointText);
  if (!isKeyName(name)) fail('COSIGNATURE_INVALID', `invalid key name ${JSON.stringify(name)}`);
  const msg = cosignatureMessage(checkpointText, time);
  const signer = requireAlg(asSigner(key), 'ed25519', 'a cosignature');
  return { name, keyId: keyId(name, KEY_TYPE_COSIGNATURE, signer.publicKey), sig: concat(u64be(time), signer.sign(msg)) };
}

/**
 * The (unverified) timestamp of a cosignature. Times of 2^53 s and above are
 * valid for the spec (up to 2^63-1) but are refused here: no honest witness
 * writes a date hundreds of millions of years ahead.
 */
export function cosignatureTime(sig: Signature): number {
  if (sig.sig.length !== SIG_BYTES) fail('COSIGNATURE_INVALID', `cosignature must be ${SIG_BYTES} bytes after the key id`);
  try {
    return readU64be(sig.sig, 0);
  } catch {
    return fail('COSIGNATURE_INVALID', 'cosignature time is 2^53 or more');
  }
}

/** The Ed25519 check that decides whether `sig` is a cosignature by (name, pub) of `checkpointText`, and the time it claims; undefined when its name, key id, length or time already rule it out. */
export function cosignatureCheck(checkpointText: string, sig: Signature, vkey: { name: string; pub: Uint8Array }): { check: Ed25519Check; time: number } | undefined {
  if (sig.name !== vkey.name || sig.sig.length !== SIG_BYTES) return undefined;
  if (!equalBytes(sig.keyId, keyId(vkey.name, KEY_TYPE_COSIGNATURE, vkey.pub))) return undefined;
  let time: number;
  try {
    time = cosignatureTime(sig);
  } catch {
    return undefined;
  }
  return { check: [vkey.pub, cosignatureMessage(checkpointText, time), sig.sig.subarray(8)], time };
}

export function verifyCosignature(checkpointText: string, sig: Signature, vkey: { name: string; pub: Uint8Array }): { ok: true; time: number } | { ok: false } {
  const c = cosignatureCheck(checkpointText, sig, vkey);
  if (!c || !verify(...c.check)) return { ok: false };
  return { ok: true, time: c.time };
}
