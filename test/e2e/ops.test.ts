import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../protocol/bytes.js';
import { Store } from '../../ledger/store.js';
import { SCHEMA_KEY, SCHEMA_VERSION } from '../../ledger/schema.js';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, stopProcess, tongban, waitHealthy } from '../helpers/cli.js';

const dir = tempDir('tongban-e2e-ops-');
const cwd = dir.path;
const running: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map(stopProcess));
  dir.cleanup();
});

/** `tongban start --home hb --accept-empty-log`, until its API answers. */
async function start(): Promise<{ p: ChildProcess; url: string }> {
  const apiFile = join(cwd, 'hb/run/api.url');
  const p = spawn(process.execPath, [BIN, 'start', '--home', 'hb', '--accept-empty-log'], { cwd, stdio: 'ignore' });
  running.push(p);
  await until(() => existsSync(apiFile), 30_000, 'api.url written');
  const url = readFileSync(apiFile, 'utf8').trim();
  await waitHealthy(url);
  return { p, url };
}

type Doctor = { ok: boolean; findings: { check: string; status: string; message: string; fix?: string }[] };
const doctor = () => {
  const r = tongban(['doctor', '--home', 'hb', '--json'], cwd);
  return { code: r.code, out: JSON.parse(r.stdout) as Doctor };
};

