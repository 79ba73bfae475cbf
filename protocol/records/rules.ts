import { equalBytes, toHex } from '../bytes.js';
import { hasRole, type Config } from '../config/config.js';
import { verify } from '../crypto.js';
import { ProtocolError } from '../errors.js';
import { checkBody, isKnownKind, KIND_ROLE, type ActorRole, type OrgActorBody } from './kinds.js';
import { decodeEnvelope, MAX_ENVELOPE_BYTES, recordSigMessage, type Envelope } from './record.js';
import { verifyActorSignature } from './request.js';

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

/** Clock skew allowance (§9). */
export const MAX_SKEW_MS = 5 * 60 * 1000;

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

type Rejecter = (rule: RuleCode, msg: string) => never;

function checkActor(ctx: AcceptContext, env: Envelope, reject: Rejecter): void {
  const r = env.record;
  if (r.seq === 0) {
    const b = r.body as unknown as OrgActorBody;
    if (r.kind !== 'org.actor' || r.actor || !b.active || !b.roles.includes('admin')) {
      reject('FIRST_RECORD', 'seq 0 must be the node-signed org.actor of an active admin');
    }
    return;
  }
  const need = isKnownKind(r.kind) ? KIND_ROLE[r.kind] : undefined;
  if (need === 'node') {
    if (r.actor) reject('ACTOR_NOT_ALLOWED', `${r.kind} is the node's own record and carries no actor`);
    return;
  }
  if (!r.actor) {
    if (need === undefined) return; // unknown kinds are opaque
    reject('ACTOR_MISSING', `${r.kind} must carry an actor`);
  }
  const a = r.actor!;
  const inForce = ctx.actorInForce(r.author, a.id, r.seq);
  if (!inForce) reject('ACTOR_UNKNOWN', `actor ${a.id} has no org.actor in ${r.author}'s log before seq ${r.seq}`);
  if (!inForce.active) reject('ACTOR_INACTIVE', `actor ${a.id} is disabled`);
  if (need !== undefined && need !== 'any' && !inForce.roles.includes(need)) reject('ACTOR_ROLE', `actor ${a.id} lacks role ${need} for ${r.kind}`);
  if (Math.abs(a.at - r.ts) > MAX_SKEW_MS) reject('ACTOR_CLOCK', `actor request time is more than 5 minutes from the record time`);
  if (ctx.verifyActorSignature !== false && !verifyActorSignature(r, inForce.key)) reject('ACTOR_SIGNATURE', `actor ${a.id}'s request signature does not verify`);
  if (ctx.nonceSeen?.(r.author, a.nonce)) reject('NONCE_REPLAYED', `nonce of actor ${a.id} was used before`);
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
