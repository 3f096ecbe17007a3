/**
 * Oversight for the 医保局 and the financial regulator (guidance clauses 十一, 十四): aggregates only, never a
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
 * - incurred = paid + IBNR loading (paid × the program's ibnr_bps, default 0) + an estimate for counter claims
 *   awaiting review (their pending decision's payout where one is proposed, otherwise the average payout per
 *   covered claim so far). The pending estimate is current state: counted only when as_of is today or later.
 * - earned loss ratio = incurred ÷ earned premium, against the 70 % floor of clause 十一.
 * - projected full-year ratio: incurred to date scaled to the whole coverage period by the elapsed share of it
 *   (incurred × total days ÷ elapsed days: claims assumed to accrue evenly, no seasonality), divided by the net
 *   written premium (all of which is earned by the end of coverage if nothing more is cancelled). Under this
 *   assumption it differs from the earned ratio only through cancellations; reporting lag (claims settled
 *   after as_of for care before it) is what the IBNR loading is for. alert = projection below the floor.
 */
import { lossRatioBps } from "../../compliance/check.js";
import { findRuleSet } from "../../compliance/rulesets/index.js";
import { COHORTS } from "../../domain/cohort.js";
import { type Fen, formatPercent, formatYuan } from "../../domain/money.js";
import type { Product } from "../../domain/product.js";
import { regionProfile } from "../../synth/regions.js";
import { type PlatformContext, ServiceError } from "../context.js";
import { loadProgram, type ProgramRecord, productOf } from "../programs.js";
import { PAYOUT_BUCKETS } from "./buckets.js";
import { addDays, beijingDay, coverageDays, daysBetween, isoWeek, parseDay } from "./dates.js";

/** Clause 十一's floor, from the Yunnan rule set (so the dashboard and the compliance check agree). */
export function lossRatioFloorBps(): number {
  const rule = findRuleSet("yunnan-2023")?.rules.find((r) => r.kind === "loss_ratio_min");
  return rule !== undefined && "minBps" in rule ? (rule.minBps as number) : 7000;
}

/** round_half_up(numerator × 10000 ÷ denominator), exact; undefined when the denominator is 0. */
export function ratioBps(numerator: number, denominator: number): number | undefined {
  if (denominator === 0) return undefined;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((n * 20000n + d) / (2n * d));
}

const pct = (bps: number | undefined) => (bps === undefined ? null : formatPercent(bps));

const n = (v: unknown) => Number(v ?? 0);

interface Loaded {
  program: ProgramRecord;
  product: Product;
  today: string;
}

/**
 * Programs by database: a program's product and region never change (createProgram refuses another product
 * under the same id), so dashboards skip the two lookups after the first. Keyed by the database object, as
 * tests open many databases in one process.
 */
const programCache = new WeakMap<object, Map<string, ProgramRecord>>();

async function load(ctx: PlatformContext, programId: string): Promise<Loaded> {
  let byId = programCache.get(ctx.db);
  if (byId === undefined) {
    byId = new Map();
    programCache.set(ctx.db, byId);
  }
  let program = byId.get(programId);
  if (program === undefined) {
    program = await loadProgram(ctx, programId);
    if (byId.size > 1000) byId.clear();
    byId.set(programId, program);
  }
  return { program, product: productOf(program), today: beijingDay(ctx.clock.now()) };
}

function asOfDay(value: string | undefined, today: string): string {
  return value === undefined || value === "" ? today : parseDay(value, "as_of");
}

// ---------------------------------------------------------------------------------------------- premiums

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
  const inForce = BigInt(n(g.issued_premium_fen) - n(g.cancelled_premium_fen));
  const proRata = total === 0 ? 0n : (inForce * BigInt(elapsed)) / BigInt(total);
  return {
    earned: Number(proRata) + n(g.cancelled_premium_fen) - n(g.refund_fen),
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
    const inForce = n(r.issued_premium_fen) - n(r.cancelled_premium_fen);
    f.issued += n(r.issued);
    f.cancelled += n(r.cancelled);
    f.insured += n(r.issued) - n(r.cancelled);
    f.writtenFen += n(r.issued_premium_fen);
    f.refundFen += n(r.refund_fen);
    f.earnedFen += e.earned;
    f.fullYearEarnedFen += n(r.issued_premium_fen) - n(r.refund_fen);
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
        insured: n(r.issued) - n(r.cancelled),
        writtenFen: n(r.issued_premium_fen),
        earnedFen: e.earned,
      });
    } else {
      plan.insured += n(r.issued) - n(r.cancelled);
      plan.writtenFen += n(r.issued_premium_fen);
      plan.earnedFen += e.earned;
    }
  }
  return f;
}

