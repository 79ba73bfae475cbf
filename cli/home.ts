import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadNodeConfig, configPath, type NodeConfig } from '../node/config.js';
import { readKeyFile, type LoadedKey } from '../node/keyfile.js';
import { apiUrlFile } from '../node/run.js';
import { CliError, EXIT, usage } from './io.js';

export function nodeYaml(home: string): string {
  return join(home, 'node.yaml');
}

export function loadHome(home: string): NodeConfig {
  if (!existsSync(nodeYaml(home))) throw usage(`${home} is not a tongban home (no node.yaml); create one with tongban init`);
  try {
    return loadNodeConfig(nodeYaml(home));
  } catch (e) {
    if (e instanceof ConfigError) throw usage(e.message);
    throw e;
  }
}

/** The API URL of the node of a home: from its config, or the URL the running node wrote. */
export function nodeUrl(opts: { home?: string; node?: string }): string {
  if (opts.node) return opts.node.replace(/\/+$/, '');
  if (!opts.home) throw usage('give --home DIR or --node URL');
  const cfg = loadHome(opts.home);
  const file = apiUrlFile(cfg.home);
  if (cfg.http.port !== 0) return `http://${cfg.http.host.includes(':') ? `[${cfg.http.host}]` : cfg.http.host}:${cfg.http.port}`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new CliError(`the node of ${opts.home} is not running (no ${file})`, EXIT.UNREACHABLE);
}

export function genesisOf(cfg: NodeConfig): Uint8Array {
  const p = configPath(cfg, cfg.genesis);
  if (!existsSync(p)) throw usage(`genesis file ${p} does not exist`);
  return new Uint8Array(readFileSync(p));
}

export function actorKey(path: string | undefined): LoadedKey & { id: string } {
  if (!path) throw usage('give --actor ACTOR.key (the official\'s key file)');
  const k = readKey(path, 'actor');
  if (!k.id) throw usage(`${path} does not name its actor id`);
  return k as LoadedKey & { id: string };
}

export function readKey(path: string, kind: 'ledger' | 'peer' | 'actor'): LoadedKey {
  try {
    return readKeyFile(path, kind);
  } catch (e) {
    throw usage((e as Error).message);
  }
}
