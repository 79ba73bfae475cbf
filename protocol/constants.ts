/**
 * Constants that more than one layer needs, kept in one place (PROTOCOL.md
 * §9 for the limits). Limits that belong to one format live beside it
 * (records/record.ts, bundle/bundle.ts, note/note.ts, config/config.ts).
 */

/** Software version, shown by the CLI and the node's status. */
export const VERSION = '0.1.0';

/** Clock skew allowance (§9): request time vs node clock, record ts vs request time, ts vs receiver clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;
