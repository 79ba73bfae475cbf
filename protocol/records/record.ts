import { concat, utf8 } from '../bytes.js';
import { decodeCanonical, encodeCanonical, isMap, type CborMap, type CborValue } from '../cbor.js';
import { encodeCanonicalShaped, KeyOrder, withCanonicalShaped } from '../cbor-encode.js';
import { asSigner, type SigningKey } from '../signer.js';
import { ProtocolError, fail } from '../errors.js';
import { sha256 } from '../crypto.js';
import { leafHash } from '../merkle/hash.js';
import { isActorId, isMemberId } from '../names.js';

/** PROTOCOL.md §9 limits. */
export const MAX_RECORD_BYTES = 64 * 1024;
export const MAX_REFS = 16;
export const MAX_ENVELOPE_BYTES = MAX_RECORD_BYTES + 128;

export interface ActorBlock {
  id: string;
  nonce: Uint8Array;
  at: number;
  sig: Uint8Array;
}

export interface Record {
  v: 1;
  net: Uint8Array;
  author: string;
  seq: number;
  prev?: Uint8Array;
  epoch: number;
  ts: number;
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
  actor?: ActorBlock;
}

/** A record as stored and sent: envelope = [recordBytes, sig]. */
export interface Envelope {
  bytes: Uint8Array;
  recordBytes: Uint8Array;
  sig: Uint8Array;
  record: Record;
  /** record id = SHA-256(0x00 || recordBytes), the RFC 6962 leaf hash. */
  id: Uint8Array;
}

const RECORD_PREFIX = utf8('tongban/v1/record\x00');

export function recordId(recordBytes: Uint8Array): Uint8Array {
  return leafHash(recordBytes);
}

/** The message the author's ledger key signs for a record (§3). */
export function recordSigMessage(id: Uint8Array): Uint8Array {
  return concat(RECORD_PREFIX, id);
}

