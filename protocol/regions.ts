/** GB/T 2260 provincial-level divisions (34), with the codes of their seats of government. */
export interface Province {
  readonly code: string;
  readonly name: string;
  readonly nameEn: string;
  /** A member id used by the local testnet. */
  readonly id: string;
}

export const PROVINCES: readonly Province[] = [
  { code: '110000', name: '北京市', nameEn: 'Beijing', id: 'bj' },
  { code: '120000', name: '天津市', nameEn: 'Tianjin', id: 'tj' },
  { code: '130000', name: '河北省', nameEn: 'Hebei', id: 'he' },
  { code: '140000', name: '山西省', nameEn: 'Shanxi', id: 'sx' },
  { code: '150000', name: '内蒙古自治区', nameEn: 'Inner Mongolia', id: 'nm' },
  { code: '210000', name: '辽宁省', nameEn: 'Liaoning', id: 'ln' },
  { code: '220000', name: '吉林省', nameEn: 'Jilin', id: 'jl' },
  { code: '230000', name: '黑龙江省', nameEn: 'Heilongjiang', id: 'hl' },
  { code: '310000', name: '上海市', nameEn: 'Shanghai', id: 'sh' },
  { code: '320000', name: '江苏省', nameEn: 'Jiangsu', id: 'js' },
  { code: '330000', name: '浙江省', nameEn: 'Zhejiang', id: 'zj' },
  { code: '340000', name: '安徽省', nameEn: 'Anhui', id: 'ah' },
  { code: '350000', name: '福建省', nameEn: 'Fujian', id: 'fj' },
  { code: '360000', name: '江西省', nameEn: 'Jiangxi', id: 'jx' },
  { code: '370000', name: '山东省', nameEn: 'Shandong', id: 'sd' },
  { code: '410000', name: '河南省', nameEn: 'Henan', id: 'ha' },
  { code: '420000', name: '湖北省', nameEn: 'Hubei', id: 'hb' },
  { code: '430000', name: '湖南省', nameEn: 'Hunan', id: 'hn' },
  { code: '440000', name: '广东省', nameEn: 'Guangdong', id: 'gd' },
  { code: '450000', name: '广西壮族自治区', nameEn: 'Guangxi', id: 'gx' },
  { code: '460000', name: '海南省', nameEn: 'Hainan', id: 'hi' },
  { code: '500000', name: '重庆市', nameEn: 'Chongqing', id: 'cq' },
  { code: '510000', name: '四川省', nameEn: 'Sichuan', id: 'sc' },
  { code: '520000', name: '贵州省', nameEn: 'Guizhou', id: 'gz' },
  { code: '530000', name: '云南省', nameEn: 'Yunnan', id: 'yn' },
  { code: '540000', name: '西藏自治区', nameEn: 'Tibet', id: 'xz' },
  { code: '610000', name: '陕西省', nameEn: 'Shaanxi', id: 'sn' },
  { code: '620000', name: '甘肃省', nameEn: 'Gansu', id: 'gs' },
  { code: '630000', name: '青海省', nameEn: 'Qinghai', id: 'qh' },
  { code: '640000', name: '宁夏回族自治区', nameEn: 'Ningxia', id: 'nx' },
  { code: '650000', name: '新疆维吾尔自治区', nameEn: 'Xinjiang', id: 'xj' },
  { code: '710000', name: '台湾省', nameEn: 'Taiwan', id: 'tw' },
  { code: '810000', name: '香港特别行政区', nameEn: 'Hong Kong', id: 'hk' },
  { code: '820000', name: '澳门特别行政区', nameEn: 'Macao', id: 'mo' },
];

export function provinceOf(region: string): Province | undefined {
  return PROVINCES.find((p) => p.code.slice(0, 2) === region.slice(0, 2));
}
