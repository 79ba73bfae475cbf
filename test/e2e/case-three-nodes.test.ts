import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, stopProcess, tongban } from '../helpers/cli.js';

// Three real nodes (ports chosen by binding): Zhengzhou opens a proxy case for Beijing Haidian, Shanghai Pudong
// only replicates. Haidian's webhook receiver answers 503 for the first events, and again while Haidian restarts
// mid-case with events undelivered; the receiver still ends with every case event exactly once (by id). Reports agree on all three once final; the
// bundle verifies offline.
const dir = tempDir('tongban-case-three-');
const cwd = dir.path;
const procs = new Map<string, ChildProcess>();
const secret = 'shared-with-the-receiving-office';
const TYPES = ['case.opened', 'case.handoff', 'case.updated', 'case.alert', 'case.closed'];
const AS_OF = '2026-12-31T09:00:00+08:00';
/** Each node's listen address, once bound (a node dials the others it knows of at start). */
const addrs = new Map<string, string>();
let server: http.Server | undefined;
let down = true;
const got: { id: string; body: string }[] = [];
let refusedWhileDown = 0;

function ok(args: string[]): string {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const json = (args: string[]) => JSON.parse(ok([...args, '--json']));
const api = (home: string) => readFileSync(join(cwd, home, 'run', 'api.url'), 'utf8').trim();
const report = async (home: string, id: string) => {
  try {
    const r = await fetch(`${api(home)}/v1/cases/${id}?asOf=${encodeURIComponent(AS_OF)}`);
    return r.ok ? ((await r.json()) as Record<string, unknown> & { timeline?: { kind: string; final?: boolean }[] }) : undefined;
  } catch {
    return undefined;
  }
};

function start(home: string): void {
  const env = {
    ...process.env,
    TONGBAN_BOOTSTRAP: [...addrs]
      .filter(([h]) => h !== home)
      .map(([, a]) => a)
      .join(','),
  };
  const out = openSync(join(cwd, `${home}.log`), 'a');
  procs.set(home, spawn(process.execPath, [BIN, 'start', '--home', home, '--genesis', 'genesis.cbor'], { cwd, stdio: ['ignore', out, out], env }));
}
async function ready(home: string): Promise<void> {
  const r = tongban(['status', '--home', home, '--wait-ready', '45'], cwd);
  expect(r.code, `${home}: ${r.stderr}\n${readFileSync(join(cwd, `${home}.log`), 'utf8').slice(-3000)}`).toBe(0);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (down) {
        refusedWhileDown++;
        res.writeHead(503).end();
        return;
      }
      got.push({ id: req.headers['x-tongban-event-id'] as string, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  for (const [home, id, region] of [
    ['zz', 'ha-zhengzhou', '410100'],
    ['bj', 'bj-haidian', '110108'],
    ['sh', 'sh-pudong', '310115'],
  ] as const)
    ok(['init', '--home', home, '--consortium', 'cases.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  appendFileSync(join(cwd, 'bj', 'node.yaml'), `webhooks:\n  - url: ${hook}\n    types: [${TYPES.join(', ')}]\n    secret: ${secret}\n`);
  ok(['consortium', 'create', '--out', 'genesis.cbor', 'zz/join-request.json', 'bj/join-request.json', 'sh/join-request.json']);
  // each dials those started before it (and, restarted, all the others)
  for (const home of ['zz', 'bj', 'sh']) {
    start(home);
    await until(
      () => {
        const r = tongban(['status', '--home', home, '--bootstrap'], cwd);
        const a = r.stdout.trim().split('\n')[0] ?? '';
        if (r.code === 0 && a.includes('/p2p/')) addrs.set(home, a);
        return addrs.has(home);
      },
      30_000,
      `${home} to listen`,
    );
  }
  for (const home of ['zz', 'bj', 'sh']) await ready(home);
  ok(['operator', 'add', '--home', 'zz', '--id', 'zz.cw', '--roles', 'caseworker', '--out', 'zz.cw.key', '--actor', 'zz/keys/admin.key']);
  ok(['operator', 'add', '--home', 'bj', '--id', 'hd.ap', '--roles', 'caseworker,approver', '--out', 'hd.ap.key', '--actor', 'bj/keys/admin.key']);
  writeFileSync(join(cwd, 'form.pdf'), 'application form\n');
}, 120_000);

afterAll(async () => {
  await Promise.all([...procs.values()].map(stopProcess));
  server?.closeAllConnections();
  server?.close();
  dir.cleanup();
});

describe('a proxy case across three real nodes', () => {
  it('reports identical on all three once final, the bundle verified offline, every case event delivered exactly once despite a receiver outage and a node restart', async () => {
    // the receiver is down (503) while the case is opened and handed over
    const o = json([
      'case',
      'open',
      '--home',
      'zz',
      '--actor',
      'zz.cw.key',
      '--item',
      '11410100MB1234567X4000111001',
      '--name',
      '道路运输经营许可',
      '--mode',
      'proxy',
      '--handler',
      'bj-haidian',
      '--days',
      '20',
      '--id-type',
      '111',
      '--id-number',
      '41010219900101123X',
      '--material',
      '申请表=form.pdf,paper',
      '--serial',
      'ZZ-2026-0001',
    ]);
    const id = o.case as string;
    const h = json(['case', 'handoff', id, '--home', 'zz', '--actor', 'zz.cw.key', '--to', 'bj-haidian', '--via', 'post', '--tracking', 'EMS1234567', '--wait', 'replicated']);
    await until(async () => ((await report('bj', id))?.timeline ?? []).length >= 2, 30_000, 'the handoff at bj');
    await until(() => refusedWhileDown > 0, 30_000, 'a delivery attempt during the outage');
    down = false;
    await until(() => got.some((g) => JSON.parse(g.body).type === 'case.handoff'), 30_000, 'the handoff event after the outage');

    // down again: the receipt's and acceptance's events are still undelivered when the handling member
    // restarts mid-case (a clean stop); the restarted node resumes from its stored delivery cursor
    down = true;
    const refused = refusedWhileDown;
    json(['case', 'receive', id, '--home', 'bj', '--actor', 'hd.ap.key']);
    json(['case', 'accept', id, '--home', 'bj', '--actor', 'hd.ap.key']);
    await until(() => refusedWhileDown > refused, 30_000, 'a delivery attempt during the second outage');
    const before = got.length;
    await stopProcess(procs.get('bj')!);
    start('bj');
    await ready('bj');
    down = false;
    await until(() => got.slice(before).some((g) => JSON.parse(g.body).data?.kind === 'case.accept'), 60_000, 'the acceptance event after the restart');
    for (const step of ['undertake', 'review', 'approve']) ok(['case', 'step', id, '--home', 'bj', '--actor', 'hd.ap.key', '--step', step]);
    json(['case', 'close', id, '--home', 'bj', '--actor', 'hd.ap.key', '--result', 'issued', '--license', '110108-2026-000123', '--wait', 'final']);
    await until(async () => (await report('zz', id))?.state === 'closed', 30_000, 'the close at zz');
    json(['case', 'deliver', id, '--home', 'zz', '--actor', 'zz.cw.key', '--via', 'pickup', '--wait', 'final']);

    // once every record is final everywhere, the three reports are the same
    const kinds = ['case.open', 'case.handoff', 'case.receipt', 'case.accept', 'case.step', 'case.step', 'case.step', 'case.close', 'case.deliver'];
    const allFinal = (r: Awaited<ReturnType<typeof report>>) => !!r && JSON.stringify(r.timeline?.map((e) => e.kind)) === JSON.stringify(kinds) && r.timeline!.every((e) => e.final !== false);
    let reports: Awaited<ReturnType<typeof report>>[] = [];
    await until(
      async () => {
        reports = await Promise.all(['zz', 'bj', 'sh'].map((home) => report(home, id)));
        return reports.every(allFinal);
      },
      60_000,
      'the case final on all three nodes',
    );
    expect(reports[0]).toMatchObject({ case: id, mode: 'proxy', opener: 'ha-zhengzhou', handlers: ['bj-haidian'], state: 'closed', result: 'issued', ignored: [] });
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    expect((reports[0] as { hops: unknown[] }).hops).toEqual([expect.objectContaining({ from: 'ha-zhengzhou', to: 'bj-haidian', via: 'post' })]);

    // the bundle from the third node, verified offline (no node, no home: the genesis alone)
    await until(() => tongban(['case', 'bundle', id, '--home', 'sh', '--out', 'case.bundle'], cwd).code === 0, 60_000, 'the case bundle at sh');
    const v = tongban(['case', 'verify', '--bundle', 'case.bundle', '--genesis', 'genesis.cbor'], cwd);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^proofs: SOUND/m);
    expect(v.stdout).toMatch(/^case: {3}CLOSED \(issued\)/m);

    // the webhook: every case event the node derived (its outbox, replayed over SSE) arrived, each id once after
    // de-duplication, with the same body every time it was sent
    const held = async (): Promise<{ id: string; data: string }[]> => {
      const ac = new AbortController();
      const res = await fetch(`${api('bj')}/v1/events?after=0&types=${TYPES.join(',')}`, { signal: ac.signal });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      const out: { id: string; data: string }[] = [];
      // the outbox is replayed first; the last case event is the deliver's case.updated (read until it appears)
      while (!out.some((e) => JSON.parse(e.data).recordId !== undefined && JSON.parse(e.data).data?.kind === 'case.deliver')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
        let i: number;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const eid = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (eid && data) out.push({ id: eid, data });
        }
      }
      ac.abort();
      return out;
    };
    const outbox = await held();
    const last = outbox.at(-1)!.id;
    await until(() => got.some((g) => g.id === last), 60_000, 'the last case event at the receiver');
    const byId = new Map<string, string>();
    for (const g of got) {
      if (byId.has(g.id)) expect(g.body, `event ${g.id} resent with another body`).toBe(byId.get(g.id));
      byId.set(g.id, g.body);
    }
    const received = [...byId.keys()].filter((k) => BigInt(k) <= BigInt(last));
    expect(received).toEqual(outbox.map((e) => e.id));
    for (const e of outbox) expect(JSON.parse(byId.get(e.id)!)).toEqual(JSON.parse(e.data));
    const events = outbox.map((e) => JSON.parse(e.data) as { type: string; caseId: string });
    expect(events.every((e) => e.caseId === id)).toBe(true);
    expect(events.filter((e) => e.type === 'case.opened')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'case.handoff')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'case.closed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'case.updated').map((e) => (e as unknown as { data: { kind: string } }).data.kind)).toEqual([
      'case.receipt',
      'case.accept',
      'case.step',
      'case.step',
      'case.step',
      'case.deliver',
    ]);
    expect(events.find((e) => e.type === 'case.handoff')).toMatchObject({ recordId: h.id, data: { from: 'ha-zhengzhou', to: 'bj-haidian', via: 'post' } });
  }, 180_000);
});
