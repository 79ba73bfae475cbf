import { concat, equalBytes } from '../protocol/bytes.js';
import { verify } from '../protocol/crypto.js';
import { decodeEnvelope, recordSigMessage, type Envelope } from '../protocol/records/record.js';
import { requestDigest, requestSigMessage } from '../protocol/records/request.js';
import { requestBytesOfRecordBytes } from '../protocol/records/request-bytes.js';
import type { OrgActorBody } from '../protocol/records/kinds.js';
import type { VerifyItem } from './verify-pool.js';
import { acceptRecord, RecordRejected, type LogHead } from '../protocol/records/rules.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { nameKey, nonceSetKey } from './keys.js';
import { recordOps } from './records.js';
import type { Op } from './store.js';
import type { WriteTx } from './writer.js';

export interface ForeignResult {
  /** Records newly stored. */
  accepted: number;
  /** Records already held (same id), skipped. */
  duplicates: number;
  head: LogHead | null;
}

export interface ForkFound {
  author: string;
  seq: number;
  a: Uint8Array;
  b: Uint8Array;
}

/**
 * A batch decoded and its record and actor signatures handed to the worker
 * pool in chunks, before the write lock is taken: validation under the lock
 * (foreignOps) starts on the first chunk's verdicts while the workers check
 * the rest, and the next batch can be prepared while this one is written.
 * Verdicts only let the rules skip a check made with the very key they would
 * use; anything not verified here is verified by the rules themselves.
 */
export interface PreparedBatch {
  bytes: Uint8Array[];
  decoded: (Envelope | undefined)[];
  /** Per record: the author key the record signature verified under, if it did. */
  recordKey: (Uint8Array | undefined)[];
  /** Per record: the actor key the actor signature verified under, if it did. */
  actorKey: (Uint8Array | undefined)[];
  /** Records per chunk, and per chunk a promise settled once its verdicts are in. */
  chunk: number;
  ready: Promise<void>[];
  /** Settled once every record of the batch is decoded (its verdicts may still be on the way). */
  decodedAll: Promise<void>;
  /** org.actor keys this batch introduces, by actor id: a later batch's actor signatures are sent under them. */
  actors: Map<string, { seq: number; key: Uint8Array }[]>;
  /** The batch before this one, perhaps still being decoded: the keys it introduces are looked up live too (dropped once this one is decoded). */
  after?: Pick<PreparedBatch, 'actors'>;
}

/**
 * Decode `batch` and send its signatures to the pool (when the ledger has
 * one). `after` is the batch just before it, not yet written: the org.actor
 * keys it introduces count for this one's actor signatures. `minParallel`:
 * chunks below this many signatures are checked on the calling thread.
 *
 * Chunks are decoded one per turn of the event loop: the pool hands a worker
 * its next message only when the main thread is back in the event loop, so
 * decoding a whole batch in one go left the workers idle once their first
 * messages were done.
 */
export function prepareForeign(core: LedgerCore, author: string, batch: Uint8Array[], after?: Pick<PreparedBatch, 'actors'>, minParallel?: number): PreparedBatch {
  const n = batch.length;
  const chunk = Math.max(1, core.limits.foreignChunk);
  const chunks = Math.ceil(n / chunk);
  const settle: (() => void)[] = [];
  let allDecoded = () => {};
  const out: PreparedBatch = {
    bytes: batch,
    decoded: new Array(n).fill(undefined),
    recordKey: new Array(n).fill(undefined),
    actorKey: new Array(n).fill(undefined),
    chunk,
    ready: Array.from({ length: chunks }, (_, c) => new Promise<void>((resolve) => (settle[c] = resolve))),
    actors: new Map([...(after?.actors ?? [])].map(([id, v]) => [id, [...v]])),
    decodedAll: new Promise<void>((resolve) => (allDecoded = resolve)),
    after,
  };
  const next = core.size(author);
  void (async () => {
    let c = 0;
    try {
      for (; c < chunks; c++) {
        if (c > 0) await nextTurn();
        const verdicts = prepareChunk(core, author, out, c * chunk, Math.min(n, (c + 1) * chunk), next, minParallel);
        // A pool that fails (a worker gone) leaves every check of the chunk to the rules.
        verdicts.then(settle[c], settle[c]);
      }
    } catch {
      // Whatever was not decoded or verified here is decoded and verified by the rules.
      for (; c < chunks; c++) settle[c]!();
    }
    out.after = undefined;
    allDecoded();
  })();
  return out;
}

/** Records [from, to) of a prepared batch decoded and their signatures sent to the pool; settles once the verdicts are in. */
function prepareChunk(core: LedgerCore, author: string, out: PreparedBatch, from: number, to: number, next: number, minParallel?: number): Promise<void> {
  const pool = core.pool;
  // Record signatures first, then actor ones: runs of one key, so a worker reuses the key object it just built.
  const items: VerifyItem[] = [];
  const where: [number, 'record' | 'actor', Uint8Array][] = [];
  const actorItems: VerifyItem[] = [];
  const actorWhere: [number, 'record' | 'actor', Uint8Array][] = [];
  for (let i = from; i < to; i++) {
    const env = (out.decoded[i] = decodeOrUndefined(out.bytes[i]!));
    if (!pool || !env || env.record.author !== author || env.record.seq < next) continue;
    const r = env.record;
    const key = authorKey(core, author, r.epoch);
    if (key) {
      items.push([key, recordSigMessage(env.id), env.sig]);
      where.push([i, 'record', key]);
    }
    if (r.actor) {
      const id = r.actor.id;
      const local = latestBefore(r.seq, out.actors.get(id), out.after?.actors.get(id));
      const k = local?.key ?? core.actorInForce(author, r.actor.id, r.seq)?.key;
      if (k) {
        actorItems.push([k, requestSigMessage(requestDigest(requestBytesOfRecordBytes(env.recordBytes))), r.actor.sig]);
        actorWhere.push([i, 'actor', k]);
      }
    }
    if (r.kind === 'org.actor') {
      const b = r.body as unknown as OrgActorBody;
      if (b.key instanceof Uint8Array) out.actors.set(b.id, [...(out.actors.get(b.id) ?? []), { seq: r.seq, key: b.key }]);
    }
  }
  items.push(...actorItems);
  where.push(...actorWhere);
  if (!pool || items.length === 0) return Promise.resolve();
  return pool.verify(items, minParallel).then((ok) =>
    ok.forEach((v, j) => {
      if (!v) return;
      const [i, what, k] = where[j]!;
      if (what === 'record') out.recordKey[i] = k;
      else out.actorKey[i] = k;
    }),
  );
}

