/**
 * Compiles one plan of a product into index-addressed arrays so adjudication does no lookups by name
 * on the hot path. Compiling is the only place that walks the product's object graph.
 */
import type { Cohort } from "../domain/cohort.js";
import type { Bps, Fen } from "../domain/money.js";
import type {
  AmountVariant,
  EligibleSpec,
  Liability,
  PersonCondition,
  PreExistingRule,
  Product,
  RatioVariant,
} from "../domain/product.js";
import { catalogDayStart, catalogIdOf, findPlan } from "../domain/product.js";
import type { MedType } from "../domain/settlement.js";
import type { EpochMs, Period } from "../domain/time.js";

export const NO_LIMIT = Number.POSITIVE_INFINITY;

/**
 * The common person condition `when` of schema v2, compiled: undefined = not looked at. Ranges are inclusive;
 * a range over something the terms do not know (age without ageAtStart) does not hold.
 */
export interface CompiledWhen {
  readonly preExisting: boolean | undefined;
  readonly outOfRegion: boolean | undefined;
  readonly cohorts: ReadonlySet<string> | undefined;
  readonly insutypes: ReadonlySet<string> | undefined;
  readonly insuredYearsFrom: number | undefined;
  readonly insuredYearsTo: number | undefined;
  readonly claimFreeYearsFrom: number | undefined;
  readonly claimFreeYearsTo: number | undefined;
  readonly ageFrom: number | undefined;
  readonly ageTo: number | undefined;
  readonly sex: "1" | "2" | undefined;
  /** Health services that must all have been used by the time of care (PolicyTerms.servicesRedeemed). */
  readonly servicesRedeemed: ReadonlySet<string> | undefined;
  /** True when only preExisting / outOfRegion / cohorts are set (schema v1): the short check suffices. */
  readonly v1Only: boolean;
}

export interface CompiledRatio extends CompiledWhen {
  readonly bandFrom: Fen;
  readonly bandTo: Fen;
  readonly ratioBps: Bps;
  readonly label: string | undefined;
}

/** A deductible or cap amount by person: first matching variant wins. */
export interface CompiledAmountVariant {
  readonly when: CompiledWhen;
  readonly amount: Fen;
  readonly label: string | undefined;
}

export interface CompiledCatalogItem {
  readonly code: string;
  readonly name: string;
  readonly cap: Fen;
}

export interface CompiledCatalog {
  readonly id: string;
  readonly name: string;
  readonly items: ReadonlyMap<string, CompiledCatalogItem>;
  readonly designatedInstitutions: ReadonlySet<string> | undefined;
  /** Effective window [from, to) by record date; −∞ / +∞ when the catalog has none. */
  readonly effectiveFrom: EpochMs;
  readonly effectiveUntil: EpochMs;
}

const DAY_MS = 86_400_000;

export type EligibleBase = "in_scope" | "out_of_scope" | "catalog" | "fee_items" | "diagnosis";

export interface CompiledFeeItems {
  readonly categories: ReadonlySet<string> | undefined;
  readonly levels: ReadonlySet<string> | undefined;
  readonly codes: ReadonlySet<string> | undefined;
  readonly portion: "self_pay" | "in_scope" | "total";
}

/** Full weight of 乙类先行自付 in the in-scope base (schema v1). */
export const FULL_WEIGHT_BPS: Bps = 10_000;

