import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { encodeCanonical, type CborMap } from '../../../protocol/cbor.js';
import {
  acceptRecord,
  decodeEnvelope,
  encodeEnvelope,
  encodeRecord,
  encodeUnsignedEnvelope,
  recordId,
  RecordRejected,
  sealEnvelope,
  sealRecord,
  signRequest,
  MAX_ENVELOPE_BYTES,
  type AcceptContext,
  type Envelope,
  type Record as LedgerRecord,
  type RuleCode,
} from '../../../protocol/records/index.js';
import { actorSeed, contextFor, cv, envelopes, ledgerSeed, net } from './consortium-helpers.js';

const authors = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou'];
const logs: Record<string, Envelope[]> = Object.fromEntries(authors.map((a) => [a, envelopes(a)]));

describe('records of vectors/consortium.json', () => {
  for (const author of authors) {
    cv.logs[author].forEach((v: { seq: number; id: string; envelopeHex: string }, i: number) => {
      it(`reproduces ${author}/${v.seq} byte for byte`, () => {
        const original = logs[author]![i]!.record;
        const rebuilt: LedgerRecord = { ...original };
        if (original.actor) {
          const signed = signRequest(
            { net, author, kind: original.kind, body: original.body, refs: original.refs, nonce: original.actor.nonce, at: original.actor.at },
            original.actor.id,
            actorSeed(author, original.actor.id),
          );
          expect(toHex(signed.actor.sig)).toBe(toHex(original.actor.sig));
          rebuilt.actor = signed.actor;
        }
        const env = sealRecord(encodeRecord(rebuilt), ledgerSeed(author));
        expect(toHex(env.bytes)).toBe(v.envelopeHex);
        expect(toHex(env.id)).toBe(v.id);
      });
    });
    it(`accepts ${author}'s whole log in order`, () => {
      const ctx = contextFor(logs, Date.parse('2026-11-22T00:10:00Z'));
      let head = null;
      for (const env of logs[author]!) {
        const ok = acceptRecord(ctx, head, env.bytes);
        head = { seq: ok.record.seq, id: ok.id, epoch: ok.record.epoch, ts: ok.record.ts };
      }
      expect(head?.seq).toBe(cv.logs[author].length - 1);
    });
  }
});

/** Build bj-haidian's next record (seq 5) and let a test break exactly one rule. */
function next(
  opts: { record?: Partial<LedgerRecord>; actor?: string | null; actorKey?: Uint8Array; at?: number; signer?: Uint8Array; kind?: string; body?: CborMap; refs?: Uint8Array[] } = {},
): Uint8Array {
  const head = logs['bj-haidian']!.at(-1)!;
  const base: LedgerRecord = {
    v: 1,
    net,
    author: 'bj-haidian',
    seq: 5,
    prev: head.id,
    epoch: 0,
    ts: head.record.ts + 1000,
    kind: opts.kind ?? 'doc.register',
    body: opts.body ?? { doc: new Uint8Array(32).fill(7), type: 'permit', class: 'public' },
    refs: opts.refs,
    ...opts.record,
  };
  if (base.refs === undefined) delete base.refs;
  if (opts.actor !== null) {
    const id = opts.actor ?? 'li.na';
    const signed = signRequest(
      { net: base.net, author: base.author, kind: base.kind, body: base.body, refs: base.refs, nonce: new Uint8Array(16).fill(9), at: opts.at ?? base.ts - 500 },
      id,
      opts.actorKey ?? actorSeed('bj-haidian', id === 'zhao.lei' ? 'li.na' : id),
    );
    base.actor = signed.actor;
  }
  return sealRecord(encodeRecord(base), opts.signer ?? ledgerSeed(base.author)).bytes;
}

const now = Date.parse('2026-11-22T00:10:00Z');
const headOf = (author: string, upTo?: number) => {
  const env = logs[author]!.at(upTo ?? -1)!;
  return { seq: env.record.seq, id: env.id, epoch: env.record.epoch, ts: env.record.ts };
};

