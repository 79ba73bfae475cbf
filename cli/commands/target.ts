import { NodeClient, waitOf } from '../client.js';
import { certTrouble, clientToken, trustCa } from '../credentials.js';
import { CliError, EXIT } from '../io.js';
import { msg } from '../messages.js';
import { runningNodeUrl } from '../node-url.js';

/** Where a client command talks to: the node of a home, or a URL; with its token and CA (README "Securing the API"). */
export type Target = { home?: string; node?: string; token?: string; ca?: string };

/** The node's URL; node.yaml (and its reader) is loaded only when the node has not written its URL, or for its CA over https. */
const urlOf = async (o: Target): Promise<string> => {
  const url = runningNodeUrl(o) ?? (await import('../home.js')).nodeUrl(o);
  if (url.startsWith('https:')) await trustCa(o);
  return url;
};
export const client = async (o: Target & { wait?: string; waitTimeout?: string }) => new NodeClient(await urlOf(o), waitOf(o), clientToken(o));

/**
 * Wait until the node of a home answers (a node started in the background writes its API URL only once it
 * listens) and takes appends (its own log recovered from peers: no `appendRefused` in its status); a node
 * that is still not ready after `seconds` is unreachable (exit 3).
 */
export async function waitReady(o: Target, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  const token = clientToken(o);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (;;) {
    let last: Error;
    let url = o.node ?? o.home ?? '';
    try {
      url = await urlOf(o);
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) last = new Error(`healthz answered ${res.status}`);
      else {
        const sr = await fetch(`${url}/v1/status`, { headers, signal: AbortSignal.timeout(5_000) });
        const st = (await sr.json()) as { appendRefused?: { code: string; message: string } | null; code?: string; message?: string };
        // A missing or weak token will not get better by waiting either.
        if (sr.status === 401 || sr.status === 403) throw new CliError(`node refused: ${st.code}: ${st.message}`, EXIT.USAGE);
        if (!st.appendRefused) return;
        last = new Error(`appends refused for now: ${st.appendRefused.code}: ${st.appendRefused.message}`);
      }
    } catch (e) {
      // A bad home or config will not get better by waiting.
      if (e instanceof CliError && e.exitCode !== EXIT.UNREACHABLE) throw e;
      // fetch says only "fetch failed"; the why is its cause. An untrusted or mismatched certificate stays so.
      const cert = certTrouble(e);
      if (cert) throw new CliError(msg('unreachable', url, cert), EXIT.UNREACHABLE);
      const cause = (e as Error).cause as Error | undefined;
      last = cause?.message ? new Error(`${(e as Error).message}: ${cause.message}`) : (e as Error);
    }
    if (Date.now() >= end) throw new CliError(msg('notReady', o.home ?? o.node ?? '', seconds, last.message), EXIT.UNREACHABLE);
    await new Promise((r) => setTimeout(r, 200));
  }
}
