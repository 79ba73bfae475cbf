import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { startApi } from '../../../node/api/server.js';
import { accessOf, recordScope } from '../../../node/api/auth.js';
import { createToken, hashToken, parseScopes, readTokens, revokeToken, TokenError, type Scope } from '../../../node/api/tokens.js';
import type { NodeApi } from '../../../node/api/ports.js';
import type { TongbanNode } from '../../../node/node.js';
import { submission, tempDir } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';
import { withLogLines } from '../../helpers/log-lines.js';

let t: TestNet;
let node: TongbanNode;
const dir = tempDir('tongban-auth-');
const logLines: Record<string, unknown>[] = [];
/** The node as the API sees it, with a logger whose lines the tests read. */
let seen: NodeApi;

beforeAll(async () => {
  t = await testNet(1);
  node = await t.start(0, { acceptEmptyLog: true });
  await until(() => node.ledger.size(t.members[0]!.id) === 1, 20_000, 'seq 0');
  seen = withLogLines(node, logLines);
}, 60_000);
afterAll(async () => {
  await t?.close();
  dir.cleanup();
});

describe('token file', () => {
  it('stores only the SHA-256 of a token, mode 0600; lists, refuses a taken name, revokes', () => {
    const file = join(dir.path, 'store.json');
    const { token, entry } = createToken(file, 'shenpi', ['read', 'write']);
    expect(token).toMatch(/^tbt_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(4));
    expect(text).toContain(hashToken(token));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readTokens(file)).toEqual([entry]);
    expect(() => createToken(file, 'shenpi', ['read'])).toThrow(expect.objectContaining({ code: 'TOKEN_NAME_TAKEN' }));
    expect(() => createToken(file, 'Bad Name', ['read'])).toThrow(expect.objectContaining({ code: 'TOKEN_NAME_INVALID' }));
    revokeToken(file, 'shenpi');
    expect(readTokens(file)).toEqual([]);
    expect(() => revokeToken(file, 'shenpi')).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }));
    expect(readTokens(join(dir.path, 'absent.json'))).toBeUndefined();
  });

  it('parses scopes, naming a bad one; a damaged file is an error naming the entry', () => {
    expect(parseScopes('read,supervise')).toEqual(['read', 'supervise']);
    expect(() => parseScopes('read,root')).toThrow(/scope root: not one of read, write, admin, supervise/);
    expect(() => parseScopes('read,read')).toThrow(TokenError);
    const file = join(dir.path, 'bad.json');
    writeFileSync(file, JSON.stringify({ tokens: [{ name: 'x', scopes: ['read'], sha256: 'nothex', created: 'now' }] }));
    expect(() => readTokens(file)).toThrow(/tokens\.0: sha256 is not 64 hex digits/);
  });
});

describe('route classes', () => {
  it('public, read, write, admin, supervise by route pattern; a record by its kind', () => {
    expect(accessOf('GET', '/healthz')).toBe('public');
    expect(accessOf('GET', '/v1/public/cases/:id')).toBe('public');
    expect(accessOf('GET', '/')).toBe('public');
    expect(accessOf('GET', '/assets/*')).toBe('public');
    expect(accessOf('GET', undefined)).toBe('public');
    expect(accessOf('GET', '/v1/status')).toBe('read');
    expect(accessOf('HEAD', '/v1/docs/:sha256')).toBe('read');
    expect(accessOf('GET', '/v1/cases/:id')).toBe('read');
    expect(accessOf('GET', '/metrics')).toBe('read');
    expect(accessOf('GET', '/docs/json')).toBe('read');
    expect(accessOf('POST', '/v1/requests/prepare')).toBe('write');
    expect(accessOf('POST', '/v1/records')).toBe('record');
    expect(accessOf('GET', '/v1/governance')).toBe('admin');
    expect(accessOf('POST', '/v1/governance/approvals')).toBe('admin');
    expect(accessOf('POST', '/v1/operators/:id/disable')).toBe('admin');
    expect(accessOf('GET', '/v1/cases')).toBe('supervise');
    expect(recordScope('doc.register')).toBe('write');
    expect(recordScope('case.open')).toBe('write');
    expect(recordScope('org.actor')).toBe('admin');
    expect(recordScope('gov.propose')).toBe('admin');
    expect(recordScope('case.supervise')).toBe('supervise');
  });
});

