import { parse } from 'yaml';
import type { Calendar } from '../../protocol/config/index.js';

/**
 * A working-calendar file for `governance propose --calendar`: YAML or JSON (JSON is YAML) `{off: [YYYYMMDD…],
 * on: [YYYYMMDD…]}`, dates as numbers or strings, in any order; `source` (a citation of the notices the dates come
 * from) may be given and is not proposed. The dates come back sorted and unique, as a config holds them; whether each
 * is a real date (and in no list twice) is checked by the config itself (buildConfig), naming the field.
 */
export function parseCalendarFile(text: string, name: string): Calendar {
  let x: unknown;
  try {
    x = parse(text);
  } catch (e) {
    throw new Error(`${name}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${name}: a map {off: [YYYYMMDD…], on: [YYYYMMDD…]}`);
  const m = x as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!['off', 'on', 'source'].includes(k)) throw new Error(`${name}: unknown field ${k} (off, on, source)`);
  const list = (k: 'off' | 'on'): number[] => {
    const v = m[k] ?? [];
    if (!Array.isArray(v)) throw new Error(`${name}: ${k}: a list of dates YYYYMMDD`);
    const out = v.map((d, i) => {
      const s = String(d);
      if (!/^\d{8}$/.test(s)) throw new Error(`${name}: ${k}[${i}]: a date written YYYYMMDD, not ${JSON.stringify(d)}`);
      return Number(s);
    });
    return [...new Set(out)].sort((a, b) => a - b);
  };
  return { off: list('off'), on: list('on') };
}
