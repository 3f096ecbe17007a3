/**
 * Calendar arithmetic for oversight: Beijing calendar days ("yyyy-mm-dd", UTC+8, no DST), coverage days
 * elapsed, ISO weeks. Pure: no I/O.
 */
import { beijingDayStart } from "../../domain/ledger.js";
import { beijingDay } from "../../domain/time.js";
import { ServiceError } from "../context.js";

export { beijingDay };

export const DAY_MS = 86_400_000;

/** A "yyyy-mm-dd" query value, or a 400 naming `field`. */
export function parseDay(value: string, field: string): string {
  if (beijingDayStart(value) === undefined) {
    throw new ServiceError("invalid", "invalid_value", `${field} 应为 yyyy-mm-dd 日期，收到 ${value}`, field);
  }
  return value;
}

export function addDays(day: string, n: number): string {
  const start = beijingDayStart(day);
  if (start === undefined) throw new Error(`not a day: ${day}`);
  return beijingDay(start.getTime() + n * DAY_MS);
}

/** Days from `from` to `to` (0 when equal; negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = beijingDayStart(from);
  const b = beijingDayStart(to);
  if (a === undefined || b === undefined) throw new Error(`not days: ${from}, ${to}`);
  return Math.round((b.getTime() - a.getTime()) / DAY_MS);
}

/**
 * Coverage days: `total` as the refund rule counts them (domain/refund.ts), and `elapsed` = days of coverage
 * whose Beijing day is on or before `asOf` — the day of `asOf` counts as earned, as the day of a
 * cancellation does. Clamped to [0, total].
 */
export function coverageDays(start: Date, end: Date, asOf: string): { total: number; elapsed: number } {
  const total = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  const dayStart = beijingDayStart(asOf);
  if (dayStart === undefined) throw new Error(`not a day: ${asOf}`);
  const endOfAsOf = dayStart.getTime() + DAY_MS;
  const elapsed = Math.floor((endOfAsOf - start.getTime()) / DAY_MS);
  return { total, elapsed: Math.min(total, Math.max(0, elapsed)) };
}

export interface IsoWeek {
  /** "2023-W36" */
  readonly week: string;
  /** Monday and Sunday of the week, Beijing calendar days. */
  readonly start: string;
  readonly end: string;
}

/** The ISO 8601 week of a calendar day (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(day: string): IsoWeek {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  const weekday = (new Date(utc).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(utc + (3 - weekday) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const firstThursday = Date.UTC(isoYear, 0, 4);
  const firstWeekday = (new Date(firstThursday).getUTCDay() + 6) % 7;
  const week1Monday = firstThursday - firstWeekday * DAY_MS;
  const n = Math.floor((utc - weekday * DAY_MS - week1Monday) / (7 * DAY_MS)) + 1;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    week: `${isoYear}-W${String(n).padStart(2, "0")}`,
    start: iso(utc - weekday * DAY_MS),
    end: iso(utc + (6 - weekday) * DAY_MS),
  };
}

/** A disclosure period: "yyyy-mm" (a month) or "yyyy" (a calendar year), as Beijing days, both inclusive. */
export function parsePeriod(value: string, field = "period"): { period: string; from: string; to: string } {
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month !== null) {
    const y = Number(month[1]);
    const mo = Number(month[2]);
    if (mo >= 1 && mo <= 12) {
      const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
      const p = `${month[1]}-${month[2]}`;
      return { period: value, from: `${p}-01`, to: `${p}-${String(last).padStart(2, "0")}` };
    }
  }
  if (/^\d{4}$/.test(value) && Number(value) >= 1900) {
    return { period: value, from: `${value}-01-01`, to: `${value}-12-31` };
  }
  throw new ServiceError(
    "invalid",
    "invalid_value",
    `${field} 应为 yyyy-mm（月）或 yyyy（年），收到 ${value}`,
    field,
  );
}
