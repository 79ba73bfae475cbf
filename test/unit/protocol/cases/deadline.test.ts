import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CborMap } from '../../../../protocol/cbor.js';
import { isoCst, WorkCalendar } from '../../../../protocol/cases/calendar.js';
import { evaluateDeadline, type ClockFacts } from '../../../../protocol/cases/deadline.js';
import type { Envelope } from '../../../../protocol/records/record.js';

let n = 0;
/** A stand-in record: the engine reads only id, kind, ts and body. */
function rec(kind: string, at: string | number, body: CborMap = {}): Envelope {
  const ts = typeof at === 'number' ? at : Date.parse(at);
  const id = new Uint8Array(32);
  new DataView(id.buffer).setUint32(0, ++n);
  return { id, record: { kind, ts, body, author: 'bj-haidian', seq: n } } as unknown as Envelope;
}
const pause = (at: string | number) => rec('case.clock', at, { action: 'pause', reason: 'inspection' });
const resume = (at: string | number) => rec('case.clock', at, { action: 'resume' });
const extend = (at: string | number, days: number) => rec('case.clock', at, { action: 'extend', days, reason: 'extension' });

function facts(accept: string | null, days: number, clocks: Envelope[] = [], extra: Partial<ClockFacts> = {}, calendar: 'working' | 'natural' = 'working'): ClockFacts {
  const f: ClockFacts = { limit: { days, calendar }, clocks, ...extra };
  if (accept) f.accept = rec('case.accept', accept, { decision: 'accept' });
  return f;
}
const MF = new WorkCalendar();
const at = (s: string) => Date.parse(s);

// 2026-11-27 is a Friday. Accepted then, 5 working days: Mon 11-30 .. Fri 12-04.
const FRI = '2026-11-27T10:00:00+08:00';

