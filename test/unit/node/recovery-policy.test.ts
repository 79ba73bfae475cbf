import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../protocol/config/index.js';
import type { Config } from '../../../protocol/config/config.js';
import { OwnLogRecovery, type RecoveryLedger, type RecoveryPeers } from '../../../node/recovery.js';
import type { Head } from '../../../node/p2p/messages.js';
import { CONSORTIUM, testMember } from '../../helpers/consortium.js';

const log = pino({ level: 'silent' });
const root = new Uint8Array(32);

/** A ledger whose own log is `held` records, and peers holding `sizes[member]` of it (and own notes of `noted` size). */
function setup(n: number, held: number, sizes: Record<string, number>, noted: Record<string, number> = {}, quorum?: number) {
  const members = Array.from({ length: n }, (_, i) => testMember(i));
  const config: Config = buildConfig({ consortium: CONSORTIUM, epoch: 0, members: members.map((m) => m.member), quorum: quorum ? { witness: quorum } : undefined });
  const self = members[0]!.id;
  let size = held;
  const ledger: RecoveryLedger = {
    self: { id: self },
    config,
    size: () => size,
    recoverOwn: async (envs) => {
      size += envs.length;
      return { accepted: envs.length };
    },
    addCheckpoint: async (note) => ({ status: 'ahead', checkpoint: { checkpoint: { size: Number(note) } } }),
  };
  const peers: RecoveryPeers = {
    heads: async (m) => {
      const h: Head[] = sizes[m] !== undefined ? [{ author: self, size: sizes[m]!, rootSize: 0, root, note: noted[m] !== undefined ? String(noted[m]) : undefined }] : [];
      return h;
    },
    range: async (m, _a, from) => Array.from({ length: Math.max(0, Math.min(2, (sizes[m] ?? 0) - from)) }, () => new Uint8Array(1)),
  };
  let recovered = 0;
  const r = new OwnLogRecovery({ ledger, peers, log, onRecovered: () => recovered++ });
  return { r, ids: members.map((m) => m.id), size: () => size, recovered: () => recovered, peers, ledgerOf: () => ledger };
}

describe('own-log recovery policy', () => {
  it('needs W - Q + 1 other witnesses: 3 of quorum 2 → 2, 4 of quorum 3 → 2, 7 of quorum 5 → 3; a lone member none', () => {
    expect(setup(3, 0, {}).r.needed()).toBe(2);
    expect(setup(4, 0, {}).r.needed()).toBe(2);
    expect(setup(7, 0, {}).r.needed()).toBe(3);
    expect(setup(3, 0, {}, {}, 1).r.needed()).toBe(2); // capped at the other witnesses
    const lone = setup(1, 0, {});
    lone.r.start();
    expect(lone.r.recovered).toBe(true);
    expect(lone.recovered()).toBe(1);
  });

  it('takes back the largest copy and refuses appends until enough witnesses answered', async () => {
    const s = setup(4, 1, { [testMember(1).id]: 5, [testMember(2).id]: 3 });
    s.r.start();
    expect(s.r.refusal()).toMatchObject({ code: 'RECOVERING', status: 503 });
    await s.r.hear(s.ids[2]!);
    expect(s.size()).toBe(3);
    expect(s.r.recovered).toBe(false);
    await s.r.hear(s.ids[1]!);
    expect(s.size()).toBe(5);
    expect(s.r.recovered).toBe(true);
    expect(s.r.refusal()).toBeUndefined();
    expect(s.recovered()).toBe(1);
  });

  it('an own checkpoint larger than any copy heard keeps it recovering until the records are found', async () => {
    const [b, c, d] = [1, 2, 3].map((i) => testMember(i).id);
    const s = setup(4, 0, { [b!]: 2, [c!]: 2, [d!]: 6 }, { [b!]: 6 });
    s.r.start();
    await s.r.hear(b!);
    await s.r.hear(c!);
    expect(s.size()).toBe(2);
    expect(s.r.recovered).toBe(false);
    expect(s.r.refusal()?.message).toMatch(/2 of at least 6 records held/);
    await s.r.retry([d!]);
    expect(s.size()).toBe(6);
    expect(s.r.recovered).toBe(true);
  });

  it('a size a peer merely claims, without records or a signed checkpoint, does not block appends', async () => {
    const [b, c] = [1, 2].map((i) => testMember(i).id);
    const s = setup(3, 2, { [b!]: 2, [c!]: 1_000_000 });
    // c claims a million records but serves none
    const r = new OwnLogRecovery({ ledger: s.ledgerOf(), peers: { heads: s.peers.heads, range: async (m, a, from) => (m === c ? [] : s.peers.range(m, a, from)) }, log });
    r.start();
    await r.hear(b!);
    await r.hear(c!);
    expect(r.recovered).toBe(true);
  });

  it('with acceptEmptyLog an empty log starts at once; a non-empty one still waits', () => {
    const mk = (held: number) => {
      const s = setup(3, held, {});
      const r = new OwnLogRecovery({
        ledger: {
          self: { id: s.ids[0]! },
          config: buildConfig({ consortium: CONSORTIUM, epoch: 0, members: [0, 1, 2].map((i) => testMember(i).member) }),
          size: () => held,
          recoverOwn: async () => ({ accepted: 0 }),
          addCheckpoint: async () => ({ status: 'known' }),
        },
        peers: { heads: async () => [], range: async () => [] },
        log,
        acceptEmptyLog: true,
      });
      r.start();
      return r.recovered;
    };
    expect(mk(0)).toBe(true);
    expect(mk(3)).toBe(false);
  });
});
