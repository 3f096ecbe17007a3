/** Display helpers. Amounts arrive as yuan strings with two decimals ("12000.00"); they are never floats here. */
// Beijing time has one definition, the server's: domain/time is pure (no imports, no Node), so the web shares it.
import { formatBusinessTime } from "../../../src/domain/time.js";

/** "1234567.80" → "1,234,567.80" */
export function yuan(text: string | null | undefined): string {
  if (text === null || text === undefined || text === "") return "—";
  const negative = text.startsWith("-");
  const [whole = "0", cents = "00"] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}.${cents.padEnd(2, "0")}`;
}

/** "3000000.00" → "300 万" in Chinese, "3,000,000" in English: the way limits are written on posters. */
export function bigYuan(text: string | null | undefined, lang: "zh" | "en"): string {
  if (text === null || text === undefined) return lang === "zh" ? "不限" : "no limit";
  const whole = text.split(".")[0] ?? "0";
  if (lang === "zh" && whole.length > 4 && whole.endsWith("0000"))
    return `${Number(whole.slice(0, -4))} 万元`;
  return lang === "zh" ? `${yuan(text)} 元` : `¥${yuan(text)}`;
}

/** Yuan string → fen (integer), for comparisons only. */
export function fenOf(text: string): number {
  const [whole = "0", cents = "0"] = text.split(".");
  return Number(whole) * 100 + Number(cents.padEnd(2, "0").slice(0, 2));
}

/** "2023-09-01 00:00:00" → "2023-09-01" */
export function day(text: string | null | undefined): string {
  return text === null || text === undefined ? "—" : text.slice(0, 10);
}

/** An ISO instant → Beijing "yyyy-MM-dd HH:mm". */
export function beijing(iso: string): string {
  return formatBusinessTime(Date.parse(iso)).slice(0, 16);
}

/**
 * The last day of a period whose end is exclusive: "2024-09-01 00:00:00" → "2024-08-31" (product files say
 * "2024-08-31 24:00"; a person reads the last covered day).
 */
export function endDay(text: string | null | undefined): string {
  if (text === null || text === undefined) return "—";
  if (!text.endsWith("00:00:00")) return text.slice(0, 10);
  const d = new Date(`${text.slice(0, 10)}T00:00:00Z`);
  return new Date(d.getTime() - 24 * 3600_000).toISOString().slice(0, 10);
}
