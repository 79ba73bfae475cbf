import { fromHex32 } from '../bytes.js';
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

/**
 * RFC 6962 root of the empty tree, SHA-256(""). Shared: copy before mutating. Written out, not computed: at load
 * no backend is chosen yet, so hashing here ran SHA-256 in cold JavaScript in every process (the CLI's start-up).
 */
export const EMPTY_ROOT: Uint8Array = fromHex32('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
