/**
 * Pricing by rate group (费率厘定, issue 13 item 4; docs/pricing.md). From one year's experience replayed under
 * a candidate design, the expected cost per insured person of each rate group (age band × sex × pre-existing
 * status, src/actuarial/rate-groups.ts), credibility-weighted toward the whole pool, trended and loaded for
 * IBNR, and the premium per group at a target loss ratio — written out as product-file premium variants.
 * Pure: lines and a population in, figures out, no I/O.
 *
 * Method (every formula in docs/pricing.md):
 *  1. Replay: each person's yearly hmb_pay under the design = the sum of `AdjudicationBatch` results of their
 *     records (exactly `hmb adjudicate` / `hmb replay` for that design).
 *  2. Per group g: exposure m_g (insured persons, one policy year each), claimants c_g (persons with
 *     hmb_pay > 0), S_g = Σ hmb_pay, frequency c_g/m_g, severity S_g/c_g, pure premium X_g = S_g/m_g.
 *  3. Credibility: Bühlmann–Straub (1970) with exposure weights m_g — the structure parameters estimated from
 *     the experience itself (nonparametric estimators, Bühlmann & Gisler 2005 §4.8): within-group variance
 *     s² of a person's yearly cost, between-group variance a; k = s²/a, Z_g = m_g/(m_g + k), credible cost
 *     C_g = Z_g X_g + (1 − Z_g) μ̂ with μ̂ = Σ Z_g X_g / Σ Z_g. Why Bühlmann–Straub rather than limited
 *     fluctuation: (a) it weighs a group by how different the groups really are (a) against how noisy one
 *     person's cost is (s²) — 惠民保 costs are extremely skewed (a few 50万 claims), which a claim-count
 *     standard such as 1082 ignores; (b) it handles unequal exposures directly; (c) with μ̂ as the
 *     Z-weighted mean the credible costs reproduce the pool's total exactly (balance property, Bühlmann &
 *     Gisler 2005 Thm 4.5 / its proof), so the priced table lands on the target loss ratio for the whole pool.
 *     When a ≤ 0 (no detectable difference between groups) every Z is 0 and every group takes the pool mean.
 *  4. Projection: P_g = C_g × (1 + ibnr) × (1 + trend)^years — IBNR loads claims not yet reported at the
 *     experience cut-off, trend carries the experience year's costs to the priced year.
 *  5. Premium: G_g = P_g ÷ LR (target loss ratio), rounded UP to whole yuan. The expense rate e is the part
 *     of G_g kept for expenses; the rest, 1 − LR − e, is margin (must be ≥ 0). Rounded up because published
 *     premium tables are in whole yuan and rounding down would price every group (and the pool) below the
 *     target. Floats are used inside the statistics only; every money figure is rounded explicitly once to
 *     integer fen (costs half-up, premiums up to whole yuan).
 */
import { type Fen, formatYuan } from "../domain/money.js";
import { ageAt } from "../domain/premium.js";
import { findPlan, type Product } from "../domain/product.js";
import { parseSettlementLine, type Settlement } from "../domain/settlement.js";
import { AdjudicationBatch } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";
import { derivePreExisting } from "../engine/preexisting.js";
import {
  type AgeBand,
  DEFAULT_AGE_BANDS,
  isUnknownGroup,
  type PersonFacts,
  type PremiumWhen,
  premiumWhenOf,
  type RateDimension,
  type RateGroup,
  rateGroupOf,
  WHOLE_POOL_KEY,
} from "./rate-groups.js";
import { MAX_REPORTED_LINE_ERRORS, type ReplayDesign, type ReplayLineError } from "./replay.js";

/** Default target loss ratio: the 85 % 惠民保 programs commonly commit to (and 医保局 agreements ask for). */
export const DEFAULT_TARGET_LOSS_RATIO = 0.85;
/** Default expense rate: 10 % of premium (operation, claims handling, distribution) — docs/pricing.md. */
export const DEFAULT_EXPENSE_RATE = 0.1;
/**
 * Default annual medical cost trend: 5 %. Hospital spending per insured in China has grown by roughly 5–8 % a
 * year (国家医保局 statistical bulletins); 5 % is the low end, stated so an actuary overrides it knowingly.
 */
