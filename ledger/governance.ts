import { equalBytes, toHex } from '../protocol/bytes.js';
import { configId, decodeConfig } from '../protocol/config/config.js';
import { approveConfig, checkSuccessor, checkSuccessorLink, governanceMessage, type Approval, type SignedConfig, type VerifiedConfig } from '../protocol/config/governance.js';
import { verify } from '../protocol/crypto.js';
import type { Envelope } from '../protocol/records/record.js';
import { govSigValid, govVoteCounts } from '../protocol/domain/rules.js';
import { decodeValue, encodeValue } from './codec.js';
import { LedgerError } from './errors.js';
import type { LedgerCore } from './ledger.js';
import { u64Key } from './keys.js';
import type { Op } from './store.js';
import type { WriteTx } from './writer.js';

export interface Proposal {
  id: Uint8Array;
  config?: Uint8Array;
  epoch?: number;
  approvals: Approval[];
}

function encodeProposal(p: Proposal): Uint8Array {
  return encodeValue({ config: p.config, approvals: p.approvals.map((a) => ({ member: a.member, sig: a.sig })) });
}

/**
 * Governance state (§4): proposals and approvals gathered from gov.* records
 * of every log, adoption of epoch e+1 once its quorum is reached, and this
 * node's own vote (at most one successor per epoch, persisted before the
 * signature is released).
 */
export class Governance {
  constructor(private readonly core: LedgerCore) {}

  async proposal(id: Uint8Array): Promise<Proposal | undefined> {
    const v = await this.core.store.get('prop', id);
    if (!v) return undefined;
    const x = decodeValue(v, 'proposal');
    const config = x.config as Uint8Array | undefined;
    let epoch: number | undefined;
    if (config) {
      try {
        epoch = decodeConfig(config).epoch;
      } catch {
        epoch = undefined;
      }
    }
    return { id, config, epoch, approvals: (x.approvals as unknown as Approval[]) ?? [] };
  }

  async pending(): Promise<Proposal[]> {
    const out: Proposal[] = [];
    for await (const k of this.core.store.keys('prop', {})) {
      const p = await this.proposal(k);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * Ops recording the proposals and approvals carried by `envs` (written in
   * the same batch as the records, so nothing is lost in a crash).
   */
  async recordOps(envs: Envelope[]): Promise<Op[]> {
    const touched = new Map<string, Proposal>();
    const load = async (id: Uint8Array): Promise<Proposal> => {
      const k = toHex(id);
      let p = touched.get(k);
      if (!p) p = (await this.proposal(id)) ?? { id, approvals: [] };
      touched.set(k, p);
      return p;
    };
    for (const env of envs) {
      const r = env.record;
      if (r.kind === 'gov.propose') {
        const bytes = r.body.config as Uint8Array;
        let epoch: number;
        try {
          epoch = decodeConfig(bytes).epoch;
        } catch {
          continue; // a malformed proposal is recorded in the log but never adopted
        }
        if (epoch <= this.core.epoch) continue;
        const p = await load(configId(bytes));
        p.config = bytes;
        p.epoch = epoch;
      } else if (r.kind === 'gov.approve') {
        const id = r.body.config as Uint8Array;
        const sig = r.body.sig as Uint8Array;
        // The same domain rules the API refuses by and the verifier reports by (protocol/domain).
        if (!govSigValid(this.core, r.epoch, r.author, id, sig)) continue;
        if (this.core.chain.some((c) => equalBytes(c.id, id))) continue; // already adopted
        const p = await load(id);
        if (govVoteCounts(p.approvals, r.author)) p.approvals.push({ member: r.author, sig });
      }
    }
    return [...touched.values()].map((p) => this.core.store.put('prop', p.id, encodeProposal(p)));
  }

  /** Adopt every successor whose quorum is reached (the chain grows once `tx` is durable); returns the adopted configs. */
  async adopt(tx: WriteTx): Promise<VerifiedConfig[]> {
    const adopted: VerifiedConfig[] = [];
    for (;;) {
      const current = adopted.at(-1) ?? this.core.chain.at(-1)!;
      let next: VerifiedConfig | undefined;
      for (const p of await this.pending()) {
        if (!p.config || p.epoch !== current.config.epoch + 1) continue;
        const approvals = p.approvals
          .filter((a) => current.config.members.some((m) => m.id === a.member && verify(m.key, governanceMessage(p.id), a.sig)))
          .sort((a, b) => (a.member < b.member ? -1 : 1));
        if (approvals.length < current.config.quorum.governance) continue;
        try {
          next = checkSuccessor(current, { bytes: p.config, approvals });
          break;
        } catch {}
      }
      if (!next) return adopted;
      await this.store(tx, next);
      adopted.push(next);
    }
  }

  /** Add a config learned from a peer (governance protocol) after checking it. */
  async addConfig(tx: WriteTx, signed: SignedConfig): Promise<VerifiedConfig> {
    const current = this.core.chain.at(-1)!;
    const next = checkSuccessor(current, signed);
    await this.store(tx, next);
    return next;
  }

  private async store(tx: WriteTx, next: VerifiedConfig): Promise<void> {
    tx.put('cfg', u64Key(next.config.epoch), encodeValue({ config: next.bytes, approvals: next.approvals.map((a) => ({ member: a.member, sig: a.sig })) }));
    for (const p of await this.pending()) if (p.epoch === undefined || p.epoch <= next.config.epoch) tx.del('prop', p.id);
    tx.onDurable(() => this.core.chain.push(next));
    tx.emit('epoch', next);
  }

  /**
   * This node's approval signature for proposal `id`. An honest member signs
   * at most one successor per epoch: the vote is persisted before the
   * signature is returned, and a second, different proposal is refused.
   */
  signApproval(id: Uint8Array): Promise<Uint8Array> {
    return this.core.writer.run((tx) => this.approve(tx, id));
  }

  private async approve(tx: WriteTx, id: Uint8Array): Promise<Uint8Array> {
    const self = this.core.self;
    if (!self) throw new LedgerError('NOT_MEMBER', 'this ledger has no key to approve with');
    const p = await this.proposal(id);
    if (!p?.config) throw new LedgerError('NOT_FOUND', `no proposal ${toHex(id)} is known`);
    const current = this.core.chain.at(-1)!;
    try {
      checkSuccessorLink(current, p.config);
    } catch (e) {
      throw new LedgerError('GOVERNANCE', `proposal ${toHex(id)} is not a valid successor: ${(e as Error).message}`);
    }
    const key = u64Key(current.config.epoch);
    const voted = await this.core.store.get('vote', key);
    if (voted && !equalBytes(voted, id)) throw new LedgerError('GOVERNANCE', `this node already approved ${toHex(voted)} for epoch ${current.config.epoch + 1}`);
    // The vote is lost with the store, but this node's gov.approve records come back with its log (node/recovery.ts).
    const logged = (await this.pending()).find((x) => x.epoch === current.config.epoch + 1 && !equalBytes(x.id, id) && x.approvals.some((v) => v.member === self.id));
    if (logged) throw new LedgerError('GOVERNANCE', `this node's log already approves ${toHex(logged.id)} for epoch ${current.config.epoch + 1}`);
    if (!voted) tx.put('vote', key, id);
    return approveConfig(id, self.signer);
  }
}
