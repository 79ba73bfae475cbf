import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logFormatOf, prettyDestination, prettyLine } from '../../../node/log-format.js';

describe('node log format', () => {
  it('auto is pretty on a terminal and JSON otherwise; an explicit choice wins', () => {
    expect(logFormatOf('auto', true)).toBe('pretty');
    expect(logFormatOf('auto', false)).toBe('json');
    expect(logFormatOf('auto', undefined)).toBe('json');
    expect(logFormatOf('json', true)).toBe('json');
    expect(logFormatOf('pretty', false)).toBe('pretty');
  });

  it('writes a pino line with the time in China Standard Time, level, member, message and the other fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 10, 29, 14, 5, 6, 789),
      pid: 1,
      hostname: 'h',
      member: 'bj-haidian',
      msg: 'clock skew',
      peer: 'ha-zhengzhou',
      seconds: 61.5,
      note: 'two words',
    });
    expect(prettyLine(line)).toBe('2026-11-29 22:05:06.789+08:00 WARN  bj-haidian clock skew peer=ha-zhengzhou seconds=61.5 note="two words"');
  });

  it("puts an error's message in the line and its stack below; keeps a line that is not pino's JSON", () => {
    const out = prettyLine(JSON.stringify({ level: 50, time: 0, msg: 'append failed', err: { message: 'disk full', stack: 'Error: disk full\n    at write (x.js:1:1)' } }));
    expect(out.split('\n')[0]).toBe('1970-01-01 08:00:00.000+08:00 ERROR append failed err="disk full"');
    expect(out.split('\n')[1]).toBe('    at write (x.js:1:1)');
    expect(prettyLine('plain text')).toBe('plain text');
    expect(prettyLine('{"no":"level"}')).toBe('{"no":"level"}');
  });

  it('as a pino destination: every record becomes one readable line, none as JSON', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (c) => chunks.push(String(c)));
    const log = pino({ base: { member: 'sh-pudong' } }, prettyDestination(sink));
    log.info({ size: 3 }, 'one');
    log.warn('two');
    await new Promise((r) => setImmediate(r));
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+08:00 INFO {2}sh-pudong one size=3$/);
    expect(lines[1]).toMatch(/ WARN {2}sh-pudong two$/);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
  });
});
