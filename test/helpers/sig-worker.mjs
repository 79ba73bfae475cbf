// A signature worker for VerifyPool tests (the pool's own worker exists only in the build): the packed messages
// of ledger/verify-pool.ts (PoolMessage), with node:crypto; a sign message whose seed starts with 0xff exits.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const priv = (seed) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const pub = (key) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]), format: 'der', type: 'spki' });

parentPort.on('message', ({ op, buf }) => {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = [];
  if (op === 'sign') {
    if (buf[0] === 0xff) process.exit(3);
    const key = priv(buf.subarray(0, 32));
    for (let o = 32; o < buf.length; ) {
      const len = view.getUint32(o);
      out.push(...sign(null, buf.subarray(o + 4, o + 4 + len), key));
      o += 4 + len;
    }
  } else {
    for (let o = 0; o < buf.length; ) {
      const len = view.getUint32(o + 97);
      out.push(buf[o] === 1 && verify(null, buf.subarray(o + 101, o + 101 + len), pub(buf.subarray(o + 1, o + 33)), buf.subarray(o + 33, o + 97)) ? 1 : 0);
      o += 101 + len;
    }
  }
  const res = Uint8Array.from(out);
  parentPort.postMessage({ out: res }, [res.buffer]);
});
