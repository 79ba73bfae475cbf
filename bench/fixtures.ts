import { publicKeyOf } from '../protocol/crypto.js';
import { toBase64 } from '../protocol/bytes.js';
import { buildConfig, configId, encodeConfig, type Member } from '../protocol/config/index.js';
import { peerIdOf } from '../protocol/keys.js';
import { signRequest } from '../protocol/records/request.js';
import type { ActorSubmission } from '../ledger/index.js';

/** A consortium of n members with deterministic bench keys (never real keys). */
export function benchConsortium(n: number, addrs: (i: number) => string[] = () => []) {
  const ids = ['bj-haidian', 'sh-pudong', 'gd-guangzhou', 'ha-zhengzhou', 'zj-hangzhou', 'sc-chengdu', 'hb-wuhan'];
  const regions = ['110108', '310115', '440100', '410100', '330100', '510100', '420100'];
  const members = Array.from({ length: n }, (_, i) => {
    const seed = new Uint8Array(32).fill(0x10 + i);
    const peerSeed = new Uint8Array(32).fill(0x40 + i);
    const member: Member = { id: ids[i]!, name: ids[i]!, region: regions[i]!, key: publicKeyOf(seed), peer: peerIdOf(publicKeyOf(peerSeed)), addrs: addrs(i), roles: ['author', 'witness'] };
    return { id: ids[i]!, seed, peerSeed, adminSeed: new Uint8Array(32).fill(0x70 + i), clerkSeed: new Uint8Array(32).fill(0xa0 + i), member };
  });
  const genesis = encodeConfig(buildConfig({ consortium: 'bench.tongban.test', epoch: 0, members: members.map((m) => m.member) }));
  return { members, genesis, net: configId(genesis) };
}

export function clerkAdd(net: Uint8Array, author: string, adminSeed: Uint8Array, clerkSeed: Uint8Array): ActorSubmission {
  const s = signRequest({ net, author, kind: 'org.actor', body: { id: 'clerk', key: publicKeyOf(clerkSeed), roles: ['registrar'], active: true } }, 'admin', adminSeed);
  return { request: s.bytes, actor: 'admin', sig: s.actor.sig };
}

/** A ~300-byte actor-signed doc.register request. */
export function registerReq(net: Uint8Array, author: string, clerkSeed: Uint8Array, k: number): ActorSubmission {
  const doc = new Uint8Array(32);
  new DataView(doc.buffer).setUint32(0, k);
  const s = signRequest({ net, author, kind: 'doc.register', body: { doc, type: 'benchmark-record', class: 'internal', title: `bench ${k}` } }, 'clerk', clerkSeed);
  return { request: s.bytes, actor: 'clerk', sig: s.actor.sig };
}

/** `n` pre-signed doc.register requests as the JSON bodies of `POST /v1/records`. */
export function registerBodies(net: Uint8Array, author: string, clerkSeed: Uint8Array, n: number): string[] {
  return Array.from({ length: n }, (_, k) => {
    const s = registerReq(net, author, clerkSeed, k);
    return JSON.stringify({ request: toBase64(s.request), actor: s.actor, sig: toBase64(s.sig) });
  });
}
