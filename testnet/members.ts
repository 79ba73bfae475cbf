import { PROVINCES } from '../protocol/regions.js';

export interface MemberSpec {
  id: string;
  name: string;
  region: string;
}

/** The five members of the default local consortium. */
export const DEFAULT_MEMBERS: MemberSpec[] = [
  { id: 'bj-haidian', name: '北京市海淀区', region: '110108' },
  { id: 'sh-pudong', name: '上海市浦东新区', region: '310115' },
  { id: 'gd-guangzhou', name: '广东省广州市', region: '440100' },
  { id: 'ha-zhengzhou', name: '河南省郑州市', region: '410100' },
  { id: 'zj-hangzhou', name: '浙江省杭州市', region: '330100' },
];

/**
 * n members: the five above, then provincial-level divisions (real GB/T 2260
 * codes and names) not yet represented, up to 34.
 */
export function membersFor(n: number): MemberSpec[] {
  if (!Number.isInteger(n) || n < 1 || n > 34) throw new Error('--nodes must be between 1 and 34');
  if (n <= 5) return DEFAULT_MEMBERS.slice(0, n);
  const used = new Set(DEFAULT_MEMBERS.map((m) => m.region.slice(0, 2)));
  const rest = PROVINCES.filter((p) => !used.has(p.code.slice(0, 2))).map((p) => ({ id: `${p.id}-province`, name: p.name, region: p.code }));
  return [...DEFAULT_MEMBERS, ...rest].slice(0, n);
}
