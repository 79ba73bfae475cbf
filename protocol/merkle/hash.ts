import { sha256 } from '../crypto.js';

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const b = new Uint8Array(1 + data.length);
  b.set(data, 1);
  return sha256(b);
}

/** RFC 6962 interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const b = new Uint8Array(1 + left.length + right.length);
  b[0] = 0x01;
  b.set(left, 1);
  b.set(right, 1 + left.length);
  return sha256(b);
}

/** RFC 6962 root of the empty tree, SHA-256(""). Shared: copy before mutating. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));
