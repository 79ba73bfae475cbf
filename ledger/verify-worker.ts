import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';

type Message = { op: 'verify'; items: [Uint8Array, Uint8Array, Uint8Array][] } | { op: 'sign'; seed: Uint8Array; msgs: Uint8Array[] };

/** For the pool, one message at a time: verify batches of (pub, msg, sig), one byte per item (1 = valid), or sign messages, 64 bytes each. */
parentPort!.on('message', (m: Message) => {
  let out: Uint8Array<ArrayBuffer>;
  if (m.op === 'sign') {
    out = new Uint8Array(64 * m.msgs.length);
    m.msgs.forEach((msg, i) => out.set(nodeCrypto.sign(m.seed, msg), 64 * i));
  } else {
    out = new Uint8Array(m.items.length);
    m.items.forEach(([pub, msg, sig], i) => {
      out[i] = nodeCrypto.verify(pub, msg, sig) ? 1 : 0;
    });
  }
  parentPort!.postMessage({ out }, [out.buffer]);
});
