import { fromBase64, toBase64 } from '../bytes.js';
import { fail } from '../errors.js';
import { MAX_NOTE_BYTES } from './note.js';
import { isNoteSafe, parseDecimal } from './text.js';

/** c2sp.org/tlog-checkpoint note text. */
export interface Checkpoint {
  origin: string;
  /** Tree size, below 2^53. */
  size: number;
  /** RFC 6962 root hash, 32 bytes. */
  root: Uint8Array;
  /** Opaque extension lines (without newlines); our logs write none. */
  extensions: string[];
}

/** PROTOCOL.md §3: keeps checkpoint signatures apart from cosignature messages. */
const RESERVED_ORIGIN = 'cosignature/v1';

function bad(msg: string): never {
  return fail('CHECKPOINT_INVALID', msg);
}

function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line === '') bad(`${what} is empty`);
  if (line.includes('\n') || !isNoteSafe(line)) bad(`${what} has a control character or invalid UTF-16`);
}

function checkOrigin(origin: string): void {
  checkLine(origin, 'origin');
  if (origin === RESERVED_ORIGIN) bad(`origin may not be ${RESERVED_ORIGIN}`);
}

export function formatCheckpoint(cp: Checkpoint): string {
  checkOrigin(cp.origin);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) bad('size must be an integer in [0, 2^53)');
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== 32) bad('root must be 32 bytes');
  let out = `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
  for (const e of cp.extensions) {
    checkLine(e, 'extension line');
    out += e + '\n';
  }
  return out;
}

/** Strict parse of a checkpoint body (the note text, without signatures). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') bad('checkpoint must be a string');
  if (text.length > MAX_NOTE_BYTES) bad('checkpoint too large');
  if (!text.endsWith('\n')) bad('checkpoint must end with a newline');
  if (!isNoteSafe(text)) bad('checkpoint has a control character or invalid UTF-16');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) bad('checkpoint needs origin, size and root lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkOrigin(origin);
  const size = parseDecimal(sizeText);
  if (size === undefined) bad('size must be decimal without leading zeros, below 2^53');
  let root: Uint8Array;
  try {
    root = fromBase64(rootText, 'root');
  } catch {
    return bad('root is not canonical standard base64');
  }
  if (root.length !== 32) bad('root must be 32 bytes');
  for (const e of extensions) if (e === '') bad('extension lines must be non-empty');
  return { origin, size, root, extensions };
}
