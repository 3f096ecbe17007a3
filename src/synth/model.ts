/**
 * What the parts of the settlement synthesizer share (population.ts, encounters.ts, fund-model.ts,
 * output.ts): a person, an event kind, an institution and one settlement before it is written (a draft).
 */
import type { Cancer } from "./clinical.js";
import { encode } from "./format.js";

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365.25 * DAY_MS;

/** JSON-quoted catalog item code, pre-encoded. */
export type ItemCode = Uint8Array;

export interface Institution {
  readonly code: string;
  /** `"fixmedins_code":…,"fixmedins_name":…,"mdtrtarea_admvs":…` pre-encoded (UTF-8). */
  readonly fragment: Uint8Array;
  /** The 6-digit treatment region, which also prefixes the institution's setl_id. */
  readonly admvs: string;
  readonly local: boolean;
}

export function institution(code: string, name: string, admvs: string, regionPrefix: string): Institution {
  return {
    code,
    fragment: encode(
      `"fixmedins_code":${JSON.stringify(code)},"fixmedins_name":${JSON.stringify(name)},"mdtrtarea_admvs":"${admvs}"`,
    ),
    admvs,
    local: admvs.startsWith(regionPrefix),
  };
}

/** Event kinds, as small integers for the per-person event list. */
export const Kind = {
  Inpatient: 0,
  CancerInpatient: 1,
  Chronic: 2,
  Outpatient: 3,
  Pharmacy: 4,
  SpecialDrug: 5,
  CarT: 6,
  Proton: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface Person {
  index: number;
  /** Index into the region profile's counties. */
  county: number;
  male: boolean;
  age: number;
  employee: boolean;
  assisted: boolean;
  civilServant: boolean;
  cancer: Cancer | undefined;
  drugItem: ItemCode | undefined;
  drugInScope: boolean;
}

/** One settlement before rendering (fen, epoch ms). */
export interface Draft {
  medType: string;
  begin: number;
  end: number;
  settled: number;
  inst: Institution;
  diagnosis: string | undefined;
  total: number;
  fullOwnPay: number;
  overLimit: number;
  preSelfPay: number;
  inScope: number;
  deductible: number;
  pooled: number;
  critical: number;
  largeAmount: number;
  civilServant: number;
  assistance: number;
  fund: number;
  burden: number;
  account: number;
  cash: number;
  /** Catalog item in 费用明细 and its amount (fen). */
  itemCode: ItemCode | undefined;
  itemAmount: number;
}
