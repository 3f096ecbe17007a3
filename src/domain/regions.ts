/**
 * Regions the platform knows by name: a prefecture (地级) code and its counties (GB/T 2260), with the former
 * codes still printed in ID numbers of people born before a re-designation. Dashboards and reports name
 * counties from here; the synthetic data (src/synth/regions.ts) adds population weights and age structures.
 */

export interface RegionCounty {
  /** GB/T 2260 code in force today: where the person's hospitals are (mdtrtarea_admvs). */
  readonly code: string;
  readonly name: string;
  /** Code printed in ID numbers of people born before `renamedIn` (the county's code before a re-designation). */
  readonly formerCode?: string;
  readonly renamedIn?: number;
}

export interface Region {
  readonly code: string;
  /** Short name for institution names, e.g. "文山州". */
  readonly shortName: string;
  /** counties[0] is the seat: prefecture-level (三级) hospitals and designated special-drug outlets are there. */
  readonly counties: readonly RegionCounty[];
}

export const REGIONS: readonly Region[] = [
  {
    code: "532600",
    shortName: "文山州",
    counties: [
      { code: "532601", name: "文山市", formerCode: "532621", renamedIn: 2010 },
      { code: "532622", name: "砚山县" },
      { code: "532623", name: "西畴县" },
      { code: "532624", name: "麻栗坡县" },
      { code: "532625", name: "马关县" },
      { code: "532626", name: "丘北县" },
      { code: "532627", name: "广南县" },
      { code: "532628", name: "富宁县" },
    ],
  },
  {
    code: "532300",
    shortName: "楚雄州",
    counties: [
      { code: "532301", name: "楚雄市" },
      { code: "532302", name: "禄丰市", formerCode: "532331", renamedIn: 2021 },
      { code: "532322", name: "双柏县" },
      { code: "532323", name: "牟定县" },
      { code: "532324", name: "南华县" },
      { code: "532325", name: "姚安县" },
      { code: "532326", name: "大姚县" },
      { code: "532327", name: "永仁县" },
      { code: "532328", name: "元谋县" },
      { code: "532329", name: "武定县" },
    ],
  },
];

/** The region of a prefecture code, if the platform knows its counties. */
export function findRegion(regionCode: string): Region | undefined {
  return REGIONS.find((r) => r.code === regionCode);
}

/**
 * County names of a known region by code, including former codes still printed on rosters. An unknown region
 * gives no names (rather than made-up ones).
 */
export function countyNames(regionCode: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const c of findRegion(regionCode)?.counties ?? []) {
    names.set(c.code, c.name);
    if (c.formerCode !== undefined) names.set(c.formerCode, c.name);
  }
  return names;
}
