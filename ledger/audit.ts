import { equalBytes, fromUtf8, toHex } from '../protocol/bytes.js';
import { FinalityPolicy } from '../protocol/finality.js';
import { keyId, KEY_TYPE_ED25519 } from '../protocol/keys.js';
import { nodeHash } from '../protocol/merkle/hash.js';
import { originOf } from '../protocol/names.js';
import { parseCheckpoint } from '../protocol/note/checkpoint.js';
import { parseNote } from '../protocol/note/note.js';
import { signatureBy } from '../protocol/note/signer.js';
import type { OrgActorBody } from '../protocol/records/kinds.js';
import { decodeEnvelope } from '../protocol/records/record.js';
import { acceptRecord, orgActorOf, type ActorInForce, type LogHead } from '../protocol/records/rules.js';
import { storedHashCount } from '../protocol/merkle/tlog.js';
import { decodeHead, decodeValue } from './codec.js';
import type { LedgerCore } from './ledger.js';
import { logKey, logRange, parseLogKey } from './keys.js';

export type AuditCode = 'ENVELOPE' | 'RECORD' | 'KEY' | 'HASH' | 'INDEX' | 'HEAD' | 'CHECKPOINT';

export interface AuditProblem {
  code: AuditCode;
  author: string;
  seq: number;
  message: string;
}

export interface AuditReport {
  logs: number;
  records: number;
  checkpoints: number;
  problems: AuditProblem[];
}

export type AuditProgress = (done: number, total: number) => void;

/**
 * Incremental RFC 6962 tree: the hash of each complete subtree on the right
 * edge. Computed here independently of the stored hashes so that a changed
 * stored hash cannot vouch for itself.
 */
class Frontier {
  private levels: Uint8Array[] = [];
  size = 0;

  /** Add a leaf; returns the stored hashes tlog writes for it (leaf, then parents). */
  add(leaf: Uint8Array): Uint8Array[] {
    const out = [leaf];
    let h = leaf;
    let level = 0;
    let n = this.size;
    while (n & 1) {
      h = nodeHash(this.levels[level]!, h);
      out.push(h);
      level++;
      n = Math.floor(n / 2);
    }
    this.levels[level] = h;
    this.size++;
    return out;
  }

  root(): Uint8Array | undefined {
    let r: Uint8Array | undefined;
    let n = this.size;
    for (let level = 0; n > 0; level++, n = Math.floor(n / 2)) {
      if (n & 1) r = r ? nodeHash(this.levels[level]!, r) : this.levels[level]!;
    }
    return r;
  }
}

/**
 * Re-verify the whole store offline: every envelope, signature, prev link,
 * actor, stored hash, index entry and head, and every stored checkpoint
 * against the records. Never throws on corrupt data: each problem is
 * reported with author and seq.
 */
