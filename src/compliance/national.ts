/**
 * Measurements for the 2025 national rules on 城市商业医疗险 (金办便函〔2025〕745号, rule set nfra-2025): the
 * product name, the region, risk-based differentiation (rates grouped or benefits tiered by age, sex, health),
 * forbidden features and the treatment of pre-existing conditions. Kept apart from check.ts so the evaluator
 * stays a table of one-liners; each function yields the findings of one rule, without clause and rule id.
 */
import type { Product } from "../domain/product.js";
import type { Finding, ForbiddenFeature, RiskFactor } from "./types.js";

type Draft = Omit<Finding, "clause" | "rule">;

/** Enrollment restrictions that refuse a person for their health (the schema's enum values). */
const HEALTH_RESTRICTIONS: ReadonlySet<string> = new Set(["health", "pre_existing"]);

const FACTOR_ZH: Readonly<Record<RiskFactor, string>> = { age: "年龄", sex: "性别", health: "健康状况" };

const FEATURE_ZH: Readonly<Record<ForbiddenFeature, string>> = {
  preset_loss_ratio: "预设赔付率",
  fund_pool: "资金池",
};

/** Any `when` of a premium, ratio, deductible or cap variant, read by key so every schema version fits. */
type LooseCondition = Readonly<Record<string, unknown>> | undefined;

function factorsOf(when: LooseCondition): RiskFactor[] {
  if (when === undefined) return [];
  const found: RiskFactor[] = [];
  if (when.ageFrom !== undefined || when.ageTo !== undefined) found.push("age");
  if (when.sex !== undefined) found.push("sex");
  if (when.preExisting !== undefined) found.push("health");
  return found;
}

function joinFactors(factors: Iterable<RiskFactor>): string {
  return [...factors].map((f) => FACTOR_ZH[f]).join("、");
}

export function nameContains(product: Product, words: readonly string[]): Draft[] {
  const missing = words.filter((w) => !product.name.includes(w));
  return [
    {
      subject: product.id,
      status: missing.length === 0 ? "pass" : "fail",
      value: product.name,
      limit: `含“${words.join("”“")}”`,
      note: missing.length === 0 ? undefined : `名称缺少：${missing.join("、")}`,
    },
  ];
}

/** The schema requires a region, so a parsed product always lists one; the finding shows which. */
export function regionDeclared(product: Product): Draft[] {
  const declared = product.region.name !== "" && /^\d{6}$/.test(product.region.code);
  return [
    {
      subject: product.id,
      status: declared ? "pass" : "fail",
      value: `${product.region.name}（${product.region.code}）`,
      limit: "列明适用地区",
    },
  ];
}

/**
 * One finding per plan: which of the factors its premiums or benefits vary by. Premium variants are rate
 * groups; ratio, deductible and cap variants and a pre-existing exclusion are benefit tiers.
 */
export function riskDifferentiation(product: Product, factors: readonly RiskFactor[]): Draft[] {
  const wanted = new Set(factors);
  return product.plans.map((plan): Draft => {
    const rates = new Set<RiskFactor>();
    const benefits = new Set<RiskFactor>();
    for (const v of plan.premium.variants) for (const f of factorsOf(v.when)) rates.add(f);
    for (const pool of plan.deductiblePools) {
      for (const v of pool.variants ?? []) for (const f of factorsOf(v.when)) benefits.add(f);
    }
    for (const l of plan.liabilities) {
      for (const v of l.ratios ?? []) for (const f of factorsOf(v.when)) benefits.add(f);
      for (const v of l.capVariants ?? []) for (const f of factorsOf(v.when)) benefits.add(f);
      if (l.excludePreExisting) benefits.add("health");
    }
    const keep = (s: Set<RiskFactor>) => new Set([...s].filter((f) => wanted.has(f)));
    const rateFactors = keep(rates);
    const benefitFactors = keep(benefits);
    const all = new Set([...rateFactors, ...benefitFactors]);
    const notes: string[] = [];
    if (rateFactors.size > 0) notes.push(`费率分组：${joinFactors(rateFactors)}`);
    if (benefitFactors.size > 0) notes.push(`责任分级：${joinFactors(benefitFactors)}`);
    return {
      subject: plan.id,
      status: all.size > 0 ? "pass" : "fail",
      value: all.size > 0 ? joinFactors(all) : "无",
      limit: `按${joinFactors(factors)}之一分组或分级`,
      note: notes.length > 0 ? notes.join("；") : "保费与责任均不因年龄、性别、健康状况而不同",
    };
  });
}

/**
 * A product version has no way to declare a pre-set loss ratio or a fund pool: the schema has no such
 * field and the platform offers no such setting, so the finding records that the product has none. The
 * loss-ratio floor some provinces set (云医保〔2023〕152号 clause 十一) is a supervision indicator reported by
 * that rule set on operating figures, not a term of the product.
 */
export function featureAbsent(product: Product, feature: ForbiddenFeature): Draft[] {
  return [
    {
      subject: product.id,
      status: "pass",
      value: "无",
      limit: `不得设置${FEATURE_ZH[feature]}`,
      note: "产品结构无此项，平台不提供该设置",
    },
  ];
}

/**
 * Fails when the product refuses enrollment for health or pre-existing conditions. Different deductibles,
 * ratios and a liability that excludes pre-existing conditions are benefit tiers the rules allow; they are
 * listed in the note so a reader sees them.
 */
export function preExistingNotRefused(product: Product): Draft[] {
  const refused = product.enrollmentRestrictions.filter((r) => HEALTH_RESTRICTIONS.has(r));
  const excluded: string[] = [];
  const ratios: string[] = [];
  const deductibles: string[] = [];
  for (const plan of product.plans) {
    for (const l of plan.liabilities) {
      if (l.excludePreExisting) excluded.push(`${plan.id}/${l.id}`);
      else if ((l.ratios ?? []).some((r) => r.when?.preExisting === true)) ratios.push(`${plan.id}/${l.id}`);
    }
    for (const pool of plan.deductiblePools) {
      if ((pool.variants ?? []).some((v) => v.when.preExisting === true))
        deductibles.push(`${plan.id}/${pool.id}`);
    }
  }
  const tiers = [
    excluded.length > 0 ? `责任除外：${excluded.join("、")}` : "",
    ratios.length > 0 ? `比例不同：${ratios.join("、")}` : "",
    deductibles.length > 0 ? `免赔额不同：${deductibles.join("、")}` : "",
  ].filter((t) => t !== "");
  return [
    {
      subject: product.id,
      status: refused.length === 0 ? "pass" : "fail",
      value: refused.length === 0 ? "不拒保" : `拒保：${refused.join(",")}`,
      limit: "不拒保",
      note: tiers.length === 0 ? "既往症与健康人群待遇相同" : `允许的差异（${tiers.join("；")}）`,
    },
  ];
}
