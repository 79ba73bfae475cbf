import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from './errors.js';

/** A copy of a store's files in a temporary directory, removed by `remove`. */
export interface Snapshot {
  path: string;
  remove: () => void;
}

/** LevelDB table files are immutable once written: hard-linked when the file system allows, else copied. */
const TABLE = /\.(ldb|sst)$/;
/** Files LevelDB recreates on open and that carry no data. */
const SKIP = new Set(['LOCK', 'LOG', 'LOG.old']);

/**
 * Take a snapshot of the store at `path` for read-only use. LevelDB writes
 * when it opens a directory (a new manifest, the log replayed into a table,
 * the info log rotated), so the store itself is never opened: its files are
 * linked or copied into a temporary directory and that is opened instead.
 * The store is left byte-identical, and nothing is created where none was.
 */
export function snapshotStore(path: string): Snapshot {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new LedgerError('STORE_DAMAGED', `no store at ${path}: the directory does not exist`);
  if (!existsSync(join(path, 'CURRENT'))) throw new LedgerError('STORE_DAMAGED', `no store at ${path}: ${join(path, 'CURRENT')} is missing`);
  // A running node may compact meanwhile and delete a table just listed: try again on a fresh listing.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'tongban-audit-'));
    try {
      for (const name of readdirSync(path)) {
        if (SKIP.has(name)) continue;
        const from = join(path, name);
        if (!statSync(from).isFile()) continue;
        if (TABLE.test(name)) {
          try {
            linkSync(from, join(dir, name));
            continue;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
          }
        }
        copyFileSync(from, join(dir, name));
      }
      return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
    }
  }
}
