import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CborMap } from '../../protocol/cbor.js';
import { publicKeyOf } from '../../protocol/crypto.js';
import { Ledger } from '../../ledger/index.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { Metrics } from '../../node/metrics.js';
import { caseRoutes } from '../../node/api/cases.js';
import { toApiError } from '../../node/api/errors.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../helpers/consortium.js';
import { BIN, type Run } from '../helpers/cli.js';

// The built tongban binary against a case: `case show` and `case list` over HTTP (an API on port 0 over a
// ledger this test drives, on a test clock), and `verify --bundle` of the case bundle, offline.
const { members, genesis, net } = testConsortium(3);
const [A, B, C] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
const cwSeed = new Uint8Array(32).fill(0x71);
const hdSeed = new Uint8Array(32).fill(0x72);
const H = (n: number) => new Uint8Array(32).fill(n);
const dir = tempDir('tongban-case-cli-');
const SPY = fileURLToPath(new URL('../helpers/load-spy.mjs', import.meta.url));
const FORBIDDEN = [/\/dist\/node\//, /\/node_modules\/(libp2p|@libp2p|@chainsafe|level|classic-level|abstract-level|fastify)\//];
let t = Date.parse('2026-11-25T09:00:00+08:00');
let ledgers: Ledger[] = [];
let app: FastifyInstance;
let url = '';
let caseId = '';

/** Run the CLI without blocking this process (the API it calls lives here), with the load spy. */
function run(args: string[]): Promise<Run & { loaded: string[] }> {
  const spyFile = join(dir.path, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(spyFile, '');
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', SPY, BIN, ...args], { cwd: dir.path, env: { ...process.env, TONGBAN_LOAD_SPY: spyFile } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, loaded: readFileSync(spyFile, 'utf8').split('\n').filter(Boolean) }));
  });
}

beforeAll(async () => {
  const dirs = [tempDir(), tempDir(), tempDir()];
  ledgers = await Promise.all([A, B, C].map((m, i) => Ledger.open({ path: dirs[i]!.path, genesis, self: { id: m.id, seed: m.seed }, now: () => t })));
  const [a, b, c] = ledgers as [Ledger, Ledger, Ledger];
  for (const [l, m] of [
    [a, A],
    [b, B],
    [c, C],
  ] as const)
    await l.append(firstAdmin(m));
  await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'zz.cw', key: publicKeyOf(cwSeed), roles: ['caseworker'], active: true }, undefined, t));
  await b.append(submission(net, B.id, 'admin', B.adminSeed, 'org.actor', { id: 'hd.ap', key: publicKeyOf(hdSeed), roles: ['approver', 'caseworker'], active: true }, undefined, t));
  const sync = async () => {
    for (const x of ledgers) for (const y of ledgers) if (x !== y) await y.acceptForeign(x.self!.id, await x.envelopeBytes(x.self!.id, y.size(x.self!.id), 1000));
  };
  const byA = (kind: string, body: CborMap, refs?: Uint8Array[]) => a.append(submission(net, A.id, 'zz.cw', cwSeed, kind, body, refs, t));
  const byB = (kind: string, body: CborMap, refs?: Uint8Array[]) => b.append(submission(net, B.id, 'hd.ap', hdSeed, kind, body, refs, t));
  const open = await byA('case.open', {
    item: '11410100MB1234567X4000111001',
    name: '道路运输经营许可',
    mode: 'proxy',
    serial: 'ZZ-2026-0001',
    applicant: H(1),
    handlers: [B.id],
    limit: { days: 3, calendar: 'working' },
    materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
  });
  caseId = Buffer.from(open.id).toString('hex');
  t += 3_600_000;
  const h = await byA('case.handoff', { to: B.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [open.id]);
  await sync();
  t += 3_600_000;
  await byB('case.receipt', { complete: true }, [open.id, h.id]);
  await byB('case.accept', { decision: 'accept' }, [open.id]);
  await sync();
  // every log's checkpoint cosigned by the two others: all final, so the bundle proves every record
  for (const x of ledgers) {
    const id = x.self!.id;
    const cp = await x.signCheckpoint();
    for (const w of ledgers.filter((y) => y !== x)) {
      await w.addCheckpoint(noteOf(cp));
      await x.addCheckpoint(noteOf(await w.cosign(id, cp.checkpoint.size)));
    }
    for (const w of ledgers.filter((y) => y !== x)) await w.addCheckpoint(noteOf(x.checkpoints.latest(id)!));
  }
  app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = toApiError(err);
    void reply.status(e.status).send({ code: e.code, message: e.message });
  });
  await caseRoutes(app, { ledger: b, metrics: new Metrics() } as never);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  writeFileSync(join(dir.path, 'genesis.cbor'), genesis);
  writeFileSync(join(dir.path, 'case.bundle'), (await b.buildCaseBundle(open.id)).bytes);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await Promise.all(ledgers.map((l) => l.close()));
  dir.cleanup();
});

