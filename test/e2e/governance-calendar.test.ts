import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../protocol/bytes.js';
import { decodeConfig } from '../../protocol/config/index.js';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';

// `tongban governance propose --calendar FILE` against two real nodes: the calendar becomes epoch 1's config
// calendar once both members approve (membership unchanged).
const dir = tempDir('tongban-gov-calendar-');
const cwd = dir.path;
const procs: ChildProcess[] = [];

function ok(args: string[]): string {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const gov = (home: string) => JSON.parse(ok(['governance', 'status', '--home', home, '--json']));

beforeAll(async () => {
  for (const [home, id, region] of [
    ['zz', 'ha-zhengzhou', '410100'],
    ['bj', 'bj-haidian', '110108'],
  ] as const)
    ok(['init', '--home', home, '--consortium', 'calendar.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  ok(['consortium', 'create', '--out', 'genesis.cbor', 'zz/join-request.json', 'bj/join-request.json']);
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
  for (const home of ['zz', 'bj']) ok(['status', '--home', home, '--wait-ready', '60']);
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map(stopProcess));
  dir.cleanup();
});

describe('tongban governance propose --calendar FILE', () => {
  it('refuses a bad calendar file before submitting, naming the file and field', () => {
    writeFileSync(join(cwd, 'bad.json'), '{"off": [20270230]}');
    const bad = tongban(['governance', 'propose', '--home', 'zz', '--actor', 'zz/keys/admin.key', '--calendar', 'bad.json'], cwd);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/bad\.json: .*calendar\.off\[0\]/)]);
    const missing = tongban(['governance', 'propose', '--home', 'zz', '--actor', 'zz/keys/admin.key', '--calendar', 'missing.yaml'], cwd);
    expect([missing.code, missing.stderr]).toEqual([6, expect.stringMatching(/cannot read calendar missing\.yaml: no such file/)]);
    const two = tongban(['governance', 'propose', '--home', 'zz', '--actor', 'zz/keys/admin.key', '--calendar', 'bad.json', '--remove', 'bj-haidian'], cwd);
    expect([two.code, two.stderr]).toEqual([2, expect.stringMatching(/exactly one of --add JOIN_REQUEST, --remove MEMBER, --rotate ROTATE_REQUEST or --calendar FILE/)]);
  });

  it('proposes the calendar as the next epoch config; once approved it is in force', async () => {
    // dates for the test only (not a real holiday notice): two days off, one make-up working day
    writeFileSync(join(cwd, 'calendar.yaml'), 'source: test dates, not a published notice\noff: [20270102, 20270101]\non: ["20270109"]\n');
    const human = ok(['governance', 'propose', '--home', 'zz', '--actor', 'zz/keys/admin.key', '--calendar', 'calendar.yaml']);
    expect(human).toMatch(/epoch 1: changes the config/);
    expect(human).toMatch(/calendar: 2 day\(s\) off \(holidays\), 1 make-up working day\(s\)/);
    const id = /^proposal ([0-9a-f]{64})$/m.exec(human)![1]!;
    ok(['governance', 'approve', id, '--home', 'zz', '--actor', 'zz/keys/admin.key']);
    ok(['governance', 'approve', id, '--home', 'bj', '--actor', 'bj/keys/admin.key']);
    await until(() => gov('bj').epoch === 1 && gov('zz').epoch === 1, 30_000, 'epoch 1 at both');
    const cfg = decodeConfig(fromBase64(gov('bj').epochs[1].config));
    expect(cfg.calendar).toEqual({ off: [20270101, 20270102], on: [20270109] });
    expect(cfg.members.map((m) => m.id)).toEqual(['bj-haidian', 'ha-zhengzhou']);
  }, 90_000);
});
