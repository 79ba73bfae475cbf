import { fail } from '../errors.js';

/**
 * The canonical bytes of the request a record's actor signed (§5.3), cut out
 * of the record's own canonical bytes instead of rebuilt with the encoder:
 * the record's net, author, kind, body, refs and its actor's nonce and at are
 * each already the canonical encoding of the same value, so the request's
 * encoding is those spans under the request's keys in canonical key order.
 * Equal to encodeRequest(requestOfRecord(decodeRecord(bytes))) for every
 * record that decodes (test/unit/protocol/request-bytes.test.ts); call it
 * only on bytes that did.
 */
export function requestBytesOfRecordBytes(bytes: Uint8Array): Uint8Array {
  const top = mapSpans(bytes, 0, TOP_KEYS);
  // top: net, body, kind, refs, actor, author (TOP_KEYS order), two numbers each; -1 when absent.
  if (top[8]! < 0) return fail('REQUEST_INVALID', 'record carries no actor');
  const inner = mapSpans(bytes, top[8]!, ACTOR_KEYS);
  // Canonical key order of the request: by length, then bytewise (body < kind < refs).
  const hasRefs = top[6]! >= 0;
  const spans = [inner[0]!, inner[1]!, top[0]!, top[1]!, top[2]!, top[3]!, top[4]!, top[5]!, top[6]!, top[7]!, inner[2]!, inner[3]!, top[10]!, top[11]!];
  const keys = [K_AT, K_NET, K_BODY, K_KIND, K_REFS, K_NONCE, K_AUTHOR];
  let n = 1 + K_V.length;
  for (let f = 0; f < keys.length; f++) {
    if (f === 4 && !hasRefs) continue;
    if (spans[2 * f]! < 0) return fail('REQUEST_INVALID', 'record lacks a field of its request');
    n += keys[f]!.length + spans[2 * f + 1]! - spans[2 * f]!;
  }
  const out = new Uint8Array(n);
  out[0] = hasRefs ? 0xa8 : 0xa7; // a map of 8 or 7 entries
  out.set(K_V, 1);
  let o = 1 + K_V.length;
  for (let f = 0; f < keys.length; f++) {
    if (f === 4 && !hasRefs) continue;
    const k = keys[f]!;
    out.set(k, o);
    o += k.length;
    const s = spans[2 * f]!;
    const e = spans[2 * f + 1]!;
    out.set(bytes.subarray(s, e), o);
    o += e - s;
  }
  return out;
}

/** A text key's canonical encoding (short ASCII keys only), followed for "v" by its value 1. */
function key(s: string): Uint8Array {
  return Uint8Array.from([0x60 + s.length, ...[...s].map((c) => c.charCodeAt(0))]);
}
const K_V = Uint8Array.from([...key('v'), 0x01]);
const K_AT = key('at');
const K_NET = key('net');
const K_BODY = key('body');
const K_KIND = key('kind');
const K_REFS = key('refs');
const K_NONCE = key('nonce');
const K_AUTHOR = key('author');

/** The argument of the head at `pos` and where the head ends. */
function head(b: Uint8Array, pos: number): [number, number] {
  const ai = b[pos]! & 31;
  if (ai < 24) return [ai, pos + 1];
  const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : fail('CBOR_INVALID', 'malformed CBOR head');
  if (pos + 1 + size > b.length) fail('CBOR_INVALID', 'malformed CBOR: unexpected end of input');
  let v = 0;
  for (let i = 1; i <= size; i++) v = v * 256 + b[pos + i]!;
  return [v, pos + 1 + size];
}

/** Where the item at `pos` ends. */
function itemEnd(b: Uint8Array, pos: number): number {
  if (pos >= b.length) fail('CBOR_INVALID', 'malformed CBOR: unexpected end of input');
  const major = b[pos]! >> 5;
  const [arg, at] = head(b, pos);
  if (major === 2 || major === 3) return at + arg;
  if (major === 4 || major === 5) {
    let p = at;
    for (let i = 0; i < (major === 5 ? 2 * arg : arg); i++) p = itemEnd(b, p);
    return p;
  }
  if (major === 6) return itemEnd(b, at);
  return at;
}

/** Keys looked up in a record and in its actor block, as the UTF-8 of each. */
const TOP_KEYS = ['net', 'body', 'kind', 'refs', 'actor', 'author'].map(utf8Of);
const ACTOR_KEYS = ['at', 'nonce'].map(utf8Of);

function utf8Of(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
}

/** For each of `keys`, the start and end of its value in the text-keyed map at `pos` (-1, -1 when absent). */
function mapSpans(b: Uint8Array, pos: number, keys: Uint8Array[]): Int32Array {
  if (b[pos]! >> 5 !== 5) fail('CBOR_INVALID', 'expected a map');
  const out = new Int32Array(2 * keys.length).fill(-1);
  const [n, start] = head(b, pos);
  let p = start;
  for (let i = 0; i < n; i++) {
    const [len, ks] = head(b, p);
    const end = itemEnd(b, ks + len);
    for (let k = 0; k < keys.length; k++) {
      const want = keys[k]!;
      if (want.length !== len) continue;
      let j = 0;
      while (j < len && b[ks + j] === want[j]) j++;
      if (j === len) {
        out[2 * k] = ks + len;
        out[2 * k + 1] = end;
        break;
      }
    }
    p = end;
  }
  return out;
}
