/**
 * Oversight view: weekly trends of enrollments and claims, from the oversight_policy_days and
 * oversight_claim_days rollups (db/migrations/009_oversight.sql).
 */
import type { Fen } from "../../domain/money.js";
import { type PlatformContext, ServiceError } from "../context.js";
import { addDays, beijingDay, daysBetween, isoWeek, parseDay } from "./dates.js";
import { loadForOversight, num } from "./shared.js";

export interface WeekTrend {
  week: string;
  start: string;
  end: string;
  enrollments: number;
  cancellations: number;
  written_premium_fen: Fen;
  claims_settled: number;
  claims_paid: number;
  revocations: number;
  paid_fen: Fen;
}

export interface Trends {
  program_id: string;
  from: string;
  to: string;
  weeks: WeekTrend[];
}

/** Longest from … to span, in days (a little over two years: one program's enrollment and coverage). */
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
  const { product, today } = await loadForOversight(ctx, programId);
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
  const weeks = new Map<string, WeekTrend>();
  for (let i = 0; i <= span; i++) {
    const w = isoWeek(addDays(from, i));
    if (!weeks.has(w.week)) {
      weeks.set(w.week, {
        ...w,
        enrollments: 0,
        cancellations: 0,
        written_premium_fen: 0,
        claims_settled: 0,
        claims_paid: 0,
        revocations: 0,
        paid_fen: 0,
      });
    }
  }
  for (const p of policies) {
    const w = weeks.get(isoWeek(p.day).week);
    if (w === undefined) continue;
    w.enrollments += num(p.issued);
    w.cancellations += num(p.cancelled);
    w.written_premium_fen += num(p.premium);
  }
  for (const c of claims) {
    const w = weeks.get(isoWeek(c.day).week);
    if (w === undefined) continue;
    w.claims_settled += num(c.claims);
    w.claims_paid += num(c.paid_claims);
    w.revocations += num(c.revocations);
    w.paid_fen += num(c.paid);
  }
  return {
    program_id: programId,
    from,
    to,
    weeks: [...weeks.values()],
  };
}