describe('deadline engine (CASES.md §C.5): table', () => {
  it.each([
    ['Wed noon: 3 counted, green', '2026-12-02T12:00:00+08:00', 3, 'green', 0],
    ['Thu: 4 counted, remaining 1, yellow', '2026-12-03T12:00:00+08:00', 4, 'yellow', 0],
    ['the last instant of the due day: yellow, not red', '2026-12-04T23:59:59.999+08:00', 5, 'yellow', 0],
    ['Saturday 00:00 CST: red, overdue at least 1', '2026-12-05T00:00:00.000+08:00', 5, 'red', 1],
    ['Monday after: 6 counted, overdue 1', '2026-12-07T09:00:00+08:00', 6, 'red', 1],
    ['Tuesday after: overdue 2', '2026-12-08T09:00:00+08:00', 7, 'red', 2],
    ['the acceptance day itself does not count', '2026-11-27T23:00:00+08:00', 0, 'green', 0],
    ['weekend after acceptance: nothing counted', '2026-11-29T23:00:00+08:00', 0, 'green', 0],
  ])('%s', (_, t, counted, light, overdue) => {
    const d = evaluateDeadline(facts(FRI, 5), MF, at(t));
    expect(d.clock!.counted).toBe(counted);
    expect(isoCst(d.clock!.due!)).toBe('2026-12-04T23:59:59.999+08:00');
    expect(d.light).toBe(light);
    expect(d.overdue).toBe(overdue);
    expect(d.lateDays).toBeNull();
  });

  it('China Standard Time decides the acceptance day (23:59:59.999 vs 00:00 +08:00)', () => {
    const t = at('2026-12-20T00:00:00+08:00');
    expect(isoCst(evaluateDeadline(facts('2026-11-26T23:59:59.999+08:00', 5), MF, t).clock!.due!)).toBe('2026-12-03T23:59:59.999+08:00');
    expect(isoCst(evaluateDeadline(facts('2026-11-27T00:00:00.000+08:00', 5), MF, t).clock!.due!)).toBe('2026-12-04T23:59:59.999+08:00');
    // 16:00Z on Thursday is already Friday in Beijing
    expect(isoCst(evaluateDeadline(facts('2026-11-26T16:00:00Z', 5), MF, t).clock!.due!)).toBe('2026-12-04T23:59:59.999+08:00');
  });

  it('calendar: a holiday in off is skipped, a make-up day in on counts, a weekend in off changes nothing', () => {
    const t = at('2026-11-28T12:00:00+08:00');
    const due = (cal: WorkCalendar) => isoCst(evaluateDeadline(facts(FRI, 5), cal, t).clock!.due!);
    expect(due(new WorkCalendar({ off: [20261201], on: [] }, 3))).toBe('2026-12-07T23:59:59.999+08:00');
    expect(due(new WorkCalendar({ off: [], on: [20261128] }, 3))).toBe('2026-12-03T23:59:59.999+08:00');
    expect(due(new WorkCalendar({ off: [20261205], on: [] }, 3))).toBe('2026-12-04T23:59:59.999+08:00');
    expect(evaluateDeadline(facts(FRI, 5), new WorkCalendar({ off: [], on: [20261128] }, 3), t).clock!.counted).toBe(1);
    expect(evaluateDeadline(facts(FRI, 5), new WorkCalendar({ off: [], on: [] }, 3), t).clock!.arithmetic.calendarEpoch).toBe(3);
  });

  it('natural-day limits count every day', () => {
    const d = evaluateDeadline(facts(FRI, 5, [], {}, 'natural'), MF, at('2026-11-29T12:00:00+08:00'));
    expect(isoCst(d.clock!.due!)).toBe('2026-12-02T23:59:59.999+08:00');
    expect(d.clock!.counted).toBe(2);
  });

  it('a pause removes every day it touches; while paused due is null', () => {
    const p = pause('2026-12-01T10:00:00+08:00');
    const r = resume('2026-12-02T09:00:00+08:00');
    const during = evaluateDeadline(facts(FRI, 5, [p, r]), MF, at('2026-12-01T12:00:00+08:00'));
    expect(during.clock!.due).toBeNull();
    expect(during.clock!.counted).toBe(1);
    expect(during.clock!.paused).toBe(1);
    expect(during.light).toBe('green');
    const after = evaluateDeadline(facts(FRI, 5, [p, r]), MF, at('2026-12-03T12:00:00+08:00'));
    expect(after.clock!.paused).toBe(2);
    expect(after.clock!.counted).toBe(2);
    expect(isoCst(after.clock!.due!)).toBe('2026-12-08T23:59:59.999+08:00');
    expect(after.clock!.arithmetic.pausedDays).toEqual(['2026-12-01', '2026-12-02']);
    expect(after.clock!.arithmetic.text).toContain('paused 2 (2026-12-01, 2026-12-02)');
  });

  it('a resume at 00:00:00.000 leaves that day unpaused', () => {
    const d = evaluateDeadline(facts(FRI, 5, [pause('2026-12-01T10:00:00+08:00'), resume('2026-12-02T00:00:00.000+08:00')]), MF, at('2026-12-10T00:00:00+08:00'));
    expect(d.clock!.paused).toBe(1);
    expect(isoCst(d.clock!.due!)).toBe('2026-12-07T23:59:59.999+08:00');
  });

  it('a pause over a weekend counts only the working days it removed', () => {
    const d = evaluateDeadline(facts(FRI, 5, [pause('2026-12-04T18:00:00+08:00'), resume('2026-12-07T08:00:00+08:00')]), MF, at('2026-12-10T12:00:00+08:00'));
    expect(d.clock!.paused).toBe(2);
    expect(d.clock!.arithmetic.pausedDays).toEqual(['2026-12-04', '2026-12-07']);
    expect(isoCst(d.clock!.due!)).toBe('2026-12-08T23:59:59.999+08:00');
  });

  it('extensions add to allowed, several of them', () => {
    const d = evaluateDeadline(facts(FRI, 5, [extend('2026-12-01T09:00:00+08:00', 3), extend('2026-12-02T09:00:00+08:00', 2)]), MF, at('2026-12-03T09:00:00+08:00'));
    expect(d.clock!.allowed).toBe(10);
    expect(isoCst(d.clock!.due!)).toBe('2026-12-11T23:59:59.999+08:00');
    expect(d.clock!.arithmetic.text).toMatch(/allowed 10 = limit 5 working days \+ extension 3 \+ extension 2/);
    // an extension not yet written at t does not exist
    expect(evaluateDeadline(facts(FRI, 5, [extend('2026-12-01T09:00:00+08:00', 3)]), MF, at('2026-11-30T09:00:00+08:00')).clock!.allowed).toBe(5);
  });

  it('closing on the due day is on time; one day late is lateDays 1', () => {
    const close = (t: string) => evaluateDeadline(facts(FRI, 5, [], { close: rec('case.close', t, { result: 'issued' }) }), MF, at('2027-01-01T00:00:00+08:00'));
    const onTime = close('2026-12-04T23:00:00+08:00');
    expect([onTime.lateDays, onTime.light, onTime.overdue, onTime.clock!.counted]).toEqual([0, null, null, 5]);
    expect(close('2026-12-07T10:00:00+08:00').lateDays).toBe(1);
    expect(close('2026-12-05T10:00:00+08:00').lateDays).toBe(1); // a Saturday: counted = allowed, at least 1
    expect(close('2026-12-09T10:00:00+08:00').lateDays).toBe(3);
  });

  it('a case paused after it went red stays red, even with an extension during the pause', () => {
    const p = pause('2026-12-08T10:00:00+08:00');
    const during = evaluateDeadline(facts(FRI, 5, [p, extend('2026-12-09T10:00:00+08:00', 10)]), MF, at('2026-12-10T10:00:00+08:00'));
    expect(during.clock!.due).toBeNull();
    expect(during.light).toBe('red');
    expect(during.overdue).toBe(1); // 11-30..12-07 counted (6) − 5, 12-08 paused
    // closed during that pause: late
    const closed = evaluateDeadline(facts(FRI, 5, [p], { close: rec('case.close', '2026-12-09T10:00:00+08:00', { result: 'issued' }) }), MF, at('2026-12-20T00:00:00+08:00'));
    expect(closed.lateDays).toBe(1);
    // paused before it went red: not red while paused
    const early = evaluateDeadline(facts(FRI, 5, [pause('2026-12-03T10:00:00+08:00')]), MF, at('2026-12-20T10:00:00+08:00'));
    expect([early.light, early.overdue, early.clock!.counted]).toEqual(['green', 0, 3]);
  });

  it('no clock before acceptance, after a refusal; closedAt for a refusal', () => {
    expect(evaluateDeadline(facts(null, 5), MF, at('2026-12-20T00:00:00+08:00'))).toEqual({ clock: null, light: null, overdue: null, lateDays: null, closedAt: null });
    const refused = evaluateDeadline(facts(null, 5, [], { refuse: rec('case.accept', FRI, { decision: 'refuse', reason: 'x' }) }), MF, at('2026-12-20T00:00:00+08:00'));
    expect(refused.clock).toBeNull();
    expect(refused.closedAt).toBe(at(FRI));
    // accepted after t: no clock at t
    expect(evaluateDeadline(facts(FRI, 5), MF, at(FRI) - 1).clock).toBeNull();
  });
});

