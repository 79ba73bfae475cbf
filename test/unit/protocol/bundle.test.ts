import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { decodeBundle, encodeBundle, selectBundleRecords, verifyBundle } from '../../../protocol/bundle/index.js';
import { configPolicy } from '../../../protocol/config/index.js';
import { nobleCrypto, useCrypto } from '../../../protocol/crypto.js';
import { nodeCrypto } from '../../../ledger/crypto-node.js';
import { MemoryTree } from '../../../protocol/merkle/memory.js';
import { parseNote } from '../../../protocol/note/note.js';
import { formatTlogProof } from '../../../protocol/note/tlog-proof.js';
import { decodeEnvelope, type Envelope, type OrgActorBody } from '../../../protocol/records/index.js';
import { configs, cv, envelopes, net } from './consortium-helpers.js';

const authors = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou'];
const logs: Record<string, Envelope[]> = Object.fromEntries(authors.map((a) => [a, envelopes(a)]));
const bundleBytes = fromHex(cv.bundleHex);

describe('offline verification of vectors/consortium.json', () => {
  const report = verifyBundle(bundleBytes, net);
  it('is valid with exactly the expected events', () => {
    expect(report.problems).toEqual([]);
    // The vector's "valid": sound proofs, and the document stands (one final approval, no rejection, not revoked).
    expect(cv.expected.verdict).toBe('valid');
    expect([report.proofs, report.outcome, report.stands]).toEqual(['sound', 'approved', true]);
    expect(report.events).toHaveLength(cv.expected.events.length);
    cv.expected.events.forEach((want: Record<string, unknown>, i: number) => {
      expect(report.events[i]).toMatchObject(want);
    });
    expect(report.warnings).toEqual([]);
  });
  it('counts witnesses per §6 as expected', () => {
    for (const [key, count] of Object.entries(cv.expected.witnessCounts)) {
      const [author, seq] = key.split(' ')[0]!.split('/');
      const ev = report.events.find((e) => e.author === author && e.seq === Number(seq));
      expect(ev?.witnesses, key).toBe(count);
    }
  });
  it('reports as of the newest cosignature', () => {
    expect(report.asOf).toBeGreaterThan(Date.parse('2026-11-22T00:00:00Z'));
    expect(report.epoch).toBe(1);
  });
  it('rejects the bundle under another trust anchor', () => {
    const r = verifyBundle(bundleBytes, fromHex(cv.configs[1].id));
    expect(r.proofs).toBe('unsound');
    expect(r.problems[0]!.code).toBe('NETWORK_MISMATCH');
  });
});

describe('reproducing the bundle from the same inputs', () => {
  // The vector predates the (author, seq) order of §8 (its entries are depth-first): the same entries,
  // each with the same proof, in (author, seq) order, byte for byte.
  it('gives the same entries, in (author, seq) order', async () => {
    const trees = Object.fromEntries(
      authors.map((a) => {
        const t = new MemoryTree();
        for (const env of logs[a]!) t.append(env.id);
        return [a, t];
      }),
    );
    const all = authors.flatMap((a) => logs[a]!);
    const doc = fromHex(cv.document.sha256);
    const docRecords = all.filter((e) => e.record.kind.startsWith('doc.') && toHex(e.record.body.doc as Uint8Array) === toHex(doc));
    const selected = await selectBundleRecords(docRecords, {
      byId: (id) => all.find((e) => toHex(e.id) === toHex(id)),
      actorRecords: (author, actorId, seq) => logs[author]!.filter((e) => e.record.kind === 'org.actor' && (e.record.body as unknown as OrgActorBody).id === actorId && e.record.seq < seq),
    });
    const configsOf = cv.configs.map((c: { hex: string; approvals?: { member: string; sigHex: string }[] }) => ({
      bytes: fromHex(c.hex),
      approvals: (c.approvals ?? []).map((a) => ({ member: a.member, sig: fromHex(a.sigHex) })),
    }));
    const bytes = encodeBundle({
      v: 1,
      net,
      subject: doc,
      configs: configsOf,
      entries: selected.map((env) => {
        const note = parseNote(cv.checkpoints[env.record.author].cosignedNote);
        const size = Number(note.text.split('\n')[1]);
        return { envelope: env.bytes, proof: formatTlogProof({ index: env.record.seq, path: trees[env.record.author]!.inclusionProof(env.record.seq, size), checkpoint: note }) };
      }),
    });
    const vectorBundle = decodeBundle(bundleBytes);
    const key = (e: { envelope: Uint8Array }) => {
      const r = decodeEnvelope(e.envelope).record;
      return `${r.author}/${String(r.seq).padStart(6, '0')}`;
    };
    const sorted = encodeBundle({ ...vectorBundle, entries: [...vectorBundle.entries].sort((a, b) => (key(a) < key(b) ? -1 : 1)) });
    expect(toHex(bytes)).toBe(toHex(sorted));
    expect(selected.map((e) => `${e.record.author}/${e.record.seq}`)).toEqual([
      'bj-haidian/0',
      'bj-haidian/1',
      'bj-haidian/2',
      'bj-haidian/4',
      'ha-zhengzhou/0',
      'ha-zhengzhou/1',
      'ha-zhengzhou/2',
      'sh-pudong/0',
      'sh-pudong/2',
    ]);
    expect(toHex(encodeBundle(decodeBundle(bundleBytes)))).toBe(cv.bundleHex);
    // Either order verifies the same.
    expect(verifyBundle(bytes, net).events).toEqual(verifyBundle(bundleBytes, net).events);
  });
  it('renders the epoch-1 policy', () => {
    expect(configPolicy(configs[1]!)).toBe(cv.policyEpoch1);
  });
});

describe('tampered bundles', () => {
  it('a flipped bit never throws and never forges: the report turns invalid or only loses witness support', () => {
    useCrypto(nodeCrypto);
    try {
      const original = verifyBundle(bundleBytes, net);
      const support = new Map(original.entries.map((e) => [e.id, e.witnesses]));
      let invalid = 0;
      let flips = 0;
      for (let i = 0; i < bundleBytes.length; i += 23) {
        const copy = new Uint8Array(bundleBytes);
        copy[i]! ^= 1 << (i % 8);
        flips++;
        const r = verifyBundle(copy, net);
        if (r.proofs === 'unsound') {
          invalid++;
          continue;
        }
        if (r.doc !== original.doc) {
          // the subject itself was changed: nothing in the bundle is about that document
          expect(r.outcome).toBe('not-found');
          continue;
        }
        // Signature lines of keys the verifier does not use may be dropped (signed-note rules).
        expect(r.events.map((e) => [e.id, e.kind, e.author, e.seq, e.actor])).toEqual(original.events.map((e) => [e.id, e.kind, e.author, e.seq, e.actor]));
        for (const e of r.entries) expect(e.witnesses, `flip at ${i}`).toBeLessThanOrEqual(support.get(e.id)!);
      }
      expect(invalid / flips).toBeGreaterThan(0.9);
    } finally {
      useCrypto(nobleCrypto);
    }
  });
});
