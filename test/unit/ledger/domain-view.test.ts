import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { checkDomain, type DomainRefused, type Proposed } from '../../../protocol/domain/index.js';
import { Ledger } from '../../../ledger/index.js';
import { domainView } from '../../../ledger/domain-view.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const registrarSeed = new Uint8Array(32).fill(0x57);
const approverSeed = new Uint8Array(32).fill(0x58);
const doc = new Uint8Array(32).fill(0xd4);

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
async function open(m: typeof A): Promise<Ledger> {
  const dir = tempDir();
  dirs.push(dir);
  return Ledger.open({ path: dir.path, genesis, self: { id: m.id, seed: m.seed } });
}

describe("the API's view of the store (ledger/domain-view.ts)", () => {
  it("sees what a report counts: a peer's second registration of one document is held but does not count", async () => {
    const [a, b] = await Promise.all([open(A), open(B)]);
    try {
      // A's ledger appends directly (no API rules): two registrations of one document by A.
      await a.append(firstAdmin(A));
      await a.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
      const first = await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc, type: 'permit', class: 'public' }));
      const second = await a.append(submission(net, A.id, 'li.na', registrarSeed, 'doc.register', { doc, type: 'permit', class: 'public' }));
      await b.append(firstAdmin(B));
      await b.append(submission(net, B.id, 'admin', B.adminSeed, 'org.actor', { id: 'wang.fang', key: publicKeyOf(approverSeed), roles: ['approver'], active: true }));
      await b.acceptForeign(A.id, await a.envelopeBytes(A.id, 0, 100));
      expect(await b.docRecords(doc)).toHaveLength(2);
      const approve = (ref: Uint8Array): Proposed => ({
        author: B.id,
        seq: b.size(B.id),
        epoch: 0,
        kind: 'doc.approve',
        body: { doc, decision: 'approve', role: 'review' },
        refs: [ref],
        actor: 'wang.fang',
      });
      const ok = approve(first.id);
      checkDomain(await domainView(b, b.governance, ok), ok);
      const bad = approve(second.id);
      const e = await domainView(b, b.governance, bad).then((v) => {
        try {
          checkDomain(v, bad);
        } catch (x) {
          return x as DomainRefused;
        }
        return undefined;
      });
      expect(e?.rule).toBe('REF_UNKNOWN');
      // and A registering again is a duplicate of the first, the one that stands
      const again: Proposed = { author: A.id, seq: a.size(A.id), epoch: 0, kind: 'doc.register', body: { doc, type: 'permit', class: 'public' }, actor: 'li.na' };
      let dup: DomainRefused | undefined;
      try {
        checkDomain(await domainView(a, a.governance, again), again);
      } catch (x) {
        dup = x as DomainRefused;
      }
      expect([dup?.rule, dup?.standing]).toEqual(['DUPLICATE', toHex(first.id)]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
