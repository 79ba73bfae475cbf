import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { publicKeyOf, useCrypto } from '../protocol/crypto.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { Ledger } from '../ledger/index.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { benchConsortium, clerkAdd, registerReq } from './fixtures.js';
import { tmp, type Figure } from './lib.js';

useCrypto(nodeCrypto);

export const consortium = benchConsortium(5);
const A = consortium.members[0]!;

/** A store holding member A's log of `n` actor-signed records, built by real appends. */
export async function buildStore(path: string, n: number, pool?: VerifyPool, c: ReturnType<typeof benchConsortium> = consortium): Promise<number> {
  const A = c.members[0]!;
  const l = await Ledger.open({ path, genesis: c.genesis, self: { id: A.id, seed: A.seed }, verifyPool: pool });
  if (l.size(A.id) === 0) {
    await l.append({ kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(A.adminSeed), roles: ['admin'], active: true } });
    await l.append(clerkAdd(c.net, A.id, A.adminSeed, A.clerkSeed));
  }
  const start = l.size(A.id);
  const chunk = 20_000;
  let ms = 0;
  for (let k = start; k < n; k += chunk) {
    // Each request is signed by its actor, on the actor's machine: made before the clock runs, as the HTTP bench's
    // bodies are, so the figure is the node's work alone.
    const reqs = Array.from({ length: Math.min(chunk, n - k) }, (_, j) => registerReq(c.net, A.id, A.clerkSeed, k + j));
    const t = performance.now();
    await Promise.all(reqs.map((r) => l.append(r)));
    ms += performance.now() - t;
  }
  const rate = (n - start) / (ms / 1000);
  await l.close();
  return rate;
}

/** In-process own appends (actor-signed requests, group commit, durable). */
export async function ownAppends(runs: number, n: number): Promise<Figure> {
  const pool = new VerifyPool();
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const d = tmp('bench-own-');
    out.push(await buildStore(d.path, n + 2, pool));
    d.rm();
  }
  await pool.close();
  return {
    name: `Own appends through the ledger API (${n.toLocaleString('en-US')} concurrent requests)`,
    unit: 'records/s',
    better: 'higher',
    runs: out,
    target: '≥ 50% of the ceiling',
    key: 'own_appends',
    vs: 'limit',
  };
}

/** Foreign acceptance with full validation (signatures on the worker pool). */
export async function foreignAccept(runs: number, source: string, n: number): Promise<Figure> {
  const src = await Ledger.open({ path: source, genesis: consortium.genesis });
  const envs = await src.envelopeBytes(A.id, 0, n);
  await src.close();
  const pool = new VerifyPool();
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const d = tmp('bench-foreign-');
    const B = consortium.members[1]!;
    const l = await Ledger.open({ path: d.path, genesis: consortium.genesis, self: { id: B.id, seed: B.seed }, verifyPool: pool });
    const t = performance.now();
    for (let i = 0; i < envs.length; i += 1000) await l.acceptForeign(A.id, envs.slice(i, i + 1000));
    out.push(envs.length / ((performance.now() - t) / 1000));
    await l.close();
    d.rm();
  }
  await pool.close();
  return {
    name: `Foreign records accepted with full validation (${envs.length.toLocaleString('en-US')}, both cores)`,
    unit: 'records/s',
    better: 'higher',
    runs: out,
    target: '≥ 60% of the ceiling',
    key: 'foreign_accept',
    vs: 'limit',
  };
}

/** Cold open of a big store in a fresh process: open time, RSS, inclusion-proof latency. */
export function storeFigures(runs: number, path: string): Figure[] {
  const script = fileURLToPath(new URL('./store-probe.js', import.meta.url));
  const res = Array.from({ length: runs }, () => {
    const r = spawnSync(process.execPath, [script, path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`store probe failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { openMs: number; rssMb: number; proofMs: number; size: number };
  });
  const label = `${(res[0]!.size).toLocaleString('en-US')} records`;
  return [
    { name: `Store open, ${label} (cold process)`, unit: 'ms', better: 'lower', runs: res.map((x) => x.openMs), target: '≤ 1,000 ms' },
    { name: `RSS after open, ${label}`, unit: 'MB', better: 'lower', runs: res.map((x) => x.rssMb), target: '≤ 200 MB' },
    { name: `Inclusion proof at size ${label}`, unit: 'ms', better: 'lower', runs: res.map((x) => x.proofMs) },
  ];
}
