import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { publicKeyOf } from '../protocol/crypto.js';
import { TongbanNode } from '../node/node.js';
import { benchConsortium, clerkAdd, registerBodies, registerReq } from './fixtures.js';
import { httpLoad } from './http-load.js';
import { median, percentile, tmp, type Figure } from './lib.js';
import { buildStore } from './ledger-bench.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

async function port(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** n in-process nodes on loopback TCP; node i uses `dataDir(i)` if given. `fixed` reuses ports (a kept store's genesis names them). */
async function network(n: number, fixed?: number[]) {
  const ports = fixed ?? (await Promise.all(Array.from({ length: n }, port)));
  const c = benchConsortium(n, (i) => [`/ip4/127.0.0.1/tcp/${ports[i]}`]);
  const dirs = c.members.map(() => tmp('bench-node-'));
  const logger = pino({ level: 'silent' });
  const startIn = (i: number, dataDir: string) =>
    TongbanNode.start({
      dataDir,
      genesis: c.genesis,
      memberId: c.members[i]!.id,
      ledgerSeed: c.members[i]!.seed,
      peerSeed: c.members[i]!.peerSeed,
      listen: c.members[i]!.member.addrs,
      firstAdmin: { id: 'admin', key: publicKeyOf(c.members[i]!.adminSeed), roles: ['admin'], active: true },
      logger,
    });
  return { c, ports, startIn, start: (i: number) => startIn(i, dirs[i]!.path), cleanup: () => dirs.forEach((d) => d.rm()) };
}

/** Actor-signed appends through one node's HTTP API, many concurrent clients. */
export async function httpAppends(runs: number, n: number, clients = 64): Promise<Figure> {
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const net = await network(1);
    const node = await net.start(0);
    const url = await node.startApi('127.0.0.1', 0);
    const m = net.c.members[0]!;
    await node.ledger.append(clerkAdd(net.c.net, m.id, m.adminSeed, m.clerkSeed));
    const load = await httpLoad(url, registerBodies(net.c.net, m.id, m.clerkSeed, n), clients);
    const t = performance.now();
    const failed = await load.run();
    out.push((n - failed) / ((performance.now() - t) / 1000));
    await node.stop();
    net.cleanup();
  }
  return {
    name: `Actor-signed appends through the HTTP API (${clients} clients, ${n.toLocaleString('en-US')} requests)`,
    unit: 'records/s',
    better: 'higher',
    runs: out,
    target: '≥ 1.0× Hypercore awaited append',
    key: 'http_appends',
    vs: 'peer',
  };
}

/**
 * One replication run: a leader on a store of `n` records (built in `storeDir`, or kept there from an earlier run
 * with its ports in `ports.json`) and an empty follower; wall time until the follower holds every record, and the
 * CPU time of the whole process (both nodes, all threads) per 1,000 records.
 */
export async function replicationRun(storeDir: string, n: number): Promise<{ rate: number; wallMs: number; cpuMs: number; mainMs: number }> {
  const portsFile = join(storeDir, 'ports.json');
  const kept = existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as number[]) : undefined;
  const net = await network(2, kept);
  if (!kept) {
    await buildStore(storeDir, n, undefined, net.c);
    writeFileSync(portsFile, JSON.stringify(net.ports));
  }
  const leader = await net.startIn(0, storeDir);
  const d = tmp('bench-follower-');
  const c = net.c.members[1]!;
  const follower = await TongbanNode.start({
    dataDir: d.path,
    genesis: net.c.genesis,
    memberId: c.id,
    ledgerSeed: c.seed,
    peerSeed: c.peerSeed,
    listen: c.member.addrs,
    logger: pino({ level: 'silent' }),
  });
  const author = net.c.members[0]!.id;
  const total = leader.ledger.size(author);
  const c0 = process.cpuUsage();
  const m0 = process.threadCpuUsage();
  const t = performance.now();
  while (follower.ledger.size(author) < total) await new Promise((res) => setTimeout(res, 20));
  const wallMs = performance.now() - t;
  const cpu = process.cpuUsage(c0);
  const main = process.threadCpuUsage(m0);
  await follower.stop();
  d.rm();
  await leader.stop();
  net.cleanup();
  return { rate: total / (wallMs / 1000), wallMs, cpuMs: ((cpu.user + cpu.system) / 1000 / total) * 1000, mainMs: ((main.user + main.system) / 1000 / total) * 1000 };
}

/** A follower catching up a leader's log over libp2p, validating every record. */
export async function replication(runs: number, n: number): Promise<Figure> {
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const store = tmp('bench-leader-');
    out.push((await replicationRun(store.path, n)).rate);
    store.rm();
  }
  return {
    name: `Replication: a follower catches up ${n.toLocaleString('en-US')} records over libp2p, fully validated`,
    unit: 'records/s',
    better: 'higher',
    runs: out,
    target: '≥ 1.0× Hypercore',
    key: 'replication',
    vs: 'peer',
  };
}