function expectRule(rule: RuleCode, bytes: Uint8Array, ctx: AcceptContext = contextFor(logs, now), head: ReturnType<typeof headOf> | null = headOf('bj-haidian')) {
  try {
    acceptRecord(ctx, head, bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(RecordRejected);
    expect((e as RecordRejected).rule).toBe(rule);
    return;
  }
  expect.unreachable(`expected rule ${rule} to reject`);
}

describe('envelope encoding', () => {
  it('writes exactly the canonical CBOR of [record bytes, sig] at every length form of a byte string', () => {
    for (const n of [0, 1, 23, 24, 255, 256, 65_535, 65_536, MAX_ENVELOPE_BYTES]) {
      const rec = new Uint8Array(n).map((_, i) => i & 0xff);
      for (const sig of [new Uint8Array(64).fill(7), new Uint8Array(0), new Uint8Array(23)]) {
        expect(toHex(encodeEnvelope(rec, sig))).toBe(toHex(encodeCanonical([rec, sig])));
      }
    }
  });
  it('builds a record into its envelope before it is signed: once sealed, the envelope, record bytes and id of the separate steps', () => {
    const base = logs['bj-haidian']!.at(-1)!.record;
    expect(base.actor).toBeDefined();
    // bodies whose records take every length form of the envelope's byte string head (24, 256 and 65,536 bytes and over)
    for (const pad of [0, 1, 100, 300, 70_000]) {
      const r: LedgerRecord = { ...base, body: { ...base.body, note: 'x'.repeat(pad) } };
      let want: Uint8Array;
      try {
        want = encodeRecord(r);
      } catch (e) {
        expect(() => encodeUnsignedEnvelope(r)).toThrow((e as Error).message);
        continue;
      }
      const u = encodeUnsignedEnvelope(r);
      expect(toHex(u.recordBytes)).toBe(toHex(want));
      expect(toHex(u.id)).toBe(toHex(recordId(want)));
      const sig = new Uint8Array(64).map((_, i) => 255 - i);
      sealEnvelope(u.bytes, sig);
      expect(toHex(u.bytes)).toBe(toHex(encodeEnvelope(want, sig)));
      expect(decodeEnvelope(u.bytes).record).toEqual(r);
    }
    expect(() => sealEnvelope(new Uint8Array(100), new Uint8Array(63))).toThrow(/64 bytes/);
  });
});

describe('acceptance rules (§5.1, §5.3): each test breaks exactly one rule', () => {
  it('accepts the unbroken record (control)', () => {
    expect(acceptRecord(contextFor(logs, now), headOf('bj-haidian'), next()).record.seq).toBe(5);
  });
  it('LIMIT', () => expectRule('LIMIT', new Uint8Array(MAX_ENVELOPE_BYTES + 1)));
  it('ENVELOPE', () => expectRule('ENVELOPE', encodeCanonical([decodeEnvelope(next()).recordBytes, new Uint8Array(64), 1])));
  it('SHAPE', () => {
    const env = decodeEnvelope(next());
    const r = { ...env.record } as Record<string, unknown>;
    delete r.ts;
    expectRule('SHAPE', encodeCanonical([encodeCanonical(r as CborMap), env.sig]));
  });
  it('VERSION', () => {
    const env = decodeEnvelope(next());
    expectRule('VERSION', encodeCanonical([encodeCanonical({ ...(env.record as unknown as CborMap), v: 2 }), env.sig]));
  });
  it('NETWORK', () => expectRule('NETWORK', next({ record: { net: new Uint8Array(32).fill(1) } })));
  it('WRONG_AUTHOR', () => expectRule('WRONG_AUTHOR', next(), { ...contextFor(logs, now), author: 'sh-pudong' }));
  it('UNKNOWN_EPOCH', () => expectRule('UNKNOWN_EPOCH', next({ record: { epoch: 7 } })));
  it('NOT_AUTHOR', () => {
    const bytes = sealRecord(
      encodeRecord({
        v: 1,
        net,
        author: 'gd-guangzhou',
        seq: 0,
        epoch: 0,
        ts: now,
        kind: 'org.actor',
        body: { id: 'admin', key: fromHex('8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c'), roles: ['admin'], active: true },
      }),
      ledgerSeed('gd-guangzhou'),
    ).bytes;
    expectRule('NOT_AUTHOR', bytes, contextFor(logs, now), null);
  });
  it('EPOCH_REGRESSED', () => {
    const head = headOf('sh-pudong'); // seq 2 is in epoch 1
    const bytes = sealRecord(
      encodeRecord({ v: 1, net, author: 'sh-pudong', seq: 3, prev: head.id, epoch: 0, ts: head.ts + 1, kind: 'evidence.fork', body: { a: new Uint8Array(1), b: new Uint8Array(1) } }),
      ledgerSeed('sh-pudong'),
    ).bytes;
    expectRule('EPOCH_REGRESSED', bytes, contextFor(logs, now), head);
  });
  it('SEQ', () => expectRule('SEQ', next({ record: { seq: 6 } })));
  it('PREV', () => expectRule('PREV', next({ record: { prev: new Uint8Array(32) } })));
  it('SIGNATURE', () => expectRule('SIGNATURE', next({ signer: ledgerSeed('sh-pudong') })));
  it('TS_REGRESSED', () => expectRule('TS_REGRESSED', next({ record: { ts: headOf('bj-haidian').ts - 1 } })));
  it('TS_FUTURE', () => expectRule('TS_FUTURE', next({ record: { ts: now + 6 * 60_000 }, at: now + 6 * 60_000 })));
  it('BODY', () => expectRule('BODY', next({ body: { doc: new Uint8Array(32), type: 'permit', class: 'secret' } })));
  it('FIRST_RECORD', () => {
    const bytes = sealRecord(
      encodeRecord({ v: 1, net, author: 'bj-haidian', seq: 0, epoch: 0, ts: now, kind: 'doc.register', body: { doc: new Uint8Array(32), type: 'x', class: 'public' } }),
      ledgerSeed('bj-haidian'),
    ).bytes;
    expectRule('FIRST_RECORD', bytes, contextFor(logs, now), null);
  });
  it('ACTOR_MISSING', () => expectRule('ACTOR_MISSING', next({ actor: null })));
  it('ACTOR_NOT_ALLOWED', () => expectRule('ACTOR_NOT_ALLOWED', next({ kind: 'evidence.fork', body: { a: new Uint8Array(1), b: new Uint8Array(1) } })));
  it('ACTOR_UNKNOWN', () => expectRule('ACTOR_UNKNOWN', next({ actor: 'zhao.lei' })));
  it('ACTOR_INACTIVE', () => {
    const ctx = contextFor(logs, now);
    const inner = ctx.actorInForce;
    expectRule('ACTOR_INACTIVE', next(), { ...ctx, actorInForce: (a, id, s) => ({ ...inner(a, id, s)!, active: false }) });
  });
  it('ACTOR_ROLE', () => expectRule('ACTOR_ROLE', next({ kind: 'doc.approve', body: { doc: new Uint8Array(32), decision: 'approve', role: 'review' }, refs: [new Uint8Array(32)] })));
  it('ACTOR_CLOCK', () => expectRule('ACTOR_CLOCK', next({ at: headOf('bj-haidian').ts + 1000 - 6 * 60_000 })));
  it('ACTOR_SIGNATURE', () => expectRule('ACTOR_SIGNATURE', next({ actorKey: actorSeed('bj-haidian', 'admin') })));
  it('NONCE_REPLAYED', () => expectRule('NONCE_REPLAYED', next(), { ...contextFor(logs, now), nonceSeen: () => true }));
});
