/**
 * A small schema v2 test product (not shipped) and record builders for the v2 engine tests: every feature is
 * switched on by editing one liability or pool of `baseV2()`, so that each hand-worked amount depends only on
 * the terms the test names.
 */
import { formatYuan } from "../src/domain/money.js";
import { parseProduct } from "../src/domain/product.js";
import { parseSettlement, type Settlement } from "../src/domain/settlement.js";
import { type Accumulators, emptyAccumulators } from "../src/engine/accumulators.js";
import { type Adjudication, adjudicate } from "../src/engine/adjudicate.js";
import { type CompiledPlan, compilePlan, type PolicyTerms } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { type RecordSpec, record } from "./fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: product files are edited as free-form JSON in these tests
export type Json = any;

/** Coverage 2023-01-01 00:00 to 2024-01-01 00:00 (Beijing), region 文山 5326xx; no pools, no liabilities yet. */
export function baseV2(): Json {
  return {
    schemaVersion: 2,
    id: "v2-test-2023",
    version: 1,
    name: "2023年度测试定制型惠民保（v2 测试产品）",
    region: { code: "532600", name: "云南省文山壮族苗族自治州" },
    coverage: { start: "2023-01-01 00:00", end: "2023-12-31 24:00" },
    enrollment: { start: "2022-11-01 00:00", end: "2022-12-31 24:00" },
    waitingPeriodDays: 0,
    preExistingConditions: [
      {
        id: "tumour",
        name: "恶性肿瘤既往症",
        rule: { kind: "prior_diagnosis", icd10: [{ from: "C00", to: "C97" }] },
      },
    ],
    plans: [
      {
        id: "standard",
        name: "标准版",
        tier: "basic",
        premium: { base: 100 },
        deductiblePools: [],
        liabilities: [],
      },
    ],
    refund: { beforeEffective: "full", afterEffective: "none" },
  };
}

/** An in-scope liability on inpatient med types, at `percent`, with no deductible. */
export function inScope(id = "in_scope", percent = 80): Json {
  return {
    id,
    name: `责任-${id}`,
    eligible: "in_scope",
    medTypes: ["21"],
    ratios: [{ ratioPercent: percent }],
  };
}

export function outOfScope(id = "out_of_scope", percent = 20): Json {
  return {
    id,
    name: `责任-${id}`,
    eligible: "out_of_scope",
    medTypes: ["21"],
    ratios: [{ ratioPercent: percent }],
  };
}

export function planOf(json: Json): CompiledPlan {
  return compilePlan(parseProduct(json), "standard");
}

export interface V2Person {
  readonly plan: CompiledPlan;
  readonly terms: PolicyTerms;
  readonly acc: Accumulators;
  run(spec: RecordSpec): Adjudication;
}

/** A person under `plan` with the extra schema v2 terms given; pre-existing flags from `history`. */
export function v2Person(
  plan: CompiledPlan,
  extra: Partial<PolicyTerms> = {},
  history: readonly RecordSpec[] = [],
): V2Person {
  const terms: PolicyTerms = {
    coverage: plan.coverage,
    cohort: undefined,
    preExisting: derivePreExisting(plan, plan.coverage.start, history.map(parsed)),
    ...extra,
  };
  const acc = emptyAccumulators(plan);
  return { plan, terms, acc, run: (spec) => adjudicate(plan, terms, acc, parsed(spec)) };
}

export function parsed(spec: RecordSpec): Settlement {
  const p = parseSettlement(record(spec));
  if (!p.ok) throw new Error(`fixture ${spec.setlId} rejected: ${JSON.stringify(p.error)}`);
  return p.settlement;
}

/** One feedetail item in the national field names; amounts in fen. */
export function feeItem(
  code: string,
  category: string,
  level: "01" | "02" | "03",
  amount: number,
  parts: { fullOwnPay?: number; overLimit?: number; preSelfPay?: number } = {},
): Record<string, string> {
  const out: Record<string, string> = {
    med_list_codg: code,
    med_chrgitm_type: category,
    chrgitm_lv: level,
    det_item_fee_sumamt: formatYuan(amount),
  };
  if (parts.fullOwnPay !== undefined) out.fulamt_ownpay_amt = formatYuan(parts.fullOwnPay);
  if (parts.overLimit !== undefined) out.overlmt_selfpay = formatYuan(parts.overLimit);
  if (parts.preSelfPay !== undefined) out.preselfpay_amt = formatYuan(parts.preSelfPay);
  return out;
}
