import { equalBytes, fromUtf8, toHex, utf8 } from '../protocol/bytes.js';
import type { Config } from '../protocol/config/config.js';
import { FinalityPolicy } from '../protocol/finality.js';
import { keyId, KEY_TYPE_COSIGNATURE, KEY_TYPE_ED25519 } from '../protocol/keys.js';
import { originOf } from '../protocol/names.js';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from '../protocol/note/checkpoint.js';
import { cosign, cosignatureCheck, verifyCosignature } from '../protocol/note/cosignature.js';
import { formatNote, noteSignatureCheck, parseNote, signNote, type Ed25519Check, type Note, type Signature } from '../protocol/note/note.js';
import { signatureBy } from '../protocol/note/signer.js';
import { decodeValue, encodeValue } from './codec.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { logKey, nameKey, parseLogKey } from './keys.js';
import type { WriteTx } from './writer.js';

/** A checkpoint of one log with the signatures collected for it. */
export interface StoredCheckpoint {
  author: string;
  checkpoint: Checkpoint;
  /** Checkpoint body (the signed text). */
  text: string;
  /** The author's signature first, then valid witness cosignatures. */
  sigs: Signature[];
  /** Witness member id → public key that verified its cosignature. */
  cosigners: Map<string, Uint8Array>;
  /** The first checkpoint to make some range of the log final: kept for good. */
  first?: boolean;
}

export type CheckpointOutcome =
  | { status: 'stored'; checkpoint: StoredCheckpoint; added: number }
  | { status: 'known'; checkpoint: StoredCheckpoint }
  | { status: 'ahead'; checkpoint: StoredCheckpoint }
  | { status: 'fork'; author: string; a: string; b: string };

function sameLine(a: Signature, b: Signature): boolean {
  return a.name === b.name && equalBytes(a.keyId, b.keyId) && equalBytes(a.sig, b.sig);
}

export function noteOf(cp: StoredCheckpoint): string {
  return formatNote({ text: cp.text, sigs: cp.sigs });
}

/** Members (in any known epoch) whose key is used to check `author`'s signatures. */
function keysOf(core: LedgerCore, id: string): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const c of core.chain) {
    const m = c.config.members.find((x) => x.id === id);
    if (m && !keys.some((k) => equalBytes(k, m.key))) keys.push(m.key);
  }
  return keys;
}

function authorOf(core: LedgerCore, origin: string): string {
  const prefix = `${core.consortium}/`;
  const id = origin.startsWith(prefix) ? origin.slice(prefix.length) : '';
  if (!core.chain.some((c) => c.config.members.some((m) => m.id === id))) {
    throw new LedgerError('CHECKPOINT_REJECTED', `checkpoint origin ${origin} is not a member log of ${core.consortium}`);
  }
  return id;
}

/** \`author\`'s signature line on \`note\` (type 0x01, under one of its keys), remembered in \`cache\` as checked. */
function authorSignature(core: LedgerCore, author: string, note: Note, cache: VerifiedLines): Signature | undefined {
  const name = originOf(core.consortium, author);
  for (const pub of keysOf(core, author)) {
    const line = signatureBy(note, name, [pub], (x) => cache.has(note.text, x, pub, 'note'));
    if (line) {
      cache.add(note.text, line, pub, 'note');
      return line;
    }
  }
  return undefined;
}

/**
 * Signature lines already verified over a text. Under load the same lines
 * arrive many times (every witness gossips the note with all lines so far),
 * and Ed25519 verification would dominate the node's CPU.
 */
class VerifiedLines {
  private readonly seen = new Set<string>();
  /** Each line's and each key's part of the key, built once (a note's lines are looked up several times). */
  private readonly hex = new WeakMap<object, string>();
  private hexOf(o: Signature | Uint8Array): string {
    let h = this.hex.get(o);
    if (h === undefined) this.hex.set(o, (h = o instanceof Uint8Array ? toHex(o) : `${o.name} ${toHex(o.keyId)}${toHex(o.sig)}`));
    return h;
  }
  /**
   * A line is remembered with the key it verified under and as what (a note signature or a cosignature): an
   * author's cosignature line bears its name too, and must not stand for its signature.
   */
  key(text: string, s: Signature, pub: Uint8Array, kind: 'note' | 'cosig'): string {
    return `${text}\u0000${kind} ${this.hexOf(pub)} ${this.hexOf(s)}`;
  }
  has(text: string, s: Signature, pub: Uint8Array, kind: 'note' | 'cosig'): boolean {
    return this.seen.has(this.key(text, s, pub, kind));
  }
  add(text: string, s: Signature, pub: Uint8Array, kind: 'note' | 'cosig'): void {
    if (this.seen.size > 50_000) this.seen.clear();
    this.seen.add(this.key(text, s, pub, kind));
  }
}

