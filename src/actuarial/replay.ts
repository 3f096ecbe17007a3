/**
 * Replay (精算回放): one year of settlements adjudicated under several candidate designs (product + plan) at once,
 * with the figures an actuary and a 医保局 compare — payout, loss ratio, burden reduction, who gets what, and
 * the designs' standing against every registered rule set. Pure: lines in, figures out, no I/O.
 *
 * Each line is parsed once; the parsed (immutable) settlement is handed to one AdjudicationBatch per design,
 * so every design keeps its own history and accumulators and its results are exactly `hmb adjudicate`'s for
 * that design on the same file (same grouping by person or family, same setl_time order).
 */
import { checkProduct } from "../compliance/check.js";
import { listRuleSets } from "../compliance/rulesets/index.js";
import type { CheckContext } from "../compliance/types.js";
import { type Fen, formatYuan } from "../domain/money.js";
import { findPlan, type Product } from "../domain/product.js";
import { parseSettlementLine, type RecordError } from "../domain/settlement.js";
import { AdjudicationBatch, duplicateError } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";

/** A candidate design: a product (shipped or from a file) and one of its plans. */
export interface ReplayDesign {
  /** As the user named it, e.g. "wenshan-2023:standard" or "./proposed.json:standard". */
  readonly label: string;
  readonly product: Product;
  readonly planId: string;
}

/**
 * Bands of a person's yearly payout under a design, in fen, upper bound inclusive: 0, (0, 1万], (1万, 5万],
 * (5万, 10万], (10万, 50万], > 50万 — the brackets 惠民保 disclosures and 精算回溯 reports use to show how far
 * the money reaches (many small payouts vs a few large ones).
 */
const WAN: Fen = 1_000_000; // 1万元 in fen
export const PAYOUT_BAND_UPPER_BOUNDS: readonly Fen[] = [0, WAN, 5 * WAN, 10 * WAN, 50 * WAN];

export interface PayoutBand {
  /** Lower bound (exclusive; the first band is exactly 0) and upper bound (inclusive; undefined = open). */
  readonly fromFen: Fen | undefined;
  readonly toFen: Fen | undefined;
  readonly persons: number;
  readonly hmbPay: Fen;
}

export interface ComplianceCount {
  readonly pass: number;
  readonly fail: number;
}

export interface DesignReplay {
  readonly design: string;
  /** Every valid record of the file, covered or not (history outside coverage included), as `hmb adjudicate` outputs them. */
  readonly claims: number;
  readonly paidClaims: number;
  readonly hmbPay: Fen;
  /** Persons whose payout over the year is above zero. */
  readonly beneficiaries: number;
  /** insured × the plan's base premium (0 when the insured count is not given). */
  readonly premium: Fen;
  /** hmb_pay ÷ premium, 4 places half-up; undefined when premium is 0. */
  readonly lossRatio: string | undefined;
  /** psn_part_amt summed over covered records (status paid or zero): the burden the design addressed. */
  readonly coveredBurden: Fen;
  /** hmb_pay ÷ coveredBurden, 4 places half-up; undefined when coveredBurden is 0. */
  readonly burdenReduction: string | undefined;
  /** Persons who appear in the file, by their yearly payout. */
  readonly payoutDistribution: readonly PayoutBand[];
  /** Rule set id → pass/fail finding counts (not_applicable findings are not counted). */
  readonly compliance: Readonly<Record<string, ComplianceCount>>;
}

/** A line of the file that is not a valid settlement record: 1-based line number, the field, why. */
export interface ReplayLineError {
  readonly line: number;
  readonly error: RecordError;
}

export type ReplayResult =
  | { readonly ok: true; readonly designs: readonly DesignReplay[] }
  | { readonly ok: false; readonly errors: readonly ReplayLineError[]; readonly errorCount: number };

/** How many bad lines are kept for the message; the count covers them all. */
export const MAX_REPORTED_LINE_ERRORS = 20;

const RATIO_PLACES = 4;
const RATIO_SCALE = 10n ** BigInt(RATIO_PLACES);

/**
 * numerator ÷ denominator as a decimal string with 4 places, rounded half up, in exact integer arithmetic
 * (BigInt, so no float error and no overflow): q = floor((2·n·10⁴ + d) / (2·d)). Both non-negative.
 * undefined when the denominator is 0.
 */
export function ratio4(numerator: number, denominator: number): string | undefined {
  if (denominator === 0) return undefined;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const q = (2n * n * RATIO_SCALE + d) / (2n * d);
  const whole = q / RATIO_SCALE;
  const frac = (q % RATIO_SCALE).toString().padStart(RATIO_PLACES, "0");
  return `${whole}.${frac}`;
}

