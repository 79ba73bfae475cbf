import { concat, equalBytes, toHex } from '../protocol/bytes.js';
import { verify } from '../protocol/crypto.js';
import { decodeEnvelope, recordSigMessage, type Envelope } from '../protocol/records/record.js';
import { encodeRequest, requestDigest, requestOfRecord, requestSigMessage } from '../protocol/records/request.js';
import type { OrgActorBody } from '../protocol/records/kinds.js';
import type { VerifyItem } from './verify-pool.js';
import { acceptRecord, RecordRejected, type LogHead } from '../protocol/records/rules.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { nameKey } from './keys.js';
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
 * Validate a range of another member's envelopes in order and store them in
 * batches. The first bad one stops the range: what came before it is
 * stored, nothing after it, and the error names author, seq and rule. A
 * validly signed envelope that differs from the one held for its seq is a
 * fork, returned to the caller for evidence.
 */
export async function foreignOps(
  core: LedgerCore,
  tx: WriteTx,
  author: string,
  batch: Uint8Array[],
  head: LogHead | null,
): Promise<{ ops: Op[]; envs: Envelope[]; head: LogHead | null; duplicates: number; error?: unknown; fork?: ForkFound }> {
  const ops: Op[] = [];
  const envs: Envelope[] = [];
  const overlay = new Map<number, Uint8Array>();
  let duplicates = 0;
  const decoded: (Envelope | undefined)[] = batch.map((b) => {
    try {
      return decodeEnvelope(b);
    } catch {
      return undefined;
    }
  });
  const nonceKeys = decoded.filter((e) => e?.record.actor).map((e) => concat(nameKey(author), e!.record.actor!.nonce));
  const nonceHits = await core.store.getMany('nonce', nonceKeys);
  const used = new Set(nonceKeys.filter((_, i) => nonceHits[i] !== undefined).map((k) => toHex(k.subarray(k.length - 16))));
  const pre = await preverify(core, author, decoded, head);
  const ctx = {
    net: core.net,
    author,
    now: core.now(),
    configFor: (e: number) => core.configFor(e),
    actorInForce: (a: string, id: string, s: number) => core.actorInForce(a, id, s, tx),
    nonceSeen: (_a: string, n: Uint8Array) => used.has(toHex(n)),
  };
  for (let i = 0; i < batch.length; i++) {
    const env = decoded[i];
    const next = head ? head.seq + 1 : 0;
    const a = env?.record.actor;
    const actorKey = a ? core.actorInForce(author, a.id, env!.record.seq, tx)?.key : undefined;
    const checked = {
      ...ctx,
      verifyRecordSignature: !pre.record[i],
      verifyActorSignature: !(pre.actor[i] && actorKey && equalBytes(actorKey, pre.actor[i]!)),
    };
    try {
      if (env && env.record.author === author && env.record.seq < next) {
        const held = await core.envelope(author, env.record.seq);
        if (held && equalBytes(held.id, env.id)) {
          duplicates++;
          continue;
        }
        const key = core.configFor(env.record.epoch)?.members.find((m) => m.id === author)?.key;
        if (held && key && verify(key, recordSigMessage(env.id), env.sig)) {
          return { ops, envs, head, duplicates, fork: { author, seq: env.record.seq, a: held.bytes, b: env.bytes } };
        }
      }
      const ok = acceptRecord(checked, head, env ?? batch[i]!);
      ops.push(...(await recordOps(core.store, ok, overlay)));
      envs.push(ok);
      if (ok.record.actor) used.add(toHex(ok.record.actor.nonce));
      core.stageActor(tx, ok);
      head = { seq: ok.record.seq, id: ok.id, epoch: ok.record.epoch, ts: ok.record.ts };
    } catch (e) {
      if (e instanceof RecordRejected || e instanceof LedgerError) return { ops, envs, head, duplicates, error: e };
      return { ops, envs, head, duplicates, error: new RecordRejected('ENVELOPE', (e as Error).message, author, next) };
    }
  }
  return { ops, envs, head, duplicates };
}

/**
 * Check the batch's record and actor signatures up front, on the worker pool
 * when there is one. Returns, per position, whether the record signature
 * verified and the actor key under which the actor signature verified; the
 * rules then skip only those exact checks.
 */
async function preverify(core: LedgerCore, author: string, decoded: (Envelope | undefined)[], head: LogHead | null): Promise<{ record: boolean[]; actor: (Uint8Array | undefined)[] }> {
  const record: boolean[] = new Array(decoded.length).fill(false);
  const actor: (Uint8Array | undefined)[] = new Array(decoded.length).fill(undefined);
  if (!core.pool) return { record, actor };
  const items: VerifyItem[] = [];
  const where: [number, 'record' | 'actor', Uint8Array?][] = [];
  const overlay = new Map<string, { seq: number; key: Uint8Array }[]>();
  const next = head ? head.seq + 1 : 0;
  decoded.forEach((env, i) => {
    if (!env || env.record.author !== author || env.record.seq < next) return;
    const r = env.record;
    const key = core.configFor(r.epoch)?.members.find((m) => m.id === author)?.key;
    if (key) {
      items.push([key, recordSigMessage(env.id), env.sig]);
      where.push([i, 'record']);
    }
    if (r.actor) {
      const local = overlay
        .get(r.actor.id)
        ?.filter((v) => v.seq < r.seq)
        .at(-1);
      const k = local?.key ?? core.actorInForce(author, r.actor.id, r.seq)?.key;
      if (k) {
        items.push([k, requestSigMessage(requestDigest(encodeRequest(requestOfRecord(r)))), r.actor.sig]);
        where.push([i, 'actor', k]);
      }
    }
    if (r.kind === 'org.actor') {
      const b = r.body as unknown as OrgActorBody;
      if (b.key instanceof Uint8Array) overlay.set(b.id, [...(overlay.get(b.id) ?? []), { seq: r.seq, key: b.key }]);
    }
  });
  const ok = await core.pool.verify(items);
  ok.forEach((v, j) => {
    if (!v) return;
    const [i, what, k] = where[j]!;
    if (what === 'record') record[i] = true;
    else actor[i] = k;
  });
  return { record, actor };
}
