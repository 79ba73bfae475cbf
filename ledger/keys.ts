import { concat, fromUtf8, readU64be, u64be, utf8 } from '../protocol/bytes.js';

/**
 * Key layout. Integers are big-endian so LevelDB's bytewise order is numeric
 * order; names end in 0x00, which no member, actor or kind name contains, so
 * one name's keys never interleave with another's.
 */
const SEP = Uint8Array.of(0);

export function nameKey(name: string): Uint8Array {
  return concat(utf8(name), SEP);
}

/** (author, n): a record seq, a stored-hash index or a checkpoint size. */
export function logKey(author: string, n: number): Uint8Array {
  return concat(utf8(author), SEP, u64be(n));
}

export function parseLogKey(key: Uint8Array): { author: string; n: number } {
  const i = key.indexOf(0);
  return { author: fromUtf8(key.subarray(0, i)), n: readU64be(key, i + 1) };
}

/** Range bounds covering every logKey of `author`. */
export function logRange(author: string, from = 0, to = Number.MAX_SAFE_INTEGER): { gte: Uint8Array; lte: Uint8Array } {
  return { gte: logKey(author, from), lte: logKey(author, to) };
}

/** (a, b, n) keys: actors per author, records per actor, records per kind. */
export function pairKey(a: string, b: string, n: number): Uint8Array {
  return concat(utf8(a), SEP, utf8(b), SEP, u64be(n));
}

export function pairRange(a: string, b: string, from = 0, to = Number.MAX_SAFE_INTEGER): { gte: Uint8Array; lte: Uint8Array } {
  return { gte: pairKey(a, b, from), lte: pairKey(a, b, to) };
}

export function parsePairKey(k: Uint8Array): { a: string; b: string; n: number } {
  const i = k.indexOf(0);
  const j = k.indexOf(0, i + 1);
  return { a: fromUtf8(k.subarray(0, i)), b: fromUtf8(k.subarray(i + 1, j)), n: readU64be(k, j + 1) };
}

/** Range over every (a, *, *) pair key. */
export function prefixRange(a: string): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: concat(utf8(a), SEP), lt: concat(utf8(a), Uint8Array.of(1)) };
}

export function u64Key(n: number): Uint8Array {
  return u64be(n);
}
