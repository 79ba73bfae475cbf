import { concat } from '../protocol/bytes.js';
import { encodeBundle, type Bundle } from '../protocol/bundle/bundle.js';
import { selectBundleRecords } from '../protocol/bundle/select.js';
import { formatTlogProof } from '../protocol/note/tlog-proof.js';
import type { Envelope } from '../protocol/records/record.js';
import { isFinalFor, type Checkpoints, type StoredCheckpoint } from './checkpoints.js';
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
 * The checkpoint an entry's proof uses (§8): the first held checkpoint that
 * made it final (the oldest final one covering it), else the newest covering
 * it. Only sizes this node holds records for can give an inclusion proof.
 */
export function proofCheckpoint(core: LedgerCore, checkpoints: Checkpoints, env: Envelope): StoredCheckpoint | undefined {
  const r = env.record;
  const held = core.size(r.author);
  const covering = checkpoints.list(r.author).filter((cp) => cp.checkpoint.size > r.seq && cp.checkpoint.size <= held);
  const cfg = core.configFor(r.epoch);
  return (cfg && covering.find((cp) => isFinalFor(cp, cfg))) || covering.at(-1);
}

/**
 * Build the §8 bundle for a document: its records and what they depend on,
 * sorted by (author, seq); configs 0..e (this node's newest epoch); each
 * entry with an inclusion proof to the checkpoint `proofCheckpoint` picks.
 */
export async function buildBundle(core: LedgerCore, checkpoints: Checkpoints, doc: Uint8Array): Promise<BuiltBundle> {
  const selected = await selectBundleRecords(await docRecords(core, doc), {
    byId: (id) => core.recordById(id),
    actorRecords: async (author, actorId, seq) => {
      const out: Envelope[] = [];
      for (const v of core.actors.get(author)?.get(actorId) ?? []) {
        if (v.seq >= seq) break;
        const env = await core.envelope(author, v.seq);
        if (env) out.push(env);
      }
      return out;
    },
  });
  const entries: Bundle['entries'] = [];
  const unproven: Envelope[] = [];
  for (const env of selected) {
    const cp = proofCheckpoint(core, checkpoints, env);
    if (!cp) {
      unproven.push(env);
      continue;
    }
    const path = await core.inclusionProof(env.record.author, env.record.seq, cp.checkpoint.size);
    const proof = formatTlogProof({ index: env.record.seq, path, checkpoint: { text: cp.text, sigs: cp.sigs } });
    entries.push({ envelope: env.bytes, proof });
  }
  const bundle: Bundle = { v: 1, net: core.net, subject: doc, configs: core.signedConfigs(), entries };
  return { bundle, bytes: encodeBundle(bundle), unproven };
}
