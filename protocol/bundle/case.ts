import { toHex } from '../bytes.js';
import { verifyConfigChain, type VerifiedConfig } from '../config/governance.js';
import { WorkCalendar } from '../cases/calendar.js';
import { caseReport, type CaseReport, type HeldRecord } from '../cases/report.js';
import { caseIdOf } from '../cases/rules.js';
import { decodeEnvelope } from '../records/record.js';
import { decodeBundle, type Bundle } from './bundle.js';
import { verifyBundle, type Finding, type LogState, type ProblemCode, type ReportEntry, type Soundness } from './verify.js';

/** What an offline verifier says about a case bundle (CASES.md §C.6). */
export interface CaseBundleReport {
  case: string;
  net: string;
  /** Are the proofs sound? The same checks as a document bundle (§8), answered apart from what the case says. */
  proofs: Soundness;
  problems: Finding<ProblemCode | 'NOT_A_CASE_BUNDLE' | 'CASE_MISSING'>[];
  /** The C.6 report from the entries that verified, or null when the bundle holds no verified case.open of its subject. */
  report: CaseReport | null;
  /** A bundle cannot prove that nothing happened after this (ms, or null). */
  provenTo: number | null;
  /** Newest cosignature time in the bundle (ms), or null. */
  checkpointsAsOf: number | null;
  epoch: number | null;
  entries: ReportEntry[];
  logs: LogState[];
}

/** The working calendar of a verified config chain: the newest config's (§C.5), named by its epoch. */
export function calendarOf(chain: readonly VerifiedConfig[]): WorkCalendar {
  const newest = chain.at(-1)!.config;
  // with none, Monday to Friday, and no epoch to name (the report says so rather than "epoch N")
  return new WorkCalendar(newest.calendar, newest.calendar ? newest.epoch : null);
}

/**
 * Verify a case bundle offline against the trust anchor `net` and evaluate
 * the case at `asOf` (the verifier's clock or --as-of): first the proofs, as
 * for any bundle (§8: chain, envelopes, record rules, inclusion, checkpoints,
 * cosignatures, actors), then C.4 and C.5 over the entries that verified, with
 * the calendar of the newest config in the bundle. Never throws on bad input.
 */
export function verifyCaseBundle(bytes: Uint8Array, net: Uint8Array, asOf: number): CaseBundleReport {
  const proofs = verifyBundle(bytes, net);
  const out: CaseBundleReport = {
    case: proofs.doc,
    net: proofs.net,
    proofs: proofs.proofs,
    problems: [...proofs.problems],
    report: null,
    provenTo: proofs.provenTo,
    checkpointsAsOf: proofs.asOf,
    epoch: proofs.epoch,
    entries: proofs.entries,
    logs: proofs.logs,
  };
  let bundle: Bundle;
  let chain: VerifiedConfig[];
  try {
    bundle = decodeBundle(bytes);
    chain = verifyConfigChain(net, bundle.configs);
  } catch {
    return out; // already reported as unsound by verifyBundle
  }
  if (bundle.about !== 'case') {
    out.problems.push({ code: 'NOT_A_CASE_BUNDLE', message: 'the bundle is a document bundle (no "about": "case")' });
    out.proofs = 'unsound';
    return out;
  }
  const verified = new Map(proofs.entries.map((e) => [e.id, e]));
  const held: HeldRecord[] = [];
  for (const entry of bundle.entries) {
    let env;
    try {
      env = decodeEnvelope(entry.envelope);
    } catch {
      continue;
    }
    const v = verified.get(toHex(env.id));
    const caseId = caseIdOf(env);
    if (!v || !caseId || toHex(caseId) !== out.case) continue;
    held.push({ env, final: v.final, witnessed: v.witnessed });
  }
  const regionOf = (member: string, epoch: number) => chain[epoch]?.config.members.find((m) => m.id === member)?.region;
  out.report = caseReport(bundle.subject, held, { calendar: calendarOf(chain), regionOf }, asOf) ?? null;
  if (!out.report) {
    out.problems.push({ code: 'CASE_MISSING', message: `the bundle holds no verified case.open ${out.case}` });
    out.proofs = 'unsound';
  }
  return out;
}
