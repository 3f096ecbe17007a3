/**
 * The oversight views on the wire: the services (src/services/oversight/*) return fen and basis points; here
 * every amount becomes a yuan string ("1234.50") and every ratio a percent string ("42.86%") next to its basis
 * points. Key order is the wire's.
 */
import type {
  EnrollmentBreakdown as EnrollmentBreakdownWire,
  OversightSummary as OversightSummaryWire,
  PayoutDistribution as PayoutDistributionWire,
  Trends as TrendsWire,
} from "../../contract/oversight.js";
import { type Fen, formatPercent, formatYuan } from "../../domain/money.js";
import type { PayoutDistribution } from "../../services/oversight/distribution.js";
import type { EnrollmentBreakdown, EnrollmentRow } from "../../services/oversight/enrollment.js";
import type { OversightSummary } from "../../services/oversight/summary.js";
import type { Trends } from "../../services/oversight/trends.js";

const pct = (bps: number | null) => (bps === null ? null : formatPercent(bps));
const yuanOrNull = (fen: Fen | null) => (fen === null ? null : formatYuan(fen));

export function presentOversightSummary(s: OversightSummary): OversightSummaryWire {
  return {
    program_id: s.program_id,
    program_name: s.program_name,
    as_of: s.as_of,
    timezone: s.timezone,
    coverage: {
      start: s.coverage.start,
      end: s.coverage.end,
      total_days: s.coverage.total_days,
      elapsed_days: s.coverage.elapsed_days,
      elapsed_share: pct(s.coverage.elapsed_share_bps),
    },
    enrollment: {
      roster_persons: s.enrollment.roster_persons,
      insured_persons: s.enrollment.insured_persons,
      enrollment_rate: pct(s.enrollment.enrollment_rate_bps),
      enrollment_rate_bps: s.enrollment.enrollment_rate_bps,
      issued: s.enrollment.issued,
      cancelled: s.enrollment.cancelled,
    },
    premium: {
      written: formatYuan(s.premium.written_fen),
      refunds: formatYuan(s.premium.refunds_fen),
      net_written: formatYuan(s.premium.net_written_fen),
      earned: formatYuan(s.premium.earned_fen),
      unearned: formatYuan(s.premium.unearned_fen),
      by_plan: s.premium.by_plan.map((p) => ({
        plan: p.plan,
        plan_name: p.plan_name,
        insured_persons: p.insured_persons,
        written: formatYuan(p.written_fen),
        earned: formatYuan(p.earned_fen),
      })),
    },
    claims: {
      settled: s.claims.settled,
      revoked: s.claims.revoked,
      covered: s.claims.covered,
      paid_claims: s.claims.paid_claims,
      paid: formatYuan(s.claims.paid_fen),
      ibnr_bps: s.claims.ibnr_bps,
      ibnr: formatYuan(s.claims.ibnr_fen),
      ibnr_source: s.claims.ibnr_source,
      ibnr_method: s.claims.ibnr_method,
      ibnr_method_name: s.claims.ibnr_method_name,
      pending_review_cases: s.claims.pending_review_cases,
      pending_review_estimate: formatYuan(s.claims.pending_review_estimate_fen),
      incurred: formatYuan(s.claims.incurred_fen),
      incurred_method: s.claims.incurred_method,
    },
    loss_ratio: {
      clause: s.loss_ratio.clause,
      floor: formatPercent(s.loss_ratio.floor_bps),
      floor_bps: s.loss_ratio.floor_bps,
      earned: pct(s.loss_ratio.earned_bps),
      earned_bps: s.loss_ratio.earned_bps,
      below_floor: s.loss_ratio.below_floor,
      projected_full_year: pct(s.loss_ratio.projected_full_year_bps),
      projected_full_year_bps: s.loss_ratio.projected_full_year_bps,
      projected_incurred: yuanOrNull(s.loss_ratio.projected_incurred_fen),
      projection_method: s.loss_ratio.projection_method,
      alert: s.loss_ratio.alert,
    },
    beneficiaries: {
      persons: s.beneficiaries.persons,
      payout_per_beneficiary: yuanOrNull(s.beneficiaries.payout_per_beneficiary_fen),
      burden_before_per_beneficiary: yuanOrNull(s.beneficiaries.burden_before_per_beneficiary_fen),
      burden_after_per_beneficiary: yuanOrNull(s.beneficiaries.burden_after_per_beneficiary_fen),
    },
    burden_reduction: {
      covered_claims: s.burden_reduction.covered_claims,
      covered_psn_part_amt: formatYuan(s.burden_reduction.covered_psn_part_amt_fen),
      hmb_pay: formatYuan(s.burden_reduction.hmb_pay_fen),
      reduction: pct(s.burden_reduction.reduction_bps),
      reduction_bps: s.burden_reduction.reduction_bps,
      payout_per_insured: yuanOrNull(s.burden_reduction.payout_per_insured_fen),
    },
  };
}

function enrollmentFigures(r: Omit<EnrollmentRow, "value" | "name">) {
  return {
    roster_persons: r.roster_persons,
    insured_persons: r.insured_persons,
    enrollment_rate: pct(r.enrollment_rate_bps),
    enrollment_rate_bps: r.enrollment_rate_bps,
    premium: formatYuan(r.premium_fen),
  };
}

export function presentEnrollmentBreakdown(b: EnrollmentBreakdown): EnrollmentBreakdownWire {
  return {
    program_id: b.program_id,
    by: b.by,
    as_of: b.as_of,
    order: b.order,
    total_rows: b.total_rows,
    limit: b.limit,
    offset: b.offset,
    rows: b.rows.map((r) => ({ value: r.value, name: r.name, ...enrollmentFigures(r) })),
    totals: enrollmentFigures(b.totals),
  };
}

export function presentTrends(t: Trends): TrendsWire {
  return {
    program_id: t.program_id,
    from: t.from,
    to: t.to,
    weeks: t.weeks.map((w) => ({
      week: w.week,
      start: w.start,
      end: w.end,
      enrollments: w.enrollments,
      cancellations: w.cancellations,
      written_premium: formatYuan(w.written_premium_fen),
      claims_settled: w.claims_settled,
      claims_paid: w.claims_paid,
      revocations: w.revocations,
      paid: formatYuan(w.paid_fen),
    })),
  };
}

export function presentPayoutDistribution(d: PayoutDistribution): PayoutDistributionWire {
  return {
    program_id: d.program_id,
    as_of: d.as_of,
    beneficiaries: d.beneficiaries,
    paid: formatYuan(d.paid_fen),
    buckets: d.buckets.map((b) => ({
      bucket: b.bucket,
      label: b.label,
      above: formatYuan(b.above_fen),
      up_to: yuanOrNull(b.up_to_fen),
      persons: b.persons,
      persons_share: pct(b.persons_share_bps),
      persons_share_bps: b.persons_share_bps,
      paid: formatYuan(b.paid_fen),
      paid_share: pct(b.paid_share_bps),
      paid_share_bps: b.paid_share_bps,
    })),
  };
}
