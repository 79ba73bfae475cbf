import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';
import { sourcesOf } from '../helpers/bundle-sources.js';

// One real node (ports chosen by the OS) and the client commands run as real processes against it.
const dir = tempDir('tongban-client-');
const cwd = dir.path;
let proc: ChildProcess | undefined;
const SPY = fileURLToPath(new URL('../helpers/load-spy.mjs', import.meta.url));

function ok(args: string[]) {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Run the CLI with the load spy; returns its exit code and the URLs of every module it loaded (a chunk of the bundled CLI: the modules in it). */
function spied(args: string[]): { code: number; stdout: string; stderr: string; loaded: string[] } {
  const file = join(cwd, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', SPY, BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TONGBAN_LOAD_SPY: file } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, loaded: sourcesOf(readFileSync(file, 'utf8').split('\n').filter(Boolean)) };
}

const FORBIDDEN = [/\/dist\/node\//, /\/node_modules\/(libp2p|@libp2p|@chainsafe|level|classic-level|abstract-level|fastify)\//];

beforeAll(async () => {
  ok(['init', '--home', 'a', '--consortium', 'client.gov.example', '--id', 'aa-one', '--name', 'A', '--region', '110108', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  ok(['consortium', 'create', '--out', 'genesis.cbor', 'a/join-request.json']);
  proc = startNode('a', cwd, 'genesis.cbor');
  ok(['status', '--home', 'a', '--wait-ready', '60']);
}, 90_000);

afterAll(async () => {
  if (proc) await stopProcess(proc);
  dir.cleanup();
});

describe('client commands (real processes)', () => {
  it('load neither node/, libp2p, fastify nor LevelDB', () => {
    writeFileSync(join(cwd, 'cert.txt'), 'a document\n');
    const runs: string[][] = [
      ['status', '--home', 'a'],
      ['governance', 'status', '--home', 'a'],
      ['operator', 'add', '--home', 'a', '--id', 'li.na', '--roles', 'registrar', '--out', 'li.na.key', '--actor', 'a/keys/admin.key'],
      ['doc', 'register', 'cert.txt', '--home', 'a', '--actor', 'li.na.key', '--type', 'household-transfer'],
      ['bundle', 'cert.txt', '--home', 'a', '--out', 'cert.bundle'],
      ['verify', 'cert.txt', '--home', 'a'],
      ['verify', 'cert.txt', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor'],
    ];
    for (const args of runs) {
      const r = spied(args);
      expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBeLessThanOrEqual(1); // verify may say pending (1)
      // The spy works: the command's own module was loaded.
      expect(
        r.loaded.some((u) => u.includes('/dist/cli/commands/')),
        args.join(' '),
      ).toBe(true);
      expect(
        r.loaded.filter((u) => FORBIDDEN.some((f) => f.test(u))),
        `tongban ${args.join(' ')}`,
      ).toEqual([]);
      // Offline verification reads no home: not even the node.yaml reader (TypeBox, YAML), which cost it half its start-up.
      if (args.includes('--bundle')) expect(r.loaded.filter((u) => /\/node_modules\/(@sinclair\/typebox|yaml)\//.test(u) || u.includes('/dist/cli/config.js'))).toEqual([]);
      // A read against a running node (it wrote HOME/run/api.url) loads no node.yaml reader, CBOR or Ed25519 (issue 16).
      if (args[0] === 'status') expect(r.loaded.filter((u) => /\/node_modules\/(@sinclair\/typebox|yaml|cbor-x|@noble)\//.test(u) || u.includes('/dist/cli/config.js'))).toEqual([]);
    }
  });

  it('the case write commands load neither node/, libp2p, fastify nor LevelDB (an online case handled by its opener)', () => {
    ok(['operator', 'add', '--home', 'a', '--id', 'cw.one', '--roles', 'caseworker,approver,supervisor', '--out', 'cw.one.key', '--actor', 'a/keys/admin.key']);
    writeFileSync(join(cwd, 'form.txt'), 'form\n');
    const actor = ['--home', 'a', '--actor', 'cw.one.key'];
    const open = spied([
      'case',
      'open',
      ...actor,
      '--item',
      'X1',
      '--name',
      'n',
      '--mode',
      'online',
      '--serial',
      'B-1',
      '--handler',
      'aa-one',
      '--days',
      '5',
      '--id-type',
      '111',
      '--id-number',
      'A1',
      '--material',
      'f=form.txt',
      '--json',
    ]);
    expect(open.code, open.stderr).toBe(0);
    const id = JSON.parse(open.stdout).case as string;
    const runs: string[][] = [
      ['case', 'accept', id, ...actor],
      ['case', 'pause', id, ...actor, '--reason', 'inspection'],
      ['case', 'resume', id, ...actor],
      ['case', 'extend', id, ...actor, '--days', '2'],
      ['case', 'step', id, ...actor, '--step', 'approve'],
      ['case', 'close', id, ...actor, '--result', 'done', '--wait', 'final'],
      ['case', 'handoff', id, ...actor, '--to', 'aa-one', '--purpose', 'return'],
      ['case', 'receive', id, ...actor],
      ['case', 'deliver', id, ...actor, '--via', 'electronic'],
      ['case', 'evaluate', id, ...actor, '--score', '5', '--channel', 'web'],
      ['case', 'supervise', id, ...actor, '--action', 'claim'],
      ['case', 'bundle', id, '--home', 'a', '--out', 'case.bundle'],
      ['case', 'verify', '--bundle', 'case.bundle', '--genesis', 'genesis.cbor'],
    ];
    for (const args of runs) {
      const r = spied(args);
      expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
      expect(
        r.loaded.filter((u) => FORBIDDEN.some((f) => f.test(u))),
        `tongban ${args.join(' ')}`,
      ).toEqual([]);
    }
    // a document bundle is not a case bundle: a usage error that says what to run
    const doc = spied(['case', 'verify', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor']);
    expect([doc.code, doc.stderr]).toEqual([2, expect.stringMatching(/is a document bundle, not a case bundle: verify it with tongban verify --bundle/)]);
  });

  it('config errors exit with the usage code (2) and name the field, for start and the client commands', () => {
    const bad = (name: string, edit: (home: string) => void) => {
      cpSync(join(cwd, 'a'), join(cwd, name), { recursive: true, filter: (src) => !src.includes(`${join('a', 'data')}`) && !src.endsWith('api.url') });
      edit(join(cwd, name));
      return name;
    };
    const yamlHome = bad('bad-yaml', (h) => writeFileSync(join(h, 'node.yaml'), readFileSync(join(h, 'node.yaml'), 'utf8').replace(/checkpointIntervalMs: \d+/, 'checkpointIntervalMs: soon')));
    const keyHome = bad('bad-key', (h) => {
      writeFileSync(join(h, 'keys', 'ledger.key'), '{"type":"tongban-key/v1"}');
      chmodSync(join(h, 'keys', 'ledger.key'), 0o600);
    });
    const limitHome = bad('bad-limit', (h) => writeFileSync(join(h, 'node.yaml'), readFileSync(join(h, 'node.yaml'), 'utf8').replace(/( +)port: 0\n/, '$1port: 0\n$1maxConnections: 0\n')));
    const genesisHome = bad('bad-genesis', (h) => writeFileSync(join(h, 'genesis.cbor'), 'not cbor at all'));
    const cases: [string[], RegExp][] = [
      [['start', '--home', yamlHome], /field checkpointIntervalMs/],
      [['status', '--home', yamlHome], /field checkpointIntervalMs/],
      [['status', '--home', yamlHome, '--wait-ready'], /field checkpointIntervalMs/],
      [['doc', 'register', 'cert.txt', '--home', yamlHome, '--actor', 'li.na.key', '--type', 't'], /field checkpointIntervalMs/],
      [['start', '--home', limitHome], /field http\.maxConnections: expected integer to be greater or equal to 1/],
      [['start', '--home', keyHome], /field ledgerKey: key file .*ledger\.key is not a tongban key/],
      [['keys', 'show', '--home', keyHome], /ledger\.key is not a tongban key/],
      [['start', '--home', genesisHome], /field genesis: .*genesis\.cbor is not a consortium config/],
      [['verify', 'cert.txt', '--home', genesisHome], /field genesis: .*is not a consortium config/],
      [['start', '--home', bad('no-genesis', (h) => rmSync(join(h, 'genesis.cbor'))), '--genesis', 'cert.txt'], /--genesis cert\.txt is not a consortium genesis/],
      [['doc', 'register', 'cert.txt', '--home', 'a', '--actor', 'cert.txt', '--type', 't'], /--actor: key file cert\.txt has mode 644/],
    ];
    // A node that is not running: --wait-ready gives up after its time, as unreachable (3); a bad home fails at once (2).
    const notUp = tongban(['status', '--home', keyHome, '--wait-ready', '1'], cwd);
    expect([notUp.code, notUp.stderr]).toEqual([3, expect.stringMatching(/did not become ready within 1 s/)]);
    for (const [args, msg] of cases) {
      const r = tongban(args, cwd);
      expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
