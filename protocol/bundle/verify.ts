import { equalBytes, toHex } from '../bytes.js';
import { verifyConfigChain, type VerifiedConfig } from '../config/governance.js';
import { decide, type Decision, type DocFact, type Outcome } from '../domain/outcome.js';
import type { DomainRule } from '../domain/rules.js';
import { replay } from '../domain/replay.js';
import { MemoryView } from '../domain/memory-view.js';
import { ProtocolError } from '../errors.js';
import { FinalityPolicy, type Finality } from '../finality.js';
import { verifyInclusion } from '../merkle/verify.js';
import { originOf } from '../names.js';
import { parseCheckpoint, type Checkpoint } from '../note/checkpoint.js';
import type { Note } from '../note/note.js';
import { signatureBy } from '../note/signer.js';
import { parseTlogProof } from '../note/tlog-proof.js';
import { checkRecordAlone, RecordRejected } from '../records/rules.js';
import { decodeEnvelope, type Envelope } from '../records/record.js';
import { decodeBundle, type Bundle } from './bundle.js';

export type { Outcome, Decision } from '../domain/outcome.js';

/** Are the proofs sound? Separate from what stands decided (`Outcome`). */
export type Soundness = 'sound' | 'unsound';

/** Fatal findings: any of them makes the proofs `unsound`. */
export type ProblemCode = 'BUNDLE_MALFORMED' | 'NETWORK_MISMATCH' | 'CONFIG_CHAIN' | 'ENVELOPE' | 'RECORD' | 'DUPLICATE_ENTRY' | 'PROOF' | 'CHECKPOINT' | 'FORK';

/**
 * Findings about what the records say, not about their integrity: a record
 * that breaks a domain rule (it is shown but does not count), an access
 * without a share.
 */
export type WarningCode = DomainRule | 'ACCESS_WITHOUT_SHARE';

export interface Finding<C extends string> {
  code: C;
  message: string;
  author?: string;
  seq?: number;
}

export interface ReportEvent {
  kind: string;
  id: string;
  author: string;
  /** The member's name, e.g. 北京市海淀区. */
  member: string;
  region: string;
  seq: number;
  epoch: number;
  /** Record time (author's clock, ms). */
  ts: number;
  actor?: string;
  /** The actor's roles in force when it asked (admin, registrar, approver…). */
  actorRoles?: string[];
  type?: string;
  role?: string;
  decision?: string;
  purpose?: string;
  to?: string;
  reason?: string;
  /** Final in this bundle: its own proof's checkpoint carries the quorum of its epoch. */
  final: boolean;
  /** Witness cosignatures counted on that checkpoint, and the quorum needed. */
  witnesses: number;
  quorum: number;
  /** When that checkpoint reached quorum (ms), or null. */
  witnessed: number | null;
  /** Whether it counts for the decision; when not, the domain rule it breaks. */
  counts: boolean;
  ignored?: DomainRule;
}

export interface LogState {
  author: string;
  /** Size of the newest checkpoint of this log in the bundle. */
  size: number;
  witnesses: number;
  /** Witnessed time of the newest checkpoint of this log in the bundle that reached quorum, or null. */
  witnessed: number | null;
}

/** Every entry of the bundle (records about the document and the records they rely on). */
export interface ReportEntry {
  author: string;
  seq: number;
  kind: string;
  id: string;
  final: boolean;
  witnesses: number;
  quorum: number;
  witnessed: number | null;
  /** Size of the checkpoint its proof uses. */
  checkpoint: number;
}

export interface Report {
  doc: string;
  net: string;
  /** Are the proofs sound (chain, envelopes, records, inclusion, checkpoints, cosignatures, actors)? */
  proofs: Soundness;
  /** What stands decided, from the records that verified and count. */
  outcome: Outcome;
  decision: Decision;
  /** Sound and approved: the only case a verifier may call the document standing. */
  stands: boolean;
  /** Newest cosignature time in the bundle (ms), or null: nothing after it is proven absent. */
  asOf: number | null;
  /** The earliest over the bundle's logs of the witnessed time of each log's newest quorum checkpoint (ms), or null. */
  provenTo: number | null;
  epoch: number | null;
  events: ReportEvent[];
  entries: ReportEntry[];
  problems: Finding<ProblemCode>[];
  warnings: Finding<WarningCode>[];
  logs: LogState[];
}

