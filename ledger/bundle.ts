import { concat } from '../protocol/bytes.js';
import { encodeBundle, type Bundle } from '../protocol/bundle/bundle.js';
import { selectBundleRecords } from '../protocol/bundle/select.js';
import { formatTlogProof } from '../protocol/note/tlog-proof.js';
import type { Envelope } from '../protocol/records/record.js';
import type { Checkpoints, StoredCheckpoint } from './checkpoints.js';
import type { LedgerCore } from './ledger.js';
import { parseLogKey } from './keys.js';

/** Every record about a document, across all logs, in (author, seq) order. */
export async function docRecords(core: LedgerCore, doc: Uint8Array): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const k of core.store.keys('doc', { gte: concat(doc, new Uint8Array(0)), lt: concat(doc, Uint8Array.of(0xff)) })) {
    const { author, n } = parseLogKey(k.subarray(32));
    const env = await core.envelope(author, n);
    if (env) out.push(env);
  }
  return out;
}

export interface BuiltBundle {
  bundle: Bundle;
  bytes: Uint8Array;
  /** Records left out because no checkpoint of their log covers them yet. */
  unproven: Envelope[];
}

/**
 * Build the §8 bundle for a document: its records, what they depend on, the
 * configs up to the newest epoch used, and per log the best checkpoint
 * covering the records taken from it, with an inclusion proof per entry.
 */
export async function buildBundle(core: LedgerCore, checkpoints: Checkpoints, doc: Uint8Array): Promise<BuiltBundle> {
  const selected = await selectBundleRecords(await docRecords(core, doc), {
    byId: (id) => core.recordById(id),
    actorRecord: async (author, actorId, seq) => {
      const s = core.actorSeq(author, actorId, seq);
      return s === undefined ? undefined : core.envelope(author, s);
    },
  });
  const chosen = new Map<string, StoredCheckpoint | undefined>();
  for (const env of selected) {
    const a = env.record.author;
    if (chosen.has(a)) continue;
    const mine = selected.filter((e) => e.record.author === a);
    const maxSeq = Math.max(...mine.map((e) => e.record.seq));
    const maxEpoch = Math.max(...mine.map((e) => e.record.epoch));
    chosen.set(a, checkpoints.best(a, maxSeq + 1, maxEpoch));
  }
  const entries: Bundle['entries'] = [];
  const unproven: Envelope[] = [];
  let maxEpoch = 0;
  for (const env of selected) {
    const cp = chosen.get(env.record.author);
    if (!cp) {
      unproven.push(env);
      continue;
    }
    const path = await core.inclusionProof(env.record.author, env.record.seq, cp.checkpoint.size);
    const proof = formatTlogProof({ index: env.record.seq, path, checkpoint: { text: cp.text, sigs: cp.sigs } });
    entries.push({ envelope: env.bytes, proof });
    maxEpoch = Math.max(maxEpoch, env.record.epoch);
  }
  const bundle: Bundle = { v: 1, net: core.net, subject: doc, configs: core.signedConfigs(maxEpoch), entries };
  return { bundle, bytes: encodeBundle(bundle), unproven };
}
