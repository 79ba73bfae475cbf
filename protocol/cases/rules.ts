import { equalBytes, toHex } from '../bytes.js';
import type { CborMap } from '../cbor.js';
import type { Envelope } from '../records/record.js';
import { isCaseKind, type CaseAcceptBody, type CaseClockBody, type CaseCloseBody, type CaseHandoffBody, type CaseKind, type CaseOpenBody, type CaseReceiptBody } from './schema.js';

/**
 * The C.4 codes, in the order that decides which one is named when several
 * break (`after-close` is checked first). Reports list ignored records under
 * these codes; the authoring node refuses with them.
 */
export const CASE_RULES = [
  'after-close',
  'not-participant',
  'not-handler',
  'not-recipient',
  'duplicate-receipt',
  'before-accept',
  'accept-twice',
  'no-pause',
  'already-paused',
  'close-before-accept',
  'unknown-handoff',
  'unknown-case',
] as const;
export type CaseRule = (typeof CASE_RULES)[number];

/** Results a case may close with before it is accepted (§C.4). */
export const CLOSE_BEFORE_ACCEPT: readonly string[] = ['correction-timeout', 'void', 'deleted', 'forwarded'];
/** What may still be written after a close or a refusal. */
const AFTER_CLOSE: readonly string[] = ['case.handoff', 'case.receipt', 'case.deliver', 'case.evaluate', 'case.supervise'];

/** The parts of a case record the C.4 rules look at (a record, or one about to be appended). */
export interface CaseMove {
  author: string;
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
}

export interface HandoffState {
  id: string;
  env: Envelope;
  body: CaseHandoffBody;
  /** The receipt that counts for it, when one does. */
  receipt?: Envelope;
}

/** The id of the case a record belongs to: its own id for a case.open, else refs[0]. */
export function caseIdOf(env: Envelope): Uint8Array | undefined {
  if (env.record.kind === 'case.open') return env.id;
  return isCaseKind(env.record.kind) ? env.record.refs?.[0] : undefined;
}

const byTsAuthorSeq = (a: Envelope, b: Envelope) => a.record.ts - b.record.ts || (a.record.author < b.record.author ? -1 : a.record.author > b.record.author ? 1 : a.record.seq - b.record.seq);

/**
 * The order the rules are evaluated in (§C.4): (ts, author, seq), except that
 * the case.open comes first and a receipt comes right after the handoff it
 * acknowledges when clocks disagree. Deterministic for any input order.
 */
export function orderCaseRecords(records: readonly Envelope[]): Envelope[] {
  const sorted = [...records].sort((a, b) => (a.record.kind === 'case.open' ? 0 : 1) - (b.record.kind === 'case.open' ? 0 : 1) || byTsAuthorSeq(a, b));
  const out: Envelope[] = [];
  const pending = new Map<string, Envelope[]>(); // receipts waiting for a handoff placed later
  const later = new Set(sorted.filter((e) => e.record.kind === 'case.handoff').map((e) => toHex(e.id)));
  for (const env of sorted) {
    if (env.record.kind === 'case.receipt') {
      const h = env.record.refs?.[1];
      const key = h ? toHex(h) : '';
      if (later.has(key)) {
        pending.set(key, [...(pending.get(key) ?? []), env]);
        continue;
      }
    }
    out.push(env);
    if (env.record.kind === 'case.handoff') {
      const key = toHex(env.id);
      later.delete(key);
      out.push(...(pending.get(key) ?? []));
      pending.delete(key);
    }
  }
  return out;
}

/**
 * A case's state as its records are applied in order (§C.4): who the
 * handlers are, the decision, the pause in force, closed or not. `check`
 * names the rule a move would break (or undefined); `apply` counts a record
 * that passed. The node checks a request against the fold of what it holds;
 * reports fold every record and list those that break a rule as ignored.
 */
export class CaseFold {
  readonly id: Uint8Array;
  readonly open: CaseOpenBody;
  readonly opener: string;
  readonly openEnv: Envelope;
  /** Handlers in the order they became handlers: those of case.open, then receivers of `handle` handoffs. */
  readonly handlers: string[];
  readonly handoffs = new Map<string, HandoffState>();
  /** Records that count, in order (the case.open first). */
  readonly counted: Envelope[] = [];
  decision: { env: Envelope; decision: CaseAcceptBody['decision'] } | undefined;
  accepted: Envelope | undefined;
  refused: Envelope | undefined;
  closed: Envelope | undefined;
  /** The pause in force, if any. */
  pausedBy: Envelope | undefined;

  constructor(open: Envelope) {
    this.openEnv = open;
    this.id = open.id;
    this.open = open.record.body as unknown as CaseOpenBody;
    this.opener = open.record.author;
    this.handlers = [...this.open.handlers];
    this.counted.push(open);
  }

