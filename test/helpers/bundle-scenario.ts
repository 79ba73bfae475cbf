import { toHex } from '../../protocol/bytes.js';
import { encodeBundle } from '../../protocol/bundle/bundle.js';
import { selectBundleRecords } from '../../protocol/bundle/select.js';
import type { CborMap } from '../../protocol/cbor.js';
import { buildConfig, configId, encodeConfig, type Config } from '../../protocol/config/index.js';
import type { SignedConfig } from '../../protocol/config/governance.js';
import { publicKeyOf } from '../../protocol/crypto.js';
import { MemoryTree } from '../../protocol/merkle/memory.js';
import { originOf } from '../../protocol/names.js';
import { formatCheckpoint } from '../../protocol/note/checkpoint.js';
import { cosign } from '../../protocol/note/cosignature.js';
import { signNote, type Note, type Signature } from '../../protocol/note/note.js';
import { formatTlogProof } from '../../protocol/note/tlog-proof.js';
import { encodeRecord, sealRecord, signRequest, type Envelope, type OrgActorBody, type Record } from '../../protocol/records/index.js';
import { CONSORTIUM, testMember, type TestMember } from './consortium.js';

/**
 * A small consortium built in memory with real keys and signatures: logs of
 * actor-signed records, checkpoints cosigned by chosen witnesses, and the
 * bundle of a document, as an exporter would make it. For verifier and
 * domain-rule tests that need every shape of outcome.
 */
export class Scenario {
  readonly members: TestMember[];
  readonly config: Config;
  readonly genesis: Uint8Array;
  readonly net: Uint8Array;
  readonly logs = new Map<string, Envelope[]>();
  /** Actor seeds by `${member}/${actorId}`. */
  private readonly seeds = new Map<string, Uint8Array>();
  /** Base time of the scenario's clock (ms); each record is one second after the previous one. */
  clock = Date.parse('2026-11-20T08:00:00Z');

  constructor(n = 3) {
    this.members = Array.from({ length: n }, (_, i) => testMember(i));
    this.config = buildConfig({ consortium: CONSORTIUM, epoch: 0, members: this.members.map((m) => m.member) });
    this.genesis = encodeConfig(this.config);
    this.net = configId(this.genesis);
    for (const m of this.members) {
      this.seeds.set(`${m.id}/admin`, m.adminSeed);
      this.append(m.id, 'org.actor', { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true });
    }
  }

  member(i: number): TestMember {
    return this.members[i]!;
  }

  private append(author: string, kind: string, body: CborMap, refs?: Uint8Array[], actor?: { id: string; seed: Uint8Array }, at?: number): Envelope {
    const log = this.logs.get(author) ?? [];
    this.logs.set(author, log);
    const ts = (this.clock += 1000);
    const prev = log.at(-1);
    const m = this.members.find((x) => x.id === author)!;
    const record: Record = { v: 1, net: this.net, author, seq: log.length, epoch: 0, ts, kind, body };
    if (prev) record.prev = prev.id;
    if (refs) record.refs = refs;
    if (actor) {
      const s = signRequest({ net: this.net, author, kind, body, refs, at: at ?? ts }, actor.id, actor.seed);
      record.actor = s.actor;
    }
    const env = sealRecord(encodeRecord(record), m.seed);
    log.push(env);
    return env;
  }

  /** Enrol an official with an admin-signed org.actor. */
  enrol(author: string, id: string, roles: string[], seed = new Uint8Array(32).fill(0x60 + this.seeds.size)): Envelope {
    this.seeds.set(`${author}/${id}`, seed);
    return this.by(author, 'admin', 'org.actor', { id, key: publicKeyOf(seed), roles, active: true });
  }

  /** Make `actorId` sign with `seed` from now on (a forged or never-enrolled key). */
  forge(author: string, actorId: string, seed: Uint8Array): void {
    this.seeds.set(`${author}/${actorId}`, seed);
  }

