import { Writable } from 'node:stream';
import { isoCst } from '../protocol/cases/calendar.js';

/** How the node writes its log: one JSON object per line (for journald, Loki, jq), or lines for a person. */
export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormatOption = (typeof LOG_FORMATS)[number];

/** `auto`: pretty on a terminal, JSON otherwise (a service, a pipe, a file). */
export function logFormatOf(option: LogFormatOption, isTTY: boolean | undefined): LogFormat {
  return option === 'auto' ? (isTTY ? 'pretty' : 'json') : option;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields: shown in the line's head, not repeated as key=value. */
const HEAD = new Set(['level', 'time', 'msg', 'member', 'pid', 'hostname']);

const valueText = (v: unknown): string => {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
};

/**
 * One pino JSON line as a person reads it: time in China Standard Time, level, member, message, then the
 * other fields as key=value; an error's stack on the lines below. A line that is not pino's JSON is kept as is.
 */
export function prettyLine(line: string, colour = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof o !== 'object' || o === null || typeof o.level !== 'number') return line;
  const level = o.level;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const time = typeof o.time === 'number' ? isoCst(o.time).replace('T', ' ') : '';
  const err = o.err as { stack?: string; message?: string } | undefined;
  const fields = Object.entries(o)
    .filter(([k]) => !HEAD.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${valueText(v)}`);
  if (err?.message) fields.push(`err=${valueText(err.message)}`);
  const head = `${time} ${colour ? `\x1b[${COLOURS[level] ?? '0'}m${name}\x1b[0m` : name}${o.member ? ` ${o.member}` : ''} ${o.msg ?? ''}`;
  const stack = err?.stack ? `\n    ${err.stack.split('\n').slice(1).join('\n    ').trim()}` : '';
  return `${head}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}`;
}

/** A destination for pino that writes each JSON line it gets as `prettyLine` to `out`. */
export function prettyDestination(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  let rest = '';
  const colour = out.isTTY === true && process.env.NO_COLOR === undefined;
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) out.write(`${prettyLine(l, colour)}\n`);
      done();
    },
    final(done) {
      if (rest) out.write(`${prettyLine(rest, colour)}\n`);
      done();
    },
  });
}
