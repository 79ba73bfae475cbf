import { decodeCanonical, encodeCanonical, isMap, type CborMap, type CborValue } from '../../protocol/cbor.js';
import { toHex } from '../../protocol/bytes.js';

/** Protocol ids carry the first 8 hex digits of the network id (§7). */
export function protocolIds(net: Uint8Array) {
  const n8 = toHex(net).slice(0, 8);
  return {
    sync: `/tongban/${n8}/sync/1`,
    governance: `/tongban/${n8}/governance/1`,
    /** Extension: an author asks a witness to cosign its checkpoint (as in C2SP's witness protocol). */
    witness: `/tongban/${n8}/witness/1`,
    heads: `tongban/${n8}/heads/1`,
  };
}

export class WireError extends Error {
  readonly code = 'WIRE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export function encodeMessage(m: CborMap): Uint8Array {
  return encodeCanonical(m);
}

/** Strict decode of a peer message: canonical CBOR map, size-limited first. */
export function decodeMessage(bytes: Uint8Array, maxBytes: number): CborMap {
  if (bytes.length > maxBytes) throw new WireError(`message of ${bytes.length} bytes exceeds ${maxBytes}`);
  let v: CborValue;
  try {
    v = decodeCanonical(bytes, maxBytes);
  } catch (e) {
    throw new WireError(`message is not canonical CBOR: ${(e as Error).message}`);
  }
  if (!isMap(v)) throw new WireError('message is not a map');
  return v;
}

export const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
