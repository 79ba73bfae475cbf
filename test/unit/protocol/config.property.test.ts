import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, fromHex, toBase64 } from '../../../protocol/bytes.js';
import { decodeCanonical, encodeCanonical } from '../../../protocol/cbor.js';
import { configId, createJoinRequest, decodeConfig, encodeConfig, parseJoinRequest, verifyConfigChain, type SignedConfig } from '../../../protocol/config/index.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { cborMap, cborValue, mutate, mutateText, mutation, objectOf, onlyTyped, replaceDeep } from '../../helpers/arbitraries.js';
import { cv, net } from './consortium-helpers.js';

/**
 * Configs arrive from peers, in bundles and as files; join requests are files a stranger hands over. Random, mutated and
 * near-valid input fails only with a typed ProtocolError, and whatever is accepted is exactly canonical.
 */
const protocolError = (e: unknown) => e instanceof ProtocolError;
const configs: Uint8Array[] = cv.configs.map((c: { hex: string }) => fromHex(c.hex));
const chain: SignedConfig[] = cv.configs.map((c: { hex: string; approvals?: { member: string; sigHex: string }[] }) => ({
  bytes: fromHex(c.hex),
  approvals: (c.approvals ?? []).map((a) => ({ member: a.member, sig: fromHex(a.sigHex) })),
}));

const deepEdit = fc.record({
  path: fc.array(fc.nat(), { maxLength: 5 }),
  by: cborValue(['v', 'consortium', 'epoch', 'prev', 'members', 'quorum', 'id', 'key', 'peer', 'addrs', 'roles']),
  drop: fc.boolean(),
});