// ------------------------------------------------------------------------------------------------ claims

const HIST = PAYOUT_BUCKETS.map(
  (b) => `sum(h${b.index})::bigint as h${b.index}, sum(a${b.index})::bigint as a${b.index}`,
).join(", ");

interface ClaimSums {
  claims: number;
  revocations: number;
  covered_claims: number;
  covered_psn_part_fen: number;
  paid_claims: number;
  paid_fen: number;
  paid_psn_part_fen: number;
  beneficiaries: number;
  [bucket: `h${number}` | `a${number}`]: number;
}

async function claimSums(
  ctx: PlatformContext,
  programId: string,
  from: string | undefined,
  to: string,
): Promise<ClaimSums> {
  const rows = await ctx.db.query<ClaimSums>(
    `select coalesce(sum(claims), 0)::bigint as claims, coalesce(sum(revocations), 0)::bigint as revocations,
            coalesce(sum(covered_claims), 0)::bigint as covered_claims,
            coalesce(sum(covered_psn_part_fen), 0)::bigint as covered_psn_part_fen,
            coalesce(sum(paid_claims), 0)::bigint as paid_claims, coalesce(sum(paid_fen), 0)::bigint as paid_fen,
            coalesce(sum(paid_psn_part_fen), 0)::bigint as paid_psn_part_fen,
            coalesce(sum(beneficiaries), 0)::bigint as beneficiaries, ${HIST}
       from oversight_claim_days where program_id = $1 and day <= $2::date and ($3::date is null or day >= $3::date)`,
    [programId, to, from ?? null],
  );
  const r = rows[0] as ClaimSums;
  const out = {} as ClaimSums;
  for (const [k, v] of Object.entries(r)) (out as unknown as Record<string, number>)[k] = n(v);
  return out;
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
  return { cases: n(r?.cases), proposedFen: n(r?.proposed), withProposal: n(r?.with_proposal) };
}

export async function ibnrBps(ctx: PlatformContext, programId: string): Promise<number> {
  const rows = await ctx.db.query<{ ibnr_bps: number }>(
    "select ibnr_bps from oversight_settings where program_id = $1",
    [programId],
  );
  return n(rows[0]?.ibnr_bps);
}

// ----------------------------------------------------------------------------------------------- summary

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
    elapsed_share: string | null;
  };
  enrollment: {
    roster_persons: number;
    insured_persons: number;
    enrollment_rate: string | null;
    enrollment_rate_bps: number | null;
    issued: number;
    cancelled: number;
  };
  premium: {
    written: string;
    refunds: string;
    net_written: string;
    earned: string;
    unearned: string;
    by_plan: { plan: string; plan_name: string; insured_persons: number; written: string; earned: string }[];
  };
  claims: {
    settled: number;
    revoked: number;
    covered: number;
    paid_claims: number;
    paid: string;
    ibnr_bps: number;
    ibnr: string;
    pending_review_cases: number;
    pending_review_estimate: string;
    incurred: string;
    incurred_method: string;
  };
  loss_ratio: {
    clause: "十一";
    floor: string;
    floor_bps: number;
    earned: string | null;
    earned_bps: number | null;
    below_floor: boolean | null;
    projected_full_year: string | null;
    projected_full_year_bps: number | null;
    projected_incurred: string | null;
    projection_method: string;
    alert: boolean;
  };
  beneficiaries: {
    persons: number;
    payout_per_beneficiary: string | null;
    burden_before_per_beneficiary: string | null;
    burden_after_per_beneficiary: string | null;
  };
  burden_reduction: {
    covered_claims: number;
    covered_psn_part_amt: string;
    hmb_pay: string;
    reduction: string | null;
    reduction_bps: number | null;
    payout_per_insured: string | null;
  };
}

