import { fromUtf8, utf8 } from '../protocol/bytes.js';
import { LedgerError } from './errors.js';
import type { Op, Store } from './store.js';

/**
 * The store's schema version, `meta` key `schema` (decimal UTF-8). A store
 * without the key was made before versions were kept: version 0. A newer
 * node migrates an older store at open, one step at a time, each step one
 * atomic batch that also writes its version; an older node refuses a newer
 * store instead of misreading it.
 */
export const SCHEMA_VERSION = 1;
export const SCHEMA_KEY = utf8('schema');

interface Migration {
  /** The version the step reads; it writes `from + 1`. */
  from: number;
  what: string;
  ops: (store: Store) => Promise<Op[]>;
}

/** Every step, in order. A step only adds what the newer code reads; the version key itself is written with it. */
const MIGRATIONS: Migration[] = [{ from: 0, what: 'the schema version key (stores made before it had every table of version 1)', ops: async () => [] }];

export function schemaOp(store: Store, version: number): Op {
  return store.put('meta', SCHEMA_KEY, utf8(String(version)));
}

/** The stored schema version (0 when absent). */
export async function schemaVersion(store: Store): Promise<number> {
  const v = await store.get('meta', SCHEMA_KEY);
  if (!v) return 0;
  const s = fromUtf8(v);
  if (!/^(0|[1-9]\d{0,8})$/.test(s)) throw new LedgerError('CORRUPT', `meta key schema holds ${JSON.stringify(s.slice(0, 40))}, not a schema version`);
  return Number(s);
}

export interface MigrationStep {
  from: number;
  to: number;
  what: string;
}

/**
 * Refuse a store newer than this code; bring an older one to SCHEMA_VERSION
 * (not when read-only: audit reads any known version as it is). Returns the steps taken.
 */
export async function migrateStore(store: Store, path: string, readOnly: boolean): Promise<MigrationStep[]> {
  let version = await schemaVersion(store);
  if (version > SCHEMA_VERSION) {
    throw new LedgerError(
      'STORE_TOO_NEW',
      `store ${path} has schema version ${version}, but this tongban knows versions up to ${SCHEMA_VERSION}: a newer tongban wrote it. Run that newer release (or restore a backup taken before the upgrade); an older release never opens a newer store`,
    );
  }
  const steps: MigrationStep[] = [];
  if (readOnly) return steps;
  for (const m of MIGRATIONS) {
    if (m.from !== version) continue;
    await store.write([...(await m.ops(store)), schemaOp(store, m.from + 1)]);
    steps.push({ from: m.from, to: m.from + 1, what: m.what });
    version = m.from + 1;
  }
  if (version !== SCHEMA_VERSION) throw new LedgerError('CORRUPT', `store ${path}: no migration from schema version ${version} to ${SCHEMA_VERSION}`);
  return steps;
}
