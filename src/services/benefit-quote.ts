/**
 * What a resident sees before enrolling: the product sheet (plans side by side) and the plain-language
 * benefit calculator "住院花了多少，惠民保赔多少". The calculator runs the real engine on a settlement built
 * from three numbers the resident knows from a discharge bill, with empty accumulators (the first stay of
 * the year) — the same code path as a hospital's one-stop settlement, with nothing stored.
 * Pure: no database, no HTTP.
 */
import { makeCertno } from "../domain/certno.js";
import { type Fen, formatYuan, parseYuan } from "../domain/money.js";
import type { Liability, Product } from "../domain/product.js";
import { MED_TYPES, type Settlement } from "../domain/settlement.js";
import { formatBusinessTime } from "../domain/time.js";
import { emptyAccumulators } from "../engine/accumulators.js";
import { adjudicate } from "../engine/adjudicate.js";
import { compilePlan } from "../engine/compile.js";
import { explainAdjudication, type Language } from "../engine/explain.js";
import { toWireResult, type WireLine } from "../engine/wire.js";
import { ServiceError } from "./context.js";

/* ------------------------------------------------------------------------------------------------------------
 * Product sheet
 * ---------------------------------------------------------------------------------------------------------- */

export interface RatioView {
  ratio_percent: number;
  label: string | null;
  when: {
    pre_existing?: boolean;
    out_of_region?: boolean;
    cohorts?: string[];
    cost_from?: string;
    cost_to?: string | null;
  } | null;
}

export interface LiabilityView {
  id: string;
  name: string;
  /** in_scope = 医保范围内自付, out_of_scope = 医保范围外自费, catalog = 特药/特定药械 list. */
  base: "in_scope" | "out_of_scope" | "catalog";
  catalog: { id: string; name: string; items: number; sample: boolean } | null;
  med_types: { code: string; name: string }[];
  deductible: { name: string; amount: string } | null;
  ratios: RatioView[];
  cap: string | null;
  pre_existing_excluded: boolean;
}

export interface PlanView {
  id: string;
  name: string;
  tier: "basic" | "upgraded";
  premium: string;
  premium_variants: {
    label: string | null;
    amount: string;
    cohorts: string[] | null;
    age_from: number | null;
    age_to: number | null;
  }[];
  annual_total: string | null;
  deductibles: { id: string; name: string; amount: string }[];
  liabilities: LiabilityView[];
}

export interface ProductSheet {
  product_id: string;
  product_version: number;
  name: string;
  region: { code: string; name: string };
  coverage_start: string;
  coverage_end: string;
  enrollment_start: string;
  enrollment_end: string;
  waiting_period_days: number;
  family_enrollment: boolean;
  one_stop_settlement: boolean;
  personal_account_payment: boolean;
  online_claims: boolean;
  refund: { before_effective: "full"; after_effective: "unearned_pro_rata_by_day" | "none" };
  pre_existing_conditions: { id: string; name: string }[];
  exclusions: { id: string; name: string }[];
  plans: PlanView[];
}

const yuanOrNull = (fen: Fen | undefined) => (fen === undefined ? null : formatYuan(fen));

function liabilityView(product: Product, plan: Product["plans"][number], l: Liability): LiabilityView {
  const catalog =
    typeof l.eligible === "object"
      ? product.catalogs.find((c) => c.id === (l.eligible as { catalog: string }).catalog)
      : undefined;
  const pool =
    l.deductiblePool === undefined ? undefined : plan.deductiblePools.find((p) => p.id === l.deductiblePool);
  return {
    id: l.id,
    name: l.name,
    base: typeof l.eligible === "object" ? "catalog" : l.eligible,
    catalog:
      catalog === undefined
        ? null
        : { id: catalog.id, name: catalog.name, items: catalog.items.length, sample: catalog.sample },
    med_types: l.medTypes.map((code) => ({ code, name: MED_TYPES[code] })),
    deductible: pool === undefined ? null : { name: pool.name, amount: formatYuan(pool.amount) },
    ratios: l.ratios.map((r) => ({
      ratio_percent: r.ratioPercent / 100,
      label: r.label ?? null,
      when:
        r.when === undefined
          ? null
          : {
              ...(r.when.preExisting === undefined ? {} : { pre_existing: r.when.preExisting }),
              ...(r.when.outOfRegion === undefined ? {} : { out_of_region: r.when.outOfRegion }),
              ...(r.when.cohorts === undefined ? {} : { cohorts: [...r.when.cohorts] }),
              ...(r.when.costBand === undefined
                ? {}
                : { cost_from: formatYuan(r.when.costBand.from), cost_to: yuanOrNull(r.when.costBand.to) }),
            },
    })),
    cap: yuanOrNull(l.cap),
    pre_existing_excluded: l.excludePreExisting,
  };
}