export const DEFAULT_TREND = 0.05;
/** Years from the experience year to the priced year: next year's product. */
export const DEFAULT_TREND_YEARS = 1;
/** IBNR loading of a file's experience when not given: none (the file is taken as complete). */
export const DEFAULT_IBNR_FACTOR = 0;

const FEN_PER_YUAN = 100;
/** Tolerance of the upward rounding against float noise (fen): 120.0000001 yuan is 120, not 121. */
const ROUNDING_EPSILON_FEN = 1e-6;

export const CREDIBILITY_METHOD = "buhlmann_straub";
export const PREMIUM_FORMULA =
  "premium = ceil_yuan(credible_cost × (1 + ibnr) × (1 + trend)^years ÷ target_loss_ratio)";

/** Who was insured. `persons`: each enrolled person (a stored program); `census`: counts per cell; `insured`: a bare total. */
export type PricingPopulation =
  | {
      readonly kind: "persons";
      readonly persons: readonly {
        readonly psnNo: string;
        readonly birthDate: string | undefined;
        readonly sex: "1" | "2" | undefined;
      }[];
    }
  | {
      readonly kind: "census";
      readonly cells: readonly {
        readonly age: number | undefined;
        readonly sex: "1" | "2" | undefined;
        readonly preExisting: boolean;
        readonly count: number;
      }[];
    }
  | { readonly kind: "insured"; readonly count: number };

export interface PricingOptions {
  readonly dims: readonly RateDimension[];
  readonly bands?: readonly AgeBand[];
  readonly targetLossRatio?: number;
  readonly expenseRate?: number;
  readonly trend?: number;
  readonly trendYears?: number;
  readonly ibnrFactor?: number;
}

export interface GroupPrice {
  readonly group: RateGroup;
  /** Insured persons (policy years). */
  readonly exposure: number;
  /** Persons with hmb_pay > 0 under the design. */
  readonly claimants: number;
  /** Σ hmb_pay, fen. */
  readonly hmbPay: Fen;
  /** claimants ÷ exposure (0 when no exposure). */
  readonly frequency: number;
  /** hmb_pay per claimant, fen (rounded half-up once; 0 without claimants). */
  readonly severity: Fen;
  /** hmb_pay per insured, fen (rounded once). */
  readonly purePremium: Fen;
  /** Bühlmann–Straub credibility factor 0 … 1. */
  readonly credibility: number;
  /** Z·X_g + (1−Z)·μ̂, fen per insured (rounded once). */
  readonly credibleCost: Fen;
  /** credible cost × IBNR × trend, fen per insured (rounded once). */
  readonly projectedCost: Fen;
  /** Premium per insured, whole yuan in fen. */
  readonly premium: Fen;
  /** The premium variant condition; undefined for an "不详" cell (it pays the base premium). */
  readonly when: PremiumWhen | undefined;
}

export interface PremiumTable {
  readonly base: Fen;
  readonly variants: readonly { readonly when: PremiumWhen; readonly amount: Fen; readonly label: string }[];
}

export interface PricingResult {
  readonly design: string;
  readonly dims: readonly RateDimension[];
  readonly populationKind: PricingPopulation["kind"];
  readonly groups: readonly GroupPrice[];
  readonly pool: Omit<GroupPrice, "group" | "credibility" | "when">;
  /** Bühlmann–Straub structure: s² (fen²), a (fen²), k = s²/a (persons; undefined when a ≤ 0), μ̂ (fen). */
  readonly structure: {
    readonly withinVariance: number;
    readonly betweenVariance: number;
    readonly k: number | undefined;
    readonly collectiveMean: Fen;
  };
  readonly assumptions: {
    readonly targetLossRatio: number;
    readonly expenseRate: number;
    readonly marginRate: number;
    readonly trend: number;
    readonly trendYears: number;
    readonly ibnrFactor: number;
  };
  /** The premium block in product-file form (amounts in fen; yuan in the wire form). */
  readonly premium: PremiumTable;
  /** Claimants the population did not account for (persons mode: records of persons not enrolled). */
  readonly unmatchedClaimants: number;
  readonly warnings: readonly string[];
}

export type PricingOutcome =
  | { readonly ok: true; readonly result: PricingResult }
  | { readonly ok: false; readonly errors: readonly ReplayLineError[]; readonly errorCount: number };

