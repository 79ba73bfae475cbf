import { equalBytes } from '../../protocol/bytes.js';
import { caseIdOf, CASE_KINDS } from '../../protocol/cases/index.js';
import type { Envelope } from '../../protocol/records/record.js';
import type { Ledger } from '../../ledger/index.js';
import { parsePairKey, prefixRange } from '../../ledger/keys.js';

/** Every record held for one case: its case.open and the case records whose refs[0] is it (the events service's only view of cases). */
export type CaseRecordsOf = (caseId: Uint8Array) => Promise<Envelope[]>;

/**
 * The simplest honest CaseRecordsOf: a scan of the ledger's `kind` index over
 * every case.* kind, keeping the records of this case. O(case records held)
 * per call; to be swapped for the ledger's case index (one range read) where
 * the ledger has one.
 */
export function scanCaseRecords(ledger: Pick<Ledger, 'store' | 'envelope'>): CaseRecordsOf {
  return async (caseId) => {
    const out: Envelope[] = [];
    for (const kind of CASE_KINDS) {
      for await (const k of ledger.store.keys('kind', prefixRange(kind))) {
        const { b, n } = parsePairKey(k);
        const env = await ledger.envelope(b, n);
        const id = env && caseIdOf(env);
        if (env && id && equalBytes(id, caseId)) out.push(env);
      }
    }
    return out;
  };
}
