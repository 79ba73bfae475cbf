import { afterEach, describe, expect, it } from 'vitest';
import type { CborMap } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import type { TongbanNode } from '../../../node/node.js';
import type { RequestLimits } from '../../../node/p2p/network.js';
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

  it('sends the new records with the cosigning request: witnesses cosign without fetching them', async () => {
    t = memoryNet(3);
    // No anti-entropy during the test: only the witness requests can bring A's new records to B and C.
    const quiet = { options: { antiEntropyMs: 600_000 } };
    const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i, quiet)));
    const A = t.members[0]!;
    await until(() => nodes.every((n) => t!.members.every((m) => n.ledger.finalSize(m.id) === 1)), 10_000, 'first admins final everywhere');
    const fetched: string[] = [];
    for (const n of [nodes[1]!, nodes[2]!]) spyRequests(n, (_p, req) => req.t === 'range' && req.author === A.id && fetched.push(`${req.from}`));
    const reg = new Uint8Array(32).fill(0x53);
    let last = await nodes[0]!.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    for (let k = 0; k < 3; k++) last = await nodes[0]!.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k + 1), type: 'permit', class: 'public' }));
    await until(() => nodes.every((n) => n.ledger.finalSize(A.id) > last.seq), 10_000, "A's records final everywhere");
    expect(fetched).toEqual([]);
    // each witness cosigned the last checkpoint (the author writes the answers it needs for the quorum)
    for (const i of [1, 2]) expect(nodes[i]!.ledger.checkpoints.list(A.id).some((c) => c.checkpoint.size === last.seq + 1 && c.cosigners.has(t!.members[i]!.id))).toBe(true);
  }, 40_000);

  it('a witness that refuses records with the request (an older version) is asked without them, fetches, cosigns, and is sent none after', async () => {
    t = memoryNet(3);
    const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i, { options: { antiEntropyMs: 600_000 } })));
    const [A, , C] = t.members as [(typeof t.members)[0], (typeof t.members)[0], (typeof t.members)[0]];
    await until(() => nodes.every((n) => t!.members.every((m) => n.ledger.finalSize(m.id) === 1)), 10_000, 'first admins final everywhere');
    // What C is asked, as C would answer it if it knew only {note}: a request with records fails.
    const toC: ('records' | 'note')[] = [];
    spyRequests(nodes[0]!, (peer, req) => {
      if (peer !== C.member.peer || req.note === undefined) return;
      toC.push(req.envelopes ? 'records' : 'note');
      if (req.envelopes) throw new Error('witness request must be {note: text}');
    });
    const reg = new Uint8Array(32).fill(0x54);
    const r1 = await nodes[0]!.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    const cosignedByC = (size: number) => nodes[2]!.ledger.checkpoints.list(A.id).some((c) => c.checkpoint.size >= size && c.cosigners.has(C.id));
    await until(() => cosignedByC(r1.seq + 1), 10_000, "C cosigned A's record");
    const r2 = await nodes[0]!.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(9), type: 'permit', class: 'public' }));
    await until(() => cosignedByC(r2.seq + 1), 10_000, 'C cosigned the next checkpoint');
    expect(toC[0]).toBe('records');
    expect(toC.slice(1).every((x) => x === 'note')).toBe(true);
    expect(toC.length).toBeGreaterThanOrEqual(3);
  }, 40_000);
});

