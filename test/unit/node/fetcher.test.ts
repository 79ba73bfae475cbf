import { describe, expect, it } from 'vitest';
import { Fetcher } from '../../../node/services/fetcher.js';
import { RecordRejected } from '../../../protocol/records/rules.js';

const seqOf = (e: Uint8Array) => new DataView(e.buffer, e.byteOffset).getUint32(0);

/**
 * A fake peer serving `total` envelopes (each its seq in 4 bytes) in ranges of `limit`, and a fake ledger
 * that takes them as the real one does: calls are written one at a time, in order; a record below the log's
 * size is a duplicate, one above it is refused (SEQ), and so is the seq in `bad`.
 */
function setup(total: number, limit: number, opts: { jump?: { at: number; by: number }; bad?: number } = {}) {
  const events: string[] = [];
  const warned: (number | undefined)[] = [];
  let size = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const ledger = {
    self: { id: 'me' },
    size: () => size,
    acceptForeign: (_author: string, envs: Uint8Array[]) => {
      const from = seqOf(envs[0]!);
      events.push(`accept ${from}`);
      const run = async () => {
        await new Promise((r) => setTimeout(r, 5));
        let accepted = 0;
        for (const e of envs) {
          const seq = seqOf(e);
          if (seq < size) continue;
          if (seq > size || seq === opts.bad) throw new RecordRejected(seq === opts.bad ? 'SIGNATURE' : 'SEQ', 'refused', 'peer-author', seq);
          size++;
          accepted++;
        }
        events.push(`written ${from}`);
        // records of this log taken another way meanwhile (gossip, another peer)
        if (opts.jump && size === opts.jump.at) size += opts.jump.by;
        return { accepted, duplicates: envs.length - accepted, head: null };
      };
      const p = writing.then(run, run);
      writing = p.catch(() => undefined);
      return p;
    },
  };
  const network = {
    request: async (_peer: string, _id: string, req: { from: number; limit: number }) => {
      events.push(`request ${req.from}`);
      await new Promise((r) => setTimeout(r, 1));
      return {
        envelopes: Array.from({ length: Math.max(0, Math.min(req.limit, total - req.from)) }, (_, i) => {
          const e = new Uint8Array(4);
          new DataView(e.buffer).setUint32(0, req.from + i);
          return e;
        }),
      };
    },
  };
  const metrics = { foreignAccepted: { inc: () => undefined }, validationFailures: { inc: () => undefined } };
  const log = { debug: () => undefined, warn: (o: { seq?: number }) => warned.push(o.seq), error: () => undefined };
  const f = new Fetcher({ syncMaxRecords: limit }, { ledger, network, ids: { sync: 'sync' }, metrics, log } as never);
  return { f, events, warned, size: () => size };
}

describe('fetcher (issue 16: pipelined ranges)', () => {
  it('asks for the next range before validating the current one, each range once, in order', async () => {
    const s = setup(35, 10);
    await s.f.syncAuthor('peer-author', 'peer');
    expect(s.size()).toBe(35);
    const requests = s.events.filter((e) => e.startsWith('request'));
    expect(requests).toEqual(['request 0', 'request 10', 'request 20', 'request 30', 'request 35']);
    // pipelined: range k+1 is requested before range k is handed to the ledger
    for (const from of [10, 20, 30]) expect(s.events.indexOf(`request ${from}`)).toBeLessThan(s.events.indexOf(`accept ${from - 10}`));
  });

  it('stops at the target without asking beyond it', async () => {
    const s = setup(35, 10);
    await s.f.syncAuthor('peer-author', 'peer', 20);
    expect(s.size()).toBe(20);
    expect(s.events.filter((e) => e.startsWith('request'))).toEqual(['request 0', 'request 10']);
  });

  it('drops a prefetched range that no longer starts where the log ends, and asks again from there', async () => {
    const s = setup(50, 10, { jump: { at: 10, by: 5 } });
    // The first range is written before the second arrives, so the jump is seen when nothing is in flight.
    await s.f.syncAuthor('peer-author', 'peer', 10);
    expect(s.size()).toBe(15);
    await s.f.syncAuthor('peer-author', 'peer');
    expect(s.size()).toBe(50);
    expect(s.events.filter((e) => e.startsWith('request'))).toContain('request 15');
    expect(s.events.filter((e) => e.startsWith('accept'))).not.toContain('accept 10');
  });

  it('hands range k+1 to the ledger before range k is written, and the ledger writes them in order', async () => {
    const s = setup(40, 10);
    await s.f.syncAuthor('peer-author', 'peer');
    expect(s.size()).toBe(40);
    for (const from of [10, 20, 30]) expect(s.events.indexOf(`accept ${from}`)).toBeLessThan(s.events.indexOf(`written ${from - 10}`));
    expect(s.events.filter((e) => e.startsWith('written'))).toEqual(['written 0', 'written 10', 'written 20', 'written 30']);
  });

  it('stops at a refused range: what came before it is kept, the range handed over after it is not stored, and only the refusal is reported', async () => {
    const s = setup(40, 10, { bad: 15 });
    await s.f.syncAuthor('peer-author', 'peer');
    expect(s.size()).toBe(15);
    expect(s.warned).toEqual([15]);
  });
});
