/**
 * The oversight summary: oversight for the 医保局 and the financial regulator (guidance clauses 十一, 十四): aggregates only, never a
 * person. Every figure is read from the rollups of db/migrations/009_oversight.sql, which triggers keep
 * current in the transactions that change roster, policies and claims — so each query sums a few thousand
 * small rows whatever the size of the program.
 *
 * Definitions (as of the end of Beijing day `as_of`):
 * - insured persons: policies issued (paid) by as_of and not cancelled by then; enrollment rate = insured ÷
 *   persons on the roster (the roster has no history: its current size is the denominator).
 * - written premium: premium of policies issued by as_of; refunds: refunds fixed at cancellation; net written =
 *   written − refunds.
 * - earned premium (满期保费), pro rata by day: for each (plan, coverage period) group, the premium of policies
 *   in force at as_of × elapsed coverage days ÷ coverage days, rounded down to the fen once per group; plus,
 *   for every policy cancelled by as_of, premium − refund (what the refund rule kept: the days up to the
 *   cancellation, nothing for a cancellation before the effective date).
 * - paid claims: hmb_pay of settled claims settled by as_of, less those revoked by as_of.
 * - incurred = paid + IBNR + an estimate for counter claims
 *   awaiting review (their pending decision's payout where one is proposed, otherwise the average payout per
 *   covered claim so far). The pending estimate is current state: counted only when as_of is today or later.
 *   IBNR is the program's reserve as of as_of (services/reserve.ts: the monthly paid triangle, the methods of
 *   src/actuarial/reserve.ts and the 《健康保险管理办法》第四十九条 selection), unless an operator has set an
 *   explicit loading (oversight_settings.ibnr_bps): then paid × ibnr_bps, shown as 人工设定.
 * - earned loss ratio = incurred ÷ earned premium, against the 70 % floor of clause 十一.
 * - projected full-year ratio: incurred to date scaled to the whole coverage period by the elapsed share of it
 *   (incurred × total days ÷ elapsed days: claims assumed to accrue evenly, no seasonality), divided by the net
 *   written premium (all of which is earned by the end of coverage if nothing more is cancelled). Under this
 *   assumption it differs from the earned ratio only through cancellations; reporting lag (claims settled
 *   after as_of for care before it) is what the IBNR is for. alert = projection below the floor.
 */

import { lossRatioBps } from "../../compliance/check.js";
import type { Fen } from "../../domain/money.js";
import { formatPercent } from "../../domain/money.js";
import type { PlatformContext } from "../context.js";
import { programReserve } from "../reserve.js";
import { beijingDay, coverageDays } from "./dates.js";
import { type IbnrSource, ibnrOverrideBps } from "./settings.js";
import { asOfDay, claimSums, loadForOversight, lossRatioFloorBps, num, ratioBps } from "./shared.js";

interface PolicyGroupRow {
  plan_id: string;
  coverage_start: Date;
  coverage_end: Date;
  issued: number;
  issued_premium_fen: number;
  cancelled: number;
  cancelled_premium_fen: number;
  refund_fen: number;
}

export interface PremiumFigures {
  issued: number;
  cancelled: number;
  insured: number;
  writtenFen: Fen;
  refundFen: Fen;
  earnedFen: Fen;
  /** What will have been earned at the end of coverage if nothing more is cancelled (= net written). */
  fullYearEarnedFen: Fen;
  /** Coverage days of the largest group (by in-force premium), for the projection. */
  totalDays: number;
  elapsedDays: number;
  coverageStart: Date | undefined;
  coverageEnd: Date | undefined;
  byPlan: { plan: string; insured: number; writtenFen: Fen; earnedFen: Fen }[];
}

/** Earned premium of one (plan, coverage) group as of a day: see the module comment. */
export function earnedOfGroup(
  g: Pick<
    PolicyGroupRow,
    "coverage_start" | "coverage_end" | "issued_premium_fen" | "cancelled_premium_fen" | "refund_fen"
  >,
  asOf: string,
): { earned: Fen; total: number; elapsed: number } {
  const { total, elapsed } = coverageDays(new Date(g.coverage_start), new Date(g.coverage_end), asOf);
  const inForce = BigInt(num(g.issued_premium_fen) - num(g.cancelled_premium_fen));
  const proRata = total === 0 ? 0n : (inForce * BigInt(elapsed)) / BigInt(total);
  return {
    earned: Number(proRata) + num(g.cancelled_premium_fen) - num(g.refund_fen),
    total,
    elapsed,
  };
}