/** The key introduced last before `seq` in either list. */
function latestBefore(seq: number, ...lists: ({ seq: number; key: Uint8Array }[] | undefined)[]): { seq: number; key: Uint8Array } | undefined {
  let best: { seq: number; key: Uint8Array } | undefined;
  for (const list of lists) for (const v of list ?? []) if (v.seq < seq && (!best || v.seq > best.seq)) best = v;
  return best;
}

/** One turn of the event loop (the pool's answers and dispatches run in between). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A bad envelope is left for the rules to name (acceptRecord decodes the bytes again and says why). */
function decodeOrUndefined(bytes: Uint8Array): Envelope | undefined {
  try {
    return decodeEnvelope(bytes);
  } catch {
    return undefined;
  }
}

function authorKey(core: LedgerCore, author: string, epoch: number): Uint8Array | undefined {
  return core.configFor(epoch)?.members.find((m) => m.id === author)?.key;
}

/**
 * Validate a prepared range of another member's envelopes in order and
 * build the ops that store them. The first bad one stops the range: what
 * came before it is stored, nothing after it, and the error names author,
 * seq and rule. A validly signed envelope that differs from the one held for
 * its seq is a fork, returned to the caller for evidence.
 */
export async function foreignOps(
  core: LedgerCore,
  tx: WriteTx,
  author: string,
  prepared: PreparedBatch,
  head: LogHead | null,
  /** Stored hashes of the batch's records as they are built (a caller may read the new tree from them). */
  overlay = new Map<number, Uint8Array>(),
): Promise<{ ops: Op[]; envs: Envelope[]; head: LogHead | null; duplicates: number; error?: unknown; fork?: ForkFound }> {
  const ops: Op[] = [];
  const envs: Envelope[] = [];
  let duplicates = 0;
  const { bytes: batch, decoded } = prepared;
  // Stored nonces looked up once for the whole batch (one LevelDB call; many small ones cost more on the main thread).
  await prepared.decodedAll;
  const nonceKeys = decoded.filter((e) => e?.record.actor).map((e) => concat(nameKey(author), e!.record.actor!.nonce));
  const nonceHits = await core.store.getMany('nonce', nonceKeys);
  const used = new Set(nonceKeys.filter((_, i) => nonceHits[i] !== undefined).map((k) => nonceSetKey(k.subarray(k.length - 16))));
  const ctx = {
    net: core.net,
    author,
    now: core.now(),
    configFor: (e: number) => core.configFor(e),
    actorInForce: (a: string, id: string, s: number) => core.actorInForce(a, id, s, tx),
    nonceSeen: (_a: string, n: Uint8Array) => used.has(nonceSetKey(n)),
  };
  for (let i = 0; i < batch.length; i++) {
    if (i % prepared.chunk === 0) {
      // A turn of the event loop per chunk even when its verdicts are in: the pool dispatches the next chunks then.
      await Promise.all([prepared.ready[i / prepared.chunk], nextTurn()]);
    }
    const env = decoded[i];
    const next = head ? head.seq + 1 : 0;
    const a = env?.record.actor;
    const actorKey = a ? core.actorInForce(author, a.id, env!.record.seq, tx)?.key : undefined;
    const recordKey = env && authorKey(core, author, env.record.epoch);
    const checked = {
      ...ctx,
      verifyRecordSignature: !(prepared.recordKey[i] && recordKey && equalBytes(recordKey, prepared.recordKey[i]!)),
      verifyActorSignature: !(prepared.actorKey[i] && actorKey && equalBytes(actorKey, prepared.actorKey[i]!)),
    };
    try {
      if (env && env.record.author === author && env.record.seq < next) {
        const held = await core.envelope(author, env.record.seq);
        if (held && equalBytes(held.id, env.id)) {
          duplicates++;
          continue;
        }
        const key = recordKey;
        if (held && key && verify(key, recordSigMessage(env.id), env.sig)) {
          return { ops, envs, head, duplicates, fork: { author, seq: env.record.seq, a: held.bytes, b: env.bytes } };
        }
      }
      const ok = acceptRecord(checked, head, env ?? batch[i]!);
      ops.push(...(await recordOps(core.store, ok, overlay)));
      envs.push(ok);
      if (ok.record.actor) used.add(nonceSetKey(ok.record.actor.nonce));
      core.stageActor(tx, ok);
      head = { seq: ok.record.seq, id: ok.id, epoch: ok.record.epoch, ts: ok.record.ts };
    } catch (e) {
      if (e instanceof RecordRejected || e instanceof LedgerError) return { ops, envs, head, duplicates, error: e };
      return { ops, envs, head, duplicates, error: new RecordRejected('ENVELOPE', (e as Error).message, author, next) };
    }
  }
  return { ops, envs, head, duplicates };
}
