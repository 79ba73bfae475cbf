import type { CaseList } from '../../client/types.js';
import type { CaseReport } from '../../protocol/cases/report.js';
import { printJson } from '../io.js';
import { client, type Target } from './target.js';
import { caseId, formatCaseReport, instantOption, lightText } from './case-report.js';

/** `tongban case show ID`: the node's report (every record it holds, final or not). */
export async function caseShow(id: string, o: Target & { json?: boolean; asOf?: string }): Promise<void> {
  const asOf = instantOption('--as-of', o.asOf);
  const r = await (await client(o)).json<CaseReport>(`/v1/cases/${caseId(id)}${asOf !== undefined ? `?asOf=${asOf}` : ''}`);
  if (o.json) printJson(r);
  else process.stdout.write(formatCaseReport(r, !!process.stdout.isTTY) + '\n');
}

/** `tongban case list [filters]`: one line per case; `next` names the cursor of the next page. */
export async function caseList(
  o: Target & { json?: boolean; state?: string; light?: string; member?: string; role?: string; item?: string; since?: string; asOf?: string; limit?: string; cursor?: string },
): Promise<void> {
  const q = new URLSearchParams();
  for (const k of ['state', 'light', 'member', 'role', 'item', 'cursor', 'limit'] as const) if (o[k] !== undefined) q.set(k, o[k]!);
  const since = instantOption('--since', o.since);
  const asOf = instantOption('--as-of', o.asOf);
  if (since !== undefined) q.set('since', String(since));
  if (asOf !== undefined) q.set('asOf', String(asOf));
  const qs = q.toString();
  const page = await (await client(o)).json<CaseList>(`/v1/cases${qs ? `?${qs}` : ''}`);
  if (o.json) return printJson(page);
  const tty = !!process.stdout.isTTY;
  const lines = page.cases.map(
    (c) => `${c.case}  ${c.serial}  ${c.item}  ${c.opener} -> ${c.handlers.join(',')}  ${c.state}  ${lightText(c.light, tty)}${c.overdue ? ` (${c.overdue} d overdue)` : ''}  opened ${c.openedAt}`,
  );
  lines.push(`${page.cases.length} case${page.cases.length === 1 ? '' : 's'} as of ${page.asOf}${page.next ? `; more: --cursor ${page.next}` : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}
