/**
 * Premium of one person under one plan: the first premium variant whose conditions all match (cohort, age at
 * coverage start, sex, pre-existing status — schema v2 rate groups), else the plan's base premium. Pure: no I/O.
 */
import type { Fen } from "./money.js";
import type { Plan } from "./product.js";
import type { EpochMs } from "./time.js";
import { BEIJING_OFFSET_MS } from "./time.js";

export interface PremiumSubject {
  /** Birth date "yyyy-MM-dd" (roster `brdy`). */
  readonly birthDate: string;
  /** Roster cohort (e.g. "tuopin"), if any. */
  readonly cohort?: string | null | undefined;
  /** National gend "1"/"2", when known: a variant naming `sex` matches only a known, equal sex. */
  readonly sex?: "1" | "2" | undefined;
  /** Pre-existing status, when known: a variant naming `preExisting` matches only a known, equal status. */
  readonly preExisting?: boolean | undefined;
}

export interface PremiumQuote {
  readonly amount: Fen;
  /** "base" or "variant:<index>[:label]". */
  readonly rule: string;
  readonly age: number;
}

/** Completed years of age at `at` on the Beijing calendar; a 29 Feb birthday counts from 1 Mar in common years. */
/** The number written by `length` ASCII digits of `text` from `from`; -1 when one of them is not a digit. */
function digitsAt(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

export function ageAt(birthDate: string, at: EpochMs): number {
  // Read digit by digit: a stored replay asks this for every person under every design (no regex, no match array).
  const by = digitsAt(birthDate, 0, 4);
  const bm = digitsAt(birthDate, 5, 2);
  const bd = digitsAt(birthDate, 8, 2);
  if (birthDate.length !== 10 || birthDate[4] !== "-" || birthDate[7] !== "-" || by < 0 || bm < 0 || bd < 0)
    throw new Error(`birth date must be yyyy-MM-dd, got ${birthDate}`);
  const d = new Date(at + BEIJING_OFFSET_MS);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  let age = y - by;
  if (mo < bm || (mo === bm && day < bd)) age -= 1;
  return Math.max(0, age);
}

export function premiumFor(plan: Plan, subject: PremiumSubject, coverageStart: EpochMs): PremiumQuote {
  const age = ageAt(subject.birthDate, coverageStart);
  for (const [i, v] of plan.premium.variants.entries()) {
    const w = v.when;
    if (w.cohorts !== undefined) {
      if (subject.cohort === undefined || subject.cohort === null || !w.cohorts.includes(subject.cohort))
        continue;
    }
    if (w.ageFrom !== undefined && age < w.ageFrom) continue;
    if (w.ageTo !== undefined && age > w.ageTo) continue;
    if (w.sex !== undefined && subject.sex !== w.sex) continue;
    if (w.preExisting !== undefined && subject.preExisting !== w.preExisting) continue;
    return { amount: v.amount, rule: `variant:${i}${v.label === undefined ? "" : `:${v.label}`}`, age };
  }
  return { amount: plan.premium.base, rule: "base", age };
}
