import QRCode from 'qrcode';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';

/**
 * The applicant's receipt slip (受理回执) after an opening: case id, serial, item and the QR code of the applicant's
 * page (URL/c/<case id>#salt=<hex>), ready to print. Nothing personal is on it: the ID number went only into the hash.
 */
export function Slip(p: { caseId: string; salt: string; serial: string; item: string; name: string }) {
  const url = `${location.origin}/c/${p.caseId}#salt=${p.salt}`;
  const [svg, setSvg] = useState('');
  useEffect(() => {
    QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then(setSvg, () => setSvg(''));
  }, [url]);
  return (
    <section class="slip" aria-labelledby="slip-title">
      <h2 id="slip-title">{t('受理回执')}</h2>
      <dl class="facts">
        <dt>{t('办件编号')}</dt>
        <dd class="mono small">{p.caseId}</dd>
        <dt>{t('流水号')}</dt>
        <dd>{p.serial}</dd>
        <dt>{t('事项')}</dt>
        <dd>
          {p.name} ({p.item})
        </dd>
        <dt>{t('校验码')}</dt>
        <dd class="mono small">{p.salt}</dd>
      </dl>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG comes from the qrcode library, over our own URL */}
      {svg && <div class="qr" role="img" aria-label={t('扫码查询办件进度')} dangerouslySetInnerHTML={{ __html: svg }} />}
      <p class="mono small" id="receipt-url">
        {url}
      </p>
      <button type="button" class="noprint" onClick={() => window.print()}>
        {t('打印回执')}
      </button>
    </section>
  );
}
