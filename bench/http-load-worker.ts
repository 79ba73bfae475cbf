import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';

/** One POST of a JSON body on a kept-alive connection: its status and answer. */
function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname.replace(/\/$/, '')}/v1/records`,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Every body posted to `url`/v1/records by `clients` concurrent clients on kept-alive connections (node:http: a load
 * generator lighter than fetch, whose undici took more CPU per request than the node), each taking the next body when
 * its last answer is in. Only 201s count: the number of other answers is returned, and the first is written to stderr.
 */
async function postAll(url: string, bodies: string[], clients: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const base = new URL(url);
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const res = await post(agent, base, bodies[next++]!);
        if (res.status !== 201 && ++failed === 1) process.stderr.write(`first failure: ${res.status} ${res.text}\n`);
      }
    }),
  );
  agent.destroy();
  return failed;
}

/**
 * The HTTP bench's clients (bench/http-load.ts): sent the bodies first, it says `ready`; sent `go`, it posts them all
 * with `clients` at once and answers how many failed.
 */
let job: { url: string; bodies: string[]; clients: number } | undefined;
parentPort!.on('message', async (m: 'go' | { url: string; bodies: string[]; clients: number }) => {
  if (m !== 'go') {
    job = m;
    parentPort!.postMessage('ready');
    return;
  }
  parentPort!.postMessage({ failed: await postAll(job!.url, job!.bodies, job!.clients) });
});
