/**
 * A program's paid-claims triangle for `hmb reserve --program ID --as-of DATE` (issue 13 item 3): origin = the
 * Beijing month of the care (`begntime`, stored as medical_records.admitted_at), development = months from it
 * to the settlement (`setl_time`, medical_records.settled_at). What counts as paid as of the end of Beijing day
 * `as_of` is what the oversight summary counts (services/oversight/summary.ts): hmb_pay of claims the platform
 * settled by then, less those revoked by then — a revocation is a negative payment in the month it happened,
 * so the triangle's total equals the summary's paid claims on the same day. The methods are the pure ones of
 * src/actuarial/reserve.ts.
 */
import {
  FLOOR_METHOD,
  type MethodId,
  type MethodResult,
  type MonthlyPayment,
  ReserveError,
  type ReserveReport,
  reserve,
  type SelectedMethod,
  type Selection,
  select,
  type Triangle,
  toFen,
  triangleFromPayments,
} from "../actuarial/reserve.js";
import { beijingDayStart } from "../domain/ledger.js";
import type { Fen } from "../domain/money.js";
import { BEIJING_OFFSET_MS } from "../domain/time.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { beijingDay } from "./oversight/dates.js";
import { loadProgram } from "./programs.js";

const DAY_MS = 24 * 3600 * 1000;

/** One cell of the payments: fen paid (or, revoked, given back) in `paid_month` for care in `origin_month`. */
interface PaymentCellRow {
  origin_month: string;
  paid_month: string;
  fen: number | string;
}

/** "yyyy-MM" of a timestamptz column in Beijing time, in SQL ($3 = BEIJING_OFFSET_MS). */
const beijingMonthSql = (column: string) =>
  `to_char((${column} at time zone 'UTC') + $3 * interval '1 millisecond', 'YYYY-MM')`;

/**
 * The program's monthly triangle as of the end of `asOf` (yyyy-mm-dd, Beijing); undefined when nothing has been
 * paid yet. Throws ServiceError for an unknown program or a bad date. The database sums the claims into
 * (care month, payment month) cells — a few hundred rows however many claims the program has, so the
 * oversight summary can ask for the reserve on every call.
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
  const paidClaims = `from claims c join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
      where c.program_id = $1 and c.hmb_pay_fen > 0 and c.created_at < $2`;
  const rows = await ctx.db.query<PaymentCellRow>(
    `select ${beijingMonthSql("m.admitted_at")} as origin_month, ${beijingMonthSql("m.settled_at")} as paid_month,
            sum(c.hmb_pay_fen) as fen
       ${paidClaims}
      group by 1, 2
     union all
     select ${beijingMonthSql("m.admitted_at")}, ${beijingMonthSql("c.revoked_at")}, -sum(c.hmb_pay_fen)
       ${paidClaims} and c.revoked_at < $2
      group by 1, 2`,
    [programId, end, BEIJING_OFFSET_MS],
  );
  const valuation = asOf.slice(0, 7);
  const payments: MonthlyPayment[] = rows.map((r) => ({
    originMonth: r.origin_month,
    // Settled by the platform by as_of, so paid by then whatever setl_time a hospital's clock wrote.
    // biome-ignore lint/complexity/useMathMinMax: the months are "yyyy-MM" strings, compared as text
    paidMonth: r.paid_month > valuation ? valuation : r.paid_month,
    fen: Number(r.fen),
  }));
  return triangleFromPayments(payments, valuation);
}

/** Today's Beijing day, the reserve route's default valuation date. */
export function todayOf(ctx: PlatformContext): string {
  return beijingDay(ctx.clock.now());
}

/** What the summary and the reserve route call the selected method (Chinese, shown to people). */
export const RESERVE_METHOD_NAMES: Record<ProgramReserveMethod, string> = {
  chain_ladder: "链梯法（Mack）",
  bornhuetter_ferguson: "B-F法",
  expected_loss_ratio: "赔付率法",
  [FLOOR_METHOD]: "不低于当年实际赔款支出的10%（《健康保险管理办法》第四十九条）",
  none: "尚无可评估的赔付",
};

/** The selection, or "none": nothing paid yet, or a triangle no method can project (then IBNR is the floor or 0). */
export type ProgramReserveMethod = SelectedMethod | "none";

export interface ProgramReserve {
  programId: string;
  asOf: string;
  triangle: Triangle | undefined;
  /** Every method the engine ran (today chain ladder only: a program has no per-month prior loss ratio). */
  report: ReserveReport | undefined;
  /** Per-method totals, fen (rounded once, by the engine's toFen). */
  totals: { method: MethodId; ibnrFen: Fen }[];
  method: ProgramReserveMethod;
  methodName: string;
  /** The selected IBNR (第四十九条), fen. */
  ibnrFen: Fen;
  selection: Selection | undefined;
  /** Why the selection is weaker than the rule wants (one method only, or no projection possible). */
  note: string | undefined;
}

const ONE_METHOD_NOTE =
  "只用了链梯法一种方法：项目没有按月的预期赔付率，无法做 B-F法 与 赔付率法；《健康保险管理办法》第四十九条要求至少两种方法取最大值";

/**
 * The program's IBNR as of the end of Beijing day `asOf`, selected by the engine (《健康保险管理办法》第四十九条:
 * the largest method, with under three years of experience not less than 10 % of the year's paid claims).
 * Throws ServiceError for an unknown program or a bad date.
 */
export async function programReserve(
  ctx: PlatformContext,
  programId: string,
  asOf: string,
): Promise<ProgramReserve> {
  const triangle = await programTriangle(ctx, programId, asOf);
  const base = { programId, asOf, triangle };
  if (triangle === undefined) {
    return {
      ...base,
      report: undefined,
      totals: [],
      method: "none",
      methodName: RESERVE_METHOD_NAMES.none,
      ibnrFen: 0,
      selection: undefined,
      note: "截至评估日尚无赔付，IBNR 为 0",
    };
  }
  try {
    const report = reserve(triangle);
    const { selection } = report;
    return {
      ...base,
      report,
      totals: [{ method: "chain_ladder", ibnrFen: toFen(report.chainLadder.ibnr) }],
      method: selection.method,
      methodName: RESERVE_METHOD_NAMES[selection.method],
      ibnrFen: selection.ibnrFen,
      selection,
      note: selection.methodsCompared.length < 2 ? ONE_METHOD_NOTE : undefined,
    };
  } catch (e) {
    if (!(e instanceof ReserveError)) throw e;
    // No projection possible (e.g. nothing paid at a development period that later ones grow from): the
    // engine's own selection over a method that projects nothing still yields the 第四十九条 floor.
    const selection = select(triangle, { chain_ladder: NO_PROJECTION });
    const floor = selection.method === FLOOR_METHOD;
    return {
      ...base,
      report: undefined,
      totals: [],
      method: floor ? FLOOR_METHOD : "none",
      methodName: RESERVE_METHOD_NAMES[floor ? FLOOR_METHOD : "none"],
      ibnrFen: floor ? selection.ibnrFen : 0,
      selection: { ...selection, methodsCompared: [] },
      note: `链梯法无法评估：${e.message}`,
    };
  }
}

/** A method result that projects nothing beyond what is paid: only for the floor when no method can run. */
const NO_PROJECTION: MethodResult = { origins: [], paidFen: 0, ultimate: 0, ibnr: 0 };