const INCURRED_METHOD =
  "已发生赔款 = 已决赔款 + 已决赔款 × IBNR 比例（项目设定，默认 0）+ 柜面待审案件估计（有拟赔金额按拟赔，否则按每件有效赔案平均赔付；仅当日及以后统计）";
const PROJECTION_METHOD =
  "全年预测赔付率 = 已发生赔款 × 保障期总天数 ÷ 已经过天数 ÷ 净保费（假设赔款在保障期内均匀发生，不考虑季节性）";

function perCapita(totalFen: Fen, persons: number): string | null {
  if (persons === 0) return null;
  return formatYuan(Math.floor((totalFen * 2 + persons) / (2 * persons)));
}

export async function oversightSummary(
  ctx: PlatformContext,
  programId: string,
  query: { asOf?: string | undefined } = {},
): Promise<OversightSummary> {
  const { program, product, today } = await load(ctx, programId);
  const asOf = asOfDay(query.asOf, today);
  const [premium, claims, roster, ibnr, pending] = await Promise.all([
    premiumFigures(ctx, programId, asOf),
    claimSums(ctx, programId, undefined, asOf),
    rosterTotal(ctx, programId),
    ibnrBps(ctx, programId),
    asOf >= today ? pendingCounterClaims(ctx, programId) : { cases: 0, proposedFen: 0, withProposal: 0 },
  ]);
  const paid = claims.paid_fen;
  const ibnrFen = Number((BigInt(paid) * BigInt(ibnr) * 2n + 10000n) / 20000n);
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
      elapsed_share:
        premium.totalDays === 0 ? null : pct(ratioBps(premium.elapsedDays, premium.totalDays) as number),
    },
    enrollment: {
      roster_persons: roster,
      insured_persons: premium.insured,
      enrollment_rate: pct(rateBps),
      enrollment_rate_bps: rateBps ?? null,
      issued: premium.issued,
      cancelled: premium.cancelled,
    },
    premium: {
      written: formatYuan(premium.writtenFen),
      refunds: formatYuan(premium.refundFen),
      net_written: formatYuan(premium.writtenFen - premium.refundFen),
      earned: formatYuan(premium.earnedFen),
      unearned: formatYuan(premium.writtenFen - premium.refundFen - premium.earnedFen),
      by_plan: premium.byPlan.map((p) => ({
        plan: p.plan,
        plan_name: product.plans.find((x) => x.id === p.plan)?.name ?? p.plan,
        insured_persons: p.insured,
        written: formatYuan(p.writtenFen),
        earned: formatYuan(p.earnedFen),
      })),
    },
    claims: {
      settled: claims.claims,
      revoked: claims.revocations,
      covered: claims.covered_claims,
      paid_claims: claims.paid_claims,
      paid: formatYuan(paid),
      ibnr_bps: ibnr,
      ibnr: formatYuan(ibnrFen),
      pending_review_cases: pending.cases,
      pending_review_estimate: formatYuan(pendingFen),
      incurred: formatYuan(incurred),
      incurred_method: INCURRED_METHOD,
    },
    loss_ratio: {
      clause: "十一",
      floor: formatPercent(floor),
      floor_bps: floor,
      earned: pct(earnedBps),
      earned_bps: earnedBps ?? null,
      below_floor: earnedBps === undefined ? null : earnedBps < floor,
      projected_full_year: pct(projectedBps),
      projected_full_year_bps: projectedBps ?? null,
      projected_incurred: projectedIncurred === undefined ? null : formatYuan(projectedIncurred),
      projection_method: PROJECTION_METHOD,
      alert: projectedBps !== undefined && projectedBps < floor,
    },
    beneficiaries: {
      persons: claims.beneficiaries,
      payout_per_beneficiary: perCapita(paid, claims.beneficiaries),
      burden_before_per_beneficiary: perCapita(claims.paid_psn_part_fen, claims.beneficiaries),
      burden_after_per_beneficiary: perCapita(claims.paid_psn_part_fen - paid, claims.beneficiaries),
    },
    burden_reduction: {
      covered_claims: claims.covered_claims,
      covered_psn_part_amt: formatYuan(claims.covered_psn_part_fen),
      hmb_pay: formatYuan(paid),
      reduction: pct(reductionBps),
      reduction_bps: reductionBps ?? null,
      payout_per_insured: perCapita(paid, premium.insured),
    },
  };
}

