import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Level } from 'level';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { repeat, tmp, type Figure } from './lib.js';

const SEED = new Uint8Array(32).fill(9);
const MSG = new Uint8Array(64).fill(1);

function rate(ms: number, fn: () => void): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n / (ms / 1000);
}

/** Ed25519 sign or verify on every core at once, one worker thread each. */
async function allCores(op: 'sign' | 'verify', ms: number): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const c = require('node:crypto');
    const k = c.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420','hex'), Buffer.alloc(32, 9)]), format: 'der', type: 'pkcs8' });
    const pub = c.createPublicKey(k); const msg = Buffer.alloc(64, 1); const sig = c.sign(null, msg, k);
    const end = performance.now() + workerData.ms; let n = 0;
    while (performance.now() < end) { for (let i = 0; i < 100; i++) workerData.op === 'sign' ? c.sign(null, msg, k) : c.verify(null, msg, pub, sig); n += 100; }
    parentPort.postMessage(n);`;
  const counts = await Promise.all(
    Array.from(
      { length: availableParallelism() },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { op, ms } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0) / (ms / 1000);
}

async function levelSyncBatches(records: number): Promise<number> {
  const d = tmp('bench-level-');
  const db = new Level<Uint8Array, Uint8Array>(d.path, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const value = new Uint8Array(300);
  const t = performance.now();
  for (let b = 0; b < records / 1000; b++) {
    const batch = db.batch();
    for (let i = 0; i < 1000; i++) {
      const key = new Uint8Array(8);
      new DataView(key.buffer).setUint32(4, b * 1000 + i);
      batch.put(key, value);
    }
    await batch.write({ sync: true });
  }
  const r = records / ((performance.now() - t) / 1000);
  await db.close();
  d.rm();
  return r;
}

export async function limitFigures(runs: number, quick: boolean): Promise<Figure[]> {
  const sig = nodeCrypto.sign(SEED, MSG);
  const pub = nodeCrypto.publicKey(SEED);
  const rec = new Uint8Array(300).fill(3);
  const ms = quick ? 500 : 1500;
  return [
    { name: 'Ed25519 sign, one core (node:crypto)', unit: 'ops/s', better: 'higher', runs: await repeat(runs, async () => rate(ms, () => nodeCrypto.sign(SEED, MSG))) },
    { name: 'Ed25519 verify, one core (node:crypto)', unit: 'ops/s', better: 'higher', runs: await repeat(runs, async () => rate(ms, () => nodeCrypto.verify(pub, MSG, sig))) },
    { name: `Ed25519 sign, all ${availableParallelism()} cores`, unit: 'ops/s', better: 'higher', runs: await repeat(runs, () => allCores('sign', ms)) },
    { name: `Ed25519 verify, all ${availableParallelism()} cores`, unit: 'ops/s', better: 'higher', runs: await repeat(runs, () => allCores('verify', ms)) },
    { name: 'SHA-256 of a 300-byte record', unit: 'hashes/s', better: 'higher', runs: await repeat(runs, async () => rate(ms, () => nodeCrypto.sha256(rec))) },
    { name: 'LevelDB batches of 1,000 × 300 B, {sync: true}', unit: 'records/s', better: 'higher', runs: await repeat(runs, () => levelSyncBatches(quick ? 20_000 : 100_000)) },
  ];
}
