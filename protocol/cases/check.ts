import { toHex } from '../bytes.js';
import type { Config } from '../config/config.js';
import type { Envelope } from '../records/record.js';
import { foldCase, type CaseMove, type CaseRule } from './rules.js';
import type { CaseOpenBody } from './schema.js';

/** Rules only the authoring node can check (it holds its own log whole); reports do not re-evaluate them. */
export type CaseAuthorRule =
  /** a case.open whose (author, serial) this node already holds (§C.4) */
  | 'duplicate-serial'
  /** a case.open naming a handler that is not an author-member of the record's epoch (§C.3) */
  | 'handler-not-member';

/** What the case rules ask of a ledger (a subset of LedgerView). */
export interface CaseQuestions {
  configFor(epoch: number): Config | undefined;
  /** The case.open with this id and every record whose refs[0] is it, held so far, any order. */
  caseRecords(caseId: Uint8Array): readonly Envelope[];
  /** The id of `author`'s case.open with this serial, if held. */
  caseBySerial(author: string, serial: string): Uint8Array | undefined;
}

export interface CaseRefusal {
  rule: CaseRule | CaseAuthorRule;
  message: string;
  /** The record that already stands (duplicate serial, duplicate receipt), when there is one. */
  standing?: Uint8Array;
}

const MESSAGES: Record<CaseRule, string> = {
  'after-close': 'the case is closed or refused: only handoff, receipt, deliver, evaluate and supervise may follow',
  'not-participant': 'only the opener and the handlers of the case may write this',
  'not-handler': 'only a handler of the case may write this',
  'not-recipient': 'only the member the handoff is addressed to may receipt it',
  'duplicate-receipt': 'this handoff has a receipt already',
  'before-accept': 'no step or clock before the case is accepted',
  'accept-twice': 'the case was accepted or refused already',
  'no-pause': 'no pause is in force to resume',
  'already-paused': 'the case is paused already',
  'close-before-accept': 'before acceptance a case closes only as correction-timeout, void, deleted or forwarded',
  'unknown-handoff': 'the handoff this receipt refers to is not held here (not yet replicated, or not of this case)',
  'unknown-case': 'the case this record refers to is not held here (not yet replicated, or not a case.open)',
};

/**
 * What the authoring node checks before it appends a case record (§C.4),
 * against what `view` holds: every C.4 rule over the fold of the case's
 * records, plus duplicate serials and handler membership for a case.open.
 * Returns the refusal (rule and message) or undefined when it may be written.
 */
export function caseRefusal(view: CaseQuestions, m: CaseMove & { epoch: number }): CaseRefusal | undefined {
  if (m.kind === 'case.open') {
    const b = m.body as unknown as CaseOpenBody;
    const held = view.caseBySerial(m.author, b.serial);
    if (held) return { rule: 'duplicate-serial', message: `${m.author} opened a case with serial ${b.serial} already (${toHex(held)})`, standing: held };
    const cfg = view.configFor(m.epoch);
    const stranger = b.handlers.find((h) => !cfg?.members.some((x) => x.id === h && x.roles.includes('author')));
    if (stranger) return { rule: 'handler-not-member', message: `handler ${stranger} is not an author-member in epoch ${m.epoch}` };
    return undefined;
  }
  const caseId = m.refs?.[0];
  const folded = caseId ? foldCase(caseId, view.caseRecords(caseId)) : undefined;
  if (!folded) return { rule: 'unknown-case', message: MESSAGES['unknown-case'] };
  const rule = folded.fold.check(m);
  if (!rule) return undefined;
  const standing = rule === 'duplicate-receipt' ? folded.fold.handoffs.get(toHex(m.refs![1]!))?.receipt?.id : undefined;
  return standing ? { rule, message: MESSAGES[rule], standing } : { rule, message: MESSAGES[rule] };
}

export const caseRuleMessage = (rule: CaseRule): string => MESSAGES[rule];

/**
 * The `warnings` of a node's case report (§C.4): the case.open records of one
 * author that share the case's serial, when more than one is held (a
 * repeated serial that reached the ledger anyway, e.g. from a forged peer).
 */
export function serialWarnings(open: Envelope, sameSerial: readonly Envelope[]): { code: 'duplicate-serial'; ids: string[] }[] {
  const b = open.record.body as unknown as CaseOpenBody;
  const twins = sameSerial.filter((e) => e.record.kind === 'case.open' && e.record.author === open.record.author && (e.record.body as unknown as CaseOpenBody).serial === b.serial);
  const ids = [...new Set([open, ...twins].map((e) => toHex(e.id)))].sort();
  return ids.length > 1 ? [{ code: 'duplicate-serial', ids }] : [];
}
