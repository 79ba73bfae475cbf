import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../../cli/config.js';
import { runningNodeUrl } from '../../../cli/running.js';
import { tempDir } from '../../helpers/consortium.js';

const dir = tempDir('tongban-running-');
let server: Server | undefined;
afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir.cleanup();
});

describe('backup and restore see a running TLS node bound to 0.0.0.0', () => {
  it('probes it at 127.0.0.1, the address its certificate names, and finds it running', async () => {
    const cert = join(dir.path, 'api.crt');
    const key = join(dir.path, 'api.key');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=node', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((done) => server!.listen(0, '0.0.0.0', () => done()));
    const port = (server.address() as AddressInfo).port;
    process.env.TONGBAN_CA = cert;
    const cfg = { home: dir.path, http: { host: '0.0.0.0', port, tls: { cert, key } } } as unknown as NodeConfig;
    // Unseen, backup would copy the live store's files and restore would overwrite them under the running node.
    expect(await runningNodeUrl(cfg)).toBe(`https://127.0.0.1:${port}`);
  });
});
