import { toHex } from '../../protocol/bytes.js';
import { decodeBundle } from '../../protocol/bundle/bundle.js';
import { verifyCaseBundle, type CaseBundleReport } from '../../protocol/bundle/case.js';
import { isoCst, parseInstant } from '../../protocol/cases/calendar.js';
import type { CaseReport, TimelineEntry } from '../../protocol/cases/report.js';
import { useCrypto } from '../../protocol/crypto.js';
import { nodeCrypto } from '../../ledger/crypto-node.js';
import { verifyOnce } from '../verify-once.js';
import { EXIT, printJson, usage } from '../io.js';
import { msg } from '../messages.js';
/** An instant option (`--as-of`, `--since`): ISO 8601 with an offset, or ms since the epoch. */
export function instantOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseInstant(v);
  if (ms === undefined) throw usage(`${name}: ISO 8601 with an offset (e.g. 2026-12-01T09:00:00+08:00) or milliseconds since the epoch, not ${v}`);
  return ms;
}

export const caseId = (arg: string): string => {
  if (!/^[0-9a-fA-F]{64}$/.test(arg)) throw usage(`${arg} is not a case id (64 hex digits: the record id of its case.open)`);
  return arg.toLowerCase();
};

const COLOURS: Record<string, string> = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m' };
export const lightText = (light: string | null, tty: boolean) => (light === null ? 'none' : tty ? `${COLOURS[light]}● ${light.toUpperCase()}\x1b[0m` : light.toUpperCase());

const BODY_SKIP = new Set(['id', 'kind', 'member', 'region', 'actor', 'role', 'ts', 'witnessed', 'final', 'lateEntry', 'ignored', 'applicant', 'materials']);

/** One timeline entry on one line: when, who, where, what, finality. */
function timelineLine(e: TimelineEntry): string {
  const who = e.actor ? `${e.member}/${e.actor}${e.role ? ` [${e.role}]` : ''}` : e.member;
  const body = Object.entries(e)
    .filter(([k, v]) => !BODY_SKIP.has(k) && v !== undefined && (e.kind !== 'case.open' || ['item', 'serial', 'mode'].includes(k)))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  const fin = e.final ? `final${e.witnessed ? `, witnessed ${e.witnessed}` : ''}` : 'not final';
  return `  ${e.ts}  ${who}${e.region ? ` (${e.region})` : ''}  ${e.kind.slice(5)}${body ? ` ${body}` : ''}  [${fin}]${e.lateEntry ? '  LATE ENTRY' : ''}${e.ignored ? `  (does not count: ${e.ignored})` : ''}`;
}

/** The case report as text: the case, its state and clock (the arithmetic written out), the timeline, hops and alerts. */
export function formatCaseReport(r: CaseReport & { warnings?: { code: string; ids: string[] }[] }, tty = false): string {
  const lines = [
    `case ${r.case}`,
    `  ${r.name} (item ${r.item}), ${r.mode}, serial ${r.serial}; opened by ${r.opener}, handled by ${r.handlers.join(', ')}`,
    `  state ${r.state.toUpperCase()}${r.result ? ` (${r.result})` : ''}, light ${lightText(r.light, tty)}${r.overdue ? `, overdue ${r.overdue} day${r.overdue === 1 ? '' : 's'}` : ''}${r.lateDays ? `, closed ${r.lateDays} day${r.lateDays === 1 ? '' : 's'} late` : ''}` +
      `${r.acceptedAt ? `; accepted ${r.acceptedAt}` : ''}${r.due ? `; due ${r.due}` : ''}${r.closedAt ? `; closed ${r.closedAt}` : ''}`,
  ];
  if (r.clock) lines.push(`  clock: ${r.clock.text}`);
  lines.push('timeline:');
  for (const e of r.timeline) lines.push(timelineLine(e));
  if (r.hops.length) lines.push('hops:');
  for (const h of r.hops) lines.push(`  ${h.from} -> ${h.to} (${h.purpose}, ${h.via}) sent ${h.sent}, ${h.received ? `received ${h.received} after ${h.hours} h` : 'not received'}`);
  for (const a of r.alerts) lines.push(`alert ${a.code} since ${a.since}: ${a.detail}`);
  for (const i of r.ignored) lines.push(`ignored ${i.id}: ${i.rule}`);
  for (const w of r.warnings ?? []) lines.push(`warning ${w.code}: ${w.ids.join(', ')}`);
  lines.push(`as of ${r.asOf}${r.calendarEpoch !== null ? ` (calendar of epoch ${r.calendarEpoch})` : ' (Monday to Friday: no calendar adopted)'}`);
  return lines.join('\n');
}

