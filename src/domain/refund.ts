/**
 * Cancellation refunds (seed 000: 全额撤保 before the effective date, 现金价值 after). Pure: no I/O.
 * After the effective date with `unearned_pro_rata_by_day` the refund is
 * floor(premium × remaining days / total days), where days are Beijing calendar days, total days is the
 * length of the coverage period, and remaining days are the whole days after the day of cancellation
 * (the day on which the policy is cancelled counts as earned).
 */
import type { Fen } from "./money.js";
import type { Period } from "./time.js";
import { BEIJING_OFFSET_MS } from "./time.js";

const DAY_MS = 86_400_000;

export type RefundRule = "unearned_pro_rata_by_day" | "none";

export interface RefundQuote {
  readonly kind: "full" | "pro_rata" | "none";
  readonly amount: Fen;
  readonly totalDays: number;
  readonly remainingDays: number;
  /** A resident-readable explanation, e.g. "69.00 × 300 / 366 = 56.55". */
  readonly explanation: string;
}

/** Start of the Beijing calendar day after `t`. */
function nextBeijingMidnight(t: number): number {
  const local = t + BEIJING_OFFSET_MS;
  return Math.floor(local / DAY_MS) * DAY_MS + DAY_MS - BEIJING_OFFSET_MS;
}

const yuanText = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

export function refundQuote(
  premium: Fen,
  coverage: Period,
  at: number,
  afterEffective: RefundRule,
): RefundQuote {
  if (!Number.isSafeInteger(premium) || premium < 0)
    throw new Error(`premium must be integer fen, got ${premium}`);
  const totalDays = Math.round((coverage.end - coverage.start) / DAY_MS);
  if (at < coverage.start) {
    return {
      kind: "full",
      amount: premium,
      totalDays,
      remainingDays: totalDays,
      explanation: `生效前全额退保：退还保费 ${yuanText(premium)} 元`,
    };
  }
  if (afterEffective === "none" || at >= coverage.end) {
    return { kind: "none", amount: 0, totalDays, remainingDays: 0, explanation: "无现金价值：不退费" };
  }
  const remainingDays = Math.max(0, Math.floor((coverage.end - nextBeijingMidnight(at)) / DAY_MS));
  const amount = Math.floor((premium * remainingDays) / totalDays);
  return {
    kind: "pro_rata",
    amount,
    totalDays,
    remainingDays,
    explanation: `按日计算未到期保费：${yuanText(premium)} 元 × 剩余 ${remainingDays} 天 ÷ ${totalDays} 天 = ${yuanText(amount)} 元`,
  };
}
