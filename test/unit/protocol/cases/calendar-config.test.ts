import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../protocol/bytes.js';
import { decodeCanonical, encodeCanonical, type CborMap } from '../../../../protocol/cbor.js';
import { buildConfig, checkConfig, decodeConfig, encodeConfig } from '../../../../protocol/config/index.js';
import type { ProtocolError } from '../../../../protocol/errors.js';
import { cv, genesis } from '../consortium-helpers.js';

const base = () => decodeCanonical(encodeConfig(genesis())) as CborMap;

function detail(x: CborMap): string | undefined {
  try {
    checkConfig(x);
    return undefined;
  } catch (e) {
    expect((e as ProtocolError).code).toBe('CONFIG_INVALID');
    return (e as ProtocolError).detail;
  }
}

describe('config calendar (PROTOCOL.md §4, CASES.md §C.5)', () => {
  it('configs without a calendar encode byte-identically to the vectors', () => {
    for (const c of cv.configs as { hex: string }[]) expect(toHex(encodeConfig(decodeConfig(fromHex(c.hex))))).toBe(c.hex);
    expect('calendar' in genesis()).toBe(false);
  });

  it('round-trips a calendar (possibly empty lists)', () => {
    const cfg = buildConfig({ consortium: 'test.gov.example', epoch: 0, members: genesis().members, calendar: { off: [20261001, 20261002], on: [20260928] } });
    const back = decodeConfig(encodeConfig(cfg));
    expect(back.calendar).toEqual({ off: [20261001, 20261002], on: [20260928] });
    const empty = decodeConfig(encodeConfig({ ...cfg, calendar: { off: [], on: [] } }));
    expect(empty.calendar).toEqual({ off: [], on: [] });
    expect(encodeConfig(empty).length).toBeGreaterThan(encodeConfig(genesis()).length);
  });

  it('allows a weekend day in off', () => {
    expect(detail({ ...base(), calendar: { off: [20261003], on: [] } })).toBeUndefined();
  });

  it.each([
    [{ off: [] }, 'calendar.on'],
    [{ on: [] }, 'calendar.off'],
    [{ off: [], on: [], extra: [] }, 'calendar.extra'],
    [[20261001], 'calendar'],
    [{ off: [20261002, 20261001], on: [] }, 'calendar.off'],
    [{ off: [20261001, 20261001], on: [] }, 'calendar.off'],
    [{ off: [], on: [20260231] }, 'calendar.on[0]'],
    [{ off: [20261301], on: [] }, 'calendar.off[0]'],
    [{ off: ['20261001'], on: [] }, 'calendar.off[0]'],
    [{ off: [2026101], on: [] }, 'calendar.off[0]'],
    [{ off: [20261001], on: [20261001] }, 'calendar'],
    [{ off: 20261001, on: [] }, 'calendar.off'],
  ])('refuses calendar %j naming %s', (calendar, field) => {
    expect(detail({ ...base(), calendar: calendar as never })).toBe(field);
  });

  it('accepts 29 February only in leap years', () => {
    expect(detail({ ...base(), calendar: { off: [20280229], on: [] } })).toBeUndefined();
    expect(detail({ ...base(), calendar: { off: [20270229], on: [] } })).toBe('calendar.off[0]');
  });

  it('decodes only canonical bytes with the calendar', () => {
    const bytes = encodeCanonical({ ...base(), calendar: { off: [20261001], on: [] } });
    expect(decodeConfig(bytes).calendar?.off).toEqual([20261001]);
  });
});

describe('CST days and instants (§C.5, §C.6)', () => {
  it('formats instants in +08:00 with milliseconds and finds day boundaries', async () => {
    const { isoCst, dayOf, dayEnd, nextDayStart, parseInstant, WorkCalendar } = await import('../../../../protocol/cases/calendar.js');
    expect(isoCst(Date.parse('2026-12-04T15:59:59.999Z'))).toBe('2026-12-04T23:59:59.999+08:00');
    expect(isoCst(dayEnd(dayOf(Date.parse('2026-12-04T00:00:00+08:00'))))).toBe('2026-12-04T23:59:59.999+08:00');
    expect(isoCst(nextDayStart(Date.parse('2026-12-04T23:59:59.999+08:00')))).toBe('2026-12-05T00:00:00.000+08:00');
    expect(parseInstant('2026-12-04T10:00:00+08:00')).toBe(Date.parse('2026-12-04T02:00:00Z'));
    expect(parseInstant('2026-12-04T02:00:00.5Z')).toBe(Date.parse('2026-12-04T02:00:00.500Z'));
    expect(parseInstant('1764806400000')).toBe(1764806400000);
    expect(parseInstant('2026-12-04T10:00:00')).toBeUndefined(); // no offset: ambiguous
    expect(parseInstant('yesterday')).toBeUndefined();
    const cal = new WorkCalendar({ off: [20261001], on: [20260927] });
    const day = (s: string) => dayOf(Date.parse(`${s}T12:00:00+08:00`));
    expect([cal.isWorkingDay(day('2026-10-01')), cal.isWorkingDay(day('2026-09-27')), cal.isWorkingDay(day('2026-09-26')), cal.isWorkingDay(day('2026-09-30'))]).toEqual([false, true, false, true]);
    expect(cal.nthWorkingDayAfter(day('2026-09-30'), 1)).toBe(day('2026-10-02'));
  });
});
