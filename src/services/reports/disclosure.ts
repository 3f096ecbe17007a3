/**
 * The periodic public disclosure (guidance clause 十四: "定期向社会及参保人披露投保、赔付等情况"): enrollment,
 * premiums, payouts by liability, the earned loss ratio against clause 十一's 70 % floor, beneficiaries, the
 * payout distribution and the largest payouts — anonymized: no name, no psn_no, no ID number, no setl_id,
 * only rank, liability, medical type, amount and county.
 *
 * Cumulative figures are those of the oversight summary as of the end of the period (or today, for a period
 * still running), so the report and the dashboards agree; "this period" figures sum the same rollups over the
 * period's days. Payouts by liability and the largest payouts read the claims themselves (a report, not a
 * dashboard: a scan of the program's claims is acceptable here).
 */
import { beijingDayStart } from "../../domain/ledger.js";
import type { Fen } from "../../domain/money.js";
import type { Product } from "../../domain/product.js";
import { countyNames } from "../../domain/regions.js";
import { MED_TYPES } from "../../domain/settlement.js";
import { audit } from "../audit.js";
import { type TurnaroundReport, turnaroundFigures } from "../claims/turnaround.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { beijingDay, DAY_MS, parsePeriod } from "../oversight/dates.js";
import { type PayoutDistribution, payoutDistribution } from "../oversight/distribution.js";
import { type EnrollmentRow, enrollmentBreakdown } from "../oversight/enrollment.js";
import { periodFigures } from "../oversight/period.js";
import { type OversightSummary, oversightSummary } from "../oversight/summary.js";
import { loadProgram, productOf } from "../programs.js";

export interface LiabilityPayout {
  liability: string;
  name: string;
  lines: number;
  paid_fen: Fen;
}

export interface LargestPayout {
  rank: number;
  liability: string;
  liability_name: string;
  med_type: string | null;
  med_type_name: string | null;
  amount_fen: Fen;
  county: string | null;
  county_name: string | null;
}

export interface DisclosureReport {
  program_id: string;
  program_name: string;
  product_name: string;
  region: string;
  period: string;
  from: string;
  to: string;
  as_of: string;
  generated_at: string;
  insurers: { name: string; share: string; lead: boolean }[];
  summary: OversightSummary;
  this_period: {
    issued: number;
    cancelled: number;
    written_fen: Fen;
    refunds_fen: Fen;
    settled: number;
    revoked: number;
    paid_claims: number;
    paid_fen: Fen;
  };
  enrollment_by_county: EnrollmentRow[];
  enrollment_by_cohort: EnrollmentRow[];
  payouts_by_liability: LiabilityPayout[];
  distribution: PayoutDistribution;
  largest_payouts: LargestPayout[];
  /** 理赔时效 of the claims submitted in the period (services/claims/turnaround.ts). */
  turnaround: TurnaroundReport;
}

const LARGEST = 10;

function liabilityNames(product: Product): Map<string, string> {
  const names = new Map<string, string>();
  for (const plan of product.plans)
    for (const l of plan.liabilities) if (!names.has(l.id)) names.set(l.id, l.name);
  return names;
}

interface LineJson {
  liabilityId?: string;
  payout?: number;
}

