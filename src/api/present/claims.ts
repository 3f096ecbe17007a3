/**
 * Claims-side views on the wire: the services (services/claims/*, services/benefit-quote.ts) return fen;
 * here every amount becomes a yuan string ("1234.50"), fields keeping the services' order (the wire's,
 * src/contract).
 */
import type {
  ClaimableList,
  CounterCaseView,
  CounterSettingsView,
  CounterSubmitted,
  CreatedPayoutBatch,
  PayoutBatchList,
  PayoutBatchView,
  Reconciliation,
} from "../../contract/claims.js";
import type { BenefitQuote, LiabilityView, ProductSheet } from "../../contract/product.js";
import type { RevokeOutcome } from "../../contract/settlement.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { catalogIdOf, type Liability, type Product } from "../../domain/product.js";
import { MED_TYPES } from "../../domain/settlement.js";
import { formatBusinessTime } from "../../domain/time.js";
import type { BenefitQuote as BenefitQuoteValues } from "../../services/benefit-quote.js";
import type { CaseClaim, CounterCase } from "../../services/claims/counter/case.js";
import type { ProgramCounterSettings } from "../../services/claims/counter/settings.js";
import type { SubmitOutcome } from "../../services/claims/counter/submit.js";
import type { ClaimableRecord } from "../../services/claims/online.js";
import type {
  BatchItemView,
  CreatedBatch,
  PayoutBatchSummary,
  PayoutBatchView as PayoutBatchValues,
} from "../../services/claims/payouts.js";
import type { Reconciliation as ReconciliationValues } from "../../services/claims/reconciliation.js";
import type { RevokeOutcome as Revoked } from "../../services/claims/settle.js";

/* ------------------------------------------------------------------------------------------------------------
 * The product sheet and the benefit calculator (services/benefit-quote.ts)
 * ---------------------------------------------------------------------------------------------------------- */

const yuanOrNull = (fen: Fen | undefined) => (fen === undefined ? null : formatYuan(fen));

/** 收费项目类别 med_chrgitm_type (national fee-detail code list, as in contract/settlement.ts). */
const CHARGE_ITEM_TYPES: Readonly<Record<string, string>> = {
  "01": "床位费",
  "02": "诊察费",
  "03": "检查费",
  "04": "化验费",
  "05": "治疗费",
  "06": "手术费",
  "07": "护理费",
  "08": "卫生材料费",
  "09": "西药费",
  "10": "中药饮片费",
  "11": "中成药费",
  "12": "一般诊疗费",
  "13": "挂号费",
  "14": "其他费",
};
/** 收费项目等级 chrgitm_lv. */
const CHARGE_ITEM_LEVELS: Readonly<Record<string, string>> = { "01": "甲类", "02": "乙类", "03": "自费" };
const FEE_ITEM_PORTIONS = {
  self_pay: "的医保范围外自费部分（全自费与超限价自费）",
  in_scope: "的医保范围内部分",
  total: "的全部金额",
} as const;

/** What a liability pays on, in words for the product sheet. */
function baseDescription(l: Liability, catalogName: string | undefined): string {
  const e = l.eligible;
  if (e === "in_scope") return "医保范围内个人自付";
  if (e === "out_of_scope") return "医保范围外个人自费";
  if ("catalog" in e) return `目录“${catalogName ?? e.catalog}”内的药品、项目`;
  if ("feeItems" in e) {
    const f = e.feeItems;
    const which = [
      f.categories === undefined
        ? undefined
        : `收费项目类别 ${f.categories.map((c) => `${c} ${CHARGE_ITEM_TYPES[c] ?? ""}`.trim()).join("、")}`,
      f.levels === undefined
        ? undefined
        : `等级 ${f.levels.map((v) => CHARGE_ITEM_LEVELS[v] ?? v).join("、")}`,
      f.codes === undefined ? undefined : `项目编码 ${f.codes.join("、")}`,
    ].filter((x): x is string => x !== undefined);
    return `费用明细中${which.length === 0 ? "全部项目" : which.join("，")}${FEE_ITEM_PORTIONS[f.portion]}`;
  }
  const ranges = e.diagnosis.icd10.map((r) => (r.from === r.to ? r.from : `${r.from}–${r.to}`)).join("、");
  const sum = l.lumpSum === undefined ? "" : `，每次定额 ${formatYuan(l.lumpSum)} 元（以本次个人负担为限）`;
  return `主诊断属于 ICD-10 ${ranges} 时定额给付${sum}`;
}

function baseKind(l: Liability): LiabilityView["base"] {
  const e = l.eligible;
  if (typeof e !== "object") return e;
  if (catalogIdOf(e) !== undefined) return "catalog";
  return "feeItems" in e ? "fee_items" : "diagnosis";
}