describe("writing the witnesses' answers (issue 16)", () => {
  it('answers that arrive while the write of the quorum waits for the lock are not written once that write made the checkpoint final', async () => {
    t = memoryNet(4, { quorum: { witness: 2 } });
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => t!.start(i, { options: { antiEntropyMs: 600_000 } })));
    const A = t.members[0]!;
    await until(() => nodes.every((n) => t!.members.every((m) => n.ledger.finalSize(m.id) === 1)), 10_000, 'first admins final everywhere');
    const a = nodes[0]!;
    // The author's write lock is held from the first witness answer until all three have been taken in.
    let answers = 0;
    let release = () => {};
    const request = a.network.request.bind(a.network);
    a.network.request = async (peer: string, protocol: string, req: CborMap, limits: RequestLimits) => {
      const res = await request(peer, protocol, req, limits);
      if (typeof req.note === 'string' && ++answers === 1) {
        const held = new Promise<void>((r) => (release = r));
        void a.ledger.writer.run(() => held, 'urgent');
      }
      return res;
    };
    const written: number[] = [];
    const addCheckpoint = a.ledger.addCheckpoint.bind(a.ledger);
    a.ledger.addCheckpoint = (note: string, priority?: 'urgent' | 'bulk') => {
      if (priority === 'urgent') written.push(note.split('\n').filter((l) => l.startsWith('\u2014 ')).length);
      return addCheckpoint(note, priority);
    };
    const reg = new Uint8Array(32).fill(0x57);
    const r = await a.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
    await until(() => answers === 3, 10_000, 'the three witnesses answered');
    await new Promise((res) => setImmediate(res));
    release();
    await until(() => a.ledger.finalSize(A.id) > r.seq, 10_000, 'final at the author');
    await new Promise((res) => setTimeout(res, 50));
    // one write: the author's signature and cosignature and the first witness's line, the quorum of 2
    expect(written).toEqual([3]);
  }, 40_000);
});

describe('own checkpoints in flight (issue 16)', () => {
  it.each([1, 2])(
    'with checkpointsInFlight %i, that many own checkpoints are out for cosigning at once',
    async (inFlight) => {
      t = memoryNet(3);
      const opts = { options: { antiEntropyMs: 600_000, checkpointsInFlight: inFlight, checkpointPipelineMs: 0 } };
      const nodes = await Promise.all([0, 1, 2].map((i) => t!.start(i, opts)));
      const A = t.members[0]!;
      await until(() => nodes.every((n) => t!.members.every((m) => n.ledger.finalSize(m.id) === 1)), 10_000, 'first admins final everywhere');
      // Witness requests held back until released: rounds stay in flight. Per checkpoint size asked: A's final size then.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const asked = new Map<number, number>();
      const request = nodes[0]!.network.request.bind(nodes[0]!.network);
      nodes[0]!.network.request = async (peer: string, protocol: string, req: CborMap, limits: RequestLimits) => {
        if (typeof req.note === 'string') {
          const size = Number(req.note.split('\n')[1]);
          if (!asked.has(size)) asked.set(size, nodes[0]!.ledger.finalSize(A.id));
          await held;
        }
        return request(peer, protocol, req, limits);
      };
      const reg = new Uint8Array(32).fill(0x56);
      const r1 = await nodes[0]!.ledger.append(submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
      await until(() => asked.has(r1.seq + 1), 10_000, 'the first checkpoint out');
      const r2 = await nodes[0]!.ledger.append(submission(t.net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(3), type: 'permit', class: 'public' }));
      if (inFlight === 2) await until(() => asked.has(r2.seq + 1), 10_000, 'the second checkpoint out while the first is');
      expect(nodes[0]!.ledger.finalSize(A.id)).toBeLessThanOrEqual(r1.seq);
      release();
      await until(() => nodes[0]!.ledger.finalSize(A.id) > r2.seq, 10_000, 'both final once the witnesses answer');
      // One in flight: the second was asked for only once the first was final; two: while the first was out.
      if (inFlight === 1) expect(asked.get(r2.seq + 1)).toBeGreaterThan(r1.seq);
      else expect(asked.get(r2.seq + 1)).toBeLessThanOrEqual(r1.seq);
    },
    40_000,
  );
});

/** Watch (and, by throwing, fail) the requests a node makes; \`see\` runs before each is sent. */
function spyRequests(n: TongbanNode, see: (peer: string, req: CborMap) => unknown): void {
  const request = n.network.request.bind(n.network);
  n.network.request = async (peer: string, protocol: string, req: CborMap, limits: RequestLimits) => {
    see(peer, req);
    return request(peer, protocol, req, limits);
  };
}
