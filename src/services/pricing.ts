/**
 * Pricing by rate group from a stored program's experience (issue 13 item 4; `hmb price --experience ID` and
 * POST /programs/{id}/pricing). The experience is read as src/services/replay.ts reads it: the program's
 * medical_records of its enrolled persons (issued policies, active or awaiting their start), revoked
 * settlements left out, person facts from the roster (sex, birth date, cohort). The population is the same
 * enrolled persons, each one policy year of exposure, grouped by age at the design's coverage start and sex
 * from the roster; pre-existing status comes from each person's own records (the design's pre-existing
 * definitions applied to their history, as the engine does; a person without records has none).
 * IBNR: unless the caller gives a factor, the program's reserve (src/services/reserve.ts, 《健康保险管理办法》
 * 第四十九条 selection) as of `asOf` (default today) divided by the paid claims of its triangle.
 * Returns domain values; errors are ServiceError naming the field.
 */
import {
  checkAssumptions,
  Pricing,
  PricingInputError,
  type PricingOptions,
  type PricingResult,
} from "../actuarial/price.js";
import { parseRateDimensions, type RateDimension } from "../actuarial/rate-groups.js";
import { planProblem, type ReplayDesign } from "../actuarial/replay.js";
import type { Product } from "../domain/product.js";
import { getProduct } from "../products/index.js";
import { loadProductJson, ProductLoadError } from "../products/load.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";
import { programReserve, todayOf } from "./reserve.js";

const ENROLLED_STATUSES = ["active", "pending_effective"];
/** GB 11643's example number: the engine never reads certno, the parser wants a well-formed one (see replay.ts). */
const PLACEHOLDER_CERTNO = "11010519491231002X";

export async function programPricing(
  ctx: PlatformContext,
  programId: string,
  design: ReplayDesign,
  options: PricingOptions,
  asOf: string | undefined,
): Promise<PricingResult> {
  await loadProgram(ctx, programId);
  const people = await ctx.db.query<{ psn_no: string; brdy: string; gend: string | null }>(
    `select p.psn_no, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.gend
       from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.status = any($2::text[])`,
    [programId, ENROLLED_STATUSES],
  );
  const records = await ctx.db.query<{
    record: Record<string, unknown> | string;
    gend: string | null;
    brdy: string;
    cohort: string | null;
  }>(
    `select m.record, r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort
       from medical_records m
       join roster_persons r on r.program_id = m.program_id and r.psn_no = m.psn_no
      where m.program_id = $1
        and m.psn_no in (select psn_no from policies where program_id = $1 and status = any($2::text[]))
        and not exists (select 1 from claims c
                         where c.program_id = m.program_id and c.setl_id = m.setl_id and c.state = 'revoked')
      order by m.settled_at, m.setl_id`,
    [programId, ENROLLED_STATUSES],
  );
  const pricing = new Pricing(design);
  for (const r of records) {
    const stored =
      typeof r.record === "string" ? (JSON.parse(r.record) as Record<string, unknown>) : r.record;
    pricing.add(
      JSON.stringify({
        ...stored,
        certno: PLACEHOLDER_CERTNO,
        ...(r.gend === null ? {} : { gend: r.gend }),
        brdy: r.brdy,
        ...(r.cohort === null ? {} : { hmb_cohort: r.cohort }),
      }),
    );
  }
  let ibnrFactor = options.ibnrFactor;
  if (ibnrFactor === undefined) {
    const reserve = await programReserve(ctx, programId, asOf ?? todayOf(ctx));
    let paid = 0;
    for (const row of reserve.triangle?.incrementalFen ?? []) for (const fen of row) paid += fen;
    ibnrFactor = paid > 0 ? reserve.ibnrFen / paid : 0;
  }
  const sexOf = (g: string | null) => (g === "1" || g === "2" ? g : undefined);
  try {
    const outcome = pricing.finish(
      {
        kind: "persons",
        persons: people.map((p) => ({ psnNo: p.psn_no, birthDate: p.brdy, sex: sexOf(p.gend) })),
      },
      { ...options, ibnrFactor },
    );
    // Stored records were valid when they came in: a refused one is the platform's fault, not the caller's.
    if (!outcome.ok)
      throw new Error(`stored records of ${programId} no longer parse: ${JSON.stringify(outcome.errors)}`);
    return outcome.result;
  } catch (e) {
    if (e instanceof PricingInputError)
      throw new ServiceError("invalid", "invalid_value", e.message, e.field);
    throw e;
  }
}

/** The API's request, resolved: a design (library id or inline product file) and the assumptions. */
export interface PricingRequest {
  readonly product_id?: string | undefined;
  readonly product?: Record<string, unknown> | undefined;
  readonly plan: string;
  readonly groups: string;
  readonly target_loss_ratio?: number | undefined;
  readonly expense?: number | undefined;
  readonly trend?: number | undefined;
  readonly trend_years?: number | undefined;
  readonly ibnr_factor?: number | undefined;
  readonly as_of?: string | undefined;
}

/** POST /programs/{id}/pricing: every mistake a ServiceError naming the body field; then programPricing. */
export async function priceProgram(
  ctx: PlatformContext,
  programId: string,
  body: PricingRequest,
): Promise<PricingResult> {
  const invalid = (message: string, field: string) =>
    new ServiceError("invalid", "invalid_value", message, field);
  if ((body.product_id === undefined) === (body.product === undefined))
    throw invalid("product_id 与 product 必须且只能给一个", "product_id");
  let product: Product;
  if (body.product !== undefined) {
    try {
      product = loadProductJson(body.product);
    } catch (e) {
      if (e instanceof ProductLoadError) throw invalid(e.message, "product");
      throw e;
    }
  } else {
    try {
      product = getProduct(body.product_id as string);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : String(e), "product_id");
    }
  }
  const problem = planProblem(product, body.plan);
  if (problem !== undefined) throw invalid(problem, "plan");
  const dims = parseRateDimensions(body.groups);
  if (!dims.ok) throw invalid(dims.message.replace("--groups", "groups"), "groups");
  const options: PricingOptions = {
    dims: dims.value as RateDimension[],
    ...(body.target_loss_ratio !== undefined ? { targetLossRatio: body.target_loss_ratio } : {}),
    ...(body.expense !== undefined ? { expenseRate: body.expense } : {}),
    ...(body.trend !== undefined ? { trend: body.trend } : {}),
    ...(body.trend_years !== undefined ? { trendYears: body.trend_years } : {}),
    ...(body.ibnr_factor !== undefined ? { ibnrFactor: body.ibnr_factor } : {}),
  };
  const design: ReplayDesign = { label: `${product.id}:${body.plan}`, product, planId: body.plan };
  try {
    checkAssumptions(options);
  } catch (e) {
    if (e instanceof PricingInputError) throw invalid(e.message, e.field);
    throw e;
  }
  return programPricing(ctx, programId, design, options, body.as_of);
}