/**
 * Exit code of a verified case bundle (README "Exit codes"): 5 when the proofs are unsound; 1 when they are
 * sound but the case did not keep its deadline (red, or closed late); else 0.
 */
export function caseExit(r: CaseBundleReport): number {
  if (r.proofs === 'unsound' || !r.report) return EXIT.UNSOUND;
  return r.report.light === 'red' || (r.report.lateDays ?? 0) > 0 ? EXIT.NOT_STANDING : EXIT.OK;
}

const utc = (ms: number | null) => (ms === null ? null : isoCst(ms));

/** The offline verdict of a case bundle: the case report, then the proofs on their own line, apart from the case. */
export function formatCaseBundle(r: CaseBundleReport, tty = false): string {
  const lines: string[] = [];
  if (r.report) lines.push(formatCaseReport(r.report, tty));
  else lines.push(`case ${r.case || '(unreadable)'}: no verified case.open in the bundle`);
  for (const p of r.problems) lines.push(`problem ${p.code}: ${p.message}`);
  const times = [r.checkpointsAsOf !== null ? msg('checkpointsAsOf', utc(r.checkpointsAsOf)!) : '', r.provenTo !== null ? msg('provenTo', utc(r.provenTo)!) : ''].filter(Boolean).join(', ');
  lines.push(r.proofs === 'sound' ? msg('caseProofsSound', times) : msg('caseProofsUnsound', r.problems.length));
  if (r.report)
    lines.push(
      `case:   ${r.report.state.toUpperCase()}${r.report.result ? ` (${r.report.result})` : ''}, light ${r.report.light ?? 'none'}${r.report.lateDays ? `, ${r.report.lateDays} day(s) late` : ''}`,
    );
  return lines.join('\n');
}

/** `tongban verify --bundle CASE.bundle`: offline; the subject, when named, must be the bundle's case. */
export function verifyCaseOffline(bytes: Uint8Array, net: Uint8Array, subject: string | undefined, opts: { json?: boolean; asOf?: string; applicant?: Uint8Array }): number {
  useCrypto(verifyOnce(nodeCrypto));
  const asOf = instantOption('--as-of', opts.asOf) ?? Date.now();
  const report = verifyCaseBundle(bytes, net, asOf);
  if (subject !== undefined && report.case !== caseId(subject)) {
    report.proofs = 'unsound';
    report.problems.push({ code: 'BUNDLE_MALFORMED', message: `bundle is about case ${report.case || 'nothing readable'}, not ${subject.toLowerCase()}` });
  }
  const applicant = opts.applicant ? applicantMatches(report, opts.applicant) : undefined;
  if (opts.json) printJson(applicant === undefined ? report : { ...report, applicant: { matches: applicant } });
  else {
    const text = formatCaseBundle(report, !!process.stdout.isTTY);
    const line = applicant === undefined ? '' : `\napplicant: ${applicant ? 'MATCHES (the case.open commits to this ID and salt)' : 'DOES NOT MATCH (the case.open commits to another ID or salt)'}`;
    process.stdout.write(`${text}${line}\n`);
  }
  const exit = caseExit(report);
  // a case that is not the applicant's is not one they can stand on, whatever its light
  return applicant === false && exit === EXIT.OK ? EXIT.NOT_STANDING : exit;
}

/** Whether the verified case.open's applicant commitment (§C.3) equals `commitment`; false without a verified case.open. */
export function applicantMatches(r: CaseBundleReport, commitment: Uint8Array): boolean {
  const open = r.proofs === 'sound' ? r.report?.timeline.find((e) => e.kind === 'case.open') : undefined;
  return typeof open?.applicant === 'string' && open.applicant === toHex(commitment);
}

/** Whether bundle bytes are a case bundle (`"about": "case"`); undefined when they do not decode (the verifier says why). */
export function isCaseBundle(bytes: Uint8Array): boolean | undefined {
  try {
    return decodeBundle(bytes).about === 'case';
  } catch {
    return undefined;
  }
}
