// The peer, measured on the same machine: Hypercore 11 appends and replication.
// Usage: node hypercore-bench.mjs <appendOne N | appendBatch N | replicate N>; prints JSON.
import Hypercore from 'hypercore';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, nArg] = process.argv.slice(2);
const n = Number(nArg);
const dir = mkdtempSync(join(tmpdir(), 'hypercore-bench-'));
const entry = Buffer.alloc(200, 7);
const core = new Hypercore(join(dir, 'a'));
await core.ready();
let result;
if (mode === 'appendOne') {
  const t = performance.now();
  for (let i = 0; i < n; i++) await core.append(entry);
  result = { perSecond: n / ((performance.now() - t) / 1000) };
} else if (mode === 'appendBatch') {
  const t = performance.now();
  for (let i = 0; i < n / 100; i++) await core.append(Array.from({ length: 100 }, () => entry));
  result = { perSecond: n / ((performance.now() - t) / 1000) };
} else if (mode === 'replicate') {
  for (let i = 0; i < n / 1000; i++) await core.append(Array.from({ length: 1000 }, () => entry));
  const clone = new Hypercore(join(dir, 'b'), core.key);
  await clone.ready();
  const a = core.replicate(true);
  const b = clone.replicate(false);
  a.pipe(b).pipe(a);
  const t = performance.now();
  await clone.download({ start: 0, end: core.length }).done();
  result = { perSecond: core.length / ((performance.now() - t) / 1000), entries: core.length };
  await clone.close();
}
await core.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(result) + '\n');
