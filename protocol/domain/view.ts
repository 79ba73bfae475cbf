import type { Config } from '../config/config.js';
import type { Envelope } from '../records/record.js';
import type { ActorInForce } from '../records/rules.js';

/** An actor id of a member that enrolled a given key, and the org.actor record that did it. */
export interface KeyHolder {
  actorId: string;
  seq: number;
  /** Id of that org.actor record, when the view has it at hand. */
  record?: Uint8Array;
}

/** A counted governance approval of one config by one member. */
export interface GovVote {
  member: string;
  /** Id of the gov.approve record that carries it, when the view has it at hand. */
  record?: Uint8Array;
}

/**
 * The read-only questions the domain rules ask of a ledger. Implemented over
 * a node's store (node API, before appending) and over a bundle's entries
 * (the verifier, when it reports). Every method is synchronous: an
 * implementation over a store loads what one request needs first.
 */
export interface LedgerView {
  /** Config of an epoch, if known. */
  configFor(epoch: number): Config | undefined;
  /** Records about a document (doc.* kinds) held so far, any order. Ones that break a rule are filtered by the rules themselves. */
  docRecords(doc: Uint8Array): readonly Envelope[];
  /** The org.actor in force for `actorId` before `seq` in `author`'s log. */
  actorInForce(author: string, actorId: string, seq: number): ActorInForce | undefined;
  /** Id of the org.actor record in force for `actorId` before `seq` in `author`'s log (what a change of that actor names as `prev`). */
  actorRecord(author: string, actorId: string, seq: number): Uint8Array | undefined;
  /** Actor ids of `author` that enrolled `key` in an org.actor record before `seq`. */
  keyHolders(author: string, key: Uint8Array, seq: number): readonly KeyHolder[];
  /** Counted approvals of config `id`. */
  govVotes(id: Uint8Array): readonly GovVote[];
  /** Whether config `id` is already part of the chain. */
  adopted(id: Uint8Array): boolean;
  /**
   * The case.open with id `caseId` and every case record whose refs[0] is it,
   * held so far, any order (CASES.md §C.4). Optional until the ledger indexes
   * cases: without it (or caseBySerial) the rules refuse case kinds with
   * CASES_UNSUPPORTED rather than let them through unchecked.
   */
  caseRecords?(caseId: Uint8Array): readonly Envelope[];
  /** The id of `author`'s case.open with this `serial`, if held (duplicate serials, §C.4). */
  caseBySerial?(author: string, serial: string): Uint8Array | undefined;
}
