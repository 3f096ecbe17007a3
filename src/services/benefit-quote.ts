/**
 * The plain-language benefit calculator "住院花了多少，惠民保赔多少" a resident sees before enrolling. It
 * runs the real engine on a settlement built from three numbers the resident knows from a discharge bill,
 * with empty accumulators (the first stay of the year) — the same door to the engine as a hospital's
 * one-stop settlement (claims/coverage.ts), with nothing read or stored. No database, no HTTP; amounts in
 * fen (the product sheet beside it is presentation only: api/present/claims.ts).
 */
import { makeCertno } from "../domain/certno.js";
import { type Fen, formatYuan, parseYuan } from "../domain/money.js";
import type { Product } from "../domain/product.js";
import type { Settlement } from "../domain/settlement.js";
import { compilePlan } from "../engine/compile.js";
import { explainAdjudication, type Language } from "../engine/explain.js";
import { toWireResult, type WireLine } from "../engine/wire.js";
import { quotePayout } from "./claims/coverage.js";
import { ServiceError } from "./context.js";

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

/** One plan's answer: amounts in fen (the API writes them as yuan strings, api/present/claims.ts). */
export interface PlanQuote {
  plan: string;
  planName: string;
  premium: Fen;
  status: "paid" | "zero" | "not_covered";
  reason?: string;
  hmbPay: Fen;
  /** What the resident still pays after basic insurance and 惠民保. */
  remaining: Fen;
  summary: string;
  lines: WireLine[];
}

export interface BenefitQuote {
  total: Fen;
  insurancePaid: Fen;
  outOfScope: Fen;
  inScopeSelfPay: Fen;
  personBurden: Fen;
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
    const a = quotePayout(compiled, product.coverage, settlement, input.preExisting === true);
    return {
      plan: plan.id,
      planName: plan.name,
      premium: plan.premium.base,
      status: a.status,
      ...(a.reason === undefined ? {} : { reason: a.reason }),
      hmbPay: a.hmbPay,
      remaining: burden - a.hmbPay,
      summary: explainAdjudication(a, lang),
      lines: toWireResult(a, lang).lines,
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
    total,
    insurancePaid: paid,
    outOfScope,
    inScopeSelfPay: burden - outOfScope,
    personBurden: burden,
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
