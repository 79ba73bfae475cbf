import { equalBytes, toHex } from '../bytes.js';
import type { CborMap } from '../cbor.js';
import { governanceMessage } from '../config/governance.js';
import { verify } from '../crypto.js';
import { ProtocolError } from '../errors.js';
import { isKnownKind, type OrgActorBody } from '../records/kinds.js';
import type { Envelope } from '../records/record.js';
import { caseRefusal, type CaseAuthorRule } from '../cases/check.js';
import type { CaseRule } from '../cases/rules.js';
import { isCaseKind } from '../cases/schema.js';
import type { GovVote, LedgerView } from './view.js';

/**
 * Domain rules (§5.2, §5.3, §4): what a record must respect, beyond its own
 * validity, to count in a report. The node refuses a request that breaks one
 * (HTTP 4xx naming the rule); the verifier ignores a record that breaks one
 * and warns. Receivers still accept such records from peers (§5.1): logs are
 * append-only facts, and what counts is decided when reporting.
 */
export type DomainRule =
  /** an actor asked for a kind this version does not know */
  | 'KIND_UNKNOWN'
  /** the registration a record decides on, revokes or shares is not held, or is not of this document */
  | 'REF_UNKNOWN'
  /** a revoke of another member's registration */
  | 'REVOKE_NOT_OWNER'
  /** an approval or share of a revoked registration */
  | 'DOC_REVOKED'
  /** a share to a member id that is not in the consortium */
  | 'SHARE_NOT_MEMBER'
  /** the same thing again: the record that already stands is named */
  | 'DUPLICATE'
  /** a member's step already decided otherwise: the decision that stands is named */
  | 'DECIDED'
  /** an org.actor enrolling a key another actor id of the member holds */
  | 'ACTOR_KEY_TAKEN'
  /** an org.actor without `prev` for an actor id already enrolled: re-adding never rotates a key or changes an official silently */
  | 'ACTOR_EXISTS'
  /** an org.actor whose `prev` is not the org.actor in force for its id (none enrolled, or changed since) */
  | 'ACTOR_PREV'
  /** a governance approval of a config already adopted */
  | 'CONFIG_ADOPTED'
  /** a governance approval whose signature is not the member's over the config id */
  | 'GOV_SIG_INVALID'
  /** a case record on a view that cannot answer case questions (no case index) */
  | 'CASES_UNSUPPORTED'
  /** the C.4 rules, by their CASES.md codes */
  | CaseRule
  | CaseAuthorRule;

export class DomainRefused extends ProtocolError {
  readonly rule: DomainRule;
  /** The record that already stands (duplicates and decided steps), hex. */
  readonly standing: string | undefined;

  constructor(rule: DomainRule, message: string, standing?: Uint8Array) {
    super('RECORD_REJECTED', `${message} [${rule}]`, rule);
    this.name = 'DomainRefused';
    this.rule = rule;
    this.standing = standing ? toHex(standing) : undefined;
  }
}

/** The parts of a record the rules look at: a record about to be appended, or one found in a bundle. */
export interface Proposed {
  author: string;
  seq: number;
  epoch: number;
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
  /** The actor id, when an official asked for it. */
  actor?: string;
}

export function proposedOf(env: Envelope): Proposed {
  const r = env.record;
  const p: Proposed = { author: r.author, seq: r.seq, epoch: r.epoch, kind: r.kind, body: r.body };
  if (r.refs) p.refs = r.refs;
  if (r.actor) p.actor = r.actor.id;
  return p;
}

const refuse = (rule: DomainRule, message: string, standing?: Uint8Array): never => {
  throw new DomainRefused(rule, message, standing);
};

const docOf = (x: { body: CborMap }) => x.body.doc as Uint8Array;
const refersTo = (x: { refs?: Uint8Array[] }, id: Uint8Array) => (x.refs ?? []).some((r) => equalBytes(r, id));

/** The registrations of a document held. */
export function registrations(view: LedgerView, doc: Uint8Array): Envelope[] {
  return view.docRecords(doc).filter((e) => e.record.kind === 'doc.register');
}

/** The revocation that stands for a registration: a doc.revoke by the registration's own author that refers to it. */
export function revocationOf(view: LedgerView, reg: Envelope): Envelope | undefined {
  return view.docRecords(docOf(reg.record)).find((e) => e.record.kind === 'doc.revoke' && e.record.author === reg.record.author && refersTo(e.record, reg.id));
}

/** A governance vote counts once per member and config (§4): the ledger's index and the API ask this. */
export function govVoteCounts(votes: readonly GovVote[], member: string): boolean {
  return !votes.some((v) => v.member === member);
}

/** Whether `sig` is `member`'s approval of config `id` under its key in `epoch`'s config. */
export function govSigValid(view: Pick<LedgerView, 'configFor'>, epoch: number, member: string, id: Uint8Array, sig: Uint8Array): boolean {
  const key = view.configFor(epoch)?.members.find((m) => m.id === member)?.key;
  return !!key && id.length === 32 && verify(key, governanceMessage(id), sig);
}

/** The registration of `doc` that `p` refers to, or (for kinds whose refs are optional) the held ones. */
function referredRegistrations(view: LedgerView, p: Proposed): Envelope[] {
  const doc = docOf(p);
  const regs = registrations(view, doc);
  const named = regs.filter((r) => refersTo(p, r.id));
  if (p.refs?.length || p.kind !== 'doc.share') {
    if (named.length === 0) refuse('REF_UNKNOWN', `${p.kind} refers to no registration of ${toHex(doc)} held here`);
    return named;
  }
  if (regs.length === 0) refuse('REF_UNKNOWN', `no registration of ${toHex(doc)} is held here`);
  return regs;
}