async function rosterTotal(ctx: PlatformContext, programId: string): Promise<number> {
  const rows = await ctx.db.query<{ n: number }>(
    "select coalesce(sum(roster_persons), 0)::bigint as n from oversight_enrollment where program_id = $1 and dim = 'county'",
    [programId],
  );
  return n(rows[0]?.n);
}

// -------------------------------------------------------------------------------------------- enrollment

export type EnrollmentDimension = "county" | "unit" | "cohort";
export const ENROLLMENT_DIMENSIONS: readonly EnrollmentDimension[] = ["county", "unit", "cohort"];

export interface EnrollmentRow {
  value: string | null;
  name: string | null;
  roster_persons: number;
  insured_persons: number;
  enrollment_rate: string | null;
  enrollment_rate_bps: number | null;
  premium: string;
}

export interface EnrollmentBreakdown {
  program_id: string;
  by: EnrollmentDimension;
  as_of: string;
  /** Order of rows: county and cohort by code, unit by roster size (largest first). */
  order: "value" | "roster_persons_desc";
  /** Rows of the dimension in all (the page is rows[offset … offset + limit)). */
  total_rows: number;
  limit: number;
  offset: number;
  rows: EnrollmentRow[];
  /** Over every row of the dimension, not only this page. */
  totals: Omit<EnrollmentRow, "value" | "name">;
}

export const ENROLLMENT_PAGE_MAX = 1000;

/** County names of a known region, including former codes still printed on rosters. */
export function countyNames(regionCode: string): Map<string, string> {
  const profile = regionProfile(regionCode);
  const names = new Map<string, string>();
  // An unknown region gets generated placeholder counties ("532301区"): no names rather than made-up ones.
  if (profile.counties.every((c) => c.name.startsWith(c.code))) return names;
  for (const c of profile.counties) {
    names.set(c.code, c.name);
    if (c.formerCode !== undefined) names.set(c.formerCode, c.name);
  }
  return names;
}

function nameOf(by: EnrollmentDimension, value: string, counties: Map<string, string>): string | null {
  if (value === "") return by === "unit" ? "未登记单位" : by === "cohort" ? "一般人群" : "未登记地区";
  if (by === "county") return counties.get(value) ?? null;
  if (by === "cohort") return (COHORTS as Record<string, string>)[value] ?? null;
  return null;
}

/**
 * Enrollment against the roster by county (admdvs), unit or cohort: current state (no as_of). A program can
 * have thousands of units: rows come a page at a time (default 100), totals always cover all of them.
 */
export async function enrollmentBreakdown(
  ctx: PlatformContext,
  programId: string,
  by: string,
  page: { limit?: number | undefined; offset?: number | undefined } = {},
): Promise<EnrollmentBreakdown> {
  if (!(ENROLLMENT_DIMENSIONS as readonly string[]).includes(by)) {
    throw new ServiceError("invalid", "invalid_value", `by 应为 county、unit 或 cohort，收到 ${by}`, "by");
  }
  const limit = page.limit ?? 100;
  const offset = page.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > ENROLLMENT_PAGE_MAX)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `limit 应为 1 至 ${ENROLLMENT_PAGE_MAX} 的整数`,
      "limit",
    );
  if (!Number.isInteger(offset) || offset < 0)
    throw new ServiceError("invalid", "invalid_value", "offset 应为非负整数", "offset");
  const dim = by as EnrollmentDimension;
  const order = dim === "unit" ? "roster_persons_desc" : "value";
  const { program, today } = await load(ctx, programId);
  const grouped = `select value, sum(roster_persons)::bigint as roster, sum(insured_persons)::bigint as insured,
            sum(insured_premium_fen)::bigint as premium
       from oversight_enrollment where program_id = $1 and dim = $2
      group by value having sum(roster_persons) <> 0 or sum(insured_persons) <> 0`;
  // One pass: the page, with the totals over all groups alongside (window aggregates before LIMIT).
  const rows = await ctx.db.query<{
    value: string;
    roster: number;
    insured: number;
    premium: number;
    n: number;
    t_roster: number;
    t_insured: number;
    t_premium: number;
  }>(
    `select value, roster, insured, premium, count(*) over () as n, sum(roster) over ()::bigint as t_roster,
            sum(insured) over ()::bigint as t_insured, sum(premium) over ()::bigint as t_premium
       from (${grouped}) g order by ${order === "value" ? "value" : "roster desc, value"} limit $3 offset $4`,
    [programId, dim, limit, offset],
  );
  const totals =
    rows.length > 0
      ? [
          {
            n: rows[0]?.n,
            roster: rows[0]?.t_roster,
            insured: rows[0]?.t_insured,
            premium: rows[0]?.t_premium,
          },
        ]
      : await ctx.db.query<{ n: number; roster: number; insured: number; premium: number }>(
          `select count(*)::bigint as n, coalesce(sum(roster), 0)::bigint as roster,
                  coalesce(sum(insured), 0)::bigint as insured, coalesce(sum(premium), 0)::bigint as premium
             from (${grouped}) g`,
          [programId, dim],
        );
  const counties = dim === "county" ? countyNames(program.regionCode) : new Map<string, string>();
  const row = (roster: number, insured: number, premium: number) => {
    const bps = ratioBps(insured, roster);
    return {
      roster_persons: roster,
      insured_persons: insured,
      enrollment_rate: pct(bps),
      enrollment_rate_bps: bps ?? null,
      premium: formatYuan(premium),
    };
  };
  const t = totals[0];
  return {
    program_id: programId,
    by: dim,
    as_of: today,
    order,
    total_rows: n(t?.n),
    limit,
    offset,
    rows: rows.map((r) => ({
      value: r.value === "" ? null : r.value,
      name: nameOf(dim, r.value, counties),
      ...row(n(r.roster), n(r.insured), n(r.premium)),
    })),
    totals: row(n(t?.roster), n(t?.insured), n(t?.premium)),
  };
}

