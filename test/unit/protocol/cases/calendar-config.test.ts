import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../protocol/bytes.js';
import { decodeCanonical, encodeCanonical, type CborMap } from '../../../../protocol/cbor.js';
import { buildConfig, checkConfig, decodeConfig, encodeConfig } from '../../../../protocol/config/index.js';
import { ProtocolError } from '../../../../protocol/errors.js';
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
