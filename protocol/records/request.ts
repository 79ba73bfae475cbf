import { concat, utf8 } from '../bytes.js';
import { decodeCanonical, encodeCanonical, isMap, type CborMap, type CborValue } from '../cbor.js';
import { randomBytes, sha256, sign, verify } from '../crypto.js';
import { ProtocolError, fail } from '../errors.js';
import { ACTOR_ID_PATTERN, isActorId, isMemberId } from '../names.js';
import { MAX_RECORD_BYTES, MAX_REFS, type ActorBlock, type Record } from './record.js';

/**
 * An actor's write request (§5.3): signed by the official before the node
 * gives it a position, so anyone can later rebuild it from the record and
 * check who asked for it.
 */
export interface Request {
  v: 1;
  net: Uint8Array;
  author: string;
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
  nonce: Uint8Array;
  at: number;
}

const REQUEST_PREFIX = utf8('tongban/v1/request\x00');

export function encodeRequest(req: Request): Uint8Array {
  return encodeCanonical(req as unknown as CborValue);
}

export function requestDigest(requestBytes: Uint8Array): Uint8Array {
  return sha256(requestBytes);
}

export function requestSigMessage(digest: Uint8Array): Uint8Array {
  return concat(REQUEST_PREFIX, digest);
}

function bad(field: string, expected: string): never {
  throw new ProtocolError('REQUEST_INVALID', `request ${field}: expected ${expected}`, field);
}

/** Strictly decode request bytes as sent to the node's API. */
export function decodeRequest(bytes: Uint8Array): Request {
  if (bytes.length > MAX_RECORD_BYTES) fail('LIMIT_EXCEEDED', `request is ${bytes.length} bytes, limit ${MAX_RECORD_BYTES}`);
  let x: CborValue;
  try {
    x = decodeCanonical(bytes, MAX_RECORD_BYTES);
  } catch (e) {
    throw new ProtocolError('REQUEST_INVALID', `request is not canonical CBOR: ${(e as Error).message}`, 'request');
  }
  if (!isMap(x)) bad('', 'a map');
  for (const k of Object.keys(x)) if (!['v', 'net', 'author', 'kind', 'body', 'refs', 'nonce', 'at'].includes(k)) bad(k, 'no such field');
  if (x.v !== 1) bad('v', '1');
  if (!(x.net instanceof Uint8Array) || x.net.length !== 32) bad('net', '32 bytes');
  if (!isMemberId(x.author)) bad('author', 'a member id');
  if (typeof x.kind !== 'string' || x.kind.length === 0 || x.kind.length > 64) bad('kind', 'a kind name');
  if (!isMap(x.body)) bad('body', 'a map');
  if (x.refs !== undefined) {
    if (!Array.isArray(x.refs) || x.refs.length === 0) bad('refs', 'a non-empty array when present');
    if (x.refs.length > MAX_REFS) throw new ProtocolError('LIMIT_EXCEEDED', `request refs: limit ${MAX_REFS}`, 'refs');
    x.refs.forEach((r, i) => (r instanceof Uint8Array && r.length === 32) || bad(`refs[${i}]`, 'a 32-byte record id'));
  }
  if (!(x.nonce instanceof Uint8Array) || x.nonce.length !== 16) bad('nonce', '16 bytes');
  if (typeof x.at !== 'number' || !Number.isInteger(x.at) || x.at < 0) bad('at', 'milliseconds since the epoch');
  return x as unknown as Request;
}

export interface RequestFields {
  net: Uint8Array;
  author: string;
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
  nonce?: Uint8Array;
  at?: number;
}

export interface SignedRequest {
  request: Request;
  bytes: Uint8Array;
  actor: ActorBlock;
}

/** Build and sign a request with an actor's key (what the CLI does). */
export function signRequest(fields: RequestFields, actorId: string, actorSeed: Uint8Array): SignedRequest {
  if (!isActorId(actorId)) fail('NAME_INVALID', `actor id must match ${ACTOR_ID_PATTERN}`);
  const request: Request = { v: 1, net: fields.net, author: fields.author, kind: fields.kind, body: fields.body, nonce: fields.nonce ?? randomBytes(16), at: fields.at ?? Date.now() };
  if (fields.refs && fields.refs.length > 0) request.refs = fields.refs;
  const bytes = encodeRequest(request);
  const sig = sign(actorSeed, requestSigMessage(requestDigest(bytes)));
  return { request, bytes, actor: { id: actorId, nonce: request.nonce, at: request.at, sig } };
}

/** Rebuild the request an actor signed from the record that carries it. */
export function requestOfRecord(r: Record): Request {
  if (!r.actor) fail('REQUEST_INVALID', 'record carries no actor');
  const req: Request = { v: 1, net: r.net, author: r.author, kind: r.kind, body: r.body, nonce: r.actor.nonce, at: r.actor.at };
  if (r.refs) req.refs = r.refs;
  return req;
}

/** Check an actor signature over a record's rebuilt request. */
export function verifyActorSignature(r: Record, actorKey: Uint8Array): boolean {
  if (!r.actor) return false;
  const digest = requestDigest(encodeRequest(requestOfRecord(r)));
  return verify(actorKey, requestSigMessage(digest), r.actor.sig);
}
