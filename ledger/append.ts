import { concat, equalBytes } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { publicKeyOf } from '../protocol/crypto.js';
import { decodeRequest, requestDigest, requestSigMessage, type Request } from '../protocol/records/request.js';
import type { VerifyItem } from './verify-pool.js';
import { checkRecordShape, decodeRecord, encodeUnsignedEnvelope, recordSigMessage, sealEnvelope, type ActorBlock, type Envelope, type Record as LedgerRecord } from '../protocol/records/record.js';
import { acceptRecord, MAX_SKEW_MS, RecordRejected, type LogHead } from '../protocol/records/rules.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { nameKey, nonceSetKey } from './keys.js';
import { recordOps, recordOpsNow } from './records.js';
import { storedHashIndex } from '../protocol/merkle/tlog.js';
import type { WriteTx } from './writer.js';

/** An official's signed request, as the API receives it. */
export interface ActorSubmission {
  /** Canonical CBOR of the request (§5.3). */
  request: Uint8Array;
  actor: string;
  sig: Uint8Array;
  /** `decodeRequest(request)`, when the caller has decoded it already (the API, for its checks): saves a second strict decode. */
  decoded?: Request;
}

/** A record the node writes on its own (seq 0 `org.actor`, `evidence.fork`). */
export interface NodeSubmission {
  kind: string;
  body: CborMap;
  refs?: Uint8Array[];
}

export type Submission = ActorSubmission | NodeSubmission;

export interface Appended {
  id: Uint8Array;
  seq: number;
  envelope: Envelope;
}

interface Pending {
  sub: Submission;
  resolve: (a: Appended) => void;
  reject: (e: unknown) => void;
  /** The request decoded once, by the first step of the group that needs it. */
  req?: Request;
  /** Its actor signature checked on the pool as it arrived: resolves to the key it verified under, if it did. */
  checked?: Promise<Uint8Array | undefined>;
}

/** A pending actor request, decoded once (strict canonical CBOR: each decode costs as much as an encode). */
function requestOf(p: Pending & { sub: ActorSubmission }): Request {
  p.req ??= p.sub.decoded ?? decodeRequest(p.sub.request);
  return p.req;
}

export type AfterCommit = (envs: Envelope[]) => Promise<void>;

const UNSIGNED = new Uint8Array(0);

/** Requests checked per pool batch on arrival: a group waits only for the checks of its own requests. */
const ARRIVAL_CHUNK = 128;
/** Records of a group sent to be signed while the rest of it is built. */
const SIGN_CHUNK = 128;

/**
 * The node's own log with group commit: requests that arrive while a group is
 * being written wait and go together in the next atomic, durable batch. Each
 * request is validated on its own; one bad request fails alone.
 *
 * With a worker pool, an actor's signature is checked on the pool as soon as
 * the request arrives (while the group before it is built and written), and
 * the records of a group are signed there in one batch once they are built:
 * a record's id, and so the next record's prev, does not depend on its
 * signature. Every §5.1 rule is still checked for every record by
 * acceptRecord, on the record object the bytes were encoded from.
 */
export class OwnLog {
  private queue: Pending[] = [];
  private running = false;
  /** Requests arrived since the last check was sent to the pool, and the promise their checks resolve. */
  /** Stored hashes of the own log's right edge at `size`, kept once durable (a cache: what it lacks is read). */
  private edge: { size: number; hashes: Map<number, Uint8Array> } | undefined;
  private arrivals: { list: Pending[]; keys: Promise<Map<Pending, Uint8Array>> } | undefined;

  constructor(
    private readonly core: LedgerCore,
    private readonly writeGroup: (build: (tx: WriteTx) => Promise<Envelope[]>) => Promise<Envelope[]>,
  ) {}

  append(sub: Submission): Promise<Appended> {
    if (!this.core.self) return Promise.reject(new LedgerError('NOT_MEMBER', 'this ledger has no key to sign with'));
    return new Promise((resolve, reject) => {
      const p: Pending = { sub, resolve, reject };
      if ('request' in sub && this.core.pool) this.checkOnArrival(p);
      this.queue.push(p);
      if (!this.running) void this.drain();
    });
  }

  /** Requests not yet durable. */
  get backlog(): number {
    return this.queue.length;
  }