/** A plain day-by-day reference of §C.5, written independently of the engine (date strings, Date weekdays). */
function reference(acceptTs: number, limit: number, natural: boolean, off: number[], on: number[], pauses: [number, number][], ext: number, t: number) {
  const cst = (ms: number) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86400e3).toISOString().slice(0, 10);
  const num = (d: string) => Number(d.replaceAll('-', ''));
  const working = (d: string) => natural || on.includes(num(d)) || (![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()) && !off.includes(num(d)));
  const start = (d: string) => Date.parse(`${d}T00:00:00+08:00`);
  const touched = (d: string) => pauses.some(([a, b]) => a <= start(d) + 86400e3 - 1 && b > start(d));
  const allowed = limit + ext;
  let counted = 0;
  let paused = 0;
  let due: string | null = null;
  for (let d = next(cst(acceptTs)); d <= cst(t); d = next(d)) {
    if (!working(d)) continue;
    if (touched(d)) paused++;
    else if (++counted === allowed) due = d;
  }
  const inForce = pauses.some(([, b]) => b === Infinity);
  for (let d = next(cst(t)), k = counted; !inForce && due === null; d = next(d)) if (working(d) && ++k === allowed) due = d;
  return { counted, paused, due: inForce ? null : Date.parse(`${due}T23:59:59.999+08:00`) };
}

