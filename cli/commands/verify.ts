import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fromHex32, toHex } from '../../protocol/bytes.js';
import { verifyBundle, type Report } from '../../protocol/bundle/verify.js';
import { useCrypto } from '../../protocol/crypto.js';
import { provinceOf } from '../../protocol/regions.js';
import { nodeCrypto } from '../../ledger/crypto-node.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { sha256 } from '../../protocol/crypto.js';
import { genesisOf, loadHome } from '../home.js';
import { client, type Target } from './target.js';

/** A document named by its file (hashed locally) or by its 64-hex SHA-256. */
export function docHash(arg: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(arg) && !existsSync(arg)) return fromHex32(arg.toLowerCase());
  if (!existsSync(arg)) throw usage(`${arg} is neither a file nor a 64-hex-digit SHA-256`);
  return new Uint8Array(createHash('sha256').update(readFileSync(arg)).digest());
}

export function readFileBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw usage(`${what} ${path} does not exist`);
  return new Uint8Array(readFileSync(path));
}

const DESCRIBE: Record<string, (e: Report['events'][number]) => string> = {
  'doc.register': () => 'registered the document',
  'doc.approve': (e) => `${e.decision === 'reject' ? 'rejected' : 'approved'} (${e.role})${e.reason ? `: ${e.reason}` : ''}`,
  'doc.revoke': (e) => `revoked${e.reason ? `: ${e.reason}` : ''}`,
  'doc.share': (e) => `shared with ${e.to} for ${e.purpose}`,
  'doc.access': (e) => `used it for ${e.purpose}`,
};

export function formatReport(r: Report): string {
  const lines: string[] = [`document ${r.doc}`];
  for (const e of r.events) {
    const when = new Date(e.ts).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    const province = provinceOf(e.region);
    const place = `${e.member} (${e.region}${province && !e.member.startsWith(province.name) ? `, ${province.name}` : ''})`;
    const who = e.actor ? `${e.author}/${e.actor}` : e.author;
    const fin = e.final ? `final, ${e.witnesses} witnesses` : `not final (${e.witnesses}/${e.quorum} witnesses)`;
    lines.push(`  ${when}  ${place}  ${who}  ${(DESCRIBE[e.kind] ?? (() => e.kind))(e)}  [${fin}]`);
  }
  for (const p of r.problems) lines.push(`  problem ${p.code}: ${p.message}`);
  for (const w of r.warnings) lines.push(`  warning ${w.code}: ${w.message}`);
  const asOf = r.asOf ? ` as of ${new Date(r.asOf).toISOString()}` : '';
  lines.push(`verdict: ${r.verdict.toUpperCase()}${asOf}`);
  return lines.join('\n');
}

export function reportJson(r: Report) {
  return {
    doc: r.doc,
    verdict: r.verdict,
    asOf: r.asOf === null ? null : new Date(r.asOf).toISOString(),
    events: r.events.map((e) => ({
      kind: e.kind, id: e.id, author: e.author, region: e.region, seq: e.seq, ts: e.ts, actor: e.actor ?? null,
      ...(e.role !== undefined ? { role: e.role } : {}), ...(e.decision !== undefined ? { decision: e.decision } : {}),
      ...(e.purpose !== undefined ? { purpose: e.purpose } : {}), ...(e.to !== undefined ? { to: e.to } : {}),
      final: e.final, witnesses: e.witnesses,
    })),
    problems: r.problems.map((p) => ({ code: p.code, message: p.message })),
  };
}

/** Verify bundle bytes locally against the trust anchor and print; returns the exit code. */
export function verifyAndPrint(bundle: Uint8Array, net: Uint8Array, subject: Uint8Array | undefined, json: boolean): number {
  useCrypto(nodeCrypto);
  let report = verifyBundle(bundle, net);
  if (subject && report.verdict !== 'invalid' && report.doc !== toHex(subject)) {
    report = { ...report, verdict: 'invalid', problems: [...report.problems, { code: 'BUNDLE_MALFORMED', message: `bundle is about ${report.doc}, not ${toHex(subject)}` }] };
  }
  if (json) printJson(reportJson(report));
  else process.stdout.write(formatReport(report) + '\n');
  return report.verdict === 'valid' ? EXIT.OK : EXIT.NOT_STANDING;
}

/** `tongban verify DOC --bundle B --genesis G`: fully offline, loads neither libp2p, fastify nor LevelDB. */
export function verifyOffline(doc: string, opts: { bundle: string; genesis?: string; net?: string; json?: boolean }): number {
  const subject = docHash(doc);
  const net = trustAnchor(opts);
  return verifyAndPrint(readFileBytes(opts.bundle, 'bundle'), net, subject, !!opts.json);
}

export function trustAnchor(opts: { genesis?: string; net?: string }): Uint8Array {
  if (opts.net) {
    if (!/^[0-9a-f]{64}$/.test(opts.net)) throw usage('--net must be 64 lowercase hex digits (sha256sum of genesis.cbor)');
    return fromHex32(opts.net);
  }
  if (!opts.genesis) throw new CliError('give the trust anchor: --genesis genesis.cbor or --net NETWORK_ID', EXIT.USAGE);
  return new Uint8Array(createHash('sha256').update(readFileBytes(opts.genesis, 'genesis')).digest());
}

/** `tongban verify DOC --home DIR | --node URL`: fetch the bundle, verify it here. */
export async function verifyOnline(arg: string, opts: Target & { genesis?: string; net?: string; json?: boolean }): Promise<number> {
  const doc = docHash(arg);
  // The trust anchor is never the node's word: --genesis/--net, or the genesis file of the home.
  const anchor = opts.genesis || opts.net || !opts.home ? trustAnchor(opts) : sha256(genesisOf(loadHome(opts.home)));
  const bytes = await client(opts).bytes(`/v1/docs/${toHex(doc)}/bundle`);
  if (!bytes) {
    if (opts.json) printJson({ doc: toHex(doc), verdict: 'not-found', asOf: null, events: [], problems: [] });
    else process.stdout.write(`document ${toHex(doc)}\nverdict: NOT-FOUND\n`);
    return EXIT.NOT_STANDING;
  }
  return verifyAndPrint(bytes, anchor, doc, !!opts.json);
}
