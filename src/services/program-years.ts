/**
 * Program years (issue 12 §4). A program may follow another (文山 2024 follows 文山 2023); the same person in
 * both is the same ID number, found through the roster's keyed blind index (psn_no may differ between the
 * two rosters). When a policy is created, the person's years are worked out once from their policy in the
 * program followed, and stored on the new policy:
 *  - insured years: consecutive years insured including this one — the followed policy's plus one when that
 *    policy was issued and not cancelled (a cancelled or missing policy is a gap: back to 1);
 *  - claim-free years: years before this one without a paid claim, counted back from last year — the followed
 *    policy's plus one when it had no paid claim, else 0;
 *  - a pre-existing status locked at first enrollment, when the product says so
 *    (`preExistingLockedAtFirstEnrollment`, 北京: healthy at first enrollment stays healthy): the followed
 *    policy's locked status, or, when it had none (it was the first year), its status at its coverage start
 *    under this product's conditions.
 * Storing them on the policy keeps settlement at one read and one write (claims/coverage.ts reads them with the
 * policy) instead of walking the chain of programs on every claim. The chain is only as long as the stored
 * values: each year adds one to the year before.
 *
 * Every statement names its program: the followed program is a value, never a join across programs.
 */
import type { Queryable } from "../db/database.js";
import type { Product } from "../domain/product.js";
import { meetsPreExistingRule } from "../engine/preexisting.js";
import { historyBefore } from "./claims/coverage.js";
import { ServiceError } from "./context.js";

/** The years stored on a policy (migration 018). */
export interface PolicyYears {
  readonly insuredYears: number;
  readonly claimFreeYears: number;
  /** Pre-existing status by condition id, locked at first enrollment; null when nothing is locked. */
  readonly preExistingLocked: Readonly<Record<string, boolean>> | null;
}

/** A first year, or a year after a gap. */
export const FIRST_YEAR: PolicyYears = { insuredYears: 1, claimFreeYears: 0, preExistingLocked: null };

/** The followed program's policy of one person: issued and not cancelled, so the years carry on. */
export interface PredecessorPolicy {
  readonly programId: string;
  readonly policyNo: string;
  readonly psnNo: string;
  readonly planId: string;
  readonly payerPsnNo: string | null;
  readonly enrollmentId: string;
  readonly coverageStart: Date;
  readonly years: PolicyYears;
  /** A claim paid on it and not revoked. */
  readonly claimed: boolean;
}

/** Whether a product locks the pre-existing status at first enrollment (schema v2; a v1 file never does). */
export function locksPreExisting(product: Product): boolean {
  return product.preExistingLockedAtFirstEnrollment;
}

/** The program a program follows, or null. */
export async function followedProgram(q: Queryable, programId: string): Promise<string | null> {
  const rows = await q.query<{ follows_program_id: string | null }>(
    "select follows_program_id from programs where program_id = $1",
    [programId],
  );
  return rows[0]?.follows_program_id ?? null;
}

/**
 * Records that `programId` follows `follows`, when the program is created: the followed program must exist,
 * be another program and cover the same region (the roster that says who is the same person is the
 * region's); a chain never loops, since a program can only follow one that already exists.
 */
export async function recordFollows(
  tx: Queryable,
  programId: string,
  follows: string,
  regionCode: string,
): Promise<void> {
  if (follows === programId)
    throw new ServiceError("invalid", "invalid_value", "项目不能接续自身", "follows_program_id");
  const rows = await tx.query<{ region_code: string }>(
    "select region_code from programs where program_id = $1",
    [follows],
  );
  const followed = rows[0];
  if (followed === undefined)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `接续的上一年度项目 ${follows} 不存在`,
      "follows_program_id",
    );
  if (followed.region_code !== regionCode)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `接续的上一年度项目 ${follows} 的地区（${followed.region_code}）与本项目（${regionCode}）不同`,
      "follows_program_id",
    );
  await tx.query("update programs set follows_program_id = $2 where program_id = $1", [programId, follows]);
}