function liabilityView(product: Product, plan: Product["plans"][number], l: Liability): LiabilityView {
  const catalogId = catalogIdOf(l.eligible);
  const catalog = catalogId === undefined ? undefined : product.catalogs.find((c) => c.id === catalogId);
  const pool =
    l.deductiblePool === undefined ? undefined : plan.deductiblePools.find((p) => p.id === l.deductiblePool);
  return {
    id: l.id,
    name: l.name,
    base: baseKind(l),
    base_description: baseDescription(l, catalog?.name),
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

/** Where the business clock stands against the enrollment window (the window's end is exclusive). */
export function enrollmentStateAt(product: Product, now: number): ProductSheet["enrollment_state"] {
  if (now < product.enrollment.start) return "not_yet";
  return now < product.enrollment.end ? "open" : "closed";
}

/** The product sheet of GET …/product (the route adds the program, its insurers and the window's state). */
export function presentProductSheet(
  product: Product,
): Omit<ProductSheet, "program_id" | "insurers" | "enrollment_state"> {
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

export function presentBenefitQuote(q: BenefitQuoteValues): BenefitQuote {
  return {
    total: formatYuan(q.total),
    insurance_paid: formatYuan(q.insurancePaid),
    out_of_scope: formatYuan(q.outOfScope),
    in_scope_self_pay: formatYuan(q.inScopeSelfPay),
    person_burden: formatYuan(q.personBurden),
    assumptions: q.assumptions,
    plans: q.plans.map((p) => ({
      plan: p.plan,
      plan_name: p.planName,
      premium: formatYuan(p.premium),
      status: p.status,
      ...(p.reason === undefined ? {} : { reason: p.reason }),
      hmb_pay: formatYuan(p.hmbPay),
      remaining: formatYuan(p.remaining),
      summary: p.summary,
      lines: p.lines,
    })),
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Counter claims (services/claims/counter/*)
 * ---------------------------------------------------------------------------------------------------------- */

const caseClaim = (c: CaseClaim) => ({ ...c, hmb_pay: formatYuan(c.hmb_pay) });

export function presentCounterCase(c: CounterCase): CounterCaseView {
  return {
    ...c,
    pending:
      c.pending === null
        ? null
        : { ...c.pending, hmb_pay: c.pending.hmb_pay === null ? null : formatYuan(c.pending.hmb_pay) },
    payout: c.payout === null ? null : caseClaim(c.payout),
    claims: c.claims.map(caseClaim),
  };
}

/** A submission's answer: the case with the engine's preview beside it. */
export function presentCounterSubmitted(o: SubmitOutcome): CounterSubmitted {
  return {
    ...presentCounterCase(o.case),
    preview: {
      ...o.preview,
      hmb_pay: formatYuan(o.preview.hmb_pay),
      psn_part_amt: formatYuan(o.preview.psn_part_amt),
    },
  };
}

export function presentCounterSettings(s: ProgramCounterSettings): CounterSettingsView {
  return { ...s, four_eyes_threshold: formatYuan(s.four_eyes_threshold) };
}

/* ------------------------------------------------------------------------------------------------------------
 * Settlements and online claims (services/claims/settle.ts, online.ts)
 * ---------------------------------------------------------------------------------------------------------- */

export function presentRevoked(r: Revoked): RevokeOutcome {
  return { ...r, reversed: formatYuan(r.reversed) };
}

export function presentClaimable(list: { psn_no: string; records: ClaimableRecord[] }): ClaimableList {
  return {
    psn_no: list.psn_no,
    records: list.records.map((r) => ({ ...r, psn_part_amt: formatYuan(r.psn_part_amt) })),
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Payout batches and the daily reconciliation (services/claims/payouts.ts, reconciliation.ts)
 * ---------------------------------------------------------------------------------------------------------- */

const batchSummary = (b: PayoutBatchSummary): PayoutBatchList["batches"][number] => ({
  batch_id: b.batch_id,
  program_id: b.program_id,
  payee: b.payee,
  through: b.through,
  total: formatYuan(b.total_fen),
  payees: b.payees,
  claims: b.claims,
  created_by: b.created_by,
  created_at: b.created_at,
});

/** The payee key (fixmedins_code or psn_no) stays first, as the service sets it. */
function batchItem({ amount_fen, paid_out_fen, recovered_fen, claims, ...payee }: BatchItemView) {
  return {
    ...payee,
    amount: formatYuan(amount_fen),
    paid_out: formatYuan(paid_out_fen),
    recovered: formatYuan(recovered_fen),
    claims: claims.map((c) => ({
      setl_id: c.setl_id,
      direction: c.direction,
      amount: formatYuan(c.amount_fen),
    })),
  };
}

export function presentPayoutBatchList(list: {
  batches: PayoutBatchSummary[];
  total: number;
  page: number;
  page_size: number;
}): PayoutBatchList {
  return { ...list, batches: list.batches.map(batchSummary) };
}

export function presentPayoutBatch(b: PayoutBatchValues): PayoutBatchView {
  return { ...batchSummary(b), journal_id: b.journal_id, items: b.items.map(batchItem) };
}

export function presentCreatedPayoutBatch(b: CreatedBatch): CreatedPayoutBatch {
  return {
    ...presentPayoutBatch(b),
    held: b.held.map((h) => ({ payee_ref: h.payee_ref, owed: formatYuan(h.owed_fen), claims: h.claims })),
  };
}

/** Also what `hmb claims reconcile --format json` prints, so the CLI's fixed JSON and the API's cannot drift. */
export function presentReconciliation(r: ReconciliationValues): Reconciliation {
  return {
    ...r,
    institutions: r.institutions.map((i) => ({
      fixmedins_code: i.fixmedins_code,
      settlements: i.settlements,
      paid: i.paid,
      hmb_pay: formatYuan(i.hmb_pay_fen),
      revoked: i.revoked,
      revoked_amount: formatYuan(i.revoked_amount_fen),
      net_payable: formatYuan(i.net_payable_fen),
      disbursed: formatYuan(i.disbursed_fen),
      recovered: formatYuan(i.recovered_fen),
      ledger: {
        payouts: formatYuan(i.ledger.payouts_fen),
        reversals: formatYuan(i.ledger.reversals_fen),
        net: formatYuan(i.ledger.net_fen),
      },
      matches: i.matches,
      mismatches: i.mismatches,
    })),
  };
}