/** Notes kept parsed per node: a round's notes, several times over. */
const PARSED_NOTES = 64;

const kids = new WeakMap<Uint8Array, Map<string, Uint8Array>>();

/** Cosignature key id of a member key, memoized: every incoming note looks up every witness. */
function cosignKeyId(name: string, pub: Uint8Array): Uint8Array {
  let m = kids.get(pub);
  if (!m) kids.set(pub, (m = new Map()));
  let kid = m.get(name);
  if (!kid) m.set(name, (kid = keyId(name, KEY_TYPE_COSIGNATURE, pub)));
  return kid;
}

/** Each witness of each known epoch, with its key and the first line of \`note\` under that key's cosignature key id. */
function* witnessLines(core: LedgerCore, note: Note): Generator<{ id: string; name: string; pub: Uint8Array; line: Signature }> {
  for (const c of core.chain) {
    for (const w of c.config.members) {
      if (!w.roles.includes('witness')) continue;
      const name = originOf(core.consortium, w.id);
      const kid = cosignKeyId(name, w.key);
      const line = note.sigs.find((x) => x.name === name && equalBytes(x.keyId, kid));
      if (line) yield { id: w.id, name, pub: w.key, line };
    }
  }
}

/** Cosignatures in `note` by witnesses of any known epoch, keyed by member id. */
function witnessSignatures(core: LedgerCore, note: Note, cache: VerifiedLines): Map<string, { sig: Signature; pub: Uint8Array }> {
  const out = new Map<string, { sig: Signature; pub: Uint8Array }>();
  for (const { id, name, pub, line } of witnessLines(core, note)) {
    if (out.has(id)) continue;
    if (cache.has(note.text, line, pub, 'cosig') || verifyCosignature(note.text, line, { name, pub }).ok) {
      cache.add(note.text, line, pub, 'cosig');
      out.set(id, { sig: line, pub });
    }
  }
  return out;
}

/** The configs adopted after `cfg` in `chain`: a rotated witness's later keys count for `cfg`'s records too (§4). */
export function laterThan(chain: readonly { config: Config }[], cfg: Config): Config[] {
  return chain.slice(cfg.epoch + 1).map((c) => c.config);
}

/** Witness cosignatures that count for records of `cfg`'s epoch (§6): asked of the epoch's FinalityPolicy. */
export function witnessCount(cp: StoredCheckpoint, cfg: Config, later: readonly Config[] = []): number {
  return FinalityPolicy.of(cfg, later).countVerified(cp.cosigners);
}

export function isFinalFor(cp: StoredCheckpoint, cfg: Config, later: readonly Config[] = []): boolean {
  const policy = FinalityPolicy.of(cfg, later);
  return policy.isFinal(policy.countVerified(cp.cosigners));
}

function encodeStored(cp: StoredCheckpoint): Uint8Array {
  return encodeValue(cp.first ? { note: utf8(noteOf(cp)), first: true } : { note: utf8(noteOf(cp)) });
}

/**
 * Checkpoints and cosignatures of every log (§6): the author's signed
 * checkpoints, cosignatures merged as they arrive, the witness state, and
 * finality. Kept per log: every checkpoint that was the first to make a
 * range final (bundles prove each record with it: §8), plus two bounded
 * windows, the newest checkpoints the node can check against its records
 * and the nearest ones ahead of them, so an author pushing checkpoints
 * ahead of its records cannot push out anything else. In memory: the
 * windows and the newest first-final checkpoint.
 */
export class Checkpoints {
  private readonly byAuthor = new Map<string, StoredCheckpoint[]>();
  private readonly verified = new VerifiedLines();
  /** Witness state per origin as on disk (null: none), once read; the write lock's cosignatures keep it current. */
  private readonly witness = new Map<string, { size: number; root: Uint8Array } | null>();
  /** Checkpoint texts whose root was found equal to the records held (records are immutable once held). */
  private readonly rootChecked = new Set<string>();

