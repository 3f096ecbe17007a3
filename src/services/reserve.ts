/**
 * A program's paid-claims triangle for `hmb reserve --program ID --as-of DATE` (issue 13 item 3): origin = the
 * Beijing month of the care (`begntime`, stored as medical_records.admitted_at), development = months from it
 * to the settlement (`setl_time`, medical_records.settled_at). What counts as paid as of the end of Beijing day
 * `as_of` is what the oversight summary counts (services/oversight/summary.ts): hmb_pay of claims the platform
 * settled by then, less those revoked by then — a revocation is a negative payment in the month it happened,
 * so the triangle's total equals the summary's paid claims on the same day. The methods are the pure ones of
 * src/actuarial/reserve.ts.
 */
import { type MonthlyPayment, type Triangle, triangleFromPayments } from "../actuarial/reserve.js";
import { beijingDayStart } from "../domain/ledger.js";
import { BEIJING_OFFSET_MS } from "../domain/time.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";

const DAY_MS = 24 * 3600 * 1000;

/** "yyyy-MM" of an instant, in Beijing time. */
function beijingMonth(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 7);
}

interface ClaimRow {
  hmb_pay_fen: number | string;
  admitted_at: Date;
  settled_at: Date;
  created_at: Date;
  revoked_at: Date | null;
}

/**
 * The program's monthly triangle as of the end of `asOf` (yyyy-mm-dd, Beijing); undefined when nothing has been
 * paid yet. Throws ServiceError for an unknown program or a bad date.
 */
export async function programTriangle(
  ctx: PlatformContext,
  programId: string,
  asOf: string,
): Promise<Triangle | undefined> {
  const start = beijingDayStart(asOf);
  if (start === undefined)
    throw new ServiceError("invalid", "invalid_date", `as_of 应为 yyyy-mm-dd 日期，收到 ${asOf}`, "as_of");
  await loadProgram(ctx, programId);
  const end = new Date(start.getTime() + DAY_MS);
  const rows = await ctx.db.query<ClaimRow>(
    `select c.hmb_pay_fen, m.admitted_at, m.settled_at, c.created_at, c.revoked_at
       from claims c join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
      where c.program_id = $1 and c.hmb_pay_fen > 0 and c.created_at < $2`,
    [programId, end],
  );
  const valuation = asOf.slice(0, 7);
  const payments: MonthlyPayment[] = [];
  for (const r of rows) {
    const fen = Number(r.hmb_pay_fen);
    const originMonth = beijingMonth(new Date(r.admitted_at));
    // Settled by the platform by as_of, so paid by then whatever setl_time a hospital's clock wrote.
    let paidMonth = beijingMonth(new Date(r.settled_at));
    if (paidMonth > valuation) paidMonth = valuation;
    payments.push({ originMonth, paidMonth, fen });
    if (r.revoked_at !== null && new Date(r.revoked_at).getTime() < end.getTime())
      payments.push({ originMonth, paidMonth: beijingMonth(new Date(r.revoked_at)), fen: -fen });
  }
  return triangleFromPayments(payments, valuation);
}
