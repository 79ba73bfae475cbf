import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { verifyBundle } from '../../../protocol/bundle/verify.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const reg = new Uint8Array(32).fill(0x42);

describe('replication and finality over libp2p (in-process, real TCP)', () => {
  it('three nodes: a record appended at one reaches every node and becomes final; a bundle built elsewhere verifies', async () => {
    t = await testNet(3);
    const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const [A] = t.members;
    const a = nodes[0]!;
    await until(() => a.ledger.size(A!.id) === 1, 10_000, 'first admin');
    await a.ledger.append(submission(t.net, A!.id, 'admin', A!.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    const doc = new Uint8Array(32).fill(0xab);
    const r = await a.ledger.append(submission(t.net, A!.id, 'li.na', reg, 'doc.register', { doc, type: 'permit', class: 'public' }));
    await until(() => nodes.every((n) => n.ledger.size(A!.id) === 3 && n.ledger.isFinal(A!.id, r.seq, 0)), 20_000, 'replication and finality');
    const built = await nodes[2]!.ledger.buildBundle(doc);
    const report = verifyBundle(built.bytes, t.net);
    // Sound, and registered with no decision yet: pending (it does not stand until someone approves it).
    expect([report.proofs, report.outcome]).toEqual(['sound', 'pending']);
    expect(report.events).toHaveLength(1);
    expect(report.events[0]).toMatchObject({ kind: 'doc.register', author: A!.id, seq: 2, actor: 'li.na', final: true });
  }, 60_000);
});
