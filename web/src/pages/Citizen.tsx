import { useState } from 'preact/hooks';
import { toHex } from '../../../protocol/bytes.js';
import { applicantCommitment } from '../../../protocol/cases/applicant.js';
import { ApiError, getJson } from '../api.js';
import { cst } from '../format.js';
import { t } from '../i18n.js';
import { label } from '../labels.js';
import { saltOf } from '../receipt.js';
import { Light } from './CaseView.js';

/** What GET /v1/public/cases/:id answers: no officials, no materials. */
export interface PublicCase {
  case: string;
  name: string;
  item: string;
  state: string;
  result: string | null;
  openedAt: string;
  acceptedAt: string | null;
  due: string | null;
  closedAt: string | null;
  light: 'red' | 'yellow' | 'green' | null;
  overdue: number | null;
  asOf: string;
}

/**
 * The applicant's page for one case (the QR of the receipt slip). The ID number never leaves the browser: the browser
 * computes the applicant commitment from the slip's salt and the typed ID, and the node answers the public subset
 * only for the matching commitment.
 */
export function Citizen({ id }: { id: string }) {
  const salt = saltOf(location.hash);
  const [idType, setIdType] = useState('111');
  const [idNumber, setIdNumber] = useState('');
  const [res, setRes] = useState<PublicCase | string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!salt) return;
    let applicant: string;
    try {
      applicant = toHex(applicantCommitment(salt, idType.trim(), idNumber.trim().toUpperCase()));
    } catch (x) {
      return setRes((x as Error).message);
    }
    try {
      setRes(await getJson<PublicCase>(`/v1/public/cases/${id}?applicant=${applicant}`));
    } catch (x) {
      setRes(x instanceof ApiError && x.status === 404 ? t('未找到：证件信息与该办件不符，或办件不存在。') : (x as Error).message);
    }
  };
  return (
    <section aria-labelledby="citizen-title">
      <h1 id="citizen-title">{t('办件进度查询')}</h1>
      {!salt && (
        <p class="bad" role="alert">
          {t('回执上的校验码缺失（链接应以 #salt= 结尾）。')}
        </p>
      )}
      <p class="note">{t('请输入受理时登记的证件类型和证件号码。号码只在本浏览器中计算，不会发送。')}</p>
      <form class="filters" onSubmit={submit}>
        <label>
          {t('证件类型')}
          <input id="id-type" value={idType} onInput={(e) => setIdType((e.currentTarget as HTMLInputElement).value)} required />
        </label>
        <label>
          {t('证件号码')}
          <input id="id-number" value={idNumber} autocomplete="off" onInput={(e) => setIdNumber((e.currentTarget as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={!salt}>
          {t('查询')}
        </button>
      </form>
      <div aria-live="polite">
        {typeof res === 'string' && <p class="bad">{res}</p>}
        {res && typeof res === 'object' && (
          <dl class="facts public-case" data-state={res.state}>
            <dt>{t('办件名称')}</dt>
            <dd>{res.name}</dd>
            <dt>{t('状态')}</dt>
            <dd>
              {label(res.state)}
              {res.result ? ` (${label(res.result)})` : ''}
            </dd>
            <dt>{t('灯')}</dt>
            <dd>
              <Light light={res.light} />
            </dd>
            <dt>{t('开件时间')}</dt>
            <dd>{cst(res.openedAt)}</dd>
            <dt>{t('受理日期')}</dt>
            <dd>{cst(res.acceptedAt)}</dd>
            <dt>{t('到期')}</dt>
            <dd>{cst(res.due)}</dd>
            <dt>{t('办结')}</dt>
            <dd>{cst(res.closedAt)}</dd>
            <dt>{t('截至')}</dt>
            <dd>{cst(res.asOf)}</dd>
          </dl>
        )}
      </div>
    </section>
  );
}
