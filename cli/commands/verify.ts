import '../js-cbor.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fromHex32, toHex } from '../../protocol/bytes.js';
import { emptyReport, verifyBundle, type Report } from '../../protocol/bundle/verify.js';
import { useCrypto } from '../../protocol/crypto.js';
import { provinceOf } from '../../protocol/regions.js';
import { nodeCrypto } from '../../ledger/crypto-node.js';
import { verifyOnce } from '../verify-once.js';
import { CliError, EXIT, out, printJson, usage } from '../io.js';
import { msg } from '../messages.js';
import { humanTime } from '../time.js';
import { isCaseBundle, verifyCaseOffline } from './case-report.js';

/** A document named by its file (hashed locally) or by its 64-hex SHA-256. */
export function docHash(arg: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(arg) && !existsSync(arg)) return fromHex32(arg.toLowerCase());
  if (!existsSync(arg)) throw usage(msg('notDocument', arg));
  return new Uint8Array(createHash('sha256').update(readFileBytes(arg, 'file')).digest());
}

/** A file the user named (bundle, genesis): one it cannot read is an I/O error (exit 6), naming the file. */
export function readFileBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? (e as Error).message)}`, EXIT.IO);
  }
}

const DESCRIBE: Record<string, (e: Report['events'][number]) => string> = {
  'doc.register': () => 'registered the document',
  'doc.approve': (e) => `${e.decision === 'reject' ? 'rejected' : 'approved'} (${e.role})${e.reason ? `: ${e.reason}` : ''}`,
  'doc.revoke': (e) => `revoked${e.reason ? `: ${e.reason}` : ''}`,
  'doc.share': (e) => `shared with ${e.to} for ${e.purpose}`,
  'doc.access': (e) => `used it for ${e.purpose}`,
};

// China Standard Time, offset written (cli/time.ts)
const iso = humanTime;

/** The text report: every event with who, where, when and its finality, then the two answers on their own lines. */
export function formatReport(r: Report): string {
  const lines: string[] = [`document ${r.doc}`];
  for (const e of r.events) {
    const province = provinceOf(e.region);
    const place = `${e.member} (${e.region}${province && !e.member.startsWith(province.name) ? `, ${province.name}` : ''})`;
    const who = e.actor ? `${e.author}/${e.actor}${e.actorRoles ? ` [${e.actorRoles.join(',')}]` : ''}` : e.author;
    const fin = e.final ? `final, ${e.witnesses}/${e.quorum} witnesses${e.witnessed !== null ? `, witnessed ${iso(e.witnessed)}` : ''}` : `not final (${e.witnesses}/${e.quorum} witnesses)`;
    lines.push(`  ${iso(e.ts)}  ${place}  ${who}  ${(DESCRIBE[e.kind] ?? (() => e.kind))(e)}  [${fin}]${e.ignored ? `  (does not count: ${e.ignored})` : ''}`);
  }
  for (const p of r.problems) lines.push(`  problem ${p.code}: ${p.message}`);
  for (const w of r.warnings) lines.push(`  warning ${w.code}: ${w.message}`);
  const times = [r.asOf !== null ? msg('asOf', iso(r.asOf)) : '', r.provenTo !== null ? msg('provenTo', iso(r.provenTo)) : ''].filter(Boolean).join(', ');
  lines.push(r.proofs === 'sound' ? msg('proofsSound', times) : msg('proofsUnsound', r.problems.length));
  lines.push(r.proofs === 'sound' ? msg('decision', r.outcome, r.decision.why) : msg('decisionUnsound', r.outcome));
  return lines.join('\n');
}

/** Exit code of a report (README "Exit codes"): 0 only when the proofs are sound and the document stands. */
export function exitOf(r: Report): number {
  if (r.proofs === 'unsound') return EXIT.UNSOUND;
  return r.stands ? EXIT.OK : EXIT.NOT_STANDING;
}

/** Print a report as text or JSON (the JSON is the report itself, as the node's HTTP API serves it); returns the exit code. */
export function printReport(report: Report, json: boolean): number {
  if (json) printJson(report, out);
  else out(formatReport(report) + '\n');
  return exitOf(report);
}

/** The report when the node holds no proven record about the document: nothing to prove, nothing registered. */
export function notFoundReport(doc: Uint8Array, net: Uint8Array): Report {
  return emptyReport(toHex(doc), toHex(net), 'sound', { outcome: 'not-found', why: 'the node holds no proven record about the document', records: [] });
}

/** Verify bundle bytes locally against the trust anchor and print; returns the exit code. */
export function verifyAndPrint(bundle: Uint8Array, net: Uint8Array, subject: Uint8Array | undefined, json: boolean): number {
  useCrypto(verifyOnce(nodeCrypto));
  let report = verifyBundle(bundle, net);
  if (subject && report.doc !== toHex(subject)) {
    report = {
      ...report,
      proofs: 'unsound',
      stands: false,
      problems: [...report.problems, { code: 'BUNDLE_MALFORMED', message: `bundle is about ${report.doc || 'nothing readable'}, not ${toHex(subject)}` }],
    };
  }
  return printReport(report, json);
}

/** `tongban verify DOC --bundle B --genesis G`: fully offline, loads neither libp2p, fastify nor LevelDB. */
export function verifyOffline(doc: string | undefined, opts: { bundle: string; genesis?: string; net?: string; json?: boolean; asOf?: string }): number {
  const bytes = readFileBytes(opts.bundle, 'bundle');
  // A case bundle (CASES.md §C.6) names its case: the argument, when given, must be that case id.
  if (isCaseBundle(bytes)) return verifyCaseOffline(bytes, trustAnchor(opts), doc, opts);
  if (doc === undefined) throw usage('name the document (FILE or SHA256) the bundle is about');
  const subject = docHash(doc);
  const net = trustAnchor(opts);
  return verifyAndPrint(bytes, net, subject, !!opts.json);
}

export function trustAnchor(opts: { genesis?: string; net?: string }): Uint8Array {
  if (opts.net) {
    if (!/^[0-9a-f]{64}$/.test(opts.net)) throw usage('--net must be 64 lowercase hex digits (sha256sum of genesis.cbor)');
    return fromHex32(opts.net);
  }
  if (!opts.genesis) throw new CliError(msg('giveAnchor'), EXIT.USAGE);
  return new Uint8Array(createHash('sha256').update(readFileBytes(opts.genesis, 'genesis')).digest());
}
