import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClient } from '../../../cli/client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A node that refuses every request with `status` and `code`. */
async function refusing(status: number, code: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code, message: `refused: ${code}` }));
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', () => done()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const refusal = async (url: string) => (await new NodeClient(url).json('/v1/status').catch((e: Error) => e)) as Error;

describe('the CLI names where it takes the API token from only when the refusal is about the token', () => {
  it.each(['AUTH_REQUIRED', 'AUTH_INVALID', 'TOKEN_UNKNOWN'])('401 %s: the token hint', async (code) => {
    expect((await refusal(await refusing(401, code))).message).toMatch(/else HOME\/client\.token/);
  });

  it('401 ACTOR_SIGNATURE (a wrong actor key): no token hint', async () => {
    const e = await refusal(await refusing(401, 'ACTOR_SIGNATURE'));
    expect(e.message).toMatch(/ACTOR_SIGNATURE/);
    expect(e.message).not.toMatch(/client\.token/);
  });
});