async function premiumFigures(
  ctx: PlatformContext,
  programId: string,
  asOf: string,
): Promise<PremiumFigures> {
  const rows = await ctx.db.query<PolicyGroupRow>(
    `select plan_id, coverage_start, coverage_end, sum(issued)::bigint as issued,
            sum(issued_premium_fen)::bigint as issued_premium_fen, sum(cancelled)::bigint as cancelled,
            sum(cancelled_premium_fen)::bigint as cancelled_premium_fen, sum(refund_fen)::bigint as refund_fen
       from oversight_policy_days where program_id = $1 and day <= $2::date
      group by plan_id, coverage_start, coverage_end order by plan_id, coverage_start`,
    [programId, asOf],
  );
  const f: PremiumFigures = {
    issued: 0,
    cancelled: 0,
    insured: 0,
    writtenFen: 0,
    refundFen: 0,
    earnedFen: 0,
    fullYearEarnedFen: 0,
    totalDays: 0,
    elapsedDays: 0,
    coverageStart: undefined,
    coverageEnd: undefined,
    byPlan: [],
  };
  let largest = -1;
  for (const r of rows) {
    const e = earnedOfGroup(r, asOf);
    const inForce = num(r.issued_premium_fen) - num(r.cancelled_premium_fen);
    f.issued += num(r.issued);
    f.cancelled += num(r.cancelled);
    f.insured += num(r.issued) - num(r.cancelled);
    f.writtenFen += num(r.issued_premium_fen);
    f.refundFen += num(r.refund_fen);
    f.earnedFen += e.earned;
    f.fullYearEarnedFen += num(r.issued_premium_fen) - num(r.refund_fen);
    if (inForce > largest) {
      largest = inForce;
      f.totalDays = e.total;
      f.elapsedDays = e.elapsed;
      f.coverageStart = new Date(r.coverage_start);
      f.coverageEnd = new Date(r.coverage_end);
    }
    const plan = f.byPlan.find((p) => p.plan === r.plan_id);
    if (plan === undefined) {
      f.byPlan.push({
        plan: r.plan_id,
        insured: num(r.issued) - num(r.cancelled),
        writtenFen: num(r.issued_premium_fen),
        earnedFen: e.earned,
      });
    } else {
      plan.insured += num(r.issued) - num(r.cancelled);
      plan.writtenFen += num(r.issued_premium_fen);
      plan.earnedFen += e.earned;
    }
  }
  return f;
}

/** Counter claims awaiting review that have not paid anything yet (table of issue 4, migration 007). */
async function pendingCounterClaims(
  ctx: PlatformContext,
  programId: string,
): Promise<{ cases: number; proposedFen: Fen; withProposal: number }> {
  const rows = await ctx.db.query<{ cases: number; proposed: number; with_proposal: number }>(
    `select count(*)::bigint as cases, coalesce(sum(pending_hmb_pay_fen), 0)::bigint as proposed,
            count(pending_hmb_pay_fen)::bigint as with_proposal
       from counter_claims
      where program_id = $1 and status in ('submitted', 'in_review', 'pending_second_approval')
        and paid_setl_id is null`,
    [programId],
  );
  const r = rows[0];
  return { cases: num(r?.cases), proposedFen: num(r?.proposed), withProposal: num(r?.with_proposal) };
}

