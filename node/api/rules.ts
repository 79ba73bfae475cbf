import { toHex } from '../../protocol/bytes.js';
import { checkDomain, type Proposed } from '../../protocol/domain/rules.js';
import type { ProtocolError } from '../../protocol/errors.js';
import { checkBody, type ActorRole } from '../../protocol/records/kinds.js';
import { decodeRequest, type Request } from '../../protocol/records/request.js';
import { checkActorBlock, RecordRejected, type RuleCode } from '../../protocol/records/rules.js';
import type { LedgerApi } from './ports.js';

export interface SignedSubmission {
  request: Uint8Array;
  actor: string;
  sig: Uint8Array;
}

/** A request to judge before anything is signed or appended: a record's signature is the append's to check, so none is needed. */
export type Submission = Omit<SignedSubmission, 'sig'> & { sig?: Uint8Array };

/** Stands for a record's signature in the actor block here: never read, since precheck verifies a signature only for non-records. */
const UNREAD_SIGNATURE = new Uint8Array(64);

/**
 * The checks a request passes before this node appends anything for it,
 * through the same rule functions receivers and verifiers use: the body
 * schema, the actor block (§5.3: in force, active, role, clock, nonce; the
 * signature here only for gov.sign) and, for records, the domain rules
 * (protocol/domain); the append then runs every acceptance rule again. A request
 * that is not a record (gov.sign) names the role it needs and skips the
 * domain rules. Throws RecordRejected or DomainRefused naming the rule.
 */
export async function precheck(ledger: LedgerApi, sub: Submission, notARecord?: { role: ActorRole }, decoded?: Request): Promise<Request> {
  // A request that makes no record is judged by its signature here, so it must carry one.
  if (notARecord && !sub.sig) throw new Error('precheck: a request that is not a record needs its signature');
  // A node that may not sign yet (own log still recovering, clock skew: node/safety.ts) answers 503 first:
  // judged now, the request would be checked against a log it may not hold in full.
  const refused = ledger.appendGuard?.();
  if (refused) throw refused;
  const self = ledger.self!.id;
  const request = decoded ?? decodeRequest(sub.request);
  const seq = ledger.size(self);
  const reject = (rule: RuleCode, msg: string): never => {
    throw new RecordRejected(rule, msg, self, seq);
  };
  if (request.author !== self) reject('WRONG_AUTHOR', `request is for ${request.author}, this node is ${self}`);
  if (!notARecord) {
    try {
      checkBody(request.kind, request.body, request.refs);
    } catch (e) {
      reject((e as ProtocolError).code === 'LIMIT_EXCEEDED' ? 'LIMIT' : 'BODY', (e as Error).message);
    }
  }
  const used = await ledger.nonceUsed(self, request.nonce);
  // A record's actor signature is checked once, by the append (on the verify pool, off this thread); a request
  // that makes no record is checked here. (A forged request that also breaks a domain rule is told the domain
  // rule: nothing that GET /v1/docs does not show.)
  checkActorBlock(
    { net: ledger.net, configFor: (e) => ledger.configFor(e), actorInForce: (a, id, s) => ledger.actorInForce(a, id, s), now: ledger.now(), nonceSeen: () => used, verifyActorSignature: !!notARecord },
    { author: self, seq, kind: request.kind, actor: { id: sub.actor, nonce: request.nonce, at: request.at, sig: sub.sig ?? UNREAD_SIGNATURE }, request: () => request },
    reject,
    notARecord?.role,
  );
  if (!notARecord) {
    const p: Proposed = { author: self, seq, epoch: ledger.epoch, kind: request.kind, body: request.body, actor: sub.actor };
    if (request.refs) p.refs = request.refs;
    checkDomain(await ledger.domainView(p), p);
  }
  return request;
}

/** What a request's domain rules depend on: requests with the same key are checked and appended one after another. */
function ruleKey(req: Request): string | undefined {
  const b = req.body;
  if (req.kind.startsWith('doc.') && b.doc instanceof Uint8Array) return `doc:${toHex(b.doc)}`;
  if (req.kind === 'gov.approve' && b.config instanceof Uint8Array) return `gov:${toHex(b.config)}`;
  // one lock for every org.actor: the key rule and the prev rule (one actor id) both hold across them, and they are rare
  if (req.kind === 'org.actor') return 'org.actor';
  // case rules (§C.4) depend on the case's records, or for a case.open on the author's serials
  if (req.kind === 'case.open' && typeof b.serial === 'string') return `serial:${b.serial}`;
  if (req.kind.startsWith('case.') && req.refs?.[0]) return `case:${toHex(req.refs[0])}`;
  return undefined;
}

/**
 * Serialises check-then-append per rule key (one document, one config, the
 * member's officials), so two concurrent requests cannot both pass a rule that only
 * one of them may pass. Requests about different things still share a group
 * commit.
 */
export class RuleLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(req: Request, fn: () => Promise<T>): Promise<T> {
    const key = ruleKey(req);
    if (!key) return fn();
    const prev = this.tails.get(key) ?? Promise.resolve();
    const mine = prev.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Check a request's rules and append it, one at a time per rule key. */
export async function checkAndAppend(ledger: LedgerApi, locks: RuleLocks, sub: SignedSubmission) {
  let req: Request;
  try {
    req = decodeRequest(sub.request);
  } catch {
    return ledger.append(sub); // the ledger names what is wrong with it
  }
  return locks.run(req, async () => {
    await precheck(ledger, sub, undefined, req);
    return ledger.append({ ...sub, decoded: req });
  });
}
