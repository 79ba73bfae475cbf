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
    ledger = await Ledger.open({ path: configPath(cfg, cfg.dataDir), genesis: genesisOf(cfg) });
  } catch (e) {
    const msg = (e as Error).message;
    if (/lock/i.test(msg) || (e as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN') throw usage(`the store of ${opts.home} is in use (stop the node first): ${msg}`);
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

/** `tongban start`: run the node in the foreground until SIGTERM / Ctrl-C. */
export async function startCommand(opts: { home: string; genesis?: string; acceptEmptyLog?: boolean }): Promise<void> {
  if (opts.genesis) installGenesis(opts.home, opts.genesis);
  const cfg = loadHome(opts.home);
  let started;
  try {
    started = await runNode(cfg, { acceptEmptyLog: opts.acceptEmptyLog });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code?.startsWith('KEY_FILE') || /genesis/.test((e as Error).message)) throw usage((e as Error).message);
    if (code === 'NETWORK_MISMATCH' || code === 'IDENTITY_MISMATCH') throw usage((e as Error).message);
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
