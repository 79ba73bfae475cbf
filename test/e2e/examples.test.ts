import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';

// The README's integration examples against a real local consortium (two real nodes, ports chosen by binding):
// an official enrolled with the CLI; the Python program registers a document and the Java program opens a case,
// each preparing on the node, checking the bytes, signing with the official's key file, waiting until final and
// printing the report; the test compares it with what the CLI reads.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PY = join(ROOT, 'examples/python/tongban_example.py');
const JAVA = join(ROOT, 'examples/java/TongbanExample.java');
const GSON = '/usr/share/java/gson.jar';
const dir = tempDir('tongban-examples-');
const cwd = dir.path;
const procs: ChildProcess[] = [];
let url = '';
let network = '';

function ok(args: string[]): string {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
}

beforeAll(async () => {
  for (const [home, id, region] of [
    ['zz', 'ha-zhengzhou', '410100'],
    ['bj', 'bj-haidian', '110108'],
  ] as const) {
    ok(['init', '--home', home, '--consortium', 'examples.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  }
  // The network id as the operator learns it when the consortium is created: what the examples trust.
  network = /network id ([0-9a-f]{64})/.exec(ok(['consortium', 'create', '--out', 'genesis.cbor', 'zz/join-request.json', 'bj/join-request.json']))![1]!;
  procs.push(startNode('zz', cwd, 'genesis.cbor'));
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
  ok(['operator', 'add', '--home', 'zz', '--id', 'zz.off', '--roles', 'caseworker,registrar', '--out', 'zz.off.key', '--actor', 'zz/keys/admin.key']);
  url = readFileSync(join(cwd, 'zz', 'run', 'api.url'), 'utf8').trim();
  writeFileSync(join(cwd, 'permit.pdf'), 'a permit issued in Zhengzhou\n');
  writeFileSync(join(cwd, 'other.pdf'), 'another permit\n');
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map(stopProcess));
  dir.cleanup();
});

describe('integration examples (Python and Java) against real nodes', () => {
  it('the package exports tongban/client (self-reference, as a consumer imports it)', async () => {
    const sdk = await import('tongban/client');
    expect(typeof sdk.TongbanClient).toBe('function');
    expect(typeof sdk.checkPrepared).toBe('function');
    const st = await new sdk.TongbanClient(url).status();
    expect(st).toMatchObject({ member: 'ha-zhengzhou', network });
  });

  it('Python: prepare, check, sign with the key file, submit, final, the document report', async () => {
    const r = run('/usr/bin/python3', [PY, '--node', url, '--key', 'zz.off.key', '--network', network, '--member', 'ha-zhengzhou', '--doc', 'permit.pdf']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { record: string; doc: string; report: { proofs: string; outcome: string; events: { id?: string; final: boolean }[] } };
    expect(r.stderr).toContain(`record ${out.record} is final`);
    const rec = (await (await fetch(`${url}/v1/records/${out.record}`)).json()) as { final: boolean; record: { kind: string; actor: { id: string }; body: { doc: string } } };
    expect(rec).toMatchObject({ final: true, record: { kind: 'doc.register', actor: { id: 'zz.off' }, body: { doc: out.doc } } });
    // the report printed is the one the CLI verifies (exit 1: registered, not yet approved, so not standing)
    const v = tongban(['verify', 'permit.pdf', '--home', 'zz', '--json'], cwd);
    expect(v.code, v.stderr).toBe(1);
    const cli = JSON.parse(v.stdout) as typeof out.report;
    expect(out.report).toMatchObject({ proofs: 'sound', outcome: cli.outcome });
    expect(out.report.events).toEqual(cli.events);
    // a wrong network id: the prepared bytes are refused before anything is signed, nothing is stored
    const before = JSON.parse(ok(['status', '--home', 'zz', '--json'])).logs.find((l: { author: string }) => l.author === 'ha-zhengzhou').size;
    const bad = run('/usr/bin/python3', [PY, '--node', url, '--key', 'zz.off.key', '--network', '0'.repeat(64), '--member', 'ha-zhengzhou', '--doc', 'other.pdf']);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('prepared request net is not what was asked for')]);
    expect(JSON.parse(ok(['status', '--home', 'zz', '--json'])).logs.find((l: { author: string }) => l.author === 'ha-zhengzhou').size).toBe(before);
  }, 180_000);

  it('Java: prepare, check, sign with the key file, submit, final, the case report', async () => {
    const classes = join(cwd, 'java-classes');
    const c = run('javac', ['-cp', GSON, '-d', classes, JAVA]);
    expect(c.code, c.stderr).toBe(0);
    const r = run('java', [
      '-cp',
      `${classes}:${GSON}`,
      'TongbanExample',
      '--node',
      url,
      '--key',
      'zz.off.key',
      '--network',
      network,
      '--member',
      'ha-zhengzhou',
      '--handler',
      'bj-haidian',
      '--serial',
      'ZZ-JAVA-0001',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { record: string; salt: string; report: Record<string, unknown> & { timeline: { id: string; final: boolean }[] } };
    expect(r.stderr).toContain(`record ${out.record} is final`);
    expect(out.report).toMatchObject({ case: out.record, serial: 'ZZ-JAVA-0001', opener: 'ha-zhengzhou', handlers: ['bj-haidian'], state: 'received' });
    expect(out.report.timeline[0]).toMatchObject({ id: out.record, kind: 'case.open', actor: 'zz.off', final: true });
    const cli = JSON.parse(ok(['case', 'show', out.record, '--home', 'zz', '--json'])) as typeof out.report;
    for (const k of ['case', 'item', 'name', 'mode', 'serial', 'opener', 'handlers', 'state', 'due']) expect(out.report[k], k).toEqual(cli[k]);
    expect(out.report.timeline.map((e) => e.id)).toEqual(cli.timeline.map((e) => e.id));
    // the same serial again: the node refuses at prepare, naming the rule; the program exits 1
    const dup = run('java', [
      '-cp',
      `${classes}:${GSON}`,
      'TongbanExample',
      '--node',
      url,
      '--key',
      'zz.off.key',
      '--network',
      network,
      '--member',
      'ha-zhengzhou',
      '--handler',
      'bj-haidian',
      '--serial',
      'ZZ-JAVA-0001',
    ]);
    expect([dup.code, dup.stderr]).toEqual([1, expect.stringContaining('409 duplicate-serial')]);
  }, 180_000);
});
