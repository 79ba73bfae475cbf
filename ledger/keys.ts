import { concat, fromUtf8, readU64be, u64be, utf8 } from '../protocol/bytes.js';

/**
 * Key layout. Integers are big-endian so LevelDB's bytewise order is numeric
 * order; names end in 0x00, which no member, actor or kind name contains, so
 * one name's keys never interleave with another's.
 */
const SEP = Uint8Array.of(0);

// Names (members, actors, kinds) are few and repeat in every key of every record: encode each once.
const NAMES_CACHED = 4096;
const nameBytes = new Map<string, Uint8Array>();
function named(name: string): Uint8Array {
  let b = nameBytes.get(name);
  if (!b) {
    if (nameBytes.size >= NAMES_CACHED) nameBytes.clear();
    nameBytes.set(name, (b = utf8(name)));
  }
  return b;
}

/** name 0x00 [name 0x00] u64be(n), in one allocation (keys are built for every index entry of every record). */
function keyOf(a: Uint8Array, b: Uint8Array | undefined, n: number): Uint8Array {
  const head = a.length + 1 + (b ? b.length + 1 : 0);
  const out = new Uint8Array(head + 8);
  out.set(a, 0);
  if (b) out.set(b, a.length + 1);
  const hi = Math.floor(n / 2 ** 32);
  const lo = n >>> 0;
  out[head] = hi >>> 24;
  out[head + 1] = (hi >>> 16) & 255;
  out[head + 2] = (hi >>> 8) & 255;
  out[head + 3] = hi & 255;
  out[head + 4] = lo >>> 24;
  out[head + 5] = (lo >>> 16) & 255;
  out[head + 6] = (lo >>> 8) & 255;
  out[head + 7] = lo & 255;
  return out;
}

export function nameKey(name: string): Uint8Array {
  return concat(named(name), SEP);
}

/** (author, n): a record seq, a stored-hash index or a checkpoint size. */
export function logKey(author: string, n: number): Uint8Array {
  return keyOf(named(author), undefined, n);
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
  return keyOf(named(a), named(b), n);
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

/** A nonce as an in-memory Set key: one char per byte, as exact as hex and cheaper to build (not a store key). */
export function nonceSetKey(nonce: Uint8Array): string {
  return String.fromCharCode.apply(null, nonce as unknown as number[]);
}
