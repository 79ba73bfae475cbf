/**
 * Character rules shared by the C2SP text formats. A JS string can hold lone
 * surrogates, which have no UTF-8 encoding, so they are refused like invalid
 * UTF-8 would be on the wire.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** signed-note: no ASCII control character other than newline. */
const NOTE_CONTROL = /[\x00-\x09\x0b-\x1f]/;

export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** True when `s` may appear in a signed note (newlines allowed). */
export function isNoteSafe(s: string): boolean {
  return !NOTE_CONTROL.test(s) && isWellFormed(s);
}

/** signed-note key names: non-empty, no Unicode white space (Go's unicode.IsSpace), no '+'. */
const KEY_NAME = /^[^\p{White_Space}+]+$/u;

export function isNoteKeyName(name: string): boolean {
  return typeof name === 'string' && KEY_NAME.test(name) && isNoteSafe(name);
}

/** ASCII decimal without leading zeros, below 2^53. */
export function parseDecimal(s: string): number | undefined {
  if (s.length > 16 || !/^(?:0|[1-9][0-9]*)$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}
