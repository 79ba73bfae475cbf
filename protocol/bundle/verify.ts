import { equalBytes, toHex } from '../bytes.js';
import { verifyConfigChain, type VerifiedConfig } from '../config/governance.js';
import type { Config } from '../config/config.js';
import { ProtocolError } from '../errors.js';
import { keyId, KEY_TYPE_COSIGNATURE } from '../keys.js';
import { verifyInclusion } from '../merkle/verify.js';
import { originOf } from '../names.js';
import { parseCheckpoint, type Checkpoint } from '../note/checkpoint.js';
import { verifyCosignature } from '../note/cosignature.js';
import type { Note } from '../note/note.js';
import { signatureBy } from '../note/signer.js';
import { parseTlogProof } from '../note/tlog-proof.js';
import { checkRecordAlone, orgActorOf, RecordRejected, type ActorInForce } from '../records/rules.js';
import { decodeEnvelope, type Envelope } from '../records/record.js';
import type { OrgActorBody } from '../records/kinds.js';
import { decodeBundle, type Bundle } from './bundle.js';

export type Verdict = 'valid' | 'pending' | 'revoked' | 'not-found' | 'invalid';

/** Fatal findings: any of them makes the verdict `invalid`. */
export type ProblemCode =
  | 'BUNDLE_MALFORMED'
  | 'NETWORK_MISMATCH'
  | 'CONFIG_CHAIN'
  | 'ENVELOPE'
  | 'RECORD'
  | 'DUPLICATE_ENTRY'
  | 'PROOF'
  | 'CHECKPOINT'
  | 'FORK';

/** Findings about what the records say, not about their integrity. */
export type WarningCode = 'REF_MISSING' | 'REF_MISMATCH' | 'ACCESS_WITHOUT_SHARE' | 'REVOKE_BY_OTHER';

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
  ts: number;
  actor?: string;
  role?: string;
  decision?: string;
  purpose?: string;
  to?: string;
  reason?: string;
  final: boolean;
  witnesses: number;
  quorum: number;
}

export interface LogState {
  author: string;
  size: number;
  /** Whether the checkpoint has a quorum of witness cosignatures for the newest epoch used in the bundle. */
  witnesses: number;
}

/** Every entry of the bundle (records about the document and the records they rely on). */
export interface ReportEntry {
  author: string;
  seq: number;
  kind: string;
  id: string;
  final: boolean;
  witnesses: number;
}

