import { toHex } from '../protocol/bytes.js';
import type { HashReader } from '../protocol/merkle/tlog.js';
import { LedgerError } from './errors.js';
import { logKey } from './keys.js';
import type { Store } from './store.js';

/**
 * Stored hashes of one log, read from LevelDB with an overlay for the hashes
 * of the group being written (not yet in the store).
 */
export function hashReader(store: Store, author: string, overlay?: Map<number, Uint8Array>): HashReader {
  return {
    async readHashes(indexes: number[]): Promise<Uint8Array[]> {
      const out: (Uint8Array | undefined)[] = new Array(indexes.length);
      const missing: number[] = [];
      indexes.forEach((ix, i) => {
        const h = overlay?.get(ix);
        if (h) out[i] = h;
        else missing.push(i);
      });
      if (missing.length > 0) {
        const got = await store.getMany(
          'hash',
          missing.map((i) => logKey(author, indexes[i]!)),
        );
        missing.forEach((i, j) => {
          const h = got[j];
          if (h?.length !== 32) throw new LedgerError('CORRUPT', `stored hash ${indexes[i]} of ${author} is missing or corrupt`);
          out[i] = h;
        });
      }
      return out as Uint8Array[];
    },
  };
}

export function hashKey(h: Uint8Array): string {
  return toHex(h);
}
