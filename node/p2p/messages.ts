import { isMap, type CborMap } from '../../protocol/cbor.js';
import { isMemberId } from '../../protocol/names.js';
import { isUint, WireError } from './wire.js';

/** sync: `{t: "range", author, from, limit}` → `{envelopes: [bstr]}`. */
export interface RangeRequest {
  t: 'range';
  author: string;
  from: number;
  limit: number;
}

/** sync: `{t: "heads", sizes: {author: size}}` → `{heads: [Head]}`. */
export interface HeadsRequest {
  t: 'heads';
  sizes: Record<string, number>;
}

/** What a peer holds of one log, with its root at a size both sides hold, to spot forks. */
export interface Head {
  author: string;
  size: number;
  rootSize: number;
  root: Uint8Array;
  note?: string;
}

export function parseSyncRequest(m: CborMap, maxRecords: number): RangeRequest | HeadsRequest {
  if (m.t === 'range') {
    if (!isMemberId(m.author) || !isUint(m.from) || !isUint(m.limit) || m.limit === 0 || m.limit > maxRecords) {
      throw new WireError(`range request needs author, from and 1 ≤ limit ≤ ${maxRecords}`);
    }
    return { t: 'range', author: m.author, from: m.from, limit: m.limit };
  }
  if (m.t === 'heads') {
    if (!isMap(m.sizes) || Object.keys(m.sizes).length > 1000) throw new WireError('heads request needs sizes');
    const sizes: Record<string, number> = {};
    for (const [k, v] of Object.entries(m.sizes)) {
      if (!isMemberId(k) || !isUint(v)) throw new WireError('heads request sizes must map member ids to sizes');
      sizes[k] = v;
    }
    return { t: 'heads', sizes };
  }
  throw new WireError('unknown sync request');
}

export function parseHeads(m: CborMap): Head[] {
  if (!Array.isArray(m.heads) || m.heads.length > 1000) throw new WireError('heads response needs heads');
  return m.heads.map((h) => {
    if (!isMap(h) || !isMemberId(h.author) || !isUint(h.size) || !isUint(h.rootSize) || !(h.root instanceof Uint8Array) || h.root.length !== 32) {
      throw new WireError('malformed head');
    }
    if (h.note !== undefined && typeof h.note !== 'string') throw new WireError('malformed head note');
    return { author: h.author, size: h.size, rootSize: h.rootSize, root: h.root, note: h.note as string | undefined };
  });
}

export function parseEnvelopes(m: CborMap, maxRecords: number): Uint8Array[] {
  if (!Array.isArray(m.envelopes) || m.envelopes.length > maxRecords || !m.envelopes.every((e) => e instanceof Uint8Array)) {
    throw new WireError('range response needs envelopes');
  }
  return m.envelopes as Uint8Array[];
}

/** witness: `{note}` (a checkpoint note signed by its author) → `{note?}` (what the witness holds for that size, cosigned if it could). */
export function parseNoteMessage(m: CborMap, what: string): { note?: string } {
  const keys = Object.keys(m);
  if (keys.some((k) => k !== 'note') || (m.note !== undefined && typeof m.note !== 'string')) throw new WireError(`${what} must be {note: text}`);
  return { note: m.note as string | undefined };
}

/**
 * witness request: \`{note, from?, envelopes?}\`. \`envelopes\`: the author's
 * records from seq \`from\` up to the note's size, those the witness is
 * likely to lack, so it need not fetch them before it can cosign (each is
 * validated as any peer's record).
 */
export interface WitnessRequest {
  note: string;
  from?: number;
  envelopes?: Uint8Array[];
}

export function parseWitnessRequest(m: CborMap, maxRecords: number): WitnessRequest {
  const keys = Object.keys(m);
  if (typeof m.note !== 'string' || keys.some((k) => k !== 'note' && k !== 'from' && k !== 'envelopes')) throw new WireError('witness request must be {note: text, from?: uint, envelopes?: [bstr]}');
  if (m.envelopes === undefined && m.from === undefined) return { note: m.note };
  if (!isUint(m.from) || !Array.isArray(m.envelopes) || m.envelopes.length === 0 || m.envelopes.length > maxRecords || !m.envelopes.every((e) => e instanceof Uint8Array)) {
    throw new WireError(`witness request records need from and 1 to ${maxRecords} envelopes`);
  }
  return { note: m.note, from: m.from, envelopes: m.envelopes as Uint8Array[] };
}

/** Gossip on the heads topic: a checkpoint note, or fork evidence. */
export type HeadsMessage = { note: string } | { fork: { author: string; a: Uint8Array; b: Uint8Array } };

export function parseHeadsMessage(m: CborMap): HeadsMessage {
  if (typeof m.note === 'string' && Object.keys(m).length === 1) return { note: m.note };
  const f = m.fork;
  if (isMap(f) && isMemberId(f.author) && f.a instanceof Uint8Array && f.b instanceof Uint8Array && Object.keys(m).length === 1) {
    return { fork: { author: f.author, a: f.a, b: f.b } };
  }
  throw new WireError('unknown heads message');
}
