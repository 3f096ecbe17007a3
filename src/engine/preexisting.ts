/**
 * 既往症: decided once per policy from the person's settlement history, by the product's rules.
 *  - prior_fund_payment: a settlement with setl_time in [coverage start − N years, coverage start) on which
 *    one of the named funds paid (楚雄: 大病保险 hifmi_pay or 职工大额 hifob_pay).
 *  - prior_diagnosis: a settlement before coverage start whose main diagnosis falls in the ICD-10 ranges
 *    (文山: malignant tumours C00–C97, which include leukaemia and lymphoma).
 */
import { icd10InRanges, type PreExistingRule } from "../domain/product.js";
import type { FundPayments, Settlement } from "../domain/settlement.js";
import { type EpochMs, minusYears } from "../domain/time.js";
import type { CompiledPlan } from "./compile.js";

export const FUND_OF: Record<string, keyof FundPayments> = {
  hifp_pay: "pooled",
  hifmi_pay: "criticalIllness",
  hifob_pay: "largeAmount",
  cvlserv_pay: "civilServant",
  hifes_pay: "enterpriseSupplementary",
  maf_pay: "medicalAssistance",
  oth_pay: "other",
};

/** What a pre-existing rule looks at in a past settlement; the platform stores only these facts. */
export type HistoryFacts = Pick<Settlement, "settledAt" | "funds" | "diagnosisCode">;

export function meetsPreExistingRule(
  rule: PreExistingRule,
  coverageStart: EpochMs,
  history: readonly HistoryFacts[],
): boolean {
  const from =
    rule.lookbackYears === undefined
      ? Number.NEGATIVE_INFINITY
      : minusYears(coverageStart, rule.lookbackYears);
  for (const s of history) {
    if (s.settledAt < from || s.settledAt >= coverageStart) continue;
    if (rule.kind === "prior_fund_payment") {
      for (const f of rule.funds) {
        const key = FUND_OF[f];
        if (key !== undefined && s.funds[key] > 0) return true;
      }
    } else if (s.diagnosisCode !== undefined && icd10InRanges(s.diagnosisCode, rule.icd10)) {
      return true;
    }
  }
  return false;
}

/** One flag per product condition, in `plan.conditions` order. */
export function derivePreExisting(
  plan: CompiledPlan,
  coverageStart: EpochMs,
  history: readonly HistoryFacts[],
): boolean[] {
  return plan.conditions.map((c) => meetsPreExistingRule(c.rule, coverageStart, history));
}
