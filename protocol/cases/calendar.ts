import type { Calendar } from '../config/config.js';

/** China Standard Time: UTC+08:00, no daylight saving (§C.5). */
export const CST_OFFSET_MS = 8 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

/** The CST calendar day of an instant, as a day number (days since 1970-01-01 CST). */
export const dayOf = (ms: number): number => Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
/** The first instant (00:00:00.000 +08:00) of a day number. */
export const dayStart = (day: number): number => day * DAY_MS - CST_OFFSET_MS;
/** The last instant (23:59:59.999 +08:00) of a day number. */
export const dayEnd = (day: number): number => dayStart(day + 1) - 1;

/** The first instant of the CST day after the one holding `ms`: when lights and alerts are next re-evaluated (§C.5, events). */
export const nextDayStart = (ms: number): number => dayStart(dayOf(ms) + 1);

/** A day number as YYYYMMDD. */
export function dateNumber(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** A day number as YYYY-MM-DD. */
export function dateText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** An instant as ISO 8601 in CST with milliseconds, e.g. 2026-12-04T23:59:59.999+08:00 (§C.6). */
export function isoCst(ms: number): string {
  return `${new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}

/**
 * Parse an evaluation instant (§C.6 `asOf`): ISO 8601 with an offset (Z or
 * ±hh:mm) or milliseconds since the epoch; undefined when it is neither.
 */
export function parseInstant(s: string): number | undefined {
  if (/^\d{1,16}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The working calendar a verifier applies (§C.5): Monday to Friday not in
 * `off`, or any day in `on`. Without a calendar, Monday to Friday.
 */
export class WorkCalendar {
  private readonly off: ReadonlySet<number>;
  private readonly on: ReadonlySet<number>;

  constructor(
    calendar?: Calendar,
    readonly epoch: number | null = null,
  ) {
    this.off = new Set(calendar?.off ?? []);
    this.on = new Set(calendar?.on ?? []);
  }

  /** Answers by day number: the deadline engine asks about the same days for every case it reads. */
  private readonly known = new Map<number, boolean>();

  isWorkingDay(day: number): boolean {
    let working = this.known.get(day);
    if (working === undefined) {
      const date = dateNumber(day);
      const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      working = this.on.has(date) || (dow >= 1 && dow <= 5 && !this.off.has(date));
      this.known.set(day, working);
    }
    return working;
  }

  /** The `n`th working day after `day` (n ≥ 1). */
  nthWorkingDayAfter(day: number, n: number): number {
    let d = day;
    for (let k = 0; k < n; ) if (this.isWorkingDay(++d)) k++;
    return d;
  }
}