function bad(field: string, expected: string): never {
  throw new ProtocolError('RECORD_INVALID', `record ${field}: expected ${expected}`, field);
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isHash = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.length === 32;
const RECORD_FIELDS = ['v', 'net', 'author', 'seq', 'prev', 'epoch', 'ts', 'kind', 'body', 'refs', 'actor'];
const ACTOR_FIELDS = ['id', 'nonce', 'at', 'sig'];
/** A record's fields in canonical order, worked out once: encodeRecord writes them without sorting. */
const RECORD_ORDER = new KeyOrder(RECORD_FIELDS, { actor: new KeyOrder(ACTOR_FIELDS) });
const KIND_RE = /^[a-z][a-z0-9]*(?:\.[a-z][a-z0-9-]*)+$/;

/** Structural check of a decoded record (field types, sizes); no semantics. */
export function checkRecordShape(x: CborValue): Record {
  if (!isMap(x)) bad('', 'a map');
  for (const k of Object.keys(x)) if (!RECORD_FIELDS.includes(k)) bad(k, 'no such field');
  if (x.v !== 1) bad('v', '1');
  if (!isHash(x.net)) bad('net', '32 bytes');
  if (!isMemberId(x.author)) bad('author', 'a member id');
  if (!isUint(x.seq)) bad('seq', 'an unsigned integer');
  if (x.seq === 0) {
    if (x.prev !== undefined) bad('prev', 'absent at seq 0');
  } else if (!isHash(x.prev)) bad('prev', 'the 32-byte id of record seq-1');
  if (!isUint(x.epoch)) bad('epoch', 'an unsigned integer');
  if (!isUint(x.ts)) bad('ts', 'milliseconds since the epoch');
  if (typeof x.kind !== 'string' || x.kind.length > 64 || !KIND_RE.test(x.kind)) bad('kind', 'a dotted kind name');
  if (!isMap(x.body)) bad('body', 'a map');
  if (x.refs !== undefined) {
    if (!Array.isArray(x.refs) || x.refs.length === 0) bad('refs', 'a non-empty array when present');
    if (x.refs.length > MAX_REFS) throw new ProtocolError('LIMIT_EXCEEDED', `record refs: ${x.refs.length} refs, limit ${MAX_REFS}`, 'refs');
    x.refs.forEach((r, i) => isHash(r) || bad(`refs[${i}]`, 'a 32-byte record id'));
  }
  if (x.actor !== undefined) {
    const a = x.actor;
    if (!isMap(a)) bad('actor', 'a map {id, nonce, at, sig}');
    for (const k of Object.keys(a)) if (!ACTOR_FIELDS.includes(k)) bad(`actor.${k}`, 'no such field');
    if (!isActorId(a.id)) bad('actor.id', 'an actor id');
    if (!(a.nonce instanceof Uint8Array) || a.nonce.length !== 16) bad('actor.nonce', '16 bytes');
    if (!isUint(a.at)) bad('actor.at', 'milliseconds since the epoch');
    if (!(a.sig instanceof Uint8Array) || a.sig.length !== 64) bad('actor.sig', '64 bytes');
  }
  return x as unknown as Record;
}

export function encodeRecord(r: Record): Uint8Array {
  const bytes = encodeCanonicalShaped(r as unknown as CborValue, RECORD_ORDER);
  if (bytes.length > MAX_RECORD_BYTES) fail('LIMIT_EXCEEDED', `record is ${bytes.length} bytes, limit ${MAX_RECORD_BYTES}`);
  return bytes;
}

export function decodeRecord(bytes: Uint8Array): Record {
  if (bytes.length > MAX_RECORD_BYTES) fail('LIMIT_EXCEEDED', `record is ${bytes.length} bytes, limit ${MAX_RECORD_BYTES}`);
  return checkRecordShape(decodeCanonical(bytes, MAX_RECORD_BYTES));
}

/** Canonical CBOR head of a byte string of `n` bytes (major type 2, shortest length form). */
function bytesHead(n: number): number[] {
  if (n < 24) return [0x40 + n];
  if (n < 0x100) return [0x58, n];
  if (n < 0x10000) return [0x59, n >>> 8, n & 0xff];
  return [0x5a, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** The canonical CBOR array [recordBytes, sig], written directly (what encodeCanonical gives, without its walk). */
export function encodeEnvelope(recordBytes: Uint8Array, sig: Uint8Array): Uint8Array {
  if (recordBytes.length >= 2 ** 32 || sig.length >= 2 ** 32) return encodeCanonical([recordBytes, sig]);
  const h1 = bytesHead(recordBytes.length);
  const h2 = bytesHead(sig.length);
  const out = new Uint8Array(1 + h1.length + recordBytes.length + h2.length + sig.length);
  out[0] = 0x82; // array of 2
  out.set(h1, 1);
  out.set(recordBytes, 1 + h1.length);
  out.set(h2, 1 + h1.length + recordBytes.length);
  out.set(sig, 1 + h1.length + recordBytes.length + h2.length);
  return out;
}

/** A record encoded into its envelope before it is signed: sealEnvelope() writes the signature in place. */
export interface UnsignedEnvelope {
  /** The envelope [recordBytes, sig] with the 64 signature bytes still zero. */
  bytes: Uint8Array;
  /** A view of the record's bytes inside `bytes`. */
  recordBytes: Uint8Array;
  /** recordId(recordBytes). */
  id: Uint8Array;
}

const SIG_HEAD = [0x58, 64]; // byte string of 64

/**
 * encodeRecord, recordId and encodeEnvelope in one pass and one allocation (they made three, and a copy for
 * the leaf hash): the record is encoded after a 0x00 byte in the encoder's buffer, hashed there as the leaf,
 * and copied once into an envelope whose signature is written later by sealEnvelope().
 */
export function encodeUnsignedEnvelope(r: Record): UnsignedEnvelope {
  return withCanonicalShaped(r as unknown as CborValue, RECORD_ORDER, 1, (buf, end) => {
    const len = end - 1;
    if (len > MAX_RECORD_BYTES) fail('LIMIT_EXCEEDED', `record is ${len} bytes, limit ${MAX_RECORD_BYTES}`);
    buf[0] = 0x00; // RFC 6962 leaf prefix
    const id = sha256(buf.subarray(0, end));
    const h = bytesHead(len);
    const at = 1 + h.length;
    const bytes = new Uint8Array(at + len + SIG_HEAD.length + 64);
    bytes[0] = 0x82; // array of 2
    bytes.set(h, 1);
    bytes.set(buf.subarray(1, end), at);
    bytes.set(SIG_HEAD, at + len);
    return { bytes, recordBytes: bytes.subarray(at, at + len), id };
  });
}

/** Write a 64-byte signature into an envelope made by encodeUnsignedEnvelope: it is then what encodeEnvelope(recordBytes, sig) gives. */
export function sealEnvelope(bytes: Uint8Array, sig: Uint8Array): void {
  if (sig.length !== 64) fail('RECORD_INVALID', `a signature is 64 bytes, not ${sig.length}`);
  bytes.set(sig, bytes.length - 64);
}

/** Sign record bytes with the author's ledger key and wrap them in an envelope. */
export function sealRecord(recordBytes: Uint8Array, ledgerKey: SigningKey): Envelope {
  const record = decodeRecord(recordBytes);
  const id = recordId(recordBytes);
  const sig = asSigner(ledgerKey).sign(recordSigMessage(id));
  return { bytes: encodeEnvelope(recordBytes, sig), recordBytes, sig, record, id };
}

/**
 * The common envelope, [record bytes, 64-byte sig] in canonical form, read without the general decoder: the
 * record bytes as a view of `bytes` (an envelope keeps its bytes anyway; the record's own values are copied when
 * it is decoded), the signature copied. Anything else is undefined and goes through the general decoder, which
 * names what is wrong.
 */
function envelopeParts(bytes: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (bytes.length < 67 || bytes[0] !== 0x82) return undefined;
  const ai = bytes[1]! & 31;
  if (bytes[1]! >> 5 !== 2) return undefined;
  let n: number;
  let at: number;
  if (ai < 24) [n, at] = [ai, 2];
  else if (ai === 24 && bytes[2]! >= 24) [n, at] = [bytes[2]!, 3];
  else if (ai === 25 && bytes[2]! > 0) [n, at] = [(bytes[2]! << 8) | bytes[3]!, 4];
  else return undefined; // longer heads are beyond MAX_RECORD_BYTES; the general decoder names it
  const sigAt = at + n;
  if (sigAt + 66 !== bytes.length || bytes[sigAt] !== 0x58 || bytes[sigAt + 1] !== 64) return undefined;
  return [bytes.subarray(at, sigAt), bytes.slice(sigAt + 2)];
}

/**
 * Decode an envelope strictly: canonical array of [record bytes, 64-byte sig],
 * record canonical and well-formed. Signature and semantics are checked by
 * the acceptance rules.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) fail('ENVELOPE_INVALID', 'envelope is not bytes');
  if (bytes.length > MAX_ENVELOPE_BYTES) fail('LIMIT_EXCEEDED', `envelope is ${bytes.length} bytes, limit ${MAX_ENVELOPE_BYTES}`);
  let v: CborValue = envelopeParts(bytes) ?? [];
  if (v.length === 0) {
    try {
      v = decodeCanonical(bytes, MAX_ENVELOPE_BYTES);
    } catch (e) {
      throw new ProtocolError('ENVELOPE_INVALID', `envelope: ${(e as Error).message}`, 'envelope');
    }
  }
  if (!Array.isArray(v) || v.length !== 2 || !(v[0] instanceof Uint8Array) || !(v[1] instanceof Uint8Array) || v[1].length !== 64) {
    fail('ENVELOPE_INVALID', 'envelope must be [record bytes, 64-byte signature]', 'envelope');
  }
  const recordBytes = v[0];
  let record: Record;
  try {
    record = decodeRecord(recordBytes);
  } catch (e) {
    if (e instanceof ProtocolError && (e.code === 'RECORD_INVALID' || e.code === 'LIMIT_EXCEEDED')) throw e;
    throw new ProtocolError('RECORD_INVALID', `record: ${(e as Error).message}`, 'record');
  }
  return { bytes, recordBytes, sig: v[1], record, id: recordId(recordBytes) };
}
