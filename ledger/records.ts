import { concat } from '../protocol/bytes.js';
import type { OrgActorBody } from '../protocol/records/kinds.js';
import type { Envelope } from '../protocol/records/record.js';
import { storedHashCount, storedHashesFrom, storedHashesNeeded } from '../protocol/merkle/tlog.js';
import { encodeHead, encodeSeq } from './codec.js';
import { hashReader } from './hashes.js';
import { logKey, nameKey, pairKey } from './keys.js';
import { EMPTY, type Op, type Store } from './store.js';

/**
 * The ops that store one accepted record with its stored hashes and index
 * entries. `overlay` carries the stored hashes of earlier records of the same
 * group (keyed by stored-hash index) so a group needs no reads of its own
 * writes.
 */
/** The head of a log after `env`: written once per log and group, after its records. */
export function headOp(store: Store, env: Envelope): Op {
  const r = env.record;
  return store.put('head', nameKey(r.author), encodeHead({ seq: r.seq, id: env.id, epoch: r.epoch, ts: r.ts }));
}

export async function recordOps(store: Store, env: Envelope, overlay: Map<number, Uint8Array>): Promise<Op[]> {
  const have = await hashReader(store, env.record.author, overlay).readHashes(storedHashesNeeded(env.record.seq));
  return opsOf(store, env, have, overlay);
}

/**
 * recordOps without a read or an await, when every stored hash the record needs is in `overlay` (every record of
 * a group but the first, and the first too when the group before left its right edge): undefined otherwise.
 */
export function recordOpsNow(store: Store, env: Envelope, overlay: Map<number, Uint8Array>): Op[] | undefined {
  const have: Uint8Array[] = [];
  for (const ix of storedHashesNeeded(env.record.seq)) {
    const h = overlay.get(ix);
    if (!h) return undefined;
    have.push(h);
  }
  return opsOf(store, env, have, overlay);
}

function opsOf(store: Store, env: Envelope, have: Uint8Array[], overlay: Map<number, Uint8Array>): Op[] {
  const r = env.record;
  const a = r.author;
  const fresh = storedHashesFrom(r.seq, env.id, have);
  const ops: Op[] = [store.put('env', logKey(a, r.seq), env.bytes), store.put('rid', env.id, logKey(a, r.seq))];
  const base = storedHashCount(r.seq); // index of the first stored hash of record seq
  fresh.forEach((h, i) => {
    overlay.set(base + i, h);
    ops.push(store.put('hash', logKey(a, base + i), h));
  });
  const doc = r.body.doc;
  if (r.kind.startsWith('doc.') && doc instanceof Uint8Array && doc.length === 32) ops.push(store.put('doc', concat(doc, logKey(a, r.seq)), EMPTY));
  if (r.kind === 'org.actor') ops.push(store.put('actor', pairKey(a, (r.body as unknown as OrgActorBody).id, r.seq), EMPTY));
  if (r.actor) {
    ops.push(store.put('byActor', pairKey(a, r.actor.id, r.seq), EMPTY));
    ops.push(store.put('nonce', concat(nameKey(a), r.actor.nonce), encodeSeq(r.seq)));
  }
  ops.push(store.put('kind', pairKey(r.kind, a, r.seq), EMPTY));
  return ops;
}
