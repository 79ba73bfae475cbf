import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicantCommitment } from '../../protocol/cases/applicant.js';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';

// The caseworker's write commands through the built binary across two real nodes (ports chosen by binding):
// Zhengzhou opens a proxy case and hands it to Beijing Haidian, which receipts, accepts, steps and closes;
// Zhengzhou delivers. Every command runs with the load spy: none loads node/, libp2p, fastify or LevelDB.
const dir = tempDir('tongban-case-write-');
const cwd = dir.path;
const procs: ChildProcess[] = [];
const SPY = fileURLToPath(new URL('../helpers/load-spy.mjs', import.meta.url));
const FORBIDDEN = [/\/dist\/node\//, /\/node_modules\/(libp2p|@libp2p|@chainsafe|level|classic-level|abstract-level|fastify)\//];

/** Run the CLI with the load spy; checks that it loaded none of the node's modules. */
function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const file = join(cwd, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', SPY, BIN, ...args], { cwd, encoding: 'utf8', timeout: 90_000, env: { ...process.env, TONGBAN_LOAD_SPY: file } });
  const loaded = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(
    loaded.filter((u) => FORBIDDEN.some((f) => f.test(u))),
    `tongban ${args.join(' ')}`,
  ).toEqual([]);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[]): string {
  const r = run(args);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const json = (args: string[]) => JSON.parse(ok([...args, '--json']));
const show = (home: string, id: string) => JSON.parse(tongban(['case', 'show', id, '--home', home, '--json'], cwd).stdout || '{}');

beforeAll(async () => {
  for (const [home, id, region] of [
    ['zz', 'ha-zhengzhou', '410100'],
    ['bj', 'bj-haidian', '110108'],
  ] as const) {
    const r = tongban(['init', '--home', home, '--consortium', 'cases.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], cwd);
    expect(r.code, r.stderr).toBe(0);
  }
  expect(tongban(['consortium', 'create', '--out', 'genesis.cbor', 'zz/join-request.json', 'bj/join-request.json'], cwd).code).toBe(0);
  procs.push(startNode('zz', cwd, 'genesis.cbor'));
  // the second node dials the first at the address it bound (read back from its status)
  let boot = '';
  await until(
    () => {
      const r = tongban(['status', '--home', 'zz', '--bootstrap'], cwd);
      boot = r.stdout.trim().split('\n')[0] ?? '';
      return r.code === 0 && boot.includes('/p2p/');
    },
    30_000,
    'zz to listen',
  );
  procs.push(spawn(process.execPath, [BIN, 'start', '--home', 'bj', '--genesis', 'genesis.cbor'], { cwd, stdio: 'ignore', env: { ...process.env, TONGBAN_BOOTSTRAP: boot } }));
  for (const home of ['zz', 'bj']) expect(tongban(['status', '--home', home, '--wait-ready', '60'], cwd).code).toBe(0);
  ok(['operator', 'add', '--home', 'zz', '--id', 'zz.cw', '--roles', 'caseworker', '--out', 'zz.cw.key', '--actor', 'zz/keys/admin.key']);
  ok(['operator', 'add', '--home', 'bj', '--id', 'hd.ap', '--roles', 'caseworker,approver', '--out', 'hd.ap.key', '--actor', 'bj/keys/admin.key']);
  writeFileSync(join(cwd, 'form.pdf'), 'application form\n');
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map(stopProcess));
  dir.cleanup();
});

describe('tongban case open … deliver (two real nodes, real processes)', () => {
  it('a proxy case across two members: receipt slip and QR PNG, handoff, receive after replication, a refused step, accept, steps, close, deliver, report, bundle', async () => {
    const open = ['case', 'open', '--home', 'zz', '--actor', 'zz.cw.key', '--item', '11410100MB1234567X4000111001', '--name', '道路运输经营许可', '--mode', 'proxy'];
    const who = ['--handler', 'bj-haidian', '--days', '20', '--id-type', '111', '--id-number', '41010219900101123X', '--material', '申请表=form.pdf,paper'];
    // usage errors name the option
    const noSerial = run([...open, ...who]);
    expect([noSerial.code, noSerial.stderr]).toEqual([2, expect.stringMatching(/--serial/)]);
    const lower = run([...open, ...who.slice(0, -4), '--id-number', '41010219900101123x', '--serial', 'S']);
    expect([lower.code, lower.stderr]).toEqual([2, expect.stringMatching(/--id-number: upper-case/)]);

    const o = json([...open, ...who, '--serial', 'ZZ-2026-0001', '--qr', 'slip.png']);
    const id = o.case as string;
    expect(o).toMatchObject({ action: 'open', kind: 'case.open', id, author: 'ha-zhengzhou', serial: 'ZZ-2026-0001', item: '11410100MB1234567X4000111001', qr: 'slip.png' });
    expect(o.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(o.receipt).toBe(`tongban-case:${id}?salt=${o.salt}`);
    const png = readFileSync(join(cwd, 'slip.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    // the ledger holds the commitment, not the number: the salt on the slip and the ID recompute it
    await until(() => show('zz', id).case === id, 20_000, 'the case at zz');
    const opened = show('zz', id).timeline[0];
    expect(opened.applicant).toBe(toHex(applicantCommitment(fromHex(o.salt), '111', '41010219900101123X')));
    expect(JSON.stringify(show('zz', id))).not.toContain('41010219900101123X');
    // the text slip: case id, serial, salt and the QR code in the terminal
    const slip = ok([...open, ...who, '--serial', 'ZZ-2026-0002']);
    expect(slip).toMatch(/受理回执/);
    expect(slip).toMatch(/serial +ZZ-2026-0002/);
    expect(slip).toMatch(/salt +[0-9a-f]{32}/);
    expect(slip).toMatch(/QR text +tongban-case:[0-9a-f]{64}\?salt=[0-9a-f]{32}/);
    expect(slip).toMatch(/[▀▄█]/);
    expect(slip).not.toContain('\x1b['); // piped: no colour escapes
    // --console-url: the QR opens the web console's applicant page; the node's public route answers that applicant only
    const api = readFileSync(join(cwd, 'zz', 'run', 'api.url'), 'utf8').trim();
    const web = json([...open, ...who, '--serial', 'ZZ-2026-0003', '--console-url', `${api}/`]);
    expect(web.receipt).toBe(`${api}/c/${web.case}#salt=${web.salt}`);
    const mine = toHex(applicantCommitment(fromHex(web.salt), '111', '41010219900101123X'));
    const pub = await fetch(`${api}/v1/public/cases/${web.case}?applicant=${mine}`);
    expect([pub.status, await pub.json()]).toEqual([200, expect.objectContaining({ case: web.case, state: 'received', name: '道路运输经营许可' })]);
    expect((await fetch(`${api}/v1/public/cases/${web.case}?applicant=${toHex(applicantCommitment(fromHex(web.salt), '111', '41010219900101124X'))}`)).status).toBe(404);
    // a repeated serial is refused by the authoring node, naming the rule
    const dup = run([...open, ...who, '--serial', 'ZZ-2026-0001']);
    expect([dup.code, dup.stderr]).toEqual([2, expect.stringMatching(/duplicate-serial/)]);

    const h = json(['case', 'handoff', id, '--home', 'zz', '--actor', 'zz.cw.key', '--to', 'bj-haidian', '--via', 'post', '--tracking', 'EMS1234567', '--wait', 'replicated']);
    expect(h).toMatchObject({ action: 'handoff', kind: 'case.handoff', case: id, author: 'ha-zhengzhou' });
    const noTracking = run(['case', 'handoff', id, '--home', 'zz', '--actor', 'zz.cw.key', '--to', 'bj-haidian', '--via', 'courier']);
    expect([noTracking.code, noTracking.stderr]).toEqual([2, expect.stringMatching(/--tracking/)]);

    // at the handling office once replicated
    await until(() => (show('bj', id).timeline ?? []).some((e: { id: string }) => e.id === h.id), 30_000, 'the handoff at bj');
    const rc = json(['case', 'receive', id, '--home', 'bj', '--actor', 'hd.ap.key']);
    expect(rc).toMatchObject({ action: 'receive', kind: 'case.receipt', case: id, handoff: h.id, author: 'bj-haidian' });
    // a step before acceptance: refused by the node, naming the C.4 rule, exit 2
    const early = run(['case', 'step', id, '--home', 'bj', '--actor', 'hd.ap.key', '--step', 'undertake']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/node refused: before-accept/);
    expect(run(['case', 'step', id, '--home', 'bj', '--actor', 'hd.ap.key', '--step', 'sign']).stderr).toMatch(/--step: one of undertake, review, approve/);
    const acc = json(['case', 'accept', id, '--home', 'bj', '--actor', 'hd.ap.key']);
    expect(acc).toMatchObject({ action: 'accept', kind: 'case.accept', case: id });
    const again = run(['case', 'refuse', id, '--home', 'bj', '--actor', 'hd.ap.key', '--reason', '不符合条件']);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/accept-twice/)]);
    for (const step of ['undertake', 'review', 'approve'])
      expect(ok(['case', 'step', id, '--home', 'bj', '--actor', 'hd.ap.key', '--step', step])).toMatch(new RegExp(`\\(case\\.step, ${step}, agree\\)`));
    const cl = json(['case', 'close', id, '--home', 'bj', '--actor', 'hd.ap.key', '--result', 'issued', '--license', '110108-2026-000123', '--wait', 'final']);
    expect(cl).toMatchObject({ action: 'close', kind: 'case.close', case: id, state: 'final' });

    // the opener delivers once the close reached it
    await until(() => show('zz', id).state === 'closed', 30_000, 'the close at zz');
    const dl = json(['case', 'deliver', id, '--home', 'zz', '--actor', 'zz.cw.key', '--via', 'pickup']);
    expect(dl).toMatchObject({ action: 'deliver', kind: 'case.deliver', case: id, author: 'ha-zhengzhou' });

    const r = JSON.parse(ok(['case', 'show', id, '--home', 'zz', '--json']));
    expect(r).toMatchObject({ case: id, mode: 'proxy', serial: 'ZZ-2026-0001', opener: 'ha-zhengzhou', handlers: ['bj-haidian'], state: 'closed', result: 'issued', ignored: [] });
    expect(r.timeline.map((e: { kind: string }) => e.kind)).toEqual(['case.open', 'case.handoff', 'case.receipt', 'case.accept', 'case.step', 'case.step', 'case.step', 'case.close', 'case.deliver']);
    expect(r.hops).toEqual([expect.objectContaining({ from: 'ha-zhengzhou', to: 'bj-haidian', purpose: 'handle', via: 'post' })]);
    expect(r.hops[0].received).not.toBeNull();

    // the bundle, once the case.open is covered by a checkpoint, verified offline
    await until(() => run(['case', 'bundle', id, '--home', 'bj', '--out', 'case.bundle']).code === 0, 60_000, 'the case bundle');
    const v = run(['case', 'verify', '--bundle', 'case.bundle', '--genesis', 'genesis.cbor']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^proofs: SOUND/m);
    expect(v.stdout).toMatch(/^case: {3}CLOSED \(issued\)/m);
    expect(run(['case', 'verify', '0'.repeat(64), '--bundle', 'case.bundle', '--genesis', 'genesis.cbor']).code).toBe(5);
    expect(run(['case', 'verify', '--bundle', 'case.bundle']).code).toBe(2);
  }, 240_000);
});
