import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCalendarFile } from '../../../cli/commands/calendar-file.js';
import { buildConfig } from '../../../protocol/config/index.js';
import { testMember } from '../../helpers/consortium.js';

describe('governance propose --calendar FILE: the calendar file', () => {
  it('reads YAML and JSON, dates as numbers or strings, sorted and unique; source is not proposed', () => {
    expect(parseCalendarFile('{"off": [20270102, "20270101", 20270101], "on": []}', 'c.json')).toEqual({ off: [20270101, 20270102], on: [] });
    expect(parseCalendarFile('source: a citation\noff:\n  - 20270101\non:\n  - "20270109"\n', 'c.yaml')).toEqual({ off: [20270101], on: [20270109] });
    expect(parseCalendarFile('off: [20270101]\n', 'c.yaml')).toEqual({ off: [20270101], on: [] });
  });

  it('refuses what is not a calendar, naming the file and the field', () => {
    expect(() => parseCalendarFile('[1, 2]', 'c.json')).toThrow(/c\.json: a map/);
    expect(() => parseCalendarFile('{"off": [2027011]}', 'c.json')).toThrow(/c\.json: off\[0\]: a date written YYYYMMDD/);
    expect(() => parseCalendarFile('{"off": "20270101"}', 'c.json')).toThrow(/c\.json: off: a list/);
    expect(() => parseCalendarFile('{"holidays": []}', 'c.json')).toThrow(/unknown field holidays/);
    expect(() => parseCalendarFile('off: [', 'c.yaml')).toThrow(/c\.yaml: not YAML or JSON/);
  });

  it('leaves date validity and overlap to the config, which names the field', () => {
    const base = { consortium: 'x.gov.example', epoch: 0, members: [testMember(0).member] };
    expect(() => buildConfig({ ...base, calendar: parseCalendarFile('{"off": [20270230]}', 'c.json') })).toThrow(/calendar\.off\[0\]/);
    expect(() => buildConfig({ ...base, calendar: parseCalendarFile('{"off": [20270101], "on": [20270101]}', 'c.json') })).toThrow(/no date in both off and on/);
  });
});

describe('the shipped calendar calendars/cn-2025-2026.yaml', () => {
  const file = fileURLToPath(new URL('../../../calendars/cn-2025-2026.yaml', import.meta.url));
  const cal = parseCalendarFile(readFileSync(file, 'utf8'), file);
  const weekday = (d: number) => new Date(Date.UTC(Math.floor(d / 10000), (Math.floor(d / 100) % 100) - 1, d % 100)).getUTCDay();

  it('holds the holiday days and make-up working days of the 2025 and 2026 notices, and makes a valid config', () => {
    const year = (list: number[], y: number) => list.filter((d) => Math.floor(d / 10000) === y).length;
    // 2025: 1 + 8 + 3 + 5 + 3 + 8 days off, 5 make-up days; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 days off, 6 make-up days
    expect([year(cal.off, 2025), year(cal.on, 2025), year(cal.off, 2026), year(cal.on, 2026)]).toEqual([28, 5, 33, 6]);
    // every make-up working day is a Saturday or Sunday, as the notices say
    expect(cal.on.filter((d) => weekday(d) !== 0 && weekday(d) !== 6)).toEqual([]);
    // weekdays the notices name: 2025-01-28 Tuesday (除夕), 2026-02-15 Sunday, 2026-10-01 Thursday
    expect([weekday(20250128), weekday(20260215), weekday(20261001)]).toEqual([2, 0, 4]);
    expect(buildConfig({ consortium: 'x.gov.example', epoch: 0, members: [testMember(0).member], calendar: cal }).calendar).toEqual(cal);
    expect(readFileSync(file, 'utf8')).toMatch(/国办发明电〔2024〕12号/);
  });
});
