/**
 * Deliberately broken records for `--invalid-rate`: each kind is one way real feeds go wrong, and each one is
 * a rejection under DESIGN.md §3 (test/synth.test.ts checks that every corrupted line is rejected).
 */
import { formatYuan } from "../domain/money.js";
import { SETTLEMENT_AMOUNT_FIELDS } from "../domain/settlement.js";
import type { Rng } from "./rng.js";

export const CORRUPTIONS = [
  "negative_amount",
  "three_decimals",
  "inconsistent_psn_part_amt",
  "inconsistent_fund_pay_sumamt",
  "out_of_scope_above_burden",
  "bad_certno_checksum",
  "missing_setl_id",
  "bad_json",
  "bad_time",
  "unknown_med_type",
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

export const AMOUNT_FIELDS = SETTLEMENT_AMOUNT_FIELDS;

/** The amounts a corruption needs to stay arithmetically plausible. */
export interface CorruptionContext {
  readonly fund: number;
  readonly burden: number;
}

/** Replaces the string value of a top-level field (`"field":"value"`); the line must contain the field. */
function replaceValue(line: string, field: string, make: (old: string) => string): string {
  const key = `"${field}":"`;
  const at = line.indexOf(key);
  if (at < 0) throw new Error(`synth: field ${field} not in line`);
  const from = at + key.length;
  const to = line.indexOf('"', from);
  return line.slice(0, from) + make(line.slice(from, to)) + line.slice(to);
}

const CHECK_CHARS = "0123456789X";

export function corrupt(line: string, kind: Corruption, ctx: CorruptionContext, rng: Rng): string {
  switch (kind) {
    case "negative_amount":
      return replaceValue(line, rng.pick(AMOUNT_FIELDS), (v) => `-${v === "0.00" ? "0.01" : v}`);
    case "three_decimals":
      return replaceValue(line, rng.pick(AMOUNT_FIELDS), (v) => `${v}${1 + rng.int(9)}`);
    case "inconsistent_psn_part_amt":
      return replaceValue(line, "psn_part_amt", () => formatYuan(ctx.burden + 1 + rng.int(10_000)));
    case "inconsistent_fund_pay_sumamt":
      return replaceValue(line, "fund_pay_sumamt", () => formatYuan(ctx.fund + 1 + rng.int(10_000)));
    case "out_of_scope_above_burden":
      return replaceValue(line, "fulamt_ownpay_amt", () => formatYuan(ctx.burden + 1 + rng.int(10_000)));
    case "bad_certno_checksum":
      return replaceValue(line, "certno", (v) => {
        const last = v[17] as string;
        let other = last;
        while (other === last) other = CHECK_CHARS[rng.int(CHECK_CHARS.length)] as string;
        return v.slice(0, 17) + other;
      });
    case "missing_setl_id": {
      const start = line.indexOf('"setl_id":"');
      const end = line.indexOf('",', start + 11);
      return line.slice(0, start) + line.slice(end + 2);
    }
    case "bad_json":
      // Any proper prefix of a JSON object is not JSON.
      return line.slice(0, 1 + rng.int(line.length - 2));
    case "bad_time":
      return replaceValue(line, "setl_time", (v) => `${v.slice(0, 4)}-02-30${v.slice(10)}`);
    case "unknown_med_type":
      return replaceValue(line, "med_type", () => rng.pick(["99", "2l", "51"]));
  }
}
