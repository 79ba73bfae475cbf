import { equalBytes, toHex } from '../bytes.js';
import { hasRole, type Config } from '../config/config.js';
import { verify } from '../crypto.js';
import { MAX_SKEW_MS } from '../constants.js';
import { ProtocolError } from '../errors.js';
import { checkBody, isKnownKind, roleNeeded, type ActorRole, type OrgActorBody } from './kinds.js';
import { decodeEnvelope, MAX_ENVELOPE_BYTES, recordSigMessage, type ActorBlock, type Envelope } from './record.js';
import { encodeRequest, requestDigest, requestOfRecord, requestSigMessage, type Request } from './request.js';

/** Every way a record can fail §5.1 / §5.3; each has a test that breaks exactly it. */
export type RuleCode =
  | 'LIMIT'
  | 'ENVELOPE'
  | 'SHAPE'
  | 'VERSION'
  | 'NETWORK'
  | 'WRONG_AUTHOR'
  | 'UNKNOWN_EPOCH'
  | 'NOT_AUTHOR'
  | 'EPOCH_REGRESSED'
  | 'SEQ'
  | 'PREV'
  | 'SIGNATURE'
  | 'TS_REGRESSED'
  | 'TS_FUTURE'
  | 'BODY'
  | 'FIRST_RECORD'
  | 'ACTOR_MISSING'
  | 'ACTOR_NOT_ALLOWED'
  | 'ACTOR_UNKNOWN'
  | 'ACTOR_INACTIVE'
  | 'ACTOR_ROLE'
  | 'ACTOR_CLOCK'
  | 'ACTOR_SIGNATURE'
  | 'NONCE_REPLAYED';

export class RecordRejected extends ProtocolError {
  readonly rule: RuleCode;
  readonly author: string | undefined;
  readonly seq: number | undefined;

  constructor(rule: RuleCode, message: string, author?: string, seq?: number) {
    super('RECORD_REJECTED', `${author !== undefined ? `${author}/${seq ?? '?'}: ` : ''}${message} [${rule}]`, rule);
    this.name = 'RecordRejected';
    this.rule = rule;
    this.author = author;
    this.seq = seq;
  }
}

export { MAX_SKEW_MS };

/** What a receiver knows of the log before the record: nothing for seq 0. */
export interface LogHead {
  seq: number;
  id: Uint8Array;
  epoch: number;
  ts: number;
}

export interface ActorInForce {
  key: Uint8Array;
  roles: ActorRole[];
  active: boolean;
}

export interface AcceptContext {
  net: Uint8Array;
  /** Config of an epoch, if the receiver knows it. */
  configFor(epoch: number): Config | undefined;
  /** The latest `org.actor` for `actorId` before `seq` in `author`'s own log. */
  actorInForce(author: string, actorId: string, seq: number): ActorInForce | undefined;
  /** When set, the log the record must belong to. */
  author?: string;
  /** Receiver's clock (ms); the future-timestamp rule is skipped when absent (offline verification). */
  now?: number;
  /** Whether this (author, nonce) was used before; skipped when absent. */
  nonceSeen?(author: string, nonce: Uint8Array): boolean;
  /** Set false when the record signature was already checked (bulk, worker pool, or just signed here). */
  verifyRecordSignature?: boolean;
  /** Set false when the actor signature was already checked in bulk (worker pool). */
  verifyActorSignature?: boolean;
}

export function orgActorOf(body: OrgActorBody): ActorInForce {
  return { key: body.key, roles: body.roles, active: body.active };
}

function decode(bytes: Uint8Array | Envelope): Envelope {
  if (!(bytes instanceof Uint8Array)) return bytes;
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new RecordRejected('LIMIT', `envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE_BYTES}`);
  try {
    return decodeEnvelope(bytes);
  } catch (e) {
    const err = e as ProtocolError;
    if (err.code === 'LIMIT_EXCEEDED') throw new RecordRejected('LIMIT', err.message);
    if (err.code === 'RECORD_INVALID' && err.detail === 'v') throw new RecordRejected('VERSION', err.message);
    if (err.code === 'RECORD_INVALID') throw new RecordRejected('SHAPE', err.message);
    throw new RecordRejected('ENVELOPE', err.message);
  }
}

