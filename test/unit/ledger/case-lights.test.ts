import { describe, expect, it } from 'vitest';
import type { CborMap } from '../../../protocol/cbor.js';
import { isoCst, WorkCalendar } from '../../../protocol/cases/calendar.js';
import { caseReport, type HeldRecord } from '../../../protocol/cases/report.js';
import { foldCase } from '../../../protocol/cases/rules.js';
import type { Envelope } from '../../../protocol/records/record.js';
import { decodeSummary, encodeSummary, lightsOf, summarize } from '../../../ledger/cases.js';

/*
 * The day boundary evaluates open cases from their stored summary (ledger/cases.ts `lightsOf`) and builds the
 * C.6 report only when the light or alerts change. This checks that the two agree: cases with pauses,
 * extensions, holidays and make-up days, stalled and incomplete hand-offs, late entries (an ignored record's
 * too), a refusal and a late close, each read at many instants through a summary encoded and decoded as stored.
 */

const ZZ = 'henan-zhengzhou';
const HD = 'beijing-haidian';
// a test calendar (not a real year's): a week of holidays with a make-up Saturday either side
const CAL = new WorkCalendar({ off: [20261001, 20261002, 20261005, 20261006, 20261007], on: [20260926, 20261010] }, 3);
const seqs = new Map<string, number>();
const witnessedAt = new Map<string, number | null>();
const H = (b: number) => new Uint8Array(32).fill(b);
const ts = (s: string) => Date.parse(`${s}+08:00`);

/** A stand-in record (the fold, report and engine read id, author, seq, epoch, kind, ts, body, refs), witnessed `lag` ms after ts (null: not final). */
function rec(author: string, kind: string, at: string, body: CborMap, refs: Uint8Array[] = [], lag: number | null = 60_000): Envelope {
  const seq = seqs.get(author) ?? 0;
  seqs.set(author, seq + 1);
  const id = new Uint8Array(32);
  new DataView(id.buffer).setUint32(0, 0x1000 * (author === ZZ ? 1 : 2) + seq);
  const t = ts(at);
  witnessedAt.set(`${author}/${seq}`, lag === null ? null : t + lag);
  return { id, record: { author, seq, epoch: 0, kind, ts: t, body, refs } } as unknown as Envelope;
}

function openCase(serial: string, at: string, days: number, calendar: 'working' | 'natural' = 'working'): Envelope {
  const body = { item: 'ITEM-1', name: '道路运输经营许可', mode: 'proxy', serial, applicant: H(1), handlers: [HD], limit: { days, calendar }, materials: [] };
  return rec(ZZ, 'case.open', at, body as unknown as CborMap);
}

/** Builds one case's records in order; `c` is the case id. */
function story(serial: string, at: string, days: number, calendar: 'working' | 'natural', more: (c: Uint8Array, add: (e: Envelope) => Envelope) => void): Envelope[] {
  const open = openCase(serial, at, days, calendar);
  const out = [open];
  more(open.id, (e) => {
    out.push(e);
    return e;
  });
  return out;
}

const handoff = (c: Uint8Array, at: string, via: 'network' | 'post', lag?: number | null) =>
  rec(ZZ, 'case.handoff', at, { to: HD, purpose: 'handle', via, materials: [H(2)], ...(via === 'post' ? { tracking: 'EMS-1' } : {}) }, [c], lag);
const receipt = (c: Uint8Array, h: Envelope, at: string, complete = true) => rec(HD, 'case.receipt', at, complete ? { complete } : { complete, missing: [H(3), H(4)] }, [c, h.id]);
const byHD = (c: Uint8Array, kind: string, at: string, body: CborMap, lag?: number | null) => rec(HD, kind, at, body, [c], lag);
const accept = (c: Uint8Array, at: string, lag?: number | null) => byHD(c, 'case.accept', at, { decision: 'accept' }, lag);
const pause = (c: Uint8Array, at: string) => byHD(c, 'case.clock', at, { action: 'pause', reason: 'inspection' });
const resume = (c: Uint8Array, at: string) => byHD(c, 'case.clock', at, { action: 'resume' });
const extend = (c: Uint8Array, at: string, days: number) => byHD(c, 'case.clock', at, { action: 'extend', days, reason: 'extension' });

