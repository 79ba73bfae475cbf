import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, readSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Level } from 'level';
import { equalBytes, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
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
 * A cut or changed archive fails the hash (checked before any entry is read)
 * or the framing and count, and restores nothing.
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

/** The archive of `store`, in chunks of about 256 KiB; the iterator is opened before the first chunk is yielded. */
export async function* backupChunks(store: Store, member: string | null, now: () => number = Date.now): AsyncGenerator<Uint8Array> {
  // The iterator pins one snapshot: entries written after this line are not in the archive.
  const it = store.db.iterator({ keyEncoding: 'view', valueEncoding: 'view' });
  try {
    const net = await store.get('meta', utf8('net'));
    if (!net) throw new LedgerError('CORRUPT', 'the store has no network id: nothing to back up');
    const header: BackupHeader = { format: 'tongban-backup/1', network: toHex(net), member, schema: await schemaVersion(store), createdAt: now() };
    // Frames go into one buffer per chunk; the hash runs over whole chunks (per-field hashing was the cost).
    const hash = createHash('sha256');
    const CHUNK = 256 * 1024;
    let buf = Buffer.allocUnsafe(CHUNK * 2);
    let at = 0;
    const room = (n: number) => {
      if (at + n <= buf.length) return;
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + n));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    };
    const put = (b: Uint8Array) => {
      room(b.length);
      buf.set(b, at);
      at += b.length;
    };
    const putU32 = (n: number) => {
      room(4);
      buf.writeUInt32BE(n, at);
      at += 4;
    };
    const flush = (): Uint8Array => {
      const out = new Uint8Array(at);
      out.set(buf.subarray(0, at));
      hash.update(out);
      at = 0;
      return out;
    };
    const json = utf8(JSON.stringify(header));
    put(BACKUP_MAGIC);
    putU32(json.length);
    put(json);
    let count = 0;
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      for (const [k, v] of batch) {
        putU32(k.length);
        put(k);
        putU32(v.length);
        put(v);
        count++;
      }
      if (at >= CHUNK) yield flush();
    }
    putU32(END);
    room(8);
    buf.writeBigUInt64BE(BigInt(count), at);
    at += 8;
    const last = flush();
    const digest = new Uint8Array(hash.digest());
    const out = new Uint8Array(last.length + 32);
    out.set(last);
    out.set(digest, last.length);
    yield out;
  } finally {
    await it.close();
  }
}

/** Reads an archive file in order, `n` bytes at a time. */
class ArchiveReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  offset = 0;

  /** Reads bytes [0, end) of the file. */
  constructor(
    readonly path: string,
    end: number,
  ) {
    this.chunks = (end > 0 ? createReadStream(path, { highWaterMark: 1 << 20, end: end - 1 }) : Readable.from([]))[Symbol.asyncIterator]();
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

  async u32(what: string): Promise<number> {
    const b = await this.read(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  bytes(n: number, what: string): Promise<Uint8Array> {
    return this.read(n, what);
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
  // The SHA-256 at the end is checked first, in its own pass: a changed file hands over no entry at all.
  const size = statSync(path).size;
  const magic = Buffer.alloc(BACKUP_MAGIC.length);
  const stored = Buffer.alloc(32);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, magic, 0, magic.length, 0);
    if (!equalBytes(new Uint8Array(magic), BACKUP_MAGIC)) throw new LedgerError('BACKUP_INVALID', `${path} is not a tongban backup (it does not start with "TONGBAN-BACKUP/1")`);
    if (size < BACKUP_MAGIC.length + 32) throw new LedgerError('BACKUP_INVALID', `${path} is cut short: ${size} bytes are too few for a backup archive`);
    readSync(fd, stored, 0, 32, size - 32);
  } finally {
    closeSync(fd);
  }
  const hash = createHash('sha256');
  for await (const c of createReadStream(path, { start: 0, end: size - 33, highWaterMark: 1 << 20 })) hash.update(c as Buffer);
  if (!equalBytes(new Uint8Array(hash.digest()), new Uint8Array(stored))) {
    throw new LedgerError('BACKUP_INVALID', `${path}: the SHA-256 at the end does not match the contents (the file was changed, or cut short)`);
  }
  const r = new ArchiveReader(path, size - 32);
  await r.bytes(BACKUP_MAGIC.length, 'the format line'); // checked above
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
    const k = await r.bytes(klen, `the key of entry ${count}`);
    const vlen = await r.u32(`the value length of entry ${count}`);
    if (vlen > MAX_ENTRY) throw new LedgerError('BACKUP_INVALID', `${path}: entry ${count} claims a value of ${vlen} bytes`);
    const v = await r.bytes(vlen, `the value of entry ${count}`);
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
  if (!(await r.atEnd())) throw new LedgerError('BACKUP_INVALID', `${path}: bytes follow the end of the archive`);
  if (batch.length) await on.entries?.(batch);
  return { header, entries: count };
}

/**
 * Restore the archive at `path` into a new store directory `dir` (which must
 * not hold a store), checking its network id is `network` (hex), and mark it
 * restored. The hash is checked before any entry is written; on any failure
 * the caller removes `dir`.
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
