import { equalBytes, fromBase64, toHex } from '../protocol/bytes.js';
import { encodeCanonical } from '../protocol/cbor.js';
import { randomBytes } from '../protocol/crypto.js';
import { MAX_SKEW_MS } from '../protocol/constants.js';
import { decodeRequest, encodeRequest, requestDigest, requestSigMessage, type Request } from '../protocol/records/request.js';
import { ACTOR_ID_PATTERN, isActorId } from '../protocol/names.js';
import type { Signer } from '../protocol/signer.js';
import type { RecordRequest } from './builders.js';
import { ClientError } from './errors.js';

/**
 * What signs for an actor: protocol's Signer (a seed in memory: seedSigner),
 * or anything whose `sign` may be asynchronous (a WebCrypto key, a remote HSM).
 * It signs the message given, Ed25519 (PROTOCOL.md §5.3).
 */
export interface ActorSigner {
  sign(msg: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface Actor {
  id: string;
  signer: ActorSigner | Signer;
}

/** A signed request as POST /v1/records takes it. */
export interface SignedSubmission {
  request: Uint8Array;
  actor: string;
  sig: Uint8Array;
}

/** Sign `bytes` (canonical request CBOR) for `actor`: the signature covers "tongban/v1/request\0" ‖ SHA-256(bytes). */
export async function signRequestBytes(actor: Actor, bytes: Uint8Array): Promise<SignedSubmission> {
  if (!isActorId(actor.id)) throw new ClientError('INVALID_INPUT', `actor id must match ${ACTOR_ID_PATTERN}`, { field: 'actor' });
  const sig = await actor.signer.sign(requestSigMessage(requestDigest(bytes)));
  return { request: bytes, actor: actor.id, sig };
}

/** Build the request for `author` on network `net` with a fresh nonce and the local time, and sign it. */
export async function signRecordRequest(actor: Actor, net: Uint8Array, author: string, r: RecordRequest, at = Date.now()): Promise<SignedSubmission & { fields: Request }> {
  const fields: Request = { v: 1, net, author, kind: r.kind, body: r.body, nonce: randomBytes(16), at };
  if (r.refs && r.refs.length > 0) fields.refs = r.refs;
  return { ...(await signRequestBytes(actor, encodeRequest(fields))), fields };
}

/** The answer of POST /v1/requests/prepare. */
export interface PreparedAnswer {
  request: string;
  digest: string;
  signMessage: string;
  nonce: string;
  at: number;
  net: string;
  author: string;
}

/** What the caller meant to have signed, to hold the prepared bytes against. */
export interface PrepareExpectation extends RecordRequest {
  /** The network id the caller trusts (from its consortium config, not from the node). */
  net: Uint8Array;
  /** The node (member id) the caller meant to write to. */
  author: string;
  /** The caller's clock (default Date.now()) and how far `at` may be from it (default 5 minutes, §9). */
  now?: number;
  maxSkewMs?: number;
}

function mismatch(field: string, what: string): never {
  throw new ClientError('PREPARED_MISMATCH', `prepared request ${field}: ${what}; not signing it`, { field });
}

/**
 * Check prepared request bytes before signing them: decode them (strictly,
 * as canonical CBOR) and compare every field with what was asked; recompute
 * the digest and the message to sign from the bytes themselves, never
 * trusting the node's. Returns the bytes to sign and the decoded request;
 * throws PREPARED_MISMATCH naming the first field that differs.
 */
export function checkPrepared(answer: PreparedAnswer, want: PrepareExpectation): { request: Request; bytes: Uint8Array; signMessage: Uint8Array } {
  let bytes: Uint8Array;
  let req: Request;
  try {
    bytes = fromBase64(answer.request, 'request');
    req = decodeRequest(bytes);
  } catch (e) {
    return mismatch('request', `not a canonical request (${(e as Error).message})`);
  }
  if (!equalBytes(encodeRequest(req), bytes)) mismatch('request', 'not canonical');
  if (!equalBytes(req.net, want.net)) mismatch('net', `is ${toHex(req.net)}, not the network ${toHex(want.net)}`);
  if (req.author !== want.author) mismatch('author', `is ${req.author}, not ${want.author}`);
  if (req.kind !== want.kind) mismatch('kind', `is ${req.kind}, not ${want.kind}`);
  if (!equalBytes(encodeCanonical(req.body), encodeCanonical(want.body))) mismatch('body', 'differs from the body asked for');
  const refs = want.refs && want.refs.length > 0 ? want.refs : undefined;
  if ((req.refs?.length ?? 0) !== (refs?.length ?? 0) || (refs ?? []).some((r, i) => !equalBytes(r, req.refs![i]!))) mismatch('refs', 'differ from the refs asked for');
  const now = want.now ?? Date.now();
  const skew = want.maxSkewMs ?? MAX_SKEW_MS;
  if (Math.abs(req.at - now) > skew) mismatch('at', `${req.at} is more than ${skew} ms from now (${now})`);
  if (req.at !== answer.at || toHex(req.nonce) !== answer.nonce) mismatch('nonce', 'the answer names another nonce or time than its bytes');
  const digest = requestDigest(bytes);
  if (answer.digest !== toHex(digest)) mismatch('digest', 'is not the SHA-256 of the request bytes');
  const signMessage = requestSigMessage(digest);
  let theirs: Uint8Array;
  try {
    theirs = fromBase64(answer.signMessage, 'signMessage');
  } catch {
    return mismatch('signMessage', 'not base64');
  }
  if (!equalBytes(theirs, signMessage)) mismatch('signMessage', 'is not "tongban/v1/request\\0" followed by the digest');
  return { request: req, bytes, signMessage };
}
