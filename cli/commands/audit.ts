import { configPath } from '../config.js';
import { genesisOf, loadHome } from '../home.js';
import { EXIT, printJson, progress, usage } from '../io.js';

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
