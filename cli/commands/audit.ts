import { configPath } from '../config.js';
import { genesisOf, loadHome } from '../home.js';
import { CliError, EXIT, printJson, progress, usage } from '../io.js';

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
    if (code === 'STORE_DAMAGED' || code === 'CORRUPT' || code === 'STORE_TOO_NEW') throw new CliError((e as Error).message, EXIT.STORE);
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