export class PricingInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Checks the numeric assumptions; throws PricingInputError naming the option. */
export function checkAssumptions(o: PricingOptions): void {
  const lr = o.targetLossRatio ?? DEFAULT_TARGET_LOSS_RATIO;
  const e = o.expenseRate ?? DEFAULT_EXPENSE_RATE;
  if (!(lr > 0 && lr <= 1)) throw new PricingInputError("target_loss_ratio", "目标赔付率应大于 0 且不超过 1");
  if (!(e >= 0 && e < 1)) throw new PricingInputError("expense", "费用率应不小于 0 且小于 1");
  if (lr + e > 1 + 1e-12)
    throw new PricingInputError("expense", `目标赔付率 ${lr} 加费用率 ${e} 超过 1，保费不够支付赔付和费用`);
  const t = o.trend ?? DEFAULT_TREND;
  if (!(t > -1 && t < 1))
    throw new PricingInputError("trend", "年趋势率应大于 -1 且小于 1（例如 0.05 表示每年 5%）");
  const ty = o.trendYears ?? DEFAULT_TREND_YEARS;
  if (!(Number.isInteger(ty) && ty >= 0 && ty <= 10))
    throw new PricingInputError("trend_years", "趋势年数应为 0–10 的整数");
  const ibnr = o.ibnrFactor ?? DEFAULT_IBNR_FACTOR;
  if (!(ibnr >= 0 && ibnr < 10))
    throw new PricingInputError("ibnr_factor", "IBNR 系数应不小于 0（例如 0.08 表示未报告赔案为已付的 8%）");
}

/**
 * Accumulates the experience (settlement lines) and prices it under one design. Lines are parsed once;
 * bad lines are all reported and nothing is priced (a price that silently left claims out would be too low).
 */
export class Pricing {
  private readonly batch: AdjudicationBatch;
  private readonly errors: ReplayLineError[] = [];
  private errorCount = 0;
  private lineNumber = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly design: ReplayDesign) {
    this.batch = new AdjudicationBatch(compilePlan(design.product, design.planId));
  }

  add(line: string): void {
    this.lineNumber++;
    const parsed = parseSettlementLine(line);
    if (!parsed.ok) {
      this.fail({ line: this.lineNumber, error: parsed.error });
      return;
    }
    if (this.seen.has(parsed.settlement.setlId)) {
      this.fail({
        line: this.lineNumber,
        error: {
          code: "duplicate_setl_id",
          field: "setl_id",
          message: `setl_id ${parsed.settlement.setlId} 在本文件中重复`,
        },
      });
      return;
    }
    this.seen.add(parsed.settlement.setlId);
    if (this.errorCount === 0) this.batch.addParsed(line, parsed);
  }

  private fail(e: ReplayLineError): void {
    this.errorCount++;
    if (this.errors.length < MAX_REPORTED_LINE_ERRORS) this.errors.push(e);
  }

  finish(population: PricingPopulation, options: PricingOptions): PricingOutcome {
    if (this.errorCount > 0) return { ok: false, errors: this.errors, errorCount: this.errorCount };
    checkAssumptions(options);
    const claimants = this.experience();
    return { ok: true, result: priceGroups(this.design, claimants, population, options) };
  }

  /** Every person with a record (computed once): yearly hmb_pay and facts (age at coverage start, sex, pre-existing from history). */
  experience(): Map<string, { facts: PersonFacts; hmbPay: Fen }> {
    // The batch drains once; later calls (finish after a caller looked) get the same answer.
    this.cached ??= this.computeExperience();
    return this.cached;
  }

  private cached: Map<string, { facts: PersonFacts; hmbPay: Fen }> | undefined;

  private computeExperience(): Map<string, { facts: PersonFacts; hmbPay: Fen }> {
    const product = this.design.product;
    const compiled = compilePlan(product, this.design.planId);
    const events = new Map<string, Settlement[]>();
    for (let i = 0; i < this.batch.size; i++) {
      const s = this.batch.settlementAt(i);
      if (s === undefined) continue;
      const list = events.get(s.psnNo);
      if (list === undefined) events.set(s.psnNo, [s]);
      else list.push(s);
    }
    const pay = new Map<string, Fen>();
    for (const entry of this.batch.drain()) {
      if (entry.kind !== "result") continue;
      const a = entry.adjudication;
      pay.set(a.psnNo, (pay.get(a.psnNo) ?? 0) + a.hmbPay);
    }
    const out = new Map<string, { facts: PersonFacts; hmbPay: Fen }>();
    for (const [psnNo, list] of events) {
      list.sort((x, y) => x.settledAt - y.settledAt || (x.setlId < y.setlId ? -1 : 1));
      const fromId = factsOfCertno(list[0]?.certno ?? "");
      const birth =
        list.find((s) => s.person?.birthDate !== undefined)?.person?.birthDate ?? fromId.birthDate;
      const sex = list.find((s) => s.person?.sex !== undefined)?.person?.sex ?? fromId.sex;
      const pre = derivePreExisting(compiled, product.coverage.start, list).some((b) => b);
      out.set(psnNo, {
        facts: {
          age: birth === undefined ? undefined : ageAt(birth, product.coverage.start),
          sex: sex === "1" || sex === "2" ? sex : undefined,
          preExisting: pre,
        },
        hmbPay: pay.get(psnNo) ?? 0,
      });
    }
    return out;
  }
}

