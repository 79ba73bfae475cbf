import { provinceOf } from '../../../protocol/regions.js';
import { regionName } from '../format.js';
import { lang, t } from '../i18n.js';
import { useApi } from '../use-api.js';
import { ErrorNote } from './Cases.js';

interface Status {
  member: string;
  consortium: string;
  network: string;
  epoch: number;
  peers: string[];
  logs: { author: string; size: number; finalSize: number; forked: boolean }[];
  appendRefused: { code: string; message: string } | null;
  clockSkew: { maxSeconds: number | null; peers: { member: string; seconds: number; rttMs: number }[] };
}
interface Governance {
  epoch: number;
  epochs: { epoch: number; quorum: { witness: number; governance: number }; members: { id: string; name: string; region: string; roles: string[] }[]; approvals: string[] }[];
  pending: { id: string; epoch: number; approvals: string[]; summary?: { epoch: number; members: string[] } }[];
}

/** The network as this node sees it: members by region, epoch and quorums, peers, logs and finality lag, skew, proposals. */
export function Network() {
  const st = useApi<Status>('/v1/status');
  const gov = useApi<Governance>('/v1/governance');
  const s = st.data;
  const g = gov.data;
  const current = g?.epochs.at(-1);
  // Members grouped by province (GB/T 2260 order), each group under its province's name.
  const byProvince = new Map<string, NonNullable<typeof current>['members']>();
  for (const m of [...(current?.members ?? [])].sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id))) {
    const p = provinceOf(m.region);
    const key = p ? (lang() === 'en' ? p.nameEn : p.name) : m.region;
    byProvince.set(key, [...(byProvince.get(key) ?? []), m]);
  }
  const skew = new Map((s?.clockSkew.peers ?? []).map((p) => [p.member, p]));
  return (
    <section aria-labelledby="net-title">
      <h1 id="net-title">{t('网络')}</h1>
      <ErrorNote error={st.error ?? gov.error} />
      {s && (
        <dl class="facts">
          <dt>{t('本节点')}</dt>
          <dd>{s.member}</dd>
          <dt>{t('联盟')}</dt>
          <dd>{s.consortium}</dd>
          <dt>{t('纪元')}</dt>
          <dd>{s.epoch}</dd>
          {current && (
            <>
              <dt>{t('法定数')}</dt>
              <dd>
                witness {current.quorum.witness} / governance {current.quorum.governance} ({current.members.length})
              </dd>
            </>
          )}
          <dt>{t('时钟偏差')}</dt>
          <dd>{s.clockSkew.maxSeconds === null ? '—' : `${s.clockSkew.maxSeconds.toFixed(3)} ${t('秒')}`}</dd>
        </dl>
      )}
      {s && current && (
        <>
          <h2>{t('按地区列出的成员')}</h2>
          <div class="scroll">
            <table class="members">
              <thead>
                <tr>
                  <th scope="col">{t('地区')}</th>
                  <th scope="col">{t('成员')}</th>
                  <th scope="col">{t('连接')}</th>
                  <th scope="col">{t('大小')}</th>
                  <th scope="col">{t('最终大小')}</th>
                  <th scope="col">{t('滞后')}</th>
                  <th scope="col">{t('分叉')}</th>
                  <th scope="col">{t('时钟偏差')}</th>
                </tr>
              </thead>
              <tbody>
                {[...byProvince].flatMap(([province, ms]) => [
                  <tr key={`p-${province}`} class="group">
                    <th scope="rowgroup" colSpan={8}>
                      {province} ({ms.length})
                    </th>
                  </tr>,
                  ...ms.map((m) => {
                    const log = s.logs.find((l) => l.author === m.id);
                    const conn = m.id === s.member ? 'self' : s.peers.includes(m.id) ? 'connected' : 'disconnected';
                    const k = skew.get(m.id);
                    return (
                      <tr key={m.id} data-member={m.id} data-connection={conn}>
                        <td>{regionName(m.region)}</td>
                        <td>
                          {m.name} <span class="mono small">{m.id}</span>
                        </td>
                        <td class={conn === 'disconnected' ? 'bad' : 'good'}>{conn === 'self' ? t('本机') : conn === 'connected' ? `● ${t('已连接')}` : `○ ${t('未连接')}`}</td>
                        <td>{log?.size ?? 0}</td>
                        <td>{log?.finalSize ?? 0}</td>
                        <td>{log ? log.size - log.finalSize : 0}</td>
                        <td class={log?.forked ? 'bad' : ''}>{log?.forked ? t('是') : t('否')}</td>
                        <td>{k ? `${k.seconds.toFixed(3)} ${t('秒')} (${t('往返')} ${k.rttMs} ms)` : '—'}</td>
                      </tr>
                    );
                  }),
                ])}
              </tbody>
            </table>
          </div>
          {s.appendRefused && (
            <p class="bad" role="alert">
              {s.appendRefused.code}: {s.appendRefused.message}
            </p>
          )}
        </>
      )}
      {g && (
        <>
          <h2>{t('待定提案')}</h2>
          {g.pending.length === 0 ? (
            <p>{t('没有待定提案。')}</p>
          ) : (
            <ul>
              {g.pending.map((p) => (
                <li key={p.id} data-proposal={p.id}>
                  {t('纪元')} {p.epoch} <span class="mono small">{p.id.slice(0, 16)}</span> · {t('批准')}: {p.approvals.join(', ') || '—'}
                  {p.summary ? ` · ${p.summary.members.join(', ')}` : ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
