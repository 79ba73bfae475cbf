// The supervisor's CSV export (RFC 4180 quoting), pure so that it is tested without a browser.
import type { CaseListItem } from '../../client/types.js';

/** A row of the case list, as GET /v1/cases gives it. */
export type CaseRow = CaseListItem;
/**
 * Quote one CSV field (RFC 4180). Text that a spreadsheet would read as a formula (=, +, -, @ first) gets a leading
 * apostrophe: serials and items are typed by officials and the file is opened in Excel.
 */
export const csvField = (v: unknown): string => {
  const raw = v === null || v === undefined ? '' : String(v);
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const CSV_COLUMNS: (keyof CaseRow)[] = ['light', 'overdue', 'state', 'item', 'serial', 'opener', 'handlers', 'openedAt', 'acceptedAt', 'closedAt', 'case'];

export const casesCsv = (rows: CaseRow[]): string =>
  [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((k) => csvField(Array.isArray(r[k]) ? (r[k] as string[]).join(' ') : r[k])).join(','))].join('\r\n') + '\r\n';
