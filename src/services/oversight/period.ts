/** Sums of the oversight rollups over a period, for the disclosure report's "this period" columns. */
import type { Fen } from "../../domain/money.js";
import type { PlatformContext } from "../context.js";
import { claimSums, num } from "./shared.js";

/** Figures for days `from` … `to` (inclusive), for the disclosure report's "this period" columns. */
export async function periodFigures(
  ctx: PlatformContext,
  programId: string,
  from: string,
  to: string,
): Promise<{
  issued: number;
  cancelled: number;
  writtenFen: Fen;
  refundFen: Fen;
  claims: number;
  revocations: number;
  paidClaims: number;
  paidFen: Fen;
}> {
  const [p, c] = await Promise.all([
    ctx.db.query<{ issued: number; cancelled: number; premium: number; refund: number }>(
      `select coalesce(sum(issued), 0)::bigint as issued, coalesce(sum(cancelled), 0)::bigint as cancelled,
              coalesce(sum(issued_premium_fen), 0)::bigint as premium, coalesce(sum(refund_fen), 0)::bigint as refund
         from oversight_policy_days where program_id = $1 and day between $2::date and $3::date`,
      [programId, from, to],
    ),
    claimSums(ctx, programId, from, to),
  ]);
  return {
    issued: num(p[0]?.issued),
    cancelled: num(p[0]?.cancelled),
    writtenFen: num(p[0]?.premium),
    refundFen: num(p[0]?.refund),
    claims: c.claims,
    revocations: c.revocations,
    paidClaims: c.paid_claims,
    paidFen: c.paid_fen,
  };
}