export interface CompiledLiability {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly base: EligibleBase;
  readonly catalog: CompiledCatalog | undefined;
  readonly medTypes: ReadonlySet<MedType>;
  readonly poolIndex: number; // -1: no deductible
  readonly ratios: readonly CompiledRatio[];
  readonly hasCostBands: boolean;
  readonly cap: Fen; // NO_LIMIT when the liability has no cap of its own
  readonly capGroups: readonly number[];
  readonly conditionIndex: number; // -1: the liability does not look at pre-existing status
  readonly excludePreExisting: boolean;
  // Schema v2 (neutral values for a v1 liability):
  readonly feeItems: CompiledFeeItems | undefined;
  readonly diagnosis: readonly { from: string; to: string }[] | undefined;
  readonly lumpSum: Fen; // 0 unless base is "diagnosis"
  readonly capVariants: readonly CompiledAmountVariant[];
  readonly unitCapPerCode: Fen; // NO_LIMIT: none
  readonly unitCapPerStay: Fen; // NO_LIMIT: none
  readonly maxClaimsPerYear: number; // NO_LIMIT: none
  readonly preSelfPayWeightBps: Bps;
  readonly waitingPeriodDays: number;
}

export interface CompiledPool {
  readonly id: string;
  readonly name: string;
  readonly amount: Fen;
  readonly variants: readonly CompiledAmountVariant[];
  readonly conditionIndex: number; // -1: the pool does not look at pre-existing status
  /** Shared by the family (accumulators' `family`), when the caller attaches family accumulators. */
  readonly family: boolean;
}

export type StayRule =
  | { readonly kind: "admission" }
  | { readonly kind: "pro_rata_by_day" }
  | { readonly kind: "extension"; readonly days: number };

export interface CompiledCapGroup {
  readonly id: string;
  readonly name: string;
  readonly amount: Fen;
}

export interface CompiledCondition {
  readonly id: string;
  readonly name: string;
  readonly rule: PreExistingRule;
}

export interface CompiledPlan {
  readonly productId: string;
  readonly productVersion: number;
  readonly planId: string;
  readonly planName: string;
  /** First 4 digits of the program's region: a treatment region outside it is 异地. */
  readonly regionPrefix: string;
  readonly coverage: Period;
  readonly liabilities: readonly CompiledLiability[];
  readonly pools: readonly CompiledPool[];
  readonly capGroups: readonly CompiledCapGroup[];
  readonly annualTotal: Fen;
  readonly conditions: readonly CompiledCondition[];
  /** Schema v2 stayAcrossCoverageEnd; "admission" = schema v1 (admission date decides). */
  readonly stayRule: StayRule;
  /** Any lump-sum liability: they are assessed after the others (capped by what is left to bear). */
  readonly hasLumpSums: boolean;
  /** Any liability built from fee-detail items. */
  readonly hasFeeItemLiabilities: boolean;
  /** Any family-shared deductible pool. */
  readonly hasFamilyPools: boolean;
  /**
   * Any person condition naming `servicesRedeemed`: only then does the platform read the person's redeemed
   * vouchers (services/claims/coverage.ts), so other plans settle with exactly the same statements.
   */
  readonly hasServiceConditions: boolean;
  readonly exclusions: readonly {
    id: string;
    name: string;
    icd10: readonly { from: string; to: string }[];
  }[];
}

const NO_WHEN: CompiledWhen = compileWhen(undefined);

export function compileWhen(w: PersonCondition | undefined): CompiledWhen {
  const v2 =
    w !== undefined &&
    (w.insutypes !== undefined ||
      w.insuredYearsFrom !== undefined ||
      w.insuredYearsTo !== undefined ||
      w.claimFreeYearsFrom !== undefined ||
      w.claimFreeYearsTo !== undefined ||
      w.ageFrom !== undefined ||
      w.ageTo !== undefined ||
      w.sex !== undefined ||
      w.servicesRedeemed !== undefined);
  return {
    preExisting: w?.preExisting,
    outOfRegion: w?.outOfRegion,
    cohorts: w?.cohorts === undefined ? undefined : new Set(w.cohorts),
    insutypes: w?.insutypes === undefined ? undefined : new Set(w.insutypes),
    insuredYearsFrom: w?.insuredYearsFrom,
    insuredYearsTo: w?.insuredYearsTo,
    claimFreeYearsFrom: w?.claimFreeYearsFrom,
    claimFreeYearsTo: w?.claimFreeYearsTo,
    ageFrom: w?.ageFrom,
    ageTo: w?.ageTo,
    sex: w?.sex,
    servicesRedeemed: w?.servicesRedeemed === undefined ? undefined : new Set(w.servicesRedeemed),
    v1Only: !v2,
  };
}

