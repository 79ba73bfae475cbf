import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeClient } from '../../../cli/client.js';
import { waitReady } from '../../../cli/commands/target.js';
import { EXIT } from '../../../cli/io.js';
import { tempDir } from '../../helpers/consortium.js';
import { okHttpsServer, selfSigned } from '../../helpers/tls.js';

const dir = tempDir('tongban-wait-tls-');
let server: Server | undefined;
afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir.cleanup();
});

describe('a node whose certificate the CLI does not trust', () => {
  it('stops at once, exit 3, naming the certificate problem (not "fetch failed" after the whole wait)', async () => {
    const [cert, key] = selfSigned(dir.path, 'api', 2);
    let port: number;
    [server, port] = await okHttpsServer(cert, key, '127.0.0.1');
    const url = `https://127.0.0.1:${port}`;
    const started = Date.now();
    const e = (await waitReady({ node: url }, 60).catch((x: unknown) => x)) as Error & { exitCode: number };
    expect(e.exitCode).toBe(EXIT.UNREACHABLE);
    expect(e.message).toMatch(/self[- ]signed certificate/);
    expect(e.message).toMatch(/--ca FILE, else env TONGBAN_CA/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it("a client command names --ca and TONGBAN_CA, not Node's --use-system-ca", async () => {
    const url = `https://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    const e = (await new NodeClient(url).json('/v1/status').catch((x: unknown) => x)) as Error & { exitCode: number };
    expect(e.exitCode).toBe(EXIT.UNREACHABLE);
    expect(e.message).toMatch(/self[- ]signed certificate \(the CLI trusts --ca FILE, else env TONGBAN_CA/);
    expect(e.message).not.toMatch(/use-system-ca/);
  });
});