/**
 * Check the domain rules for `p` against what the view holds; throws
 * DomainRefused naming the rule (and the standing record, for duplicates).
 * The actor's role for the kind is an acceptance rule (records/rules.ts),
 * checked before this.
 */
export function checkDomain(view: LedgerView, p: Proposed): void {
  if (!isKnownKind(p.kind)) {
    if (p.actor !== undefined) refuse('KIND_UNKNOWN', `kind ${p.kind} is not known to this version`);
    return;
  }
  if (isCaseKind(p.kind)) {
    const { caseRecords, caseBySerial } = view;
    if (!caseRecords || !caseBySerial) return refuse('CASES_UNSUPPORTED', 'this node cannot check the case rules (no case index)');
    const r = caseRefusal({ configFor: (e) => view.configFor(e), caseRecords: caseRecords.bind(view), caseBySerial: caseBySerial.bind(view) }, p);
    if (r) refuse(r.rule, r.message, r.standing);
    return;
  }
  switch (p.kind) {
    case 'org.actor': {
      const b = p.body as unknown as OrgActorBody;
      const other = view.keyHolders(p.author, b.key, p.seq).find((h) => h.actorId !== b.id);
      if (other) refuse('ACTOR_KEY_TAKEN', `this key is enrolled already for actor ${other.actorId} of ${p.author} (one key per actor id)`, other.record);
      // A change names the org.actor it replaces (§5.2, extension): enrolment and change are told apart by what
      // the admin signed, and two admins changing one official at once cannot both count.
      const current = view.actorRecord(p.author, b.id, p.seq);
      const inForce = view.actorInForce(p.author, b.id, p.seq);
      if (b.prev === undefined) {
        if (current) refuse('ACTOR_EXISTS', `actor ${b.id} of ${p.author} is enrolled already; a change must name the org.actor it replaces (prev)`, current);
        return;
      }
      if (!current) refuse('ACTOR_PREV', `actor ${b.id} of ${p.author} is not enrolled; prev must be absent`);
      if (!equalBytes(current!, b.prev)) refuse('ACTOR_PREV', `prev is not the org.actor in force for ${b.id} (it changed since)`, current);
      if (inForce && equalBytes(inForce.key, b.key) && inForce.active === b.active && inForce.roles.join(',') === b.roles.join(',')) {
        refuse('DUPLICATE', `actor ${b.id} of ${p.author} is enrolled with this key, these roles and this state already`, current);
      }
      return;
    }
    case 'doc.register': {
      const mine = registrations(view, docOf(p)).find((r) => r.record.author === p.author && !revocationOf(view, r));
      if (mine) refuse('DUPLICATE', `${p.author} registered ${toHex(docOf(p))} already`, mine.id);
      return;
    }
    case 'doc.approve': {
      const [reg] = referredRegistrations(view, p);
      const revoke = revocationOf(view, reg!);
      if (revoke) refuse('DOC_REVOKED', `the registration was revoked`, revoke.id);
      const step = p.body.role;
      const prior = view.docRecords(docOf(p)).find((e) => e.record.kind === 'doc.approve' && e.record.author === p.author && e.record.body.role === step && refersTo(e.record, reg!.id));
      if (prior) {
        if (prior.record.body.decision === p.body.decision) refuse('DUPLICATE', `${p.author} made this decision at step ${String(step)} already`, prior.id);
        refuse('DECIDED', `${p.author} decided step ${String(step)} already (${String(prior.record.body.decision)})`, prior.id);
      }
      return;
    }
    case 'doc.revoke': {
      const [reg] = referredRegistrations(view, p);
      if (reg!.record.author !== p.author) refuse('REVOKE_NOT_OWNER', `only ${reg!.record.author} may revoke its registration`);
      const revoke = revocationOf(view, reg!);
      if (revoke) refuse('DUPLICATE', 'the registration was revoked already', revoke.id);
      return;
    }
    case 'doc.share': {
      const to = p.body.to as string;
      if (!view.configFor(p.epoch)?.members.some((m) => m.id === to)) refuse('SHARE_NOT_MEMBER', `${to} is not a member of the consortium in epoch ${p.epoch}`);
      const regs = referredRegistrations(view, p);
      const live = regs.filter((r) => !revocationOf(view, r));
      if (live.length === 0) refuse('DOC_REVOKED', 'the registration was revoked', revocationOf(view, regs[0]!)!.id);
      return;
    }
    case 'gov.approve': {
      const id = p.body.config as Uint8Array;
      if (view.adopted(id)) refuse('CONFIG_ADOPTED', `config ${toHex(id)} is adopted already`);
      if (!govSigValid(view, p.epoch, p.author, id, p.body.sig as Uint8Array)) refuse('GOV_SIG_INVALID', `the signature is not ${p.author}'s approval of ${toHex(id)}`);
      const votes = view.govVotes(id);
      if (!govVoteCounts(votes, p.author)) refuse('DUPLICATE', `${p.author} approved ${toHex(id)} already`, votes.find((v) => v.member === p.author)!.record);
      return;
    }
    default:
      return;
  }
}
