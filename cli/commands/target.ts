import { NodeClient, waitOf } from '../client.js';
import { CliError, EXIT } from '../io.js';
import { runningNodeUrl } from '../node-url.js';

/** Where a client command talks to: the node of a home, or a URL. */
export type Target = { home?: string; node?: string };

/** The node's URL; node.yaml (and its reader) is loaded only when the node has not written its URL. */
const urlOf = async (o: Target): Promise<string> => runningNodeUrl(o) ?? (await import('../home.js')).nodeUrl(o);
export const client = async (o: Target & { wait?: string; waitTimeout?: string }) => new NodeClient(await urlOf(o), waitOf(o));

/**
 * Wait until the node of a home answers (a node started in the background writes its API URL only once it
 * listens) and takes appends (its own log recovered from peers: no `appendRefused` in its status); a node
 * that is still not ready after `seconds` is unreachable (exit 3).
 */
export async function waitReady(o: Target, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    let last: Error;
    try {
      const url = await urlOf(o);
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) last = new Error(`healthz answered ${res.status}`);
      else {
        const st = (await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.json())) as { appendRefused?: { code: string; message: string } | null };
        if (!st.appendRefused) return;
        last = new Error(`appends refused for now: ${st.appendRefused.code}: ${st.appendRefused.message}`);
      }
    } catch (e) {
      // A bad home or config will not get better by waiting.
      if (e instanceof CliError && e.exitCode !== EXIT.UNREACHABLE) throw e;
      last = e as Error;
    }
    if (Date.now() >= end) throw new CliError(`the node ${o.home ?? o.node} did not become ready within ${seconds} s: ${last.message}`, EXIT.UNREACHABLE);
    await new Promise((r) => setTimeout(r, 200));
  }
}