  /**
   * Queue `p`'s actor signature for the pool: the requests that arrive in one
   * turn of the event loop go as one batch, whatever its size.
   */
  private checkOnArrival(p: Pending): void {
    let batch = this.arrivals;
    if (!batch || batch.list.length >= ARRIVAL_CHUNK) {
      const list: Pending[] = [];
      const keys = new Promise<Map<Pending, Uint8Array>>((resolve) => {
        setImmediate(() => {
          if (this.arrivals === batch) this.arrivals = undefined;
          // A pool failure only costs the checks: build() then verifies on this thread.
          this.preverify(list).then(resolve, () => resolve(new Map()));
        });
      });
      this.arrivals = batch = { list, keys };
    }
    batch.list.push(p);
    p.checked = batch.keys.then((m) => m.get(p));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.core.limits.maxGroup);
        await this.commit(group);
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    const done: { p: Pending; env: Envelope }[] = [];
    // Checks sent on arrival, awaited outside the write lock (a verdict only saves the build a check: see build()).
    const self = this.core.self!;
    try {
      // Outside the write lock too (other writes hold it meanwhile): the nonces already used, read while no
      // other own group can write (groups go one at a time); read again below if the log grew otherwise since.
      const sizeRead = this.core.size(self.id);
      const [checked, used] = await Promise.all([Promise.all(group.map((p) => p.checked)), this.usedNonces(group, self.id)]);
      const verified = new Map<Pending, Uint8Array>();
      group.forEach((p, i) => checked[i] && verified.set(p, checked[i]!));
      await this.writeGroup(async (tx) => {
        const nonces = this.core.size(self.id) === sizeRead ? used : await this.usedNonces(group, self.id);
        let head: LogHead | null = this.core.head(self.id);
        // Built records are signed in chunks while the rest are built: a record's id does not depend on its signature.
        const sealing: Promise<void>[] = [];
        let unsealed = 0;
        const sealFrom = (from: number) => {
          const p = this.seal(done.slice(from).map((d) => d.env));
          p.catch(() => undefined); // awaited below with the others
          sealing.push(p);
          unsealed = done.length;
        };
        for (const p of group) {
          try {
            const env = this.build(tx, p, head, nonces, verified.get(p));
            head = { seq: env.record.seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts };
            if (env.record.actor) nonces.add(nonceSetKey(env.record.actor.nonce));
            this.core.stageActor(tx, env);
            done.push({ p, env });
          } catch (e) {
            p.reject(e);
          }
          if (done.length - unsealed >= SIGN_CHUNK) {
            sealFrom(unsealed);
            // Let the workers' answers in (and the next jobs out) between chunks: a long build would leave them idle.
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
        if (done.length > unsealed) sealFrom(unsealed);
        await Promise.all(sealing);
        const envs = done.map((d) => d.env);
        // The stored hashes of the log's right edge from the group before: the first records need no reads.
        const from = envs[0]?.record.seq;
        const overlay = this.edge && this.edge.size === from ? new Map(this.edge.hashes) : new Map<number, Uint8Array>();
        for (const env of envs) {
          const ops = recordOpsNow(this.core.store, env, overlay) ?? (await recordOps(this.core.store, env, overlay));
          for (const op of ops) tx.ops.push(op);
        }
        if (from !== undefined) {
          const size = from + envs.length;
          tx.onDurable(() => (this.edge = { size, hashes: rightEdge(overlay, size) }));
        }
        return envs;
      });
    } catch (e) {
      // The whole group fails (a request already rejected alone keeps its own reason).
      for (const p of group) p.reject(e);
      return;
    }
    for (const d of done) d.p.resolve({ id: d.env.id, seq: d.env.record.seq, envelope: d.env });
  }

  private seedSigner: boolean | undefined;

  /** Whether the ledger key is the Ed25519 seed held here (not a Signer given beside it): then the pool may sign with it. */
  private seedSigns(): boolean {
    const self = this.core.self!;
    this.seedSigner ??= !!self.seed && self.signer.alg === 'ed25519' && equalBytes(publicKeyOf(self.seed), self.key);
    return this.seedSigner;
  }

  /** Sign the built records of a group and wrap them in envelopes: on the pool when the ledger key is a seed held here. */
  private async seal(envs: Envelope[]): Promise<void> {
    if (envs.length === 0) return;
    const self = this.core.self!;
    const msgs = envs.map((e) => recordSigMessage(e.id));
    const sigs = this.core.pool && this.seedSigns() ? await this.core.pool.sign(self.seed!, msgs) : msgs.map((m) => self.signer.sign(m));
    envs.forEach((e, i) => {
      const sig = sigs[i]!;
      if (sig.length !== 64) throw new LedgerError('INVALID_ARGUMENT', `the ledger key made a ${sig.length}-byte signature`);
      e.sig = sig;
      sealEnvelope(e.bytes, sig);
    });
  }

  private async usedNonces(group: Pending[], author: string): Promise<Set<string>> {
    const keys: Uint8Array[] = [];
    const names: string[] = [];
    const prefix = nameKey(author);
    for (const p of group) {
      if (!('request' in p.sub)) continue;
      try {
        const nonce = requestOf(p as Pending & { sub: ActorSubmission }).nonce;
        keys.push(concat(prefix, nonce));
        names.push(nonceSetKey(nonce));
      } catch {
        // reported by build()
      }
    }
    const got = await this.core.store.getMany('nonce', keys);
    return new Set(names.filter((_, i) => got[i] !== undefined));
  }

  /**
   * Actor signatures checked on the worker pool (every batch, however small):
   * pending → the key it verified under, the key in force for the log's next
   * record when it arrived. build() trusts a verdict only if that key is still
   * the one in force for the record's seq.
   */
  private async preverify(group: Pending[]): Promise<Map<Pending, Uint8Array>> {
    const out = new Map<Pending, Uint8Array>();
    const self = this.core.self;
    if (!this.core.pool || !self) return out;
    const items: VerifyItem[] = [];
    const who: [Pending, Uint8Array][] = [];
    const seq = this.core.size(self.id);
    for (const p of group) {
      if (!('request' in p.sub)) continue;
      const key = this.core.actorInForce(self.id, p.sub.actor, seq)?.key;
      if (!key || !(p.sub.sig instanceof Uint8Array) || p.sub.sig.length !== 64 || !(p.sub.request instanceof Uint8Array)) continue;
      items.push([key, requestSigMessage(requestDigest(p.sub.request)), p.sub.sig]);
      who.push([p, key]);
    }
    (await this.core.pool.verify(items, 1)).forEach((ok, i) => ok && out.set(who[i]![0], who[i]![1]));
    return out;
  }

  /**
   * Build the record for `p` after `head` and check it against every
   * acceptance rule; it is signed with the rest of its group by seal(). An
   * actor request's record is checked on the object its bytes were encoded
   * from: that object holds only values of a strict decode (the request's)
   * and fields set here, which encode and decode back to themselves, so it
   * equals what decoding its bytes would give.
   */
  private build(tx: WriteTx, p: Pending, head: LogHead | null, nonces: Set<string>, verifiedKey?: Uint8Array): Envelope {
    const sub = p.sub;
    const self = this.core.self!;
    const now = this.core.now();
    const seq = head ? head.seq + 1 : 0;
    const ts = Math.max(now, head?.ts ?? 0);
    let record: LedgerRecord;
    if ('request' in sub) {
      const req = requestOf(p as Pending & { sub: ActorSubmission });
      if (req.author !== self.id) throw new RecordRejected('WRONG_AUTHOR', `request is for ${req.author}, this node is ${self.id}`, req.author, seq);
      // A copy, as a decode would give: the caller's buffer is not the record's.
      const actor: ActorBlock = { id: sub.actor, nonce: req.nonce, at: req.at, sig: sub.sig instanceof Uint8Array ? new Uint8Array(sub.sig) : sub.sig };
      record = { v: 1, net: req.net, author: self.id, seq, epoch: this.core.epoch, ts, kind: req.kind, body: req.body, actor };
      if (req.refs) record.refs = req.refs;
      if (Math.abs(req.at - now) > MAX_SKEW_MS) throw new RecordRejected('ACTOR_CLOCK', `request time is more than 5 minutes from this node's clock`, self.id, seq);
    } else {
      record = { v: 1, net: this.core.net, author: self.id, seq, epoch: this.core.epoch, ts, kind: sub.kind, body: sub.body };
      if (sub.refs) record.refs = sub.refs;
    }
    if (head) record.prev = head.id;
    // The envelope is made with the record (one allocation); seal() writes the signature into it.
    const { bytes, recordBytes, id } = encodeUnsignedEnvelope(record);
    // A node's own body comes from code (it may hold undefined fields the bytes leave out): decoded, as before.
    const checked = 'request' in sub ? checkRecordShape(record as unknown as CborMap) : decodeRecord(recordBytes);
    const env: Envelope = { bytes, recordBytes, sig: UNSIGNED, record: checked, id };
    return acceptRecord(
      {
        net: this.core.net,
        author: self.id,
        now,
        configFor: (e) => this.core.configFor(e),
        actorInForce: (a, id, s) => this.core.actorInForce(a, id, s, tx),
        nonceSeen: (_a, nonce) => nonces.has(nonceSetKey(nonce)),
        verifyRecordSignature: false, // signed by seal() with our own key
        verifyActorSignature: !(verifiedKey && sameKey(verifiedKey, this.core.actorInForce(self.id, record.actor?.id ?? '', seq, tx)?.key)),
      },
      head,
      env,
    );
  }
}

/** The stored hashes, of those in `hashes`, of the perfect subtrees that make up a tree of `size` leaves: the left siblings of every later record. */
function rightEdge(hashes: Map<number, Uint8Array>, size: number): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let level = 0; 2 ** level <= size; level++) {
    if (Math.floor(size / 2 ** level) % 2 === 0) continue;
    const ix = storedHashIndex(level, Math.floor(size / 2 ** level) - 1);
    const h = hashes.get(ix);
    if (h) out.set(ix, h);
  }
  return out;
}

function sameKey(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return !!b && equalBytes(a, b);
}
