import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { keyFile, memberHome } from '../../helpers/home.js';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig, encodeConfig } from '../../../protocol/config/index.js';
import type { NodeConfig } from '../../../cli/config.js';
import { certificateFinding, clockFinding, diskFinding, doctorLimits, genesisFinding, keyFindings, membershipFindings, portFree, tcpOf, tcpReachable } from '../../../cli/doctor.js';
import { tempDir, testConsortium } from '../../helpers/consortium.js';

const CERT = join(import.meta.dirname, '../../fixtures/tls/doctor-cert.pem');
const dirs: { cleanup: () => void }[] = [];
const servers: Server[] = [];
afterEach(() => {
  dirs.splice(0).forEach((d) => d.cleanup());
  servers.splice(0).forEach((s) => s.close());
});

const { members, genesis } = testConsortium(3);
const A = members[0]!;

/** A home of member A: node.yaml fields as loadHome gives them, key files and the genesis. */
function home(): NodeConfig {
  const d = tempDir();
  dirs.push(d);
  memberHome(d.path, A, genesis);
  return {
    home: d.path,
    member: A.id,
    consortium: 'test.gov.example',
    dataDir: 'data',
    ledgerKey: 'keys/ledger.key',
    peerKey: 'keys/peer.key',
    genesis: 'genesis.cbor',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    http: { host: '127.0.0.1', port: 0, auth: 'auto', allowOpen: false },
    checkpointIntervalMs: 100,
    witness: true,
    webhooks: [],
    logLevel: 'info',
  };
}

