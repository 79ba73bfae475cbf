import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync } from 'node:fs';
import { Level } from 'level';
import { fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import { LedgerError } from './errors.js';
import { schemaVersion } from './schema.js';
import type { Store } from './store.js';

/**
 * A backup archive (`tongban backup`): every key and value of the store, read
 * through one LevelDB iterator (an implicit snapshot: one consistent instant,
 * even while the node writes), as
 *
 *   magic `TONGBAN-BACKUP/1\n`
 *   u32 length ‖ UTF-8 JSON header {format, network, member, schema, createdAt}
 *   per entry: u32 key length ‖ key ‖ u32 value length ‖ value   (raw keys, sublevel prefixes included)
 *   u32 0xFFFFFFFF ‖ u64 entry count ‖ SHA-256 of every byte before the hash
 *
 * A cut or changed archive fails the count or the hash and restores nothing.
 */
export const BACKUP_MAGIC = utf8('TONGBAN-BACKUP/1\n');
const END = 0xffffffff;
/** The `meta` key a restore writes: the node then never skips own-log recovery (README "Backup and restore"). */
export const RESTORED_KEY = utf8('restored');

export interface BackupHeader {
  format: 'tongban-backup/1';
  /** The consortium's network id (genesis config id), hex. */
  network: string;
  /** The member whose store it is, when known. */
  member: string | null;
  /** The store's schema version (ledger/schema.ts). */
  schema: number;
  /** ms since the epoch: the instant of the snapshot. */
  createdAt: number;
}

export interface RestoredMark {
  /** When the store was restored (ms). */
  at: number;
  /** The backup's `createdAt`. */
  backupCreatedAt: number;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** The archive of `store`, in chunks of about 256 KiB; the iterator is opened before the first chunk is yielded. */
export async function* backupChunks(store: Store, member: string | null, now: () => number = Date.now): AsyncGenerator<Uint8Array> {
  // The iterator pins one snapshot: entries written after this line are not in the archive.
  const it = store.db.iterator({ keyEncoding: 'view', valueEncoding: 'view' });
  try {
    const net = await store.get('meta', utf8('net'));
    if (!net) throw new LedgerError('CORRUPT', 'the store has no network id: nothing to back up');
    const header: BackupHeader = { format: 'tongban-backup/1', network: toHex(net), member, schema: await schemaVersion(store), createdAt: now() };
    const hash = createHash('sha256');
    let parts: Uint8Array[] = [];
    let size = 0;
    const push = (b: Uint8Array) => {
      parts.push(b);
      size += b.length;
      hash.update(b);
    };
    const flush = (): Uint8Array => {
      const out = Buffer.concat(parts, size);
      parts = [];
      size = 0;
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    };
    const json = utf8(JSON.stringify(header));
    push(BACKUP_MAGIC);
    push(u32(json.length));
    push(json);
    let count = 0;
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      for (const [k, v] of batch) {
        push(u32(k.length));
        push(k);
        push(u32(v.length));
        push(v);
        count++;
      }
      if (size >= 256 * 1024) yield flush();
    }
    const tail = new Uint8Array(12);
    new DataView(tail.buffer).setUint32(0, END);
    new DataView(tail.buffer).setBigUint64(4, BigInt(count));
    push(tail);
    parts.push(new Uint8Array(hash.digest()));
    size += 32;
    yield flush();
  } finally {
    await it.close();
  }
}

/** Reads an archive file in order, `n` bytes at a time. */
class ArchiveReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  readonly hash = createHash('sha256');
  offset = 0;

  constructor(readonly path: string) {
    this.chunks = createReadStream(path, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  }

  async read(n: number, what: string): Promise<Uint8Array> {
    while (this.buf.length < n) {
      const next = await this.chunks.next();
      if (next.done) throw new LedgerError('BACKUP_INVALID', `${this.path} is cut short: ${what} at byte ${this.offset} is missing (an incomplete copy)`);
      this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.offset += n;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  async u32(what: string, hashed = true): Promise<number> {
    const b = await this.read(4, what);
    if (hashed) this.hash.update(b);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    const b = await this.read(n, what);
    this.hash.update(b);
    return b;
  }

  async atEnd(): Promise<boolean> {
    if (this.buf.length) return false;
    const next = await this.chunks.next();
    if (next.done) return true;
    this.buf = next.value;
    return this.buf.length === 0 && this.atEnd();
  }
}

const MAX_HEADER = 64 * 1024;
/** LevelDB keys of the ledger are short; values are bounded by the largest envelope or checkpoint note. */
const MAX_ENTRY = 64 * 1024 * 1024;

/**
 * Read the archive at `path`, checking everything (magic, header, framing,
 * count, hash); `on.header` sees the header first (and may throw), `on.entries`
 * gets the entries in batches as they are read.
 * Throws BACKUP_INVALID naming what is wrong; entries handed over before a
 * failure must then be discarded by the caller.
 */
export async function readBackup(
  path: string,
  on: { header?: (h: BackupHeader) => void; entries?: (batch: [Uint8Array, Uint8Array][]) => Promise<void> } = {},
): Promise<{ header: BackupHeader; entries: number }> {
  const r = new ArchiveReader(path);
  const magic = await r.bytes(BACKUP_MAGIC.length, 'the format line');
  if (!magic.every((b, i) => b === BACKUP_MAGIC[i])) throw new LedgerError('BACKUP_INVALID', `${path} is not a tongban backup (it does not start with "TONGBAN-BACKUP/1")`);
  const hlen = await r.u32('the header length');
  if (hlen > MAX_HEADER) throw new LedgerError('BACKUP_INVALID', `${path}: header length ${hlen} is beyond ${MAX_HEADER}`);
  let header: BackupHeader;
  try {
    header = JSON.parse(fromUtf8(await r.bytes(hlen, 'the header'))) as BackupHeader;
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    throw new LedgerError('BACKUP_INVALID', `${path}: the header is not JSON: ${(e as Error).message}`);
  }
  if (
    header?.format !== 'tongban-backup/1' ||
    typeof header.network !== 'string' ||
    !/^[0-9a-f]{64}$/.test(header.network) ||
    !Number.isSafeInteger(header.schema) ||
    !Number.isSafeInteger(header.createdAt)
  ) {
    throw new LedgerError('BACKUP_INVALID', `${path}: the header lacks format, network, schema or createdAt`);
  }
  on.header?.(header);
  let count = 0;
  let batch: [Uint8Array, Uint8Array][] = [];
  for (;;) {
    const klen = await r.u32(`the length of entry ${count}`);
    if (klen === END) break;
    if (klen > MAX_ENTRY) throw new LedgerError('BACKUP_INVALID', `${path}: entry ${count} claims a key of ${klen} bytes`);
    const k = new Uint8Array(await r.bytes(klen, `the key of entry ${count}`));
    const vlen = await r.u32(`the value length of entry ${count}`);
    if (vlen > MAX_ENTRY) throw new LedgerError('BACKUP_INVALID', `${path}: entry ${count} claims a value of ${vlen} bytes`);
    const v = new Uint8Array(await r.bytes(vlen, `the value of entry ${count}`));
    batch.push([k, v]);
    count++;
    if (batch.length >= 1000) {
      await on.entries?.(batch);
      batch = [];
    }
  }
  const n = await r.bytes(8, 'the entry count');
  const stated = Number(new DataView(n.buffer, n.byteOffset, 8).getBigUint64(0));
  if (stated !== count) throw new LedgerError('BACKUP_INVALID', `${path}: ${count} entries read, the archive says ${stated}`);
  const digest = new Uint8Array(r.hash.digest());
  const stored = await r.read(32, 'the SHA-256 at the end');
  if (!digest.every((b, i) => b === stored[i])) throw new LedgerError('BACKUP_INVALID', `${path}: the SHA-256 at the end does not match the contents (the file was changed)`);
  if (!(await r.atEnd())) throw new LedgerError('BACKUP_INVALID', `${path}: bytes follow the end of the archive`);
  if (batch.length) await on.entries?.(batch);
  return { header, entries: count };
}

/**
 * Restore the archive at `path` into a new store directory `dir` (which must
 * not hold a store), checking its network id is `network` (hex), and mark it
 * restored. On any failure the caller removes `dir`: nothing is trusted
 * before the hash at the end is checked.
 */
export async function restoreBackup(path: string, dir: string, network: string, now: () => number = Date.now): Promise<{ header: BackupHeader; entries: number }> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open({ createIfMissing: true, errorIfExists: true });
  try {
    const out = await readBackup(path, {
      header: (h) => {
        if (h.network !== network) throw new LedgerError('BACKUP_INVALID', `${path} is a backup of network ${h.network}, not of this home's network ${network}`);
      },
      entries: async (batch) => {
        const b = db.batch();
        for (const [k, v] of batch) b.put(k, v);
        await b.write();
      },
    });
    // The mark the node reads at start: restored stores always recover the own log from peers first.
    const mark: RestoredMark = { at: now(), backupCreatedAt: out.header.createdAt };
    const metaKey = db.sublevel<Uint8Array, Uint8Array>('meta', { keyEncoding: 'view', valueEncoding: 'view' }).prefixKey(RESTORED_KEY, 'view');
    await db.put(metaKey, utf8(JSON.stringify(mark)), { sync: true });
    return out;
  } finally {
    await db.close();
  }
}

/** The mark a restore left in the store, or undefined. */
export async function restoredMark(store: Store): Promise<RestoredMark | undefined> {
  const v = await store.get('meta', RESTORED_KEY);
  if (!v) return undefined;
  try {
    return JSON.parse(fromUtf8(v)) as RestoredMark;
  } catch {
    // A damaged mark still says the store was restored.
    return { at: 0, backupCreatedAt: 0 };
  }
}

/** fsync a written file (a backup must be on disk before it is reported done). */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
