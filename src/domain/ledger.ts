/**
 * The ledger's vocabulary. Like TigerBeetle, every posting is a transfer of a positive amount from one
 * account (debit) to another (credit), so each row balances by construction; a business event is a journal
 * of one or more legs. Each leg is split across the program's co-insurers by share, remainder to the lead.
 */
import type { Fen } from "./money.js";
import { BEIJING_OFFSET_MS } from "./time.js";

export const ACCOUNTS = {
  "asset:gateway_clearing": "支付渠道待清算（现金）",
  "asset:personal_account_clearing": "医保个人账户待清算",
  "asset:charity_receivable": "慈善资金应收",
  "income:premium": "保费收入",
  "liability:refund_payable": "应付退费",
  "expense:claims": "赔款支出",
  "liability:claims_payable_hospital": "应付定点医疗机构（一站式结算）",
  "liability:claims_payable_resident": "应付参保人（线上/柜面理赔）",
  "asset:claims_bank": "理赔资金专户（赔款划付）",
} as const;
export type Account = keyof typeof ACCOUNTS;

export const JOURNAL_KINDS = [
  "premium_received",
  "premium_refund",
  "refund_paid",
  "charity_funding",
  "claim_payout",
  "claim_reversal",
  "claim_disbursement",
] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

export interface Leg {
  readonly debit: Account;
  readonly credit: Account;
  readonly amount: Fen;
}

export interface InsurerShare {
  readonly code: string;
  readonly shareBps: number;
  readonly lead: boolean;
}

/**
 * Splits an amount by shares: each non-lead insurer gets floor(amount × share), the lead gets the rest, so
 * the parts always sum to the amount exactly (asserted).
 */
export function splitByShares(amount: Fen, shares: readonly InsurerShare[]): { code: string; amount: Fen }[] {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new Error(`split: amount must be a positive integer, got ${amount}`);
  const parts = shares.map((s) => ({
    code: s.code,
    amount: s.lead ? 0 : Math.floor((amount * s.shareBps) / 10_000),
  }));
  const others = parts.reduce((sum, p) => sum + p.amount, 0);
  const lead = parts.find((_, i) => shares[i]?.lead === true);
  if (lead === undefined) throw new Error("split: no lead insurer");
  lead.amount = amount - others;
  if (lead.amount < 0) throw new Error("split: shares exceed 100%");
  return parts.filter((p) => p.amount > 0);
}

export function isAccount(name: string): name is Account {
  return Object.hasOwn(ACCOUNTS, name);
}

export function isJournalKind(name: string): name is JournalKind {
  return (JOURNAL_KINDS as readonly string[]).includes(name);
}

const DAY_MS = 24 * 3600_000;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "yyyy-mm-dd" (a Beijing calendar day) → the instant that day starts; undefined when not a real date. */
export function beijingDayStart(date: string): Date | undefined {
  const m = CALENDAR_DATE.exec(date);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return new Date(utc - BEIJING_OFFSET_MS);
}

/**
 * A statement period from two Beijing calendar days, both inclusive: `from` 00:00 to the end of `to`
 * (stored as the half-open instant interval [from 00:00+08:00, (to + 1 day) 00:00+08:00)).
 */
export function statementPeriod(
  from: string,
  to: string,
): { ok: true; start: Date; end: Date } | { ok: false; field: "from" | "to"; problem: string } {
  const start = beijingDayStart(from);
  if (start === undefined)
    return { ok: false, field: "from", problem: `from 应为 yyyy-mm-dd 日期，收到 ${from}` };
  const last = beijingDayStart(to);
  if (last === undefined) return { ok: false, field: "to", problem: `to 应为 yyyy-mm-dd 日期，收到 ${to}` };
  if (last.getTime() < start.getTime()) return { ok: false, field: "to", problem: "to 不能早于 from" };
  return { ok: true, start, end: new Date(last.getTime() + DAY_MS) };
}