export async function audit(core: LedgerCore, onProgress?: AuditProgress): Promise<AuditReport> {
  const problems: AuditProblem[] = [];
  const report = (code: AuditCode, author: string, seq: number, message: string) => problems.push({ code, author, seq, message });
  const heads = new Map<string, LogHead>();
  for await (const [k, v] of core.store.entries('head', {})) {
    const author = fromUtf8(k.subarray(0, k.length - 1));
    try {
      heads.set(author, decodeHead(v, author));
    } catch (e) {
      report('HEAD', author, -1, (e as Error).message);
    }
  }
  const cps = new Map<string, Map<number, Uint8Array>>();
  for await (const [k, v] of core.store.entries('cp', {})) {
    const { author, n } = parseLogKey(k);
    if (!cps.has(author)) cps.set(author, new Map());
    cps.get(author)!.set(n, v);
  }
  const authors = [...new Set([...heads.keys(), ...cps.keys()])].sort();
  const total = [...heads.values()].reduce((s, h) => s + h.seq + 1, 0);
  let done = 0;
  let checkpoints = 0;
  for (const author of authors) {
    const actors = new Map<string, { seq: number; actor: ActorInForce }[]>();
    const ctx = {
      net: core.net,
      author,
      configFor: (e: number) => core.configFor(e),
      actorInForce: (_a: string, id: string, seq: number) => {
        let found: ActorInForce | undefined;
        for (const v of actors.get(id) ?? []) if (v.seq < seq) found = v.actor;
        return found;
      },
    };
    const frontier = new Frontier();
    const roots = new Map<number, Uint8Array>();
    const wanted = new Set(cps.get(author)?.keys() ?? []);
    let head: LogHead | null = null;
    let expected = 0;
    for await (const [k, v] of core.store.entries('env', logRange(author))) {
      const seq = parseLogKey(k).n;
      done++;
      if (onProgress && done % 1000 === 0) onProgress(done, total);
      if (seq !== expected) {
        report('KEY', author, expected, `records ${expected}..${seq - 1} are missing`);
        break;
      }
      expected++;
      let env;
      try {
        env = decodeEnvelope(v);
      } catch (e) {
        report('ENVELOPE', author, seq, (e as Error).message);
        break;
      }
      if (env.record.author !== author || env.record.seq !== seq) {
        report('KEY', author, seq, `stored under ${author}/${seq} but is ${env.record.author}/${env.record.seq}`);
        break;
      }
      try {
        acceptRecord(ctx, head, env);
      } catch (e) {
        report('RECORD', author, seq, (e as Error).message);
      }
      if (env.record.kind === 'org.actor') {
        const b = env.record.body as unknown as OrgActorBody;
        if (!actors.has(b.id)) actors.set(b.id, []);
        actors.get(b.id)!.push({ seq, actor: orgActorOf(b) });
      }
      const fresh = frontier.add(env.id);
      const base = storedHashCount(seq);
      const stored = await core.store.getMany(
        'hash',
        fresh.map((_, i) => logKey(author, base + i)),
      );
      fresh.forEach((h, i) => {
        if (!stored[i] || !equalBytes(stored[i]!, h)) report('HASH', author, seq, `stored hash ${base + i} does not match record ${seq}`);
      });
      const loc = await core.store.get('rid', env.id);
      if (!loc || !equalBytes(loc, logKey(author, seq))) report('INDEX', author, seq, `record id ${toHex(env.id)} is not indexed at ${author}/${seq}`);
      if (wanted.has(frontier.size)) roots.set(frontier.size, frontier.root()!);
      head = { seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts };
    }
    const stored = heads.get(author);
    if (head && (!stored || stored.seq !== head.seq || !equalBytes(stored.id, head.id))) {
      report('HEAD', author, head.seq, `stored head does not match the last record ${head.seq}`);
    }
    for (const [size, v] of cps.get(author) ?? []) {
      checkpoints++;
      const seq = size - 1;
      try {
        const note = parseNote(fromUtf8(decodeValue(v, 'checkpoint').note as Uint8Array));
        const cp = parseCheckpoint(note.text);
        const origin = originOf(core.consortium, author);
        if (cp.origin !== origin || cp.size !== size) throw new Error(`checkpoint stored as ${origin}@${size} is ${cp.origin}@${cp.size}`);
        const keys = core.chain.map((c) => c.config.members.find((m) => m.id === author)?.key).filter((x): x is Uint8Array => !!x);
        if (!signatureBy(note, origin, keys)) throw new Error('checkpoint is not signed by its author');
        // Only verified signatures are ever stored: every other line must verify too.
        for (const s of note.sigs) {
          if (s.name === origin && keys.some((pub) => equalBytes(s.keyId, keyId(origin, KEY_TYPE_ED25519, pub)))) continue;
          // A witness line of any epoch, checked by that epoch's finality policy (throws when it does not verify).
          if (!core.chain.some((c) => FinalityPolicy.of(c.config).verifyLine(note.text, s) !== undefined)) throw new Error(`signature line of ${s.name} is not a known witness's`);
        }
        const root = roots.get(size);
        if (root && !equalBytes(root, cp.root)) throw new Error(`checkpoint root does not match the records`);
      } catch (e) {
        report('CHECKPOINT', author, seq, `checkpoint at size ${size}: ${(e as Error).message}`);
      }
    }
  }
  onProgress?.(done, total);
  return { logs: authors.length, records: done, checkpoints, problems };
}
