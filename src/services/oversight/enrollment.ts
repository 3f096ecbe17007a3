/**
 * Oversight view: enrollment against the roster by county (admdvs), unit or cohort, from the
 * oversight_enrollment rollup (db/migrations/009_oversight.sql).
 */

import { COHORTS } from "../../domain/cohort.js";
import type { Fen } from "../../domain/money.js";
import { countyNames } from "../../domain/regions.js";
import { ENROLLMENT_DIMENSIONS, type EnrollmentDimension } from "../../domain/vocabulary.js";
import { type PlatformContext, ServiceError } from "../context.js";
import { loadForOversight, num, ratioBps } from "./shared.js";

export type { EnrollmentDimension };

/** One group's enrollment: the rate in basis points (null for an empty roster), the premium in fen. */
export interface EnrollmentRow {
  value: string | null;
  name: string | null;
  roster_persons: number;
  insured_persons: number;
  enrollment_rate_bps: number | null;
  premium_fen: Fen;
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
/** Rows per page when the caller does not say. */
const ENROLLMENT_PAGE_DEFAULT = 100;

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
  const limit = page.limit ?? ENROLLMENT_PAGE_DEFAULT;
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
  const { program, today } = await loadForOversight(ctx, programId);
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
      enrollment_rate_bps: bps ?? null,
      premium_fen: premium,
    };
  };
  const t = totals[0];
  return {
    program_id: programId,
    by: dim,
    as_of: today,
    order,
    total_rows: num(t?.n),
    limit,
    offset,
    rows: rows.map((r) => ({
      value: r.value === "" ? null : r.value,
      name: nameOf(dim, r.value, counties),
      ...row(num(r.roster), num(r.insured), num(r.premium)),
    })),
    totals: row(num(t?.roster), num(t?.insured), num(t?.premium)),
  };
}
