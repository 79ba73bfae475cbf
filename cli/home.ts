import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeConfig } from '../protocol/config/config.js';
import { localApiUrl } from '../node/api/local-url.js';
import { ConfigError, loadNodeConfig, configPath, type NodeConfig } from './config.js';
import { readKeyFile, type LoadedKey } from './keyfile.js';
import { CliError, EXIT, usage } from './io.js';
import { msg } from './messages.js';
import { apiUrlFile, clientTokenFile, nodeYaml, runningNodeUrl } from './node-url.js';

export { apiUrlFile, clientTokenFile, nodeYaml };

// The home's files (node.yaml, keys, genesis, run/api.url) are the CLI's business: client commands
// read them without loading node/, libp2p or LevelDB, and `start` hands the node what it read.

/** The node's API tokens, hashed (README "Securing the API"). */
export function tokensFile(home: string): string {
  return join(home, 'api-tokens.json');
}

export function loadHome(home: string): NodeConfig {
  if (!existsSync(nodeYaml(home))) throw usage(msg('notHome', home));
  try {
    return loadNodeConfig(nodeYaml(home));
  } catch (e) {
    if (e instanceof ConfigError) throw usage(`${nodeYaml(home)}: ${e.message}`);
    throw e;
  }
}

/** The API URL of the node of a home: the URL the running node wrote, else from its config. */
export function nodeUrl(opts: { home?: string; node?: string }): string {
  const running = runningNodeUrl(opts);
  if (running) return running;
  if (!opts.home) throw usage(msg('giveTarget'));
  const cfg = loadHome(opts.home);
  const file = apiUrlFile(cfg.home);
  if (cfg.http.port !== 0) return localApiUrl(cfg.http.tls !== undefined, cfg.http.host, cfg.http.port);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new CliError(msg('notRunning', opts.home, file), EXIT.UNREACHABLE);
}

/** The genesis bytes of a home, checked to be an epoch-0 config of this consortium; errors name the field. */
export function genesisOf(cfg: NodeConfig): Uint8Array {
  const p = configPath(cfg, cfg.genesis);
  if (!existsSync(p)) throw usage(`node config field genesis: file ${p} does not exist: copy the consortium's genesis.cbor there (or pass --genesis)`);
  const bytes = new Uint8Array(readFileSync(p));
  let g;
  try {
    g = decodeConfig(bytes);
  } catch (e) {
    throw usage(`node config field genesis: ${p} is not a consortium config: ${(e as Error).message}`);
  }
  if (g.epoch !== 0) throw usage(`node config field genesis: ${p} is the config of epoch ${g.epoch}, not the genesis (epoch 0)`);
  if (g.consortium !== cfg.consortium) throw usage(`node config field genesis: ${p} is the genesis of ${g.consortium}, but field consortium is ${cfg.consortium}`);
  return bytes;
}

export function actorKey(path: string | undefined): LoadedKey & { id: string } {
  if (!path) throw usage(msg('giveActor'));
  const k = readKey(path, 'actor', '--actor');
  if (!k.id) throw usage(`${path} does not name its actor id`);
  return k as LoadedKey & { id: string };
}

/** A key file; `field` names the node config field or option it came from, for the error. */
export function readKey(path: string, kind: 'ledger' | 'peer' | 'actor', field?: string): LoadedKey {
  try {
    return readKeyFile(path, kind);
  } catch (e) {
    throw usage(field ? `${field}: ${(e as Error).message}` : (e as Error).message);
  }
}