/**
 * Accumulates a file line by line, then adjudicates it under every design. `insured`: the number of insured
 * persons the premium is counted on (the file holds only claimants); 0 or undefined → premium 0.
 */
export class Replay {
  private readonly batches: AdjudicationBatch[];
  private readonly seenSetlIds = new Set<string>();
  private readonly errors: ReplayLineError[] = [];
  private errorCount = 0;
  private lineNumber = 0;

  /**
   * `premiumsFen`, when given, is each design's premium for the whole population (a stored program's enrolled
   * persons priced under the design's plan) and replaces insured × base premium.
   */
  constructor(
    private readonly designs: readonly ReplayDesign[],
    private readonly insured = 0,
    private readonly premiumsFen?: readonly Fen[],
  ) {
    // compilePlan throws on an unknown plan: callers check plans first (planProblem) for a friendly message.
    this.batches = designs.map((d) => new AdjudicationBatch(compilePlan(d.product, d.planId)));
  }

  /** One input line (without its newline). Parsed once, shared by every design. */
  add(line: string): void {
    this.lineNumber++;
    const parsed = parseSettlementLine(line);
    if (!parsed.ok) {
      this.fail(parsed.error);
      return;
    }
    const setlId = parsed.settlement.setlId;
    if (this.seenSetlIds.has(setlId)) {
      this.fail(duplicateError(setlId));
      return;
    }
    this.seenSetlIds.add(setlId);
    // Once the file is known bad nothing is reported, so stop holding settlements.
    if (this.errorCount > 0) return;
    for (const batch of this.batches) batch.addParsed(line, parsed);
  }

  private fail(error: RecordError): void {
    this.errorCount++;
    if (this.errors.length < MAX_REPORTED_LINE_ERRORS) this.errors.push({ line: this.lineNumber, error });
  }

  /**
   * The figures per design, in the order given — or, when any line is bad, the bad lines and nothing else: a
   * replay that silently left records out would understate every design.
   */
  finish(): ReplayResult {
    if (this.errorCount > 0) return { ok: false, errors: this.errors, errorCount: this.errorCount };
    const designs = this.designs.map((design, i) =>
      this.replayOne(design, this.batches[i] as AdjudicationBatch, this.premiumsFen?.[i]),
    );
    return { ok: true, designs };
  }

  private replayOne(
    design: ReplayDesign,
    batch: AdjudicationBatch,
    premiumFen: Fen | undefined,
  ): DesignReplay {
    const premium = premiumFen ?? this.insured * findPlan(design.product, design.planId).premium.base;
    return designReplay(design, replayTotals(batch), premium);
  }
}

/**
 * What one design's replay adds up over a batch: the counts and sums, and the persons by yearly payout band.
 * Totals of batches holding disjoint sets of persons (worker threads, src/cli/parallel.ts) add up to the
 * totals of one batch holding them all.
 */
export interface ReplayTotals {
  claims: number;
  paidClaims: number;
  hmbPay: Fen;
  coveredBurden: Fen;
  beneficiaries: number;
  /** Per band of PAYOUT_BAND_UPPER_BOUNDS (plus the open band): persons and their payout. */
  bandPersons: number[];
  bandPay: Fen[];
}

/** Drains (consumes) the batch of one design into its totals. */
export function replayTotals(batch: AdjudicationBatch): ReplayTotals {
  let claims = 0;
  let paidClaims = 0;
  let hmbPay = 0;
  let coveredBurden = 0;
  const perPerson = new Map<string, Fen>();
  for (const entry of batch.drain()) {
    // Every line was checked on the way in; an error entry here would be a bug in the batch.
    if (entry.kind !== "result") throw new Error(`replay: unexpected batch error for ${entry.setlId}`);
    const a = entry.adjudication;
    claims++;
    if (a.hmbPay > 0) paidClaims++;
    hmbPay += a.hmbPay;
    if (a.status !== "not_covered") coveredBurden += a.personBurden;
    perPerson.set(a.psnNo, (perPerson.get(a.psnNo) ?? 0) + a.hmbPay);
  }
  let beneficiaries = 0;
  for (const paid of perPerson.values()) if (paid > 0) beneficiaries++;
  const bands = payoutBands(perPerson.values());
  return {
    claims,
    paidClaims,
    hmbPay,
    coveredBurden,
    beneficiaries,
    bandPersons: bands.map((b) => b.persons),
    bandPay: bands.map((b) => b.hmbPay),
  };
}

/** The sum of totals over disjoint sets of persons. */
export function addReplayTotals(a: ReplayTotals, b: ReplayTotals): ReplayTotals {
  return {
    claims: a.claims + b.claims,
    paidClaims: a.paidClaims + b.paidClaims,
    hmbPay: a.hmbPay + b.hmbPay,
    coveredBurden: a.coveredBurden + b.coveredBurden,
    beneficiaries: a.beneficiaries + b.beneficiaries,
    bandPersons: a.bandPersons.map((n, i) => n + (b.bandPersons[i] ?? 0)),
    bandPay: a.bandPay.map((n, i) => n + (b.bandPay[i] ?? 0)),
  };
}

