/**
 * A settled claim's contribution to the daily claim rollup (oversight_claim_days, db/migrations/009_oversight.sql),
 * computed where the claim is written: settleClaim adds it in the same statement as the claim (migration 032).
 * It is exactly what the insert trigger oversight_claim_change() adds for a claims row written elsewhere;
 * test/oversight.test.ts rebuilds the rollups from the base tables and compares.
 */
import type { Fen } from "../../domain/money.js";
import { beijingDay } from "../../domain/time.js";
import type { SqlParams } from "../claims/sql-params.js";
import { PAYOUT_BUCKETS, payoutBucket } from "./buckets.js";

/** The rollup's counters in column order; the histogram columns h0…, a0… follow, one per payout bucket. */
const COUNTERS = [
  "claims",
  "revocations",
  "covered_claims",
  "covered_psn_part_fen",
  "paid_claims",
  "paid_fen",
  "paid_psn_part_fen",
  "beneficiaries",
] as const;

const COLUMNS: readonly string[] = [
  ...COUNTERS,
  ...PAYOUT_BUCKETS.map((b) => `h${b.index}`),
  ...PAYOUT_BUCKETS.map((b) => `a${b.index}`),
];

export interface SettledClaim {
  /** When it was settled (the claims row's created_at): its Beijing calendar day is the rollup's day. */
  readonly at: Date;
  /** Whether the claim was in cover at all (status other than not_covered). */
  readonly covered: boolean;
  readonly psnPartFen: Fen;
  readonly hmbPayFen: Fen;
  /** The person's cumulative payout including this claim (the accumulators' paidTotal after it). */
  readonly paidTotalAfter: Fen;
}

/**
 * The values added to COLUMNS: one claim; covered and paid counts with their amounts; a person moves from the
 * bucket of their payout before to the bucket after (count and amount), and becomes a beneficiary with their
 * first payout.
 */
export function settledClaimDelta(c: SettledClaim): Fen[] {
  const paid = c.hmbPayFen > 0;
  if (paid && c.paidTotalAfter < c.hmbPayFen)
    throw new Error(`rollup: cumulative payout ${c.paidTotalAfter} below this claim's ${c.hmbPayFen}`);
  const after = paid ? c.paidTotalAfter : 0;
  const before = paid ? c.paidTotalAfter - c.hmbPayFen : 0;
  const counts = PAYOUT_BUCKETS.map(() => 0);
  const amounts = PAYOUT_BUCKETS.map(() => 0);
  const from = payoutBucket(before);
  const to = payoutBucket(after);
  if (from >= 0) {
    counts[from] = -1;
    amounts[from] = -before;
  }
  if (to >= 0) {
    counts[to] = (counts[to] as number) + 1;
    amounts[to] = (amounts[to] as number) + after;
  }
  const covered = c.covered ? 1 : 0;
  const counters: Record<(typeof COUNTERS)[number], Fen> = {
    claims: 1,
    revocations: 0,
    covered_claims: covered,
    covered_psn_part_fen: covered * c.psnPartFen,
    paid_claims: paid ? 1 : 0,
    paid_fen: c.hmbPayFen,
    paid_psn_part_fen: paid ? c.psnPartFen : 0,
    beneficiaries: (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0),
  };
  return [...COUNTERS.map((k) => counters[k]), ...counts, ...amounts];
}

/**
 * The insert of one claim's delta into its day's rollup row (a slot no concurrent transaction holds), for a
 * CTE of the claim's write statement. With `gate` (a CTE name) it takes effect exactly when that CTE yields
 * its row — the accumulators' update, so the rollup changes together with the claim or not at all.
 */
export function claimRollupSql(
  p: SqlParams,
  program: string,
  claim: SettledClaim,
  gate: string | undefined,
): string {
  const delta = p.add(settledClaimDelta(claim).map(String));
  const day = p.add(beijingDay(claim.at));
  return `insert into oversight_claim_days as r (program_id, day, slot, ${COLUMNS.join(", ")})
         select ${program}, ${day}::date, oversight_slot(), ${COLUMNS.map((_, i) => `d.v[${i + 1}]`).join(", ")}
           from ${gate === undefined ? "" : `${gate}, `}(select ${delta}::bigint[] as v) d
         on conflict (program_id, day, slot) do update set
           ${COLUMNS.map((c) => `${c} = r.${c} + excluded.${c}`).join(", ")}`;
}