export function productSheet(product: Product): ProductSheet {
  return {
    product_id: product.id,
    product_version: product.version,
    name: product.name,
    region: { code: product.region.code, name: product.region.name },
    coverage_start: formatBusinessTime(product.coverage.start),
    coverage_end: formatBusinessTime(product.coverage.end),
    enrollment_start: formatBusinessTime(product.enrollment.start),
    enrollment_end: formatBusinessTime(product.enrollment.end),
    waiting_period_days: product.waitingPeriodDays,
    family_enrollment: product.familyEnrollment,
    one_stop_settlement: product.operations.oneStopSettlement,
    personal_account_payment: product.operations.personalAccountPayment,
    online_claims: product.operations.onlineClaims,
    refund: {
      before_effective: product.refund.beforeEffective,
      after_effective: product.refund.afterEffective,
    },
    pre_existing_conditions: product.preExistingConditions.map((c) => ({ id: c.id, name: c.name })),
    exclusions: product.exclusions.map((e) => ({ id: e.id, name: e.name })),
    plans: product.plans.map((plan) => ({
      id: plan.id,
      name: plan.name,
      tier: plan.tier,
      premium: formatYuan(plan.premium.base),
      premium_variants: plan.premium.variants.map((v) => ({
        label: v.label ?? null,
        amount: formatYuan(v.amount),
        cohorts: v.when.cohorts === undefined ? null : [...v.when.cohorts],
        age_from: v.when.ageFrom ?? null,
        age_to: v.when.ageTo ?? null,
      })),
      annual_total: yuanOrNull(plan.annualTotal),
      deductibles: plan.deductiblePools.map((p) => ({
        id: p.id,
        name: p.name,
        amount: formatYuan(p.amount),
      })),
      liabilities: plan.liabilities.map((l) => liabilityView(product, plan, l)),
    })),
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Benefit calculator
 * ---------------------------------------------------------------------------------------------------------- */

export interface BenefitQuoteInput {
  /** Absent: every plan, for the side-by-side comparison. */
  readonly plan?: string | undefined;
  /** 住院总费用 (medfee_sumamt), yuan. */
  readonly total: unknown;
  /** 医保报销（统筹基金、大病保险、医疗救助等合计）(fund_pay_sumamt), yuan. */
  readonly insurancePaid: unknown;
  /** 其中医保目录外自费 (fulamt_ownpay_amt), yuan; default 0. */
  readonly outOfScope?: unknown;
  /** 异地就医: treated outside the program's region. */
  readonly outOfRegion?: boolean | undefined;
  /** The insured has the product's pre-existing condition(s). */
  readonly preExisting?: boolean | undefined;
  readonly lang?: Language | undefined;
}

export interface PlanQuote {
  plan: string;
  plan_name: string;
  premium: string;
  status: "paid" | "zero" | "not_covered";
  reason?: string;
  hmb_pay: string;
  /** What the resident still pays after basic insurance and 惠民保. */
  remaining: string;
  summary: string;
  lines: WireLine[];
}

export interface BenefitQuote {
  total: string;
  insurance_paid: string;
  out_of_scope: string;
  in_scope_self_pay: string;
  person_burden: string;
  assumptions: string;
  plans: PlanQuote[];
}

function money(value: unknown, field: string, label: string, fallback?: Fen): Fen {
  if ((value === undefined || value === null || value === "") && fallback !== undefined) return fallback;
  const parsed = parseYuan(value);
  if (!parsed.ok) {
    throw new ServiceError(
      "invalid",
      "invalid_amount",
      `${label}：请填写金额（元，最多两位小数），${parsed.problem}`,
      field,
    );
  }
  if (parsed.fen < 0) throw new ServiceError("invalid", "invalid_amount", `${label}不能为负数`, field);
  return parsed.fen;
}

/** A valid ID number no person has: the engine wants one, the calculator has no person. */
const QUOTE_CERTNO = makeCertno("110101", "19800101", 1);

export function benefitQuote(product: Product, input: BenefitQuoteInput): BenefitQuote {
  const lang: Language = input.lang ?? "zh";
  const total = money(input.total, "total", "住院总费用");
  const paid = money(input.insurancePaid, "insurance_paid", "医保等已报销金额");
  const outOfScope = money(input.outOfScope, "out_of_scope", "医保目录外自费金额", 0);
  if (paid > total) {
    throw new ServiceError(
      "invalid",
      "inconsistent_amounts",
      "医保等已报销金额不能超过住院总费用，请核对结算单",
      "insurance_paid",
    );
  }
  const burden = total - paid;
  if (outOfScope > burden) {
    throw new ServiceError(
      "invalid",
      "inconsistent_amounts",
      `目录外自费不能超过个人负担（总费用 − 已报销 = ${formatYuan(burden)} 元），请核对结算单`,
      "out_of_scope",
    );
  }
  const plans = input.plan === undefined ? product.plans : [findPlanOr400(product, input.plan)];
  // Mid-coverage: inside the coverage period, past any waiting period.
  const at = Math.floor((product.coverage.start + product.coverage.end) / 2);
  const region = input.outOfRegion === true ? "110101" : product.region.code;
  const settlement: Settlement = {
    setlId: "QUOTE",
    psnNo: "QUOTE",
    certno: QUOTE_CERTNO,
    psnName: undefined,
    insutype: "390",
    medType: "21",
    admittedAt: at,
    dischargedAt: at,
    settledAt: at,
    institutionCode: "QUOTE",
    institutionName: undefined,
    treatmentRegion: region,
    diagnosisCode: undefined,
    totalCost: total,
    fullOwnPay: outOfScope,
    overLimitSelfPay: 0,
    preSelfPay: 0,
    inPolicyScope: 0,
    basicDeductiblePaid: 0,
    funds: {
      pooled: paid,
      criticalIllness: 0,
      largeAmount: 0,
      civilServant: 0,
      enterpriseSupplementary: 0,
      medicalAssistance: 0,
      other: 0,
    },
    fundTotal: paid,
    personBurden: burden,
    outOfScope,
    inScopeSelfPay: burden - outOfScope,
    accountPay: 0,
    cashPay: burden,
    catalogItems: [],
  };
  const quotes = plans.map((plan): PlanQuote => {
    const compiled = compilePlan(product, plan.id);
    const a = adjudicate(
      compiled,
      {
        coverage: product.coverage,
        cohort: undefined,
        preExisting: compiled.conditions.map(() => input.preExisting === true),
      },
      emptyAccumulators(compiled),
      settlement,
    );
    const wire = toWireResult(a, lang);
    return {
      plan: plan.id,
      plan_name: plan.name,
      premium: formatYuan(plan.premium.base),
      status: a.status,
      ...(a.reason === undefined ? {} : { reason: a.reason }),
      hmb_pay: wire.hmb_pay,
      remaining: formatYuan(burden - a.hmbPay),
      summary: explainAdjudication(a, lang),
      lines: wire.lines,
    };
  });
  const assumptions =
    lang === "en"
      ? "Estimate for a first hospital stay in the policy year (no deductible used yet), inpatient care" +
        (input.outOfRegion === true ? " outside the region" : " in the region") +
        (input.preExisting === true ? ", with a pre-existing condition" : "") +
        ". The actual payout follows the hospital's settlement record."
      : `按本保单年度第一次住院估算（免赔额尚未扣减），${input.outOfRegion === true ? "异地" : "本地"}住院` +
        `${input.preExisting === true ? "，有既往症" : ""}；实际赔付以医院结算数据为准。`;
  return {
    total: formatYuan(total),
    insurance_paid: formatYuan(paid),
    out_of_scope: formatYuan(outOfScope),
    in_scope_self_pay: formatYuan(burden - outOfScope),
    person_burden: formatYuan(burden),
    assumptions,
    plans: quotes,
  };
}

function findPlanOr400(product: Product, planId: string): Product["plans"][number] {
  const plan = product.plans.find((p) => p.id === planId);
  if (plan === undefined) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `没有方案 ${planId}；可选：${product.plans.map((p) => p.id).join("、")}`,
      "plan",
    );
  }
  return plan;
}
