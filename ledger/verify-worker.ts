import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';
import { unpackItems } from './verify-pool.js';

/** Verifies batches of (pub, msg, sig), packed by the pool: one byte per item, 1 = valid. */
parentPort!.on('message', (m: { id: number; packed: Uint8Array }) => {
  const items = unpackItems(m.packed);
  const out = new Uint8Array(items.length);
  items.forEach(([pub, msg, sig], i) => {
    out[i] = nodeCrypto.verify(pub, msg, sig) ? 1 : 0;
  });
  parentPort!.postMessage({ id: m.id, out }, [out.buffer]);
});