const cases: [string, Envelope[]][] = [
  [
    'paused over the holidays, resumed, extended twice, hand-off received in time',
    story('C1', '2026-09-25T09:00:00', 5, 'working', (c, add) => {
      const h = add(handoff(c, '2026-09-25T10:00:00', 'network'));
      add(receipt(c, h, '2026-09-25T15:00:00'));
      add(accept(c, '2026-09-28T10:00:00'));
      add(pause(c, '2026-09-29T16:00:00'));
      add(resume(c, '2026-10-09T09:00:00'));
      add(extend(c, '2026-10-09T10:00:00', 3));
      add(extend(c, '2026-10-12T11:00:00', 2));
    }),
  ],
  [
    'a post hand-off received late and incomplete, completed by a second one; the acceptance entered late',
    story('C2', '2026-09-24T09:00:00', 10, 'natural', (c, add) => {
      const h = add(handoff(c, '2026-09-24T11:00:00', 'post'));
      add(receipt(c, h, '2026-10-08T09:00:00', false));
      const h2 = add(handoff(c, '2026-10-08T15:00:00', 'network'));
      add(receipt(c, h2, '2026-10-09T09:00:00'));
      add(accept(c, '2026-10-09T10:00:00', 2 * 3600_000));
    }),
  ],
  [
    'red before a pause, extended while paused: red stays',
    story('C3', '2026-09-01T09:00:00', 3, 'working', (c, add) => {
      add(accept(c, '2026-09-01T10:00:00'));
      add(pause(c, '2026-09-20T10:00:00'));
      add(extend(c, '2026-09-21T10:00:00', 10));
    }),
  ],
  ['refused', story('C4', '2026-10-08T09:00:00', 5, 'working', (c, add) => void add(byHD(c, 'case.accept', '2026-10-08T10:00:00', { decision: 'refuse', reason: '不属于受理范围' })))],
  ['not accepted: a hand-off with no receipt, its records not final', story('C5', '2026-10-12T09:00:00', 5, 'working', (c, add) => void add(handoff(c, '2026-10-12T09:30:00', 'network', null)))],
  [
    'closed one day late',
    story('C6', '2026-09-14T09:00:00', 2, 'working', (c, add) => {
      add(accept(c, '2026-09-14T10:00:00'));
      add(byHD(c, 'case.close', '2026-09-17T11:00:00', { result: 'issued', license: 'E-1' }));
    }),
  ],
  [
    'a step before acceptance (ignored) entered late, then accepted; yellow on its last day',
    story('C7', '2026-10-09T09:00:00', 4, 'working', (c, add) => {
      add(byHD(c, 'case.step', '2026-10-09T09:30:00', { step: 'review', opinion: 'agree' }, 3 * 3600_000));
      add(accept(c, '2026-10-09T10:00:00'));
    }),
  ],
  [
    'received incomplete, no complete receipt since',
    story('C8', '2026-10-12T09:00:00', 20, 'working', (c, add) => {
      const h = add(handoff(c, '2026-10-12T09:30:00', 'network'));
      add(receipt(c, h, '2026-10-12T14:00:00', false));
    }),
  ],
];

const offsets = [0, 3600_000, 86_400_000, 2 * 86_400_000, 4 * 86_400_000, 6 * 86_400_000, 9 * 86_400_000, 15 * 86_400_000, 40 * 86_400_000];
const fixed = ['2026-10-13T00:00:00', '2026-10-14T12:00:00', '2026-10-15T23:59:59.999', '2026-10-16T00:00:00', '2026-10-21T08:00:00', '2026-11-30T00:00:00'].map(ts);

