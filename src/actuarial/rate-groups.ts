/**
 * Rate groups (费率分组, issue 13 item 4): the cells a 惠民保 premium may vary by — age band, sex, pre-existing
 * (health) status, as 金办便函〔2025〕745号 names them ("rates grouped by age, sex and health"). A person falls
 * in exactly one group for a given choice of dimensions; a group becomes a product premium variant `when`
 * (src/domain/product.ts premiumVariant) so a priced table can be written back into a product file.
 * Pure: no I/O.
 */

export type RateDimension = "age" | "sex" | "health";

export const RATE_DIMENSIONS: readonly RateDimension[] = ["age", "sex", "health"];

/** Age in whole years at coverage start, inclusive bounds; `to` undefined = open-ended band. */
export interface AgeBand {
  readonly from: number;
  readonly to: number | undefined;
}

/**
 * Default age bands. Why these cut points: 0–17 are minors (a separate 少儿 rate in most 惠民保 and in the
 * basic-insurance 居民 scheme); 18–39 and 40–59 split working age where chronic disease incidence starts to
 * rise; 60 is the retirement age and the age from which 惠民保 disclosures report claims separately (the
 * "60+" share of the anti-selection monitor, item 6); 70+ is kept apart from 60–69 because hospital cost per
 * person roughly doubles again after 70 and mixing them would let one subsidise the other. Five bands keep
 * each cell large enough to carry some credibility in a prefecture-sized pool.
 */
export const DEFAULT_AGE_BANDS: readonly AgeBand[] = [
  { from: 0, to: 17 },
  { from: 18, to: 39 },
  { from: 40, to: 59 },
  { from: 60, to: 69 },
  { from: 70, to: undefined },
];

/** What pricing knows of a person. `age`/`sex` undefined = unknown (no birth date / gend on record). */
export interface PersonFacts {
  readonly age: number | undefined;
  readonly sex: "1" | "2" | undefined;
  readonly preExisting: boolean;
}

export interface RateGroup {
  /** Stable machine key, e.g. "age:60-69|sex:2|health:pre" ("all" when no dimension is used). */
  readonly key: string;
  /** Chinese label, e.g. "60–69岁 · 女 · 既往症". */
  readonly label: string;
  readonly ageBand?: AgeBand;
  readonly sex?: "1" | "2";
  readonly preExisting?: boolean;
}

/** The premium variant condition a group stands for (product schema v2 premium `when`). */
export interface PremiumWhen {
  readonly ageFrom?: number;
  readonly ageTo?: number;
  readonly sex?: "1" | "2";
  readonly preExisting?: boolean;
}

/** The group of everyone: no dimension, or the pool. */
export const WHOLE_POOL_KEY = "all";
const WHOLE_POOL_LABEL = "全体";
/** Label of a person whose age or sex is not known, when that dimension is used. */
const UNKNOWN_AGE_LABEL = "年龄不详";
const UNKNOWN_SEX_LABEL = "性别不详";

export function ageBandLabel(b: AgeBand): string {
  return b.to === undefined ? `${b.from}岁及以上` : `${b.from}–${b.to}岁`;
}

function ageBandKey(b: AgeBand): string {
  return b.to === undefined ? `${b.from}+` : `${b.from}-${b.to}`;
}

export function sexLabel(sex: "1" | "2"): string {
  return sex === "1" ? "男" : "女";
}

export function healthLabel(preExisting: boolean): string {
  return preExisting ? "既往症" : "非既往症";
}

/** The band an age falls in (first that holds), else undefined. */
export function bandOf(age: number, bands: readonly AgeBand[]): AgeBand | undefined {
  return bands.find((b) => age >= b.from && (b.to === undefined || age <= b.to));
}

/**
 * The person's group under the chosen dimensions (in the fixed order age, sex, health whatever order they were
 * given). An unknown age or sex puts the person in an "不详" cell of that dimension, which has no premium
 * variant of its own (it prices at the base premium; premiumWhenOf returns undefined for it).
 */
export function rateGroupOf(
  p: PersonFacts,
  dims: readonly RateDimension[],
  bands: readonly AgeBand[] = DEFAULT_AGE_BANDS,
): RateGroup {
  const keys: string[] = [];
  const labels: string[] = [];
  let ageBand: AgeBand | undefined;
  let sex: "1" | "2" | undefined;
  let preExisting: boolean | undefined;
  if (dims.includes("age")) {
    ageBand = p.age === undefined ? undefined : bandOf(p.age, bands);
    if (ageBand === undefined) {
      keys.push("age:unknown");
      labels.push(UNKNOWN_AGE_LABEL);
    } else {
      keys.push(`age:${ageBandKey(ageBand)}`);
      labels.push(ageBandLabel(ageBand));
    }
  }
  if (dims.includes("sex")) {
    sex = p.sex;
    if (sex === undefined) {
      keys.push("sex:unknown");
      labels.push(UNKNOWN_SEX_LABEL);
    } else {
      keys.push(`sex:${sex}`);
      labels.push(sexLabel(sex));
    }
  }
  if (dims.includes("health")) {
    preExisting = p.preExisting;
    keys.push(`health:${preExisting ? "pre" : "healthy"}`);
    labels.push(healthLabel(preExisting));
  }
  if (keys.length === 0) return { key: WHOLE_POOL_KEY, label: WHOLE_POOL_LABEL };
  return {
    key: keys.join("|"),
    label: labels.join(" · "),
    ...(ageBand !== undefined ? { ageBand } : {}),
    ...(sex !== undefined ? { sex } : {}),
    ...(preExisting !== undefined ? { preExisting } : {}),
  };
}

