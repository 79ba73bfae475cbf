import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The HTTP bench's 64 clients on a worker thread of their own, as a load generator runs apart from the server it
 * loads: in the node's own event loop they took about a third of its main thread (undici, the bench's loop). They
 * still share the machine's two cores with the node. Resolves once the worker holds the bodies; \`run\` posts them
 * all and answers how many failed.
 */
export async function httpLoad(url: string, bodies: string[], clients: number): Promise<{ run: () => Promise<number> }> {
  const w = new Worker(fileURLToPath(new URL('./http-load-worker.js', import.meta.url)));
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  const ready = next();
  w.postMessage({ url, bodies, clients });
  await ready;
  return {
    run: async () => {
      const done = next();
      w.postMessage('go');
      const { failed } = (await done) as { failed: number };
      void w.terminate(); // not awaited: the caller's clock is still running
      return failed;
    },
  };
}
