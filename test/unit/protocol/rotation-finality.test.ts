import { describe, expect, it } from 'vitest';
import { encodeBundle, verifyBundle } from '../../../protocol/bundle/index.js';
import { buildConfig, configId, encodeConfig, type Config } from '../../../protocol/config/index.js';
import { approveConfig } from '../../../protocol/config/governance.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { FinalityPolicy } from '../../../protocol/finality.js';
import { originOf } from '../../../protocol/names.js';
import { cosign } from '../../../protocol/note/cosignature.js';
import { formatCheckpoint } from '../../../protocol/note/checkpoint.js';
import { signNote, type Note } from '../../../protocol/note/note.js';
import { CONSORTIUM } from '../../helpers/consortium.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

/**
 * A witness that rotated its ledger key (§4) still proves records of the
 * epochs before its rotation: its cosignature under the key a later epoch
 * names counts for them, as an author's checkpoint signed with a later key does.
 */
const newSeed = new Uint8Array(32).fill(0xb1);

function rotated(s: Scenario, roles: ('author' | 'witness')[] = ['author', 'witness']): { cfg1: Config; bytes: Uint8Array } {
  const A = s.member(0);
  const members = s.config.members.map((m) => (m.id === A.id ? { ...m, key: publicKeyOf(newSeed), roles } : m));
  const cfg1 = buildConfig({ consortium: CONSORTIUM, epoch: 1, prev: s.net, members });
  return { cfg1, bytes: encodeConfig(cfg1) };
}

/** A checkpoint of B's log (records of epoch 0) cosigned by A under its new key and by B. */
function note(s: Scenario): Note {
  const [A, B] = [s.member(0), s.member(1)];
  const size = s.logs.get(B.id)!.length;
  const text = formatCheckpoint({ origin: originOf(CONSORTIUM, B.id), size, root: s.tree(B.id).root(size), extensions: [] });
  const t = Math.floor(s.clock / 1000) + 10;
  return { text, sigs: [signNote(text, originOf(CONSORTIUM, B.id), B.seed), cosign(text, originOf(CONSORTIUM, A.id), newSeed, t), cosign(text, originOf(CONSORTIUM, B.id), B.seed, t + 1)] };
}

describe("a rotated witness's cosignatures count for earlier epochs", () => {
  it('under the policy that knows the later epoch, not without it; only while the member still witnesses', () => {
    const s = new Scenario(3);
    const n = note(s);
    const { cfg1 } = rotated(s);
    expect(FinalityPolicy.of(s.config).check(n)).toMatchObject({ count: 1, final: false });
    expect(FinalityPolicy.of(s.config, [cfg1]).check(n)).toMatchObject({ count: 2, final: true });
    const A = s.member(0);
    expect(FinalityPolicy.of(s.config, [cfg1]).countVerified(new Map([[A.id, publicKeyOf(newSeed)]]))).toBe(1);
    expect(FinalityPolicy.of(s.config).countVerified(new Map([[A.id, publicKeyOf(newSeed)]]))).toBe(0);
    // a later epoch where A no longer witnesses lends its key nothing
    expect(FinalityPolicy.of(s.config, [rotated(s, ['author']).cfg1]).check(n)).toMatchObject({ count: 1, final: false });
    // a line under the later key that does not verify still makes the note invalid
    const bad = { ...n, sigs: n.sigs.map((x, i) => (i === 1 ? { ...x, sig: x.sig.map((b, j) => (j === 20 ? b ^ 1 : b)) } : x)) };
    expect(() => FinalityPolicy.of(s.config, [cfg1]).check(bad)).toThrow(/cosignature of/);
  });

  it('a bundle whose configs hold the rotation proves an epoch-0 record final with the rotated cosignature', async () => {
    const s = new Scenario(3);
    const B = s.member(1);
    s.enrol(B.id, 'zhou.reg', ['registrar']);
    const doc = new Uint8Array(32).fill(0xd3);
    s.by(B.id, 'zhou.reg', 'doc.register', { doc, type: 'permit', class: 'public' });
    const { bytes } = rotated(s);
    const id = configId(bytes);
    const approvals = [0, 1].map((i) => ({ member: s.member(i).id, sig: approveConfig(id, s.member(i).seed) }));
    const entries = await s.entries(doc, (env) => (env.record.author === B.id ? note(s) : s.checkpoint(env.record.author, s.logs.get(env.record.author)!.length, [s.member(1).id, s.member(2).id])));
    const withRotation = verifyBundle(
      encodeBundle({
        v: 1,
        net: s.net,
        subject: doc,
        configs: [
          { bytes: s.genesis, approvals: [] },
          { bytes, approvals },
        ],
        entries,
      }),
      s.net,
    );
    expect([withRotation.proofs, withRotation.problems]).toEqual(['sound', []]);
    expect(withRotation.events.map((e) => [e.kind, e.final, e.witnesses])).toEqual([['doc.register', true, 2]]);
    // without the epoch that names the new key, the same cosignature does not count
    const without = verifyBundle(encodeBundle({ v: 1, net: s.net, subject: doc, configs: [{ bytes: s.genesis, approvals: [] }], entries }), s.net);
    expect(without.events.map((e) => [e.kind, e.final, e.witnesses])).toEqual([['doc.register', false, 1]]);
  });
});
