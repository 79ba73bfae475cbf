import { compareBytes } from './bytes.js';
import type { CborValue } from './cbor-decode.js';
import { fail } from './errors.js';

/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding) of the types of
 * PROTOCOL.md §2, written in one pass into a reused buffer: shortest heads,
 * definite lengths, map keys in canonical order (by UTF-8 length, then
 * bytewise), integers with |n| < 2^53, no floats. Object properties set to
 * undefined are omitted; anything else outside §2 is a CBOR_FORBIDDEN error
 * naming its path. It writes the bytes the encoder before it wrote (cbor-x
 * over maps sorted beforehand; test/unit/protocol/cbor-encode.property.test.ts
 * compares the two) without building a sorted copy of the value, so a record
 * costs a few µs instead of tens and leaves little garbage.
 *
 * Text is UTF-8 as TextEncoder writes it (a lone surrogate becomes U+FFFD):
 * the same bytes as before for all text, except lone surrogates in strings
 * shorter than 64 code units, which the old encoder wrote as invalid UTF-8
 * that no canonical decoder accepts.
 */
const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const MAX_DEPTH = 32;
const textEncoder = new TextEncoder();

/** Whether `s` is all ASCII: its UTF-16 length and order are then its UTF-8 length and order. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Canonical order of text keys: by UTF-8 length, then bytewise. */
export function compareKeys(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const ab = textEncoder.encode(a);
  const bb = textEncoder.encode(b);
  return ab.length - bb.length || compareBytes(ab, bb);
}

/** The output of one encoding, and the path to the value being written (for errors only). */
class Out {
  buf = new Uint8Array(4096);
  pos = 0;
  readonly path: (string | number)[] = [];

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** A head of major type `major` with argument `n` (0 ≤ n < 2^53), in its shortest form. */
  head(major: number, n: number): void {
    this.room(9);
    const b = this.buf;
    const m = major << 5;
    if (n < 24) b[this.pos++] = m | n;
    else if (n < 0x100) {
      b[this.pos++] = m | 24;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = m | 25;
      b[this.pos++] = n >>> 8;
      b[this.pos++] = n & 0xff;
    } else if (n < 0x100000000) {
      b[this.pos++] = m | 26;
      this.u32(n);
    } else {
      b[this.pos++] = m | 27;
      this.u32(Math.floor(n / 0x100000000));
      this.u32(n >>> 0);
    }
  }

  private u32(n: number): void {
    const b = this.buf;
    b[this.pos++] = n >>> 24;
    b[this.pos++] = (n >>> 16) & 0xff;
    b[this.pos++] = (n >>> 8) & 0xff;
    b[this.pos++] = n & 0xff;
  }

  bytes(v: Uint8Array): void {
    this.head(2, v.length);
    this.raw(v);
  }

  text(s: string): void {
    const n = s.length;
    const start = this.pos;
    // ASCII in one pass (the head's length is then the string's); anything else again, by TextEncoder.
    this.head(3, n);
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = start;
        return this.utf8Text(s);
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  private utf8Text(s: string): void {
    const u = textEncoder.encode(s);
    this.head(3, u.length);
    this.raw(u);
  }

  raw(u: Uint8Array): void {
    this.room(u.length);
    this.buf.set(u, this.pos);
    this.pos += u.length;
  }

  forbidden(what: string): never {
    let at = '$';
    for (const p of this.path) at += typeof p === 'number' ? `[${p}]` : `.${p}`;
    return fail('CBOR_FORBIDDEN', `${at}: ${what}`);
  }
}

function write(o: Out, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) o.forbidden('nested too deep');
  switch (typeof v) {
    case 'string':
      o.text(v);
      return;
    case 'number':
      if (!Number.isInteger(v) || Math.abs(v) > MAX_SAFE) o.forbidden('only integers with |n| < 2^53 are allowed');
      if (v >= 0) o.head(0, v);
      else o.head(1, -1 - v);
      return;
    case 'boolean':
      o.room(1);
      o.buf[o.pos++] = v ? 0xf5 : 0xf4;
      return;
    case 'object': {
      if (v === null) {
        o.room(1);
        o.buf[o.pos++] = 0xf6;
        return;
      }
      if (v instanceof Uint8Array) return o.bytes(v);
      if (Array.isArray(v)) {
        o.head(4, v.length);
        for (let i = 0; i < v.length; i++) {
          o.path.push(i);
          write(o, v[i], depth + 1);
          o.path.pop();
        }
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return writeMap(o, v as Record<string, unknown>, depth);
      break;
    }
  }
  o.forbidden(`${v === undefined ? 'undefined' : typeof v} cannot be encoded`);
}

function writeMap(o: Out, v: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(v);
  let n = 0;
  let sorted = true;
  // Keep the defined ones, in place; most maps (decoded ones, schema objects) are in canonical order already.
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (v[k] === undefined) continue;
    if (n > 0 && sorted && compareKeys(keys[n - 1]!, k) > 0) sorted = false;
    keys[n++] = k;
  }
  keys.length = n;
  if (!sorted) keys.sort(compareKeys);
  o.head(5, n);
  for (const k of keys) {
    o.text(k);
    o.path.push(k);
    write(o, v[k], depth + 1);
    o.path.pop();
  }
}

