/**
 * Geography and population structure for synthetic insured persons. Sources and the status of every figure
 * (published / approximate / assumed) are in docs/synthetic-data.md.
 */

export interface County {
  /** GB/T 2260 code in force today: where the person's hospitals are (mdtrtarea_admvs). */
  readonly code: string;
  readonly name: string;
  /** Relative population weight (approximate; see docs). */
  readonly weight: number;
  /** Code printed in ID numbers of people born before `renamedIn` (the county's code before a re-designation). */
  readonly formerCode?: string;
  readonly renamedIn?: number;
}

export interface AgeStructure {
  /** Shares of the 第七次全国人口普查 (2020) bulletins: 0–14, 15–59, 60+ and, of those, 65+. */
  readonly under15: number;
  readonly from15to59: number;
  readonly over60: number;
  readonly over65: number;
  readonly maleShare: number;
  readonly source: string;
}

export interface RegionProfile {
  readonly code: string;
  /** Short name for institution names, e.g. "文山州". */
  readonly shortName: string;
  /** counties[0] is the seat: prefecture-level (三级) hospitals and designated special-drug outlets are there. */
  readonly counties: readonly County[];
  readonly ages: AgeStructure;
}

const YUNNAN_AGES: AgeStructure = {
  under15: 0.1957,
  from15to59: 0.6552,
  over60: 0.1491,
  // The Yunnan bulletin's 65+ share is not used here; assumed ≈ 72 % of the 60+ group, as in 文山/楚雄.
  over65: 0.1491 * 0.72,
  maleShare: 0.5173,
  source: "云南省第七次全国人口普查主要数据公报（2021-05-14）",
};

const PROFILES: readonly RegionProfile[] = [
  {
    code: "532600",
    shortName: "文山州",
    counties: [
      { code: "532601", name: "文山市", weight: 18, formerCode: "532621", renamedIn: 2010 },
      { code: "532622", name: "砚山县", weight: 13 },
      { code: "532623", name: "西畴县", weight: 7 },
      { code: "532624", name: "麻栗坡县", weight: 7 },
      { code: "532625", name: "马关县", weight: 11 },
      { code: "532626", name: "丘北县", weight: 13 },
      { code: "532627", name: "广南县", weight: 22 },
      { code: "532628", name: "富宁县", weight: 11 },
    ],
    ages: {
      under15: 0.2489,
      from15to59: 0.6119,
      over60: 0.1392,
      over65: 0.1,
      maleShare: 0.5209,
      source: "文山州第七次全国人口普查主要数据公报（2021-05）",
    },
  },
  {
    code: "532300",
    shortName: "楚雄州",
    counties: [
      { code: "532301", name: "楚雄市", weight: 24.5 },
      { code: "532302", name: "禄丰市", weight: 16.8, formerCode: "532331", renamedIn: 2021 },
      { code: "532322", name: "双柏县", weight: 5.5 },
      { code: "532323", name: "牟定县", weight: 7 },
      { code: "532324", name: "南华县", weight: 8.5 },
      { code: "532325", name: "姚安县", weight: 7 },
      { code: "532326", name: "大姚县", weight: 10 },
      { code: "532327", name: "永仁县", weight: 4 },
      { code: "532328", name: "元谋县", weight: 8.5 },
      { code: "532329", name: "武定县", weight: 10 },
    ],
    ages: {
      under15: 0.1589,
      from15to59: 0.6647,
      over60: 0.1764,
      over65: 0.1303,
      maleShare: 0.511,
      source: "楚雄州第七次全国人口普查主要数据公报（2021-07）",
    },
  },
];

/** Profile for a product's region; an unknown region gets generic counties and Yunnan's age structure. */
export function regionProfile(regionCode: string): RegionProfile {
  const known = PROFILES.find((p) => p.code === regionCode);
  if (known !== undefined) return known;
  const prefix = regionCode.slice(0, 4);
  const counties: County[] = [{ code: `${prefix}01`, name: `${prefix}01区`, weight: 20 }];
  for (let k = 1; k <= 6; k++)
    counties.push({ code: `${prefix}2${k}`, name: `${prefix}2${k}县`, weight: 10 });
  return { code: regionCode, shortName: `${prefix}00地区`, counties, ages: YUNNAN_AGES };
}

export interface Place {
  readonly code: string;
  readonly name: string;
}

/** In-province referral destinations: Kunming's central districts, where Yunnan's provincial hospitals are. */
export const PROVINCIAL_CAPITAL: readonly Place[] = [
  { code: "530102", name: "昆明市五华区" },
  { code: "530103", name: "昆明市盘龙区" },
  { code: "530111", name: "昆明市官渡区" },
  { code: "530112", name: "昆明市西山区" },
];

/** Out-of-province destinations for 转外就医 (cross-province direct settlement). */
export const OUT_OF_PROVINCE: readonly Place[] = [
  { code: "510107", name: "成都市武侯区" },
  { code: "440104", name: "广州市越秀区" },
  { code: "310104", name: "上海市徐汇区" },
  { code: "110102", name: "北京市西城区" },
];

/** Proton / heavy-ion centres (only a handful in China): Shanghai Pudong. */
export const PROTON_CENTRE: Place = { code: "310115", name: "上海市浦东新区" };

/** Places outside the program's region (first 4 digits differ), so they are 异地 for the engine. */
export function outsideRegion(places: readonly Place[], regionCode: string): Place[] {
  const prefix = regionCode.slice(0, 4);
  const out = places.filter((p) => !p.code.startsWith(prefix));
  return out.length > 0 ? out : [{ code: "530302", name: "曲靖市麒麟区" }];
}