interface PredecessorRow {
  policy_no: string;
  psn_no: string;
  plan_id: string;
  payer_psn_no: string | null;
  enrollment_id: string;
  coverage_start: Date;
  insured_years: number;
  claim_free_years: number;
  pre_existing_locked: Record<string, boolean> | null;
  claimed: boolean;
}

/** A person's policy in the followed program, by the blind index of their ID number; undefined for a gap. */
export async function predecessorPolicy(
  q: Queryable,
  followedProgramId: string,
  certnoBidx: Uint8Array,
): Promise<PredecessorPolicy | undefined> {
  const rows = await q.query<PredecessorRow>(
    `select p.policy_no, p.psn_no, p.plan_id, p.payer_psn_no, p.enrollment_id, p.coverage_start, p.insured_years,
            p.claim_free_years, p.pre_existing_locked,
            exists (select 1 from claims c where c.program_id = $1 and c.policy_no = p.policy_no
                      and c.status = 'paid' and c.state = 'settled') as claimed
       from roster_persons r
       join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
      where r.program_id = $1 and r.certno_bidx = $2
        and p.issued_at is not null and p.status in ('pending_effective', 'active')
      limit 1`,
    [followedProgramId, certnoBidx],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    programId: followedProgramId,
    policyNo: row.policy_no,
    psnNo: row.psn_no,
    planId: row.plan_id,
    payerPsnNo: row.payer_psn_no,
    enrollmentId: row.enrollment_id,
    coverageStart: new Date(row.coverage_start),
    years: {
      insuredYears: Number(row.insured_years),
      claimFreeYears: Number(row.claim_free_years),
      preExistingLocked: row.pre_existing_locked,
    },
    claimed: row.claimed,
  };
}

/** This year's years from last year's policy (see the module comment). */
export async function yearsAfter(
  q: Queryable,
  previous: PredecessorPolicy | undefined,
  product: Product,
): Promise<PolicyYears> {
  if (previous === undefined) return FIRST_YEAR;
  let preExistingLocked: Record<string, boolean> | null = null;
  if (locksPreExisting(product)) {
    preExistingLocked = previous.years.preExistingLocked ?? {};
    if (previous.years.preExistingLocked === null) {
      const history = await historyBefore(q, previous.programId, previous.psnNo, previous.coverageStart);
      for (const c of product.preExistingConditions)
        preExistingLocked[c.id] = meetsPreExistingRule(c.rule, previous.coverageStart.getTime(), history);
    }
  }
  return {
    insuredYears: previous.years.insuredYears + 1,
    claimFreeYears: previous.claimed ? 0 : previous.years.claimFreeYears + 1,
    preExistingLocked,
  };
}

/**
 * The years of the persons one enrollment creates policies for: `of(psnNo)` for each; a program that follows
 * none answers FIRST_YEAR without reading anything.
 */
export async function programYears(
  q: Queryable,
  programId: string,
  product: Product,
): Promise<{ of(psnNo: string): Promise<PolicyYears> }> {
  const followed = await followedProgram(q, programId);
  if (followed === null) return { of: async () => FIRST_YEAR };
  return {
    async of(psnNo: string): Promise<PolicyYears> {
      const rows = await q.query<{ certno_bidx: Uint8Array }>(
        "select certno_bidx from roster_persons where program_id = $1 and psn_no = $2",
        [programId, psnNo],
      );
      const bidx = rows[0]?.certno_bidx;
      if (bidx === undefined) return FIRST_YEAR;
      return yearsAfter(q, await predecessorPolicy(q, followed, bidx), product);
    },
  };
}

/** Stores the years on a policy just created (same transaction). */
export async function stampPolicyYears(
  tx: Queryable,
  programId: string,
  policyNo: string,
  years: PolicyYears,
): Promise<void> {
  if (years === FIRST_YEAR) return;
  await tx.query(
    `update policies set insured_years = $3, claim_free_years = $4, pre_existing_locked = $5
      where program_id = $1 and policy_no = $2`,
    [
      programId,
      policyNo,
      years.insuredYears,
      years.claimFreeYears,
      years.preExistingLocked === null ? null : JSON.stringify(years.preExistingLocked),
    ],
  );
}
