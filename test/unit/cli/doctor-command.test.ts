import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { memberHome } from '../../helpers/home.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildConfig, encodeConfig } from '../../../protocol/config/index.js';
import { Ledger } from '../../../ledger/index.js';
import { doctorCommand } from '../../../cli/commands/doctor.js';
import type { Finding } from '../../../cli/doctor.js';
import { CONSORTIUM, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis } = testConsortium(3);
const A = members[0]!;
const dirs: { cleanup: () => void }[] = [];
const servers: Server[] = [];
afterEach(() => {
  dirs.splice(0).forEach((d) => d.cleanup());
  servers.splice(0).forEach((s) => s.close());
  vi.restoreAllMocks();
});

/** A home of member A with node.yaml `yaml`. */
function home(yaml: string): string {
  const d = tempDir();
  dirs.push(d);
  memberHome(d.path, A, genesis);
  writeFileSync(join(d.path, 'node.yaml'), yaml);
  return d.path;
}

const yaml = (port = 0) => `member: ${A.id}\nconsortium: ${CONSORTIUM}\nlisten: [/ip4/127.0.0.1/tcp/0]\nhttp: {host: 127.0.0.1, port: ${port}}\n`;

/** Run `doctor --json` in process: its exit code and findings. */
async function doctor(h: string): Promise<{ code: number; findings: Finding[] }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const code = await doctorCommand({ home: h, json: true });
  vi.restoreAllMocks();
  return { code, findings: (JSON.parse(out) as { findings: Finding[] }).findings };
}

describe('tongban doctor (the command)', () => {
  it('a sound stopped home: no problem, exit 0; the store and clock checks say why they are skipped', async () => {
    const r = await doctor(home(yaml()));
    expect(r.findings.filter((f) => f.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.findings.find((f) => f.check === 'store')?.status).toBe('skip');
    expect(r.findings.find((f) => f.check === 'clock')?.status).toBe('skip');
    expect(r.findings.find((f) => f.check === 'tls')?.status).toBe('skip');
  });

  it('a node.yaml that does not validate: one config failure naming the field, exit 2', async () => {
    const r = await doctor(home(`${yaml()}colour: blue\n`));
    expect(r.code).toBe(2);
    expect(r.findings).toEqual([expect.objectContaining({ check: 'config', status: 'fail', message: expect.stringContaining('colour') })]);
  });

  it('a store of another network: a store failure with the way out', async () => {
    const h = home(yaml());
    const other = encodeConfig(buildConfig({ consortium: 'other.gov.example', epoch: 0, members: members.map((m) => m.member) }));
    const l = await Ledger.open({ path: join(h, 'data'), genesis: other });
    await l.close();
    const r = await doctor(h);
    expect(r.code).toBe(2);
    expect(r.findings).toContainEqual(expect.objectContaining({ check: 'store', status: 'fail', fix: expect.stringContaining('move') }));
  });

  it('a store of this network: its epoch and schema; the keys are checked against its newest config', async () => {
    const h = home(yaml());
    const l = await Ledger.open({ path: join(h, 'data'), genesis });
    await l.close();
    const r = await doctor(h);
    expect(r.code).toBe(0);
    expect(r.findings).toContainEqual(expect.objectContaining({ check: 'store', status: 'ok', message: expect.stringContaining('epoch 0; schema 1') }));
    expect(r.findings.filter((f) => f.check === 'membership').map((f) => f.status)).toEqual(['ok', 'ok']);
  });

  it('the API port held by another process: a ports failure with how to find it', async () => {
    const srv = createServer();
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const r = await doctor(home(yaml(port)));
    expect(r.code).toBe(2);
    expect(r.findings).toContainEqual(expect.objectContaining({ check: 'ports', status: 'fail', fix: expect.stringContaining(`sport = :${port}`) }));
  });
});