describe('configs: random and mutated input fails only with ProtocolError', () => {
  it('decodeConfig on mutated config bytes (2,000): accepted only if canonical', () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), mutation, (b, m) => {
        const bytes = mutate(b, m);
        const r = onlyTyped(() => decodeConfig(bytes), protocolError);
        if (r.ok) expect(equalBytes(encodeConfig(r.value), bytes)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeConfig on structural edits of a valid config (2,000): a value replaced or a key dropped anywhere', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...configs), deepEdit, (b, e) => {
        const edited = replaceDeep(decodeCanonical(b), e.path, e.by, e.drop);
        const bytes = onlyTyped(() => encodeCanonical(edited), protocolError);
        if (!bytes.ok) return;
        const r = onlyTyped(() => decodeConfig(bytes.value), protocolError);
        if (r.ok) {
          accepted++;
          expect(equalBytes(encodeConfig(r.value), bytes.value)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(0); // some edits (a name, an address) leave a valid config
  });

  it('decodeConfig on near-valid maps (2,000)', () => {
    const member = cborMap({
      id: fc.constantFrom('bj-haidian', 'sh-pudong', 'X'),
      name: fc.string({ maxLength: 8 }),
      region: fc.constantFrom('110108', '310115', '999999', '1101'),
      key: fc.uint8Array({ minLength: 31, maxLength: 33 }),
      peer: fc.string({ maxLength: 10 }),
      addrs: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
      roles: fc.constantFrom(['author'], ['witness'], ['author', 'witness'], ['witness', 'author'], [], ['admin']),
    });
    const cfg = cborMap({
      v: fc.constantFrom(1, 2),
      consortium: fc.constantFrom('test.gov.example', 'Bad'),
      epoch: fc.constantFrom(0, 1, -1, 2 ** 53 - 1),
      prev: fc.uint8Array({ minLength: 31, maxLength: 33 }),
      members: fc.array(member, { maxLength: 3 }),
      quorum: cborMap({ witness: fc.integer({ min: -1, max: 4 }), governance: fc.integer({ min: -1, max: 4 }) }),
    });
    fc.assert(
      fc.property(cfg, (c) => {
        const bytes = onlyTyped(() => encodeCanonical(c), protocolError);
        if (bytes.ok) onlyTyped(() => decodeConfig(bytes.value), protocolError);
      }),
      { numRuns: 2000 },
    );
  });

  it('verifyConfigChain on mutated approvals and configs (1,000): the vector chain verifies only unchanged', () => {
    expect(verifyConfigChain(net, chain).length).toBe(chain.length);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), mutation, fc.boolean(), (ci, ai, m, onConfig) => {
        const c = chain.map((x) => ({ bytes: x.bytes, approvals: [...x.approvals] }));
        const target = c[ci % c.length]!;
        let changed: boolean;
        if (onConfig || target.approvals.length === 0) {
          const bytes = mutate(target.bytes, m);
          changed = !equalBytes(bytes, target.bytes);
          target.bytes = bytes;
        } else {
          const j = ai % target.approvals.length;
          const a = target.approvals[j]!;
          const sig = mutate(a.sig, m);
          changed = !equalBytes(sig, a.sig);
          target.approvals[j] = { member: a.member, sig };
        }
        const r = onlyTyped(() => verifyConfigChain(net, c), protocolError);
        if (r.ok && changed) {
          // only a surplus approval (beyond the quorum) may be damaged without effect; never a config's bytes
          expect(onConfig || target.approvals.length === 0).toBe(false);
          expect(r.value.map((x) => configId(x.bytes))).toEqual(chain.map((x) => configId(x.bytes)));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('join requests: random and mutated files fail only with JOIN_REQUEST_INVALID', () => {
  const gd = cv.members.find((m: { id: string }) => m.id === 'gd-guangzhou');
  const valid = createJoinRequest(
    { consortium: cv.consortium, id: 'gd-guangzhou', name: gd.name, region: gd.region, addrs: ['/ip4/127.0.0.1/tcp/4104'], roles: ['author', 'witness'] },
    fromHex(gd.ledgerSeedHex),
    fromHex(gd.peerSeedHex),
  );
  const text = JSON.stringify(valid, null, 2);
  const joinError = (e: unknown) => e instanceof ProtocolError && e.code === 'JOIN_REQUEST_INVALID';

  it('mutated files (3,000): accepted only if the fields are the signed ones', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const r = onlyTyped(() => parseJoinRequest(ms.reduce((t, m) => mutateText(t, m), text)), joinError);
        if (r.ok) expect({ ...r.value.request }).toEqual(valid); // only whitespace can change
      }),
      { numRuns: 3000 },
    );
  });

  it('random JSON values and near-valid objects (3,000)', () => {
    const field = <T>(good: T, other: fc.Arbitrary<unknown>) => fc.oneof(fc.constant(good), other, fc.jsonValue({ maxDepth: 2 }));
    const near = fc
      .record(
        {
          type: field(valid.type, fc.string({ maxLength: 5 })),
          consortium: field(valid.consortium, fc.string({ maxLength: 5 })),
          id: field(valid.id, fc.constantFrom('__proto__', 'a', 'x'.repeat(64))),
          name: field(valid.name, fc.string({ maxLength: 300 })),
          region: field(valid.region, fc.constantFrom('000000', '11010', '110108')),
          vkey: field(valid.vkey, fc.constantFrom('', `${cv.consortium}/gd-guangzhou+00000000+AQ==`, valid.vkey.slice(0, -2))),
          peer: field(valid.peer, fc.constantFrom('', '12D3Koo', cv.members[0].peerId)),
          addrs: field(valid.addrs, fc.array(fc.string({ maxLength: 4 }), { maxLength: 20 })),
          roles: field(valid.roles, fc.constantFrom([], ['witness', 'author'], ['author', 'author'], ['admin'])),
          sig: field(valid.sig, fc.constantFrom('', '!!', toBase64(new Uint8Array(64)))),
          peerSig: field(valid.peerSig, fc.constantFrom('', valid.sig)),
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: ['type', 'consortium', 'id', 'name', 'region', 'vkey', 'peer', 'addrs', 'roles', 'sig', 'peerSig'] },
      )
      .chain((r) => fc.option(fc.jsonValue({ maxDepth: 1 })).map((p) => JSON.stringify(p === null ? r : objectOf([...Object.entries(r), ['__proto__', p]]))));
    fc.assert(
      fc.property(fc.oneof(near, fc.json({ maxDepth: 3 }), fc.string({ maxLength: 100 })), (t) => {
        const r = onlyTyped(() => parseJoinRequest(t), joinError);
        if (r.ok) expect({ ...r.value.request }).toEqual(valid);
      }),
      { numRuns: 3000 },
    );
  });
});
