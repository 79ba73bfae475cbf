import pino from 'pino';
import { publicKeyOf, useCrypto } from '../protocol/crypto.js';
import { nodeCrypto } from '../ledger/crypto-node.js';
import { signRequest } from '../protocol/records/request.js';
import { nextDayStart } from '../protocol/cases/index.js';
import { Ledger, type ActorSubmission } from '../ledger/index.js';
import { Outbox } from '../ledger/outbox.js';
import { VerifyPool } from '../ledger/verify-pool.js';
import { Metrics } from '../node/metrics.js';
import { EventSource } from '../node/services/event-source.js';
import { benchConsortium } from './fixtures.js';
import { median, tmp, type Figure } from './lib.js';

// as a node does (node/node.ts): node:crypto for signing and verifying, also when this file runs alone
useCrypto(nodeCrypto);

const c = benchConsortium(2);
const A = c.members[0]!;
const B = c.members[1]!;
const cwSeed = new Uint8Array(32).fill(0xc1);
const DAY = 86_400_000;

function req(kind: string, body: Record<string, unknown>, at: number, refs?: Uint8Array[]): ActorSubmission {
  const s = signRequest({ net: c.net, author: A.id, kind, body: body as never, refs, at }, 'cw', cwSeed);
  return { request: s.bytes, actor: 'cw', sig: s.actor.sig };
}

/**
 * `n` accepted (open) cases on member A's own log, written through `Ledger.append` (actor-signed requests, as
 * the HTTP API submits them) on a clock that starts 60 days ago and moves 45 min per 2,000 cases: every other
 * case has a 5-working-day limit (red by now), the others 250 working days (green).
 */
async function buildCases(l: Ledger, n: number, start: number, clock: { t: number }): Promise<Uint8Array[]> {
  const ids: Uint8Array[] = [];
  const chunk = 2_000;
  clock.t = start;
  for (let k = 0; k < n; k += chunk) {
    const m = Math.min(chunk, n - k);
    const at = clock.t;
    const opens = await Promise.all(
      Array.from({ length: m }, (_, j) =>
        l.append(
          req(
            'case.open',
            {
              item: '11410100MB1234567X4000111001',
              name: '道路运输经营许可',
              mode: 'online',
              serial: `B-${k + j}`,
              applicant: new Uint8Array(32).fill((k + j) & 0xff),
              handlers: [A.id],
              limit: { days: (k + j) % 2 ? 5 : 250, calendar: 'working' },
              materials: [],
            },
            at,
          ),
        ),
      ),
    );
    await Promise.all(opens.map((o) => l.append(req('case.accept', { decision: 'accept' }, at, [o.id]))));
    ids.push(...opens.map((o) => o.id));
    clock.t += 45 * 60_000;
  }
  return ids;
}

const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

/** Case figures on one ledger of `n` open cases (CASES.md; issue 13 "Speed and scale"). */
export async function caseFigures(runs: number, n: number): Promise<Figure[]> {
  const d = tmp('bench-cases-');
  const clock = { t: 0 };
  const pool = new VerifyPool();
  const l = await Ledger.open({ path: d.path, genesis: c.genesis, self: { id: A.id, seed: A.seed }, verifyPool: pool, now: () => clock.t });
  const start = Date.now() - 60 * DAY;
  clock.t = start;
  await l.append({ kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(A.adminSeed), roles: ['admin'], active: true } });
  const s = signRequest(
    { net: c.net, author: A.id, kind: 'org.actor', body: { id: 'cw', key: publicKeyOf(cwSeed), roles: ['approver', 'caseworker'], active: true }, at: start },
    'admin',
    A.adminSeed,
  );
  await l.append({ request: s.bytes, actor: 'admin', sig: s.actor.sig });
  const tb = performance.now();
  const ids = await buildCases(l, n, start, clock);
  const buildS = (performance.now() - tb) / 1000;
  clock.t = Date.now();
  const label = `${n.toLocaleString('en-US')} open cases`;

  // the red list: the first page of 50 through Ledger.listCases (what GET /v1/cases?light=red calls), lights at now
  const red: number[] = [];
  let redCount = 0;
  for (let r = 0; r < runs * 5; r++) red.push(await time(async () => (redCount = (await l.listCases({ light: 'red', limit: 50 })).cases.length)));
  if (redCount !== 50) throw new Error(`red page held ${redCount} cases, not 50`);

  // one case report (Ledger.caseReport, what GET /v1/cases/:id calls), cases picked evenly over the log
  const rep: number[] = [];
  for (let r = 0; r < runs * 50; r++) {
    const id = ids[Math.floor((r * 7919) % ids.length)]!;
    rep.push(
      await time(async () => {
        if (!(await l.caseReport(id, clock.t))) throw new Error('no report');
      }),
    );
  }

  // the event source: derive every case's events once (marks each case open), then the day boundary
  const outbox = await Outbox.open(l, { firstId: 1 });
  const src = new EventSource({ now: () => clock.t }, { ledger: l, log: pino({ level: 'silent' }), metrics: new Metrics(), outbox, caseRecords: (id) => l.caseRecords(id) });
  const td = performance.now();
  src.start();
  await src.idle();
  const deriveS = (performance.now() - td) / 1000;
  const day: number[] = [];
  for (let r = 0; r < runs; r++) {
    const boundary = nextDayStart(clock.t) + r * DAY;
    day.push(await time(() => src.reevaluate(boundary)));
  }
  await src.stop();
  await l.close();
  await pool.close();
  d.rm();
  const note = `built in ${buildS.toFixed(0)} s (${((2 * n) / buildS).toFixed(0)} case records/s); deriving their events first took ${deriveS.toFixed(1)} s`;
  return [
    { name: `Red list, first page of 50 (Ledger.listCases), ${label}`, unit: 'ms', better: 'lower', runs: red, target: '< 50 ms' },
    { name: `Case report (Ledger.caseReport), ${label}`, unit: 'ms', better: 'lower', runs: rep, target: '< 20 ms' },
    { name: `Day-boundary re-evaluation (EventSource.reevaluate), ${label}`, unit: 'ms', better: 'lower', runs: day, target: '< 5,000 ms', note },
  ];
}

/** `node dist/bench/case-bench.js [n] [runs]`: the case figures alone, as JSON lines. */
if (process.argv[1]?.endsWith('case-bench.js')) {
  const n = Number(process.argv[2] ?? 10_000);
  const figs = await caseFigures(Number(process.argv[3] ?? 3), n);
  for (const f of figs) process.stdout.write(`${JSON.stringify({ name: f.name, median: median(f.runs), min: Math.min(...f.runs), max: Math.max(...f.runs), runs: f.runs.length, note: f.note })}\n`);
}
