import { toHex } from '../bytes.js';
import type { Envelope } from '../records/record.js';

/** Where the bundle builder finds the records a document's records depend on. */
export interface BundleResolver {
  /** A record by id (refs). */
  byId(id: Uint8Array): Envelope | undefined | Promise<Envelope | undefined>;
  /** The `org.actor` in force for `actorId` before `seq` in `author`'s log. */
  actorRecord(author: string, actorId: string, seq: number): Envelope | undefined | Promise<Envelope | undefined>;
}

const byAuthorSeq = (a: Envelope, b: Envelope) =>
  a.record.author < b.record.author ? -1 : a.record.author > b.record.author ? 1 : a.record.seq - b.record.seq;

/**
 * The entries of a bundle, in order (§8): each record about the document,
 * taken by (author, seq), followed depth-first by what it depends on that is
 * not yet in: the `org.actor` chain of its actor, then the records it refers
 * to (the `doc.register` an approval decides on, the `doc.share` an access
 * relies on). This order reproduces vectors/consortium.json's bundle.
 */
export async function selectBundleRecords(docRecords: Envelope[], resolver: BundleResolver): Promise<Envelope[]> {
  const out: Envelope[] = [];
  const seen = new Set<string>();
  const visit = async (env: Envelope | undefined): Promise<void> => {
    if (!env) return;
    const key = toHex(env.id);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(env);
    const r = env.record;
    if (r.actor) await visit(await resolver.actorRecord(r.author, r.actor.id, r.seq));
    for (const ref of r.refs ?? []) await visit(await resolver.byId(ref));
  };
  for (const env of [...docRecords].sort(byAuthorSeq)) await visit(env);
  return out;
}
