import { createWriteStream, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { configId } from '../../protocol/config/config.js';
import { toHex } from '../../protocol/bytes.js';
import { configPath } from '../config.js';
import { genesisOf, loadHome } from '../home.js';
import { authHeaders, runningNodeUrl } from '../running.js';
import { CliError, EXIT, printJson, usage } from '../io.js';

/** `20261129T130500Z`: a file-name-safe UTC instant. */
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

function isEmptyDir(path: string): boolean {
  return !existsSync(path) || (statSync(path).isDirectory() && readdirSync(path).length === 0);
}

const ledgerModules = async () => {
  const backup = await import('../../ledger/backup.js');
  const { useCrypto } = await import('../../protocol/crypto.js');
  const { nodeCrypto } = await import('../../ledger/crypto-node.js');
  useCrypto(nodeCrypto);
  return backup;
};

/** The archive file `--out` names: in a directory, `tongban-MEMBER-TIME.tbbackup`; `dir/` names a directory that must exist. */
export function archivePath(outOpt: string, member: string, now: number): string {
  if (/[/\\]$/.test(outOpt) && !existsSync(outOpt)) throw new CliError(`--out: directory ${resolve(outOpt)} does not exist (create it first)`, EXIT.IO);
  const out = existsSync(outOpt) && statSync(outOpt).isDirectory() ? join(outOpt, `tongban-${member}-${stamp(now)}.tbbackup`) : resolve(outOpt);
  if (existsSync(out)) throw usage(`--out: ${out} exists; give a new file name or a directory`);
  if (!existsSync(dirname(out))) throw new CliError(`--out: directory ${dirname(out)} does not exist`, EXIT.IO);
  return out;
}

/**
 * `tongban backup`: a consistent archive of the home's store. A running node streams one LevelDB
 * snapshot over GET /v1/admin/backup; a stopped node's store files are copied aside and read (the
 * store is never opened, so never changed). The archive is checked end to end before it is named.
 */
export async function backupCommand(opts: { home: string; out: string; json?: boolean }): Promise<void> {
  const cfg = loadHome(opts.home);
  const { backupChunks, readBackup, syncFile } = await ledgerModules();
  const out = archivePath(opts.out, cfg.member, Date.now());
  const part = join(dirname(out), `.${basename(out)}.part`);
  const url = await runningNodeUrl(cfg);
  let mode: 'online' | 'offline';
  try {
    if (url) {
      mode = 'online';
      let res: Response;
      try {
        res = await fetch(`${url}/v1/admin/backup`, { headers: authHeaders(cfg) });
      } catch (e) {
        throw new CliError(`node at ${url} is unreachable: ${(e as Error).message}`, EXIT.UNREACHABLE);
      }
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        throw new CliError(`node refused the backup: ${body.code ?? res.status}: ${body.message ?? res.statusText}`, EXIT.USAGE);
      }
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(part, { mode: 0o600 }));
    } else {
      mode = 'offline';
      const dataDir = configPath(cfg, cfg.dataDir);
      const { snapshotStore } = await import('../../ledger/snapshot.js');
      const { Store } = await import('../../ledger/store.js');
      // Its API did not answer, but a node may still hold the store: its files are then not one instant.
      if (await Store.inUse(dataDir)) throw usage(inUseMessage(opts.home, dataDir, 'back it up through its API: give its URL to the CLI (TONGBAN_TOKEN for a secured node) or stop it'));
      let snap;
      try {
        snap = snapshotStore(dataDir);
      } catch (e) {
        throw new CliError((e as Error).message, EXIT.STORE);
      }
      try {
        const store = await Store.open(snap.path, { readOnly: true });
        try {
          await pipeline(Readable.from(backupChunks(store, cfg.member)), createWriteStream(part, { mode: 0o600 }));
        } finally {
          await store.close();
        }
      } finally {
        snap.remove();
      }
    }
    // The archive is named only once it reads back whole (count and SHA-256) and is on disk.
    const { header, entries } = await readBackup(part);
    syncFile(part);
    renameSync(part, out);
    syncFile(dirname(out));
    const size = statSync(out).size;
    const what = { file: out, mode, member: header.member, network: header.network, schema: header.schema, createdAt: new Date(header.createdAt).toISOString(), entries, bytes: size };
    if (opts.json) printJson(what);
    else
      process.stdout.write(
        `backed up the store of ${header.member ?? cfg.member} (${mode === 'online' ? 'the node running: one consistent snapshot' : 'the node stopped'}) as of ${what.createdAt}: ${entries} entries, ${size} bytes, schema ${header.schema}\n  ${out}\n`,
      );
  } catch (e) {
    rmSync(part, { force: true });
    if ((e as { code?: string }).code === 'BACKUP_INVALID') throw new CliError(`the backup did not arrive whole: ${(e as Error).message}`, EXIT.IO);
    throw e;
  }
}

/**
 * `tongban restore`: restore an archive into the home's store (node stopped). The archive is read
 * into a new directory next to the store, checked (count, SHA-256, network) and audited before it
 * takes the store's place; the store it replaces (only with --force) is moved aside, never deleted.
 * The restored store carries a mark: at its next start the node recovers its own log from peers
 * before it signs anything, even with --accept-empty-log.
 */
