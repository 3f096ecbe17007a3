/**
 * Population structure for synthetic insured persons: county weights and age structures of the regions whose
 * counties src/domain/regions.ts names. Sources and the status of every figure (published / approximate /
 * assumed) are in docs/synthetic-data.md.
 */

import { findRegion, type RegionCounty } from "../domain/regions.js";

export interface County extends RegionCounty {
  /** Relative population weight (approximate; see docs). */
  readonly weight: number;
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

/** Population of the regions of src/domain/regions.ts: county weights (by county code) and age structure. */
interface Population {
  readonly weights: Readonly<Record<string, number>>;
  readonly ages: AgeStructure;
}

const POPULATIONS: Readonly<Record<string, Population>> = {
  "532600": {
    weights: {
      "532601": 18,
      "532622": 13,
      "532623": 7,
      "532624": 7,
      "532625": 11,
      "532626": 13,
      "532627": 22,
      "532628": 11,
    },
    ages: {
      under15: 0.2489,
      from15to59: 0.6119,
      over60: 0.1392,
      over65: 0.1,
      maleShare: 0.5209,
      source: "文山州第七次全国人口普查主要数据公报（2021-05）",
    },
  },
  "532300": {
    weights: {
      "532301": 24.5,
      "532302": 16.8,
      "532322": 5.5,
      "532323": 7,
      "532324": 8.5,
      "532325": 7,
      "532326": 10,
      "532327": 4,
      "532328": 8.5,
      "532329": 10,
    },
    ages: {
      under15: 0.1589,
      from15to59: 0.6647,
      over60: 0.1764,
      over65: 0.1303,
      maleShare: 0.511,
      source: "楚雄州第七次全国人口普查主要数据公报（2021-07）",
    },
  },
};

/** A county without a published weight (a region added to the domain list before its population here). */
const DEFAULT_COUNTY_WEIGHT = 10;
/** Weight of the seat of a region without a profile: about twice an ordinary county. */
const GENERIC_SEAT_WEIGHT = 20;
const GENERIC_COUNTIES = 6;

/** Profile for a product's region; an unknown region gets generic counties and Yunnan's age structure. */
export function regionProfile(regionCode: string): RegionProfile {
  const known = findRegion(regionCode);
  if (known !== undefined) {
    const population = POPULATIONS[regionCode];
    return {
      code: known.code,
      shortName: known.shortName,
      counties: known.counties.map((c) => ({
        ...c,
        weight: population?.weights[c.code] ?? DEFAULT_COUNTY_WEIGHT,
      })),
      ages: population?.ages ?? YUNNAN_AGES,
    };
  }
  const prefix = regionCode.slice(0, 4);
  const counties: County[] = [{ code: `${prefix}01`, name: `${prefix}01区`, weight: GENERIC_SEAT_WEIGHT }];
  for (let k = 1; k <= GENERIC_COUNTIES; k++)
    counties.push({ code: `${prefix}2${k}`, name: `${prefix}2${k}县`, weight: DEFAULT_COUNTY_WEIGHT });
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
