import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { TongbanNode, type ApiSecurity, type NodeInit } from './node.js';
import { checkApiSecurity } from './api/auth.js';
import { loadTls } from './api/tls.js';
import { logFormatOf, prettyDestination, type LogFormatOption } from './log-format.js';

/**
 * What a node needs to run, already read and checked by its caller (the CLI reads the home:
 * node.yaml, key files, genesis), so node/ knows nothing of the home's files.
 */
export interface RunInit extends Omit<NodeInit, 'logger'> {
  logLevel: string;
  /** `auto` (default): lines for a person on a terminal, JSON lines otherwise. */
  logFormat?: LogFormatOption;
  http: { host: string; port: number } & ApiSecurity;
  /** Where to write the API URL once it listens (the CLI reads it back). */
  apiUrlFile: string;
}

/** Start a node: store, libp2p, HTTP API; then write its API URL. */
export async function runNode(init: RunInit): Promise<{ node: TongbanNode; url: string }> {
  const { logLevel, logFormat, http, apiUrlFile, ...nodeInit } = init;
  const options = { level: logLevel, base: { member: init.memberId } };
  const logger = logFormatOf(logFormat ?? 'auto', process.stdout.isTTY) === 'pretty' ? pino(options, prettyDestination(process.stdout)) : pino(options);
  // An API that would be refused (open bind, damaged token file, bad certificate) refuses before the node starts.
  checkApiSecurity(http.host, http.auth, http.allowOpen);
  if (http.tls) loadTls(http.tls);
  mkdirSync(init.dataDir, { recursive: true });
  const node = await TongbanNode.start({ ...nodeInit, logger });
  let url: string;
  try {
    const { host, port, ...security } = http;
    url = await node.startApi(host, port, security);
  } catch (e) {
    await node.stop();
    throw e;
  }
  mkdirSync(dirname(apiUrlFile), { recursive: true });
  writeFileSync(apiUrlFile, url + '\n');
  logger.info({ api: url, peerId: node.peerId, addresses: node.addresses(), epoch: node.ledger.epoch }, 'tongban node started');
  return { node, url };
}