  /** A record requested by an official (who must be enrolled). */
  by(author: string, actorId: string, kind: string, body: CborMap, refs?: Uint8Array[], at?: number): Envelope {
    const seed = this.seeds.get(`${author}/${actorId}`);
    if (!seed) throw new Error(`no actor ${author}/${actorId}`);
    return this.append(author, kind, body, refs, { id: actorId, seed }, at);
  }

  /** A checkpoint note of `author`'s log at `size`, cosigned by `witnesses` at `times` (POSIX seconds). */
  checkpoint(author: string, size: number, witnesses: string[], times?: number[]): Note {
    const tree = this.tree(author);
    const origin = originOf(CONSORTIUM, author);
    const text = formatCheckpoint({ origin, size, root: tree.root(size), extensions: [] });
    const m = this.members.find((x) => x.id === author)!;
    const sigs: Signature[] = [signNote(text, origin, m.seed)];
    witnesses.forEach((w, i) => {
      const wm = this.members.find((x) => x.id === w)!;
      sigs.push(cosign(text, originOf(CONSORTIUM, w), wm.seed, times?.[i] ?? Math.floor(this.clock / 1000) + 10 + i));
    });
    return { text, sigs };
  }

  tree(author: string): MemoryTree {
    const t = new MemoryTree();
    for (const e of this.logs.get(author) ?? []) t.append(e.id);
    return t;
  }

  /** Selected bundle entries of `doc` (§8 order), each proved by `proof(env)` (default: a whole-log checkpoint cosigned by every member). */
  async entries(doc: Uint8Array, proof?: (env: Envelope) => Note): Promise<{ envelope: Uint8Array; proof: string }[]> {
    const all = [...this.logs.values()].flat();
    const docRecords = all.filter((e) => e.record.kind.startsWith('doc.') && toHex(e.record.body.doc as Uint8Array) === toHex(doc));
    return this.entriesOf(docRecords, proof);
  }

  /** Selected bundle entries for `records` (§8: with what they refer to and their actors' org.actor chains), proved as in `entries`. */
  async entriesOf(records: Envelope[], proof?: (env: Envelope) => Note): Promise<{ envelope: Uint8Array; proof: string }[]> {
    const all = [...this.logs.values()].flat();
    const selected = await selectBundleRecords(records, {
      byId: (id) => all.find((e) => toHex(e.id) === toHex(id)),
      actorRecords: (author, actorId, seq) =>
        (this.logs.get(author) ?? []).filter((e) => e.record.kind === 'org.actor' && (e.record.body as unknown as OrgActorBody).id === actorId && e.record.seq < seq),
    });
    const whole = new Map<string, Note>();
    const note = (env: Envelope): Note => {
      if (proof) return proof(env);
      const a = env.record.author;
      if (!whole.has(a))
        whole.set(
          a,
          this.checkpoint(
            a,
            this.logs.get(a)!.length,
            this.members.map((m) => m.id),
          ),
        );
      return whole.get(a)!;
    };
    return selected.map((env) => {
      const n = note(env);
      const size = Number(n.text.split('\n')[1]);
      return { envelope: env.bytes, proof: formatTlogProof({ index: env.record.seq, path: this.tree(env.record.author).inclusionProof(env.record.seq, size), checkpoint: n }) };
    });
  }

  /** A case bundle (CASES.md §C.6): every record of the case, with `configs` (default: the genesis alone). */
  async caseBundle(caseId: Uint8Array, proof?: (env: Envelope) => Note, configs: SignedConfig[] = [{ bytes: this.genesis, approvals: [] }]): Promise<Uint8Array> {
    const key = toHex(caseId);
    const records = [...this.logs.values()].flat().filter((e) => e.record.kind.startsWith('case.') && (toHex(e.id) === key || (e.record.refs?.[0] && toHex(e.record.refs[0]) === key)));
    return encodeBundle({ v: 1, net: this.net, about: 'case', subject: caseId, configs, entries: await this.entriesOf(records, proof) });
  }

  async bundle(doc: Uint8Array, proof?: (env: Envelope) => Note): Promise<Uint8Array> {
    return encodeBundle({ v: 1, net: this.net, subject: doc, configs: [{ bytes: this.genesis, approvals: [] }], entries: await this.entries(doc, proof) });
  }
}