interface Checked {
  env: Envelope;
  checkpoint: Checkpoint;
  finality: Finality;
}

const DOC_KINDS = ['doc.register', 'doc.approve', 'doc.revoke', 'doc.share', 'doc.access'];

function keysOf(chain: VerifiedConfig[], author: string, fromEpoch: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const c of chain.slice(fromEpoch)) {
    const m = c.config.members.find((x) => x.id === author);
    if (m && !keys.some((k) => equalBytes(k, m.key))) keys.push(m.key);
  }
  return keys;
}

function checkProof(env: Envelope, proofText: string, chain: VerifiedConfig[]): { checkpoint: Checkpoint; note: Note } {
  const r = env.record;
  const consortium = chain[0]!.config.consortium;
  const origin = originOf(consortium, r.author);
  const p = parseTlogProof(proofText);
  if (p.index !== r.seq) throw new Error(`proof index ${p.index} is not the record's seq ${r.seq}`);
  if (p.extra !== undefined && !equalBytes(p.extra, env.recordBytes)) throw new Error('proof extra data is not the record bytes');
  const checkpoint = parseCheckpoint(p.checkpoint.text);
  if (checkpoint.origin !== origin) throw new Error(`checkpoint origin ${checkpoint.origin} is not ${origin}`);
  if (!signatureBy(p.checkpoint, origin, keysOf(chain, r.author, r.epoch))) throw new Error(`checkpoint is not signed by ${r.author}`);
  if (checkpoint.size <= r.seq) throw new Error(`checkpoint size ${checkpoint.size} does not cover seq ${r.seq}`);
  if (!verifyInclusion(env.id, r.seq, checkpoint.size, p.path, checkpoint.root)) throw new Error('inclusion proof does not verify against the checkpoint root');
  return { checkpoint, note: p.checkpoint };
}

const NOT_FOUND: Decision = { outcome: 'not-found', why: 'no registration of the document', records: [] };

/** A report about nothing proven: sound when there was nothing to check (a node holding no record), else unsound. */
export function emptyReport(doc: string, net: string, proofs: Soundness, decision: Decision, problems: Report['problems'] = []): Report {
  return { doc, net, proofs, outcome: 'not-found', decision, stands: false, asOf: null, provenTo: null, epoch: null, events: [], entries: [], problems, warnings: [], logs: [] };
}

function invalid(doc: string, net: string, code: ProblemCode, message: string): Report {
  return emptyReport(doc, net, 'unsound', NOT_FOUND, [{ code, message }]);
}

/**
 * Verify a proof bundle offline against the trust anchor `net` (§8) and
 * answer two questions separately: are the proofs sound (config chain, every
 * envelope and its record rules, every inclusion proof and author-signed
 * checkpoint, witness cosignatures per §6, the actors), and what stands
 * decided (the domain rules decide which records count, `decide` the
 * outcome). Never throws on bad input: everything wrong is reported.
 */
