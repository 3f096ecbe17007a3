/**
 * Measurements a rule needs from a product: effective caps, rare-disease coverage, readable names for
 * ratio and premium variants. Kept apart from the evaluator so each rule kind stays a few lines.
 */
import { COHORTS, type Cohort } from "../domain/cohort.js";
import { type Fen, formatYuan } from "../domain/money.js";
import {
  type Catalog,
  catalogIdOf,
  type Liability,
  type Plan,
  type Product,
  type RatioVariant,
} from "../domain/product.js";
import { formatBusinessTime, type Period } from "../domain/time.js";
import type { LiabilityScope } from "./types.js";

/** A plan's or liability's payout limit; `undefined` means nothing in the product limits it. */
export type Limit = Fen | undefined;

function minLimit(a: Limit, b: Limit): Limit {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function sumLimits(limits: readonly Limit[]): Limit {
  let total = 0;
  for (const l of limits) {
    if (l === undefined) return undefined;
    total += l;
  }
  return total;
}

/**
 * The most one person can be paid under a liability in a year: its own cap, any cap group it belongs to and
 * the plan's annual total all bind, so the smallest wins. Wenshan's 责任二 has no cap of its own and is held
 * by the 3,000,000 annual total.
 */
export function liabilityLimit(plan: Plan, liability: Liability): Limit {
  let limit: Limit = liability.cap;
  for (const g of plan.capGroups) if (g.liabilities.includes(liability.id)) limit = minLimit(limit, g.amount);
  return minLimit(limit, plan.annualTotal);
}

/**
 * The plan's 封顶线: the declared annual total, else what the liabilities can pay together (a cap group
 * limits the sum of its members). One uncapped liability makes the plan unlimited.
 */
export function planLimit(plan: Plan): Limit {
  if (plan.annualTotal !== undefined) return plan.annualTotal;
  const grouped = new Set(plan.capGroups.flatMap((g) => g.liabilities));
  const groupLimits = plan.capGroups.map((g) =>
    minLimit(
      g.amount,
      sumLimits(plan.liabilities.filter((l) => g.liabilities.includes(l.id)).map((l) => l.cap)),
    ),
  );
  const ungrouped = plan.liabilities.filter((l) => !grouped.has(l.id)).map((l) => l.cap);
  return sumLimits([...groupLimits, ...ungrouped]);
}

export const UNLIMITED = "不限";

export function formatLimit(limit: Limit): string {
  return limit === undefined ? UNLIMITED : formatYuan(limit);
}

export function catalogOf(product: Product, liability: Liability): Catalog | undefined {
  const id = catalogIdOf(liability.eligible);
  if (id === undefined) return undefined;
  return product.catalogs.find((c) => c.id === id);
}

/** Catalog items whose indication names one of the diseases. */
export function rareDiseaseItems(
  product: Product,
  liability: Liability,
  diseases: readonly string[],
): Catalog["items"] {
  const catalog = catalogOf(product, liability);
  if (catalog === undefined) return [];
  return catalog.items.filter((item) => diseases.some((d) => item.indication?.includes(d) === true));
}

export function liabilitiesInScope(product: Product, plan: Plan, scope: LiabilityScope): Liability[] {
  if (scope.kind === "all") return plan.liabilities;
  return plan.liabilities.filter((l) => rareDiseaseItems(product, l, scope.diseases).length > 0);
}

export function rareDiseaseNote(product: Product, liability: Liability, items: Catalog["items"]): string {
  const sample = catalogOf(product, liability)?.sample === true ? "；样例目录" : "";
  return `${liability.id}: ${items.map((i) => i.name).join("、")}${sample}`;
}

/** "既往症·异地" as the product labels it, else spelled out from the condition. */
export function ratioVariantLabel(variant: RatioVariant): string {
  if (variant.label !== undefined) return variant.label;
  const when = variant.when;
  if (when === undefined) return "默认";
  const parts: string[] = [];
  if (when.preExisting !== undefined) parts.push(when.preExisting ? "既往症" : "非既往症");
  if (when.outOfRegion !== undefined) parts.push(when.outOfRegion ? "异地" : "本地");
  if (when.cohorts !== undefined) parts.push(cohortNames(when.cohorts));
  if (when.costBand !== undefined) {
    const to = when.costBand.to === undefined ? "以上" : `–${formatYuan(when.costBand.to)}`;
    parts.push(`费用 ${formatYuan(when.costBand.from)}${to}`);
  }
  return parts.length === 0 ? "默认" : parts.join("·");
}

export function premiumVariantLabel(variant: Plan["premium"]["variants"][number]): string {
  if (variant.label !== undefined) return variant.label;
  const parts: string[] = [];
  if (variant.when.cohorts !== undefined) parts.push(cohortNames(variant.when.cohorts));
  const { ageFrom, ageTo } = variant.when;
  if (ageFrom !== undefined && ageTo !== undefined) parts.push(`${ageFrom}–${ageTo}岁`);
  else if (ageFrom !== undefined) parts.push(`${ageFrom}岁及以上`);
  else if (ageTo !== undefined) parts.push(`${ageTo}岁及以下`);
  return parts.join("·");
}

function cohortNames(cohorts: readonly string[]): string {
  return cohorts.map((c) => (c in COHORTS ? COHORTS[c as Cohort] : c)).join("、");
}

/** A policy term as residents read it: "2023-09-01 至 2024-08-31" (the end is exclusive inside). */
export function formatTerm(period: Period): string {
  const first = formatBusinessTime(period.start).slice(0, 10);
  const last = formatBusinessTime(period.end - 1).slice(0, 10);
  return `${first} 至 ${last}`;
}

/**
 * Does the term run exactly from startMonth/startDay 00:00 for `months` months (Beijing calendar)?
 * Compared on the Beijing wall clock so "2023-12-31 24:00" counts as the start of 1 January.
 */
export function termMatches(period: Period, startMonth: number, startDay: number, months: number): boolean {
  const start = formatBusinessTime(period.start);
  const year = Number(start.slice(0, 4));
  const expectedStart = `${year}-${pad(startMonth)}-${pad(startDay)} 00:00:00`;
  const endMonthIndex = startMonth - 1 + months;
  const endYear = year + Math.floor(endMonthIndex / 12);
  const expectedEnd = `${endYear}-${pad((endMonthIndex % 12) + 1)}-${pad(startDay)} 00:00:00`;
  return start === expectedStart && formatBusinessTime(period.end) === expectedEnd;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** "standard/inpatient_in_scope" → "基础版/住院医保范围内费用"; the product id → the product name. */
export function subjectName(product: Product, subject: string): string {
  if (subject === product.id) return product.name;
  const [planId, liabilityId] = subject.split("/");
  const plan = product.plans.find((p) => p.id === planId);
  if (plan === undefined) return product.name;
  const liability = plan.liabilities.find((l) => l.id === liabilityId);
  return liability === undefined ? plan.name : `${plan.name}·${liability.name}`;
}

/** Product-file codes a finding may carry as its measure (compliance/types.ts Measure), as people read them. */
const MEASURE_WORDS: Readonly<Record<string, string>> = {
  minimum_necessary: "最小必要",
  broad: "广泛共享",
  none: "不共享",
  monthly: "按月",
  quarterly: "按季",
  yearly: "按年",
};

export function measureText(m: string | number): string {
  return String(m)
    .split("|")
    .map((part) => MEASURE_WORDS[part] ?? part)
    .join("或");
}
