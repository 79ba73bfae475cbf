import type { Envelope } from '../../protocol/records/record.js';

/** Every record held for one case: its case.open and the case records that refer to it (the events service's only view of cases). */
export type CaseRecordsOf = (caseId: Uint8Array) => Promise<Envelope[]>;
