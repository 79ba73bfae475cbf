import { toHex } from '../../protocol/bytes.js';
import type { CborValue } from '../../protocol/cbor.js';

/** A decoded CBOR value as JSON: byte strings become lowercase hex. */
export function toJson(v: CborValue | undefined): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return v;
}