  private markChecked(text: string): void {
    if (this.pending) {
      this.pending.checked.add(text);
      return;
    }
    if (this.rootChecked.size > 50_000) this.rootChecked.clear();
    this.rootChecked.add(text);
  }

  /**
   * Records of one log validated in the write under way and written with it (Ledger.acceptAndCosign): a note
   * taken in that write is checked against them as against records held. Set only while that write is built,
   * under the write lock.
   */
  private pending: { author: string; size: number; treeHead: (size: number) => Promise<Uint8Array>; checked: Set<string> } | undefined;

  /** Notes parsed lately, by their whole text: a note is read several times on its way in (known, preverify, merge). */
  private readonly parsed = new Map<string, { note: Note; checkpoint: Checkpoint }>();

  constructor(private readonly core: LedgerCore) {}

  /** A note and its checkpoint parsed (NOTE_INVALID, CHECKPOINT_INVALID as parseNote, parseCheckpoint); never changed by callers. */
  private parse(noteText: string): { note: Note; checkpoint: Checkpoint } {
    let p = this.parsed.get(noteText);
    if (!p) {
      const note = parseNote(noteText);
      p = { note, checkpoint: parseCheckpoint(note.text) };
      if (this.parsed.size >= PARSED_NOTES) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(noteText, p);
    }
    return p;
  }

  /**
   * Run \`fn\` (part of \`tx\`'s build) seeing \`author\`'s records below \`size\`, written in \`tx\`, as held. Roots
   * found equal to them count as checked only once \`tx\` is durable (a write that fails leaves nothing held).
   */
  async withPending<T>(tx: WriteTx, pending: { author: string; size: number; treeHead: (size: number) => Promise<Uint8Array> }, fn: () => Promise<T>): Promise<T> {
    const checked = new Set<string>();
    this.pending = { ...pending, checked };
    try {
      return await fn();
    } finally {
      this.pending = undefined;
      tx.onDurable(() => checked.forEach((t) => this.markChecked(t)));
    }
  }

  private isChecked(text: string): boolean {
    return this.rootChecked.has(text) || !!this.pending?.checked.has(text);
  }

  /** Records of \`author\` held, or written in the write under way. */
  private heldSize(author: string): number {
    return this.pending?.author === author ? this.pending.size : this.core.size(author);
  }

  /** The root of \`author\`'s first \`size\` records held (or written in the write under way). */
  private rootOf(author: string, size: number): Promise<Uint8Array> {
    return this.pending?.author === author && size > this.core.size(author) ? this.pending.treeHead(size) : this.core.treeHead(author, size);
  }

  async load(): Promise<void> {
    const newestFirst = new Map<string, Record<string, unknown>>();
    for await (const [k, v] of this.core.store.entries('cp', {})) {
      const { author } = parseLogKey(k);
      let x;
      try {
        x = decodeValue(v, 'checkpoint');
      } catch {
        continue; // A corrupt stored checkpoint is reported by audit and otherwise ignored.
      }
      if (x.first === true)
        newestFirst.set(author, x); // keys are in size order: the last one wins
      else this.loadOne(author, x);
    }
    for (const [author, x] of newestFirst) this.loadOne(author, x);
  }

  private loadOne(author: string, x: Record<string, unknown>): void {
    try {
      this.insert(this.decodeStored(author, x));
    } catch {
      // as above
    }
  }

  private decodeStored(author: string, x: Record<string, unknown>): StoredCheckpoint {
    const cp = this.fromNote(author, parseNote(fromUtf8(x.note as Uint8Array)));
    if (x.first === true) cp.first = true;
    return cp;
  }

  /** A stored checkpoint that is not in memory (an older first-final one). */
  private async stored(author: string, size: number): Promise<StoredCheckpoint | undefined> {
    const v = await this.core.store.get('cp', logKey(author, size));
    if (!v) return undefined;
    try {
      return this.decodeStored(author, decodeValue(v, 'checkpoint'));
    } catch {
      return undefined;
    }
  }

