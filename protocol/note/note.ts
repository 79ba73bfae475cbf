import { concat, equalBytes, fromBase64, toBase64, utf8 } from '../bytes.js';
import { verify } from '../crypto.js';
import { fail } from '../errors.js';
import { isKeyName, keyId, KEY_TYPE_ED25519 } from '../keys.js';
import { asSigner, requireAlg, type SigningKey } from '../signer.js';
import { isNoteKeyName, isNoteSafe } from './text.js';

/**
 * Our notes are checkpoints: even 100 signature lines with long names stay far
 * below this, and a cap keeps a hostile peer from making us split megabytes.
 */
export const MAX_NOTE_BYTES = 64 * 1024;
/** PROTOCOL.md §9 (Go's sumdb/note uses the same cap). */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 '; // em dash, space

export interface Signature {
  name: string;
  /** First 4 bytes of the decoded signature. */
  keyId: Uint8Array;
  /** The bytes after the key id (64 for Ed25519, 72 for a cosignature). */
  sig: Uint8Array;
}

export interface Note {
  /** Signed text, including its final newline. */
  text: string;
  sigs: Signature[];
}

function bad(msg: string): never {
  return fail('NOTE_INVALID', msg);
}

function checkSize(s: string): void {
  // UTF-8 never has fewer bytes than UTF-16 units, so the cheap test comes first.
  if (s.length > MAX_NOTE_BYTES || utf8(s).length > MAX_NOTE_BYTES) bad(`note larger than ${MAX_NOTE_BYTES} bytes`);
}

/** Text that can be signed: non-empty, ends in a newline, no control characters. */
export function checkNoteText(text: string): void {
  if (typeof text !== 'string' || text === '') bad('note text is empty');
  if (!text.endsWith('\n')) bad('note text must end with a newline');
  if (!isNoteSafe(text)) bad('note text has a control character or invalid UTF-16');
}

function parseSigLine(line: string): Signature {
  if (!line.startsWith(SIG_PREFIX)) bad('signature line must start with an em dash (U+2014) and a space');
  const rest = line.slice(SIG_PREFIX.length);
  const sp = rest.indexOf(' ');
  if (sp < 0) bad('signature line has no signature');
  const name = rest.slice(0, sp);
  if (!isNoteKeyName(name)) bad(`invalid key name ${JSON.stringify(name)}`);
  let raw: Uint8Array;
  try {
    raw = fromBase64(rest.slice(sp + 1), 'signature');
  } catch {
    return bad('signature is not canonical standard base64');
  }
  if (raw.length < 5) bad('signature shorter than 5 bytes');
  return { name, keyId: raw.slice(0, 4), sig: raw.slice(4) };
}

/**
 * Parse a signed note as c2sp.org/signed-note and Go's note.Open do: the text
 * ends at the last blank line; every line after it is a signature line.
 * Signatures are not verified here, and duplicates are kept.
 */
export function parseNote(s: string): Note {
  if (typeof s !== 'string') bad('note must be a string');
  checkSize(s);
  if (!isNoteSafe(s)) bad('note has a control character or invalid UTF-16');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) bad('note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) bad('note must end with newline-terminated signature lines');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) bad(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { text, sigs: lines.map(parseSigLine) };
}

export function formatNote(note: Note): string {
  checkNoteText(note.text);
  if (!Array.isArray(note.sigs) || note.sigs.length === 0) bad('a note needs at least one signature');
  if (note.sigs.length > MAX_NOTE_SIGNATURES) bad(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  let out = note.text + '\n';
  for (const s of note.sigs) {
    if (!isNoteKeyName(s.name)) bad(`invalid key name ${JSON.stringify(s.name)}`);
    if (s.keyId.length !== 4 || s.sig.length === 0) bad('signature needs a 4-byte key id and a non-empty signature');
    out += `${SIG_PREFIX}${s.name} ${toBase64(concat(s.keyId, s.sig))}\n`;
  }
  checkSize(out); // never write what parseNote would refuse
  return out;
}

/** Ed25519 note signature (type 0x01) over the text bytes. */
export function signNote(text: string, name: string, key: SigningKey): Signature {
  checkNoteText(text);
  if (utf8(text).length > MAX_NOTE_BYTES) bad(`note text larger than ${MAX_NOTE_BYTES} bytes`);
  if (!isKeyName(name)) bad(`invalid key name ${JSON.stringify(name)}`);
  const signer = requireAlg(asSigner(key), 'ed25519', 'a note signature');
  return { name, keyId: keyId(name, KEY_TYPE_ED25519, signer.publicKey), sig: signer.sign(utf8(text)) };
}

/** An Ed25519 check as (public key, message, signature): what a verifier is asked, here or on worker threads. */
export type Ed25519Check = [pub: Uint8Array, msg: Uint8Array, sig: Uint8Array];

/** The Ed25519 check that decides whether `sig` is a type-0x01 signature by (name, pub) over `text`; undefined when its name, key id or length already rule it out. */
export function noteSignatureCheck(text: string, sig: Signature, vkey: { name: string; pub: Uint8Array }): Ed25519Check | undefined {
  if (sig.name !== vkey.name || sig.sig.length !== 64 || !equalBytes(sig.keyId, keyId(vkey.name, KEY_TYPE_ED25519, vkey.pub))) return undefined;
  return [vkey.pub, utf8(text), sig.sig];
}

/** True when `sig` is a valid type-0x01 signature by (name, pub) over `text`. */
export function verifyNoteSignature(text: string, sig: Signature, vkey: { name: string; pub: Uint8Array }): boolean {
  const check = noteSignatureCheck(text, sig, vkey);
  return !!check && verify(...check);
}
