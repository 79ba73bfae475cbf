import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../../node/api/server.js';
import { daysLeft, expiryWarning, loadTls } from '../../../node/api/tls.js';
import { createToken } from '../../../node/api/tokens.js';
import type { NodeApi } from '../../../node/api/ports.js';
import { tempDir } from '../../helpers/consortium.js';
import { withLogLines } from '../../helpers/log-lines.js';
import { testNet, type TestNet } from '../../helpers/network.js';
import { selfSigned as selfSignedIn } from '../../helpers/tls.js';

let t: TestNet;
const dir = tempDir('tongban-tls-');
const logLines: Record<string, unknown>[] = [];
let seen: NodeApi;

/** A self-signed certificate for 127.0.0.1 valid `days` days, made with openssl: [cert file, key file]. */
const selfSigned = (name: string, days: number) => selfSignedIn(dir.path, name, days);

/** GET over TLS on a new connection, trusting `ca`: the status and the fingerprint of the certificate served. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; fingerprint: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: readFileSync(ca), agent: false }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (cert: string) => new X509Certificate(readFileSync(cert)).fingerprint256;
const notAfterOf = (cert: string) => new Date(new X509Certificate(readFileSync(cert)).validTo).getTime() / 1000;

beforeAll(async () => {
  t = await testNet(1);
  const node = await t.start(0);
  seen = withLogLines(node, logLines);
}, 60_000);
afterAll(async () => {
  await t?.close();
  dir.cleanup();
});

describe('TLS certificate files', () => {
  it('loads a certificate and its key; a key of another certificate is refused by code', () => {
    const [a, aKey] = selfSigned('a', 365);
    const [, bKey] = selfSigned('b', 365);
    expect(loadTls({ certFile: a, keyFile: aKey }).fingerprint256).toBe(fingerprintOf(a));
    expect(() => loadTls({ certFile: a, keyFile: bKey })).toThrow(expect.objectContaining({ code: 'TLS_KEY_MISMATCH' }));
    expect(() => loadTls({ certFile: aKey, keyFile: aKey })).toThrow(expect.objectContaining({ code: 'TLS_CERT_INVALID' }));
    expect(() => loadTls({ certFile: join(dir.path, 'none.crt'), keyFile: aKey })).toThrow(expect.objectContaining({ code: 'TLS_FILE_UNREADABLE' }));
  });

  it('warns within 30 days of expiry and once expired, not before', () => {
    const now = Date.parse('2026-11-29T00:00:00Z');
    const at = (days: number) => ({ notAfter: new Date(now + days * 86_400_000) });
    expect(expiryWarning(at(31), 'c.crt', 30, now)).toBeUndefined();
    expect(expiryWarning(at(29.5), 'c.crt', 30, now)).toMatch(/c\.crt expires in 29 days .*send SIGHUP/);
    expect(expiryWarning(at(-1), 'c.crt', 30, now)).toMatch(/expired on/);
    expect(daysLeft(at(10).notAfter, now)).toBe(10);
  });
});

describe('HTTPS API', () => {
  let app: FastifyInstance;
  let port: number;
  const cert = join(dir.path, 'api.crt');
  const key = join(dir.path, 'api.key');
  let first: [string, string];

  beforeAll(async () => {
    first = selfSigned('first', 365);
    copyFileSync(first[0], cert);
    copyFileSync(first[1], key);
    app = await startApi(seen, { host: '127.0.0.1', port: 0, tls: { certFile: cert, keyFile: key } });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => app?.close());

  const expiryMetric = async () => {
    const text = (await httpsGet(port, '/metrics', cert)).body;
    const line = text.split('\n').find((l) => l.startsWith('tongban_http_tls_cert_not_after_seconds{'));
    expect(line).toContain(`cert="${cert}"`);
    return Number(line!.split(' ').pop());
  };

  it('serves the API over TLS with the configured certificate, and exports its expiry', async () => {
    const r = await httpsGet(port, '/healthz', cert);
    expect(r.status).toBe(200);
    expect(r.fingerprint).toBe(fingerprintOf(first[0]));
    expect(await expiryMetric()).toBe(notAfterOf(first[0]));
    expect(logLines.some((l) => l.level === 40 && String(l.msg).includes('expires in'))).toBe(false);
  });

  it('reloads: a new certificate is served on new connections, the metric follows, and a near expiry is warned', async () => {
    const next = selfSigned('next', 10);
    copyFileSync(next[0], cert);
    copyFileSync(next[1], key);
    logLines.length = 0;
    const report = app.reloadSecurity();
    expect(report.errors).toEqual([]);
    expect(report.tls?.fingerprint256).toBe(fingerprintOf(next[0]));
    const r = await httpsGet(port, '/healthz', cert);
    expect(r.fingerprint).toBe(fingerprintOf(next[0]));
    expect(await expiryMetric()).toBe(notAfterOf(next[0]));
    const warning = logLines.find((l) => l.level === 40);
    expect(warning?.msg).toMatch(/expires in (9|10) days/);
  });

  it('keeps serving the old certificate when the new files are bad', async () => {
    const served = fingerprintOf(cert);
    writeFileSync(key, 'not a key');
    const report = app.reloadSecurity();
    expect(report.errors[0]).toMatch(/is not an unencrypted PEM private key/);
    expect((await httpsGet(port, '/healthz', cert)).fingerprint).toBe(served);
  });
});

describe('CORS', () => {
  it('answers preflights and marks responses for listed origins only, before token checks', async () => {
    const file = join(dir.path, 'cors-tokens.json');
    const { token } = createToken(file, 'console', ['read']);
    const app = await startApi(seen, { host: '127.0.0.1', port: 0, auth: { mode: 'tokens', tokensFile: file }, corsOrigins: ['https://console.example.gov.cn'] });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const pre = await fetch(`${url}/v1/status`, {
        method: 'OPTIONS',
        headers: { origin: 'https://console.example.gov.cn', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://console.example.gov.cn');
      expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
      const ok = await fetch(`${url}/v1/status`, { headers: { origin: 'https://console.example.gov.cn', authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://console.example.gov.cn');
      const other = await fetch(`${url}/v1/status`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const otherPre = await fetch(`${url}/v1/status`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
      expect(otherPre.status).not.toBe(204);
      expect(otherPre.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('sends no CORS headers by default', async () => {
    const app = await startApi(seen, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/healthz`, { headers: { origin: 'https://console.example.gov.cn' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await app.close();
    }
  });
});
