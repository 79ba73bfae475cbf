import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { decodeCanonical, encodeCanonical } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { approveConfig, buildConfig, configId, createJoinRequest, decodeConfig, defaultQuorum, encodeConfig, parseJoinRequest, verifyConfigChain } from '../../../protocol/config/index.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { cv, founders, genesis, ledgerSeed, memberOfVector, net } from './consortium-helpers.js';

describe('consortium configs (vectors/consortium.json)', () => {
  it('reproduces the genesis bytes and the network id', () => {
    const bytes = encodeConfig(genesis());
    expect(toHex(bytes)).toBe(cv.configs[0].hex);
    expect(toHex(configId(bytes))).toBe(cv.net);
    expect(genesis().quorum).toEqual(cv.expected.quorums.epoch0);
  });
  it('reproduces epoch 1 (gd-guangzhou admitted) and its approvals', () => {
    const cfg1 = buildConfig({ consortium: cv.consortium, epoch: 1, prev: net, members: [...founders, 'gd-guangzhou'].map(memberOfVector) });
    const bytes = encodeConfig(cfg1);
    expect(toHex(bytes)).toBe(cv.configs[1].hex);
    expect(toHex(configId(bytes))).toBe(cv.configs[1].id);
    expect(cfg1.quorum).toEqual(cv.expected.quorums.epoch1);
    for (const a of cv.configs[1].approvals) {
      expect(toHex(approveConfig(configId(bytes), ledgerSeed(a.member)))).toBe(a.sigHex);
    }
  });
  it('verifies the chain from the trust anchor', () => {
    const chain = cv.configs.map((c: { hex: string; approvals?: { member: string; sigHex: string }[] }) => ({
      bytes: fromHex(c.hex),
      approvals: (c.approvals ?? []).map((a) => ({ member: a.member, sig: fromHex(a.sigHex) })),
    }));
    const verified = verifyConfigChain(net, chain);
    expect(verified.map((v) => v.config.epoch)).toEqual([0, 1]);
    // too few approvals
    const short = [chain[0], { ...chain[1], approvals: chain[1].approvals.slice(0, 1) }];
    expect(() => verifyConfigChain(net, short)).toThrow(expect.objectContaining({ code: 'CONFIG_CHAIN' }));
    // wrong trust anchor
    expect(() => verifyConfigChain(fromHex(cv.configs[1].id), chain)).toThrow(expect.objectContaining({ code: 'CONFIG_CHAIN' }));
    // a bad approval signature
    const sig = new Uint8Array(chain[1].approvals[0].sig);
    sig[0]! ^= 1;
    const forged = [chain[0], { ...chain[1], approvals: [{ member: 'bj-haidian', sig }, chain[1].approvals[1]] }];
    expect(() => verifyConfigChain(net, forged)).toThrow(expect.objectContaining({ code: 'CONFIG_CHAIN' }));
    // duplicate approver
    const dup = [chain[0], { ...chain[1], approvals: [chain[1].approvals[0], chain[1].approvals[0]] }];
    expect(() => verifyConfigChain(net, dup)).toThrow(expect.objectContaining({ code: 'CONFIG_CHAIN' }));
  });
  it('rejects a successor whose prev is wrong', () => {
    const cfg1 = buildConfig({ consortium: cv.consortium, epoch: 1, prev: new Uint8Array(32), members: [...founders, 'gd-guangzhou'].map(memberOfVector) });
    const bytes = encodeConfig(cfg1);
    const approvals = founders.map((m) => ({ member: m, sig: approveConfig(configId(bytes), ledgerSeed(m)) }));
    expect(() =>
      verifyConfigChain(net, [
        { bytes: fromHex(cv.configs[0].hex), approvals: [] },
        { bytes, approvals },
      ]),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_CHAIN' }));
  });
});

describe('default quorums (§4)', () => {
  it.each([
    [1, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [7, 5],
    [34, 23],
  ])('n=%i → %i', (n, q) => {
    expect(defaultQuorum(n)).toBe(q);
  });
});

describe('config validation names the field', () => {
  const base = () => decodeCanonical(fromHex(cv.configs[0].hex)) as Record<string, any>;
  const cases: [string, (c: Record<string, any>) => void, string][] = [
    ['members unsorted', (c) => c.members.reverse(), 'members'],
    ['bad region', (c) => (c.members[0].region = '999999'), 'members[0].region'],
    ['bad member id', (c) => (c.members[0].id = 'BJ'), 'members[0].id'],
    ['quorum too large', (c) => (c.quorum.witness = 9), 'quorum.witness'],
    ['unknown field', (c) => (c.extra = 1), '.extra'],
    ['prev in epoch 0', (c) => (c.prev = new Uint8Array(32)), 'prev'],
    ['small-order key', (c) => (c.members[0].key = fromHex('0100000000000000000000000000000000000000000000000000000000000000')), 'members[0].key'],
    ['bad peer id', (c) => (c.members[0].peer = 'QmNotAnEd25519PeerId'), 'members[0].peer'],
    ['unsorted roles', (c) => (c.members[0].roles = ['witness', 'author']), 'members[0].roles'],
  ];
  for (const [name, mutate, field] of cases) {
    it(name, () => {
      const c = base();
      mutate(c);
      try {
        decodeConfig(encodeCanonical(c));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
        expect((e as ProtocolError).code).toBe('CONFIG_INVALID');
        expect((e as ProtocolError).detail).toBe(field);
      }
    });
  }
});

describe('join requests', () => {
  const gd = cv.members.find((m: { id: string }) => m.id === 'gd-guangzhou');
  const make = () =>
    createJoinRequest(
      { consortium: cv.consortium, id: 'gd-guangzhou', name: gd.name, region: gd.region, addrs: ['/ip4/127.0.0.1/tcp/4104'], roles: ['witness', 'author'] },
      fromHex(gd.ledgerSeedHex),
      fromHex(gd.peerSeedHex),
    );
  it('round-trips and yields the member entry of the vector', () => {
    const parsed = parseJoinRequest(JSON.stringify(make()));
    expect(parsed.member).toEqual(memberOfVector('gd-guangzhou'));
    expect(parsed.request.vkey).toBe(gd.vkey);
    expect(parsed.member.key).toEqual(publicKeyOf(fromHex(gd.ledgerSeedHex)));
  });
  const tamper: [string, (r: Record<string, any>) => void, string][] = [
    ['changed name', (r) => (r.name = 'x'), 'sig'],
    ['swapped peer', (r) => (r.peer = cv.members[0].peerId), 'sig'],
    ['bad region', (r) => (r.region = '12345'), 'region'],
    ['unknown field', (r) => (r.admin = true), 'admin'],
    ['vkey of another name', (r) => (r.vkey = cv.members[0].vkey), 'vkey'],
  ];
  for (const [name, mutate, field] of tamper) {
    it(`rejects ${name}`, () => {
      const r = make() as unknown as Record<string, any>;
      mutate(r);
      try {
        parseJoinRequest(JSON.stringify(r));
        expect.unreachable();
      } catch (e) {
        expect((e as ProtocolError).code).toBe('JOIN_REQUEST_INVALID');
        expect((e as ProtocolError).detail).toBe(field);
      }
    });
  }
  it('rejects a request whose peer signature is by another key', () => {
    const r = make() as unknown as Record<string, any>;
    const other = createJoinRequest(
      { consortium: cv.consortium, id: 'gd-guangzhou', name: gd.name, region: gd.region, addrs: ['/ip4/127.0.0.1/tcp/4104'], roles: ['author', 'witness'] },
      fromHex(gd.ledgerSeedHex),
      fromHex(cv.members[0].peerSeedHex),
    );
    r.peerSig = other.peerSig;
    expect(() => parseJoinRequest(JSON.stringify(r))).toThrow(expect.objectContaining({ code: 'JOIN_REQUEST_INVALID', detail: 'peerSig' }));
  });
});