describe('token enforcement', () => {
  let app: FastifyInstance;
  let url: string;
  const file = join(dir.path, 'api-tokens.json');
  const tok: Record<string, string> = {};
  const A = () => t.members[0]!;
  const registrar = new Uint8Array(32).fill(0x45);

  beforeAll(async () => {
    for (const s of ['read', 'write', 'admin', 'supervise'] as Scope[]) tok[s] = createToken(file, `sys-${s}`, [s]).token;
    app = await startApi(seen, { host: '127.0.0.1', port: 0, auth: { mode: 'tokens', tokensFile: file } });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => app?.close());

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as { code?: string; message?: string } };
  };
  const post = async (sub: ReturnType<typeof submission>, token?: string) => {
    const res = await fetch(`${url}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ request: toBase64(sub.request), actor: sub.actor, sig: toBase64(sub.sig) }),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  };

  it('keeps /healthz public and refuses a /v1 route without a token (401 with WWW-Authenticate)', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const res = await fetch(`${url}/v1/status`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await res.json()) as { code: string }).code).toBe('AUTH_REQUIRED');
    expect((await get('/v1/status', 'tbt_not-a-real-token')).body.code).toBe('TOKEN_UNKNOWN');
    const basic = await fetch(`${url}/v1/status`, { headers: { authorization: 'Basic eDp5' } });
    expect(((await basic.json()) as { code: string }).code).toBe('AUTH_INVALID');
  });

  it('allows and refuses each scope per route class', async () => {
    const expectations: [path: string, allowed: Scope[], refused: Scope[]][] = [
      ['/v1/status', ['read', 'write', 'supervise', 'admin'], []],
      ['/metrics', ['read', 'admin'], []],
      ['/v1/cases', ['supervise', 'admin'], ['read', 'write']],
      ['/v1/governance', ['admin'], ['read', 'write', 'supervise']],
    ];
    for (const [path, ok, no] of expectations) {
      for (const s of ok) expect((await get(path, tok[s])).status, `${s} on ${path}`).toBe(200);
      for (const s of no) {
        const r = await get(path, tok[s]);
        expect(r.status, `${s} on ${path}`).toBe(403);
        expect(r.body.code).toBe('SCOPE_MISSING');
      }
    }
  });

  it('a record needs the scope of its kind: org.actor admin, doc.register write, case.supervise supervise; read writes nothing', async () => {
    const actor = submission(t.net, A().id, 'admin', A().adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrar), roles: ['registrar'], active: true });
    const byWrite = await post(actor, tok.write);
    expect(byWrite.status).toBe(403);
    expect(byWrite.body.message).toMatch(/a org.actor record needs admin/);
    expect((await post(actor, tok.admin)).status).toBe(201);
    const doc = () => submission(t.net, A().id, 'li.na', registrar, 'doc.register', { doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });
    expect((await post(doc(), tok.read)).status).toBe(403);
    expect((await post(doc(), tok.supervise)).status).toBe(403);
    expect((await post(doc(), tok.write)).status).toBe(201);
    const sup = submission(t.net, A().id, 'li.na', registrar, 'case.supervise', { case: new Uint8Array(32), action: 'flag' });
    const supByWrite = await post(sup, tok.write);
    expect(supByWrite.status).toBe(403);
    expect(supByWrite.body.message).toMatch(/needs supervise/);
    // the supervise scope passes the token check; the ledger then judges the request itself
    const supBySupervise = await post(sup, tok.supervise);
    expect(supBySupervise.body.code).not.toBe('SCOPE_MISSING');
  }, 30_000);

  it('logs every refusal with the token name and why, never the token', async () => {
    logLines.length = 0;
    await get('/v1/governance', tok.read);
    await get('/v1/status');
    const refusals = logLines.filter((l) => l.msg === 'API request refused');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ token: 'sys-read', status: 403, code: 'SCOPE_MISSING', url: '/v1/governance' });
    expect(refusals[0]!.reason).toMatch(/needs admin/);
    expect(refusals[1]).toMatchObject({ token: null, status: 401, code: 'AUTH_REQUIRED' });
    const all = JSON.stringify(logLines);
    for (const s of Object.values(tok)) expect(all).not.toContain(s);
  });

  it('refuses a revoked token from the next request, and takes a new one without restart', async () => {
    const { token } = createToken(file, 'late', ['read']);
    expect((await get('/v1/status', token)).status).toBe(200);
    revokeToken(file, 'late');
    const r = await get('/v1/status', token);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('TOKEN_UNKNOWN');
  });
});

describe('open nodes', () => {
  it('a loopback node without a token file is open; creating the first token closes it (auto)', async () => {
    const file = join(dir.path, 'auto-tokens.json');
    const app = await startApi(seen, { host: '127.0.0.1', port: 0, auth: { mode: 'auto', tokensFile: file } });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      expect((await fetch(`${url}/v1/status`)).status).toBe(200);
      const { token } = createToken(file, 'first', ['read']);
      expect((await fetch(`${url}/v1/status`)).status).toBe(401);
      expect((await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // revoking every token keeps the file: the node stays closed
      revokeToken(file, 'first');
      expect(existsSync(file)).toBe(true);
      expect((await fetch(`${url}/v1/status`)).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('refuses to start on a non-loopback host without tokens, naming the fix; allowOpen or a token file lets it', async () => {
    const file = join(dir.path, 'open-tokens.json');
    await expect(startApi(seen, { host: '0.0.0.0', port: 0, auth: { mode: 'auto', tokensFile: file } })).rejects.toMatchObject({
      code: 'OPEN_BIND',
      message: expect.stringMatching(/tongban token create .*http\.auth: tokens.*http\.allowOpen: true/),
    });
    await expect(startApi(seen, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'OPEN_BIND' });
    const open = await startApi(seen, { host: '0.0.0.0', port: 0, auth: { mode: 'auto', tokensFile: file }, allowOpen: true });
    await open.close();
    createToken(file, 'one', ['read']);
    const closed = await startApi(seen, { host: '0.0.0.0', port: 0, auth: { mode: 'auto', tokensFile: file } });
    try {
      const status = `http://127.0.0.1:${(closed.server.address() as { port: number }).port}/v1/status`;
      expect((await fetch(status)).status).toBe(401);
      // an exposed node does not open up when its token file disappears
      rmSync(file);
      expect((await fetch(status)).status).toBe(401);
    } finally {
      await closed.close();
    }
  });
});