export function verifyBundle(bytes: Uint8Array, net: Uint8Array): Report {
  const netHex = toHex(net);
  let bundle: Bundle;
  try {
    bundle = decodeBundle(bytes);
  } catch (e) {
    return invalid('', netHex, 'BUNDLE_MALFORMED', (e as Error).message);
  }
  const doc = toHex(bundle.subject);
  if (!equalBytes(bundle.net, net)) return invalid(doc, netHex, 'NETWORK_MISMATCH', `bundle is for network ${toHex(bundle.net)}, not ${netHex}`);
  let chain: VerifiedConfig[];
  try {
    chain = verifyConfigChain(net, bundle.configs);
  } catch (e) {
    return invalid(doc, netHex, 'CONFIG_CHAIN', (e as Error).message);
  }
  const problems: Finding<ProblemCode>[] = [];
  const warnings: Finding<WarningCode>[] = [];

  // Decode every envelope first: the actor rules need the org.actor records.
  const envs: Envelope[] = [];
  const byId = new Map<string, Envelope>();
  const bySeq = new Map<string, Envelope>();
  bundle.entries.forEach((entry, i) => {
    try {
      const env = decodeEnvelope(entry.envelope);
      const idHex = toHex(env.id);
      const seqKey = `${env.record.author}/${env.record.seq}`;
      const other = bySeq.get(seqKey);
      if (byId.has(idHex)) problems.push({ code: 'DUPLICATE_ENTRY', message: `entry ${i} repeats record ${idHex}`, author: env.record.author, seq: env.record.seq });
      else if (other) problems.push({ code: 'FORK', message: `two different records for ${seqKey}`, author: env.record.author, seq: env.record.seq });
      byId.set(idHex, env);
      bySeq.set(seqKey, env);
      envs[i] = env;
    } catch (e) {
      problems.push({ code: 'ENVELOPE', message: `entry ${i}: ${(e as Error).message}` });
    }
  });

  const view = new MemoryView(
    chain.map((c) => c.config),
    chain.map((c) => c.id),
    envs.filter((e) => e?.record.kind === 'org.actor'),
  );
  const ctx = { net, configFor: (e: number) => chain[e]?.config, actorInForce: view.actorInForce.bind(view) };

  const checked = new Map<string, Checked>();
  const times: number[] = [];
  const roots = new Map<string, Uint8Array>();
  bundle.entries.forEach((entry, i) => {
    const env = envs[i];
    if (!env) return;
    const r = env.record;
    try {
      checkRecordAlone(ctx, env);
    } catch (e) {
      const rule = e instanceof RecordRejected ? e.rule : 'RECORD';
      problems.push({ code: 'RECORD', message: `${r.author}/${r.seq}: ${(e as Error).message}${e instanceof RecordRejected ? '' : ` [${rule}]`}`, author: r.author, seq: r.seq });
      return;
    }
    let proof: { checkpoint: Checkpoint; note: Note };
    try {
      proof = checkProof(env, entry.proof, chain);
    } catch (e) {
      const code = e instanceof ProtocolError && e.code !== 'TLOG_PROOF_INVALID' ? 'CHECKPOINT' : 'PROOF';
      problems.push({ code, message: `${r.author}/${r.seq}: ${(e as Error).message}`, author: r.author, seq: r.seq });
      return;
    }
    const cp = proof.checkpoint;
    // Checkpoints of one log in one bundle must agree (§8).
    const rootKey = `${cp.origin}/${cp.size}`;
    const seenRoot = roots.get(rootKey);
    if (seenRoot && !equalBytes(seenRoot, cp.root)) problems.push({ code: 'FORK', message: `two roots for ${cp.origin} at size ${cp.size}`, author: r.author });
    roots.set(rootKey, cp.root);
    let finality: Finality;
    try {
      finality = FinalityPolicy.of(
        chain[r.epoch]!.config,
        chain.slice(r.epoch + 1).map((c) => c.config),
      ).check(proof.note);
    } catch (e) {
      problems.push({ code: 'CHECKPOINT', message: `${r.author}/${r.seq}: ${(e as Error).message}`, author: r.author, seq: r.seq });
      return;
    }
    times.push(...finality.counted.map((c) => c.time));
    checked.set(toHex(env.id), { env, checkpoint: cp, finality });
  });

  // The domain rules decide what counts, in record-time order (as the node's API sees what it holds).
  const subject = bundle.subject;
  const about = (env: Envelope) => DOC_KINDS.includes(env.record.kind) && equalBytes(env.record.body.doc as Uint8Array, subject);
  const considered = [...checked.values()].map((c) => c.env).filter((e) => about(e) || e.record.kind === 'org.actor');
  const ignored = new Map<string, DomainRule>();
  for (const [env, e] of replay(view, considered)) {
    const r = env.record;
    ignored.set(toHex(env.id), e.rule);
    warnings.push({ code: e.rule, message: `${r.author}/${r.seq}: ${e.message}${e.standing ? ` (standing: ${e.standing})` : ''}`, author: r.author, seq: r.seq });
  }

  const events: ReportEvent[] = [];
  for (const c of checked.values()) {
    const r = c.env.record;
    if (!about(c.env)) continue;
    const m = chain[r.epoch]!.config.members.find((x) => x.id === r.author)!;
    const b = r.body as Record<string, unknown>;
    const id = toHex(c.env.id);
    const f = c.finality;
    const ev: ReportEvent = {
      kind: r.kind,
      id,
      author: r.author,
      member: m.name,
      region: m.region,
      seq: r.seq,
      epoch: r.epoch,
      ts: r.ts,
      final: f.final,
      witnesses: f.count,
      quorum: f.needed,
      witnessed: f.witnessed,
      counts: !ignored.has(id),
    };
    if (r.actor) {
      ev.actor = r.actor.id;
      const inForce = view.actorInForce(r.author, r.actor.id, r.seq);
      if (inForce) ev.actorRoles = [...inForce.roles];
    }
    for (const k of ['type', 'role', 'decision', 'purpose', 'to', 'reason'] as const) if (typeof b[k] === 'string') ev[k] = b[k] as string;
    if (ignored.has(id)) ev.ignored = ignored.get(id)!;
    events.push(ev);
  }
  events.sort((a, b) => a.ts - b.ts || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq));

  // An access by a non-owner needs a valid share (§5.2): shown, warned, not part of the decision.
  for (const c of checked.values()) {
    const r = c.env.record;
    if (r.kind !== 'doc.access' || !about(c.env)) continue;
    const owners = events.filter((e) => e.kind === 'doc.register' && e.counts).map((e) => (checked.get(e.id)!.env.record.body.owner as string | undefined) ?? e.author);
    const share = (r.refs ?? [])
      .map((x) => checked.get(toHex(x))?.env)
      .find((x) => x?.record.kind === 'doc.share' && x.record.body.to === r.author && equalBytes(x.record.body.doc as Uint8Array, subject));
    const until = share?.record.body.until as number | undefined;
    if (!owners.includes(r.author) && (!share || (until !== undefined && r.ts > until))) {
      warnings.push({ code: 'ACCESS_WITHOUT_SHARE', message: `${r.author}/${r.seq}: access by a non-owner without a valid doc.share`, author: r.author, seq: r.seq });
    }
  }

  // Per log: its newest checkpoint in the bundle, and the newest one that reached quorum (its witnessed time).
  const logs = new Map<string, LogState & { finalSize: number }>();
  for (const c of checked.values()) {
    const a = c.env.record.author;
    let l = logs.get(a);
    if (!l) logs.set(a, (l = { author: a, size: 0, witnesses: 0, witnessed: null, finalSize: -1 }));
    if (c.checkpoint.size > l.size) Object.assign(l, { size: c.checkpoint.size, witnesses: c.finality.count });
    if (c.finality.witnessed !== null && c.checkpoint.size > l.finalSize) Object.assign(l, { finalSize: c.checkpoint.size, witnessed: c.finality.witnessed });
  }
  const witnessedLogs = [...logs.values()].map((l) => l.witnessed).filter((w): w is number => w !== null);

  const facts: DocFact[] = events
    .filter((e) => e.counts)
    .map((e) => {
      const env = checked.get(e.id)!.env;
      const f: DocFact = { id: e.id, kind: e.kind, author: e.author, final: e.final, refs: (env.record.refs ?? []).map(toHex) };
      for (const k of ['type', 'decision', 'role', 'reason'] as const) if (e[k] !== undefined) f[k] = e[k];
      return f;
    });
  const decision = decide(facts);
  const proofs: Soundness = problems.length > 0 ? 'unsound' : 'sound';
  return {
    doc,
    net: netHex,
    proofs,
    outcome: decision.outcome,
    decision,
    stands: proofs === 'sound' && decision.outcome === 'approved',
    asOf: times.length ? Math.max(...times) : null,
    provenTo: witnessedLogs.length ? Math.min(...witnessedLogs) : null,
    epoch: chain.at(-1)!.config.epoch,
    events,
    entries: [...checked.values()].map((c) => ({
      author: c.env.record.author,
      seq: c.env.record.seq,
      kind: c.env.record.kind,
      id: toHex(c.env.id),
      final: c.finality.final,
      witnesses: c.finality.count,
      quorum: c.finality.needed,
      witnessed: c.finality.witnessed,
      checkpoint: c.checkpoint.size,
    })),
    problems,
    warnings,
    logs: [...logs.values()].map((l) => ({ author: l.author, size: l.size, witnesses: l.witnesses, witnessed: l.witnessed })).sort((a, b) => (a.author < b.author ? -1 : 1)),
  };
}