const DAY = 86400e3;
const T0 = Date.parse('2026-12-20T00:00:00+08:00');
const scenario = fc.record({
  accept: fc.integer({ min: 0, max: 40 * DAY }),
  limit: fc.integer({ min: 1, max: 30 }),
  natural: fc.boolean(),
  // pause/resume pairs as offsets after acceptance (the last may stay open)
  gaps: fc.array(fc.tuple(fc.integer({ min: 1, max: 6 * DAY }), fc.integer({ min: 1, max: 6 * DAY })), { maxLength: 3 }),
  open: fc.boolean(),
  ext: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 * DAY }), fc.integer({ min: 1, max: 10 })), { maxLength: 3 }),
  off: fc.uniqueArray(fc.integer({ min: 0, max: 120 }), { maxLength: 10 }),
  on: fc.uniqueArray(fc.integer({ min: 0, max: 120 }), { maxLength: 4 }),
  t: fc.integer({ min: 0, max: 90 * DAY }),
});

type Sc = typeof scenario extends fc.Arbitrary<infer X> ? X : never;

function build(s: Sc, withPauses = true) {
  const acceptTs = T0 + s.accept;
  const ymd = (k: number) => Number(new Date(T0 + k * DAY + 8 * 3600e3).toISOString().slice(0, 10).replaceAll('-', ''));
  const off = [...new Set(s.off.map(ymd))].sort();
  const on = [...new Set(s.on.map(ymd))].filter((d) => !off.includes(d)).sort();
  const clocks: Envelope[] = [];
  const pauses: [number, number][] = [];
  let cursor = acceptTs;
  if (withPauses) {
    s.gaps.forEach(([a, b], i) => {
      const p = (cursor += a);
      clocks.push(pause(p));
      if (i === s.gaps.length - 1 && s.open) pauses.push([p, Infinity]);
      else {
        const r = (cursor += b);
        clocks.push(resume(r));
        pauses.push([p, r]);
      }
    });
  }
  for (const [o, d] of s.ext) clocks.push(extend(acceptTs + o, d));
  clocks.sort((a, b) => a.record.ts - b.record.ts);
  return { acceptTs, off, on, clocks, pauses, cal: new WorkCalendar({ off, on }, 1), f: facts(new Date(acceptTs).toISOString(), s.limit, clocks, {}, s.natural ? 'natural' : 'working') };
}

describe('deadline engine: properties', () => {
  it('matches a plain day-by-day reference (weekends, holidays, make-up days, pauses, extensions)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const b = build(s);
        const t = b.acceptTs + s.t;
        const existing = b.pauses.filter(([p]) => p <= t).map(([p, r]) => [p, r <= t ? r : Infinity] as [number, number]);
        const ext = s.ext.filter(([o]) => b.acceptTs + o <= t).reduce((x, [, d]) => x + d, 0);
        const ref = reference(b.acceptTs, s.limit, s.natural, b.off, b.on, existing, ext, t);
        const d = evaluateDeadline(b.f, b.cal, t);
        expect({ counted: d.clock!.counted, paused: d.clock!.paused, due: d.clock!.due }).toEqual(ref);
        expect(d.clock!.remaining).toBe(s.limit + ext - ref.counted);
      }),
      { numRuns: 400 },
    );
  });

  it('is monotone in asOf: counted + paused never falls, a due date never moves earlier', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 30 * DAY }), (s, dt) => {
        const b = build(s);
        const t1 = b.acceptTs + s.t;
        const a = evaluateDeadline(b.f, b.cal, t1).clock!;
        const z = evaluateDeadline(b.f, b.cal, t1 + dt).clock!;
        expect(z.counted + z.paused).toBeGreaterThanOrEqual(a.counted + a.paused);
        if (a.due !== null && z.due !== null) expect(z.due).toBeGreaterThanOrEqual(a.due);
      }),
      { numRuns: 300 },
    );
  });

  it('pauses never shorten the due date', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const t = T0 + 400 * DAY; // after every record
        const plain = evaluateDeadline(build(s, false).f, build(s, false).cal, t).clock!;
        const paused = evaluateDeadline(build({ ...s, open: false }).f, build({ ...s, open: false }).cal, t).clock!;
        expect(paused.due!).toBeGreaterThanOrEqual(plain.due!);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: same facts, calendar and t give the same result', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const b = build(s);
        const t = b.acceptTs + s.t;
        expect(evaluateDeadline(b.f, b.cal, t)).toEqual(evaluateDeadline(b.f, new WorkCalendar({ off: b.off, on: b.on }, 1), t));
      }),
      { numRuns: 100 },
    );
  });
});
