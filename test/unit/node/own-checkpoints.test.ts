import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { submission } from '../../helpers/consortium.js';
import { memoryNet, type MemoryNet } from '../../helpers/memory.js';
import { until } from '../../helpers/network.js';

let t: MemoryNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('own checkpoints (issue 16: no idle wait)', () => {
  it('an idle author signs as soon as records are durable, and the next as soon as the one in flight is final, not at the interval', async () => {
    t = memoryNet(3);
    // An interval far beyond the test's deadlines: only the append and finality triggers can make these checkpoints.
    const slow = { options: { checkpointIntervalMs: 60_000, checkpointMaxWaitMs: 60_000, cosignRetryMs: 60_000 } };
    const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i, slow)));
    const A = t.members[0]!;
    await until(() => nodes.every((n) => n.ledger.finalSize(A.id) === 1), 10_000, 'first admin final everywhere');
    const reg = new Uint8Array(32).fill(0x52);
    const r1 = await nodes[0]!.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    // Appended back to back: the second lands while the first one's checkpoint is in flight (or just final).
    const r2 = nodes[0]!.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(1), type: 'permit', class: 'public' }));
    const last = await r2;
    expect(last.seq).toBe(r1.seq + 1);
    await until(() => nodes[0]!.ledger.finalSize(A.id) > last.seq, 10_000, 'both records final at their author');
    expect(nodes[0]!.ledger.checkpoints.latest(A.id)!.checkpoint.size).toBe(last.seq + 1);
  }, 40_000);
});
