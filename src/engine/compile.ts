/**
 * Compiles one plan of a product into index-addressed arrays so adjudication does no lookups by name
 * on the hot path. Compiling is the only place that walks the product's object graph.
 */
import type { Cohort } from "../domain/cohort.js";
import type { Bps, Fen } from "../domain/money.js";
import type { Liability, PreExistingRule, Product, RatioVariant } from "../domain/product.js";
import { findPlan } from "../domain/product.js";
import type { MedType } from "../domain/settlement.js";
import type { Period } from "../domain/time.js";

export const NO_LIMIT = Number.POSITIVE_INFINITY;

export interface CompiledRatio {
  readonly preExisting: boolean | undefined;
  readonly outOfRegion: boolean | undefined;
  readonly cohorts: ReadonlySet<string> | undefined;
  readonly bandFrom: Fen;
  readonly bandTo: Fen;
  readonly ratioBps: Bps;
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
}

export type EligibleBase = "in_scope" | "out_of_scope" | "catalog";

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
}

export interface CompiledPool {
  readonly id: string;
  readonly name: string;
  readonly amount: Fen;
}

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
  readonly exclusions: readonly {
    id: string;
    name: string;
    icd10: readonly { from: string; to: string }[];
  }[];
}

function compileRatio(v: RatioVariant): CompiledRatio {
  const w = v.when;
  return {
    preExisting: w?.preExisting,
    outOfRegion: w?.outOfRegion,
    cohorts: w?.cohorts === undefined ? undefined : new Set(w.cohorts),
    bandFrom: w?.costBand?.from ?? 0,
    bandTo: w?.costBand?.to ?? NO_LIMIT,
    ratioBps: v.ratioPercent,
    label: v.label,
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
      },
    ]),
  );
  const groupsOf = (l: Liability) =>
    plan.capGroups.flatMap((g, gi) => (g.liabilities.includes(l.id) ? [gi] : []));
  const liabilities = plan.liabilities.map((l, index): CompiledLiability => {
    const ratios = l.ratios.map(compileRatio);
    return {
      index,
      id: l.id,
      name: l.name,
      base: typeof l.eligible === "object" ? "catalog" : l.eligible,
      catalog: typeof l.eligible === "object" ? catalogs.get(l.eligible.catalog) : undefined,
      medTypes: new Set(l.medTypes),
      poolIndex: l.deductiblePool === undefined ? -1 : (poolIndex.get(l.deductiblePool) ?? -1),
      ratios,
      hasCostBands: ratios.some((r) => r.bandFrom > 0 || r.bandTo !== NO_LIMIT),
      cap: l.cap ?? NO_LIMIT,
      capGroups: groupsOf(l),
      conditionIndex:
        l.preExistingCondition === undefined ? -1 : (conditionIndex.get(l.preExistingCondition) ?? -1),
      excludePreExisting: l.excludePreExisting,
    };
  });
  return {
    productId: product.id,
    productVersion: product.version,
    planId: plan.id,
    planName: plan.name,
    regionPrefix: product.region.code.slice(0, 4),
    coverage: product.coverage,
    liabilities,
    pools: plan.deductiblePools.map((p) => ({ id: p.id, name: p.name, amount: p.amount })),
    capGroups: plan.capGroups.map((g) => ({ id: g.id, name: g.name, amount: g.amount })),
    annualTotal: plan.annualTotal ?? NO_LIMIT,
    conditions: product.preExistingConditions.map((c) => ({ id: c.id, name: c.name, rule: c.rule })),
    exclusions: product.exclusions,
  };
}

/** What the engine needs to know about one person's policy. */
export interface PolicyTerms {
  readonly coverage: Period;
  readonly cohort: Cohort | undefined;
  /** Indexed like `CompiledPlan.conditions`: does the insured have that pre-existing condition? */
  readonly preExisting: readonly boolean[];
}
