import type { Server } from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../../cli/config.js';
import { runningNodeUrl } from '../../../cli/running.js';
import { tempDir } from '../../helpers/consortium.js';
import { okHttpsServer, selfSigned } from '../../helpers/tls.js';

const dir = tempDir('tongban-running-');
let server: Server | undefined;
afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir.cleanup();
});

describe('backup and restore see a running TLS node bound to 0.0.0.0', () => {
  it('probes it at 127.0.0.1, the address its certificate names, and finds it running', async () => {
    const [cert, key] = selfSigned(dir.path, 'api', 2);
    let port: number;
    [server, port] = await okHttpsServer(cert, key, '0.0.0.0');
    process.env.TONGBAN_CA = cert;
    const cfg = { home: dir.path, http: { host: '0.0.0.0', port, tls: { cert, key } } } as unknown as NodeConfig;
    // Unseen, backup would copy the live store's files and restore would overwrite them under the running node.
    expect(await runningNodeUrl(cfg)).toBe(`https://127.0.0.1:${port}`);
  });
});