// ------------------------------------------------------------------------------------------------ trends

export interface WeekTrend {
  week: string;
  start: string;
  end: string;
  enrollments: number;
  cancellations: number;
  written_premium: string;
  claims_settled: number;
  claims_paid: number;
  revocations: number;
  paid: string;
}

export interface Trends {
  program_id: string;
  from: string;
  to: string;
  weeks: WeekTrend[];
}

const MAX_TREND_DAYS = 800;

/**
 * Weekly (ISO week, Beijing days) enrollments and claims from `from` to `to` inclusive; weeks at the edges are
 * partial. Defaults: the product's enrollment start to today. Revocations count in the week they happen.
 */
export async function oversightTrends(
  ctx: PlatformContext,
  programId: string,
  query: { from?: string | undefined; to?: string | undefined } = {},
): Promise<Trends> {
  const { product, today } = await load(ctx, programId);
  const from =
    query.from === undefined || query.from === ""
      ? beijingDay(product.enrollment.start)
      : parseDay(query.from, "from");
  const to = query.to === undefined || query.to === "" ? today : parseDay(query.to, "to");
  const span = daysBetween(from, to);
  if (span < 0) throw new ServiceError("invalid", "invalid_value", "to 不能早于 from", "to");
  if (span >= MAX_TREND_DAYS)
    throw new ServiceError("invalid", "invalid_value", `from … to 最多 ${MAX_TREND_DAYS} 天`, "to");
  const [policies, claims] = await Promise.all([
    ctx.db.query<{ day: string; issued: number; cancelled: number; premium: number }>(
      `select to_char(day, 'YYYY-MM-DD') as day, sum(issued)::bigint as issued, sum(cancelled)::bigint as cancelled,
              sum(issued_premium_fen)::bigint as premium
         from oversight_policy_days where program_id = $1 and day between $2::date and $3::date group by day`,
      [programId, from, to],
    ),
    ctx.db.query<{ day: string; claims: number; paid_claims: number; revocations: number; paid: number }>(
      `select to_char(day, 'YYYY-MM-DD') as day, sum(claims)::bigint as claims,
              sum(paid_claims)::bigint as paid_claims, sum(revocations)::bigint as revocations,
              sum(paid_fen)::bigint as paid
         from oversight_claim_days where program_id = $1 and day between $2::date and $3::date group by day`,
      [programId, from, to],
    ),
  ]);
  const weeks = new Map<string, WeekTrend & { premiumFen: number; paidFen: number }>();
  for (let i = 0; i <= span; i++) {
    const w = isoWeek(addDays(from, i));
    if (!weeks.has(w.week)) {
      weeks.set(w.week, {
        ...w,
        enrollments: 0,
        cancellations: 0,
        written_premium: "0.00",
        claims_settled: 0,
        claims_paid: 0,
        revocations: 0,
        paid: "0.00",
        premiumFen: 0,
        paidFen: 0,
      });
    }
  }
  for (const p of policies) {
    const w = weeks.get(isoWeek(p.day).week);
    if (w === undefined) continue;
    w.enrollments += n(p.issued);
    w.cancellations += n(p.cancelled);
    w.premiumFen += n(p.premium);
  }
  for (const c of claims) {
    const w = weeks.get(isoWeek(c.day).week);
    if (w === undefined) continue;
    w.claims_settled += n(c.claims);
    w.claims_paid += n(c.paid_claims);
    w.revocations += n(c.revocations);
    w.paidFen += n(c.paid);
  }
  return {
    program_id: programId,
    from,
    to,
    weeks: [...weeks.values()].map(({ premiumFen, paidFen, ...w }) => ({
      ...w,
      written_premium: formatYuan(premiumFen),
      paid: formatYuan(paidFen),
    })),
  };
}

