// A signature worker for VerifyPool tests (the pool's own worker exists only in the build): the same
// messages as ledger/verify-worker.ts, with node:crypto; a sign message whose seed starts with 0xff exits.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const priv = (seed) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const pub = (key) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]), format: 'der', type: 'spki' });

parentPort.on('message', (m) => {
  let out;
  if (m.op === 'sign') {
    if (m.seed[0] === 0xff) process.exit(3);
    out = new Uint8Array(64 * m.msgs.length);
    m.msgs.forEach((msg, i) => out.set(sign(null, msg, priv(m.seed)), 64 * i));
  } else {
    out = new Uint8Array(m.items.length);
    m.items.forEach(([k, msg, sig], i) => {
      out[i] = verify(null, msg, pub(k), sig) ? 1 : 0;
    });
  }
  parentPort.postMessage({ out }, [out.buffer]);
});
