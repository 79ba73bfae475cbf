/** What stands decided about a document (issue: verdicts say what was decided). */
export type Outcome = 'approved' | 'rejected' | 'revoked' | 'pending' | 'conflict' | 'not-found';

/** A counted record about the document, as the decision needs it. */
export interface DocFact {
  id: string;
  kind: string;
  author: string;
  final: boolean;
  type?: string;
  decision?: string;
  role?: string;
  reason?: string;
  /** Ids (hex) of the records it refers to. */
  refs: string[];
}

export interface Decision {
  outcome: Outcome;
  /** One line saying why, naming who. */
  why: string;
  /** Ids of the records that decided it (the rejections, the revocations, the conflicting registrations, the approvals). */
  records: string[];
}

const who = (f: DocFact) => `${f.author}${f.role ? ` (${f.role})` : ''}`;

/**
 * Decide a document's outcome from the records that count (after the domain
 * rules): `not-found` without a registration; `conflict` when registrations
 * that stand disagree on member or type; `revoked` when every registration
 * was revoked, final; `rejected` on any final rejection; `pending` while any
 * of it is not final or nobody decided yet; else `approved`.
 */
export function decide(facts: readonly DocFact[]): Decision {
  const regs = facts.filter((f) => f.kind === 'doc.register');
  if (regs.length === 0) return { outcome: 'not-found', why: 'no registration of the document', records: [] };
  const revokes = facts.filter((f) => f.kind === 'doc.revoke');
  const revokeOf = (reg: DocFact) => revokes.find((r) => r.author === reg.author && r.refs.includes(reg.id));
  const live = regs.filter((r) => !revokeOf(r));
  if (live.length === 0) {
    const rs = regs.map((r) => revokeOf(r)!);
    if (rs.every((r) => r.final) && regs.every((r) => r.final))
      return { outcome: 'revoked', why: `revoked by ${[...new Set(rs.map((r) => r.author))].join(', ')}${rs[0]!.reason ? `: ${rs[0]!.reason}` : ''}`, records: rs.map((r) => r.id) };
    return { outcome: 'pending', why: 'revoked, but the revocation is not final yet', records: rs.map((r) => r.id) };
  }
  const kinds = new Set(live.map((r) => `${r.author}\n${r.type ?? ''}`));
  if (kinds.size > 1) {
    return { outcome: 'conflict', why: `registered ${live.length} times: ${live.map((r) => `${r.author} as ${r.type ?? '?'}`).join('; ')}`, records: live.map((r) => r.id) };
  }
  const liveIds = new Set(live.map((r) => r.id));
  const decisions = facts.filter((f) => f.kind === 'doc.approve' && f.refs.some((x) => liveIds.has(x)));
  const rejections = decisions.filter((d) => d.decision === 'reject' && d.final);
  if (rejections.length > 0) {
    return { outcome: 'rejected', why: `rejected by ${rejections.map((d) => `${who(d)}${d.reason ? `: ${d.reason}` : ''}`).join('; ')}`, records: rejections.map((d) => d.id) };
  }
  if (live.some((r) => !r.final)) return { outcome: 'pending', why: 'the registration is not final yet', records: live.filter((r) => !r.final).map((r) => r.id) };
  const open = decisions.filter((d) => !d.final);
  if (open.length > 0) return { outcome: 'pending', why: `${open.length} decision(s) not final yet`, records: open.map((d) => d.id) };
  const approvals = decisions.filter((d) => d.decision === 'approve');
  if (approvals.length === 0) return { outcome: 'pending', why: 'registered; no decision yet', records: [] };
  return { outcome: 'approved', why: `approved by ${approvals.map(who).join('; ')}`, records: approvals.map((d) => d.id) };
}
