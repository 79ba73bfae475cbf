import { configPath } from '../../node/config.js';
import { runNode } from '../../node/run.js';
import { genesisOf, loadHome } from '../home.js';
import { CliError, EXIT, printJson, progress, usage } from '../io.js';
import { installGenesis } from './setup.js';

/** `tongban audit`: re-verify the whole store offline (the node must be stopped). */
export async function auditCommand(opts: { home: string; json?: boolean }): Promise<number> {
  const cfg = loadHome(opts.home);
  const { Ledger } = await import('../../ledger/index.js');
  const { useCrypto } = await import('../../protocol/crypto.js');
  const { nodeCrypto } = await import('../../ledger/crypto-node.js');
  useCrypto(nodeCrypto);
  let ledger;
  try {
    // Read-only: a snapshot of the store is audited; the store is never created, changed or deleted.
    ledger = await Ledger.openReadOnly({ path: configPath(cfg, cfg.dataDir), genesis: genesisOf(cfg) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'STORE_DAMAGED' || code === 'CORRUPT') throw new CliError((e as Error).message, EXIT.STORE);
    if (code === 'NETWORK_MISMATCH') throw usage((e as Error).message);
    throw e;
  }
  try {
    const bar = progress(!opts.json);
    const r = await ledger.audit((done, total) => bar(done, total, 'audit'));
    if (opts.json) printJson(r);
    else {
      process.stdout.write(`audited ${r.records} records in ${r.logs} logs and ${r.checkpoints} checkpoints\n`);
      for (const p of r.problems) process.stdout.write(`  ${p.code} ${p.author}/${p.seq}: ${p.message}\n`);
      process.stdout.write(r.problems.length ? `${r.problems.length} problems found\n` : 'no problems found\n');
    }
    return r.problems.length ? EXIT.UNSOUND : EXIT.OK;
  } finally {
    await ledger.close();
  }
}

/** What to do about a damaged store (README "Recovering a damaged store"). */
function storeWayOut(home: string): string {
  return `the node does not start on a damaged store. Way out: move the data directory of ${home} aside (keep it for investigation) and start the node again: it fetches every log, its own included, from its peers (README "Recovering a damaged store")`;
}

/** `tongban start`: run the node in the foreground until SIGTERM / Ctrl-C. */
export async function startCommand(opts: { home: string; genesis?: string }): Promise<void> {
  if (opts.genesis) installGenesis(opts.home, opts.genesis);
  const cfg = loadHome(opts.home);
  let started;
  try {
    started = await runNode(cfg);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code?.startsWith('KEY_FILE') || /genesis/.test((e as Error).message)) throw usage((e as Error).message);
    if (code === 'NETWORK_MISMATCH') throw usage((e as Error).message);
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
      void node.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