export interface Report {
  doc: string;
  net: string;
  verdict: Verdict;
  /** Newest cosignature time in the bundle (ms), or null: nothing after it is proven absent. */
  asOf: number | null;
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
  note: Note;
  witnesses: number;
  final: boolean;
  quorum: number;
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

/** Count distinct witnesses of `cfg` whose cosignature on the checkpoint verifies. */
function countWitnesses(cfg: Config, note: Note, times: number[]): number {
  let n = 0;
  for (const w of cfg.members) {
    if (!w.roles.includes('witness')) continue;
    const name = originOf(cfg.consortium, w.id);
    const kid = keyId(name, KEY_TYPE_COSIGNATURE, w.key);
    for (const s of note.sigs) {
      if (s.name !== name || !equalBytes(s.keyId, kid)) continue;
      const res = verifyCosignature(note.text, s, { name, pub: w.key });
      // As Go's note.Open: a signature by a known key that does not verify is an error, not noise.
      if (!res.ok) throw new ProtocolError('COSIGNATURE_INVALID', `cosignature of ${w.id} does not verify`);
      n++;
      times.push(res.time * 1000);
      break;
    }
  }
  return n;
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

function invalid(doc: string, net: string, code: ProblemCode, message: string): Report {
  return { doc, net, verdict: 'invalid', asOf: null, epoch: null, events: [], entries: [], problems: [{ code, message }], warnings: [], logs: [] };
}

/**
 * Verify a proof bundle offline against the trust anchor `net` (§8): config
 * chain, every envelope and its record rules, every inclusion proof and
 * author-signed checkpoint, witness cosignatures per §6, and the actors.
 * Never throws on bad input: everything wrong is reported.
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

  const actorInForce = (author: string, actorId: string, seq: number): ActorInForce | undefined => {
    let best: Envelope | undefined;
    for (const env of envs) {
      if (!env || env.record.author !== author || env.record.kind !== 'org.actor' || env.record.seq >= seq) continue;
      if ((env.record.body as unknown as OrgActorBody).id !== actorId) continue;
      if (!best || env.record.seq > best.record.seq) best = env;
    }
    return best ? orgActorOf(best.record.body as unknown as OrgActorBody) : undefined;
  };
  const ctx = { net, configFor: (e: number) => chain[e]?.config, actorInForce };

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
    const rootKey = `${cp.origin}/${cp.size}`;
    const seenRoot = roots.get(rootKey);
    if (seenRoot && !equalBytes(seenRoot, cp.root)) problems.push({ code: 'FORK', message: `two roots for ${cp.origin} at size ${cp.size}`, author: r.author });
    roots.set(rootKey, cp.root);
    const cfg = chain[r.epoch]!.config;
    let witnesses: number;
    try {
      witnesses = countWitnesses(cfg, proof.note, times);
    } catch (e) {
      problems.push({ code: 'CHECKPOINT', message: `${r.author}/${r.seq}: ${(e as Error).message}`, author: r.author, seq: r.seq });
      return;
    }
    checked.set(toHex(env.id), { env, checkpoint: cp, note: proof.note, witnesses, final: witnesses >= cfg.quorum.witness, quorum: cfg.quorum.witness });
  });

  const subject = bundle.subject;
  const events: ReportEvent[] = [];
  for (const c of checked.values()) {
    const r = c.env.record;
    if (!DOC_KINDS.includes(r.kind) || !equalBytes(r.body.doc as Uint8Array, subject)) continue;
    const m = chain[r.epoch]!.config.members.find((x) => x.id === r.author)!;
    const b = r.body as Record<string, unknown>;
    const ev: ReportEvent = { kind: r.kind, id: toHex(c.env.id), author: r.author, member: m.name, region: m.region, seq: r.seq, epoch: r.epoch, ts: r.ts, final: c.final, witnesses: c.witnesses, quorum: c.quorum };
    if (r.actor) ev.actor = r.actor.id;
    for (const k of ['role', 'decision', 'purpose', 'to', 'reason'] as const) if (typeof b[k] === 'string') ev[k] = b[k] as string;
    events.push(ev);
  }
  events.sort((a, b) => a.ts - b.ts || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq));

  // What the records say about each other (cross-log rules of §5.2).
  const registers = events.filter((e) => e.kind === 'doc.register');
  let revoked = false;
  for (const c of checked.values()) {
    const r = c.env.record;
    if (!DOC_KINDS.includes(r.kind) || !equalBytes(r.body.doc as Uint8Array, subject)) continue;
    const refs = (r.refs ?? []).map((x) => checked.get(toHex(x))?.env);
    if (r.kind === 'doc.approve' || r.kind === 'doc.revoke') {
      const reg = refs.find((x) => x?.record.kind === 'doc.register');
      if (!reg) warnings.push({ code: 'REF_MISSING', message: `${r.author}/${r.seq}: the doc.register it refers to is not in the bundle`, author: r.author, seq: r.seq });
      else if (!equalBytes(reg.record.body.doc as Uint8Array, subject)) warnings.push({ code: 'REF_MISMATCH', message: `${r.author}/${r.seq}: refers to a registration of another document`, author: r.author, seq: r.seq });
      else if (r.kind === 'doc.revoke') {
        if (reg.record.author === r.author) revoked = true;
        else warnings.push({ code: 'REVOKE_BY_OTHER', message: `${r.author}/${r.seq}: only ${reg.record.author} may revoke its registration`, author: r.author, seq: r.seq });
      }
    }
    if (r.kind === 'doc.access') {
      const owners = [...checked.values()]
        .filter((x) => x.env.record.kind === 'doc.register' && equalBytes(x.env.record.body.doc as Uint8Array, subject))
        .map((x) => (x.env.record.body.owner as string | undefined) ?? x.env.record.author);
      const share = refs.find((x) => x?.record.kind === 'doc.share' && x.record.body.to === r.author && equalBytes(x.record.body.doc as Uint8Array, subject));
      const until = share?.record.body.until as number | undefined;
      if (!owners.includes(r.author) && (!share || (until !== undefined && r.ts > until))) {
        warnings.push({ code: 'ACCESS_WITHOUT_SHARE', message: `${r.author}/${r.seq}: access by a non-owner without a valid doc.share`, author: r.author, seq: r.seq });
      }
    }
  }

  const logs = new Map<string, LogState>();
  for (const c of checked.values()) {
    const a = c.env.record.author;
    const prev = logs.get(a);
    if (!prev || c.checkpoint.size > prev.size) logs.set(a, { author: a, size: c.checkpoint.size, witnesses: c.witnesses });
  }

  let verdict: Verdict;
  if (problems.length > 0) verdict = 'invalid';
  else if (registers.length === 0) verdict = 'not-found';
  else if (revoked) verdict = 'revoked';
  else if (events.some((e) => !e.final)) verdict = 'pending';
  else verdict = 'valid';
  return {
    doc,
    net: netHex,
    verdict,
    asOf: times.length ? Math.max(...times) : null,
    epoch: chain.at(-1)!.config.epoch,
    events,
    entries: [...checked.values()].map((c) => ({ author: c.env.record.author, seq: c.env.record.seq, kind: c.env.record.kind, id: toHex(c.env.id), final: c.final, witnesses: c.witnesses })),
    problems,
    warnings,
    logs: [...logs.values()].sort((a, b) => (a.author < b.author ? -1 : 1)),
  };
}
