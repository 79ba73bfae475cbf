import { fromHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { buildConfig, decodeConfig, type Config, type Member } from '../../../protocol/config/index.js';
import { decodeEnvelope, orgActorOf, type AcceptContext, type ActorInForce, type Envelope, type OrgActorBody } from '../../../protocol/records/index.js';
import { peerIdOf } from '../../../protocol/keys.js';
import { vector } from './fixtures.js';

export const cv = vector('consortium.json');
export const net = fromHex(cv.net);
export const ADDR: Record<string, string> = {
  'bj-haidian': '/ip4/127.0.0.1/tcp/4101',
  'sh-pudong': '/ip4/127.0.0.1/tcp/4102',
  'ha-zhengzhou': '/ip4/127.0.0.1/tcp/4103',
  'gd-guangzhou': '/ip4/127.0.0.1/tcp/4104',
};

export function memberOfVector(id: string): Member {
  const m = cv.members.find((x: { id: string }) => x.id === id);
  return {
    id: m.id,
    name: m.name,
    region: m.region,
    key: publicKeyOf(fromHex(m.ledgerSeedHex)),
    peer: peerIdOf(publicKeyOf(fromHex(m.peerSeedHex))),
    addrs: [ADDR[id]!],
    roles: ['author', 'witness'],
  };
}

export function ledgerSeed(id: string): Uint8Array {
  return fromHex(cv.members.find((x: { id: string }) => x.id === id).ledgerSeedHex);
}

export function actorSeed(member: string, id: string): Uint8Array {
  return fromHex(cv.actors.find((a: { member: string; id: string }) => a.member === member && a.id === id).seedHex);
}

export const founders = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou'];

export function genesis(): Config {
  return buildConfig({ consortium: cv.consortium, epoch: 0, members: founders.map(memberOfVector) });
}

export const configs: Config[] = cv.configs.map((c: { hex: string }) => decodeConfig(fromHex(c.hex)));

export function envelopes(author: string): Envelope[] {
  return cv.logs[author].map((r: { envelopeHex: string }) => decodeEnvelope(fromHex(r.envelopeHex)));
}

/** An acceptance context over the vector's logs, as a receiver that holds them would have. */
export function contextFor(logs: Record<string, Envelope[]>, now?: number): AcceptContext {
  return {
    net,
    now,
    configFor: (e) => configs[e],
    actorInForce(author, actorId, seq): ActorInForce | undefined {
      let found: ActorInForce | undefined;
      for (const env of logs[author] ?? []) {
        if (env.record.seq >= seq) break;
        const b = env.record.body as unknown as OrgActorBody;
        if (env.record.kind === 'org.actor' && b.id === actorId) found = orgActorOf(b);
      }
      return found;
    },
  };
}
