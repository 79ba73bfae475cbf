import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, stopProcess, tongban } from '../helpers/cli.js';

/** docs/KEY-ROTATION.md, run: two members on loopback, bj rotates its ledger key and peer id through governance. */
const dir = tempDir('tongban-e2e-rotation-');
const cwd = dir.path;
const procs: Record<string, ChildProcess> = {};
afterAll(async () => {
  await Promise.all(Object.values(procs).map(stopProcess));
  dir.cleanup();
});

function ok(args: string[]): string {
  const r = tongban(args, cwd);
  expect(r.code, `tongban ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const start = (home: string, extra: string[], bootstrap?: string) =>
  spawn(process.execPath, [BIN, 'start', '--home', home, ...extra], { cwd, stdio: 'ignore', env: { ...process.env, ...(bootstrap ? { TONGBAN_BOOTSTRAP: bootstrap } : {}) } });
/** A started node's dialable addresses, once its API answers. */
async function bootstrapOf(home: string): Promise<string> {
  let out = '';
  await until(
    () => {
      const r = tongban(['status', '--home', home, '--bootstrap'], cwd);
      out = r.stdout.trim();
      return r.code === 0 && out.length > 0;
    },
    30_000,
    `${home} answers`,
  );
  return out.split('\n').join(',');
}

describe("rotating a member's keys (README, docs/KEY-ROTATION.md)", () => {
  it('keys rotate, governance propose --rotate, approve, restart with the new keys (--rotated-keys): records under both keys verify', async () => {
    for (const [home, id, region] of [
      ['bj', 'bj-haidian', '110108'],
      ['sh', 'sh-pudong', '310115'],
    ] as const) {
      ok(['init', '--home', home, '--consortium', 'rot.gov.example', '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
    }
    ok(['consortium', 'create', '--out', 'genesis.cbor', 'bj/join-request.json', 'sh/join-request.json']);
    procs.bj = start('bj', ['--genesis', 'genesis.cbor']);
    procs.sh = start('sh', ['--genesis', 'genesis.cbor'], await bootstrapOf('bj'));
    const sh = await bootstrapOf('sh');
    for (const home of ['bj', 'sh']) ok(['status', '--home', home, '--wait-ready', '60']);
    ok(['operator', 'add', '--home', 'bj', '--id', 'li.na', '--roles', 'registrar', '--out', 'li.na.key', '--actor', 'bj/keys/admin.key']);
    writeFileSync(join(cwd, 'cert.txt'), 'certificate\n');
    ok(['doc', 'register', 'cert.txt', '--home', 'bj', '--actor', 'li.na.key', '--type', 'permit', '--wait', 'final']);

    // 1. new keys and the rotation request, beside the old keys
    const made = JSON.parse(ok(['keys', 'rotate', '--home', 'bj', '--json'])) as { epoch: number; request: string; peerId: string };
    expect(made.epoch).toBe(1);
    for (const f of ['ledger-1.key', 'peer-1.key']) expect(statSync(join(cwd, 'bj', 'keys', f)).mode & 0o777).toBe(0o600);
    // 2. another member proposes it, a quorum (both) approves
    const id = ok(['governance', 'propose', '--home', 'sh', '--actor', 'sh/keys/admin.key', '--rotate', made.request, '--quiet']).trim();
    ok(['governance', 'approve', id, '--home', 'bj', '--actor', 'bj/keys/admin.key']);
    ok(['governance', 'approve', id, '--home', 'sh', '--actor', 'sh/keys/admin.key']);
    await until(() => (JSON.parse(ok(['governance', 'status', '--home', 'sh', '--json'])) as { epoch: number }).epoch === 1, 20_000, 'epoch 1 at sh');
    // 3. stop bj, name the new keys in node.yaml, start with --rotated-keys
    await stopProcess(procs.bj);
    const yaml = join(cwd, 'bj', 'node.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('ledgerKey: keys/ledger.key', 'ledgerKey: keys/ledger-1.key').replace('peerKey: keys/peer.key', 'peerKey: keys/peer-1.key'));
    const refused = tongban(['start', '--home', 'bj'], cwd);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/--rotated-keys/)]);
    procs.bj = start('bj', ['--rotated-keys'], sh);
    ok(['status', '--home', 'bj', '--wait-ready', '60']);
    expect((JSON.parse(ok(['governance', 'status', '--home', 'bj', '--json'])) as { epoch: number }).epoch).toBe(1);
    expect((JSON.parse(ok(['status', '--home', 'bj', '--json'])) as { peerId: string }).peerId).toBe(made.peerId);

    // 4. bj writes on under the new key; the record before the rotation still verifies, offline too
    ok(['doc', 'share', 'cert.txt', '--home', 'bj', '--actor', 'li.na.key', '--to', 'sh-pudong', '--purpose', 'check', '--wait', 'final']);
    await until(
      () => {
        const r = tongban(['verify', 'cert.txt', '--home', 'sh', '--json'], cwd);
        const rep = JSON.parse(r.stdout) as { proofs: string; events: { final: boolean }[] };
        return rep.proofs === 'sound' && rep.events.length === 2 && rep.events.every((e) => e.final);
      },
      20_000,
      'both records final at sh',
    );
    const rep = JSON.parse(tongban(['verify', 'cert.txt', '--home', 'sh', '--json'], cwd).stdout) as { proofs: string; problems: unknown[]; events: { kind: string; epoch: number; final: boolean }[] };
    expect([rep.proofs, rep.problems]).toEqual(['sound', []]);
    expect(rep.events.map((e) => [e.kind, e.epoch, e.final])).toEqual([
      ['doc.register', 0, true],
      ['doc.share', 1, true],
    ]);
    ok(['bundle', 'cert.txt', '--home', 'sh', '--out', 'cert.bundle']);
    const offline = tongban(['verify', 'cert.txt', '--bundle', 'cert.bundle', '--genesis', 'genesis.cbor'], cwd);
    expect(offline.stdout).toMatch(/^proofs: +SOUND/m);
  }, 180_000);
});
