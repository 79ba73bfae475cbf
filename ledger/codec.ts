import { decodeCanonical, decodeOwn, encodeCanonical, isMap, type CborValue } from '../protocol/cbor.js';
import { readU64be, u64be } from '../protocol/bytes.js';
import type { LogHead } from '../protocol/records/rules.js';
import { LedgerError } from './errors.js';

/** Stored values are canonical CBOR too, so a flipped byte is caught on read. */
export function encodeValue(v: CborValue): Uint8Array {
  return encodeCanonical(v);
}

export function decodeValue(bytes: Uint8Array, what: string): Record<string, CborValue | undefined> {
  try {
    const v = decodeCanonical(bytes);
    if (!isMap(v)) throw new Error('not a map');
    return v;
  } catch (e) {
    throw new LedgerError('CORRUPT', `stored ${what} is corrupt: ${(e as Error).message}`);
  }
}

/**
 * A value of a derived index, rebuilt from the records if lost (the case summaries, read by the thousand at a
 * day boundary): decoded without the canonical re-encoding; the caller checks its shape and `plain`s its bytes.
 */
export function decodeIndexValue(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const v = decodeOwn(bytes);
    if (!isMap(v)) throw new Error('not a map');
    return v;
  } catch (e) {
    throw new LedgerError('CORRUPT', `stored ${what} is corrupt: ${(e as Error).message}`);
  }
}

export function encodeHead(h: LogHead): Uint8Array {
  return encodeValue({ seq: h.seq, id: h.id, epoch: h.epoch, ts: h.ts });
}

export function decodeHead(bytes: Uint8Array, author: string): LogHead {
  const v = decodeValue(bytes, `head of ${author}`);
  const ok = typeof v.seq === 'number' && v.id instanceof Uint8Array && v.id.length === 32 && typeof v.epoch === 'number' && typeof v.ts === 'number';
  if (!ok) throw new LedgerError('CORRUPT', `stored head of ${author} is corrupt`);
  return { seq: v.seq as number, id: v.id as Uint8Array, epoch: v.epoch as number, ts: v.ts as number };
}

export function encodeSeq(n: number): Uint8Array {
  return u64be(n);
}

export function decodeSeq(b: Uint8Array): number {
  if (b.length !== 8) throw new LedgerError('CORRUPT', 'stored integer is corrupt');
  return readU64be(b);
}
