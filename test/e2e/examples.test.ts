import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';

// The README's "Integrating from Java or Python" block, run as written against a real local consortium (two
// real nodes, ports chosen by binding): the admin enrols an official with the CLI; the Python program registers
// a document and the Java program opens a case, each preparing on the node, checking the bytes, signing with the
// official's key file, waiting until final and printing the report; the test compares them with what the CLI reads.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = join(ROOT, 'README.md');
const GSON = '/usr/share/java/gson.jar';
const dir = tempDir('tongban-examples-');
const cwd = dir.path;
const procs: ChildProcess[] = [];
let url = '';
let network = '';
let block = { code: -1, stdout: '', stderr: '' };

/** The ```sh blocks of the README section with this heading (up to the next level-2 heading), in order. */
function shellBlocks(markdown: string, heading: string): string {
  const from = markdown.indexOf(`\n${heading}\n`);
  if (from < 0) throw new Error(`README has no section ${heading}`);
  const rest = markdown.slice(from + heading.length + 2);
  const next = rest.search(/\n## /);
  const blocks = [...(next < 0 ? rest : rest.slice(0, next)).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length === 0) throw new Error(`README has no shell block under ${heading}`);
  return blocks.join('\n');
}

function ok(args: string[]): string {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
}

const logSize = () => (JSON.parse(ok(['status', '--home', 'ha', '--json'])).logs as { author: string; size: number }[]).find((l) => l.author === 'ha-zhengzhou')!.size;

beforeAll(async () => {
  for (const [home, id, region] of [
    ['ha', 'ha-zhengzhou', '410100'],
    ['bj', 'bj-haidian', '110108'],
  ] as const) {
    ok(['init', '--home', home, '--consortium', 'examples.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  }
  network = /network id ([0-9a-f]{64})/.exec(ok(['consortium', 'create', '--out', 'genesis.cbor', 'ha/join-request.json', 'bj/join-request.json']))![1]!;
  procs.push(startNode('ha', cwd, 'genesis.cbor'));
  let boot = '';
  await until(
    () => {
      const r = tongban(['status', '--home', 'ha', '--bootstrap'], cwd);
      boot = r.stdout.trim().split('\n')[0] ?? '';
      return r.code === 0 && boot.includes('/p2p/');
    },
    30_000,
    'ha to listen',
  );
  procs.push(spawn(process.execPath, [BIN, 'start', '--home', 'bj', '--genesis', 'genesis.cbor'], { cwd, stdio: 'ignore', env: { ...process.env, TONGBAN_BOOTSTRAP: boot } }));
  for (const home of ['ha', 'bj']) expect(tongban(['status', '--home', home, '--wait-ready', '60'], cwd).code).toBe(0);
  url = readFileSync(join(cwd, 'ha', 'run', 'api.url'), 'utf8').trim();
  // As the README says: the examples folder linked beside the homes, `tongban` on the PATH.
  symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
  const bin = join(cwd, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'tongban'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'tongban'), 0o755);
  block = run('bash', ['-e', '-u', '-o', 'pipefail', '-c', shellBlocks(readFileSync(README, 'utf8'), '## Integrating from Java or Python')], {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
  });
}, 400_000);

afterAll(async () => {
  await Promise.all(procs.map(stopProcess));
  dir.cleanup();
});

describe('README: integrating from Java or Python (the block as written, real nodes)', () => {
  it('runs: the official is enrolled with the CLI, both programs say their record is final', () => {
    expect(block.code, `--- stdout\n${block.stdout}\n--- stderr\n${block.stderr}`).toBe(0);
    expect(block.stderr.match(/record [0-9a-f]{64} is final\n/g)).toHaveLength(3);
  });

  it('the SDK example (tongban/client): signed locally, final, its bundle verified offline as sound', async () => {
    const out = JSON.parse(readFileSync(join(cwd, 'sdk-report.json'), 'utf8')) as {
      record: string;
      doc: string;
      report: { proofs: string; outcome: string; entries: { id: string; final: boolean }[] };
    };
    expect(out.report).toMatchObject({ proofs: 'sound', outcome: 'pending', doc: out.doc });
    expect(out.report.entries.find((e) => e.id === out.record)).toMatchObject({ final: true });
    const rec = (await (await fetch(`${url}/v1/records/${out.record}`)).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({ final: true, record: { kind: 'doc.register', actor: { id: 'ha.off' } } });
  });

  it('the package exports tongban/client (self-reference, as a consumer imports it)', async () => {
    const sdk = await import('tongban/client');
    expect(typeof sdk.TongbanClient).toBe('function');
    expect(typeof sdk.checkPrepared).toBe('function');
    const st = await new sdk.TongbanClient(url).status();
    expect(st).toMatchObject({ member: 'ha-zhengzhou', network });
  });

  it('Python: the document record is final and the printed report is the one the CLI verifies; a wrong network id is never signed', async () => {
    const out = JSON.parse(readFileSync(join(cwd, 'doc-report.json'), 'utf8')) as { record: string; doc: string; report: { proofs: string; outcome: string; events: unknown[] } };
    const rec = (await (await fetch(`${url}/v1/records/${out.record}`)).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({ final: true, state: 'final', record: { kind: 'doc.register', actor: { id: 'ha.off' }, body: { doc: out.doc, class: 'internal' } } });
    // exit 1: registered, not yet approved, so not standing
    const v = tongban(['verify', 'permit.pdf', '--home', 'ha', '--json'], cwd);
    expect(v.code, v.stderr).toBe(1);
    const cli = JSON.parse(v.stdout) as typeof out.report;
    expect(out.report).toMatchObject({ proofs: 'sound', outcome: 'pending' });
    expect(out.report.events).toEqual(cli.events);
    // a network id that is not the consortium's: the prepared bytes are refused before signing, nothing is stored
    writeFileSync(join(cwd, 'other.pdf'), 'another permit\n');
    const before = logSize();
    const bad = run('/usr/bin/python3', ['examples/python/tongban_example.py', '--node', url, '--key', 'ha.off.key', '--network', '0'.repeat(64), '--member', 'ha-zhengzhou', '--doc', 'other.pdf']);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('prepared request net is not what was asked for: not signing it')]);
    expect(logSize()).toBe(before);
  });

  it('Java: the case.open is final and the printed case report is the one the CLI shows; a repeated serial is refused at prepare', async () => {
    const out = JSON.parse(readFileSync(join(cwd, 'case-report.json'), 'utf8')) as { record: string; salt: string; report: Record<string, unknown> & { timeline: { id: string }[] } };
    expect(out.report).toMatchObject({ case: out.record, serial: 'HA-2026-0001', opener: 'ha-zhengzhou', handlers: ['bj-haidian'], state: 'received', mode: 'online' });
    expect(out.report.timeline[0]).toMatchObject({ id: out.record, kind: 'case.open', actor: 'ha.off', final: true });
    const rec = (await (await fetch(`${url}/v1/records/${out.record}`)).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({ final: true, record: { kind: 'case.open', actor: { id: 'ha.off' } } });
    const cli = JSON.parse(ok(['case', 'show', out.record, '--home', 'ha', '--json'])) as typeof out.report;
    for (const k of ['case', 'item', 'name', 'mode', 'serial', 'opener', 'handlers', 'state', 'acceptedAt', 'due']) expect(out.report[k], k).toEqual(cli[k]);
    expect(out.report.timeline.map((e) => e.id)).toEqual(cli.timeline.map((e) => e.id));
    const before = logSize();
    const dup = run('java', [
      '-cp',
      `classes:${GSON}`,
      'TongbanExample',
      '--node',
      url,
      '--key',
      'ha.off.key',
      '--network',
      network,
      '--member',
      'ha-zhengzhou',
      '--handler',
      'bj-haidian',
      '--serial',
      'HA-2026-0001',
    ]);
    expect([dup.code, dup.stderr]).toEqual([1, expect.stringContaining('409 duplicate-serial')]);
    expect(logSize()).toBe(before);
  });

  // Last: once ha has a token file, its API wants a token from everyone (README "Securing the API").
  it('a secured node: each example sends the API token of env TONGBAN_TOKEN, and is refused without it', () => {
    const token = ok(['token', 'create', '--home', 'ha', '--name', 'shenpi-system', '--scope', 'read,write']).trim().split('\n')[0]!;
    expect(token).toMatch(/^tbt_/);
    writeFileSync(join(cwd, 'secured.pdf'), 'a permit for a secured node\n');
    writeFileSync(join(cwd, 'secured-sdk.pdf'), 'another permit for a secured node\n');
    const common = ['--node', url, '--key', 'ha.off.key', '--network', network, '--member', 'ha-zhengzhou'];
    const py = ['examples/python/tongban_example.py', ...common, '--doc', 'secured.pdf'];
    const without = run('/usr/bin/python3', py);
    expect([without.code, without.stderr]).toEqual([1, expect.stringContaining('401 AUTH_REQUIRED')]);
    const env = { ...process.env, TONGBAN_TOKEN: token };
    for (const [cmd, args] of [
      ['/usr/bin/python3', py],
      ['java', ['-cp', `classes:${GSON}`, 'TongbanExample', ...common, '--handler', 'bj-haidian', '--serial', 'HA-2026-0002']],
      [process.execPath, ['examples/js/tongban_example.mjs', ...common, '--doc', 'secured-sdk.pdf']],
    ] as const) {
      const r = run(cmd, [...args], env);
      expect([r.code, r.stderr], `${cmd} ${args.join(' ')}`).toEqual([0, expect.stringMatching(/record [0-9a-f]{64} is final/)]);
    }
  });
});