// ---------------------------------------------------------------------------------- payout distribution

export interface PayoutDistribution {
  program_id: string;
  as_of: string;
  beneficiaries: number;
  paid: string;
  buckets: {
    bucket: number;
    label: string;
    above: string;
    up_to: string | null;
    persons: number;
    persons_share: string | null;
    persons_share_bps: number | null;
    paid: string;
    paid_share: string | null;
    paid_share_bps: number | null;
  }[];
}

/** Persons by their cumulative payout as of a day, with the payout in each bucket. */
export async function payoutDistribution(
  ctx: PlatformContext,
  programId: string,
  query: { asOf?: string | undefined } = {},
): Promise<PayoutDistribution> {
  const { today } = await load(ctx, programId);
  const asOf = asOfDay(query.asOf, today);
  const sums = await claimSums(ctx, programId, undefined, asOf);
  return {
    program_id: programId,
    as_of: asOf,
    beneficiaries: sums.beneficiaries,
    paid: formatYuan(sums.paid_fen),
    buckets: PAYOUT_BUCKETS.map((b) => {
      const persons = sums[`h${b.index}`] ?? 0;
      const paid = sums[`a${b.index}`] ?? 0;
      const personsBps = ratioBps(persons, sums.beneficiaries);
      const paidBps = ratioBps(paid, sums.paid_fen);
      return {
        bucket: b.index,
        label: b.label,
        above: formatYuan(b.above),
        up_to: b.upTo === undefined ? null : formatYuan(b.upTo),
        persons,
        persons_share: pct(personsBps),
        persons_share_bps: personsBps ?? null,
        paid: formatYuan(paid),
        paid_share: pct(paidBps),
        paid_share_bps: paidBps ?? null,
      };
    }),
  };
}

// ----------------------------------------------------------------------------------------- period sums

/** Figures for days `from` … `to` (inclusive), for the disclosure report's "this period" columns. */
export async function periodFigures(
  ctx: PlatformContext,
  programId: string,
  from: string,
  to: string,
): Promise<{
  issued: number;
  cancelled: number;
  writtenFen: Fen;
  refundFen: Fen;
  claims: number;
  revocations: number;
  paidClaims: number;
  paidFen: Fen;
}> {
  const [p, c] = await Promise.all([
    ctx.db.query<{ issued: number; cancelled: number; premium: number; refund: number }>(
      `select coalesce(sum(issued), 0)::bigint as issued, coalesce(sum(cancelled), 0)::bigint as cancelled,
              coalesce(sum(issued_premium_fen), 0)::bigint as premium, coalesce(sum(refund_fen), 0)::bigint as refund
         from oversight_policy_days where program_id = $1 and day between $2::date and $3::date`,
      [programId, from, to],
    ),
    claimSums(ctx, programId, from, to),
  ]);
  return {
    issued: n(p[0]?.issued),
    cancelled: n(p[0]?.cancelled),
    writtenFen: n(p[0]?.premium),
    refundFen: n(p[0]?.refund),
    claims: c.claims,
    revocations: c.revocations,
    paidClaims: c.paid_claims,
    paidFen: c.paid_fen,
  };
}