/**
 * The rules that need no previous record: network, membership, signature,
 * body schema and actor (§5.1, §5.3). Used alone by the offline verifier,
 * which holds single records rather than whole logs.
 */
export function checkRecordAlone(ctx: AcceptContext, input: Uint8Array | Envelope): Envelope {
  const env = decode(input);
  const r = env.record;
  const reject: Rejecter = (rule, msg) => {
    throw new RecordRejected(rule, msg, r.author, r.seq);
  };
  if (!equalBytes(r.net, ctx.net)) reject('NETWORK', `record is for network ${toHex(r.net).slice(0, 8)}…`);
  if (ctx.author !== undefined && r.author !== ctx.author) reject('WRONG_AUTHOR', `record belongs to ${r.author}, expected ${ctx.author}`);
  const cfg = ctx.configFor(r.epoch);
  if (!cfg) reject('UNKNOWN_EPOCH', `config epoch ${r.epoch} is not known`);
  if (!hasRole(cfg, r.author, 'author')) reject('NOT_AUTHOR', `${r.author} is not an author member in epoch ${r.epoch}`);
  if (ctx.verifyRecordSignature !== false) {
    const key = cfg.members.find((m) => m.id === r.author)!.key;
    if (!verify(key, recordSigMessage(env.id), env.sig)) reject('SIGNATURE', 'record signature does not verify with the author key');
  }
  try {
    checkBody(r.kind, r.body, r.refs);
  } catch (e) {
    const err = e as ProtocolError;
    reject(err.code === 'LIMIT_EXCEEDED' ? 'LIMIT' : 'BODY', err.message);
  }
  checkActor(ctx, env, reject);
  return env;
}

export type Rejecter = (rule: RuleCode, msg: string) => never;

function checkActor(ctx: AcceptContext, env: Envelope, reject: Rejecter): void {
  const r = env.record;
  if (r.seq === 0) {
    const b = r.body as unknown as OrgActorBody;
    if (r.kind !== 'org.actor' || r.actor || !b.active || !b.roles.includes('admin')) {
      reject('FIRST_RECORD', 'seq 0 must be the node-signed org.actor of an active admin');
    }
    return;
  }
  const need = roleNeeded(r.kind, r.body);
  if (need === 'node') {
    if (r.actor) reject('ACTOR_NOT_ALLOWED', `${r.kind} is the node's own record and carries no actor`);
    return;
  }
  if (!r.actor) {
    if (!isKnownKind(r.kind)) return; // unknown kinds are opaque
    reject('ACTOR_MISSING', `${r.kind} must carry an actor`);
  }
  checkActorBlock(ctx, { author: r.author, seq: r.seq, kind: r.kind, ts: r.ts, actor: r.actor!, request: () => requestOfRecord(r) }, reject);
}

/** What an actor block is checked against: the record (or, for a request that makes no record, the request alone). */
export interface ActorClaim {
  author: string;
  /** Position the record has (or would have): the org.actor in force is the latest one below it. */
  seq: number;
  kind: string;
  /** Record time; absent for a request that makes no record (then `ctx.now` bounds `at`). */
  ts?: number;
  actor: ActorBlock;
  /** The request the actor signed, rebuilt lazily (only when the signature is checked). */
  request: () => Request;
}

/**
 * Whether an actor block checks out (§5.3), for receivers, verifiers and the
 * node's own API alike: the org.actor in force for the id before the record
 * is active and holds the role the kind needs (`roleFor` covers requests that
 * are not records, such as gov.sign); |ts − at| ≤ 5 min (and |now − at| when
 * the checker has a clock); the signature verifies over the rebuilt request;
 * the nonce was not used before (when the checker knows used nonces).
 */
