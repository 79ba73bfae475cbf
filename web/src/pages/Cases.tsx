import { useEffect, useState } from 'preact/hooks';
import type { CaseReport } from '../../../protocol/cases/report.js';
import { getBytes, getJson, query } from '../api.js';
import { type CaseRow, casesCsv } from '../csv.js';
import { cst, download } from '../format.js';
import { t } from '../i18n.js';
import { label } from '../labels.js';
import { href, onLink } from '../router.js';
import { useApi, useTokenTick } from '../use-api.js';
import { CaseBody, Light } from './CaseView.js';

export type { CaseRow };

export interface CaseList {
  asOf: string;
  cases: CaseRow[];
  next: string | null;
}

const STATES = ['received', 'awaiting-correction', 'in-progress', 'paused', 'closed', 'refused'];

export function ErrorNote({ error }: { error?: Error }) {
  return error ? (
    <p class="bad" role="alert">
      {t('错误')}: {error.message}
    </p>
  ) : null;
}

function Table({ rows }: { rows: CaseRow[] }) {
  if (!rows.length) return <p>{t('没有办件。')}</p>;
  return (
    <div class="scroll">
      <table class="cases">
        <thead>
          <tr>
            <th scope="col">{t('灯')}</th>
            <th scope="col">{t('状态')}</th>
            <th scope="col">{t('事项编码')}</th>
            <th scope="col">{t('流水号')}</th>
            <th scope="col">{t('受理方')}</th>
            <th scope="col">{t('承办方')}</th>
            <th scope="col">{t('开件')}</th>
            <th scope="col">{t('逾期天数')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.case} data-case={c.case}>
              <td>
                <Light light={c.light} />
              </td>
              <td>{label(c.state)}</td>
              <td>{c.item}</td>
              <td>
                <a href={href(`/cases/${c.case}`)} onClick={onLink}>
                  {c.serial}
                </a>
              </td>
              <td>{c.opener}</td>
              <td>{c.handlers.join(', ')}</td>
              <td>{cst(c.openedAt)}</td>
              <td>{c.overdue ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `v`, once it has not changed for `ms`. */
function useDebounced<T>(v: T, ms: number): T {
  const [d, setD] = useState(v);
  useEffect(() => {
    const h = setTimeout(() => setD(v), ms);
    return () => clearTimeout(h);
  }, [v, ms]);
  return d;
}

/** The case list with the filters of GET /v1/cases. */
export function Cases() {
  const [f, setF] = useState({ state: '', light: '', item: '', member: '', role: '', since: '' });
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  // Typed filters take effect once typing pauses; each keystroke is kept in the form at once.
  const q = useDebounced(f, 300);
  const since = q.since ? `${q.since}T00:00:00+08:00` : undefined;
  const list = useApi<CaseList>(`/v1/cases${query({ ...q, role: q.member ? q.role : undefined, since, cursor, limit: 100 })}`);
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setCursor(undefined);
    setF((prev) => ({ ...prev, [k]: v }));
  };
  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">{t('办件')}</h1>
      <form class="filters" aria-label={t('筛选')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('状态')}
          <select value={f.state} onChange={set('state')}>
            <option value="">{t('全部')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('灯')}
          <select value={f.light} onChange={set('light')}>
            <option value="">{t('全部')}</option>
            <option value="red">{t('红')}</option>
            <option value="yellow">{t('黄')}</option>
            <option value="green">{t('绿')}</option>
          </select>
        </label>
        <label>
          {t('事项编码')}
          <input value={f.item} onInput={set('item')} />
        </label>
        <label>
          {t('成员')}
          <input value={f.member} onInput={set('member')} placeholder="bj-haidian" />
        </label>
        <label>
          {t('角色筛选')}
          <select value={f.role} onChange={set('role')} disabled={!f.member}>
            <option value="">{t('全部')}</option>
            <option value="opener">{t('受理方')}</option>
            <option value="handler">{t('承办方')}</option>
          </select>
        </label>
        <label>
          {t('起始日期')}
          <input type="date" value={f.since} onChange={set('since')} />
        </label>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && <p aria-busy="true">{t('加载中')}</p>}
      {list.data && (
        <>
          <p class="small">
            {t('截至')}: {cst(list.data.asOf)}
          </p>
          <Table rows={list.data.cases} />
          {list.data.next && (
            <button type="button" onClick={() => setCursor(list.data!.next!)}>
              {t('下一页')}
            </button>
          )}
        </>
      )}
    </section>
  );
}

/** One case from GET /v1/cases/:id, with its bundle to download. */
export function CasePage({ id }: { id: string }) {
  const r = useApi<CaseReport>(`/v1/cases/${id}`);
  const [err, setErr] = useState<Error | undefined>();
  return (
    <section aria-labelledby="case-title">
      <h1 id="case-title">
        {t('办件')} <span class="mono small">{id}</span>
      </h1>
      <ErrorNote error={r.error ?? err} />
      {r.data && (
        <>
          <CaseBody r={r.data} />
          <button
            type="button"
            onClick={() =>
              getBytes(`/v1/cases/${id}/bundle`).then(
                (b) => download(`case-${id.slice(0, 12)}.bundle`, b as BlobPart, 'application/cbor'),
                (e: Error) => setErr(e),
              )
            }
          >
            {t('下载证明包')}
          </button>
        </>
      )}
    </section>
  );
}

/** All pages of one list. */
async function all(light: string): Promise<CaseRow[]> {
  const out: CaseRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await getJson<CaseList>(`/v1/cases${query({ light, cursor, limit: 1000 })}`);
    out.push(...page.cases);
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}

/** The supervisor's view (电子监察): red cases first (most overdue first), then yellow; CSV export. */
export function Supervise() {
  const [rows, setRows] = useState<CaseRow[] | null>(null);
  const [err, setErr] = useState<Error | undefined>();
  const [tick] = useTokenTick();
  useEffect(() => {
    let live = true;
    setErr(undefined);
    Promise.all([all('red'), all('yellow')]).then(
      ([red, yellow]) => live && setRows([...red.sort((a, b) => (b.overdue ?? 0) - (a.overdue ?? 0)), ...yellow]),
      (e: Error) => live && setErr(e),
    );
    return () => {
      live = false;
    };
  }, [tick]);
  return (
    <section aria-labelledby="sup-title">
      <h1 id="sup-title">{t('红灯和黄灯办件（红灯在前）')}</h1>
      <ErrorNote error={err} />
      {rows && (
        <>
          <button type="button" onClick={() => download('cases-red-yellow.csv', `\ufeff${casesCsv(rows)}`, 'text/csv;charset=utf-8')}>
            {t('导出CSV')}
          </button>
          <Table rows={rows} />
        </>
      )}
    </section>
  );
}
