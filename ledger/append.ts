import { concat, equalBytes, toHex } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { decodeRequest, requestDigest, requestSigMessage, type Request } from '../protocol/records/request.js';
import type { VerifyItem } from './verify-pool.js';
import { encodeRecord, sealRecord, type ActorBlock, type Envelope, type Record as LedgerRecord } from '../protocol/records/record.js';
import { acceptRecord, MAX_SKEW_MS, RecordRejected, type LogHead } from '../protocol/records/rules.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { nameKey } from './keys.js';
import { recordOps } from './records.js';
import type { WriteTx } from './writer.js';

/** An official's signed request, as the API receives it. */
export interface ActorSubmission {
  /** Canonical CBOR of the request (§5.3). */
  request: Uint8Array;
  actor: string;
  sig: Uint8Array;
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
}

/** A pending actor request, decoded once (strict canonical CBOR: each decode costs as much as an encode). */
function requestOf(p: Pending & { sub: ActorSubmission }): Request {
  p.req ??= decodeRequest(p.sub.request);
  return p.req;
}

export type AfterCommit = (envs: Envelope[]) => Promise<void>;

/**
 * The node's own log with group commit: requests that arrive while a group is
 * being written wait and go together in the next atomic, durable batch. Each
 * request is validated on its own; one bad request fails alone.
 */
export class OwnLog {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly core: LedgerCore,
    private readonly writeGroup: (build: (tx: WriteTx) => Promise<Envelope[]>) => Promise<Envelope[]>,
  ) {}

  append(sub: Submission): Promise<Appended> {
    if (!this.core.self) return Promise.reject(new LedgerError('NOT_MEMBER', 'this ledger has no key to sign with'));
    return new Promise((resolve, reject) => {
      this.queue.push({ sub, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Requests not yet durable. */
  get backlog(): number {
    return this.queue.length;
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
    try {
      await this.writeGroup(async (tx) => {
        const self = this.core.self!;
        const nonces = await this.usedNonces(group, self.id);
        const verified = await this.preverify(group, self.id);
        const overlay = new Map<number, Uint8Array>();
        let head: LogHead | null = this.core.head(self.id);
        for (const p of group) {
          try {
            const env = this.build(tx, p, head, nonces, verified.get(p));
            tx.ops.push(...(await recordOps(this.core.store, env, overlay)));
            head = { seq: env.record.seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts };
            if (env.record.actor) nonces.add(toHex(env.record.actor.nonce));
            this.core.stageActor(tx, env);
            done.push({ p, env });
          } catch (e) {
            p.reject(e);
          }
        }
        return done.map((d) => d.env);
      });
    } catch (e) {
      for (const d of done) d.p.reject(e);
      return;
    }
    for (const d of done) d.p.resolve({ id: d.env.id, seq: d.env.record.seq, envelope: d.env });
  }

  private async usedNonces(group: Pending[], author: string): Promise<Set<string>> {
    const keys: Uint8Array[] = [];
    const hexes: string[] = [];
    for (const p of group) {
      if (!('request' in p.sub)) continue;
      try {
        const nonce = requestOf(p as Pending & { sub: ActorSubmission }).nonce;
        keys.push(concat(nameKey(author), nonce));
        hexes.push(toHex(nonce));
      } catch {
        // reported by build()
      }
    }
    const got = await this.core.store.getMany('nonce', keys);
    return new Set(hexes.filter((_, i) => got[i] !== undefined));
  }

  /** Actor signatures of the group checked up front (on the worker pool): pending → key it verified under. */
  private async preverify(group: Pending[], author: string): Promise<Map<Pending, Uint8Array>> {
    const out = new Map<Pending, Uint8Array>();
    if (!this.core.pool) return out;
    const items: VerifyItem[] = [];
    const who: [Pending, Uint8Array][] = [];
    const seq = this.core.size(author);
    for (const p of group) {
      if (!('request' in p.sub)) continue;
      const key = this.core.actorInForce(author, p.sub.actor, seq)?.key;
      if (!key || p.sub.sig.length !== 64) continue;
      items.push([key, requestSigMessage(requestDigest(p.sub.request)), p.sub.sig]);
      who.push([p, key]);
    }
    (await this.core.pool.verify(items)).forEach((ok, i) => ok && out.set(who[i]![0], who[i]![1]));
    return out;
  }

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
      const actor: ActorBlock = { id: sub.actor, nonce: req.nonce, at: req.at, sig: sub.sig };
      record = { v: 1, net: req.net, author: self.id, seq, epoch: this.core.epoch, ts, kind: req.kind, body: req.body, actor };
      if (req.refs) record.refs = req.refs;
      if (Math.abs(req.at - now) > MAX_SKEW_MS) throw new RecordRejected('ACTOR_CLOCK', `request time is more than 5 minutes from this node's clock`, self.id, seq);
    } else {
      record = { v: 1, net: this.core.net, author: self.id, seq, epoch: this.core.epoch, ts, kind: sub.kind, body: sub.body };
      if (sub.refs) record.refs = sub.refs;
    }
    if (head) record.prev = head.id;
    const env = sealRecord(encodeRecord(record), self.signer);
    return acceptRecord(
      {
        net: this.core.net,
        author: self.id,
        now,
        configFor: (e) => this.core.configFor(e),
        actorInForce: (a, id, s) => this.core.actorInForce(a, id, s, tx),
        nonceSeen: (_a, nonce) => nonces.has(toHex(nonce)),
        verifyRecordSignature: false, // signed just above with our own key
        verifyActorSignature: !(verifiedKey && sameKey(verifiedKey, this.core.actorInForce(self.id, record.actor?.id ?? '', seq, tx)?.key)),
      },
      head,
      env,
    );
  }
}

function sameKey(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return !!b && equalBytes(a, b);
}
