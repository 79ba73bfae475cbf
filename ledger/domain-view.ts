import { concat, equalBytes } from '../protocol/bytes.js';
import type { Config } from '../protocol/config/config.js';
import type { Proposed } from '../protocol/domain/rules.js';
import { MemoryView } from '../protocol/domain/memory-view.js';
import { replay } from '../protocol/domain/replay.js';
import type { GovVote, KeyHolder, LedgerView } from '../protocol/domain/view.js';
import type { Envelope } from '../protocol/records/record.js';
import { docRecords } from './bundle.js';
import { caseRecords, casesBySerial } from './cases.js';
import { isCaseKind } from '../protocol/cases/schema.js';
import type { Governance } from './governance.js';
import type { ReadBatch } from './read-batch.js';
import type { LedgerCore } from './ledger.js';
import { nameKey, pairRange, parsePairKey } from './keys.js';

/**
 * A LedgerView over this node's store for one proposed record: what the
 * domain rules may ask about it is loaded first (the rules are synchronous
 * and pure), the rest is answered from the in-memory indexes.
 */
export async function domainView(core: LedgerCore, governance: Governance, p: Proposed): Promise<LedgerView> {
  const doc = p.body.doc;
  // doc.access has no domain rule: it needs no read. The records held are replayed through the rules, so the
  // API sees exactly what a report would count (a peer's record that breaks a rule is held but does not count).
  const held = doc instanceof Uint8Array && doc.length === 32 && p.kind !== 'doc.access' ? await docRecords(core, doc) : [];
  let docs: readonly Envelope[] = [];
  // Most requests are about a document nobody holds yet: nothing to replay.
  if (held.length > 0 && doc instanceof Uint8Array) {
    const counted = new MemoryView(
      core.chain.map((c) => c.config),
      core.chain.map((c) => c.id),
      [],
    );
    replay(counted, held);
    docs = counted.docRecords(doc);
  }
  const holders: KeyHolder[] = [];
  const key = p.body.key;
  if (p.kind === 'org.actor' && key instanceof Uint8Array) {
    for (const [actorId, versions] of core.actors.get(p.author) ?? []) {
      for (const v of versions) {
        if (v.seq >= p.seq || !equalBytes(v.actor.key, key)) continue;
        holders.push({ actorId, seq: v.seq, record: (await core.envelope(p.author, v.seq))?.id });
      }
    }
  }
  // The org.actor in force for the id an org.actor names: a change must name it as prev (ACTOR_EXISTS, ACTOR_PREV).
  let actorRecord: Uint8Array | undefined;
  const actorId = p.body.id;
  if (p.kind === 'org.actor' && typeof actorId === 'string') {
    const at = core.actorSeq(p.author, actorId, p.seq);
    if (at !== undefined) actorRecord = (await core.envelope(p.author, at))?.id;
  }
  const votes: GovVote[] = [];
  const config = p.body.config;
  if (p.kind === 'gov.approve' && config instanceof Uint8Array && config.length === 32) {
    for (const a of (await governance.proposal(config))?.approvals ?? []) votes.push({ member: a.member });
    // The standing record of this node's own vote, so a duplicate can name it.
    const mine = votes.find((v) => v.member === p.author);
    if (mine) mine.record = (await ownGovApprovals(core, p.author)).find((e) => equalBytes(e.record.body.config as Uint8Array, config))?.id;
  }
  // Case kinds (§C.4): the records of the case the request refers to, or the serial a case.open claims.
  let caseId: Uint8Array | undefined;
  let caseHeld: Envelope[] = [];
  let serialHeld: Uint8Array | undefined;
  const serial = p.body.serial;
  if (isCaseKind(p.kind)) {
    if (p.kind === 'case.open') {
      if (typeof serial === 'string') serialHeld = (await casesBySerial(core.store, p.author, serial))[0];
    } else if (p.refs?.[0]) {
      caseId = p.refs[0];
      caseHeld = await caseRecords(core, caseId);
    }
  }
  return {
    caseRecords: (id) => (caseId && equalBytes(id, caseId) ? caseHeld : []),
    caseBySerial: (a, s) => (a === p.author && s === serial ? serialHeld : undefined),
    configFor: (e: number): Config | undefined => core.configFor(e),
    docRecords: (d: Uint8Array) => (doc instanceof Uint8Array && equalBytes(d, doc) ? docs : []),
    actorInForce: (a, id, seq) => core.actorInForce(a, id, seq),
    actorRecord: (a, id, seq) => (a === p.author && id === actorId && seq === p.seq ? actorRecord : undefined),
    keyHolders: () => holders,
    govVotes: () => votes,
    adopted: (id) => core.chain.some((c) => equalBytes(c.id, id)),
  };
}

/** `author`'s gov.approve records (the kind index). */
async function ownGovApprovals(core: LedgerCore, author: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const k of core.store.keys('kind', pairRange('gov.approve', author))) {
    const env = await core.envelope(author, parsePairKey(k).n);
    if (env) out.push(env);
  }
  return out;
}

/** Whether `author` used `nonce` in a record (the nonce index), read through `reads` (one getMany per turn). */
export async function nonceUsed(reads: ReadBatch, author: string, nonce: Uint8Array): Promise<boolean> {
  return (await reads.get(concat(nameKey(author), nonce))) !== undefined;
}