/** 5 nodes, a steady offered load spread over all of them: append-to-final latency. */
export async function finality(seconds: number, ratePerSecond = 1000): Promise<Figure[]> {
  const net = await network(5);
  const nodes = await Promise.all([0, 1, 2, 3, 4].map(net.start));
  // A node signs nothing until it has recovered its own log from its peers (node/recovery.ts).
  for (const node of nodes) while (node.ledger.appendGuard?.()) await new Promise((res) => setTimeout(res, 20));
  for (const [i, node] of nodes.entries()) {
    const m = net.c.members[i]!;
    await node.ledger.append(clerkAdd(net.c.net, m.id, m.adminSeed, m.clerkSeed));
  }
  // Requests are signed by their actors on their own machines: made before the load starts, as the HTTP bench's are.
  const total = Math.round(ratePerSecond * seconds);
  const reqs = Array.from({ length: total }, (_, kk) => {
    const m = net.c.members[kk % 5]!;
    return registerReq(net.c.net, m.id, m.clerkSeed, kk);
  });
  const latencies: number[] = [];
  // Per node, the records acknowledged and not yet seen final, by seq: the watcher looks at the front only.
  const waiting: { seq: number; t0: number }[][] = nodes.map(() => []);
  const left = () => waiting.reduce((n, w) => n + w.length, 0);
  let k = 0;
  let appended = 0;
  const tick = 20;
  const begin = performance.now();
  const end = begin + seconds * 1000;
  const watcher = setInterval(() => {
    const now = performance.now();
    waiting.forEach((w, i) => {
      const final = nodes[i]!.ledger.finalSize(net.c.members[i]!.id);
      let n = 0;
      while (n < w.length && w[n]!.seq < final) latencies.push(now - w[n++]!.t0);
      w.splice(0, n);
    });
  }, 5);
  /** Offer requests until \`due\` have been offered. */
  const offerTo = (due: number) => {
    while (k < Math.min(due, total)) {
      const i = k % 5;
      const t0 = performance.now();
      void nodes[i]!.ledger.append(reqs[k++]!).then((a) => {
        appended++;
        const w = waiting[i]!;
        let at = w.length;
        while (at > 0 && w[at - 1]!.seq > a.seq) at--; // acknowledgements come in seq order, nearly always
        w.splice(at, 0, { seq: a.seq, t0 });
      });
    }
  };
  while (performance.now() < end) {
    // What is due by now at the offered rate: exact at any rate, and late timers do not lower the offered load.
    offerTo(Math.floor((ratePerSecond * (performance.now() - begin)) / 1000));
    await new Promise((res) => setTimeout(res, tick));
  }
  // What fell due between the last turn and the end: the whole offered load, even when that turn came late.
  offerTo(total);
  const drainEnd = performance.now() + 10_000;
  while (left() > 0 && performance.now() < drainEnd) await new Promise((res) => setTimeout(res, 50));
  clearInterval(watcher);
  await Promise.all(nodes.map((n) => n.stop()));
  net.cleanup();
  // Records still not final count with the time they have waited so far (a lower bound), so an overloaded run
  // reports a latency that is at least what it says, instead of the percentiles of the lucky ones only.
  const stoppedAt = performance.now();
  const measured = latencies.length;
  const notFinal = left();
  for (const w of waiting.flat()) latencies.push(stoppedAt - w.t0);
  const achieved = appended / seconds;
  const label = `5 nodes, offered ${ratePerSecond}/s, achieved ${Math.round(achieved)}/s`;
  const at = ratePerSecond === 100 || ratePerSecond === 1000 ? ratePerSecond : undefined;
  const goals = ratePerSecond === 1000 ? { p50: '≤ 1,000 ms', p99: undefined } : { p50: '≤ 300 ms', p99: '≤ 800 ms' };
  return [
    {
      name: `Records acknowledged per second (5 nodes, offered ${ratePerSecond}/s for ${seconds} s)`,
      unit: 'records/s',
      better: 'higher',
      runs: [achieved],
      limit: { name: 'offered', value: ratePerSecond },
      target: ratePerSecond === 1000 ? '≥ 950/s' : undefined,
      ...(at ? { key: `finality_achieved_${at}`, vs: 'limit' as const } : {}),
    },
    { name: `Append to final, p50 (${label})`, unit: 'ms', better: 'lower', runs: [percentile(latencies, 50)], target: goals.p50, ...(at ? { key: `finality_p50_${at}` } : {}) },
    { name: `Append to final, p95 (${label})`, unit: 'ms', better: 'lower', runs: [percentile(latencies, 95)] },
    {
      name: `Append to final, p99 (${label})`,
      unit: 'ms',
      better: 'lower',
      runs: [percentile(latencies, 99)],
      target: goals.p99,
      note: `${measured} records final; ${notFinal} not final within 10 s after the load stopped (counted with their wait so far)`,
      ...(at ? { key: `finality_p99_${at}` } : {}),
    },
  ];
}

/** One whole process, timed from spawn to exit; `ok` are the exit codes that mean it did its job. */
function timedProcess(args: string[], ok = [0]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (ok.includes(code ?? -1) ? resolve(performance.now() - t) : reject(new Error(`${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/**
 * A client command as a whole process: `tongban status --home H` against a running node (in this process, so
 * the spawn must not block it), each run paired with a bare `node -e 0`.
 */
export async function clientStatus(runs: number, cli = CLI): Promise<Figure> {
  const net = await network(1);
  const node = await net.start(0);
  const url = await node.startApi('127.0.0.1', 0);
  const home = tmp('bench-home-');
  mkdirSync(join(home.path, 'run'));
  writeFileSync(join(home.path, 'node.yaml'), `member: ${net.c.members[0]!.id}\nconsortium: bench.tongban.test\n`);
  writeFileSync(join(home.path, 'run', 'api.url'), `${url}\n`);
  const cmd: number[] = [];
  const bare: number[] = [];
  await timedProcess([cli, 'status', '--home', home.path]); // warm-up: the file cache
  for (let r = 0; r < runs; r++) {
    cmd.push(await timedProcess([cli, 'status', '--home', home.path]));
    bare.push(await timedProcess(['-e', '0']));
  }
  await node.stop();
  home.rm();
  net.cleanup();
  return {
    name: '`tongban status --home` against a running node (whole process)',
    unit: 'ms',
    better: 'lower',
    runs: cmd,
    limit: { name: 'bare `node -e 0`', value: median(bare) },
    target: '≤ 2× bare node',
    key: 'client_status',
    vs: 'limit',
  };
}
