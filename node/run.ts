import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { configPath, type NodeConfig } from './config.js';
import { readKeyFile } from './keyfile.js';
import { TongbanNode } from './node.js';

/** Where a running node writes its API URL, so the CLI finds it. */
export function apiUrlFile(home: string): string {
  return join(home, 'run', 'api.url');
}

/** Start a node from its config file: keys (0600 checked), genesis, store, libp2p, HTTP API. */
export async function runNode(cfg: NodeConfig, flags: { acceptEmptyLog?: boolean } = {}): Promise<{ node: TongbanNode; url: string }> {
  const ledgerKey = readKeyFile(configPath(cfg, cfg.ledgerKey), 'ledger');
  const peerKey = readKeyFile(configPath(cfg, cfg.peerKey), 'peer');
  const admin = cfg.adminKey ? readKeyFile(configPath(cfg, cfg.adminKey), 'actor') : undefined;
  const genesisPath = configPath(cfg, cfg.genesis);
  if (!existsSync(genesisPath)) throw new Error(`genesis file ${genesisPath} does not exist: copy the consortium's genesis.cbor there (or pass --genesis)`);
  const genesis = new Uint8Array(readFileSync(genesisPath));
  const psk = cfg.pskFile ? new Uint8Array(readFileSync(configPath(cfg, cfg.pskFile))) : undefined;
  const logger = pino({ level: cfg.logLevel, base: { member: cfg.member } });
  const dataDir = configPath(cfg, cfg.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const node = await TongbanNode.start({
    dataDir,
    genesis,
    memberId: cfg.member,
    ledgerSeed: ledgerKey.seed,
    peerSeed: peerKey.seed,
    listen: cfg.listen,
    bootstrap: cfg.bootstrap,
    announce: cfg.announce,
    peerAddrs: cfg.peers,
    psk,
    witness: cfg.witness,
    firstAdmin: admin ? { id: admin.id ?? 'admin', key: admin.pub, roles: ['admin'], active: true } : undefined,
    logger,
    acceptEmptyLog: flags.acceptEmptyLog,
    options: { checkpointIntervalMs: cfg.checkpointIntervalMs },
  });
  let url: string;
  try {
    url = await node.startApi(cfg.http.host, cfg.http.port);
  } catch (e) {
    await node.stop();
    throw e;
  }
  mkdirSync(join(cfg.home, 'run'), { recursive: true });
  writeFileSync(apiUrlFile(cfg.home), url + '\n');
  logger.info({ api: url, peerId: node.peerId, addresses: node.addresses(), epoch: node.ledger.epoch }, 'tongban node started');
  return { node, url };
}
