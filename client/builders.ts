import type { CborMap } from '../protocol/cbor.js';
import type {
  CaseAcceptBody,
  CaseClockBody,
  CaseCloseBody,
  CaseDeliverBody,
  CaseEvaluateBody,
  CaseHandoffBody,
  CaseOpenBody,
  CaseReceiptBody,
  CaseStepBody,
  CaseSuperviseBody,
} from '../protocol/cases/schema.js';
import {
  checkBody,
  type DocAccessBody,
  type DocApproveBody,
  type DocRegisterBody,
  type DocRevokeBody,
  type DocShareBody,
  type EvidenceForkBody,
  type GovApproveBody,
  type GovProposeBody,
  type Kind,
  type OrgActorBody,
} from '../protocol/records/kinds.js';

/** The body of each record kind (PROTOCOL.md §5.2, CASES.md §C.3), as protocol/ defines it. */
export interface BodyOf {
  'org.actor': OrgActorBody;
  'doc.register': DocRegisterBody;
  'doc.approve': DocApproveBody;
  'doc.revoke': DocRevokeBody;
  'doc.share': DocShareBody;
  'doc.access': DocAccessBody;
  'gov.propose': GovProposeBody;
  'gov.approve': GovApproveBody;
  'evidence.fork': EvidenceForkBody;
  'case.open': CaseOpenBody;
  'case.handoff': CaseHandoffBody;
  'case.receipt': CaseReceiptBody;
  'case.accept': CaseAcceptBody;
  'case.clock': CaseClockBody;
  'case.step': CaseStepBody;
  'case.close': CaseCloseBody;
  'case.deliver': CaseDeliverBody;
  'case.evaluate': CaseEvaluateBody;
  'case.supervise': CaseSuperviseBody;
}

/** What an actor asks a node to record, before the node picks nonce and time: kind, body, refs. */
export interface RecordRequest<K extends string = string> {
  kind: K;
  body: CborMap;
  refs?: Uint8Array[];
}

/**
 * A request of a known kind, its body checked against the kind's schema now
 * (protocol's checkBody: the same rule the node applies), so a mistake is a
 * ProtocolError BODY_INVALID naming the field before anything is signed.
 */
export function build<K extends Kind>(kind: K, body: BodyOf[K], refs?: Uint8Array[]): RecordRequest<K> {
  const b = body as unknown as CborMap;
  checkBody(kind, b, refs);
  return refs && refs.length > 0 ? { kind, body: b, refs } : { kind, body: b };
}

/** One builder per kind: `builders.docRegister({...})`; case kinds after the case (and for a receipt, the handoff). */
export const builders = {
  orgActor: (b: OrgActorBody) => build('org.actor', b),
  docRegister: (b: DocRegisterBody) => build('doc.register', b),
  /** `register`: the id of the doc.register record. */
  docApprove: (b: DocApproveBody, register: Uint8Array) => build('doc.approve', b, [register]),
  docRevoke: (b: DocRevokeBody, register: Uint8Array) => build('doc.revoke', b, [register]),
  docShare: (b: DocShareBody, refs?: Uint8Array[]) => build('doc.share', b, refs),
  docAccess: (b: DocAccessBody, refs?: Uint8Array[]) => build('doc.access', b, refs),
  govPropose: (b: GovProposeBody) => build('gov.propose', b),
  govApprove: (b: GovApproveBody) => build('gov.approve', b),
  caseOpen: (b: CaseOpenBody) => build('case.open', b),
  caseHandoff: (caseId: Uint8Array, b: CaseHandoffBody) => build('case.handoff', b, [caseId]),
  caseReceipt: (caseId: Uint8Array, handoff: Uint8Array, b: CaseReceiptBody) => build('case.receipt', b, [caseId, handoff]),
  caseAccept: (caseId: Uint8Array, b: CaseAcceptBody) => build('case.accept', b, [caseId]),
  caseClock: (caseId: Uint8Array, b: CaseClockBody) => build('case.clock', b, [caseId]),
  caseStep: (caseId: Uint8Array, b: CaseStepBody) => build('case.step', b, [caseId]),
  caseClose: (caseId: Uint8Array, b: CaseCloseBody) => build('case.close', b, [caseId]),
  caseDeliver: (caseId: Uint8Array, b: CaseDeliverBody) => build('case.deliver', b, [caseId]),
  caseEvaluate: (caseId: Uint8Array, b: CaseEvaluateBody) => build('case.evaluate', b, [caseId]),
  caseSupervise: (caseId: Uint8Array, b: CaseSuperviseBody) => build('case.supervise', b, [caseId]),
} as const;