/** Is the group an "不详" cell (age or sex unknown)? Such cells price at the base premium. */
export function isUnknownGroup(g: RateGroup): boolean {
  return g.key.includes(":unknown");
}

/**
 * The premium variant `when` of a group, or undefined for the whole pool and "不详" cells (they take the base
 * premium: a variant cannot name "unknown age").
 */
export function premiumWhenOf(g: RateGroup): PremiumWhen | undefined {
  if (g.key === WHOLE_POOL_KEY || isUnknownGroup(g)) return undefined;
  return {
    ...(g.ageBand !== undefined ? { ageFrom: g.ageBand.from } : {}),
    ...(g.ageBand?.to !== undefined ? { ageTo: g.ageBand.to } : {}),
    ...(g.sex !== undefined ? { sex: g.sex } : {}),
    ...(g.preExisting !== undefined ? { preExisting: g.preExisting } : {}),
  };
}

/** Every group the dimensions produce (unknown cells excluded), in table order. */
export function allRateGroups(
  dims: readonly RateDimension[],
  bands: readonly AgeBand[] = DEFAULT_AGE_BANDS,
): RateGroup[] {
  const ages: (number | undefined)[] = dims.includes("age") ? bands.map((b) => b.from) : [undefined];
  const sexes: ("1" | "2" | undefined)[] = dims.includes("sex") ? ["1", "2"] : [undefined];
  const health: boolean[] = dims.includes("health") ? [false, true] : [false];
  const out: RateGroup[] = [];
  for (const age of ages)
    for (const sex of sexes)
      for (const preExisting of health) out.push(rateGroupOf({ age, sex, preExisting }, dims, bands));
  return out;
}

/** "age,sex,health" (any order, any subset, no repeats; "" or "none" = one pool) → the dimensions. */
export function parseRateDimensions(
  text: string,
): { ok: true; value: RateDimension[] } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "none") return { ok: true, value: [] };
  const out: RateDimension[] = [];
  for (const part of trimmed.split(",").map((s) => s.trim())) {
    if (!(RATE_DIMENSIONS as readonly string[]).includes(part))
      return {
        ok: false,
        message: `--groups 的“${part}”不是分组维度，应为 age（年龄）、sex（性别）、health（既往症）中的一个或几个，用逗号分隔`,
      };
    if (out.includes(part as RateDimension)) return { ok: false, message: `--groups 的“${part}”重复` };
    out.push(part as RateDimension);
  }
  // Fixed order so keys and tables do not depend on how the user typed the list.
  return { ok: true, value: RATE_DIMENSIONS.filter((d) => out.includes(d)) };
}

/**
 * "0-17,18-39,40-59,60-69,70+" → age bands; must start at 0, be contiguous and end open, so every age falls in
 * exactly one band.
 */
export function parseAgeBands(text: string): { ok: true; value: AgeBand[] } | { ok: false; message: string } {
  const bands: AgeBand[] = [];
  for (const part of text.split(",").map((s) => s.trim())) {
    const open = /^(\d{1,3})\+$/.exec(part);
    const closed = /^(\d{1,3})-(\d{1,3})$/.exec(part);
    if (open !== null) bands.push({ from: Number(open[1]), to: undefined });
    else if (closed !== null) bands.push({ from: Number(closed[1]), to: Number(closed[2]) });
    else return { ok: false, message: `--age-bands 的“${part}”应写成 起-止 或 起+（例如 0-17,18-39,60+）` };
  }
  let next = 0;
  for (const [i, b] of bands.entries()) {
    if (b.from !== next)
      return { ok: false, message: `--age-bands 应从 0 岁起连续分段，第 ${i + 1} 段应从 ${next} 岁开始` };
    if (b.to === undefined) {
      if (i !== bands.length - 1)
        return { ok: false, message: "--age-bands 只有最后一段可以不设上限（起+）" };
      return { ok: true, value: bands };
    }
    if (b.to < b.from) return { ok: false, message: `--age-bands 第 ${i + 1} 段的上限小于下限` };
    next = b.to + 1;
  }
  return { ok: false, message: "--age-bands 最后一段应不设上限（例如 70+），使每个年龄都有所属分段" };
}
