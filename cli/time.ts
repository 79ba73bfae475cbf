import { isoCst } from '../protocol/cases/calendar.js';

/**
 * Times people read: China Standard Time (UTC+8, no daylight saving), with
 * the offset written, so a time copied into a report or a ticket is never
 * ambiguous. Human output drops the milliseconds; JSON keeps ISO 8601 whole.
 */
export const humanTime = (ms: number): string =>
  isoCst(ms)
    .replace('T', ' ')
    .replace(/\.\d{3}\+/, '+');

/** A time in --json output the CLI writes itself: ISO 8601 with +08:00. */
export const jsonTime = (ms: number): string => isoCst(ms);