function compileRatio(v: RatioVariant): CompiledRatio {
  const w = v.when;
  return {
    ...(w === undefined ? NO_WHEN : compileWhen(w)),
    bandFrom: w?.costBand?.from ?? 0,
    bandTo: w?.costBand?.to ?? NO_LIMIT,
    ratioBps: v.ratioPercent,
    label: v.label,
  };
}

function compileVariants(variants: readonly AmountVariant[]): CompiledAmountVariant[] {
  return variants.map((v) => ({ when: compileWhen(v.when), amount: v.amount, label: v.label }));
}

function baseOf(e: EligibleSpec): EligibleBase {
  if (typeof e !== "object") return e;
  if ("catalog" in e) return "catalog";
  if ("feeItems" in e) return "fee_items";
  return "diagnosis";
}

function compileFeeItems(e: EligibleSpec): CompiledFeeItems | undefined {
  if (typeof e !== "object" || !("feeItems" in e)) return undefined;
  const f = e.feeItems;
  return {
    categories: f.categories === undefined ? undefined : new Set(f.categories),
    levels: f.levels === undefined ? undefined : new Set(f.levels),
    codes: f.codes === undefined ? undefined : new Set(f.codes),
    portion: f.portion,
  };
}

export function compilePlan(product: Product, planId?: string): CompiledPlan {
  const plan = findPlan(product, planId);
  const poolIndex = new Map(plan.deductiblePools.map((p, i) => [p.id, i]));
  const conditionIndex = new Map(product.preExistingConditions.map((c, i) => [c.id, i]));
  const catalogs = new Map(
    product.catalogs.map((c): [string, CompiledCatalog] => [
      c.id,
      {
        id: c.id,
        name: c.name,
        items: new Map(
          c.items.map((it) => [it.code, { code: it.code, name: it.name, cap: it.cap ?? NO_LIMIT }]),
        ),
        designatedInstitutions:
          c.designatedInstitutions === undefined ? undefined : new Set(c.designatedInstitutions),
        effectiveFrom:
          c.effectiveFrom === undefined
            ? Number.NEGATIVE_INFINITY
            : (catalogDayStart(c.effectiveFrom) ?? Number.NEGATIVE_INFINITY),
        // effectiveTo is the last day in force: the window ends at the start of the next day.
        effectiveUntil:
          c.effectiveTo === undefined
            ? Number.POSITIVE_INFINITY
            : (catalogDayStart(c.effectiveTo) ?? Number.NEGATIVE_INFINITY) + DAY_MS,
      },
    ]),
  );
  const groupsOf = (l: Liability) =>
    plan.capGroups.flatMap((g, gi) => (g.liabilities.includes(l.id) ? [gi] : []));
  const liabilities = plan.liabilities.map((l, index): CompiledLiability => {
    const ratios = l.ratios.map(compileRatio);
    const catalogId = catalogIdOf(l.eligible);
    const e = l.eligible;
    const unitCap = (per: "code" | "stay") => l.unitCaps.find((u) => u.per === per)?.amount ?? NO_LIMIT;
    return {
      index,
      id: l.id,
      name: l.name,
      base: baseOf(e),
      catalog: catalogId === undefined ? undefined : catalogs.get(catalogId),
      medTypes: new Set(l.medTypes),
      poolIndex: l.deductiblePool === undefined ? -1 : (poolIndex.get(l.deductiblePool) ?? -1),
      ratios,
      hasCostBands: ratios.some((r) => r.bandFrom > 0 || r.bandTo !== NO_LIMIT),
      cap: l.cap ?? NO_LIMIT,
      capGroups: groupsOf(l),
      conditionIndex:
        l.preExistingCondition === undefined ? -1 : (conditionIndex.get(l.preExistingCondition) ?? -1),
      excludePreExisting: l.excludePreExisting,
      feeItems: compileFeeItems(e),
      diagnosis: typeof e === "object" && "diagnosis" in e ? e.diagnosis.icd10 : undefined,
      lumpSum: l.lumpSum ?? 0,
      capVariants: compileVariants(l.capVariants),
      unitCapPerCode: unitCap("code"),
      unitCapPerStay: unitCap("stay"),
      maxClaimsPerYear: l.maxClaimsPerYear ?? NO_LIMIT,
      preSelfPayWeightBps: l.preSelfPayWeightPercent ?? FULL_WEIGHT_BPS,
      waitingPeriodDays: l.waitingPeriodDays ?? 0,
    };
  });
  const stay = product.stayAcrossCoverageEnd;
  return {
    productId: product.id,
    productVersion: product.version,
    planId: plan.id,
    planName: plan.name,
    regionPrefix: product.region.code.slice(0, 4),
    coverage: product.coverage,
    liabilities,
    pools: plan.deductiblePools.map((p) => ({
      id: p.id,
      name: p.name,
      amount: p.amount,
      variants: compileVariants(p.variants),
      conditionIndex:
        p.preExistingCondition === undefined ? -1 : (conditionIndex.get(p.preExistingCondition) ?? -1),
      family: p.shared === "family",
    })),
    capGroups: plan.capGroups.map((g) => ({ id: g.id, name: g.name, amount: g.amount })),
    annualTotal: plan.annualTotal ?? NO_LIMIT,
    conditions: product.preExistingConditions.map((c) => ({ id: c.id, name: c.name, rule: c.rule })),
    exclusions: product.exclusions,
    stayRule: stay === undefined ? { kind: "admission" } : stay,
    hasLumpSums: liabilities.some((l) => l.base === "diagnosis"),
    hasFeeItemLiabilities: liabilities.some((l) => l.base === "fee_items"),
    hasFamilyPools: plan.deductiblePools.some((p) => p.shared === "family"),
    hasServiceConditions: [
      ...liabilities.flatMap((l) => [...l.ratios, ...l.capVariants.map((v) => v.when)]),
      ...plan.deductiblePools.flatMap((p) => p.variants.map((v) => v.when)),
    ].some((w) => w.servicesRedeemed !== undefined),
  };
}

