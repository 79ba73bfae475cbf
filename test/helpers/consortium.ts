import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyOf } from '../../protocol/crypto.js';
import { buildConfig, configId, encodeConfig, type Member } from '../../protocol/config/index.js';
import { peerIdOf } from '../../protocol/keys.js';
import { signRequest } from '../../protocol/records/request.js';
import type { CborMap } from '../../protocol/cbor.js';
import type { ActorSubmission } from '../../ledger/index.js';

export const CONSORTIUM = 'test.gov.example';

export interface TestMember {
  id: string;
  region: string;
  seed: Uint8Array;
  peerSeed: Uint8Array;
  adminSeed: Uint8Array;
  member: Member;
}

const IDS = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou', 'gd-guangzhou', 'zj-hangzhou', 'sc-chengdu', 'hb-wuhan'];
const REGIONS = ['110108', '310115', '410100', '440100', '330100', '510100', '420100'];

export function seedOf(tag: number, i: number): Uint8Array {
  return new Uint8Array(32).fill(tag * 16 + i + 1);
}

export function testMember(i: number): TestMember {
  const seed = seedOf(1, i);
  const peerSeed = seedOf(2, i);
  return {
    id: IDS[i]!,
    region: REGIONS[i]!,
    seed,
    peerSeed,
    adminSeed: seedOf(3, i),
    member: {
      id: IDS[i]!,
      name: `member ${IDS[i]}`,
      region: REGIONS[i]!,
      key: publicKeyOf(seed),
      peer: peerIdOf(publicKeyOf(peerSeed)),
      addrs: [],
      roles: ['author', 'witness'],
    },
  };
}

export function testConsortium(n: number) {
  const members = Array.from({ length: n }, (_, i) => testMember(i));
  const genesis = encodeConfig(buildConfig({ consortium: CONSORTIUM, epoch: 0, members: members.map((m) => m.member) }));
  return { members, genesis, net: configId(genesis) };
}

export function tempDir(prefix = 'tongban-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** An official's submission, as the CLI would build it. */
export function submission(net: Uint8Array, author: string, actorId: string, actorSeed: Uint8Array, kind: string, body: CborMap, refs?: Uint8Array[], at?: number): ActorSubmission {
  const s = signRequest({ net, author, kind, body, refs, at }, actorId, actorSeed);
  return { request: s.bytes, actor: actorId, sig: s.actor.sig };
}

export function firstAdmin(m: TestMember): { kind: string; body: CborMap } {
  return { kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true } };
}
