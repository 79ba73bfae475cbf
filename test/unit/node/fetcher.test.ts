import { describe, expect, it } from 'vitest';
import { Fetcher } from '../../../node/services/fetcher.js';

/** A fake peer serving `total` one-byte envelopes in ranges of `limit`, and a fake ledger that accepts them slowly. */
function setup(total: number, limit: number, jump?: { at: number; by: number }) {
  const events: string[] = [];
  let size = 0;
  const ledger = {
    self: { id: 'me' },
    size: () => size,
    acceptForeign: async (_author: string, envs: Uint8Array[]) => {
      events.push(`accept ${size}`);
      await new Promise((r) => setTimeout(r, 5));
      size += envs.length;
      // records of this log taken another way meanwhile (gossip, another peer)
      if (jump && size === jump.at) size += jump.by;
      return { accepted: envs.length };
    },
  };
  const network = {
    request: async (_peer: string, _id: string, req: { from: number; limit: number }) => {
      events.push(`request ${req.from}`);
      await new Promise((r) => setTimeout(r, 1));
      return { envelopes: Array.from({ length: Math.max(0, Math.min(req.limit, total - req.from)) }, () => new Uint8Array(1)) };
    },
  };
  const metrics = { foreignAccepted: { inc: () => undefined }, validationFailures: { inc: () => undefined } };
  const f = new Fetcher({ syncMaxRecords: limit }, { ledger, network, ids: { sync: 'sync' }, metrics, log: { debug: () => undefined, warn: () => undefined } } as never);
  return { f, events, size: () => size };
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
    const s = setup(50, 10, { at: 10, by: 5 });
    await s.f.syncAuthor('peer-author', 'peer');
    expect(s.size()).toBe(50);
    const accepts = s.events.filter((e) => e.startsWith('accept'));
    expect(accepts).toEqual(['accept 0', 'accept 15', 'accept 25', 'accept 35', 'accept 45']);
  });
});