export async function disclosureReport(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  periodText: string,
): Promise<DisclosureReport> {
  const period = parsePeriod(periodText);
  const program = await loadProgram(ctx, programId);
  const product = productOf(program);
  const now = ctx.clock.now();
  const today = beijingDay(now);
  if (period.from > today) {
    throw new ServiceError("invalid", "invalid_value", `披露期间 ${period.period} 尚未开始`, "period");
  }
  // The earlier of the period's end and today ("yyyy-mm-dd" sorts as the dates do).
  const asOf = [period.to, today].sort()[0] as string;
  const fromStart = beijingDayStart(period.from) as Date;
  const asOfEnd = new Date((beijingDayStart(asOf) as Date).getTime() + DAY_MS);

  const [summary, thisPeriod, byCounty, byCohort, distribution, turnaround] = await Promise.all([
    oversightSummary(ctx, programId, { asOf }),
    periodFigures(ctx, programId, period.from, asOf),
    enrollmentBreakdown(ctx, programId, "county"),
    enrollmentBreakdown(ctx, programId, "cohort"),
    payoutDistribution(ctx, programId, { asOf }),
    turnaroundFigures(ctx, programId, { from: period.from, to: asOf }),
  ]);

  // Liability lines of every claim paid by the end of the period and not revoked by then.
  const liabilityRows = await ctx.db.query<{ liability: string; lines: number; paid: number }>(
    `select l->>'liabilityId' as liability, count(*)::bigint as lines, sum((l->>'payout')::bigint)::bigint as paid
       from claims c cross join lateral jsonb_array_elements(c.adjudication->'lines') l
      where c.program_id = $1 and c.created_at < $2 and c.hmb_pay_fen > 0
        and (c.state = 'settled' or c.revoked_at >= $2) and (l->>'payout')::bigint > 0
      group by 1 order by 1`,
    [programId, asOfEnd],
  );
  const liabilities = liabilityNames(product);
  const order = [...liabilities.keys()];
  const payoutsByLiability = liabilityRows
    .map((r) => ({
      liability: r.liability,
      name: liabilities.get(r.liability) ?? r.liability,
      lines: Number(r.lines),
      paid_fen: Number(r.paid),
    }))
    .sort((a, b) => order.indexOf(a.liability) - order.indexOf(b.liability));

  // The period's largest payouts: only the county of the person is read from the roster.
  const largestRows = await ctx.db.query<{
    hmb_pay_fen: number;
    lines: LineJson[];
    med_type: string | null;
    admdvs: string | null;
  }>(
    `select c.hmb_pay_fen, c.adjudication->'lines' as lines, m.med_type, r.admdvs
       from claims c
       left join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
       left join roster_persons r on r.program_id = c.program_id and r.psn_no = c.psn_no
      where c.program_id = $1 and c.created_at >= $2 and c.created_at < $3 and c.hmb_pay_fen > 0
        and (c.state = 'settled' or c.revoked_at >= $3)
      order by c.hmb_pay_fen desc, c.created_at, c.setl_id limit ${LARGEST}`,
    [programId, fromStart, asOfEnd],
  );
  const counties = countyNames(program.regionCode);
  const largest = largestRows.map((r, i) => {
    const lines = (Array.isArray(r.lines) ? r.lines : []).filter((l) => Number(l.payout ?? 0) > 0);
    const main = lines.reduce<LineJson | undefined>(
      (best, l) => (best === undefined || Number(l.payout) > Number(best.payout) ? l : best),
      undefined,
    );
    const id = main?.liabilityId ?? "";
    return {
      rank: i + 1,
      liability: id,
      liability_name: liabilities.get(id) ?? id,
      med_type: r.med_type,
      med_type_name: r.med_type === null ? null : ((MED_TYPES as Record<string, string>)[r.med_type] ?? null),
      amount_fen: Number(r.hmb_pay_fen),
      county: r.admdvs,
      county_name: r.admdvs === null ? null : (counties.get(r.admdvs) ?? null),
    };
  });

  await audit(ctx.db, actor, programId, "report.disclosure", period.period, { as_of: asOf });
  return {
    program_id: programId,
    program_name: program.name,
    product_name: product.name,
    region: product.region.name,
    period: period.period,
    from: period.from,
    to: period.to,
    as_of: asOf,
    generated_at: now.toISOString(),
    insurers: program.insurers.map((i) => ({
      name: i.name,
      share: `${(i.shareBps / 100).toFixed(2).replace(/\.?0+$/, "")}%`,
      lead: i.lead,
    })),
    summary,
    this_period: {
      issued: thisPeriod.issued,
      cancelled: thisPeriod.cancelled,
      written_fen: thisPeriod.writtenFen,
      refunds_fen: thisPeriod.refundFen,
      settled: thisPeriod.claims,
      revoked: thisPeriod.revocations,
      paid_claims: thisPeriod.paidClaims,
      paid_fen: thisPeriod.paidFen,
    },
    enrollment_by_county: byCounty.rows,
    enrollment_by_cohort: byCohort.rows,
    payouts_by_liability: payoutsByLiability,
    distribution,
    largest_payouts: largest,
    turnaround,
  };
}