export async function restoreCommand(opts: { home: string; from: string; force?: boolean; discardNewer?: boolean; json?: boolean }): Promise<number> {
  const cfg = loadHome(opts.home);
  const genesis = genesisOf(cfg);
  const network = toHex(configId(genesis));
  const dataDir = configPath(cfg, cfg.dataDir);
  if (!existsSync(opts.from) || !statSync(opts.from).isFile()) throw new CliError(`--from: ${opts.from} is not a file`, EXIT.IO);
  const url = await runningNodeUrl(cfg);
  if (url) throw usage(`the node of ${opts.home} is running (${url}): stop it first (systemctl stop tongban, or Ctrl-C)`);
  const { Store } = await import('../../ledger/store.js');
  if (await Store.inUse(dataDir)) throw usage(inUseMessage(opts.home, dataDir, 'stop it first (systemctl stop tongban, or Ctrl-C)'));
  if (!isEmptyDir(dataDir) && !opts.force) {
    throw usage(`the store ${dataDir} is not empty: restoring would replace it. Give --force to move it aside (it is kept as ${dataDir}.before-restore-…) and restore`);
  }
  const { restoreBackup } = await ledgerModules();
  const { Ledger } = await import('../../ledger/index.js');
  const tmp = `${dataDir}.restoring-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    let restored;
    try {
      restored = await restoreBackup(opts.from, tmp, network);
    } catch (e) {
      if ((e as { code?: string }).code === 'BACKUP_INVALID') throw usage(`nothing restored: ${(e as Error).message}`);
      throw e;
    }
    const { header, entries } = restored;
    if (header.member && header.member !== cfg.member) throw usage(`nothing restored: ${opts.from} is a backup of member ${header.member}, but this home is ${cfg.member}`);
    // Audit before it takes the store's place (read-only: a snapshot of the restored directory).
    let report;
    let restoredOwn = 0;
    try {
      const ledger = await Ledger.openReadOnly({ path: tmp, genesis });
      try {
        report = await ledger.audit();
        restoredOwn = ledger.size(cfg.member);
      } finally {
        await ledger.close();
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'STORE_TOO_NEW' || code === 'STORE_DAMAGED' || code === 'CORRUPT') throw new CliError(`nothing restored: ${(e as Error).message.split(tmp).join(opts.from)}`, EXIT.STORE);
      throw e;
    }
    if (report.problems.length) {
      for (const p of report.problems.slice(0, 20)) process.stderr.write(`  ${p.code} ${p.author}/${p.seq}: ${p.message}\n`);
      throw new CliError(`nothing restored: the audit of ${opts.from} found ${report.problems.length} problems`, EXIT.UNSOUND);
    }
    // Records of its own log that the store holds beyond the backup may be nowhere else (the node answers 201 once a
    // record is on its own disk): restored over, they would be lost and their positions signed again (a fork).
    const currentOwn = await ownLogSize(dataDir, genesis, cfg.member);
    if (currentOwn !== undefined && currentOwn > restoredOwn && !opts.discardNewer)
      throw usage(
        `nothing restored: the store ${dataDir} holds ${cfg.member}'s own records ${restoredOwn} to ${currentOwn - 1}, which the backup lacks and which may be nowhere else. Start the node on this store instead; or, if every member already holds them (tongban status at a peer shows ${cfg.member} size ${currentOwn} or more), give --discard-newer`,
      );
    let aside: string | null = null;
    if (existsSync(dataDir)) {
      if (isEmptyDir(dataDir)) rmSync(dataDir, { recursive: true });
      else {
        aside = `${dataDir}.before-restore-${stamp(Date.now())}`;
        renameSync(dataDir, aside);
      }
    }
    renameSync(tmp, dataDir);
    const what = {
      store: dataDir,
      from: resolve(opts.from),
      member: header.member,
      createdAt: new Date(header.createdAt).toISOString(),
      schema: header.schema,
      entries,
      audit: report,
      movedAside: aside,
    };
    if (opts.json) printJson(what);
    else {
      process.stdout.write(`restored ${entries} entries of ${header.member ?? cfg.member}'s store as of ${what.createdAt} (schema ${header.schema}) into ${dataDir}\n`);
      process.stdout.write(`audit: ${report.records} records in ${report.logs} logs and ${report.checkpoints} checkpoints, no problems\n`);
      if (aside) process.stdout.write(`the store it replaced is kept in ${aside}\n`);
      process.stdout.write(
        'next: tongban start: the node first takes back from its peers every record of its own log signed after the backup, and signs nothing until it holds them (status shows RECOVERING), so it never re-signs a used position\n',
      );
    }
    return EXIT.OK;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const inUseMessage = (home: string, dataDir: string, what: string) => `the store ${dataDir} is in use: a node of ${home} holds its lock (running, though its API did not answer here): ${what}`;

/** The length of `member`'s own log in the store at `dir`, or undefined when there is none or it cannot be read (damaged). */
async function ownLogSize(dir: string, genesis: Uint8Array, member: string): Promise<number | undefined> {
  if (!existsSync(dir) || isEmptyDir(dir)) return undefined;
  const { Ledger } = await import('../../ledger/index.js');
  try {
    const ledger = await Ledger.openReadOnly({ path: dir, genesis });
    try {
      return ledger.size(member);
    } finally {
      await ledger.close();
    }
  } catch {
    return undefined;
  }
}
