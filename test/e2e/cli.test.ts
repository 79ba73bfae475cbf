import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../ledger/store.js';
import { u64Key } from '../../ledger/keys.js';
import { vector } from '../unit/protocol/fixtures.js';
import { tempDir } from '../helpers/consortium.js';
import { freePorts, until } from '../helpers/network.js';
import { apiUrlOf, BIN, startNode, stopProcess, tongban, waitHealthy, waitReady } from '../helpers/cli.js';

const dir = tempDir('tongban-e2e-');
const cwd = dir.path;
const procs: Record<string, ChildProcess> = {};
const url: Record<string, string> = {};
const members = [
  ['bj', 'bj-haidian', '北京市海淀区', '110108'],
  ['sh', 'sh-pudong', '上海市浦东新区', '310115'],
  ['ha', 'ha-zhengzhou', '河南省郑州市', '410100'],
  ['gd', 'gd-guangzhou', '广东省广州市', '440100'],
] as const;

const getJson = async (u: string): Promise<any> => (await fetch(u)).json();

function ok(args: string[]) {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'dist/ must be built').toBe(true);
  const ports = await freePorts(4);
  members.forEach(([home, id, name, region], i) => {
    ok(['init', '--home', home, '--consortium', 'crossprov.gov.example', '--id', id, '--name', name, '--region', region, '--listen', `/ip4/127.0.0.1/tcp/${ports[i]}`, '--api', '127.0.0.1:0']);
  });
  const created = ok(['consortium', 'create', '--out', 'genesis.cbor', 'bj/join-request.json', 'sh/join-request.json', 'ha/join-request.json']);
  expect(created).toMatch(/network id [0-9a-f]{64}/);
  for (const [home] of members.slice(0, 3)) procs[home] = startNode(home, cwd, 'genesis.cbor');
  // The APIs bind port 0 and the nodes write their URLs: no port is picked before it is bound.
  for (const [home] of members.slice(0, 3)) url[home] = await apiUrlOf(procs[home]!, home, cwd);
  await Promise.all(members.slice(0, 3).map(([home]) => waitHealthy(url[home]!)));
  await Promise.all(members.slice(0, 3).map(([home]) => waitReady(url[home]!)));
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(procs).map(stopProcess));
  dir.cleanup();
});