/**
 * Birth date and sex encoded in an 18-digit 居民身份证号 (GB 11643-1999: digits 7–14 the birth date, digit 17
 * odd for men) — used when a record carries no brdy / gend, as most exported settlement files do not.
 */
export function factsOfCertno(certno: string): { birthDate: string | undefined; sex: "1" | "2" | undefined } {
  const m = /^\d{6}(\d{4})(\d{2})(\d{2})\d{2}(\d)[\dXx]$/.exec(certno);
  if (m === null) return { birthDate: undefined, sex: undefined };
  const [, y, mo, d, s] = m as unknown as [string, string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const valid =
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(mo) - 1 &&
    date.getUTCDate() === Number(d);
  return { birthDate: valid ? `${y}-${mo}-${d}` : undefined, sex: Number(s) % 2 === 1 ? "1" : "2" };
}

interface Cell {
  group: RateGroup;
  exposure: number;
  claimants: number;
  hmbPay: number;
  /** Σ x_i² over the group's persons (fen²), for the within-group variance. */
  sumSquares: number;
}

/** The figures of pricing from person-level experience; exported for tests and the service. */
export function priceGroups(
  design: ReplayDesign,
  claimants: ReadonlyMap<string, { facts: PersonFacts; hmbPay: Fen }>,
  population: PricingPopulation,
  options: PricingOptions,
): PricingResult {
  checkAssumptions(options);
  const dims = options.dims;
  const bands = options.bands ?? DEFAULT_AGE_BANDS;
  const lr = options.targetLossRatio ?? DEFAULT_TARGET_LOSS_RATIO;
  const expenseRate = options.expenseRate ?? DEFAULT_EXPENSE_RATE;
  const trend = options.trend ?? DEFAULT_TREND;
  const trendYears = options.trendYears ?? DEFAULT_TREND_YEARS;
  const ibnrFactor = options.ibnrFactor ?? DEFAULT_IBNR_FACTOR;
  const warnings: string[] = [];
  const cells = new Map<string, Cell>();
  const cellOf = (facts: PersonFacts): Cell => {
    const group = rateGroupOf(facts, dims, bands);
    let c = cells.get(group.key);
    if (c === undefined) {
      c = { group, exposure: 0, claimants: 0, hmbPay: 0, sumSquares: 0 };
      cells.set(group.key, c);
    }
    return c;
  };
  const addClaim = (c: Cell, pay: Fen) => {
    if (pay <= 0) return;
    c.claimants++;
    c.hmbPay += pay;
    c.sumSquares += pay * pay;
  };
  let unmatched = 0;
  if (population.kind === "persons") {
    const start = design.product.coverage.start;
    for (const p of population.persons) {
      const claim = claimants.get(p.psnNo);
      const facts: PersonFacts = {
        age: p.birthDate === undefined ? undefined : ageAt(p.birthDate, start),
        sex: p.sex,
        // No record, no history: nothing shows a pre-existing condition.
        preExisting: claim?.facts.preExisting ?? false,
      };
      const c = cellOf(facts);
      c.exposure++;
      if (claim !== undefined) addClaim(c, claim.hmbPay);
    }
    const enrolled = new Set(population.persons.map((p) => p.psnNo));
    for (const [psnNo, c] of claimants) if (!enrolled.has(psnNo) && c.hmbPay > 0) unmatched++;
  } else if (population.kind === "census") {
    for (const cell of population.cells) cellOf(cell).exposure += cell.count;
    for (const c of claimants.values()) addClaim(cellOf(c.facts), c.hmbPay);
  } else {
    // A bare insured count: persons without a claim are assumed to be spread over the groups as the persons
    // who had a record are (the only mix the file shows). Frequencies then differ only through who claimed.
    const recorded = [...claimants.values()];
    if (population.count < recorded.length)
      throw new PricingInputError(
        "insured",
        `参保人数 ${population.count} 少于有结算记录的人数 ${recorded.length}`,
      );
    for (const c of recorded) addClaim(cellOf(c.facts), c.hmbPay);
    const byCell = new Map<string, number>();
    for (const c of recorded) {
      const key = rateGroupOf(c.facts, dims, bands).key;
      byCell.set(key, (byCell.get(key) ?? 0) + 1);
    }
    const others = population.count - recorded.length;
    const allCells = [...cells.values()];
    for (const c of allCells) c.exposure = byCell.get(c.group.key) ?? 0;
    if (recorded.length > 0) {
      // Largest-remainder split of the non-claimants so exposures stay whole persons and add up exactly.
      const shares = allCells.map((c) => (others * c.exposure) / recorded.length);
      const floors = shares.map(Math.floor);
      let left = others - floors.reduce((a, b) => a + b, 0);
      const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
      for (const [, i] of order) {
        if (left <= 0) break;
        floors[i] = (floors[i] as number) + 1;
        left--;
      }
      allCells.forEach((c, i) => {
        c.exposure += floors[i] as number;
      });
    }
    warnings.push(
      "只给了参保总人数（--insured）：未出险者按有结算记录者的分组比例分摊，各组暴露数是估计值；有参保名册时请用 --population。",
    );
  }
  for (const c of cells.values()) {
    if (c.claimants > c.exposure)
      throw new PricingInputError(
        "population",
        `分组 ${c.group.label} 的出险人数 ${c.claimants} 多于参保人数 ${c.exposure}：参保人口与结算记录对不上`,
      );
  }
  const ordered = [...cells.values()]
    .filter((c) => c.exposure > 0)
    .sort((a, b) => orderKey(a.group, bands).localeCompare(orderKey(b.group, bands)));
  const totalExposure = ordered.reduce((s, c) => s + c.exposure, 0);
  const totalPay = ordered.reduce((s, c) => s + c.hmbPay, 0);
  const totalClaimants = ordered.reduce((s, c) => s + c.claimants, 0);
  const poolMean = totalExposure === 0 ? 0 : totalPay / totalExposure;

  // Bühlmann–Straub nonparametric structure estimators (Bühlmann & Gisler 2005 §4.8), weights = exposure,
  // one observation per person (a person-year's cost x_i).
  const means = ordered.map((c) => c.hmbPay / c.exposure);
  const withinDf = ordered.reduce((s, c) => s + (c.exposure - 1), 0);
  const withinSS = ordered.reduce((s, c, i) => s + c.sumSquares - c.exposure * (means[i] as number) ** 2, 0);
  const s2 = withinDf > 0 ? Math.max(0, withinSS / withinDf) : 0;
  const G = ordered.length;
  const between = ordered.reduce((s, c, i) => s + c.exposure * ((means[i] as number) - poolMean) ** 2, 0);
  const cDenom = totalExposure - ordered.reduce((s, c) => s + c.exposure ** 2, 0) / (totalExposure || 1);
  const a = G > 1 && cDenom > 0 ? (between - (G - 1) * s2) / cDenom : 0;
  const k = a > 0 ? s2 / a : undefined;
  const Z = ordered.map((c) => (k === undefined ? 0 : c.exposure / (c.exposure + k)));
  const zSum = Z.reduce((s, z) => s + z, 0);
  const mu = zSum > 0 ? Z.reduce((s, z, i) => s + z * (means[i] as number), 0) / zSum : poolMean;
  const load = (1 + ibnrFactor) * (1 + trend) ** trendYears;
  const premiumOf = (projectedFen: number): Fen =>
    Math.max(0, Math.ceil(projectedFen / lr / FEN_PER_YUAN - ROUNDING_EPSILON_FEN)) * FEN_PER_YUAN;

  const groups: GroupPrice[] = ordered.map((c, i) => {
    const z = Z[i] as number;
    const x = means[i] as number;
    const credible = z * x + (1 - z) * mu;
    const projected = credible * load;
    return {
      group: c.group,
      exposure: c.exposure,
      claimants: c.claimants,
      hmbPay: c.hmbPay,
      frequency: c.claimants / c.exposure,
      severity: c.claimants === 0 ? 0 : Math.round(c.hmbPay / c.claimants),
      purePremium: Math.round(x),
      credibility: z,
      credibleCost: Math.round(credible),
      projectedCost: Math.round(projected),
      premium: premiumOf(projected),
      when: premiumWhenOf(c.group),
    };
  });
  const poolProjected = poolMean * load;
  const pool = {
    exposure: totalExposure,
    claimants: totalClaimants,
    hmbPay: totalPay,
    frequency: totalExposure === 0 ? 0 : totalClaimants / totalExposure,
    severity: totalClaimants === 0 ? 0 : Math.round(totalPay / totalClaimants),
    purePremium: Math.round(poolMean),
    credibleCost: Math.round(poolMean),
    projectedCost: Math.round(poolProjected),
    premium: premiumOf(poolProjected),
  };
  if (groups.some((g) => g.when === undefined && g.group.key !== WHOLE_POOL_KEY))
    warnings.push("部分参保人年龄或性别不详：这些人不单列费率，按基准保费（全体）收取。");
  if (k === undefined && G > 1)
    warnings.push("各组经验差异不超过随机波动（组间方差 ≤ 0）：可信度均为 0，各组都取全体平均成本。");
  if (unmatched > 0) warnings.push(`${unmatched} 名有赔付者不在参保人口中，未计入。`);
  const variants = groups
    .filter((g) => g.when !== undefined && !isUnknownGroup(g.group))
    .map((g) => ({ when: g.when as PremiumWhen, amount: g.premium, label: g.group.label }));
  return {
    design: design.label,
    dims,
    populationKind: population.kind,
    groups,
    pool,
    structure: { withinVariance: s2, betweenVariance: a, k, collectiveMean: Math.round(mu) },
    assumptions: {
      targetLossRatio: lr,
      expenseRate,
      marginRate: Math.max(0, Math.round((1 - lr - expenseRate) * 1e6) / 1e6),
      trend,
      trendYears,
      ibnrFactor,
    },
    premium: { base: pool.premium, variants },
    unmatchedClaimants: unmatched,
    warnings,
  };
}

/** Table order: age band ascending, then sex, then health; "不详" cells last. */
function orderKey(g: RateGroup, bands: readonly AgeBand[]): string {
  const band = g.ageBand === undefined ? 999 : bands.indexOf(g.ageBand);
  const unknown = isUnknownGroup(g) ? "1" : "0";
  return `${unknown}${String(band).padStart(3, "0")}${g.sex ?? "9"}${g.preExisting === true ? "1" : "0"}`;
}

/** The premium a person pays under a priced table (first matching variant, else base) — for checks. */
export function tablePremium(table: PremiumTable, facts: PersonFacts): Fen {
  for (const v of table.variants) {
    const w = v.when;
    if (w.ageFrom !== undefined && (facts.age === undefined || facts.age < w.ageFrom)) continue;
    if (w.ageTo !== undefined && (facts.age === undefined || facts.age > w.ageTo)) continue;
    if (w.sex !== undefined && facts.sex !== w.sex) continue;
    if (w.preExisting !== undefined && facts.preExisting !== w.preExisting) continue;
    return v.amount;
  }
  return table.base;
}

/** The design's plan with the priced table as its premium (a product to write back or replay). */
export function withPricedPremium(product: Product, planId: string, table: PremiumTable): Product {
  const copy = structuredClone(product);
  const plan = findPlan(copy, planId);
  (plan as { premium: unknown }).premium = {
    base: table.base,
    variants: table.variants.map((v) => ({ when: { ...v.when }, amount: v.amount, label: v.label })),
  };
  return copy;
}

const RATE_PLACES = 4;

/** A rate (frequency, Z) as a fixed 4-place decimal string: floats stay inside the statistics. */
function rate4(x: number): string {
  return x.toFixed(RATE_PLACES);
}

/**
 * The documented JSON (`hmb price --json`, POST /programs/{id}/pricing; docs/pricing.md): money as yuan strings
 * with 2 decimals, rates as 4-place decimal strings; `premium` in product-file form (yuan numbers, as product
 * files write amounts).
 */
export function pricingWire(r: PricingResult) {
  const yuanNumber = (fen: Fen) => fen / FEN_PER_YUAN;
  return {
    design: r.design,
    groups_by: [...r.dims],
    population: r.populationKind,
    methods: {
      credibility: CREDIBILITY_METHOD,
      premium_formula: PREMIUM_FORMULA,
      ibnr: r.assumptions.ibnrFactor === 0 ? "none" : "factor",
      trend: "compound_annual",
    },
    assumptions: {
      target_loss_ratio: rate4(r.assumptions.targetLossRatio),
      expense: rate4(r.assumptions.expenseRate),
      margin: rate4(r.assumptions.marginRate),
      trend: rate4(r.assumptions.trend),
      trend_years: r.assumptions.trendYears,
      ibnr_factor: rate4(r.assumptions.ibnrFactor),
    },
    structure: {
      within_variance_yuan2: (r.structure.withinVariance / FEN_PER_YUAN ** 2).toFixed(2),
      between_variance_yuan2: (r.structure.betweenVariance / FEN_PER_YUAN ** 2).toFixed(2),
      k: r.structure.k === undefined ? null : r.structure.k.toFixed(2),
      collective_mean: formatYuan(r.structure.collectiveMean),
    },
    groups: r.groups.map((g) => ({
      key: g.group.key,
      label: g.group.label,
      exposure: g.exposure,
      claimants: g.claimants,
      hmb_pay: formatYuan(g.hmbPay),
      frequency: rate4(g.frequency),
      severity: formatYuan(g.severity),
      pure_premium: formatYuan(g.purePremium),
      credibility: rate4(g.credibility),
      credible_cost: formatYuan(g.credibleCost),
      projected_cost: formatYuan(g.projectedCost),
      premium: formatYuan(g.premium),
    })),
    pool: {
      exposure: r.pool.exposure,
      claimants: r.pool.claimants,
      hmb_pay: formatYuan(r.pool.hmbPay),
      frequency: rate4(r.pool.frequency),
      severity: formatYuan(r.pool.severity),
      pure_premium: formatYuan(r.pool.purePremium),
      projected_cost: formatYuan(r.pool.projectedCost),
      premium: formatYuan(r.pool.premium),
    },
    premium: {
      base: yuanNumber(r.premium.base),
      variants: r.premium.variants.map((v) => ({
        when: v.when,
        amount: yuanNumber(v.amount),
        label: v.label,
      })),
    },
    warnings: [...r.warnings],
  };
}
export type PricingWire = ReturnType<typeof pricingWire>;

/**
 * A census of the insured (`--population FILE.csv`): header `age,sex,pre_existing,count`, one row per cell —
 * age in whole years at coverage start (empty = unknown), sex 1/2 (empty = unknown), pre_existing 0/1, count
 * of persons. Throws PricingInputError naming the line and column.
 */
export function parsePopulationCsv(text: string): Extract<PricingPopulation, { kind: "census" }> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  if (header.join(",") !== "age,sex,pre_existing,count")
    throw new PricingInputError("population", "--population 文件的表头应为 age,sex,pre_existing,count");
  const cells = lines.slice(1).map((line, i) => {
    const at = `--population 第 ${i + 2} 行`;
    const [age = "", sex = "", pre = "", count = ""] = line.split(",").map((c) => c.trim());
    if (age !== "" && !/^\d{1,3}$/.test(age))
      throw new PricingInputError("population", `${at} age 应为整数岁或留空`);
    if (sex !== "" && sex !== "1" && sex !== "2")
      throw new PricingInputError("population", `${at} sex 应为 1（男）、2（女）或留空`);
    if (pre !== "0" && pre !== "1")
      throw new PricingInputError("population", `${at} pre_existing 应为 0 或 1`);
    if (!/^\d{1,9}$/.test(count)) throw new PricingInputError("population", `${at} count 应为非负整数`);
    return {
      age: age === "" ? undefined : Number(age),
      sex: sex === "" ? undefined : (sex as "1" | "2"),
      preExisting: pre === "1",
      count: Number(count),
    };
  });
  if (cells.length === 0) throw new PricingInputError("population", "--population 文件没有数据行");
  return { kind: "census", cells };
}