describe('doctor findings', () => {
  it('key files: fine at 0600; readable by others is a failure whose fix is chmod 600; a missing one fails', () => {
    const cfg = home();
    const good = keyFindings(cfg);
    expect(good.findings.map((f) => f.status)).toEqual(['ok', 'ok']);
    expect(good.ledger?.pub).toEqual(A.member.key);
    keyFile(join(cfg.home, 'keys/admin.key'), 'actor', A.seed);
    expect(keyFindings({ ...cfg, adminKey: 'keys/admin.key' }).findings.at(-1)?.message).toMatch(/admin\.key is an actor key, mode 0600$/);
    chmodSync(join(cfg.home, 'keys/ledger.key'), 0o644);
    const loose = keyFindings(cfg).findings.find((f) => f.status === 'fail')!;
    expect(loose.message).toContain('mode 0644');
    expect(loose.fix).toBe(`chmod 600 ${join(cfg.home, 'keys/ledger.key')}`);
    const missing = keyFindings({ ...cfg, peerKey: 'keys/none.key' }).findings.find((f) => f.message.startsWith('peerKey'))!;
    expect(missing).toMatchObject({ status: 'fail', message: expect.stringContaining('does not exist') });
  });

  it("keys against the consortium: another member's ledger key or peer key, or a member id not in the config, fail", () => {
    const cfg = home();
    const k = keyFindings(cfg);
    expect(membershipFindings(cfg, buildConfig({ consortium: 'test.gov.example', epoch: 0, members: members.map((m) => m.member) }), 'the genesis', k.ledger, k.peer).map((f) => f.status)).toEqual([
      'ok',
      'ok',
    ]);
    keyFile(join(cfg.home, 'keys/ledger.key'), 'ledger', members[1]!.seed);
    keyFile(join(cfg.home, 'keys/peer.key'), 'peer', members[1]!.peerSeed);
    const k2 = keyFindings(cfg);
    const cfgBuilt = buildConfig({ consortium: 'test.gov.example', epoch: 0, members: members.map((m) => m.member) });
    const wrong = membershipFindings(cfg, cfgBuilt, 'the genesis', k2.ledger, k2.peer);
    expect(wrong.map((f) => f.status)).toEqual(['fail', 'fail']);
    expect(wrong[0]!.message).toContain(`not ${A.id}'s key`);
    expect(wrong[1]!.message).toContain('peer id');
    expect(membershipFindings({ ...cfg, member: 'xj-urumqi' }, cfgBuilt, 'the genesis', k2.ledger, k2.peer)[0]).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('is not in the genesis'),
    });
  });

  it('genesis: present and of this consortium; missing, not a config, or of another consortium fail', () => {
    const cfg = home();
    expect(genesisFinding(cfg).finding.status).toBe('ok');
    expect(genesisFinding({ ...cfg, genesis: 'none.cbor' }).finding).toMatchObject({ status: 'fail', fix: expect.stringContaining('genesis.cbor') });
    writeFileSync(join(cfg.home, 'bad.cbor'), 'not cbor');
    expect(genesisFinding({ ...cfg, genesis: 'bad.cbor' }).finding).toMatchObject({ status: 'fail', message: expect.stringContaining('not a consortium config') });
    writeFileSync(join(cfg.home, 'other.cbor'), encodeConfig(buildConfig({ consortium: 'other.gov.example', epoch: 0, members: members.map((m) => m.member) })));
    expect(genesisFinding({ ...cfg, genesis: 'other.cbor' }).finding).toMatchObject({ status: 'fail', message: expect.stringContaining('other.gov.example') });
  });

  it('clock skew: ok within 60 s, a warning beyond, a failure beyond the 300 s peers accept', () => {
    expect(clockFinding(2.5).status).toBe('ok');
    expect(clockFinding(-90).status).toBe('warn');
    expect(clockFinding(301)).toMatchObject({ status: 'fail', fix: expect.stringContaining('NTP') });
    expect(clockFinding(null).status).toBe('skip');
  });

  it('disk: the file system of the store (or of its nearest existing parent) is measured; below the limits it fails or warns', () => {
    const cfg = home();
    const dir = join(cfg.home, 'data', 'not', 'yet');
    expect(diskFinding(dir).status).toBe('ok');
    const saved = { ...doctorLimits };
    try {
      doctorLimits.diskWarnFraction = 1.01;
      expect(diskFinding(dir).status).toBe('warn');
      doctorLimits.diskFailBytes = Number.MAX_SAFE_INTEGER;
      expect(diskFinding(dir)).toMatchObject({ status: 'fail', fix: expect.stringContaining('dataDir') });
    } finally {
      Object.assign(doctorLimits, saved);
    }
  });

  it('TLS certificate: ok far from expiry, a warning within 30 days, a failure once expired', async () => {
    const { X509Certificate } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const end = Date.parse(new X509Certificate(readFileSync(CERT)).validTo);
    expect(certificateFinding(CERT, end - 100 * 86_400_000).status).toBe('ok');
    expect(certificateFinding(CERT, end - 10 * 86_400_000)).toMatchObject({ status: 'warn', message: expect.stringContaining('expires in 10 days') });
    expect(certificateFinding(CERT, end + 1000)).toMatchObject({ status: 'fail', fix: expect.stringContaining('SIGHUP') });
    expect(certificateFinding(join(import.meta.dirname, 'nope.pem')).status).toBe('fail');
  });

  it('ports: a port another process holds cannot be bound; a listening address is reachable, a closed one not', async () => {
    const srv = createServer();
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    expect(await portFree('127.0.0.1', port)).toMatchObject({ free: false, error: 'EADDRINUSE' });
    expect(await tcpReachable('127.0.0.1', port)).toBe(true);
    srv.close();
    await new Promise((r) => srv.once('close', r));
    expect(await portFree('127.0.0.1', port)).toEqual({ free: true });
    expect(await tcpReachable('127.0.0.1', port, 1000)).toBe(false);
    expect(tcpOf('/ip4/10.0.0.1/tcp/4101/p2p/12D3KooW')).toEqual({ host: '10.0.0.1', port: 4101 });
    expect(tcpOf('/ip4/10.0.0.1/udp/4101/quic')).toBeUndefined();
  });
});
