/**
 * What every oversight view shares: the program lookup (cached), the as_of default, exact ratios, clause 十一's
 * floor and the sums of the claim rollup. Figures are returned in fen and basis points; the API presents them
 * (src/api/present/oversight.ts). Definitions of every figure: summary.ts.
 */
import { findRuleSet } from "../../compliance/rulesets/index.js";
import type { Product } from "../../domain/product.js";
import type { PlatformContext } from "../context.js";
import { loadProgram, type ProgramRecord, productOf } from "../programs.js";
import { PAYOUT_BUCKETS } from "./buckets.js";
import { beijingDay, parseDay } from "./dates.js";

/** Clause 十一's floor when the Yunnan rule set does not state one. */
const DEFAULT_LOSS_RATIO_FLOOR_BPS = 7000;

/** Clause 十一's floor, from the Yunnan rule set (so the dashboard and the compliance check agree). */
export function lossRatioFloorBps(): number {
  const rule = findRuleSet("yunnan-2023")?.rules.find((r) => r.kind === "loss_ratio_min");
  return rule !== undefined && "minBps" in rule ? (rule.minBps as number) : DEFAULT_LOSS_RATIO_FLOOR_BPS;
}

/** round_half_up(numerator × 10000 ÷ denominator), exact; undefined when the denominator is 0. */
export function ratioBps(numerator: number, denominator: number): number | undefined {
  if (denominator === 0) return undefined;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((n * 20000n + d) / (2n * d));
}

/** A bigint/numeric column (a string on PostgreSQL) or a missing one as a number. */
export const num = (v: unknown) => Number(v ?? 0);

export interface Loaded {
  program: ProgramRecord;
  product: Product;
  today: string;
}

/** Most programs a database's cache holds before it starts over (a process serves a few programs). */
const PROGRAM_CACHE_MAX = 1000;

/**
 * Programs by database: a program's product and region never change (createProgram refuses another product
 * under the same id), so dashboards skip the two lookups after the first. Keyed by the database object, as
 * tests open many databases in one process.
 */
const programCache = new WeakMap<object, Map<string, ProgramRecord>>();

export async function loadForOversight(ctx: PlatformContext, programId: string): Promise<Loaded> {
  let byId = programCache.get(ctx.db);
  if (byId === undefined) {
    byId = new Map();
    programCache.set(ctx.db, byId);
  }
  let program = byId.get(programId);
  if (program === undefined) {
    program = await loadProgram(ctx, programId);
    if (byId.size > PROGRAM_CACHE_MAX) byId.clear();
    byId.set(programId, program);
  }
  return { program, product: productOf(program), today: beijingDay(ctx.clock.now()) };
}

/** The as_of query value as a day, today when absent. */
export function asOfDay(value: string | undefined, today: string): string {
  return value === undefined || value === "" ? today : parseDay(value, "as_of");
}

const HIST = PAYOUT_BUCKETS.map(
  (b) => `sum(h${b.index})::bigint as h${b.index}, sum(a${b.index})::bigint as a${b.index}`,
).join(", ");

/** Sums of oversight_claim_days over a range of days; h<i>/a<i> are persons and fen of payout bucket i. */
export interface ClaimSums {
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

export async function claimSums(
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
  for (const [k, v] of Object.entries(r)) (out as unknown as Record<string, number>)[k] = num(v);
  return out;
}
