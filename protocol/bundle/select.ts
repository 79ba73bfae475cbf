import { toHex } from '../bytes.js';
import type { Envelope } from '../records/record.js';

/** Where the bundle builder finds the records a document's records depend on. */
export interface BundleResolver {
  /** A record by id (refs). */
  byId(id: Uint8Array): Envelope | undefined | Promise<Envelope | undefined>;
  /** Every `org.actor` record for `actorId` before `seq` in `author`'s log, so the one in force can be seen (§8). */
  actorRecords(author: string, actorId: string, seq: number): readonly Envelope[] | Promise<readonly Envelope[]>;
}

export const byAuthorSeq = (a: Envelope, b: Envelope) => (a.record.author < b.record.author ? -1 : a.record.author > b.record.author ? 1 : a.record.seq - b.record.seq);

/**
 * The entries of a bundle (§8): each record about the document, what it
 * refers to (the `doc.register` an approval decides on, the `doc.share` an
 * access relies on), and for each actor every `org.actor` record of that id
 * up to the record, with the records that authorise those in turn, back to
 * each log's first record. Sorted by (author, seq), without duplicates.
 */
export async function selectBundleRecords(docRecords: Envelope[], resolver: BundleResolver): Promise<Envelope[]> {
  const out = new Map<string, Envelope>();
  const queue = [...docRecords];
  for (let env = queue.pop(); env; env = queue.pop()) {
    const key = toHex(env.id);
    if (out.has(key)) continue;
    out.set(key, env);
    const r = env.record;
    if (r.actor) queue.push(...(await resolver.actorRecords(r.author, r.actor.id, r.seq)));
    for (const ref of r.refs ?? []) {
      const x = await resolver.byId(ref);
      if (x) queue.push(x);
    }
  }
  return [...out.values()].sort(byAuthorSeq);
}