  isHandler(member: string): boolean {
    return this.handlers.includes(member);
  }

  isParticipant(member: string): boolean {
    return member === this.opener || this.isHandler(member);
  }

  /** The rule `m` breaks at this point of the case, or undefined when it may be written. */
  check(m: CaseMove): CaseRule | undefined {
    const kind = m.kind as CaseKind;
    if (kind === 'case.open' || !isCaseKind(kind) || !m.refs?.[0] || !equalBytes(m.refs[0], this.id)) return 'unknown-case';
    if ((this.closed || this.refused) && !AFTER_CLOSE.includes(kind)) return 'after-close';
    switch (kind) {
      case 'case.handoff':
      case 'case.deliver':
      case 'case.evaluate':
        return this.isParticipant(m.author) ? undefined : 'not-participant';
      case 'case.supervise':
        return undefined;
      case 'case.receipt': {
        const h = m.refs[1] ? this.handoffs.get(toHex(m.refs[1])) : undefined;
        if (!h) return 'unknown-handoff';
        if (h.body.to !== m.author) return 'not-recipient';
        if (h.receipt) return 'duplicate-receipt';
        return undefined;
      }
      case 'case.accept':
        if (!this.isHandler(m.author)) return 'not-handler';
        if (this.decision && this.decision.decision !== 'correct') return 'accept-twice';
        return undefined;
      case 'case.step':
        if (!this.isHandler(m.author)) return 'not-handler';
        return this.accepted ? undefined : 'before-accept';
      case 'case.clock': {
        if (!this.isHandler(m.author)) return 'not-handler';
        if (!this.accepted) return 'before-accept';
        const action = (m.body as unknown as CaseClockBody).action;
        if (action === 'resume' && !this.pausedBy) return 'no-pause';
        if (action === 'pause' && this.pausedBy) return 'already-paused';
        return undefined;
      }
      case 'case.close':
        if (!this.isHandler(m.author)) return 'not-handler';
        if (!this.accepted && !CLOSE_BEFORE_ACCEPT.includes((m.body as unknown as CaseCloseBody).result)) return 'close-before-accept';
        return undefined;
    }
  }

  /** Count a record that passed `check`. */
  apply(env: Envelope): void {
    const r = env.record;
    this.counted.push(env);
    switch (r.kind) {
      case 'case.handoff':
        this.handoffs.set(toHex(env.id), { id: toHex(env.id), env, body: r.body as unknown as CaseHandoffBody });
        return;
      case 'case.receipt': {
        const h = this.handoffs.get(toHex(r.refs![1]!))!;
        h.receipt = env;
        // the receiver of a `handle` handoff becomes a handler from its receipt on
        if (h.body.purpose === 'handle' && !this.handlers.includes(r.author)) this.handlers.push(r.author);
        return;
      }
      case 'case.accept': {
        const decision = (r.body as unknown as CaseAcceptBody).decision;
        this.decision = { env, decision };
        if (decision === 'accept') this.accepted = env;
        if (decision === 'refuse') this.refused = env;
        return;
      }
      case 'case.clock': {
        const action = (r.body as unknown as CaseClockBody).action;
        if (action === 'pause') this.pausedBy = env;
        if (action === 'resume') this.pausedBy = undefined;
        return;
      }
      case 'case.close':
        this.closed = env;
        return;
      default:
        return;
    }
  }

  /** Check and, when it passes, count `env`; returns the rule it breaks, if any. */
  step(env: Envelope): CaseRule | undefined {
    const r = env.record;
    const rule = this.check({ author: r.author, kind: r.kind, body: r.body, refs: r.refs });
    if (!rule) this.apply(env);
    return rule;
  }
}

/** Receipt bodies, for callers that read them. */
export type { CaseReceiptBody };

export interface FoldResult {
  fold: CaseFold;
  /** Every record of the case in rule order, with the rule it breaks when it does not count. */
  ordered: { env: Envelope; ignored?: CaseRule }[];
}

/**
 * Fold every record held for one case (§C.4): the case.open (exactly one,
 * with this id) and the records whose refs[0] is it, in rule order. Records
 * of other cases are ignored as `unknown-case`. Undefined without the case.open.
 */
export function foldCase(caseId: Uint8Array, records: readonly Envelope[]): FoldResult | undefined {
  const open = records.find((e) => e.record.kind === 'case.open' && equalBytes(e.id, caseId));
  if (!open) return undefined;
  const fold = new CaseFold(open);
  const ordered: FoldResult['ordered'] = [{ env: open }];
  for (const env of orderCaseRecords(records.filter((e) => e !== open && !equalBytes(e.id, caseId)))) {
    const ignored = fold.step(env);
    ordered.push(ignored ? { env, ignored } : { env });
  }
  return { fold, ordered };
}
