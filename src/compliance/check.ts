/**
 * The generic evaluator: a product version (plus, when known, a year's operating figures) against a rule
 * set. Pure: no I/O. Every rule yields at least one finding, so a reader sees each clause was looked at —
 * including the ones a product cannot show, which come back not_applicable with the reason as `value`.
 */
import { type Bps, type Fen, formatPercent, formatYuan } from "../domain/money.js";
import type { Product } from "../domain/product.js";
import {
  formatLimit,
  formatTerm,
  type Limit,
  liabilitiesInScope,
  liabilityLimit,
  planLimit,
  premiumVariantLabel,
  rareDiseaseItems,
  rareDiseaseNote,
  ratioVariantLabel,
  termMatches,
} from "./measure.js";
import {
  featureAbsent,
  nameContains,
  preExistingNotRefused,
  regionDeclared,
  riskDifferentiation,
} from "./national.js";
import type {
  CheckContext,
  Finding,
  Measure,
  OperatingFigures,
  Rule,
  RuleKind,
  RuleSet,
  Status,
} from "./types.js";

export const NOT_DECLARED = "未声明";

type Draft = Omit<Finding, "clause" | "rule">;
type Evaluator<K extends RuleKind> = (
  rule: Extract<Rule, { kind: K }>,
  product: Product,
  context: CheckContext,
) => Draft[];

const passIf = (ok: boolean): Status => (ok ? "pass" : "fail");
const yesNo = (b: boolean): string => (b ? "是" : "否");
const atLeast = (limit: Limit, min: Fen): boolean => limit === undefined || limit >= min;

function notApplicable(subject: string, reason: string, limit: Measure): Draft {
  return { subject, status: "not_applicable", value: reason, limit };
}