  /**
   * Check on the worker pool, in one batch, the signature lines of \`noteText\` that \`fromNote\` would otherwise
   * check one by one on the main thread (lines not seen before that name a key of the log's author or of a witness),
   * and remember the valid ones. Called before the write lock is taken, so the lock is not held while the workers
   * check; a line found bad is left to \`fromNote\`, which refuses it as before. Without a pool it does nothing.
   */
  async preverify(noteText: string): Promise<void> {
    const pool = this.core.pool;
    if (!pool) return;
    let note: Note;
    let author: string;
    try {
      const p = this.parse(noteText);
      note = p.note;
      author = authorOf(this.core, p.checkpoint.origin);
    } catch {
      return; // refused, with its reason, where the note is taken
    }
    const checks: Ed25519Check[] = [];
    const lines: { s: Signature; pub: Uint8Array; kind: 'note' | 'cosig' }[] = [];
    const want = (s: Signature | undefined, pub: Uint8Array, kind: 'note' | 'cosig', check: Ed25519Check | undefined) => {
      if (!s || !check || lines.some((l) => l.s === s && l.pub === pub && l.kind === kind) || this.verified.has(note.text, s, pub, kind)) return;
      checks.push(check);
      lines.push({ s, pub, kind });
    };
    // The lines fromNote would check, each under the key and as the kind of signature it would check it as.
    const origin = originOf(this.core.consortium, author);
    for (const pub of keysOf(this.core, author)) {
      const kid = keyId(origin, KEY_TYPE_ED25519, pub);
      const s = note.sigs.find((x) => x.name === origin && equalBytes(x.keyId, kid));
      want(s, pub, 'note', s && noteSignatureCheck(note.text, s, { name: origin, pub }));
    }
    for (const { name, pub, line } of witnessLines(this.core, note)) want(line, pub, 'cosig', cosignatureCheck(note.text, line, { name, pub })?.check);
    if (checks.length === 0) return;
    let ok: boolean[];
    try {
      ok = await pool.verify(checks, 1, true);
    } catch {
      return; // a pool that fails (workers gone) leaves the checks to fromNote, on this thread
    }
    ok.forEach((valid, i) => valid && this.verified.add(note.text, lines[i]!.s, lines[i]!.pub, lines[i]!.kind));
  }

  private fromNote(author: string, note: Note, checkpoint = parseCheckpoint(note.text)): StoredCheckpoint {
    const own = authorSignature(this.core, author, note, this.verified);
    if (!own) throw new LedgerError('CHECKPOINT_REJECTED', `checkpoint of ${author} at size ${checkpoint.size} is not signed by ${author}`);
    const wit = witnessSignatures(this.core, note, this.verified);
    return {
      author,
      checkpoint,
      text: note.text,
      sigs: [own, ...[...wit.values()].map((w) => w.sig)],
      cosigners: new Map([...wit].map(([id, w]) => [id, w.pub])),
    };
  }

  private insert(cp: StoredCheckpoint): void {
    let list = this.byAuthor.get(cp.author);
    if (!list) this.byAuthor.set(cp.author, (list = []));
    const i = list.findIndex((x) => x.checkpoint.size === cp.checkpoint.size);
    if (i >= 0) list[i] = cp;
    else list.push(cp);
    list.sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  }

  /** Checkpoints of `author` held in memory (the windows and the newest first-final one), by size. */
  list(author: string): StoredCheckpoint[] {
    return this.byAuthor.get(author) ?? [];
  }

  latest(author: string): StoredCheckpoint | undefined {
    return this.list(author).at(-1);
  }

  /**
   * Mark the record states `cp` advances (replicated: cosigned by a member
   * other than the author; final per epoch: the witness quorum of that
   * epoch's config). Sets `cp.first` when it is the first checkpoint to make
   * some range final. Returns whether any state advanced.
   */
  private markStates(tx: WriteTx, cp: StoredCheckpoint): boolean {
    const { states } = this.core;
    const at = this.core.now();
    const size = cp.checkpoint.size;
    let advanced = false;
    if ([...cp.cosigners.keys()].some((id) => id !== cp.author)) advanced = states.replicatedTo(tx, cp.author, size, at) || advanced;
    this.core.chain.forEach((c, epoch) => {
      if (isFinalFor(cp, c.config, laterThan(this.core.chain, c.config)) && states.finalTo(tx, cp.author, epoch, size, at)) {
        cp.first = true;
        advanced = true;
      }
    });
    return advanced;
  }

