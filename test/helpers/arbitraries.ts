import fc from 'fast-check';
import type { CborMap, CborValue } from '../../protocol/cbor.js';

/**
 * Shared fast-check arbitraries for the property tests of parsers of untrusted input: CBOR values as a peer could
 * send them (including keys that trip up plain objects), byte and text mutations, and a check that a parser fails only
 * with its own typed error.
 */

/** Keys an attacker would try on a parser of plain objects, and the schema keys our messages use. */
export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', ''];

/** A plain object with exactly these own enumerable keys (defineProperty, so `__proto__` stays a key). */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const safeInt = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 1001, 10_000));

/** A CBOR value of the protocol's types (safe integers, bytes, text, arrays, maps with text keys, bools, null). */
export function cborValue(keys: string[] = []): fc.Arbitrary<CborValue> {
  const key = fc.oneof(fc.constantFrom(...NASTY_KEYS, ...(keys.length > 0 ? keys : ['k'])), fc.string({ maxLength: 8 }));
  const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      safeInt,
      fc.string({ maxLength: 24 }),
      fc.constantFrom<CborValue>(true, false, null),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.uniqueArray(fc.tuple(key, tie('value')), { maxLength: 5, selector: ([k]) => k }).map((e) => objectOf(e) as CborValue),
    ),
  }));
  return value;
}

/**
 * A near-valid CBOR map: each schema field is usually present with an interesting value of its own arbitrary, sometimes
 * absent or of any type; now and then an extra key (often a nasty one) is added.
 */
export function cborMap(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<CborMap> {
  const names = Object.keys(fields);
  const field = (n: string) => fc.option(fc.oneof({ weight: 6, arbitrary: fields[n]! }, { weight: 1, arbitrary: cborValue(names) }), { freq: 10 });
  const extra = fc.option(fc.tuple(fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 6 })), cborValue(names)), { freq: 2 });
  return fc.tuple(fc.tuple(...names.map(field)), extra).map(([values, x]) => {
    const entries: [string, unknown][] = [];
    names.forEach((n, i) => {
      if (values[i] !== null) entries.push([n, values[i]]);
    });
    if (x !== null && !names.includes(x[0])) entries.push(x);
    return objectOf(entries) as CborMap;
  });
}

export type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: number[] } | { kind: 'delete'; at: number; n: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
);

export function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const at = b.length === 0 ? 0 : m.at % b.length;
  switch (m.kind) {
    case 'flip': {
      const c = new Uint8Array(b);
      if (c.length > 0) c[at]! ^= 1 << m.bit;
      return c;
    }
    case 'truncate':
      return b.slice(0, at);
    case 'insert':
      return new Uint8Array([...b.slice(0, at), ...m.bytes, ...b.slice(at)]);
    case 'delete':
      return new Uint8Array([...b.slice(0, at), ...b.slice(at + m.n)]);
  }
}

/** Mutate text through its UTF-8 bytes; invalid UTF-8 becomes U+FFFD, as a reader of the file would see it. */
export function mutateText(s: string, m: Mutation): string {
  return new TextDecoder().decode(mutate(new TextEncoder().encode(s), m));
}

/** Run a parser: it may return or throw an error that `typed` accepts; anything else fails the property. */
export function onlyTyped<T>(fn: () => T, typed: (e: unknown) => boolean): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!typed(e)) throw new Error(`untyped error: ${(e as Error)?.stack ?? String(e)}`);
    return { ok: false, error: e };
  }
}

/** Replace one value somewhere inside a decoded structure (path chosen by the numbers), or drop a map key. */
export function replaceDeep(v: CborValue, path: number[], by: CborValue, drop: boolean): CborValue {
  if (path.length === 0) return by;
  const [i, ...rest] = path as [number, ...number[]];
  if (Array.isArray(v)) {
    if (v.length === 0) return by;
    const j = i % v.length;
    return v.map((x, k) => (k === j ? replaceDeep(x, rest, by, drop) : x));
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return by;
    const key = keys[i % keys.length]!;
    if (drop && rest.length === 0) return objectOf(Object.entries(v).filter(([k]) => k !== key)) as CborValue;
    return objectOf(Object.entries(v).map(([k, x]) => [k, k === key ? replaceDeep(x as CborValue, rest, by, drop) : x])) as CborValue;
  }
  return by;
}