/** The summary's figures: amounts in fen (`*_fen`), ratios in basis points (null when undefined). */
export interface OversightSummary {
  program_id: string;
  program_name: string;
  as_of: string;
  timezone: "Asia/Shanghai";
  coverage: {
    start: string | null;
    end: string | null;
    total_days: number;
    elapsed_days: number;
    elapsed_share_bps: number | null;
  };
  enrollment: {
    roster_persons: number;
    insured_persons: number;
    enrollment_rate_bps: number | null;
    issued: number;
    cancelled: number;
  };
  premium: {
    written_fen: Fen;
    refunds_fen: Fen;
    net_written_fen: Fen;
    earned_fen: Fen;
    unearned_fen: Fen;
    by_plan: {
      plan: string;
      plan_name: string;
      insured_persons: number;
      written_fen: Fen;
      earned_fen: Fen;
    }[];
  };
  claims: {
    settled: number;
    revoked: number;
    covered: number;
    paid_claims: number;
    paid_fen: Fen;
    ibnr_bps: number;
    ibnr_fen: Fen;
    ibnr_source: IbnrSource;
    /** The reserve's selected method id; null for an override. */
    ibnr_method: string | null;
    ibnr_method_name: string;
    pending_review_cases: number;
    pending_review_estimate_fen: Fen;
    incurred_fen: Fen;
    incurred_method: string;
  };
  loss_ratio: {
    clause: "十一";
    floor_bps: number;
    earned_bps: number | null;
    below_floor: boolean | null;
    projected_full_year_bps: number | null;
    projected_incurred_fen: Fen | null;
    projection_method: string;
    alert: boolean;
  };
  beneficiaries: {
    persons: number;
    payout_per_beneficiary_fen: Fen | null;
    burden_before_per_beneficiary_fen: Fen | null;
    burden_after_per_beneficiary_fen: Fen | null;
  };
  burden_reduction: {
    covered_claims: number;
    covered_psn_part_amt_fen: Fen;
    hmb_pay_fen: Fen;
    reduction_bps: number | null;
    payout_per_insured_fen: Fen | null;
  };
}

const PENDING_METHOD = "柜面待审案件估计（有拟赔金额按拟赔，否则按每件有效赔案平均赔付；仅当日及以后统计）";

function incurredMethod(source: IbnrSource, methodName: string): string {
  const ibnr =
    source === "override"
      ? `已决赔款 × IBNR 比例（${methodName}，代替准备金评估）`
      : `IBNR（项目准备金评估，${methodName}，按《健康保险管理办法》第四十九条选定）`;
  return `已发生赔款 = 已决赔款 + ${ibnr} + ${PENDING_METHOD}`;
}

interface IbnrFigure {
  fen: Fen;
  bps: number;
  source: IbnrSource;
  method: string | null;
  methodName: string;
}

/**
 * The summary's IBNR: the operator's explicit loading when set (paid × bps, half up to the fen), otherwise
 * the program's reserve as of as_of, with its ratio to paid in basis points for the `ibnr_bps` field.
 */
async function ibnrFigure(
  ctx: PlatformContext,
  programId: string,
  asOf: string,
  paid: Fen,
): Promise<IbnrFigure> {
  const override = await ibnrOverrideBps(ctx, programId);
  if (override !== undefined) {
    return {
      fen: Number((BigInt(paid) * BigInt(override) * 2n + 10000n) / 20000n),
      bps: override,
      source: "override",
      method: null,
      methodName: `人工设定 IBNR 比例 ${formatPercent(override)}`,
    };
  }
  const r = await programReserve(ctx, programId, asOf);
  return {
    fen: r.ibnrFen,
    bps: ratioBps(r.ibnrFen, paid) ?? 0,
    source: "reserve",
    method: r.method,
    methodName: r.methodName,
  };
}
const PROJECTION_METHOD =
  "全年预测赔付率 = 已发生赔款 × 保障期总天数 ÷ 已经过天数 ÷ 净保费（假设赔款在保障期内均匀发生，不考虑季节性）";

/** totalFen ÷ persons rounded half up to the fen; null without persons. */
function perCapita(totalFen: Fen, persons: number): Fen | null {
  if (persons === 0) return null;
  return Math.floor((totalFen * 2 + persons) / (2 * persons));
}

