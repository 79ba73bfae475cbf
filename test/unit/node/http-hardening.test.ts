import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../../node/api/server.js';
import { boundedError, ErrorLog, ERROR_LOG_LIMITS } from '../../../node/api/error-log.js';
import { testNet, type TestNet } from '../../helpers/network.js';

let t: TestNet;
let app: FastifyInstance;
let port: number;
const MAX_CONNECTIONS = 3;

beforeAll(async () => {
  t = await testNet(1);
  const node = await t.start(0);
  app = await startApi(node, {
    host: '127.0.0.1',
    port: 0,
    limits: { httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 600, httpTimeoutCheckMs: 50, httpMaxConnections: MAX_CONNECTIONS, httpMaxRequestsPerSocket: 2 },
  });
  port = (app.server.address() as { port: number }).port;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await t?.close();
});

/** A raw connection: what it received until the server closed it. */
function raw(): { socket: Socket; connected: Promise<void>; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, connected: new Promise((r) => socket.once('connect', () => r())), closed: new Promise((r) => socket.once('close', () => r(got))) };
}

/** GET a path exactly as written (no client-side normalisation of `..`). */
function getRaw(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP hardening', () => {
  it('closes a connection whose headers do not arrive in time (408)', async () => {
    const c = raw();
    await c.connected;
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a request whose body does not arrive in time (408), and stores nothing', async () => {
    const c = raw();
    await c.connected;
    c.socket.write('POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"request":');
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('caps open connections: one more is dropped at once, the others stay open', async () => {
    const held = Array.from({ length: MAX_CONNECTIONS }, () => raw());
    const accepted = new Promise<void>((resolve) => {
      let n = 0;
      const on = () => {
        if (++n === MAX_CONNECTIONS) {
          app.server.off('connection', on);
          resolve();
        }
      };
      app.server.on('connection', on);
    });
    await Promise.all(held.map((h) => h.connected));
    await accepted;
    const dropped = new Promise<void>((r) => app.server.once('drop', () => r()));
    const extra = raw();
    await dropped;
    expect(await extra.closed).toBe('');
    expect(held.every((h) => !h.socket.destroyed && h.socket.readyState === 'open')).toBe(true);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
  });

  it('tells a keep-alive client to close after its maximum of requests, and refuses more on that connection', async () => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const three = new Promise<string>((resolve) =>
      socket.on('data', (d) => {
        got += d.toString('latin1');
        // The third answer is an empty chunked body: it ends with the last chunk.
        if ((got.match(/HTTP\/1\.1 /g) ?? []).length === 3 && got.endsWith('0\r\n\r\n')) resolve(got);
      }),
    );
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    const statuses = [...(await three).matchAll(/HTTP\/1\.1 (\d+)[\s\S]*?\r\n\r\n/g)].map((m) => [m[1], /connection: close/i.test(m[0])]);
    socket.destroy();
    expect(statuses).toEqual([
      ['200', false],
      ['200', true],
      ['503', true],
    ]);
  });

  it('refuses numeric parameters beyond the safe integer range with a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['from=9007199254740992', 'from'],
      ['from=99999999999999999999', 'from'],
      ['from=1e999', 'from'],
      ['from=Infinity', 'from'],
      ['from=-Infinity', 'from'],
      ['limit=Infinity', 'limit'],
      ['from=-1', 'from'],
    ];
    for (const [q, name] of cases) {
      const r = await getRaw(`/v1/logs/${t.members[0]!.id}?${q}`);
      expect(r.status, q).toBe(400);
      expect(JSON.parse(r.body), q).toMatchObject({ code: 'BAD_PARAMETER', message: expect.stringContaining(`parameter ${name}:`) });
    }
    expect((await getRaw(`/v1/logs/${t.members[0]!.id}?from=9007199254740991`)).status).toBe(200);
  });

  it('refuses a body field or query parameter the route does not know, naming it, and appends nothing', async () => {
    const before = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { logs: { size: number }[] };
    const post = await fetch(`http://127.0.0.1:${port}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: 'AA==', actor: 'clerk', sig: 'AA==', signature: 'AA==' }),
    });
    expect(post.status).toBe(400);
    expect(await post.json()).toMatchObject({ code: 'BAD_REQUEST', field: 'signature', message: expect.stringContaining('signature') });
    const q = await getRaw(`/v1/cases?lihgt=red`);
    expect(q.status).toBe(400);
    expect(JSON.parse(q.body)).toMatchObject({ code: 'BAD_PARAMETER', message: expect.stringContaining('parameter lihgt:') });
    const after = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { logs: { size: number }[] };
    expect(after.logs).toEqual(before.logs);
  });

  it('answers 404 to every path that climbs out of /docs, raw or encoded, and still serves /docs', async () => {
    for (const p of [
      '/docs/../..',
      '/docs/../../package.json',
      '/docs/%2e%2e/%2e%2e/package.json',
      '/docs/static/../../../package.json',
      '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/docs/static/%2E%2E%2F%2E%2E%2Fpackage.json',
      '/docs/static/..%2f..%2f..%2fpackage.json',
      '/docs/static/..%5c..%5c..%5cpackage.json',
      '/docs/static/%252e%252e/%252e%252e/package.json',
      '/docs/static/%00',
    ]) {
      const r = await getRaw(p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toMatch(/"name":\s*"tongban"|dependencies/);
    }
    expect((await getRaw('/docs/json')).status).toBe(200);
    expect((await getRaw('/docs/static/swagger-ui.css')).status).toBe(200);
  });
});

describe('bounded error logging', () => {
  it('logs one error per key and window, counts the repeats, and never writes a body or a whole stack', () => {
    const lines: { obj: Record<string, any>; msg: string }[] = [];
    let now = 0;
    const log = new ErrorLog({ error: (obj, msg) => lines.push({ obj: obj as Record<string, any>, msg }) }, 1000, () => now);
    const big = Object.assign(new Error('x'.repeat(100_000)), { code: 'BOOM' });
    big.stack = `Error: ${'x'.repeat(100_000)}\n${Array.from({ length: 200 }, (_, i) => `    at f${i} (${'y'.repeat(1000)}.js:1:1)`).join('\n')}`;
    for (let i = 0; i < 1000; i++) log.error('GET /v1/x BOOM', big);
    expect(lines).toHaveLength(1);
    now = 1000;
    log.error('GET /v1/x BOOM', big);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.obj.suppressed).toBe(999);
    for (const l of lines) expect(JSON.stringify(l).length).toBeLessThan(ERROR_LOG_LIMITS.message + ERROR_LOG_LIMITS.stackLines * (ERROR_LOG_LIMITS.stackLine + 40) + 400);
    expect(boundedError(big).stack!.split('\n')).toHaveLength(ERROR_LOG_LIMITS.stackLines);
    // Distinct keys are bounded too.
    for (let i = 0; i < 10 * ERROR_LOG_LIMITS.keys; i++) log.error(`GET /v1/${i}`, big);
    expect((log as unknown as { seen: Map<string, unknown> }).seen.size).toBeLessThanOrEqual(ERROR_LOG_LIMITS.keys);
  });
});