describe('operating a node: doctor, backup, restore, schema versions (the built binary)', () => {
  it('doctor names a loose key file; backup of the running node; restore refuses a non-empty store, then restores with --force; the restored node recovers before signing; a newer store is refused with exit 7', async () => {
    expect(existsSync(BIN), 'dist/ must be built').toBe(true);
    for (const [home, id, region] of [
      ['hb', 'hb-wuhan', '420100'],
      ['sc', 'sc-chengdu', '510100'],
    ]) {
      const r = tongban(['init', '--home', home!, '--consortium', 'ops.gov.example', '--id', id!, '--name', id!, '--region', region!, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], cwd);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(tongban(['consortium', 'create', '--out', 'genesis.cbor', 'hb/join-request.json', 'sc/join-request.json'], cwd).code).toBe(0);
    copyFileSync(join(cwd, 'genesis.cbor'), join(cwd, 'hb/genesis.cbor'));

    // doctor on a stopped node: no problem; a key file readable by others is one, with its fix
    const d1 = doctor();
    expect(d1.code, JSON.stringify(d1.out)).toBe(0);
    expect(d1.out.findings.find((f) => f.check === 'store')?.status).toBe('skip');
    chmodSync(join(cwd, 'hb/keys/ledger.key'), 0o644);
    const d2 = doctor();
    expect(d2.code).toBe(2);
    expect(d2.out.findings).toContainEqual(expect.objectContaining({ check: 'keys', status: 'fail', fix: `chmod 600 ${join(cwd, 'hb/keys/ledger.key')}` }));
    const human = tongban(['doctor', '--home', 'hb'], cwd);
    expect(human.stdout).toMatch(/FAIL {2}keys +ledgerKey: .* has mode 0644/);
    expect(human.stdout).toMatch(/fix: chmod 600/);
    chmodSync(join(cwd, 'hb/keys/ledger.key'), 0o600);

    // the node runs (alone: --accept-empty-log) and signs its first admin
    let node = await start();
    await until(() => /hb-wuhan +size +1/.test(tongban(['status', '--home', 'hb'], cwd).stdout), 20_000, 'first admin appended');
    const d3 = doctor();
    expect(d3.out.findings).toContainEqual(expect.objectContaining({ check: 'ports', status: 'ok', message: expect.stringContaining(node.url) }));
    expect(d3.out.findings).toContainEqual(expect.objectContaining({ check: 'peers', status: 'fail' }));
    expect(d3.out.findings.find((f) => f.check === 'store')?.status).toBe('ok');

    // backup while it runs: one snapshot through the API
    const b = tongban(['backup', '--home', 'hb', '--out', '.'], cwd);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/the node running: one consistent snapshot/);
    const file = readdirSync(cwd).find((f) => /^tongban-hb-wuhan-\d{8}T\d{6}Z\.tbbackup$/.test(f))!;
    expect(file).toBeDefined();
    // a running node's store is not restored over
    expect(tongban(['restore', '--home', 'hb', '--from', file], cwd)).toMatchObject({ code: 2, stderr: expect.stringMatching(/is running .*stop it first/) });
    // an official enrolled after the backup: an own record the backup lacks
    const add = tongban(['operator', 'add', '--home', 'hb', '--id', 'wang.fang', '--roles', 'registrar', '--out', 'wang.fang.key', '--actor', 'hb/keys/admin.key'], cwd);
    expect(add.code, add.stderr).toBe(0);
    // nor when its API cannot be found (here: its URL file gone): the store's lock says it runs; no file copy of a live store either
    rmSync(join(cwd, 'hb/run/api.url'));
    expect(tongban(['restore', '--home', 'hb', '--from', file, '--force'], cwd)).toMatchObject({ code: 2, stderr: expect.stringMatching(/is in use: a node of hb holds its lock/) });
    expect(tongban(['backup', '--home', 'hb', '--out', 'live-files.tbbackup'], cwd)).toMatchObject({ code: 2, stderr: expect.stringMatching(/is in use/) });
    expect(existsSync(join(cwd, 'live-files.tbbackup'))).toBe(false);
    expect(await stopProcess(node.p)).toBe(0);

    // stopped: the same store backs up from its files
    const off = tongban(['backup', '--home', 'hb', '--out', 'offline.tbbackup', '--json'], cwd);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ mode: 'offline', member: 'hb-wuhan', schema: SCHEMA_VERSION });

    // restore: refused over a non-empty store without --force; with it, audited, the old store kept aside
    const refused = tongban(['restore', '--home', 'hb', '--from', file], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not empty.*--force/);
    const cut = join(cwd, 'cut.tbbackup');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cut, readFileSync(join(cwd, file)).subarray(0, 100));
    expect(tongban(['restore', '--home', 'hb', '--from', cut, '--force'], cwd)).toMatchObject({ code: 2, stderr: expect.stringMatching(/nothing restored: .*cut short/) });
    // the store holds an own record the backup lacks (the official enrolled after it): not restored over without --discard-newer
    expect(tongban(['restore', '--home', 'hb', '--from', file, '--force'], cwd)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/holds hb-wuhan's own records 1 to 1, which the backup lacks/),
    });
    const ok = tongban(['restore', '--home', 'hb', '--from', file, '--force', '--discard-newer'], cwd);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit: 1 records in 1 logs and \d+ checkpoints?, no problems/);
    expect(readdirSync(join(cwd, 'hb')).some((f) => f.startsWith('data.before-restore-'))).toBe(true);

    // the restored node recovers its own log from its peers first, even told --accept-empty-log: sc is down, so it waits
    node = await start();
    const st = tongban(['status', '--home', 'hb'], cwd);
    expect(st.stdout).toMatch(/appends refused for now: RECOVERING/);
    expect(await stopProcess(node.p)).toBe(0);

    // a store newer than this release: start and audit exit 7 naming both versions; doctor says which release
    const store = await Store.open(join(cwd, 'hb/data'));
    await store.write([store.put('meta', SCHEMA_KEY, utf8(String(SCHEMA_VERSION + 1)))]);
    await store.close();
    const newer = tongban(['start', '--home', 'hb'], cwd);
    expect(newer.code).toBe(7);
    expect(newer.stderr).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}, but this tongban knows versions up to ${SCHEMA_VERSION}`));
    expect(tongban(['audit', '--home', 'hb'], cwd).code).toBe(7);
    const d4 = doctor();
    expect(d4.code).toBe(2);
    expect(d4.out.findings).toContainEqual(expect.objectContaining({ check: 'store', status: 'fail', fix: expect.stringContaining('newer tongban') }));
  }, 120_000);
});
