import { fromBase64, toBase64, utf8 } from '../bytes.js';
import { fail, isProtocolError } from '../errors.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { formatNote, parseNote, type Note } from './note.js';
import { parseDecimal } from './text.js';

/** c2sp.org/tlog-proof@v1: an inclusion proof with its signed checkpoint. */
export interface TlogProof {
  /** Unauthenticated data; omitted from the text when absent. Never empty. */
  extra?: Uint8Array;
  index: number;
  /** RFC 6962 inclusion path, leaf's sibling first, 32 bytes each. */
  path: Uint8Array[];
  /** The (co)signed checkpoint note. */
  checkpoint: Note;
}

const HEADER = 'c2sp.org/tlog-proof@v1\n';
/** Room for a 64 KiB record in `extra` (as base64) and a full checkpoint note. */
export const MAX_TLOG_PROOF_BYTES = 256 * 1024;
/** Tree sizes stay below 2^53, so an inclusion path has at most 53 hashes. */
export const MAX_PROOF_HASHES = 64;

function bad(msg: string, detail?: string): never {
  return fail('TLOG_PROOF_INVALID', msg, detail);
}

/** Run `f`, reporting any ProtocolError as a malformed proof. */
function within<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isProtocolError(e)) bad(`${what}: ${e.message}`, e.code);
    throw e;
  }
}

function hash(line: string): Uint8Array {
  const h = within('proof hash', () => fromBase64(line, 'proof hash'));
  if (h.length !== 32) bad('proof hash must be 32 bytes');
  return h;
}

/** The checkpoint must parse and cover the index, or the proof cannot hold. */
function checkCheckpoint(note: Note, index: number): Checkpoint {
  const cp = within('checkpoint', () => parseCheckpoint(note.text));
  if (index >= cp.size) bad(`index ${index} is not below the checkpoint size ${cp.size}`);
  return cp;
}

export function formatTlogProof(p: TlogProof): string {
  let out = HEADER;
  if (p.extra !== undefined) {
    if (!(p.extra instanceof Uint8Array) || p.extra.length === 0) bad('extra must be non-empty bytes (leave it out instead)');
    out += `extra ${toBase64(p.extra)}\n`;
  }
  if (!Number.isSafeInteger(p.index) || p.index < 0) bad('index must be an integer in [0, 2^53)');
  out += `index ${p.index}\n`;
  if (p.path.length > MAX_PROOF_HASHES) bad(`more than ${MAX_PROOF_HASHES} proof hashes`);
  for (const h of p.path) {
    if (!(h instanceof Uint8Array) || h.length !== 32) bad('proof hash must be 32 bytes');
    out += toBase64(h) + '\n';
  }
  checkCheckpoint(p.checkpoint, p.index);
  out += '\n' + within('checkpoint note', () => formatNote(p.checkpoint));
  if (utf8(out).length > MAX_TLOG_PROOF_BYTES) bad(`proof larger than ${MAX_TLOG_PROOF_BYTES} bytes`);
  return out;
}

export function parseTlogProof(s: string): TlogProof {
  if (typeof s !== 'string') bad('proof must be a string');
  if (s.length > MAX_TLOG_PROOF_BYTES || utf8(s).length > MAX_TLOG_PROOF_BYTES) bad(`proof larger than ${MAX_TLOG_PROOF_BYTES} bytes`);
  if (!s.startsWith(HEADER)) bad('proof must start with the line c2sp.org/tlog-proof@v1');
  let pos = HEADER.length;
  const next = (): string => {
    const i = s.indexOf('\n', pos);
    if (i < 0) bad('proof is truncated');
    const line = s.slice(pos, i);
    pos = i + 1;
    return line;
  };
  let line = next();
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    const x = line.slice('extra '.length);
    extra = within('extra', () => fromBase64(x, 'extra'));
    if (extra.length === 0) bad('extra line without data');
    line = next();
  }
  if (!line.startsWith('index ')) bad('expected the index line');
  const index = parseDecimal(line.slice('index '.length));
  if (index === undefined) bad('index must be decimal without leading zeros, below 2^53');
  const path: Uint8Array[] = [];
  for (line = next(); line !== ''; line = next()) {
    if (path.length === MAX_PROOF_HASHES) bad(`more than ${MAX_PROOF_HASHES} proof hashes`);
    path.push(hash(line));
  }
  const checkpoint = within('checkpoint note', () => parseNote(s.slice(pos)));
  checkCheckpoint(checkpoint, index);
  return extra === undefined ? { index, path, checkpoint } : { extra, index, path, checkpoint };
}