describe('tongban end to end (real processes, real TCP on loopback)', () => {
  it('keys are 0600, never printed; init refuses an existing home', () => {
    for (const f of ['ledger.key', 'peer.key', 'admin.key']) {
      const mode = statSync(join(cwd, 'bj', 'keys', f)).mode & 0o777;
      expect(mode).toBe(0o600);
    }
    const seed = JSON.parse(readFileSync(join(cwd, 'bj', 'keys', 'ledger.key'), 'utf8')).seed;
    expect(ok(['keys', 'show', '--home', 'bj'])).not.toContain(seed);
    const again = tongban(['init', '--home', 'bj', '--consortium', 'crossprov.gov.example', '--id', 'bj-haidian', '--name', 'x', '--region', '110108'], cwd);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already a tongban home/);
  });

  it('registers at one node, approves at another, shares, accesses, and verifies online and offline', async () => {
    ok(['operator', 'add', '--home', 'bj', '--id', 'li.na', '--roles', 'registrar', '--out', 'li.na.key', '--actor', 'bj/keys/admin.key']);
    ok(['operator', 'add', '--home', 'ha', '--id', 'wang.fang', '--roles', 'approver', '--out', 'wang.fang.key', '--actor', 'ha/keys/admin.key']);
    writeFileSync(join(cwd, 'cert.txt'), '户口迁移证明\n编号: 2026-110108-000123\n');
    const reg = JSON.parse(
      ok(['doc', 'register', 'cert.txt', '--home', 'bj', '--actor', 'li.na.key', '--type', 'household-transfer', '--title', '户口迁移证明', '--json', '--wait', 'final', '--wait-timeout', '20000']),
    );
    expect(reg.doc).toMatch(/^[0-9a-f]{64}$/);
    expect(reg).toMatchObject({ state: 'final', finalAt: expect.any(Number) });
    expect(tongban(['doc', 'register', 'cert.txt', '--home', 'bj', '--actor', 'li.na.key', '--type', 'x', '--wait', 'soon'], cwd).code).toBe(2);
    await until(async () => (await getJson(`${url.ha}/v1/docs/${reg.doc}`)).events.length === 1, 20_000, 'registration replicated');
    ok(['doc', 'approve', 'cert.txt', '--home', 'ha', '--actor', 'wang.fang.key', '--role', 'review', '--reason', '材料齐全']);
    ok(['doc', 'share', reg.doc, '--home', 'bj', '--actor', 'li.na.key', '--to', 'sh-pudong', '--purpose', '跨省通办核验']);
    await until(async () => (await getJson(`${url.sh}/v1/docs/${reg.doc}`)).events.length === 3, 20_000, 'share replicated');
    ok(['doc', 'access', reg.doc, '--home', 'sh', '--actor', 'sh/keys/admin.key', '--purpose', '跨省通办核验']);
    await until(() => JSON.parse(tongban(['verify', 'cert.txt', '--home', 'sh', '--json'], cwd).stdout || '{}').events?.every((e: { final: boolean }) => e.final) === true, 20_000, 'final everywhere');
    const v = JSON.parse(ok(['verify', 'cert.txt', '--home', 'sh', '--json']));
    expect([v.proofs, v.outcome, v.stands]).toEqual(['sound', 'approved', true]);
    expect(v.events.map((e: { kind: string }) => e.kind)).toEqual(['doc.register', 'doc.approve', 'doc.share', 'doc.access']);
    expect(v.events[1]).toMatchObject({ author: 'ha-zhengzhou', region: '410100', actor: 'wang.fang', role: 'review', decision: 'approve', final: true });
    const human = ok(['verify', 'cert.txt', '--node', url.bj!, '--genesis', 'genesis.cbor']);
    expect(human).toMatch(/河南省郑州市 \(410100\)\s+ha-zhengzhou\/wang\.fang \[approver\]\s+approved \(review\)/);
    expect(human).toMatch(/\nproofs: +SOUND \(as of .*, proven to .*\)\ndecision: APPROVED: approved by ha-zhengzhou \(review\)\n$/);
    expect(human).not.toMatch(/VALID/);
    ok(['bundle', 'cert.txt', '--home', 'sh', '--out', 'cert.bundle', '--tlog-proofs', 'proofs']);
    const proofs = readdirSync(join(cwd, 'proofs'));
    expect(proofs).toContain('policy.txt');
    expect(proofs.filter((f) => f.endsWith('.tlog-proof')).length).toBeGreaterThanOrEqual(7);
    expect(readFileSync(join(cwd, 'proofs', proofs.find((f) => f.endsWith('.tlog-proof'))!), 'utf8')).toMatch(/^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex \d+\n/);
    const offline = JSON.parse(ok(['verify', 'cert.txt', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor', '--json']));
    expect([offline.proofs, offline.outcome]).toEqual(['sound', 'approved']);
    // a tampered copy: unsound, exit 5, with problems listed
    const b = new Uint8Array(readFileSync(join(cwd, 'cert.bundle')));
    b[Math.floor(b.length / 2)]! ^= 0x20;
    writeFileSync(join(cwd, 'tampered.bundle'), b);
    const bad = tongban(['verify', 'cert.txt', '--bundle', 'tampered.bundle', '--genesis', 'genesis.cbor', '--json'], cwd);
    expect(bad.code).toBe(5);
    expect(JSON.parse(bad.stdout).proofs).toBe('unsound');
    expect(JSON.parse(bad.stdout).problems.length).toBeGreaterThan(0);
  }, 90_000);

  it('doc reject says what it did; a rejected document is never VALID and exits 1', async () => {
    writeFileSync(join(cwd, 'refused.txt'), '申请材料\n');
    const reg = JSON.parse(ok(['doc', 'register', 'refused.txt', '--home', 'bj', '--actor', 'li.na.key', '--type', 'household-transfer', '--json']));
    await until(async () => (await getJson(`${url.ha}/v1/docs/${reg.doc}`)).events.length === 1, 20_000, 'registration replicated');
    const out = ok(['doc', 'reject', 'refused.txt', '--home', 'ha', '--actor', 'wang.fang.key', '--role', 'review', '--reason', '材料不全']);
    expect(out).toMatch(/^rejected as ha-zhengzhou\/\d+ \(doc\.approve, decision reject\)\n/);
    await until(() => JSON.parse(tongban(['verify', 'refused.txt', '--home', 'ha', '--json'], cwd).stdout || '{}').outcome === 'rejected', 20_000, 'final rejection');
    const human = tongban(['verify', 'refused.txt', '--home', 'ha'], cwd);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/decision: REJECTED: rejected by ha-zhengzhou \(review\): 材料不全/);
    expect(human.stdout).not.toMatch(/VALID/);
    // the same step decided again: refused, naming the decision that stands
    const again = tongban(['doc', 'approve', 'refused.txt', '--home', 'ha', '--actor', 'wang.fang.key', '--role', 'review'], cwd);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/DECIDED/);
  }, 60_000);

  it('verifies the consortium vector bundle offline with the expected events', () => {
    const cv = vector('consortium.json');
    writeFileSync(join(cwd, 'vector.bundle'), Buffer.from(cv.bundleHex, 'hex'));
    writeFileSync(join(cwd, 'vector-genesis.cbor'), Buffer.from(cv.configs[0].hex, 'hex'));
    const v = JSON.parse(ok(['verify', cv.document.sha256, '--bundle', 'vector.bundle', '--genesis', 'vector-genesis.cbor', '--json']));
    expect([v.proofs, v.outcome, v.stands]).toEqual(['sound', 'approved', true]);
    cv.expected.events.forEach((e: Record<string, unknown>, i: number) => expect(v.events[i]).toMatchObject(e));
  });

  it('admits a fourth member through its join request and approvals', async () => {
    const p = JSON.parse(ok(['governance', 'propose', '--home', 'bj', '--actor', 'bj/keys/admin.key', '--add', 'gd/join-request.json', '--json']));
    await until(async () => (await getJson(`${url.sh}/v1/governance`)).pending.some((x: { id: string }) => x.id === p.proposal), 20_000, 'proposal replicated');
    ok(['governance', 'approve', p.proposal, '--home', 'bj', '--actor', 'bj/keys/admin.key']);
    ok(['governance', 'approve', p.proposal, '--home', 'sh', '--actor', 'sh/keys/admin.key']);
    await until(async () => (await getJson(`${url.ha}/v1/governance`)).epoch === 1, 20_000, 'epoch 1');
    const bj = JSON.parse(ok(['keys', 'show', '--home', 'bj', '--json']));
    const yaml = readFileSync(join(cwd, 'gd', 'node.yaml'), 'utf8').replace('bootstrap: []', `bootstrap:\n  - ${(await getJson(`${url.bj}/v1/status`)).addresses[0]}/p2p/${bj.peerId}`);
    writeFileSync(join(cwd, 'gd', 'node.yaml'), yaml);
    copyFileSync(join(cwd, 'genesis.cbor'), join(cwd, 'gd', 'genesis.cbor'));
    procs.gd = startNode('gd', cwd);
    url.gd = await apiUrlOf(procs.gd, 'gd', cwd);
    await waitHealthy(url.gd!);
    await until(
      async () => {
        const st = await getJson(`${url.gd}/v1/status`);
        return st.admitted && st.logs.every((l: { size: number; finalSize: number }) => l.size > 0 && l.finalSize === l.size);
      },
      30_000,
      'newcomer admitted, replicated, final',
    );
  }, 90_000);

  it('produces every documented exit code', async () => {
    expect(tongban(['verify', 'cert.txt', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor'], cwd).code).toBe(0);
    // a bundle about another document proves nothing about this one
    expect(tongban(['verify', '0'.repeat(64), '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor'], cwd).code).toBe(5);
    // sound but not standing (rejected): 1
    expect(tongban(['verify', 'refused.txt', '--home', 'ha'], cwd).code).toBe(1);
    // a bundle or genesis that cannot be read: 6, naming the file
    const missing = tongban(['verify', 'cert.txt', '--bundle', 'missing.bundle', '--genesis', 'genesis.cbor'], cwd);
    expect([missing.code, missing.stderr]).toEqual([6, expect.stringMatching(/cannot read bundle missing\.bundle: no such file/)]);
    expect(tongban(['verify', 'cert.txt', '--bundle', 'cert.bundle', '--genesis', 'proofs'], cwd).code).toBe(6);
    const usage = tongban(['verify', 'not-a-hash', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor'], cwd);
    expect([usage.code, usage.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(tongban(['doc', 'register', 'cert.txt', '--home', 'bj'], cwd).code).toBe(2);
    const down = tongban(['status', '--node', 'http://127.0.0.1:9'], cwd);
    expect([down.code, down.stderr]).toEqual([3, expect.stringMatching(/unreachable/)]);
    // a damaged store (its genesis record gone): audit and start fail with the store code, naming what is damaged, no stack
    await stopProcess(procs.ha!);
    const store = await Store.open(join(cwd, 'ha', 'data'));
    await store.write([store.put('cfg', u64Key(0), new Uint8Array([0xff]))]);
    await store.close();
    const broken = tongban(['audit', '--home', 'ha'], cwd);
    expect(broken.code).toBe(7);
    expect(broken.stderr).toMatch(/^tongban: store .*ha\/data is damaged: stored config of epoch 0 is corrupt/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    const start = tongban(['start', '--home', 'ha'], cwd);
    expect(start.code).toBe(7);
    expect(start.stderr).toMatch(/damaged: stored config of epoch 0[\s\S]*Way out: move the data directory/);
  }, 60_000);
});
