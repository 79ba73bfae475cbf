import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { BIN, startNode, stopProcess, tongban } from '../helpers/cli.js';

// `tongban start` reads webhooks from node.yaml and the node POSTs signed events (one member, quorum 1; ports chosen by binding).
const dir = tempDir('tongban-e2e-events-');
const cwd = dir.path;
let proc: ChildProcess | undefined;
let server: http.Server | undefined;
afterAll(async () => {
  if (proc) await stopProcess(proc);
  server?.closeAllConnections();
  server?.close();
  dir.cleanup();
});

const secret = 'shared-with-the-receiving-office';

describe('webhooks from node.yaml (real process)', () => {
  it('a bad webhook entry stops the start naming the field; a good one gets record.final, signed', async () => {
    expect(existsSync(BIN), 'dist/ must be built').toBe(true);
    const got: { id: string | undefined; sig: string | undefined; body: string }[] = [];
    let arrived!: () => void;
    const first = new Promise<void>((r) => (arrived = r));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ id: req.headers['x-tongban-event-id'] as string, sig: req.headers['x-tongban-signature'] as string, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
        arrived();
      });
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;

    const init = tongban(
      [
        'init',
        '--home',
        'bj',
        '--consortium',
        'crossprov.gov.example',
        '--id',
        'bj-haidian',
        '--name',
        '北京市海淀区',
        '--region',
        '110108',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--api',
        '127.0.0.1:0',
      ],
      cwd,
    );
    expect(init.code, init.stderr).toBe(0);
    expect(tongban(['consortium', 'create', '--out', 'genesis.cbor', 'bj/join-request.json'], cwd).code).toBe(0);
    const yaml = join(cwd, 'bj', 'node.yaml');
    appendFileSync(yaml, `webhooks:\n  - url: ${hook}\n    types: [record.final, case.nope]\n    secret: ${secret}\n`);
    const bad = tongban(['start', '--home', 'bj', '--genesis', 'genesis.cbor'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/node config field webhooks\.0\.types\.1/);

    // the home stays: fix the entry
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('case.nope', 'case.opened'));
    proc = startNode('bj', cwd, 'genesis.cbor');
    await first;
    const e = JSON.parse(got[0]!.body) as { id: number; type: string; member: string; data: { seq: number; kind: string } };
    expect(e).toMatchObject({ type: 'record.final', member: 'bj-haidian', data: { seq: 0, kind: 'org.actor' } });
    expect(got[0]!.id).toBe(String(e.id));
    expect(got[0]!.sig).toBe(`sha256=${createHmac('sha256', secret).update(got[0]!.body).digest('hex')}`);
  });
});
