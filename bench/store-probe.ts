// Child process of the store benchmark: open cold, measure, exit.
import { Ledger } from '../ledger/index.js';
import { useCrypto } from '../protocol/crypto.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { consortium } from './ledger-bench.js';

useCrypto(nodeCrypto);
const path = process.argv[2]!;
const t = performance.now();
const l = await Ledger.open({ path, genesis: consortium.genesis });
const openMs = performance.now() - t;
const author = consortium.members[0]!.id;
const size = l.size(author);
const t2 = performance.now();
const N = 1000;
for (let i = 0; i < N; i++) await l.inclusionProof(author, Math.floor(Math.random() * size), size);
const proofMs = (performance.now() - t2) / N;
const rssMb = process.memoryUsage().rss / 1024 / 1024;
await l.close();
process.stdout.write(JSON.stringify({ openMs, rssMb, proofMs, size }) + '\n');