const EVALUATORS: { readonly [K in RuleKind]: Evaluator<K> } = {
  no_enrollment_restrictions: (_rule, product) => [
    {
      subject: product.id,
      status: passIf(product.enrollmentRestrictions.length === 0),
      value: product.enrollmentRestrictions.length === 0 ? "无" : product.enrollmentRestrictions.join(","),
      limit: "无",
    },
  ],

  product_flag: (rule, product) => {
    const declared =
      rule.flag === "familyEnrollment" || rule.flag === "unitEnrollment"
        ? product[rule.flag]
        : product.operations[rule.flag];
    return [{ subject: product.id, status: passIf(declared), value: yesNo(declared), limit: yesNo(true) }];
  },

  deductible_max: (rule, product) =>
    product.plans.flatMap((plan) => {
      const scoped = liabilitiesInScope(product, plan, rule.scope);
      if (scoped.length === 0) return [notApplicable(plan.id, "无适用责任", formatYuan(rule.maxFen))];
      // One finding per deductible a person can face (the pool's and each variant's, e.g. 既往症 2万): a
      // ceiling holds only if the worst-placed resident stays under it, as ratio_min does for floors.
      return scoped.flatMap((liability): Draft[] => {
        const pool = plan.deductiblePools.find((p) => p.id === liability.deductiblePool);
        const subject = `${plan.id}/${liability.id}`;
        const finding = (amount: Fen, note: string): Draft => ({
          subject,
          status: passIf(amount <= rule.maxFen),
          value: formatYuan(amount),
          limit: formatYuan(rule.maxFen),
          note,
        });
        if (pool === undefined) return [finding(0, "无免赔额")];
        return [
          finding(pool.amount, pool.name),
          ...pool.variants.map((v) => finding(v.amount, `${pool.name}（${v.label ?? "条件档"}）`)),
        ];
      });
    }),

  // One finding per ratio variant: a floor holds only if the worst-placed resident (e.g. 既往症) gets it.
  ratio_min: (rule, product) =>
    product.plans.flatMap((plan) => {
      const scoped = liabilitiesInScope(product, plan, rule.scope);
      if (scoped.length === 0) return [notApplicable(plan.id, "无适用责任", formatPercent(rule.minBps))];
      return scoped.flatMap((liability) =>
        liability.ratios.map(
          (variant): Draft => ({
            subject: `${plan.id}/${liability.id}`,
            status: passIf(variant.ratioPercent >= rule.minBps),
            value: formatPercent(variant.ratioPercent),
            limit: formatPercent(rule.minBps),
            note: ratioVariantLabel(variant),
          }),
        ),
      );
    }),

  plan_cap_min: (rule, product) =>
    product.plans.map((plan): Draft => {
      const limit = planLimit(plan);
      return {
        subject: plan.id,
        status: passIf(atLeast(limit, rule.minFen)),
        value: formatLimit(limit),
        limit: formatYuan(rule.minFen),
        note: plan.annualTotal === undefined ? "各责任限额合计" : "年度累计限额",
      };
    }),

  liability_cap_min: (rule, product) =>
    product.plans.flatMap((plan) => {
      const scoped = liabilitiesInScope(product, plan, rule.scope);
      if (scoped.length === 0) return [notApplicable(plan.id, "无适用责任", formatYuan(rule.minFen))];
      return scoped.map((liability): Draft => {
        const limit = liabilityLimit(plan, liability);
        return {
          subject: `${plan.id}/${liability.id}`,
          status: passIf(atLeast(limit, rule.minFen)),
          value: formatLimit(limit),
          limit: formatYuan(rule.minFen),
          note: limit === liability.cap ? "责任限额" : "受年度累计/共用限额约束",
        };
      });
    }),

  // The clause speaks of the *average* premium; with every price under the bound the average is too, so a
  // price above it is reported as the thing to justify with the enrolment mix.
  premium_max: (rule, product) =>
    product.plans.flatMap((plan) => {
      const max = rule.maxFenByTier[plan.tier];
      const prices = [
        { amount: plan.premium.base, note: `${plan.tier === "basic" ? "基础保障" : "升级保障"}·基准保费` },
        ...plan.premium.variants.map((v) => ({ amount: v.amount, note: premiumVariantLabel(v) })),
      ];
      return prices.map(
        (p): Draft => ({
          subject: plan.id,
          status: passIf(p.amount <= max),
          value: formatYuan(p.amount),
          limit: formatYuan(max),
          note: p.note,
        }),
      );
    }),

  term_aligned: (rule, product) => {
    const expected = `${rule.startMonth}月${rule.startDay}日起${rule.months}个月`;
    return [
      {
        subject: product.id,
        status: passIf(termMatches(product.coverage, rule.startMonth, rule.startDay, rule.months)),
        value: formatTerm(product.coverage),
        limit: expected,
      },
    ];
  },

  loss_ratio_min: (rule, product, context) => {
    const limit = formatPercent(rule.minBps);
    const figures = context.operating;
    if (figures === undefined)
      return [notApplicable(product.id, "需经营数据（满期保费、已发生赔款）", limit)];
    if (figures.earnedPremiumFen === 0) return [notApplicable(product.id, "满期保费为0", limit)];
    return [
      {
        subject: product.id,
        status: passIf(lossRatioAtLeast(figures, rule.minBps)),
        value: formatPercent(lossRatioBps(figures)),
        limit,
        note: `赔款 ${formatYuan(figures.incurredClaimsFen)} ÷ 满期保费 ${formatYuan(figures.earnedPremiumFen)}`,
      },
    ];
  },

  // An undeclared commitment fails: the clause makes the commitment a precondition, so silence is a gap.
  service_commitment_min: (rule, product) => {
    const years = product.operations.serviceCommitmentYears;
    return [
      {
        subject: product.id,
        status: passIf(years !== undefined && years >= rule.minYears),
        value: years ?? NOT_DECLARED,
        limit: rule.minYears,
      },
    ];
  },

  operations_choice: (rule, product) => {
    const declared = product.operations[rule.field];
    const limit = rule.accepted.join("|");
    if (declared !== undefined && rule.notApplicable?.includes(declared) === true) {
      return [notApplicable(product.id, declared, limit)];
    }
    return [
      {
        subject: product.id,
        status: passIf(declared !== undefined && rule.accepted.includes(declared)),
        value: declared ?? NOT_DECLARED,
        limit,
      },
    ];
  },

  rare_disease_coverage: (rule, product) =>
    product.plans.map((plan): Draft => {
      const found = plan.liabilities.flatMap((liability) => {
        const items = rareDiseaseItems(product, liability, rule.diseases);
        return items.length === 0
          ? []
          : [{ count: items.length, note: rareDiseaseNote(product, liability, items) }];
      });
      const count = found.reduce((n, f) => n + f.count, 0);
      return {
        subject: plan.id,
        status: passIf(count >= rule.minItems),
        value: count,
        limit: rule.minItems,
        note: found.length === 0 ? "目录中未见罕见病药品" : found.map((f) => f.note).join("；"),
      };
    }),

  not_measurable: (rule, product) => [notApplicable(product.id, rule.reason.zh, "—")],

  // 金办便函〔2025〕745号 (rule set nfra-2025): measured in national.ts.
  name_contains: (rule, product) => nameContains(product, rule.words),
  region_declared: (_rule, product) => regionDeclared(product),
  risk_differentiation: (rule, product) => riskDifferentiation(product, rule.factors),
  feature_absent: (rule, product) => featureAbsent(product, rule.feature),
  pre_existing_not_refused: (_rule, product) => preExistingNotRefused(product),
};

/** Loss ratio in basis points, rounded half up; exact in BigInt since fen × 10000 can pass 2^53. */
export function lossRatioBps(figures: OperatingFigures): Bps {
  const premium = BigInt(figures.earnedPremiumFen);
  return Number((BigInt(figures.incurredClaimsFen) * 20000n + premium) / (2n * premium));
}

function lossRatioAtLeast(figures: OperatingFigures, minBps: Bps): boolean {
  return BigInt(figures.incurredClaimsFen) * 10000n >= BigInt(minBps) * BigInt(figures.earnedPremiumFen);
}

function evaluate<K extends RuleKind>(
  rule: Extract<Rule, { kind: K }>,
  product: Product,
  context: CheckContext,
) {
  return (EVALUATORS[rule.kind] as Evaluator<K>)(rule, product, context);
}

export function checkProduct(product: Product, ruleSet: RuleSet, context: CheckContext = {}): Finding[] {
  return ruleSet.rules.flatMap((rule) =>
    evaluate(rule, product, context).map(
      (draft): Finding => ({ clause: rule.clause, rule: rule.id, ...draft }),
    ),
  );
}

/** 0 when nothing fails, 1 otherwise: not_applicable is not a failure (the CLI's exit code contract). */
export function complianceExitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.status === "fail") ? 1 : 0;
}
