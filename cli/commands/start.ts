import { existsSync, readFileSync, rmSync } from 'node:fs';
import { configPath, type NodeConfig } from '../config.js';
import { apiUrlFile, genesisOf, loadHome, readKey, tokensFile } from '../home.js';
import { CliError, EXIT, usage } from '../io.js';
import { installGenesis } from './setup.js';
import { LOG_FORMATS, type LogFormatOption } from '../../node/log-format.js';

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Everything the node needs from its home, read and checked here: a bad file is a usage error naming its field. */
function readHome(cfg: NodeConfig) {
  const ledgerKey = readKey(configPath(cfg, cfg.ledgerKey), 'ledger', 'node config field ledgerKey');
  const peerKey = readKey(configPath(cfg, cfg.peerKey), 'peer', 'node config field peerKey');
  const admin = cfg.adminKey ? readKey(configPath(cfg, cfg.adminKey), 'actor', 'node config field adminKey') : undefined;
  const genesis = genesisOf(cfg);
  let psk: Uint8Array | undefined;
  if (cfg.pskFile) {
    const p = configPath(cfg, cfg.pskFile);
    if (!existsSync(p)) throw usage(`node config field pskFile: file ${p} does not exist`);
    psk = new Uint8Array(readFileSync(p));
  }
  return {
    dataDir: configPath(cfg, cfg.dataDir),
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
    webhooks: cfg.webhooks,
    firstAdmin: admin ? { id: admin.id ?? 'admin', key: admin.pub, roles: ['admin'], active: true } : undefined,
    options: {
      checkpointIntervalMs: cfg.checkpointIntervalMs,
      // Unset http limits keep the node's defaults.
      ...defined({
        httpHeadersTimeoutMs: cfg.http.headersTimeoutMs,
        httpRequestTimeoutMs: cfg.http.requestTimeoutMs,
        httpConnectionTimeoutMs: cfg.http.connectionTimeoutMs,
        httpKeepAliveTimeoutMs: cfg.http.keepAliveTimeoutMs,
        httpMaxConnections: cfg.http.maxConnections,
        httpMaxRequestsPerSocket: cfg.http.maxRequestsPerSocket,
      }),
    },
    logLevel: cfg.logLevel,
    http: {
      host: cfg.http.host,
      port: cfg.http.port,
      tls: cfg.http.tls ? { certFile: configPath(cfg, cfg.http.tls.cert), keyFile: configPath(cfg, cfg.http.tls.key) } : undefined,
      auth: { mode: cfg.http.auth, tokensFile: tokensFile(cfg.home) },
      allowOpen: cfg.http.allowOpen,
      corsOrigins: cfg.http.corsOrigins,
    },
    apiUrlFile: apiUrlFile(cfg.home),
  };
}

/** What to do about a damaged store (README "Recovering a damaged store"). */
function storeWayOut(home: string): string {
  return `the node does not start on a damaged store. Way out: move the data directory of ${home} aside (keep it for investigation) and start the node again: it fetches every log, its own included, from its peers (README "Recovering a damaged store")`;
}

/** `tongban start`: run the node in the foreground until SIGTERM / Ctrl-C. */
export async function startCommand(opts: { home: string; genesis?: string; acceptEmptyLog?: boolean; rotatedKeys?: boolean; logFormat?: string }): Promise<void> {
  const logFormat = opts.logFormat ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) throw usage(`--log-format: one of ${LOG_FORMATS.join(', ')}, not ${logFormat}`);
  if (opts.genesis) installGenesis(opts.home, opts.genesis);
  const cfg = loadHome(opts.home);
  const init = readHome(cfg);
  // A URL left by an earlier run would let `status --wait-ready` talk to nothing (or to another node).
  rmSync(init.apiUrlFile, { force: true });
  const { runNode } = await import('../../node/run.js');
  let started;
  try {
    started = await runNode({ ...init, acceptEmptyLog: opts.acceptEmptyLog, rotatedKeys: opts.rotatedKeys, logFormat: logFormat as LogFormatOption });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NETWORK_MISMATCH' || code === 'IDENTITY_MISMATCH' || code === 'OPEN_BIND') throw usage((e as Error).message);
    if (code?.startsWith('TLS_')) throw usage(`node config field http.tls: ${(e as Error).message}`);
    if (code === 'TOKENS_FILE_INVALID') throw usage((e as Error).message);
    if (code === 'STORE_TOO_NEW') throw new CliError((e as Error).message, EXIT.STORE);
    if (code === 'STORE_DAMAGED' || code === 'CORRUPT') throw new CliError(`${(e as Error).message}\n${storeWayOut(cfg.home)}`, EXIT.STORE);
    if ((e as Error).message?.includes('EADDRINUSE') || code === 'EADDRINUSE') throw new CliError(`address in use: ${(e as Error).message}`, EXIT.USAGE);
    throw e;
  }
  const { node } = started;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      node.log.info({ signal }, 'stopping');
      void node
        .stop()
        .finally(() => rmSync(init.apiUrlFile, { force: true }))
        .then(resolve, resolve);
    };
    // SIGHUP reloads the API's certificate and token file (README "Securing the API"); it no longer stops the node.
    process.on('SIGHUP', () => {
      const r = node.reloadSecurity();
      node.log.info({ signal: 'SIGHUP', tls: r?.tls ?? null, errors: r?.errors ?? [] }, r?.errors.length ? 'reload incomplete: see the errors' : 'reloaded the API certificate and tokens');
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
