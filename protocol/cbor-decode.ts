import { fail } from './errors.js';

/** The values of PROTOCOL.md §2's canonical CBOR (cbor.ts encodes them). */
export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | { [key: string]: CborValue | undefined };

export type CborMap = { [key: string]: CborValue | undefined };

/**
 * One-pass strict decoder for the canonical CBOR of PROTOCOL.md §2: it
 * accepts exactly the input that decoding, re-encoding canonically and
 * comparing bytes accepts (test/unit/protocol/cbor-decode.test.ts checks the
 * two against each other), without building the re-encoding. Shortest-form
 * heads, definite lengths, text keys in canonical order without duplicates,
 * valid UTF-8, integers with |n| < 2^53, true/false/null, depth ≤ 32.
 * Byte strings come back as copies, never views of the input.
 */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_DEPTH = 32;
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  /** Argument of a head with additional info `ai`: shortest form required. */
  arg(ai: number): number {
    const b = this.b;
    if (ai < 24) return ai;
    if (ai === 24) {
      this.need(1);
      const v = b[this.pos++]!;
      if (v < 24) nonCanonical();
      return v;
    }
    if (ai === 25) {
      this.need(2);
      const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
      this.pos += 2;
      if (v < 0x100) nonCanonical();
      return v;
    }
    if (ai === 26) {
      this.need(4);
      const v = b[this.pos]! * 0x1000000 + ((b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!);
      this.pos += 4;
      if (v < 0x10000) nonCanonical();
      return v;
    }
    if (ai === 27) {
      this.need(8);
      const hi = b[this.pos]! * 0x1000000 + ((b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!);
      const lo = b[this.pos + 4]! * 0x1000000 + ((b[this.pos + 5]! << 16) | (b[this.pos + 6]! << 8) | b[this.pos + 7]!);
      this.pos += 8;
      if (hi === 0) nonCanonical();
      // Beyond 2^53 - 1 is forbidden whatever the major type (integer or length).
      if (hi > 0x1fffff) fail('CBOR_FORBIDDEN', 'integer outside |n| < 2^53');
      return hi * 0x100000000 + lo;
    }
    if (ai === 31) nonCanonical('indefinite length');
    return fail('CBOR_INVALID', 'malformed CBOR: reserved additional information');
  }

  need(n: number): void {
    if (this.pos + n > this.b.length) fail('CBOR_INVALID', 'malformed CBOR: unexpected end of input');
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) fail('CBOR_FORBIDDEN', 'nested too deep');
    this.need(1);
    const ib = this.b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0: {
        const v = this.arg(ai);
        if (v > MAX_SAFE) fail('CBOR_FORBIDDEN', 'integer outside |n| < 2^53');
        return v;
      }
      case 1: {
        const v = this.arg(ai);
        if (v >= MAX_SAFE) fail('CBOR_FORBIDDEN', 'integer outside |n| < 2^53');
        return -1 - v;
      }
      case 2: {
        const n = this.arg(ai);
        this.need(n);
        const out = new Uint8Array(n);
        out.set(this.b.subarray(this.pos, this.pos + n));
        this.pos += n;
        return out;
      }
      case 3:
        return this.text(ai);
      case 4: {
        const n = this.arg(ai);
        // Each item takes at least one byte: a length beyond the input is malformed, not a reason to allocate.
        this.need(n);
        const out: CborValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case 5: {
        const n = this.arg(ai);
        this.need(2 * n);
        const out: CborMap = {};
        let prevStart = -1;
        let prevEnd = -1;
        for (let i = 0; i < n; i++) {
          this.need(1);
          const kb = this.b[this.pos]!;
          if (kb >> 5 !== 3) nonCanonical('map key that is not a text string');
          this.pos++;
          const len = this.arg(kb & 31);
          const start = this.pos;
          const key = this.text(-1, len);
          // Re-encoding drops it (the decoder cannot make it an own property), so it was never canonical.
          if (key === '__proto__') nonCanonical('map key __proto__');
          if (prevStart >= 0 && !keyAfter(this.b, prevStart, prevEnd, start, this.pos)) nonCanonical('map keys out of canonical order or repeated');
          prevStart = start;
          prevEnd = this.pos;
          out[key] = this.value(depth + 1);
        }
        return out;
      }
      case 6:
        return fail('CBOR_FORBIDDEN', 'tags are not allowed');
      default:
        return this.simple(ai);
    }
  }

  /** A text string whose head has additional info `ai` (or, with ai -1, whose length is known). */
  text(ai: number, known = 0): string {
    const n = ai < 0 ? known : this.arg(ai);
    this.need(n);
    const b = this.b;
    const end = this.pos + n;
    let ascii = true;
    for (let i = this.pos; i < end; i++) {
      if (b[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    let s: string;
    if (ascii && n <= 64) {
      s = '';
      for (let i = this.pos; i < end; i++) s += String.fromCharCode(b[i]!);
    } else {
      try {
        s = utf8Strict.decode(b.subarray(this.pos, end));
      } catch {
        return nonCanonical('text that is not valid UTF-8');
      }
    }
    this.pos = end;
    return s;
  }

  simple(ai: number): CborValue {
    if (ai === 20) return false;
    if (ai === 21) return true;
    if (ai === 22) return null;
    if (ai === 23) return fail('CBOR_FORBIDDEN', 'undefined is not an allowed CBOR type');
    if (ai >= 25 && ai <= 27) {
      const size = ai === 25 ? 2 : ai === 26 ? 4 : 8;
      this.need(size);
      const v = floatAt(this.b, this.pos, size);
      this.pos += size;
      // An integer-valued float is an integer written the wrong way; any other float is not allowed at all.
      if (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE) return nonCanonical('integer written as a float');
      return fail('CBOR_FORBIDDEN', 'floats are not allowed');
    }
    if (ai === 31) return fail('CBOR_INVALID', 'malformed CBOR: unexpected break');
    if (ai >= 28) return fail('CBOR_INVALID', 'malformed CBOR: reserved additional information');
    return fail('CBOR_FORBIDDEN', 'simple values other than true, false and null are not allowed');
  }
}

/** Whether the key at [s2, e2) comes strictly after the key at [s1, e1) in canonical order (shorter first, then bytewise). */
function keyAfter(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  const l1 = e1 - s1;
  const l2 = e2 - s2;
  if (l1 !== l2) return l2 > l1;
  for (let i = 0; i < l1; i++) {
    const x = b[s1 + i]!;
    const y = b[s2 + i]!;
    if (x !== y) return y > x;
  }
  return false;
}

function floatAt(b: Uint8Array, pos: number, size: number): number {
  const view = new DataView(b.buffer, b.byteOffset + pos, size);
  if (size === 4) return view.getFloat32(0);
  if (size === 8) return view.getFloat64(0);
  const h = view.getUint16(0);
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}

function nonCanonical(what = 'non-shortest head'): never {
  return fail('CBOR_NONCANONICAL', `CBOR input is not in canonical form: ${what}`);
}

/** Decode one canonical CBOR item that fills `bytes` exactly (the caller has checked size limits). */
export function decodeStrict(bytes: Uint8Array): CborValue {
  const r = new Reader(bytes);
  const v = r.value(0);
  if (r.pos !== bytes.length) fail('CBOR_INVALID', 'malformed CBOR: trailing bytes after the item');
  return v;
}