  /** Keep `cp` (a new object: the held ones change only once the batch is durable) and prune the windows. */
  private persist(tx: WriteTx, cp: StoredCheckpoint): void {
    this.markStates(tx, cp);
    const size = cp.checkpoint.size;
    tx.put('cp', logKey(cp.author, size), encodeStored(cp));
    const list = [...this.list(cp.author).filter((x) => x.checkpoint.size !== size), cp].sort((a, b) => a.checkpoint.size - b.checkpoint.size);
    const held = this.heldSize(cp.author);
    const { checkpointsKept, checkpointsAhead } = this.core.limits;
    const firsts = list.filter((x) => x.first);
    const near = list.filter((x) => !x.first && x.checkpoint.size <= held);
    const ahead = list.filter((x) => !x.first && x.checkpoint.size > held);
    // The nearest ahead ones are the likeliest to become checkable; the oldest checkable ones are implied by newer ones.
    const drop = [...near.slice(0, Math.max(0, near.length - checkpointsKept)), ...ahead.slice(checkpointsAhead)];
    for (const d of drop) tx.del('cp', logKey(d.author, d.checkpoint.size));
    // Older first-final checkpoints stay in the store only.
    const keep = list.filter((x) => !drop.includes(x) && (!x.first || x === firsts.at(-1)));
    tx.onDurable(() => this.byAuthor.set(cp.author, keep));
  }

  /**
   * Re-derive the states the held checkpoints give (after an epoch is
   * adopted, and at open for stores written before states were kept).
   */
  refresh(tx: WriteTx): void {
    for (const list of this.byAuthor.values()) {
      for (const cp of list) {
        const copy: StoredCheckpoint = { ...cp };
        if (!this.markStates(tx, copy)) continue;
        tx.put('cp', logKey(cp.author, cp.checkpoint.size), encodeStored(copy));
        tx.onDurable(() => void (cp.first = copy.first));
      }
    }
  }

  /** Sign a checkpoint of this node's own log at its current size. */
  async signOwn(tx: WriteTx): Promise<StoredCheckpoint> {
    const self = this.core.self;
    if (!self) throw new LedgerError('NOT_MEMBER', 'this ledger has no key to sign with');
    const size = this.core.size(self.id);
    const latest = this.latest(self.id);
    if (latest && latest.checkpoint.size === size) return latest;
    const origin = originOf(this.core.consortium, self.id);
    const text = formatCheckpoint({ origin, size, root: await this.core.treeHead(self.id, size), extensions: [] });
    const sig = signNote(text, origin, self.signer);
    const cp: StoredCheckpoint = { author: self.id, checkpoint: parseCheckpoint(text), text, sigs: [sig], cosigners: new Map() };
    this.markChecked(text);
    // Not fsynced: a lost checkpoint is signed again over the same durable records (same root).
    tx.sync = false;
    this.persist(tx, cp);
    return cp;
  }

  /** The log a note is a checkpoint of (CHECKPOINT_REJECTED when it names no member log). */
  noteLog(noteText: string): string {
    return authorOf(this.core, this.parse(noteText).checkpoint.origin);
  }

  /**
   * The held checkpoint if `noteText` adds nothing to it (same text, root
   * already checked, every signature line held): most notes repeat what is
   * held, and this needs neither the write lock nor a signature check.
   */
  known(noteText: string): StoredCheckpoint | undefined {
    const { note, checkpoint } = this.parse(noteText);
    const author = authorOf(this.core, checkpoint.origin);
    const same = this.list(author).find((x) => x.text === note.text);
    if (same && this.rootChecked.has(same.text) && note.sigs.every((s) => same.sigs.some((h) => sameLine(h, s)))) return same;
    return undefined;
  }

  /**
   * Take a checkpoint note from a peer: it must be signed by its log's
   * author; cosignatures by known witnesses are merged, others dropped. Two
   * author-signed roots for one size are a fork.
   */
  async add(tx: WriteTx, noteText: string): Promise<CheckpointOutcome> {
    const out = await this.merge(noteText);
    if (out.status === 'known' || out.status === 'fork') return out;
    // Not fsynced: peers' notes and cosignatures can be had again from them; only the witness state must be durable.
    tx.sync = false;
    this.persist(tx, out.checkpoint);
    return out;
  }

