import type { CaseReport } from '../../../protocol/cases/report.js';
import { cst, regionName } from '../format.js';
import { t } from '../i18n.js';
import { label } from '../labels.js';
import { TimelineHead } from '../parts/TimelineHead.js';

const LIGHT: Record<string, string> = { red: '红', yellow: '黄', green: '绿' };

export function Light({ light }: { light: string | null }) {
  return (
    <span class={`light ${light ?? 'none'}`} data-light={light ?? 'none'}>
      <span aria-hidden="true">●</span> {t(light ? LIGHT[light]! : '无')}
    </span>
  );
}

/** A case report (CASES.md §C.6): state and light, the deadline arithmetic written out, timeline, hops, alerts. */
export function CaseBody({ r }: { r: CaseReport }) {
  const c = r.clock;
  return (
    <div class="case">
      <p>
        <strong>{r.name}</strong> ({r.item}) · {r.mode} · {t('流水号')} {r.serial}
      </p>
      <dl class="facts">
        <dt>{t('状态')}</dt>
        <dd data-state={r.state}>
          {label(r.state)}
          {r.result ? ` (${label(r.result)})` : ''}
        </dd>
        <dt>{t('灯')}</dt>
        <dd>
          <Light light={r.light} />
        </dd>
        <dt>{t('受理日期')}</dt>
        <dd>{cst(r.acceptedAt)}</dd>
        <dt>{t('到期')}</dt>
        <dd>{cst(r.due)}</dd>
        <dt>{t('办结')}</dt>
        <dd>{cst(r.closedAt)}</dd>
        {r.overdue ? (
          <>
            <dt>{t('逾期天数')}</dt>
            <dd class="bad">{r.overdue}</dd>
          </>
        ) : null}
      </dl>
      {c && (
        <section aria-label={t('期限计算')}>
          <h3>{t('期限计算')}</h3>
          <dl class="facts">
            <dt>{t('受理日期')}</dt>
            <dd>{c.acceptedOn}</dd>
            <dt>{t('允许')}</dt>
            <dd>
              {c.limit}
              {c.extensions.map((x) => ` + ${x.days}`).join('')} = {c.allowed} ({c.calendar})
            </dd>
            <dt>{t('已计')}</dt>
            <dd>
              {c.counted}
              {c.countedFrom ? ` (${c.countedFrom} … ${c.countedTo})` : ''}
            </dd>
            <dt>{t('暂停')}</dt>
            <dd>{c.paused}</dd>
            <dt>{t('剩余')}</dt>
            <dd>{r.remaining ?? '—'}</dd>
            <dt>{t('到期')}</dt>
            <dd>{c.dueOn ?? '—'}</dd>
          </dl>
          <p class="mono small clock">{c.text}</p>
        </section>
      )}
      <h3>{t('时间线')}</h3>
      <div class="scroll">
        <table>
          <TimelineHead />
          <tbody>
            {r.timeline.map((e) => (
              <tr key={e.id} class={e.ignored ? 'ignored' : ''}>
                <td>{cst(e.ts)}</td>
                <td>{e.member}</td>
                <td>{regionName(e.region)}</td>
                <td>{e.actor ?? '—'}</td>
                <td>{e.role ?? '—'}</td>
                <td>
                  {label(e.kind)}
                  {typeof e.step === 'string' ? ` ${label(e.step)}` : ''}
                  {typeof e.decision === 'string' ? ` ${label(e.decision)}` : ''}
                  {typeof e.action === 'string' ? ` ${label(e.action)}` : ''}
                  {typeof e.result === 'string' ? ` ${label(e.result)}` : ''}
                  {e.ignored ? ` (${t('不计入')}: ${e.ignored})` : ''}
                  {e.lateEntry ? ' LATE' : ''}
                </td>
                <td data-final={String(e.final)}>
                  {e.final ? `✔ ${t('已最终')}` : t('未最终')}
                  {e.witnessed ? ` · ${cst(e.witnessed)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.hops.length > 0 && (
        <>
          <h3>{t('流转')}</h3>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('从')}</th>
                  <th scope="col">{t('到')}</th>
                  <th scope="col">{t('目的')}</th>
                  <th scope="col">{t('方式')}</th>
                  <th scope="col">{t('发出')}</th>
                  <th scope="col">{t('接收')}</th>
                  <th scope="col">{t('耗时')}</th>
                </tr>
              </thead>
              <tbody>
                {r.hops.map((h, i) => (
                  <tr key={i}>
                    <td>{h.from}</td>
                    <td>{h.to}</td>
                    <td>{label(h.purpose)}</td>
                    <td>{label(h.via)}</td>
                    <td>{cst(h.sent)}</td>
                    <td>{h.received ? cst(h.received) : t('未接收')}</td>
                    <td>{h.hours !== null ? `${h.hours} ${t('小时')}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {r.alerts.length > 0 && (
        <>
          <h3>{t('提醒')}</h3>
          <ul class="warn">
            {r.alerts.map((a, i) => (
              <li key={i}>
                <code>{a.code}</code> {cst(a.since)}: {a.detail}
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="small">
        {t('截至')}: {cst(r.asOf)}
      </p>
    </div>
  );
}
