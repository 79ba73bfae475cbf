// Appends to a ledger until killed, printing each acknowledged record.
// Run by test/unit/ledger/crash.test.ts against the built dist/.
import { readFileSync } from 'node:fs';
import { Ledger } from '../../dist/ledger/index.js';
import { useCrypto, publicKeyOf } from '../../dist/protocol/crypto.js';
import { nodeCrypto } from '../../dist/ledger/crypto-node.js';
import { VerifyPool } from '../../dist/ledger/verify-pool.js';
import { signRequest } from '../../dist/protocol/records/request.js';
import { fromHex, toHex } from '../../dist/protocol/bytes.js';

useCrypto(nodeCrypto);
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const seed = fromHex(cfg.seed);
const admin = fromHex(cfg.adminSeed);
const reg = fromHex(cfg.registrarSeed);
const net = fromHex(cfg.net);
// With the worker pool, as a node runs: actor signatures checked and records signed on worker threads.
const l = await Ledger.open({ path: cfg.path, genesis: fromHex(cfg.genesis), self: { id: cfg.id, seed }, verifyPool: new VerifyPool() });

const sub = (actor, actorSeed, kind, body) => {
  const s = signRequest({ net, author: cfg.id, kind, body }, actor, actorSeed);
  return { request: s.bytes, actor, sig: s.actor.sig };
};
const ack = (a) => process.stdout.write(`${a.seq} ${toHex(a.id)}\n`);

if (l.size(cfg.id) === 0) ack(await l.append({ kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(admin), roles: ['admin'], active: true } }));
if (l.size(cfg.id) === 1) ack(await l.append(sub('admin', admin, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true })));
process.stdout.write('ready\n');
let n = 0;
const worker = async () => {
  for (;;) {
    const doc = new Uint8Array(32);
    new DataView(doc.buffer).setUint32(0, n++);
    ack(await l.append(sub('li.na', reg, 'doc.register', { doc, type: 'crash-test', class: 'public' })));
  }
};
await Promise.all(Array.from({ length: 32 }, worker));