  /**
   * Take a checkpoint note as \`add\` does and cosign it in the same batch
   * (one write instead of two on the witness's path): the cosignature is
   * made under \`cosign\`'s rules, and when they refuse, or the records are
   * not all held, the note is kept as \`add\` keeps it.
   */
  async addAndCosign(tx: WriteTx, noteText: string, timeSeconds?: number): Promise<{ outcome: CheckpointOutcome; cosigned?: StoredCheckpoint; refused?: LedgerError }> {
    const outcome = await this.merge(noteText);
    if (outcome.status === 'fork') return { outcome };
    const cp = outcome.checkpoint;
    const base = outcome.status === 'known' ? undefined : cp;
    if (cp.checkpoint.size <= this.heldSize(cp.author)) {
      try {
        const cosigned = await this.cosign(tx, cp.author, cp.checkpoint.size, timeSeconds, base);
        // Cosigned before (the note carried this witness's line): the merged note is still kept.
        if (base && cosigned === base) this.persist(tx, base);
        return { outcome, cosigned };
      } catch (e) {
        if (!(e instanceof LedgerError) || e.code !== 'COSIGN_REFUSED') throw e;
        if (base) this.persist(tx, base);
        return { outcome, refused: e };
      }
    }
    if (base) this.persist(tx, base);
    return { outcome };
  }

  /** What \`add\` would keep for \`noteText\` (the held checkpoint with the note's valid lines merged), checked but not written. */
  private async merge(noteText: string): Promise<CheckpointOutcome> {
    // Asked again under the lock: a note queued behind another may have become redundant meanwhile.
    const same = this.known(noteText);
    if (same) return { status: 'known', checkpoint: same };
    const { note, checkpoint } = this.parse(noteText);
    const author = authorOf(this.core, checkpoint.origin);
    const incoming = this.fromNote(author, note, checkpoint);
    const size = incoming.checkpoint.size;
    const held = this.list(author).find((x) => x.checkpoint.size === size) ?? (await this.stored(author, size));
    if (held && !equalBytes(held.checkpoint.root, incoming.checkpoint.root)) {
      return { status: 'fork', author, a: noteOf(held), b: formatNote({ text: incoming.text, sigs: [incoming.sigs[0]!] }) };
    }
    if (size <= this.heldSize(author) && !this.isChecked(incoming.text)) {
      const root = await this.rootOf(author, size);
      if (!equalBytes(root, incoming.checkpoint.root)) {
        throw new LedgerError('CHECKPOINT_CONFLICT', `checkpoint of ${author} at size ${size} has root ${toHex(incoming.checkpoint.root)}, the records held give ${toHex(root)}`);
      }
      this.markChecked(incoming.text);
    }
    let merged = incoming;
    let added = incoming.cosigners.size;
    if (held) {
      merged = { ...held, sigs: [...held.sigs], cosigners: new Map(held.cosigners) };
      added = 0;
      for (const [id, pub] of incoming.cosigners) {
        if (merged.cosigners.has(id)) continue;
        merged.cosigners.set(id, pub);
        // By key id, not name: an author that witnesses its own log signs and cosigns under one name.
        merged.sigs.push(incoming.sigs.find((s) => s.name === originOf(this.core.consortium, id) && equalBytes(s.keyId, cosignKeyId(s.name, pub)))!);
        added++;
      }
      if (added === 0) return { status: 'known', checkpoint: held };
    }
    if (size > this.heldSize(author) && !held) return { status: 'ahead', checkpoint: merged };
    return { status: 'stored', checkpoint: merged, added };
  }