describe('lights from the stored summary (ledger/cases.ts lightsOf) = lights of the C.6 report', () => {
  it('same light, overdue, alerts and openness at every instant after the last record, for every case', async () => {
    const ctx = { calendar: CAL, regionOf: () => undefined };
    const lights = new Set<string | null>();
    const codes = new Set<string>();
    let compared = 0;
    for (const [name, records] of cases) {
      const id = records[0]!.id;
      const held: HeldRecord[] = records.map((env) => {
        const w = witnessedAt.get(`${env.record.author}/${env.record.seq}`)!;
        return { env, final: w !== null, witnessed: w };
      });
      const folded = foldCase(id, records)!;
      // as stored: encoded and decoded (a field the encoding drops changes what the fast path sees)
      const summary = decodeSummary(
        encodeSummary(
          summarize(
            folded.fold,
            folded.ordered.map((o) => o.env),
          ),
        ),
      );
      const witnessed = async (author: string, seq: number) => witnessedAt.get(`${author}/${seq}`) ?? null;
      const last = Math.max(...records.map((e) => e.record.ts));
      for (const t of [...offsets.map((o) => last + o), ...fixed]) {
        const fast = await lightsOf(summary, CAL, t, witnessed);
        if (t < last) {
          // a record after t: the report filters by ts, so the summary declines
          expect(fast, `${name} at ${isoCst(t)}`).toBeUndefined();
          continue;
        }
        const full = caseReport(id, held, ctx, t)!;
        expect({ light: fast?.light, overdue: fast?.overdue, alerts: fast?.alerts.map((a) => ({ ...a, since: isoCst(a.since) })), open: fast?.open }, `${name} at ${isoCst(t)}`).toEqual({
          light: full.light,
          overdue: full.overdue,
          alerts: full.alerts,
          open: full.state !== 'closed' && full.state !== 'refused',
        });
        lights.add(full.light);
        for (const a of full.alerts) codes.add(a.code);
        compared++;
      }
    }
    // the instants reach every light and every alert, so a fact the summary misses would show
    expect([...lights].sort()).toEqual([null, 'green', 'red', 'yellow'].sort());
    expect([...codes].sort()).toEqual(['handoff-stalled', 'late-entry', 'materials-incomplete']);
    expect(compared).toBeGreaterThan(60);
  });

  it('a summary written before the alert facts were kept declines (the report decides)', async () => {
    const records = cases[0]![1];
    const folded = foldCase(records[0]!.id, records)!;
    const { alert: _, ...old } = summarize(
      folded.fold,
      folded.ordered.map((o) => o.env),
    );
    expect(await lightsOf(decodeSummary(encodeSummary(old)), CAL, Date.parse('2027-01-01T00:00:00+08:00'), async () => null)).toBeUndefined();
  });
});

describe('stored case summaries (read without the canonical re-encoding)', () => {
  it('round-trip, and a summary of the wrong shape is refused as CORRUPT', async () => {
    const { encodeValue } = await import('../../../ledger/codec.js');
    const records = cases[1]![1];
    const folded = foldCase(records[0]!.id, records)!;
    const s = summarize(
      folded.fold,
      folded.ordered.map((o) => o.env),
    );
    expect(decodeSummary(encodeSummary(s))).toEqual(s);
    const bad = (patch: Record<string, unknown>) => () => decodeSummary(encodeValue({ ...(s as unknown as Record<string, never>), ...(patch as Record<string, never>) }));
    expect(bad({ openTs: 'yesterday' })).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(bad({ alert: { handoffs: [[s.id, 1, 'x']], receipts: [], records: [] } })).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(bad({ clocks: [[s.id, 1, 'pause', 'zero']] })).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(() => decodeSummary(Uint8Array.of(0xff, 0x00))).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
  });
});
