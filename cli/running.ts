import { existsSync, readFileSync } from 'node:fs';
import { localApiUrl } from '../node/api/local-url.js';
import type { NodeConfig } from './config.js';
import { clientToken, trustCa } from './credentials.js';
import { apiUrlFile } from './home.js';

/** The API URL of the home's node when it answers /healthz now, else undefined (the node is stopped or unreachable). */
export async function runningNodeUrl(cfg: NodeConfig, timeoutMs = 3000): Promise<string | undefined> {
  const file = apiUrlFile(cfg.home);
  const url = cfg.http.port !== 0 ? localApiUrl(cfg.http.tls !== undefined, cfg.http.host, cfg.http.port) : existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (!url) return undefined;
  if (url.startsWith('https:')) await trustCa({ home: cfg.home });
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The Authorization header of the home's client token (TONGBAN_TOKEN, else HOME/client.token), when there is one. */
export function authHeaders(cfg: NodeConfig): Record<string, string> {
  const token = clientToken({ home: cfg.home });
  return token ? { authorization: `Bearer ${token}` } : {};
}
