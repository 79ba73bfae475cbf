import { base58Decode, base58Encode } from './base58.js';
import { concat, equalBytes, fromBase64, toBase64, toHex, utf8 } from './bytes.js';
import { checkEnrollableKey, sha256 } from './crypto.js';
import { fail } from './errors.js';

/** C2SP signed-note key types. */
export const KEY_TYPE_ED25519 = 0x01;
export const KEY_TYPE_COSIGNATURE = 0x04;

/** Key names in notes: non-empty, no Unicode spaces, no '+'. */
export function isKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !/[\p{Cc}]/u.test(name);
}

/** key id = SHA-256(name || 0x0A || type || pub)[:4], as Go's sumdb/note and C2SP say. */
export function keyId(name: string, type: number, pub: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), Uint8Array.of(0x0a, type), pub)).subarray(0, 4);
}

export interface Vkey {
  name: string;
  type: number;
  keyId: Uint8Array;
  pub: Uint8Array;
}

export function formatVkey(name: string, pub: Uint8Array, type = KEY_TYPE_ED25519): string {
  if (!isKeyName(name)) fail('VKEY_INVALID', `invalid key name: ${JSON.stringify(name)}`);
  if (pub.length !== 32) fail('VKEY_INVALID', 'public key must be 32 bytes');
  return `${name}+${toHex(keyId(name, type, pub))}+${toBase64(concat(Uint8Array.of(type), pub))}`;
}

/** Parse a vkey of type 0x01 or 0x04 and check its key id. */
export function parseVkey(text: string): Vkey {
  if (typeof text !== 'string') fail('VKEY_INVALID', 'vkey must be a string');
  // Split at the first two '+' only: the base64 key may itself contain '+'.
  const i = text.indexOf('+');
  const j = i < 0 ? -1 : text.indexOf('+', i + 1);
  if (i < 0 || j < 0) fail('VKEY_INVALID', 'vkey must be <name>+<keyid>+<key>');
  const [name, idHex, keyB64] = [text.slice(0, i), text.slice(i + 1, j), text.slice(j + 1)];
  if (!isKeyName(name)) fail('VKEY_INVALID', 'vkey has an invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) fail('VKEY_INVALID', 'vkey key id must be 8 lowercase hex digits');
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64, 'vkey key');
  } catch {
    return fail('VKEY_INVALID', 'vkey key is not base64');
  }
  if (raw.length !== 33) fail('VKEY_INVALID', 'vkey key must be a type byte and 32 bytes');
  const type = raw[0]!;
  if (type !== KEY_TYPE_ED25519 && type !== KEY_TYPE_COSIGNATURE) fail('VKEY_INVALID', `unsupported vkey type 0x${type.toString(16)}`);
  const pub = raw.subarray(1);
  const id = keyId(name, type, pub);
  if (toHex(id) !== idHex) fail('VKEY_INVALID', 'vkey key id does not match the key');
  return { name, type, keyId: id, pub: new Uint8Array(pub) };
}

// libp2p PublicKey protobuf for Ed25519: field 1 (type) = 1, field 2 (data) = 32 bytes,
// wrapped in an identity multihash (code 0x00, length 36).
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);

/** libp2p peer id (base58btc, "12D3KooW…") of an Ed25519 public key. */
export function peerIdOf(pub: Uint8Array): string {
  if (pub.length !== 32) fail('KEY_INVALID', 'Ed25519 public key must be 32 bytes');
  return base58Encode(concat(PEER_ID_PREFIX, pub));
}

/** Public key inside an Ed25519 peer id; other key types are refused. */
export function peerIdPublicKey(peerId: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = base58Decode(peerId, 'peer id');
  } catch {
    return fail('KEY_INVALID', 'peer id is not base58btc');
  }
  if (raw.length !== 38 || !equalBytes(raw.subarray(0, 6), PEER_ID_PREFIX)) {
    fail('KEY_INVALID', 'peer id must be an Ed25519 identity peer id (12D3KooW…)');
  }
  return raw.subarray(6);
}

export function isPeerId(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try {
    checkEnrollableKey(peerIdPublicKey(s), 'peer id key');
    return true;
  } catch {
    return false;
  }
}