/**
 * The fields a map of one shape may have (a record's), in canonical order, worked out once; `nested` gives
 * the shape of a field that is itself such a map. A map with a field outside it is written the general way.
 */
export class KeyOrder {
  readonly keys: string[];
  /** Each key's canonical encoding, written as is. */
  readonly encoded: Uint8Array[];
  private readonly known: Set<string>;

  constructor(
    fields: string[],
    readonly nested: { [field: string]: KeyOrder } = {},
  ) {
    this.keys = [...fields].sort(compareKeys);
    this.encoded = this.keys.map((k) => encodeCanonicalValue(k));
    this.known = new Set(fields);
  }

  /** Whether every own enumerable key of `v` is one of the fields (so writing them in this order is canonical). */
  fits(v: object): boolean {
    for (const k in v) if (!this.known.has(k) || !Object.hasOwn(v, k)) return false;
    return true;
  }
}

function writeShaped(o: Out, v: unknown, order: KeyOrder, depth: number): void {
  const proto = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
  if (depth > MAX_DEPTH || (proto !== Object.prototype && proto !== null) || !order.fits(v as object)) return write(o, v, depth);
  const m = v as Record<string, unknown>;
  let n = 0;
  for (const k of order.keys) if (m[k] !== undefined) n++;
  o.head(5, n);
  for (let i = 0; i < order.keys.length; i++) {
    const k = order.keys[i]!;
    const x = m[k];
    if (x === undefined) continue;
    o.raw(order.encoded[i]!);
    o.path.push(k);
    const inner = order.nested[k];
    if (inner) writeShaped(o, x, inner, depth + 1);
    else write(o, x, depth + 1);
    o.path.pop();
  }
}

/** The shared output, reset by each encoding; a nested call (from a getter) gets its own. */
let shared: Out | undefined = new Out();

/** Runs `fn` on the shared output (its first `reserve` bytes left to the caller), then `use` on what it wrote. */
function encodeWith<T>(fn: (o: Out) => void, use: (buf: Uint8Array, end: number) => T, reserve = 0): T {
  const o = shared ?? new Out();
  shared = undefined;
  o.pos = reserve;
  o.path.length = 0;
  try {
    fn(o);
    return use(o.buf, o.pos);
  } finally {
    // A buffer grown for one large value is not kept.
    shared = o.buf.length > 1 << 20 ? new Out() : o;
  }
}

const copyOut = (buf: Uint8Array, end: number): Uint8Array => buf.slice(0, end);

/** Encode a value in canonical form. Object properties set to undefined are omitted. */
export function encodeCanonicalValue(value: CborValue): Uint8Array {
  return encodeWith((o) => write(o, value, 0), copyOut);
}

/**
 * The same bytes as encodeCanonicalValue(value), for a map expected to have the fields of `order`: they are
 * written in that order without sorting (a map that does not fit is sorted as usual).
 */
export function encodeCanonicalShaped(value: CborValue, order: KeyOrder): Uint8Array {
  return encodeWith((o) => writeShaped(o, value, order, 0), copyOut);
}

/**
 * encodeCanonicalShaped without its copy: `use` gets the shared buffer, whose bytes [reserve, end) are the
 * encoding and whose first `reserve` bytes are the caller's to fill (a hash prefix). The buffer is valid only
 * during `use`: whatever outlives it must be copied out.
 */
export function withCanonicalShaped<T>(value: CborValue, order: KeyOrder, reserve: number, use: (buf: Uint8Array, end: number) => T): T {
  return encodeWith((o) => writeShaped(o, value, order, 0), use, reserve);
}
