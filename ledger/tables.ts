import { readdirSync, readFileSync } from 'node:fs';
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
const TABLE = /\.(ldb|sst)$/;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
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

/** Every table file of the store at `dir` checked; the first damaged one is named in a STORE_DAMAGED error. */
export function checkTables(dir: string): { files: number; blocks: number } {
  let files = 0;
  let blocks = 0;
  for (const name of readdirSync(dir).filter((n) => TABLE.test(n)).sort()) {
    const path = join(dir, name);
    try {
      blocks += checkTable(new Uint8Array(readFileSync(path))).blocks;
    } catch (e) {
      throw new LedgerError('STORE_DAMAGED', `store file ${path} is damaged: ${(e as Error).message}`);
    }
    files++;
  }
  return { files, blocks };
}
