import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';
import type { PoolMessage } from './verify-pool.js';

/**
 * For the pool, one message at a time (layout: PoolMessage in ledger/verify-pool.ts): verify items, one byte
 * each in the answer (1 = valid), or sign messages with one seed, 64 bytes each.
 */
parentPort!.on('message', (m: PoolMessage) => {
  const buf = m.buf;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: number[] = [];
  const sigs: Uint8Array[] = [];
  if (m.op === 'sign') {
    const seed = buf.subarray(0, 32);
    for (let o = 32; o < buf.length; ) {
      const len = view.getUint32(o);
      sigs.push(nodeCrypto.sign(seed, buf.subarray(o + 4, o + 4 + len)));
      o += 4 + len;
    }
  } else {
    for (let o = 0; o < buf.length; ) {
      const ok = buf[o] === 1;
      const len = view.getUint32(o + 97);
      const msg = buf.subarray(o + 101, o + 101 + len);
      out.push(ok && nodeCrypto.verify(buf.subarray(o + 1, o + 33), msg, buf.subarray(o + 33, o + 97)) ? 1 : 0);
      o += 101 + len;
    }
  }
  const res = m.op === 'sign' ? new Uint8Array(64 * sigs.length) : Uint8Array.from(out);
  if (m.op === 'sign') sigs.forEach((s, i) => res.set(s, 64 * i));
  parentPort!.postMessage({ out: res }, [res.buffer]);
});
