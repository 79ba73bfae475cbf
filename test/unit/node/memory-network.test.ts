import { describe, expect, it } from 'vitest';
import { MemoryHub } from '../../../node/p2p/memory-network.js';
import type { PeerEvent } from '../../../node/p2p/network.js';

const limits = { maxBytes: 1024, timeoutMs: 1_000, maxInboundStreams: 2 };

async function pair(allowedOf: (self: string) => Set<string> = () => new Set(['a', 'b', 'c'])) {
  const hub = new MemoryHub();
  const [a, b] = ['a', 'b'].map((id) => hub.network(id, () => allowedOf(id))) as [ReturnType<MemoryHub['network']>, ReturnType<MemoryHub['network']>];
  await a.start();
  await b.start();
  return { hub, a, b };
}

describe('in-memory peer network', () => {
  it('answers requests through canonical encoding, within size limits and deadlines', async () => {
    const { a, b } = await pair();
    await b.handle('/echo', async (req, from) => ({ ...req, from }), limits);
    await b.handle('/big', async () => ({ x: new Uint8Array(2048) }), limits);
    await b.handle('/never', () => new Promise(() => undefined), limits);
    expect(await a.request('b', '/echo', { n: 1 }, limits)).toEqual({ n: 1, from: 'a' });
    await expect(a.request('b', '/echo', { x: new Uint8Array(2048) }, limits)).rejects.toThrow(/exceeds/);
    await expect(a.request('b', '/big', {}, limits)).rejects.toThrow(/exceeds/);
    await expect(a.request('b', '/never', {}, { ...limits, timeoutMs: 20 })).rejects.toThrow(/timed out/);
    await expect(a.request('b', '/nothing', {}, limits)).rejects.toThrow(/does not serve/);
  });

  it('partitions and drops close links with events; heal restores them; a peer no longer allowed is disconnected', async () => {
    let members = new Set(['a', 'b']);
    const { hub, a, b } = await pair(() => members);
    await b.handle('/echo', async (req) => req, limits);
    const events: PeerEvent[] = [];
    a.onPeer((e) => events.push(e));
    hub.partition(['a'], ['b']);
    await expect(a.request('b', '/echo', {}, limits)).rejects.toThrow(/not connected/);
    expect(a.peers()).toEqual([]);
    hub.heal();
    expect(await a.request('b', '/echo', { ok: true }, limits)).toEqual({ ok: true });
    hub.drop('b');
    expect(b.peers()).toEqual([]);
    hub.heal();
    members = new Set(['a']);
    await a.membersChanged();
    expect(a.peers()).toEqual([]);
    await Promise.resolve();
    expect(events.map((e) => e.type)).toEqual(['disconnect', 'connect', 'disconnect', 'connect', 'disconnect']);
  });

  it('floods gossip along links, across a node linked to both sides, and not back to its sender', async () => {
    const hub = new MemoryHub();
    const all = new Set(['a', 'b', 'c']);
    const nets = ['a', 'b', 'c'].map((id) => hub.network(id, () => all));
    for (const n of nets) await n.start();
    hub.cut('a', 'c');
    const got: string[] = [];
    const done = new Promise<void>((resolve) => {
      nets.forEach((n, i) =>
        n.subscribe('t', {
          maxBytes: 100,
          validate: (d) => d[0]!,
          deliver: (v, from) => {
            got.push(`${'abc'[i]}<${from}:${v}`);
            if (got.length === 2) resolve();
          },
        }),
      );
    });
    await nets[0]!.publish('t', Uint8Array.of(7));
    await done;
    expect(got.sort()).toEqual(['b<a:7', 'c<b:7']);
  });
});
