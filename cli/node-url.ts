import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Kept apart from home.ts so that client commands against a running node load neither the node.yaml reader
// (TypeBox and YAML, ~320 modules) nor anything else: the node writes its API URL here once it listens.

export function nodeYaml(home: string): string {
  return join(home, 'node.yaml');
}

/** Where a running node writes its API URL, so the CLI finds it (removed again when the node stops). */
export function apiUrlFile(home: string): string {
  return join(home, 'run', 'api.url');
}

/** A token the CLI sends to the node of this home (`tongban token create --save`), mode 0600. */
export function clientTokenFile(home: string): string {
  return join(home, 'client.token');
}

/** `--node URL`, or the URL a home's running node wrote; undefined when node.yaml must be read (home.ts nodeUrl). */
export function runningNodeUrl(opts: { home?: string; node?: string }): string | undefined {
  if (opts.node) return opts.node.replace(/\/+$/, '');
  if (!opts.home || !existsSync(nodeYaml(opts.home))) return undefined;
  const file = apiUrlFile(opts.home);
  if (!existsSync(file)) return undefined;
  const url = readFileSync(file, 'utf8').trim();
  return url || undefined;
}
