import { equalBytes, toHex } from '../bytes.js';
import type { Config } from '../config/config.js';
import { checkBody, type OrgActorBody } from '../records/kinds.js';
import type { Envelope } from '../records/record.js';
import { caseIdOf } from '../cases/rules.js';
import { orgActorOf, type ActorInForce } from '../records/rules.js';
import type { GovVote, KeyHolder, LedgerView } from './view.js';

/**
 * A LedgerView over records held in memory (a bundle's entries, a test's
 * logs). Records are added as they come to count; org.actor records are
 * known from the start (`actors`), since "in force" depends on seq only.
 */
export class MemoryView implements LedgerView {
  private readonly docs = new Map<string, Envelope[]>();
  private readonly votes = new Map<string, GovVote[]>();
  private readonly cases = new Map<string, Envelope[]>();
  private readonly serials = new Map<string, Uint8Array>();

  private readonly actors: readonly Envelope[];

  constructor(
    private readonly configs: readonly Config[],
    private readonly adoptedIds: readonly Uint8Array[],
    actors: readonly Envelope[],
  ) {
    // a malformed org.actor (a tampered bundle entry) is never in force: its roles may not even be a list
    this.actors = actors.filter((e) => {
      try {
        checkBody('org.actor', e.record.body, e.record.refs);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** Count a record (after it passed the rules). */
  add(env: Envelope): void {
    const r = env.record;
    const doc = r.body.doc;
    if (r.kind.startsWith('doc.') && doc instanceof Uint8Array) {
      const k = toHex(doc);
      this.docs.set(k, [...(this.docs.get(k) ?? []), env]);
    }
    if (r.kind === 'gov.approve' && r.body.config instanceof Uint8Array) {
      const k = toHex(r.body.config);
      this.votes.set(k, [...(this.votes.get(k) ?? []), { member: r.author, record: env.id }]);
    }
    const caseId = caseIdOf(env);
    if (caseId) {
      const k = toHex(caseId);
      this.cases.set(k, [...(this.cases.get(k) ?? []), env]);
      if (r.kind === 'case.open' && typeof r.body.serial === 'string') this.serials.set(`${r.author}\n${r.body.serial}`, env.id);
    }
  }

  caseRecords(caseId: Uint8Array): readonly Envelope[] {
    return this.cases.get(toHex(caseId)) ?? [];
  }

  caseBySerial(author: string, serial: string): Uint8Array | undefined {
    return this.serials.get(`${author}\n${serial}`);
  }

  configFor(epoch: number): Config | undefined {
    return this.configs[epoch];
  }

  docRecords(doc: Uint8Array): readonly Envelope[] {
    return this.docs.get(toHex(doc)) ?? [];
  }

  private orgActors(author: string, seq: number): Envelope[] {
    return this.actors.filter((e) => e.record.author === author && e.record.kind === 'org.actor' && e.record.seq < seq).sort((a, b) => a.record.seq - b.record.seq);
  }

  private lastOrgActor(author: string, actorId: string, seq: number): Envelope | undefined {
    return this.orgActors(author, seq)
      .filter((e) => (e.record.body as unknown as OrgActorBody).id === actorId)
      .at(-1);
  }

  actorInForce(author: string, actorId: string, seq: number): ActorInForce | undefined {
    const last = this.lastOrgActor(author, actorId, seq);
    return last ? orgActorOf(last.record.body as unknown as OrgActorBody) : undefined;
  }

  actorRecord(author: string, actorId: string, seq: number): Uint8Array | undefined {
    return this.lastOrgActor(author, actorId, seq)?.id;
  }

  keyHolders(author: string, key: Uint8Array, seq: number): readonly KeyHolder[] {
    return this.orgActors(author, seq)
      .filter((e) => equalBytes((e.record.body as unknown as OrgActorBody).key, key))
      .map((e) => ({ actorId: (e.record.body as unknown as OrgActorBody).id, seq: e.record.seq, record: e.id }));
  }

  govVotes(id: Uint8Array): readonly GovVote[] {
    return this.votes.get(toHex(id)) ?? [];
  }

  adopted(id: Uint8Array): boolean {
    return this.adoptedIds.some((x) => equalBytes(x, id));
  }
}
