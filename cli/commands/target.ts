import { NodeClient, waitOf } from '../client.js';
import { nodeUrl } from '../home.js';
import { CliError, EXIT } from '../io.js';
import { msg } from '../messages.js';

/** Where a client command talks to: the node of a home, or a URL. */
export type Target = { home?: string; node?: string };
export const client = (o: Target & { wait?: string; waitTimeout?: string }) => new NodeClient(nodeUrl(o), waitOf(o));

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
      const res = await fetch(`${nodeUrl(o)}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) last = new Error(`healthz answered ${res.status}`);
      else {
        const st = (await fetch(`${nodeUrl(o)}/v1/status`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.json())) as { appendRefused?: { code: string; message: string } | null };
        if (!st.appendRefused) return;
        last = new Error(`appends refused for now: ${st.appendRefused.code}: ${st.appendRefused.message}`);
      }
    } catch (e) {
      // A bad home or config will not get better by waiting.
      if (e instanceof CliError && e.exitCode !== EXIT.UNREACHABLE) throw e;
      last = e as Error;
    }
    if (Date.now() >= end) throw new CliError(msg('notReady', o.home ?? o.node ?? '', seconds, last.message), EXIT.UNREACHABLE);
    await new Promise((r) => setTimeout(r, 200));
  }
}