export async function oversightSummary(
  ctx: PlatformContext,
  programId: string,
  query: { asOf?: string | undefined } = {},
): Promise<OversightSummary> {
  const { program, product, today } = await loadForOversight(ctx, programId);
  const asOf = asOfDay(query.asOf, today);
  const [premium, claims, roster, pending] = await Promise.all([
    premiumFigures(ctx, programId, asOf),
    claimSums(ctx, programId, undefined, asOf),
    rosterTotal(ctx, programId),
    asOf >= today ? pendingCounterClaims(ctx, programId) : { cases: 0, proposedFen: 0, withProposal: 0 },
  ]);
  const paid = claims.paid_fen;
  const ibnr = await ibnrFigure(ctx, programId, asOf, paid);
  const ibnrFen = ibnr.fen;
  const averageCovered = claims.covered_claims === 0 ? 0 : Math.floor(paid / claims.covered_claims);
  const pendingFen = pending.proposedFen + (pending.cases - pending.withProposal) * averageCovered;
  const incurred = paid + ibnrFen + pendingFen;
  const floor = lossRatioFloorBps();
  const earnedBps =
    premium.earnedFen === 0
      ? undefined
      : lossRatioBps({ earnedPremiumFen: premium.earnedFen, incurredClaimsFen: incurred });
  let projectedIncurred: number | undefined;
  let projectedBps: number | undefined;
  if (premium.elapsedDays > 0 && premium.fullYearEarnedFen > 0) {
    projectedIncurred = Number(
      (BigInt(incurred) * BigInt(premium.totalDays) * 2n + BigInt(premium.elapsedDays)) /
        (2n * BigInt(premium.elapsedDays)),
    );
    projectedBps = lossRatioBps({
      earnedPremiumFen: premium.fullYearEarnedFen,
      incurredClaimsFen: projectedIncurred,
    });
  }
  const rateBps = ratioBps(premium.insured, roster);
  const reductionBps = ratioBps(paid, claims.covered_psn_part_fen);
  const day = (d: Date | undefined, endExclusive = false) =>
    d === undefined ? null : beijingDay(d.getTime() - (endExclusive ? 1 : 0));
  return {
    program_id: programId,
    program_name: program.name,
    as_of: asOf,
    timezone: "Asia/Shanghai",
    coverage: {
      start: day(premium.coverageStart),
      end: day(premium.coverageEnd, true),
      total_days: premium.totalDays,
      elapsed_days: premium.elapsedDays,
      elapsed_share_bps:
        premium.totalDays === 0 ? null : (ratioBps(premium.elapsedDays, premium.totalDays) as number),
    },
    enrollment: {
      roster_persons: roster,
      insured_persons: premium.insured,
      enrollment_rate_bps: rateBps ?? null,
      issued: premium.issued,
      cancelled: premium.cancelled,
    },
    premium: {
      written_fen: premium.writtenFen,
      refunds_fen: premium.refundFen,
      net_written_fen: premium.writtenFen - premium.refundFen,
      earned_fen: premium.earnedFen,
      unearned_fen: premium.writtenFen - premium.refundFen - premium.earnedFen,
      by_plan: premium.byPlan.map((p) => ({
        plan: p.plan,
        plan_name: product.plans.find((x) => x.id === p.plan)?.name ?? p.plan,
        insured_persons: p.insured,
        written_fen: p.writtenFen,
        earned_fen: p.earnedFen,
      })),
    },
    claims: {
      settled: claims.claims,
      revoked: claims.revocations,
      covered: claims.covered_claims,
      paid_claims: claims.paid_claims,
      paid_fen: paid,
      ibnr_bps: ibnr.bps,
      ibnr_fen: ibnrFen,
      ibnr_source: ibnr.source,
      ibnr_method: ibnr.method,
      ibnr_method_name: ibnr.methodName,
      pending_review_cases: pending.cases,
      pending_review_estimate_fen: pendingFen,
      incurred_fen: incurred,
      incurred_method: incurredMethod(ibnr.source, ibnr.methodName),
    },
    loss_ratio: {
      clause: "十一",
      floor_bps: floor,
      earned_bps: earnedBps ?? null,
      below_floor: earnedBps === undefined ? null : earnedBps < floor,
      projected_full_year_bps: projectedBps ?? null,
      projected_incurred_fen: projectedIncurred ?? null,
      projection_method: PROJECTION_METHOD,
      alert: projectedBps !== undefined && projectedBps < floor,
    },
    beneficiaries: {
      persons: claims.beneficiaries,
      payout_per_beneficiary_fen: perCapita(paid, claims.beneficiaries),
      burden_before_per_beneficiary_fen: perCapita(claims.paid_psn_part_fen, claims.beneficiaries),
      burden_after_per_beneficiary_fen: perCapita(claims.paid_psn_part_fen - paid, claims.beneficiaries),
    },
    burden_reduction: {
      covered_claims: claims.covered_claims,
      covered_psn_part_amt_fen: claims.covered_psn_part_fen,
      hmb_pay_fen: paid,
      reduction_bps: reductionBps ?? null,
      payout_per_insured_fen: perCapita(paid, premium.insured),
    },
  };
}

async function rosterTotal(ctx: PlatformContext, programId: string): Promise<number> {
  const rows = await ctx.db.query<{ n: number }>(
    "select coalesce(sum(roster_persons), 0)::bigint as n from oversight_enrollment where program_id = $1 and dim = 'county'",
    [programId],
  );
  return num(rows[0]?.n);
}
