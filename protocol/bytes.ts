import { fail } from './errors.js';

const HEX = '0123456789abcdef';
const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const v = b[i]!;
    s += HEX[v >> 4]! + HEX[v & 15]!;
  }
  return s;
}

/** Lowercase hex only: hashes in text are lowercase (PROTOCOL.md §2). */
export function fromHex(s: string, what = 'hex'): Uint8Array {
  if (typeof s !== 'string' || !HEX_RE.test(s)) fail('HEX_INVALID', `${what}: not lowercase hex`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A 32-byte hash in lowercase hex (64 characters). */
export function fromHex32(s: string, what = 'hash'): Uint8Array {
  if (typeof s !== 'string' || s.length !== 64) fail('HEX_INVALID', `${what}: expected 64 lowercase hex characters`);
  return fromHex(s, what);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648 §4) with padding. */
export function toBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return s;
}

/**
 * Strict standard base64: padding required, no whitespace, and the unused
 * low bits of the last character must be zero so each byte string has
 * exactly one text form (signed formats must not be malleable).
 */
export function fromBase64(s: string, what = 'base64'): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) fail('BASE64_INVALID', `${what}: not padded standard base64`);
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const v: number[] = [];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        if (c !== 61) fail('BASE64_INVALID', `${what}: bad padding`);
        v.push(0);
        continue;
      }
      const x = c < 128 ? B64_LOOKUP[c]! : -1;
      if (x < 0) fail('BASE64_INVALID', `${what}: invalid character`);
      v.push(x);
    }
    const n = (v[0]! << 18) | (v[1]! << 12) | (v[2]! << 6) | v[3]!;
    if (last && pad === 2 && (n & 0xffff) !== 0) fail('BASE64_INVALID', `${what}: non-canonical trailing bits`);
    if (last && pad === 1 && (n & 0xff) !== 0) fail('BASE64_INVALID', `${what}: non-canonical trailing bits`);
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** utf8(s).length without encoding: 1 to 3 bytes a code unit, 4 a surrogate pair, 3 a lone surrogate (written as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function fromUtf8(b: Uint8Array, what = 'text'): string {
  try {
    return dec.decode(b);
  } catch {
    return fail('UTF8_INVALID', `${what}: invalid UTF-8`);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise lexicographic order (shorter first when one is a prefix). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/** Plain Uint8Array view (cbor-x and node return Buffer subclasses). */
export function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const hi = Math.floor(n / 2 ** 32);
  const lo = n >>> 0;
  new DataView(out.buffer).setUint32(0, hi);
  new DataView(out.buffer).setUint32(4, lo);
  return out;
}

export function readU64be(b: Uint8Array, off = 0): number {
  const dv = new DataView(b.buffer, b.byteOffset + off, 8);
  const hi = dv.getUint32(0);
  if (hi >= 2 ** 21) fail('LIMIT_EXCEEDED', 'integer above 2^53');
  return hi * 2 ** 32 + dv.getUint32(4);
}
