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