export function checkActorBlock(ctx: AcceptContext, claim: ActorClaim, reject: Rejecter, roleFor?: ActorRole | 'any'): ActorInForce {
  const a = claim.actor;
  // a case.step needs the role of its step (§5.3): read from the signed request's body
  const need = roleFor ?? roleNeeded(claim.kind, claim.kind === 'case.step' ? claim.request().body : undefined);
  const inForce = ctx.actorInForce(claim.author, a.id, claim.seq);
  if (!inForce) reject('ACTOR_UNKNOWN', `actor ${a.id} has no org.actor in ${claim.author}'s log before seq ${claim.seq}`);
  if (!inForce.active) reject('ACTOR_INACTIVE', `actor ${a.id} is disabled`);
  if (need === 'node') reject('ACTOR_NOT_ALLOWED', `${claim.kind} is the node's own record and carries no actor`);
  if (need === undefined && isKnownKind(claim.kind)) reject('ACTOR_ROLE', `${claim.kind} names no step whose role actor ${a.id} could hold`);
  if (need !== undefined && need !== 'any' && !inForce.roles.includes(need)) reject('ACTOR_ROLE', `actor ${a.id} lacks role ${need} for ${claim.kind}`);
  if (claim.ts !== undefined && Math.abs(a.at - claim.ts) > MAX_SKEW_MS) reject('ACTOR_CLOCK', `actor request time is more than 5 minutes from the record time`);
  if (claim.ts === undefined && ctx.now !== undefined && Math.abs(a.at - ctx.now) > MAX_SKEW_MS) reject('ACTOR_CLOCK', `request time is more than 5 minutes from this node's clock`);
  if (ctx.verifyActorSignature !== false && !verify(inForce.key, requestSigMessage(requestDigest(encodeRequest(claim.request()))), a.sig)) {
    reject('ACTOR_SIGNATURE', `actor ${a.id}'s request signature does not verify`);
  }
  if (ctx.nonceSeen?.(claim.author, a.nonce)) reject('NONCE_REPLAYED', `nonce of actor ${a.id} was used before`);
  return inForce;
}

/**
 * All acceptance rules of §5.1 for record `head.seq + 1` (or seq 0 when
 * `head` is null): returns the decoded envelope or throws RecordRejected
 * naming the rule.
 */
export function acceptRecord(ctx: AcceptContext, head: LogHead | null, input: Uint8Array | Envelope): Envelope {
  const env = decode(input);
  const r = env.record;
  const reject: Rejecter = (rule, msg) => {
    throw new RecordRejected(rule, msg, r.author, r.seq);
  };
  const expectedSeq = head ? head.seq + 1 : 0;
  if (!equalBytes(r.net, ctx.net)) reject('NETWORK', `record is for network ${toHex(r.net).slice(0, 8)}…`);
  if (ctx.author !== undefined && r.author !== ctx.author) reject('WRONG_AUTHOR', `record belongs to ${r.author}, expected ${ctx.author}`);
  if (r.seq !== expectedSeq) reject('SEQ', `expected seq ${expectedSeq}`);
  if (head) {
    if (!r.prev || !equalBytes(r.prev, head.id)) reject('PREV', `prev is not the id of record ${head.seq}`);
    if (r.epoch < head.epoch) reject('EPOCH_REGRESSED', `epoch ${r.epoch} is below the previous record's ${head.epoch}`);
    if (r.ts < head.ts) reject('TS_REGRESSED', `ts ${r.ts} is below the previous record's ${head.ts}`);
  }
  if (ctx.now !== undefined && r.ts > ctx.now + MAX_SKEW_MS) reject('TS_FUTURE', `ts is more than 5 minutes ahead of this node's clock`);
  return checkRecordAlone(ctx, env);
}
