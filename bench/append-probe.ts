#!/usr/bin/env node
/**
 * The own-append paths alone, for profiling and paired old/new runs:
 *   node dist/bench/append-probe.js own [n]    — what ownAppends does (Ledger.append, verify pool, n at once)
 *   node dist/bench/append-probe.js http [n]   — what httpAppends does (one node, 64 fetch clients on loopback, on a worker thread)
 * Prints one JSON line: records/s (wall), CPU µs per record (process.cpuUsage: every thread, workers included) and
 * the main thread's alone (process.threadCpuUsage: the bookkeeping the workers cannot take; for http the node's alone, the clients run on a worker).
 * With PROBE_PROF=<file>, the main thread's CPU profile of the timed window alone (not the set-up) is written there.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pino from 'pino';
import { publicKeyOf, useCrypto } from '../protocol/crypto.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { Ledger } from '../ledger/index.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { TongbanNode } from '../node/node.js';
import { benchConsortium, clerkAdd, registerBodies, registerReq } from './fixtures.js';
import { httpLoad } from './http-load.js';
import { tmp } from './lib.js';

useCrypto(nodeCrypto);

/** Starts the main thread's profiler when PROBE_PROF names a file; the returned stop writes the profile there. */
async function profileWindow(): Promise<() => Promise<void>> {
  const file = process.env.PROBE_PROF;
  if (!file) return async () => undefined;
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  return async () => {
    const { profile } = await s.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  };
}

/** Event-loop utilisation (busy share) of the main thread and of each pool worker over the timed window. */
function busyMeter(pool: VerifyPool): () => { main: number; workers: number[] } {
  const workers = (pool as unknown as { workers: import('node:worker_threads').Worker[] }).workers;
  const m0 = performance.eventLoopUtilization();
  const w0 = workers.map((w) => w.performance.eventLoopUtilization());
  return () => ({
    main: Math.round(100 * performance.eventLoopUtilization(m0).utilization),
    workers: workers.map((w, i) => Math.round(100 * w.performance.eventLoopUtilization(w0[i]).utilization)),
  });
}

async function own(n: number): Promise<{ ms: number; cpu: number; main: number; busy: { main: number; workers: number[] } }> {
  const c = benchConsortium(5);
  const A = c.members[0]!;
  const pool = new VerifyPool();
  const d = tmp('probe-own-');
  const l = await Ledger.open({ path: d.path, genesis: c.genesis, self: { id: A.id, seed: A.seed }, verifyPool: pool });
  await l.append({ kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(A.adminSeed), roles: ['admin'], active: true } });
  await l.append(clerkAdd(c.net, A.id, A.adminSeed, A.clerkSeed));
  const reqs = Array.from({ length: n }, (_, j) => registerReq(c.net, A.id, A.clerkSeed, j));
  const stopProfile = await profileWindow();
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const meter = busyMeter(pool);
  const t = performance.now();
  await Promise.all(reqs.map((r) => l.append(r)));
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  const busy = meter();
  await stopProfile();
  await l.close();
  await pool.close();
  d.rm();
  return { ms, cpu: cpu.user + cpu.system, main: main.user + main.system, busy };
}

async function http(n: number, clients = 64): Promise<{ ms: number; cpu: number; main: number; failed: number }> {
  const c = benchConsortium(1, () => ['/ip4/127.0.0.1/tcp/0']);
  const m = c.members[0]!;
  const d = tmp('probe-http-');
  const node = await TongbanNode.start({
    dataDir: d.path,
    genesis: c.genesis,
    memberId: m.id,
    ledgerSeed: m.seed,
    peerSeed: m.peerSeed,
    listen: m.member.addrs,
    firstAdmin: { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true },
    logger: pino({ level: 'silent' }),
  });
  const url = await node.startApi('127.0.0.1', 0);
  await node.ledger.append(clerkAdd(c.net, m.id, m.adminSeed, m.clerkSeed));
  const load = await httpLoad(url, registerBodies(c.net, m.id, m.clerkSeed, n), clients);
  const stopProfile = await profileWindow();
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const t = performance.now();
  const failed = await load.run();
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  await stopProfile();
  await node.stop();
  d.rm();
  return { ms, cpu: cpu.user + cpu.system, main: main.user + main.system, failed };
}

const mode = process.argv[2] ?? 'own';
const n = Number(process.argv[3] ?? (mode === 'http' ? 3000 : 10000));
const r = mode === 'http' ? await http(n) : await own(n);
process.stdout.write(
  `${JSON.stringify({ mode, n, perSecond: Math.round(n / (r.ms / 1000)), cpuUsPerRecord: Math.round(r.cpu / n), mainCpuUsPerRecord: Math.round(r.main / n), ...('failed' in r ? { failed: r.failed } : {}), ...('busy' in r ? { busyPercent: r.busy } : {}) })}\n`,
);
process.exit(0);
