import { isoCst } from '../../protocol/cases/calendar.js';
import { provinceOf } from '../../protocol/regions.js';
import { lang } from './i18n.js';

/** An instant in China Standard Time, e.g. 2026-11-20 16:00:01 (ms, or an ISO string with an offset). */
export function cst(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const iso = typeof v === 'number' ? isoCst(v) : v;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?\+08:00$/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

/** A GB/T 2260 code with its province (省级) name, e.g. 北京市 (110108). */
export function regionName(code: string | null | undefined): string {
  if (!code) return '—';
  const p = provinceOf(code);
  if (!p) return code;
  return `${lang() === 'en' ? p.nameEn : p.name} (${code})`;
}

export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
