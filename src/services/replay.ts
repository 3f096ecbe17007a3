/**
 * `hmb replay --program ID` (issue 13 item 1): a stored program's own claims replayed under candidate designs.
 * The records are the program's medical_records as the hospitals sent them (national field names), adjudicated
 * under each design exactly as `hmb adjudicate` would adjudicate them in a file (src/actuarial/replay.ts) — each
 * person insured for the design's coverage period, person facts from the records' hmb_* fields. The
 * population is the program's issued policies (active or awaiting their start, not cancelled); each design's
 * premium is what those persons would pay under its plan (premium variants by cohort and age at the design's
 * coverage start, src/domain/premium.ts), replacing `--insured`. Only the enrolled persons' records count (the
 * others were never insured), and a revoked settlement is left out (the hospital withdrew it; its correction,
 * if any, is a record of its own).
 */
import {
  type DesignReplay,
  planProblem,
  Replay,
  type ReplayDesign,
  type ReplayResult,
} from "../actuarial/replay.js";
import type { Cohort } from "../domain/cohort.js";
import type { Fen } from "../domain/money.js";
import { premiumFor } from "../domain/premium.js";
import { findPlan, type Product } from "../domain/product.js";
import { getProduct } from "../products/index.js";
import { loadProductJson, ProductLoadError } from "../products/load.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";

/** Issued, not cancelled: the persons the year's premium was earned on. */
const ENROLLED_STATUSES = ["active", "pending_effective"];

export interface ProgramReplay {
  /** Persons enrolled (issued policies). */
  readonly insured: number;
  readonly result: ReplayResult;
}

/** Throws ServiceError not_found for an unknown program. */
export async function programReplay(
  ctx: PlatformContext,
  programId: string,
  designs: readonly ReplayDesign[],
): Promise<ProgramReplay> {
  await loadProgram(ctx, programId);
  const people = await ctx.db.query<{ brdy: string; cohort: string | null }>(
    `select to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort
       from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.status = any($2::text[])`,
    [programId, ENROLLED_STATUSES],
  );
  const premiumsFen: Fen[] = designs.map((d) => {
    const plan = findPlan(d.product, d.planId);
    let total = 0;
    for (const person of people) {
      const subject = { birthDate: person.brdy, cohort: (person.cohort ?? undefined) as Cohort | undefined };
      total += premiumFor(plan, subject, d.product.coverage.start).amount;
    }
    return total;
  });
  const replay = new Replay(designs, people.length, premiumsFen);
  const records = await ctx.db.query<{
    record: Record<string, unknown> | string;
    gend: string;
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
  for (const r of records) {
    const stored =
      typeof r.record === "string" ? (JSON.parse(r.record) as Record<string, unknown>) : r.record;
    replay.add(JSON.stringify(engineRecord(stored, r)));
  }
  return { insured: people.length, result: replay.finish() };
}

/**
 * GB 11643's own example number: the platform keeps records without certno (records.ts storableRecord) and the
 * engine never reads it, but the record parser requires a well-formed one — so a replay puts this in rather
 * than decrypting every person's ID number for nothing.
 */
const PLACEHOLDER_CERTNO = "11010519491231002X";

/**
 * A stored record made parseable again, with the person facts the platform adjudicates by taken from the
 * roster as the platform does (services/claims/coverage.ts): sex, birth date, cohort.
 */
function engineRecord(
  stored: Record<string, unknown>,
  person: { gend: string; brdy: string; cohort: string | null },
): Record<string, unknown> {
  return {
    ...stored,
    certno: PLACEHOLDER_CERTNO,
    gend: person.gend,
    brdy: person.brdy,
    ...(person.cohort === null ? {} : { hmb_cohort: person.cohort }),
  };
}

/** A design as the API names it: a library product id or an inline product file, and a plan. */
export interface DesignInput {
  readonly product_id?: string | undefined;
  readonly product?: Record<string, unknown> | undefined;
  readonly plan: string;
  readonly label?: string | undefined;
}

/**
 * POST /programs/{id}/replays: the designs resolved (every mistake a ServiceError naming designs[i].…), then
 * programReplay. Stored records were valid when they came in, so a refused one is the platform's fault.
 */
export async function replayProgram(
  ctx: PlatformContext,
  programId: string,
  inputs: readonly DesignInput[],
): Promise<{ insured: number; designs: readonly DesignReplay[] }> {
  const designs = inputs.map((input, i) => resolveDesign(input, `designs[${i}]`));
  const { insured, result } = await programReplay(ctx, programId, designs);
  if (!result.ok)
    throw new Error(`stored records of ${programId} no longer parse: ${JSON.stringify(result.errors)}`);
  return { insured, designs: result.designs };
}

function resolveDesign(input: DesignInput, field: string): ReplayDesign {
  const invalid = (message: string, at: string) => new ServiceError("invalid", "invalid_value", message, at);
  if ((input.product_id === undefined) === (input.product === undefined))
    throw invalid("product_id 与 product 必须且只能给一个", field);
  let product: Product;
  if (input.product !== undefined) {
    try {
      product = loadProductJson(input.product);
    } catch (e) {
      if (e instanceof ProductLoadError) throw invalid(e.message, `${field}.product`);
      throw e;
    }
  } else {
    try {
      product = getProduct(input.product_id as string);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : String(e), `${field}.product_id`);
    }
  }
  const problem = planProblem(product, input.plan);
  if (problem !== undefined) throw invalid(problem, `${field}.plan`);
  return { label: input.label ?? `${product.id}:${input.plan}`, product, planId: input.plan };
}
