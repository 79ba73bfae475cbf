/**
 * Narrow probe of the foreign-record paths (bench/NOTES.md, "Foreign acceptance and replication"):
 *   node dist/bench/foreign-probe.js foreign <store dir> <n>      acceptance of a built store's envelopes
 *   node dist/bench/foreign-probe.js replication <store dir> <n>  a follower node catching up over libp2p
 * The store is built on first use and kept (pass the same dir again). Prints one JSON line:
 * records/s, wall ms, and CPU ms of the whole process (main thread and workers) per 1,000 records.
 */
import { existsSync } from 'node:fs';
import { Ledger } from '../ledger/index.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { buildStore, consortium } from './ledger-bench.js';
import { tmp } from './lib.js';
import { replicationRun } from './node-bench.js';

const [mode, dir, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 10_000);
if (!dir || (mode !== 'foreign' && mode !== 'replication')) {
  console.error('usage: foreign-probe.js foreign|replication <store dir> [n]');
  process.exit(2);
}

async function foreign(): Promise<{ rate: number; wallMs: number; cpuMs: number; mainMs: number; workersMs: number }> {
  if (!existsSync(dir!)) await buildStore(dir!, n);
  const A = consortium.members[0]!;
  const src = await Ledger.open({ path: dir!, genesis: consortium.genesis });
  const envs = await src.envelopeBytes(A.id, 0, n);
  await src.close();
  const pool = new VerifyPool();
  const d = tmp('probe-foreign-');
  const B = consortium.members[1]!;
  const l = await Ledger.open({ path: d.path, genesis: consortium.genesis, self: { id: B.id, seed: B.seed }, verifyPool: pool });
  // Workers start asynchronously: wait until each has answered once, so their start-up is not counted.
  await pool.verify(
    Array.from({ length: 2 * pool.threads }, () => [new Uint8Array(32), new Uint8Array(0), new Uint8Array(64)]),
    1,
  );
  const w0 = await pool.cpuMicros();
  const c0 = process.cpuUsage();
  const m0 = process.threadCpuUsage();
  const t = performance.now();
  for (let i = 0; i < envs.length; i += 1000) await l.acceptForeign(A.id, envs.slice(i, i + 1000));
  const wallMs = performance.now() - t;
  const c = process.cpuUsage(c0);
  const m = process.threadCpuUsage(m0);
  const w = (await pool.cpuMicros()) - w0;
  if (l.size(A.id) !== envs.length) throw new Error(`accepted ${l.size(A.id)} of ${envs.length}`);
  await l.close();
  await pool.close();
  d.rm();
  return {
    rate: envs.length / (wallMs / 1000),
    wallMs,
    cpuMs: ((c.user + c.system) / 1000 / envs.length) * 1000,
    mainMs: ((m.user + m.system) / 1000 / envs.length) * 1000,
    workersMs: (w / 1000 / envs.length) * 1000,
  };
}

const out = mode === 'foreign' ? await foreign() : await replicationRun(dir!, n);
console.log(
  JSON.stringify({
    mode,
    n,
    rate: Math.round(out.rate),
    wallMs: Math.round(out.wallMs),
    cpuMsPer1k: Math.round(out.cpuMs),
    mainThreadMsPer1k: Math.round(out.mainMs),
    workersMsPer1k: 'workersMs' in out ? Math.round(out.workersMs as number) : undefined,
  }),
);
process.exit(0);