/** A design's figures from its totals and its premium (fen). */
export function designReplay(design: ReplayDesign, totals: ReplayTotals, premium: Fen): DesignReplay {
  const bounds = PAYOUT_BAND_UPPER_BOUNDS;
  return {
    design: design.label,
    claims: totals.claims,
    paidClaims: totals.paidClaims,
    hmbPay: totals.hmbPay,
    beneficiaries: totals.beneficiaries,
    premium,
    lossRatio: ratio4(totals.hmbPay, premium),
    coveredBurden: totals.coveredBurden,
    burdenReduction: ratio4(totals.hmbPay, totals.coveredBurden),
    payoutDistribution: totals.bandPersons.map((persons, i) => ({
      fromFen: i === 0 ? undefined : bounds[i - 1],
      toFen: bounds[i],
      persons,
      hmbPay: totals.bandPay[i] ?? 0,
    })),
    compliance: complianceCounts(design.product, premium, totals.hmbPay),
  };
}

/** Persons by yearly payout into PAYOUT_BAND_UPPER_BOUNDS, plus the open band above the last bound. */
export function payoutBands(payouts: Iterable<Fen>): PayoutBand[] {
  const bounds = PAYOUT_BAND_UPPER_BOUNDS;
  const persons = new Array<number>(bounds.length + 1).fill(0);
  const amounts = new Array<number>(bounds.length + 1).fill(0);
  for (const p of payouts) {
    let band = bounds.findIndex((upper) => p <= upper);
    if (band < 0) band = bounds.length;
    persons[band] = (persons[band] ?? 0) + 1;
    amounts[band] = (amounts[band] ?? 0) + p;
  }
  return persons.map((count, i) => ({
    fromFen: i === 0 ? undefined : bounds[i - 1],
    toFen: bounds[i],
    persons: count,
    hmbPay: amounts[i] ?? 0,
  }));
}

/**
 * Pass/fail counts of checkProduct for every registered rule set. With a premium, the replayed year is given
 * as operating figures (earned premium = premium, incurred claims = hmb_pay), so loss-ratio floors are judged
 * on the replay rather than left not_applicable.
 */
function complianceCounts(product: Product, premium: Fen, hmbPay: Fen): Record<string, ComplianceCount> {
  const context: CheckContext =
    premium > 0 ? { operating: { earnedPremiumFen: premium, incurredClaimsFen: hmbPay } } : {};
  const out: Record<string, ComplianceCount> = {};
  for (const ruleSet of listRuleSets()) {
    let pass = 0;
    let fail = 0;
    for (const f of checkProduct(product, ruleSet, context)) {
      if (f.status === "pass") pass++;
      else if (f.status === "fail") fail++;
    }
    out[ruleSet.id] = { pass, fail };
  }
  return out;
}

/** Chinese problem when the product has no such plan (listing its plans); undefined when it has. */
export function planProblem(product: Product, planId: string): string | undefined {
  if (product.plans.some((p) => p.id === planId)) return undefined;
  return `产品 ${product.id} 没有方案 ${planId}；可选：${product.plans.map((p) => p.id).join("、")}`;
}

/** Band label on the wire: "0", "(0,10000]", …, ">500000" — yuan, upper bound inclusive. */
export function bandKey(b: PayoutBand): string {
  const y = (fen: Fen) => String(fen / 100);
  if (b.fromFen === undefined) return y(b.toFen ?? 0);
  if (b.toFen === undefined) return `>${y(b.fromFen)}`;
  return `(${y(b.fromFen)},${y(b.toFen)}]`;
}

/**
 * One design on the wire (`hmb replay --json`, POST /programs/{id}/replays): the contract's keys in contract
 * order, amounts as 2-decimal yuan strings, ratios as 4-place strings or null. The one place replay figures
 * are mapped out, as engine/wire.ts is for adjudications.
 */
export function replayWire(d: DesignReplay) {
  return {
    design: d.design,
    claims: d.claims,
    paid_claims: d.paidClaims,
    hmb_pay: formatYuan(d.hmbPay),
    beneficiaries: d.beneficiaries,
    premium: formatYuan(d.premium),
    loss_ratio: d.lossRatio ?? null,
    burden_reduction: d.burdenReduction ?? null,
    payout_distribution: d.payoutDistribution.map((b) => ({
      band: bandKey(b),
      persons: b.persons,
      hmb_pay: formatYuan(b.hmbPay),
    })),
    compliance: d.compliance,
  };
}