/** What the engine needs to know about one person's policy. Schema v2 fields are optional: no caller breaks. */
export interface PolicyTerms {
  readonly coverage: Period;
  readonly cohort: Cohort | undefined;
  /** Indexed like `CompiledPlan.conditions`: does the insured have that pre-existing condition? */
  readonly preExisting: readonly boolean[];
  /** Consecutive insured years including this one (default 1): `when.insuredYears…`, waiting periods. */
  readonly insuredYears?: number;
  /** Consecutive preceding years without a paid claim (default 0). */
  readonly claimFreeYears?: number;
  /** Age in whole years at coverage start; unknown = an age condition does not hold. */
  readonly ageAtStart?: number;
  /** National gend: "1" 男, "2" 女; anything else = a sex condition does not hold. */
  readonly sex?: string;
  /** When the policy was taken out: liability waiting periods run from it (else from coverage start). */
  readonly enrolledAt?: EpochMs;
  /**
   * Health-service ids the person had used (voucher redeemed) by the time of care; unknown = a
   * `servicesRedeemed` condition does not hold.
   */
  readonly servicesRedeemed?: ReadonlySet<string>;
  /** The family whose shared deductible pools this person draws on (the caller attaches its accumulators). */
  readonly familyKey?: string;
}

export const DEFAULT_INSURED_YEARS = 1;
export const DEFAULT_CLAIM_FREE_YEARS = 0;
