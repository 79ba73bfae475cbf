import { fromHex } from '../../protocol/bytes.js';

/** The salt of the receipt slip, from the fragment `#salt=<32 hex>` (a fragment never reaches the server). */
export function saltOf(hash: string): Uint8Array | null {
  const m = /(?:^#|&)salt=([0-9a-f]{32})(?:&|$)/.exec(hash);
  return m ? fromHex(m[1]!) : null;
}
