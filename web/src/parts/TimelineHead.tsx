import { t } from '../i18n.js';

/** The head row of a timeline table: the same columns for a case's records and a document's events. */
export function TimelineHead() {
  return (
    <thead>
      <tr>
        <th scope="col">{t('时间（北京时间）')}</th>
        <th scope="col">{t('成员')}</th>
        <th scope="col">{t('地区')}</th>
        <th scope="col">{t('工作人员')}</th>
        <th scope="col">{t('角色')}</th>
        <th scope="col">{t('事项')}</th>
        <th scope="col">{t('最终')}</th>
      </tr>
    </thead>
  );
}
