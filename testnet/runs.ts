#!/usr/bin/env node
// Documented runs (not CI): `node dist/testnet/runs.js scale [N] [records]`, `… idle [N] [samples]` and
// `… soak [rate] [seconds] [members]`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromHex, toBase64 } from '../protocol/bytes.js';
import { publicKeyOf, useCrypto } from '../protocol/crypto.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { signRequest } from '../protocol/records/request.js';
import { membersFor } from './members.js';
import { Testnet } from './network.js';

// The load generator shares the machine with the nodes: sign with node:crypto, not the portable path.
useCrypto(nodeCrypto);

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
      // a reused testnet enrolled its clerk in an earlier run: enrolling an id again is refused (ACTOR_EXISTS)
      const { actors } = (await net.api(i, '/v1/actors')) as { actors: { id: string }[] };
      if (!actors.some((a) => a.id === 'clerk')) await post(net, i, fromHex(st.network), 'admin', admin, 'org.actor', { id: 'clerk', key: publicKeyOf(seed), roles: ['registrar'], active: true });
      return { seed, netId: fromHex(st.network) };
    }),
  );
}

async function post(net: Testnet, i: number, netId: Uint8Array, actor: string, seed: Uint8Array, kind: string, body: Record<string, unknown>): Promise<{ seq: number }> {
  const s = signRequest({ net: netId, author: net.members[i]!.id, kind, body: body as never }, actor, seed);
  const res = await fetch(`${net.members[i]!.url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request: toBase64(s.bytes), actor, sig: toBase64(s.actor.sig) }),
  });
  if (res.status !== 201) throw new Error(`append at ${net.members[i]!.id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { seq: number };
}

const doc = (i: number, k: number) => {
  const d = new Uint8Array(32);
  new DataView(d.buffer).setUint32(0, k);
  d[31] = i;
  return d;
};

/** Resolve once every node is connected to all others (the startup dial storm is over). */
async function meshed(net: Testnet, n: number, deadlineMs: number): Promise<void> {
  for (;;) {
    const peers = await Promise.all(net.members.map((_, i) => net.api(i, '/v1/status').then((st) => (st.peers as string[]).length)));
    if (peers.every((p) => p >= n - 1)) return;
    if (Date.now() > deadlineMs) throw new Error(`not fully connected: peers per node ${peers.join(',')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Resolve once every node holds every member's log, as long as its author has it now, and sees all of it final. */
async function allFinalEverywhere(net: Testnet, n: number, since: number): Promise<void> {
  const want = Object.fromEntries(await Promise.all(net.members.map(async (m, i) => [m.id, (await net.api(i, '/v1/status')).logs.find((l: { author: string }) => l.author === m.id).size])));
  let shown = 0;
  for (;;) {
    const sts = await Promise.all(net.members.map((_, i) => net.api(i, '/v1/status')));
    const done = sts.map((st) => st.logs.filter((l: { author: string; size: number; finalSize: number }) => l.size >= want[l.author] && l.finalSize >= want[l.author]).length);
    if (done.every((d) => d >= n)) return;
    if (Date.now() - shown > 10_000) {
      shown = Date.now();
      console.log(`${Math.round((Date.now() - since) / 1000)} s: logs final per node min ${Math.min(...done)} / ${n}, all ${n} at ${done.filter((d) => d >= n).length} nodes`);
    }
    if (Date.now() - since > 1_800_000) throw new Error('not final everywhere within 30 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function scale(n: number, burst: number): Promise<void> {
  const { net } = await Testnet.create({ dir: resolve(`.testnet-scale-${n}`), members: membersFor(n) });
  try {
    const t0 = Date.now();
    await net.startAll();
    const up = Date.now() - t0;
    await meshed(net, n, Date.now() + 600_000);
    const meshedMs = Date.now() - t0;
    console.log(`${n} nodes up in ${up} ms, fully connected after ${meshedMs} ms`);
    const cs = await clerks(net);
    const t1 = Date.now();
    await Promise.all(
      net.members.map(async (_, i) => {
        for (let k = 0; k < burst; k++) await post(net, i, cs[i]!.netId, 'clerk', cs[i]!.seed, 'doc.register', { doc: doc(i, k), type: 'scale', class: 'public' });
      }),
    );
    const appended = Date.now() - t1;
    console.log(`${n * burst} records appended in ${appended} ms`);
    await allFinalEverywhere(net, n, t1);
    const finalMs = Date.now() - t1;
    const rss = net.members.map((_, i) => rssMb(net.procs.get(i)?.pid));
    console.log(
      JSON.stringify({
        members: n,
        recordsPerMember: burst,
        startMs: up,
        meshedMs,
        appendMs: appended,
        allFinalEverywhereMs: finalMs,
        rssMbMedian: Math.round(pct(rss, 50)),
        rssMbMax: Math.round(Math.max(...rss)),
      }),
    );
  } finally {
    await net.close();
  }
}

/**
 * Finality at idle: one record at a time, each at the next member, timed from the request until every member
 * sees it final (its author's log final at or past it at all N nodes). Nothing else is offered meanwhile.
 */
async function idle(n: number, samples: number): Promise<void> {
  const { net } = await Testnet.create({ dir: resolve(`.testnet-idle-${n}`), members: membersFor(n) });
  try {
    await net.startAll();
    await meshed(net, n, Date.now() + 600_000);
    const cs = await clerks(net);
    // Idle means idle: the clerks' enrollments (one record per member) are final everywhere before the first sample.
    await allFinalEverywhere(net, n, Date.now());
    const times: number[] = [];
    // distinct documents on every run: a reused testnet keeps the documents of earlier runs
    const base = Math.floor(Date.now() / 1000) % 2 ** 31;
    for (let k = 0; k < samples; k++) {
      const i = k % n;
      const author = net.members[i]!.id;
      const t0 = Date.now();
      const { seq } = await post(net, i, cs[i]!.netId, 'clerk', cs[i]!.seed, 'doc.register', { doc: doc(i, base + k), type: 'idle', class: 'public' });
      const finalAt = async (j: number) => {
        const st = await net.api(j, '/v1/status');
        return (st.logs.find((l: { author: string }) => l.author === author)?.finalSize ?? 0) > seq;
      };
      const seen = new Set<number>();
      while (seen.size < n) {
        const got = await Promise.all(net.members.map((_, j) => (seen.has(j) ? true : finalAt(j))));
        got.forEach((ok, j) => ok && seen.add(j));
        if (Date.now() - t0 > 120_000) throw new Error(`record ${author}/${seq} not final at every member within 2 minutes (${seen.size}/${n})`);
        if (seen.size < n) await new Promise((r) => setTimeout(r, 20));
      }
      times.push(Date.now() - t0);
      console.log(`record ${k + 1}/${samples} at ${author}: final at all ${n} members after ${times.at(-1)} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rss = net.members.map((_, i) => rssMb(net.procs.get(i)?.pid));
    console.log(
      JSON.stringify({
        members: n,
        samples,
        finalEverywhereP50ms: pct(times, 50),
        finalEverywhereMaxMs: Math.max(...times),
        rssMbMedian: Math.round(pct(rss, 50)),
        rssMbMax: Math.round(Math.max(...rss)),
      }),
    );
  } finally {
    await net.close();
  }
}

/**
 * A steady offered rate spread over `members` members for `seconds`. Requests beyond
 * `inFlightCap` outstanding are shed (counted, not sent), so an offered rate the
 * machine cannot sustain shows as a lower achieved rate, not as an ever-growing
 * client queue. Finality is timed at each author from acknowledgement to its final size.
 */
async function soak(rate: number, seconds: number, members: number, inFlightCap = 256): Promise<void> {
  const { net } = await Testnet.create({ dir: resolve(`.testnet-soak-${members}`), members: membersFor(members) });
  try {
    await net.startAll();
    await meshed(net, members, Date.now() + 600_000);
    const cs = await clerks(net);
    const pending = new Map<string, { seq: number; t0: number }[]>();
    const lat: number[] = [];
    const ackLat: number[] = [];
    let minute = { acked: 0, final: 0, lat: [] as number[] };
    const timeline: string[] = [];
    const rssPerMinute: { median: number; max: number }[] = [];
    let k = 0;
    let errors = 0;
    let shed = 0;
    let inFlight = 0;
    const begin = Date.now();
    const end = begin + seconds * 1000;
    let polling = false;
    const poll = setInterval(async () => {
      if (polling) return;
      polling = true;
      try {
        for (const [i, m] of net.members.entries()) {
          const list = pending.get(m.id);
          if (!list?.length) continue;
          const st = await net.api(i, '/v1/status').catch(() => undefined);
          const fin = st?.logs.find((l: { author: string }) => l.author === m.id)?.finalSize ?? 0;
          const now = Date.now();
          while (list.length && list[0]!.seq < fin) {
            const d = now - list.shift()!.t0;
            lat.push(d);
            minute.lat.push(d);
            minute.final++;
          }
        }
      } finally {
        polling = false;
      }
    }, 50);
    const sampler = setInterval(() => {
      const rss = net.members.map((_, i) => rssMb(net.procs.get(i)?.pid));
      rssPerMinute.push({ median: Math.round(pct(rss, 50)), max: Math.round(Math.max(...rss)) });
      const shown = members <= 5 ? rss.map((r) => r.toFixed(0)).join('/') : `median ${rssPerMinute.at(-1)!.median} max ${rssPerMinute.at(-1)!.max}`;
      timeline.push(
        `${Math.round((Date.now() - begin) / 1000)} s: acked ${minute.acked}, became final ${minute.final}, finality p50 ${pct(minute.lat, 50)} ms p99 ${pct(minute.lat, 99)} ms, RSS ${shown} MB`,
      );
      console.log(timeline.at(-1));
      minute = { acked: 0, final: 0, lat: [] };
    }, 60_000);
    while (Date.now() < end) {
      const tick = Date.now();
      const n = Math.round(rate / 10);
      for (let j = 0; j < n; j++) {
        if (inFlight >= inFlightCap) {
          shed++;
          continue;
        }
        const i = k % members;
        const kk = k++;
        const t0 = Date.now();
        inFlight++;
        void post(net, i, cs[i]!.netId, 'clerk', cs[i]!.seed, 'doc.register', { doc: doc(i, kk), type: 'soak', class: 'public' })
          .then((r) => {
            ackLat.push(Date.now() - t0);
            minute.acked++;
            const list = pending.get(net.members[i]!.id) ?? [];
            list.push({ seq: r.seq, t0 });
            list.sort((a, b) => a.seq - b.seq);
            pending.set(net.members[i]!.id, list);
          })
          .catch(() => errors++)
          .finally(() => inFlight--);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
    // Drain: how long until what was acknowledged is final.
    const drainStart = Date.now();
    while ([...pending.values()].some((l) => l.length) && Date.now() - drainStart < 120_000) await new Promise((r) => setTimeout(r, 200));
    clearInterval(poll);
    clearInterval(sampler);
    const notFinal = [...pending.values()].reduce((s, l) => s + l.length, 0);
    console.log(
      JSON.stringify({
        rateOffered: rate,
        seconds,
        acked: ackLat.length,
        achievedPerSecond: Math.round(ackLat.length / seconds),
        shed,
        errors,
        ackP50ms: pct(ackLat, 50),
        ackP99ms: pct(ackLat, 99),
        finalP50ms: pct(lat, 50),
        finalP99ms: pct(lat, 99),
        drainMs: Date.now() - drainStart,
        notFinal,
        members,
        rssMbPerMinute: rssPerMinute,
      }),
    );
  } finally {
    await net.close();
  }
}

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'scale') await scale(Number(a ?? 34), Number(b ?? 10));
else if (cmd === 'idle') await idle(Number(a ?? 34), Number(b ?? 10));
else if (cmd === 'soak') await soak(Number(a ?? 100), Number(b ?? 600), Number(c ?? 5));
else console.log('usage: runs.js scale [N] [records per member] | idle [N] [samples] | soak [rate/s] [seconds] [members]');
process.exit(0);
