import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from './errors.js';

/**
 * A check of LevelDB's table files (.ldb, .sst) block by block, against the
 * CRC32C LevelDB stores after each block. LevelDB opens a store with damaged
 * tables and fails only when a read reaches the damage, without naming the
 * file; a node would then fail request after request, or restart into the
 * same failure. This names the file at start instead.
 *
 * Table layout (leveldb/doc/table_format.md): blocks, each followed by a
 * 1-byte compression type and the masked CRC32C of block and type; a
 * 48-byte footer with the handles of the metaindex and index blocks; the
 * index block's values are the handles of the data blocks.
 */

const MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb];

/** CRC32C (Castagnoli), slicing by 8: the check reads every byte of the store at start. */
const CRC = (() => {
  const t = new Uint32Array(256 * 8);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) for (let k = 1; k < 8; k++) t[k * 256 + i] = (t[(k - 1) * 256 + i]! >>> 8) ^ t[t[(k - 1) * 256 + i]! & 0xff]!;
  return t;
})();

function crc32c(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    const lo = (c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) >>> 0;
    c =
      CRC[7 * 256 + (lo & 0xff)]! ^
      CRC[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      CRC[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      CRC[4 * 256 + (lo >>> 24)]! ^
      CRC[3 * 256 + b[i + 4]!]! ^
      CRC[2 * 256 + b[i + 5]!]! ^
      CRC[256 + b[i + 6]!]! ^
      CRC[b[i + 7]!]!;
  }
  for (; i < to; i++) c = CRC[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function unmask(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

class Reader {
  constructor(
    readonly b: Uint8Array,
    public pos = 0,
  ) {}
  varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.b.length) throw new Error('truncated varint');
      const x = this.b[this.pos++]!;
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
      mul *= 128;
    }
    throw new Error('varint too long');
  }
}

/** Snappy raw decompression (github.com/google/snappy/blob/main/format_description.txt). */
function unsnappy(src: Uint8Array): Uint8Array {
  const r = new Reader(src);
  const n = r.varint();
  if (n > 64 << 20) throw new Error('block too large');
  const out = new Uint8Array(n);
  let o = 0;
  let i = r.pos;
  const need = (k: number) => {
    if (i + k > src.length) throw new Error('truncated snappy data');
  };
  while (i < src.length) {
    const tag = src[i++]!;
    let len: number;
    let off: number;
    if ((tag & 3) === 0) {
      len = tag >>> 2;
      if (len >= 60) {
        const k = len - 59;
        need(k);
        len = 0;
        for (let j = 0; j < k; j++) len |= src[i + j]! << (8 * j);
        i += k;
      }
      len += 1;
      need(len);
      if (o + len > n) throw new Error('snappy literal overruns the block');
      out.set(src.subarray(i, i + len), o);
      o += len;
      i += len;
      continue;
    }
    if ((tag & 3) === 1) {
      need(1);
      len = ((tag >>> 2) & 7) + 4;
      off = ((tag >>> 5) << 8) | src[i++]!;
    } else if ((tag & 3) === 2) {
      need(2);
      len = (tag >>> 2) + 1;
      off = src[i]! | (src[i + 1]! << 8);
      i += 2;
    } else {
      need(4);
      len = (tag >>> 2) + 1;
      off = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
      i += 4;
    }
    if (off === 0 || off > o || o + len > n) throw new Error('bad snappy copy');
    for (let j = 0; j < len; j++, o++) out[o] = out[o - off]!;
  }
  if (o !== n) throw new Error('snappy data shorter than announced');
  return out;
}

interface Handle {
  offset: number;
  size: number;
}

/** The block at `h`, checksum verified and decompressed. */
function block(file: Uint8Array, h: Handle): Uint8Array {
  const end = h.offset + h.size;
  if (end + 5 > file.length) throw new Error(`block at ${h.offset} runs past the end of the file`);
  const type = file[end]!;
  const stored = (file[end + 1]! | (file[end + 2]! << 8) | (file[end + 3]! << 16) | (file[end + 4]! << 24)) >>> 0;
  if (crc32c(file, h.offset, end + 1) !== unmask(stored)) throw new Error(`block at offset ${h.offset} fails its checksum`);
  const raw = file.subarray(h.offset, end);
  if (type === 0) return raw;
  if (type === 1) return unsnappy(raw);
  throw new Error(`block at offset ${h.offset} has unknown compression ${type}`);
}

/** The values of a block's entries (keys are prefix-compressed; only values are needed here). */
function values(b: Uint8Array): Uint8Array[] {
  if (b.length < 4) throw new Error('block too short');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const restarts = view.getUint32(b.length - 4, true);
  const end = b.length - 4 * (restarts + 1);
  if (end < 0) throw new Error('bad restart count');
  const r = new Reader(b);
  const out: Uint8Array[] = [];
  while (r.pos < end) {
    r.varint(); // shared key bytes
    const unshared = r.varint();
    const len = r.varint();
    r.pos += unshared;
    if (r.pos + len > end) throw new Error('entry runs past its block');
    out.push(b.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
  return out;
}

function handle(v: Uint8Array): Handle {
  const r = new Reader(v);
  return { offset: r.varint(), size: r.varint() };
}

/** Verify one table file; throws naming what is wrong. */
export function checkTable(bytes: Uint8Array): { blocks: number } {
  if (bytes.length < 48) throw new Error('shorter than a table footer');
  const footer = bytes.subarray(bytes.length - 48);
  if (!MAGIC.every((m, i) => footer[40 + i] === m)) throw new Error('table footer magic is wrong');
  const r = new Reader(footer);
  const meta = { offset: r.varint(), size: r.varint() };
  const index = { offset: r.varint(), size: r.varint() };
  let blocks = 0;
  for (const h of [...values(block(bytes, meta)).map(handle), ...values(block(bytes, index)).map(handle)]) {
    block(bytes, h);
    blocks++;
  }
  return { blocks: blocks + 2 };
}

/**
 * Records of a LevelDB log-format file (the MANIFEST): 32 KiB blocks of
 * fragments, each with a masked CRC32C, a length and a type (1 full, 2 first,
 * 3 middle, 4 last). Stops at the first torn or bad fragment: LevelDB itself
 * judges a damaged manifest when it opens the store.
 */
function logRecords(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  for (let block = 0; block < b.length; block += 32768) {
    let p = block;
    const end = Math.min(block + 32768, b.length);
    while (p + 7 <= end) {
      const crc = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      const len = b[p + 4]! | (b[p + 5]! << 8);
      const type = b[p + 6]!;
      if (type === 0 && len === 0) break; // zero padding (preallocated tail)
      if (p + 7 + len > end || crc32c(b, p + 6, p + 7 + len) !== unmask(crc)) return out;
      const data = b.subarray(p + 7, p + 7 + len);
      if (type === 1) out.push(data);
      else if (type === 2) parts = [data];
      else if (type === 3) parts.push(data);
      else if (type === 4) {
        parts.push(data);
        const whole = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
        let o = 0;
        for (const x of parts) {
          whole.set(x, o);
          o += x.length;
        }
        out.push(whole);
        parts = [];
      } else return out;
      p += 7 + len;
    }
  }
  return out;
}

/**
 * The table files the current version uses, from the MANIFEST named by
 * CURRENT (VersionEdit tags of leveldb/db/version_edit.cc). A store may hold
 * other table files, left by a compaction a close interrupted: LevelDB
 * deletes them at its next open, and they are no damage.
 */
function liveTables(dir: string): number[] {
  const current = readFileSync(join(dir, 'CURRENT'), 'utf8').trim();
  if (!/^MANIFEST-\d+$/.test(current)) throw new LedgerError('STORE_DAMAGED', `store file ${join(dir, 'CURRENT')} is damaged: it names no manifest`);
  let manifest: Uint8Array;
  try {
    manifest = new Uint8Array(readFileSync(join(dir, current)));
  } catch (e) {
    throw new LedgerError('STORE_DAMAGED', `store file ${join(dir, current)} is missing or unreadable: ${(e as Error).message}`);
  }
  const live = new Map<number, Set<number>>();
  const at = (level: number) => live.get(level) ?? live.set(level, new Set()).get(level)!;
  for (const rec of logRecords(manifest)) {
    const r = new Reader(rec);
    const deleted: [number, number][] = [];
    const added: [number, number][] = [];
    const bytes = () => {
      const n = r.varint();
      r.pos += n;
    };
    try {
      while (r.pos < rec.length) {
        const tag = r.varint();
        if (tag === 1) bytes();
        else if (tag === 2 || tag === 3 || tag === 4 || tag === 9) r.varint();
        else if (tag === 5) {
          r.varint();
          bytes();
        } else if (tag === 6) deleted.push([r.varint(), r.varint()]);
        else if (tag === 7) {
          added.push([r.varint(), r.varint()]);
          r.varint(); // file size
          bytes(); // smallest key
          bytes(); // largest key
        } else throw new Error(`unknown tag ${tag}`);
      }
    } catch (e) {
      throw new LedgerError('STORE_DAMAGED', `store file ${join(dir, current)} is damaged: ${(e as Error).message}`);
    }
    for (const [level, n] of deleted) at(level).delete(n);
    for (const [level, n] of added) at(level).add(n);
  }
  return [...live.values()].flatMap((x) => [...x]).sort((a, b) => a - b);
}

/**
 * Every table file the store at `dir` uses checked; the first damaged or
 * missing one is named in a STORE_DAMAGED error.
 */
export function checkTables(dir: string): { files: number; blocks: number } {
  if (!existsSync(join(dir, 'CURRENT'))) return { files: 0, blocks: 0 }; // a new store: LevelDB creates it
  let blocks = 0;
  const names = new Set(readdirSync(dir));
  const live = liveTables(dir);
  for (const n of live) {
    const name = [`${String(n).padStart(6, '0')}.ldb`, `${String(n).padStart(6, '0')}.sst`].find((x) => names.has(x));
    if (!name) throw new LedgerError('STORE_DAMAGED', `store file ${join(dir, `${String(n).padStart(6, '0')}.ldb`)} is missing: the manifest lists it`);
    const path = join(dir, name);
    try {
      blocks += checkTable(new Uint8Array(readFileSync(path))).blocks;
    } catch (e) {
      throw new LedgerError('STORE_DAMAGED', `store file ${path} is damaged: ${(e as Error).message}`);
    }
  }
  return { files: live.length, blocks };
}