  /**
   * Cosign `author`'s checkpoint as a witness (§6): the author is an author
   * member of the current epoch and not forked; this node holds and has
   * validated records 0..N-1 and its root for N is R; N is not below the
   * largest size cosigned for the origin. The (origin, N, R) is persisted
   * before the cosignature is returned.
   */
  async cosign(tx: WriteTx, author: string, size: number, timeSeconds = Math.floor(this.core.now() / 1000), pending?: StoredCheckpoint): Promise<StoredCheckpoint> {
    const self = this.core.self;
    if (!self) throw new LedgerError('NOT_MEMBER', 'this ledger has no key to cosign with');
    const refuse: (why: string) => never = (why) => {
      throw new LedgerError('COSIGN_REFUSED', `not cosigning ${author} at size ${size}: ${why}`);
    };
    const cfg = this.core.config;
    if (!cfg.members.find((m) => m.id === self.id)?.roles.includes('witness')) refuse('this node is not a witness in the current epoch');
    if (!cfg.members.find((m) => m.id === author)?.roles.includes('author')) refuse('the author is not an author member of the current epoch');
    if (this.core.isForked(author)) refuse('the author forked its log');
    // \`pending\`: the checkpoint as taken in this same batch (held in memory only once the batch is durable).
    const cp = pending?.author === author && pending.checkpoint.size === size ? pending : this.list(author).find((x) => x.checkpoint.size === size);
    if (!cp) refuse('no such checkpoint is held');
    if (size > this.heldSize(author)) refuse(`only ${this.heldSize(author)} records are held`);
    const root = this.isChecked(cp.text) ? cp.checkpoint.root : await this.rootOf(author, size);
    if (!equalBytes(root, cp.checkpoint.root)) refuse('the root does not match the records held');
    this.markChecked(cp.text);
    const origin = cp.checkpoint.origin;
    const prev = await this.witnessState(origin);
    if (prev) {
      if (prev.size > size) refuse(`size ${prev.size} was cosigned already`);
      if (prev.size === size && !equalBytes(prev.root, root)) refuse('another root was cosigned for this size');
    }
    if (cp.cosigners.has(self.id)) return cp;
    const name = originOf(this.core.consortium, self.id);
    const merged: StoredCheckpoint = { ...cp, sigs: [...cp.sigs, cosign(cp.text, name, self.signer, timeSeconds)], cosigners: new Map(cp.cosigners).set(self.id, self.key) };
    // One durable batch: the witness state (origin, N, R) is on disk before the cosignature leaves this node.
    tx.sync = true;
    tx.put('wit', nameKey(origin), encodeValue({ size, root }));
    tx.onDurable(() => this.witness.set(origin, { size, root }));
    this.persist(tx, merged);
    return merged;
  }

  /** Largest size cosigned per origin by this node (witness state): read from the store once, then kept as written. */
  async witnessState(origin: string): Promise<{ size: number; root: Uint8Array } | undefined> {
    if (this.witness.has(origin)) return this.witness.get(origin) ?? undefined;
    const v = await this.core.store.get('wit', nameKey(origin));
    let w: { size: number; root: Uint8Array } | null = null;
    if (v) {
      const x = decodeValue(v, 'witness state');
      w = { size: x.size as number, root: x.root as Uint8Array };
    }
    // A cosignature written while this was read is newer than what was read.
    if (!this.witness.has(origin)) this.witness.set(origin, w);
    return this.witness.get(origin) ?? undefined;
  }

  /** Whether record `seq` of `author` (written in `epoch`) is final: once final, always final. */
  isFinal(author: string, seq: number, epoch: number): boolean {
    return seq < this.core.states.finalSize(author, epoch);
  }

  /** The checkpoint that proves records up to `minSize` best: final first, then newest. */
  best(author: string, minSize: number, epoch: number): StoredCheckpoint | undefined {
    const cfg = this.core.configFor(epoch);
    const candidates = this.list(author).filter((cp) => cp.checkpoint.size >= minSize && cp.checkpoint.size <= this.core.size(author));
    const finals = cfg ? candidates.filter((cp) => isFinalFor(cp, cfg, laterThan(this.core.chain, cfg))) : [];
    return (finals.length ? finals : candidates).at(-1);
  }

  /**
   * The checkpoint an entry's proof uses in a bundle (§8): the first that
   * made record `seq` final, when held; otherwise the oldest final one held;
   * otherwise the newest. Only checkpoints within the records held.
   */
  async forEntry(author: string, seq: number, epoch: number): Promise<StoredCheckpoint | undefined> {
    const held = this.core.size(author);
    const cfg = this.core.configFor(epoch);
    const first = await this.core.states.firstFinal(author, seq, epoch);
    if (first && first.size <= held) {
      const cp = this.list(author).find((x) => x.checkpoint.size === first.size) ?? (await this.stored(author, first.size));
      if (cp && cfg && isFinalFor(cp, cfg, laterThan(this.core.chain, cfg))) return cp;
    }
    const covering = this.list(author).filter((cp) => cp.checkpoint.size > seq && cp.checkpoint.size <= held);
    return (cfg ? covering.find((cp) => isFinalFor(cp, cfg, laterThan(this.core.chain, cfg))) : undefined) ?? covering.at(-1);
  }

  /** Size below which every record of `author` is final under the current epoch's quorum. */
  finalSize(author: string): number {
    return this.core.states.finalSize(author, this.core.epoch);
  }
}
