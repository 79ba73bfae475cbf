import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';

/** Verifies batches of (pub, msg, sig) for the pool: one byte per item, 1 = valid. */
parentPort!.on('message', (m: { id: number; items: [Uint8Array, Uint8Array, Uint8Array][] }) => {
  const out = new Uint8Array(m.items.length);
  m.items.forEach(([pub, msg, sig], i) => {
    out[i] = nodeCrypto.verify(pub, msg, sig) ? 1 : 0;
  });
  parentPort!.postMessage({ id: m.id, out }, [out.buffer]);
});
