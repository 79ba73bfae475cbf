import { concat } from '../protocol/bytes.js';
import { encodeBundle, type Bundle } from '../protocol/bundle/bundle.js';
import { selectBundleRecords } from '../protocol/bundle/select.js';
import { formatTlogProof } from '../protocol/note/tlog-proof.js';
import type { Envelope } from '../protocol/records/record.js';
import type { Checkpoints } from './checkpoints.js';
import type { LedgerCore } from './ledger.js';
import { parseLogKey } from './keys.js';
import { caseRecords } from './cases.js';

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
 * configs up to the newest epoch used, and per entry an inclusion proof to
 * the checkpoint §8 names (the first that made it final, when held).
 */
export async function buildBundle(core: LedgerCore, checkpoints: Checkpoints, doc: Uint8Array): Promise<BuiltBundle> {
  return bundleOf(core, checkpoints, doc, await docRecords(core, doc));
}

/**
 * The case bundle (CASES.md §C.6): every record of the case held (any author), the org.actor records behind
 * their actors, the configs with their calendars; entries proven as in document bundles.
 */
export async function buildCaseBundle(core: LedgerCore, checkpoints: Checkpoints, caseId: Uint8Array): Promise<BuiltBundle> {
  return bundleOf(core, checkpoints, caseId, await caseRecords(core, caseId), 'case');
}

async function bundleOf(core: LedgerCore, checkpoints: Checkpoints, subject: Uint8Array, records: Envelope[], about?: 'case'): Promise<BuiltBundle> {
  const selected = await selectBundleRecords(records, {
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
    // Each entry is proven by the first checkpoint that made it final, so the bundle shows when it was witnessed (§8).
    const cp = await checkpoints.forEntry(env.record.author, env.record.seq, env.record.epoch);
    if (!cp) {
      unproven.push(env);
      continue;
    }
    const path = await core.inclusionProof(env.record.author, env.record.seq, cp.checkpoint.size);
    const proof = formatTlogProof({ index: env.record.seq, path, checkpoint: { text: cp.text, sigs: cp.sigs } });
    entries.push({ envelope: env.bytes, proof });
  }
  const bundle: Bundle = { v: 1, net: core.net, subject, configs: core.signedConfigs(), entries };
  if (about) bundle.about = about;
  return { bundle, bytes: encodeBundle(bundle), unproven };
}
