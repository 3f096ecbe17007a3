/**
 * Oversight view: beneficiaries by their cumulative payout (the buckets of buckets.ts), from the
 * oversight_claim_days rollup (db/migrations/009_oversight.sql).
 */
import type { Fen } from "../../domain/money.js";
import type { PlatformContext } from "../context.js";
import { PAYOUT_BUCKETS } from "./buckets.js";
import { asOfDay, claimSums, loadForOversight, ratioBps } from "./shared.js";

export interface PayoutDistribution {
  program_id: string;
  as_of: string;
  beneficiaries: number;
  paid_fen: Fen;
  buckets: {
    bucket: number;
    label: string;
    above_fen: Fen;
    up_to_fen: Fen | null;
    persons: number;
    persons_share_bps: number | null;
    paid_fen: Fen;
    paid_share_bps: number | null;
  }[];
}

/** Persons by their cumulative payout as of a day, with the payout in each bucket. */
export async function payoutDistribution(
  ctx: PlatformContext,
  programId: string,
  query: { asOf?: string | undefined } = {},
): Promise<PayoutDistribution> {
  const { today } = await loadForOversight(ctx, programId);
  const asOf = asOfDay(query.asOf, today);
  const sums = await claimSums(ctx, programId, undefined, asOf);
  return {
    program_id: programId,
    as_of: asOf,
    beneficiaries: sums.beneficiaries,
    paid_fen: sums.paid_fen,
    buckets: PAYOUT_BUCKETS.map((b) => {
      const persons = sums[`h${b.index}`] ?? 0;
      const paid = sums[`a${b.index}`] ?? 0;
      const personsBps = ratioBps(persons, sums.beneficiaries);
      const paidBps = ratioBps(paid, sums.paid_fen);
      return {
        bucket: b.index,
        label: b.label,
        above_fen: b.above,
        up_to_fen: b.upTo ?? null,
        persons,
        persons_share_bps: personsBps ?? null,
        paid_fen: paid,
        paid_share_bps: paidBps ?? null,
      };
    }),
  };
}
