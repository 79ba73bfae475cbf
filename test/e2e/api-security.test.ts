import { spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';
import { selfSigned as selfSignedIn } from '../helpers/tls.js';

const dir = tempDir('tongban-e2e-sec-');
const cwd = dir.path;
const procs: ChildProcess[] = [];
afterAll(async () => {
  for (const p of procs) await stopProcess(p);
  dir.cleanup();
});

const selfSigned = (name: string, days: number) => selfSignedIn(cwd, name, days);

/** The fingerprint of the certificate a TLS server serves now (a new connection, not verified: we only look). */
function servedFingerprint(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/healthz', rejectUnauthorized: false, agent: false }, (res) => {
      resolve((res.socket as TLSSocket).getPeerCertificate().fingerprint256);
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (cert: string) => new X509Certificate(readFileSync(cert)).fingerprint256;

function initHome(home: string, id: string, region: string, consortium: string): void {
  const r = tongban(['init', '--home', home, '--consortium', consortium, '--id', id, '--name', id, '--region', region, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], cwd);
  expect(r.code, r.stderr).toBe(0);
}

describe('securing the API (a real node process)', () => {
  it('serves https, CLI commands trust it through node.yaml or --ca and send the saved or given token; SIGHUP swaps the certificate', async () => {
    expect(existsSync(BIN), 'dist/ must be built').toBe(true);
    initHome('s1', 'bj-haidian', '110108', 'secure.gov.example');
    expect(tongban(['consortium', 'create', '--out', 'secure.cbor', 's1/join-request.json'], cwd).code).toBe(0);
    const [first, firstKey] = selfSigned('first', 365);
    copyFileSync(first, join(cwd, 's1', 'api.crt'));
    copyFileSync(firstKey, join(cwd, 's1', 'api.key'));
    const yaml = join(cwd, 's1', 'node.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^http:\n/m, 'http:\n  tls: {cert: api.crt, key: api.key}\n  auth: tokens\n'));
    const admin = tongban(['token', 'create', '--home', 's1', '--name', 'ops', '--scope', 'admin', '--save'], cwd);
    expect(admin.code, admin.stderr).toBe(0);
    const token = admin.stdout.trim();
    expect(readFileSync(join(cwd, 's1', 'api-tokens.json'), 'utf8')).not.toContain(token);
    expect(statSync(join(cwd, 's1', 'client.token')).mode & 0o777).toBe(0o600);
    const reader = tongban(['token', 'create', '--home', 's1', '--name', 'dashboard', '--scope', 'read'], cwd).stdout.trim();
    expect(tongban(['token', 'list', '--home', 's1'], cwd).stdout).toMatch(/^ops\tadmin\t.*\ndashboard\tread\t/);

    const p = startNode('s1', cwd, 'secure.cbor');
    procs.push(p);
    const ready = tongban(['status', '--home', 's1', '--wait-ready', '60', '--json'], cwd);
    expect(ready.code, ready.stderr).toBe(0);
    const url = readFileSync(join(cwd, 's1', 'run', 'api.url'), 'utf8').trim();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await servedFingerprint(url)).toBe(fingerprintOf(first));

    // --node with --ca and a token from the environment; without a token the node refuses (exit 2, naming the code)
    const env = (extra: Record<string, string>) => spawnSync(process.execPath, [BIN, 'status', '--node', url, '--ca', first], { cwd, encoding: 'utf8', env: { ...process.env, ...extra } });
    expect(env({ TONGBAN_TOKEN: reader }).status).toBe(0);
    const refused = env({});
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/AUTH_REQUIRED: .*the CLI sends --token, else env TONGBAN_TOKEN, else HOME\/client\.token/);
    // a read token may not list cases (supervise) nor read governance (admin)
    const gov = tongban(['governance', 'status', '--node', url, '--ca', first, '--token', reader], cwd);
    expect(gov.code).toBe(2);
    expect(gov.stderr).toMatch(/SCOPE_MISSING: token dashboard has scopes read; this route needs admin/);
    // without the CA the certificate is not trusted: unreachable (3)
    expect(spawnSync(process.execPath, [BIN, 'status', '--node', url, '--token', reader], { cwd, encoding: 'utf8', env: { ...process.env, TONGBAN_CA: '' } }).status).toBe(3);

    // a revoked token is refused by the running node
    expect(tongban(['token', 'revoke', 'dashboard', '--home', 's1'], cwd).code).toBe(0);
    expect(tongban(['status', '--node', url, '--ca', first, '--token', reader], cwd).stderr).toMatch(/TOKEN_UNKNOWN/);

    // SIGHUP: new certificate files are served without a restart; the node keeps running
    const [second, secondKey] = selfSigned('second', 20);
    copyFileSync(second, join(cwd, 's1', 'api.crt'));
    copyFileSync(secondKey, join(cwd, 's1', 'api.key'));
    p.kill('SIGHUP');
    await until(async () => (await servedFingerprint(url)) === fingerprintOf(second), 20_000, 'the new certificate served');
    expect(p.exitCode).toBeNull();
    expect(tongban(['status', '--home', 's1'], cwd).code).toBe(0);
  }, 120_000);

  it('refuses to start with exit 2 on a non-loopback address without tokens, naming the fix', () => {
    initHome('open', 'sh-pudong', '310115', 'open.gov.example');
    expect(tongban(['consortium', 'create', '--out', 'open.cbor', 'open/join-request.json'], cwd).code).toBe(0);
    const r = spawnSync(process.execPath, [BIN, 'start', '--home', 'open', '--genesis', 'open.cbor'], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TONGBAN_HTTP_HOST: '0.0.0.0' },
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/would listen on 0\.0\.0\.0 without tokens.*tongban token create.*http\.allowOpen: true/);
    // refused before the store is opened
    expect(existsSync(join(cwd, 'open', 'data'))).toBe(false);
    // a certificate file that is missing, or a damaged token file, is a config error too
    const yaml = join(cwd, 'open', 'node.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^http:\n/m, 'http:\n  tls: {cert: missing.crt, key: missing.key}\n'));
    const tls = tongban(['start', '--home', 'open'], cwd);
    expect(tls.code, tls.stderr).toBe(2);
    expect(tls.stderr).toMatch(/node config field http\.tls: TLS certificate file .*missing\.crt cannot be read/);
    writeFileSync(join(cwd, 'open', 'api-tokens.json'), '{"tokens": [{"name": "x"}]}');
    const damaged = tongban(['start', '--home', 'open'], cwd);
    expect(damaged.code, damaged.stderr).toBe(2);
    expect(damaged.stderr).toMatch(/api-tokens\.json: tokens\.0: sha256 is not 64 hex digits/);
  }, 60_000);
});