describe('tongban case show|list and verify --bundle of a case bundle (real processes)', () => {
  it("case show and case list print the node's report and lists, loading neither node/, libp2p, fastify nor LevelDB", async () => {
    const show = await run(['case', 'show', caseId, '--node', url, '--as-of', '2026-11-26T09:00:00+08:00']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`case ${caseId}`);
    expect(show.stdout).toContain('state IN-PROGRESS, light GREEN');
    expect(show.stdout).toContain('due 2026-11-30T23:59:59.999+08:00');
    expect(show.stdout).toMatch(/handoff to=sh-pudong via=network purpose=handle/);
    const json = JSON.parse((await run(['case', 'show', caseId, '--node', url, '--json', '--as-of', '2026-12-02T09:00:00+08:00'])).stdout);
    expect([json.light, json.overdue]).toEqual(['red', 2]);
    const list = await run(['case', 'list', '--node', url, '--light', 'red', '--as-of', '2026-12-02T09:00:00+08:00']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`${caseId}  ZZ-2026-0001`);
    expect(list.stdout).toContain('1 case as of 2026-12-02T09:00:00.000+08:00');
    const none = JSON.parse((await run(['case', 'list', '--node', url, '--state', 'closed', '--json'])).stdout);
    expect(none.cases).toEqual([]);
    for (const r of [show, list]) expect(r.loaded.filter((u) => FORBIDDEN.some((f) => f.test(u)))).toEqual([]);
    expect((await run(['case', 'show', 'nope', '--node', url])).code).toBe(2);
    expect((await run(['case', 'show', 'ab'.repeat(32), '--node', url])).code).toBe(1);
  }, 60_000);

  it('verify --bundle recognises a case bundle: report, proofs apart from the case, exit codes, --as-of, --json', async () => {
    const ok = await run(['verify', '--bundle', 'case.bundle', '--genesis', 'genesis.cbor', '--as-of', '2026-11-26T09:00:00+08:00']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^proofs: SOUND/m);
    expect(ok.stdout).toMatch(/^case: {3}IN-PROGRESS, light green/m);
    expect(ok.loaded.filter((u) => FORBIDDEN.some((f) => f.test(u)))).toEqual([]);
    // the case id may be named; another id is unsound
    expect((await run(['verify', caseId, '--bundle', 'case.bundle', '--genesis', 'genesis.cbor', '--as-of', '2026-11-26T09:00:00+08:00'])).code).toBe(0);
    expect((await run(['verify', '0'.repeat(64), '--bundle', 'case.bundle', '--genesis', 'genesis.cbor'])).code).toBe(5);
    // sound but overdue: exit 1
    const red = await run(['verify', '--bundle', 'case.bundle', '--genesis', 'genesis.cbor', '--as-of', '2026-12-02T09:00:00+08:00', '--json']);
    expect(red.code).toBe(1);
    const report = JSON.parse(red.stdout);
    expect([report.proofs, report.report.light, report.report.overdue, report.report.case]).toEqual(['sound', 'red', 2, caseId]);
    // a byte changed in a record: unsound
    const bytes = readFileSync(join(dir.path, 'case.bundle'));
    const i = bytes.indexOf(Buffer.from('ZZ-2026-0001'));
    bytes[i] = 'X'.charCodeAt(0);
    writeFileSync(join(dir.path, 'tampered.bundle'), bytes);
    const bad = await run(['verify', '--bundle', 'tampered.bundle', '--genesis', 'genesis.cbor']);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toMatch(/^proofs: UNSOUND/m);
  }, 60_000);
});
