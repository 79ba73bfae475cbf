#!/usr/bin/env node
// Documented runs (not CI): `node dist/testnet/runs.js scale [N]` and `node dist/testnet/runs.js soak [rate] [seconds]`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromHex, toBase64 } from '../protocol/bytes.js';
import { publicKeyOf } from '../protocol/crypto.js';
import { signRequest } from '../protocol/records/request.js';
import { membersFor } from './members.js';
import { Testnet } from './network.js';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function clerks(net: Testnet): Promise<{ seed: Uint8Array; netId: Uint8Array }[]> {
  return Promise.all(
    net.members.map(async (m, i) => {
      const st = await net.api(i, '/v1/status');
      const admin = fromHex(JSON.parse(readFileSync(join(m.home, 'keys', 'admin.key'), 'utf8')).seed);
      const seed = new Uint8Array(32).fill(0x90 + (i % 100));
      await post(net, i, fromHex(st.network), 'admin', admin, 'org.actor', { id: 'clerk', key: publicKeyOf(seed), roles: ['registrar'], active: true });
      return { seed, netId: fromHex(st.network) };
    }),
  );
}

async function post(net: Testnet, i: number, netId: Uint8Array, actor: string, seed: Uint8Array, kind: string, body: Record<string, unknown>): Promise<{ seq: number }> {
  const s = signRequest({ net: netId, author: net.members[i]!.id, kind, body: body as never }, actor, seed);
  const res = await fetch(`${net.members[i]!.url}/v1/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request: toBase64(s.bytes), actor, sig: toBase64(s.actor.sig) }) });
  if (res.status !== 201) throw new Error(`append at ${net.members[i]!.id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { seq: number };
}

const doc = (i: number, k: number) => {
  const d = new Uint8Array(32);
  new DataView(d.buffer).setUint32(0, k);
  d[31] = i;
  return d;
};

async function scale(n: number): Promise<void> {
  const { net } = await Testnet.create({ dir: resolve(`.testnet-scale-${n}`), members: membersFor(n) });
  const t0 = Date.now();
  await net.startAll();
  console.log(`${n} nodes up in ${Date.now() - t0} ms`);
  const cs = await clerks(net);
  const burst = 10;
  const t1 = Date.now();
  await Promise.all(net.members.map(async (_, i) => {
    for (let k = 0; k < burst; k++) await post(net, i, cs[i]!.netId, 'clerk', cs[i]!.seed, 'doc.register', { doc: doc(i, k), type: 'scale', class: 'public' });
  }));
  const appended = Date.now() - t1;
  const want = Object.fromEntries(await Promise.all(net.members.map(async (m, i) => [m.id, (await net.api(i, '/v1/status')).logs.find((l: { author: string }) => l.author === m.id).size])));
  for (;;) {
    const sts = await Promise.all(net.members.map((_, i) => net.api(i, '/v1/status')));
    if (sts.every((st) => st.logs.every((l: { author: string; size: number; finalSize: number }) => l.size >= want[l.author] && l.finalSize >= want[l.author]))) break;
    if (Date.now() - t1 > 300_000) throw new Error('not final everywhere within 5 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  const rss = net.members.map((_, i) => rssMb(net.procs.get(i)?.pid));
  console.log(JSON.stringify({ members: n, recordsPerMember: burst, appendMs: appended, allFinalEverywhereMs: Date.now() - t1, rssMbMedian: pct(rss, 50), rssMbMax: Math.max(...rss) }));
  await net.close();
}

async function soak(rate: number, seconds: number): Promise<void> {
  const { net } = await Testnet.create({ dir: resolve('.testnet-soak'), members: membersFor(5) });
  await net.startAll();
  const cs = await clerks(net);
  const pending = new Map<string, { seq: number; t0: number }[]>();
  const lat: number[] = [];
  const samples: string[] = [];
  let k = 0;
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const poll = setInterval(async () => {
    for (const [i, m] of net.members.entries()) {
      const list = pending.get(m.id);
      if (!list?.length) continue;
      const st = await net.api(i, '/v1/status').catch(() => undefined);
      const fin = st?.logs.find((l: { author: string }) => l.author === m.id)?.finalSize ?? 0;
      const now = Date.now();
      while (list.length && list[0]!.seq < fin) lat.push(now - list.shift()!.t0);
    }
  }, 50);
  const rssTimer = setInterval(() => samples.push(`${Math.round((Date.now() - (end - seconds * 1000)) / 1000)}s: ${net.members.map((_, i) => rssMb(net.procs.get(i)?.pid).toFixed(0)).join('/')} MB`), 30_000);
  while (Date.now() < end) {
    const tick = Date.now();
    const n = Math.round(rate / 10);
    for (let j = 0; j < n; j++) {
      const i = k % 5;
      const kk = k++;
      const t0 = Date.now();
      void post(net, i, cs[i]!.netId, 'clerk', cs[i]!.seed, 'doc.register', { doc: doc(i, kk), type: 'soak', class: 'public' })
        .then((r) => {
          const list = pending.get(net.members[i]!.id) ?? [];
          list.push({ seq: r.seq, t0 });
          list.sort((a, b) => a.seq - b.seq);
          pending.set(net.members[i]!.id, list);
        })
        .catch(() => errors++);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
  }
  await new Promise((r) => setTimeout(r, 5_000));
  clearInterval(poll);
  clearInterval(rssTimer);
  console.log(JSON.stringify({ rateOffered: rate, seconds, appended: lat.length + [...pending.values()].reduce((s, l) => s + l.length, 0), errors, finalP50ms: pct(lat, 50), finalP99ms: pct(lat, 99), notFinal: [...pending.values()].reduce((s, l) => s + l.length, 0) }));
  for (const s of samples) console.log(`RSS per node at ${s}`);
  await net.close();
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'scale') await scale(Number(a ?? 34));
else if (cmd === 'soak') await soak(Number(a ?? 100), Number(b ?? 600));
else console.log('usage: runs.js scale [N] | soak [rate/s] [seconds]');
process.exit(0);
