/**
 * The benefit engine (DESIGN.md §4). Pure: no I/O, no clock. Given a compiled plan, a policy's terms, its
 * accumulators and one validated settlement, it returns the benefit lines and updates the accumulators
 * it was handed — nothing else. Events must be fed in setl_time order (ties by setl_id); see batch.ts.
 *
 * Schema v2, per event: catalog liabilities claim their items, then fee-item liabilities claim theirs (product
 * order), each cut to what the record's bases still hold; the in/out-of-scope liabilities take what is left
 * (in-scope less the uncounted share of 乙类先行自付). A stay past coverage end counts pro rata. Each line:
 * waiting period and yearly count first (an unpaid line touches nothing), then deductible at the person's pool
 * amount (the family's pool when attached), ratio by the person condition, per-code / per-stay caps, the
 * person's liability cap, cap groups, the annual total. Lump sums come last, cut to what is left to bear.
 */
import { applyRatio, type Bps, type Fen, FULL_RATIO_BPS } from "../domain/money.js";
import { icd10InRanges } from "../domain/product.js";
import type { FeeItem, Settlement } from "../domain/settlement.js";
import { BEIJING_OFFSET_MS, type EpochMs, inPeriod } from "../domain/time.js";
import { type Accumulators, unitKey } from "./accumulators.js";
import type {
  CompiledAmountVariant,
  CompiledLiability,
  CompiledPlan,
  CompiledRatio,
  CompiledWhen,
  PolicyTerms,
} from "./compile.js";
import { DEFAULT_CLAIM_FREE_YEARS, DEFAULT_INSURED_YEARS, NO_LIMIT } from "./compile.js";

export type NotCoveredReason = "outside_coverage_period" | "med_type_not_covered" | "no_policy" | "excluded";
export type AdjudicationStatus = "paid" | "zero" | "not_covered";

/** One slice of a line's base at one ratio; more than one only when cost bands (费用分段) apply. */
export interface RatioSegment {
  readonly base: Fen;
  readonly ratioBps: Bps;
  readonly label: string | undefined;
  readonly amount: Fen;
}

/**
 * `unit`: a per-code unit cap (schema v2 `unitCaps: [{ per: "code" }]`); `stay`: a per-record cap; `burden`:
 * a lump sum cut to what the record still leaves the person to bear.
 */
export type LimitKind = "item" | "unit" | "stay" | "liability" | "cap_group" | "annual_total" | "burden";

/** A cap that cut the line: its size, what was left of it before this event, and how much it removed. */
export interface LimitApplied {
  readonly kind: LimitKind;
  readonly name: string;
  readonly limit: Fen;
  readonly remainingBefore: Fen;
  readonly cut: Fen;
}

export interface ItemPayout {
  readonly code: string;
  readonly name: string;
  readonly eligible: Fen;
  readonly payout: Fen;
}

/**
 * `waiting_period`: the liability's waiting period (schema v2) had not ended at admission; `claim_limit_reached`:
 * the liability already paid `maxClaimsPerYear` records this policy year. Neither touches an accumulator.
 */
export type LineOutcome =
  | { readonly kind: "assessed" }
  | { readonly kind: "excluded_pre_existing"; readonly condition: string }
  | { readonly kind: "not_designated_institution"; readonly institution: string }
  | { readonly kind: "waiting_period"; readonly days: number; readonly until: EpochMs }
  | { readonly kind: "claim_limit_reached"; readonly maxClaims: number };

/** A stay across the end of coverage paid pro rata (schema v2): the eligible amount before, and the days. */
export interface ProRata {
  readonly coveredDays: number;
  readonly stayDays: number;
  readonly eligibleBefore: Fen;
}

export interface BenefitLine {
  readonly liabilityIndex: number;
  readonly liabilityId: string;
  readonly liabilityName: string;
  readonly outcome: LineOutcome;
  /** The eligible amount before deductible (范围内自付 / 范围外自费 / catalog items). */
  readonly eligible: Fen;
  readonly poolIndex: number;
  readonly poolName: string | undefined;
  /** Deductible taken from the pool by this event. */
  readonly deductible: Fen;
  /** What is left in the pool after this event (NO_LIMIT when no pool). */
  readonly deductibleRemaining: Fen;
  readonly segments: readonly RatioSegment[];
  /** Sum of segments before caps. */
  readonly computed: Fen;
  readonly limits: readonly LimitApplied[];
  readonly payout: Fen;
  readonly items: readonly ItemPayout[];
  /** Schema v2, present only when they apply (a v1 line has none of them): */
  /** 定额给付: the lump sum of the liability (then `eligible` is the lump sum and there is no deductible). */
  readonly lumpSum?: Fen;
  /** The stay crossed coverage end and `eligible` is the pro-rata part. */
  readonly proRata?: ProRata;
  /** The line counted one of the liability's `maxClaimsPerYear` (revocation gives it back). */
  readonly claimCounted?: boolean;
  /** The label of the deductible variant that set the pool amount for this person. */
  readonly deductibleLabel?: string;
}

export interface Adjudication {
  readonly setlId: string;
  readonly psnNo: string;
  readonly status: AdjudicationStatus;
  readonly reason: NotCoveredReason | undefined;
  readonly hmbPay: Fen;
  readonly personBurden: Fen;
  readonly lines: readonly BenefitLine[];
}

export function notCovered(
  settlement: Settlement,
  reason: NotCoveredReason,
  lines: BenefitLine[] = [],
): Adjudication {
  return {
    setlId: settlement.setlId,
    psnNo: settlement.psnNo,
    status: "not_covered",
    reason,
    hmbPay: 0,
    personBurden: settlement.personBurden,
    lines,
  };
}

export function isOutOfRegion(plan: CompiledPlan, settlement: Settlement): boolean {
  return !settlement.treatmentRegion.startsWith(plan.regionPrefix);
}

/** Does the schema v2 person condition hold for this person and event? */
export function whenHolds(
  w: CompiledWhen,
  preExisting: boolean,
  outOfRegion: boolean,
  terms: PolicyTerms,
  insutype: string,
): boolean {
  if (w.preExisting !== undefined && w.preExisting !== preExisting) return false;
  if (w.outOfRegion !== undefined && w.outOfRegion !== outOfRegion) return false;
  if (w.cohorts !== undefined && (terms.cohort === undefined || !w.cohorts.has(terms.cohort))) return false;
  if (w.v1Only) return true;
  if (w.insutypes !== undefined && !w.insutypes.has(insutype)) return false;
  const insured = terms.insuredYears ?? DEFAULT_INSURED_YEARS;
  if (w.insuredYearsFrom !== undefined && insured < w.insuredYearsFrom) return false;
  if (w.insuredYearsTo !== undefined && insured > w.insuredYearsTo) return false;
  const claimFree = terms.claimFreeYears ?? DEFAULT_CLAIM_FREE_YEARS;
  if (w.claimFreeYearsFrom !== undefined && claimFree < w.claimFreeYearsFrom) return false;
  if (w.claimFreeYearsTo !== undefined && claimFree > w.claimFreeYearsTo) return false;
  if (w.ageFrom !== undefined || w.ageTo !== undefined) {
    const age = terms.ageAtStart;
    if (age === undefined) return false;
    if (w.ageFrom !== undefined && age < w.ageFrom) return false;
    if (w.ageTo !== undefined && age > w.ageTo) return false;
  }
  if (w.sex !== undefined && terms.sex !== w.sex) return false;
  if (w.servicesRedeemed !== undefined) {
    const used = terms.servicesRedeemed;
    if (used === undefined) return false;
    for (const service of w.servicesRedeemed) if (!used.has(service)) return false;
  }
  return true;
}

function variantMatches(
  v: CompiledRatio,
  preExisting: boolean,
  outOfRegion: boolean,
  terms: PolicyTerms,
  insutype: string,
  position: Fen,
): boolean {
  if (!whenHolds(v, preExisting, outOfRegion, terms, insutype)) return false;
  return position >= v.bandFrom && position < v.bandTo;
}

/** First matching amount variant, else undefined (the default amount applies). */
function amountVariant(
  variants: readonly CompiledAmountVariant[],
  preExisting: boolean,
  outOfRegion: boolean,
  terms: PolicyTerms,
  insutype: string,
): CompiledAmountVariant | undefined {
  for (const v of variants) if (whenHolds(v.when, preExisting, outOfRegion, terms, insutype)) return v;
  return undefined;
}

/**
 * Splits `base` into ratio segments starting at the liability's cumulative position. First matching variant
 * wins for each slice; without cost bands this is a single lookup.
 */
function ratioSegments(
  liability: CompiledLiability,
  preExisting: boolean,
  outOfRegion: boolean,
  terms: PolicyTerms,
  insutype: string,
  startPosition: Fen,
  base: Fen,
): RatioSegment[] {
  const segments: RatioSegment[] = [];
  let position = startPosition;
  let remaining = base;
  do {
    let chosen: CompiledRatio | undefined;
    for (const v of liability.ratios) {
      if (variantMatches(v, preExisting, outOfRegion, terms, insutype, position)) {
        chosen = v;
        break;
      }
    }
    if (chosen === undefined) {
      // Unreachable for validated products (the last variant is unconditional), kept as a hard stop.
      throw new Error(`liability ${liability.id}: no ratio variant matches`);
    }
    const slice = chosen.bandTo === NO_LIMIT ? remaining : Math.min(remaining, chosen.bandTo - position);
    segments.push({
      base: slice,
      ratioBps: chosen.ratioBps,
      label: chosen.label,
      amount: applyRatio(slice, chosen.ratioBps),
    });
    position += slice;
    remaining -= slice;
  } while (remaining > 0);
  return segments;
}

/** What an item-based liability (catalog or fee items) claims from one record. */
interface CatalogClaim {
  readonly eligible: Fen;
  /** Σ item amounts: the weights the payout is spread by (eligible may be less, cut to the record's bases). */
  readonly weight: Fen;
  readonly items: { code: string; name: string; amount: Fen; cap: Fen }[];
  readonly designated: boolean;
}

/**
 * A catalog liability's claim. Its eligible amount is at most `room`, what the record's bases still hold: a
 * classified feedetail item's amount also holds what the funds paid, so it may exceed what the person bears
 * (bare 特定药械 items never do — parsing refuses them above the burden — so schema v1 results are unchanged).
 */
function catalogClaim(
  liability: CompiledLiability,
  settlement: Settlement,
  room: Fen,
): CatalogClaim | undefined {
  const catalog = liability.catalog;
  if (catalog === undefined || settlement.catalogItems.length === 0) return undefined;
  // A versioned catalog pays only inside its effective window (by the record's date, as coverage is decided).
  if (settlement.admittedAt < catalog.effectiveFrom || settlement.admittedAt >= catalog.effectiveUntil)
    return undefined;
  const items: CatalogClaim["items"] = [];
  let eligible = 0;
  for (const charge of settlement.catalogItems) {
    const item = catalog.items.get(charge.code);
    if (item === undefined) continue;
    items.push({ code: item.code, name: item.name, amount: charge.amount, cap: item.cap });
    eligible += charge.amount;
  }
  if (items.length === 0) return undefined;
  const designated =
    catalog.designatedInstitutions === undefined ||
    catalog.designatedInstitutions.has(settlement.institutionCode);
  return { eligible: Math.min(eligible, room), weight: eligible, items, designated };
}

/** Fee items already claimed by an earlier liability of the record, by item index (reused across events). */
let claimedScratch = new Uint8Array(0);

function feeItemMatches(l: CompiledLiability, item: FeeItem): boolean {
  const f = l.feeItems;
  if (f === undefined) return false;
  if (f.categories !== undefined && (item.category === undefined || !f.categories.has(item.category)))
    return false;
  if (f.levels !== undefined && (item.level === undefined || !f.levels.has(item.level))) return false;
  if (f.codes !== undefined && !f.codes.has(item.code)) return false;
  return true;
}

/** The record-level bases left for the in/out-of-scope liabilities after the item liabilities took theirs. */
interface Bases {
  outOfScope: Fen;
  inScope: Fen;
}

/**
 * A fee-item liability's claim (schema v2, see product.ts `feeItemsBase`): the matched items' portions, the
 * self-pay part taken from what is left of the 范围外 base and the in-scope part from the 范围内 base.
 * Mutates `bases` by what it takes unless `carve` is false (an excluded liability takes nothing).
 */
function feeItemClaim(
  l: CompiledLiability,
  fee: readonly FeeItem[],
  claimed: Uint8Array,
  catalogCodes: (code: string) => boolean,
  bases: Bases,
  carve: boolean,
): CatalogClaim | undefined {
  const portion = (l.feeItems as NonNullable<CompiledLiability["feeItems"]>).portion;
  const perCode = l.unitCapPerCode !== NO_LIMIT;
  let items: CatalogClaim["items"] | undefined;
  let selfPay = 0;
  let inScope = 0;
  let matched = false;
  for (let k = 0; k < fee.length; k++) {
    const item = fee[k] as FeeItem;
    if (claimed[k] === 1 || !feeItemMatches(l, item) || catalogCodes(item.code)) continue;
    matched = true;
    claimed[k] = 1;
    const sp = portion === "in_scope" ? 0 : item.selfPayPart;
    const ip = portion === "self_pay" ? 0 : item.amount - item.selfPayPart;
    selfPay += sp;
    inScope += ip;
    if (perCode) {
      items ??= [];
      items.push({ code: item.code, name: item.code, amount: sp + ip, cap: NO_LIMIT });
    }
  }
  if (!matched) return undefined;
  const takenOut = Math.min(selfPay, bases.outOfScope);
  const takenIn = Math.min(inScope, bases.inScope);
  if (carve) {
    bases.outOfScope -= takenOut;
    bases.inScope -= takenIn;
  }
  return { eligible: takenOut + takenIn, weight: selfPay + inScope, items: items ?? [], designated: true };
}

const scratchBases: Bases = { outOfScope: 0, inScope: 0 };

const DAY_MS = 86_400_000;

/** Calendar day number in Beijing. */
function dayOf(t: EpochMs): number {
  return Math.floor((t + BEIJING_OFFSET_MS) / DAY_MS);
}

/**
 * The part of a stay inside coverage (schema v2 stayAcrossCoverageEnd), or undefined when the whole stay
 * counts. Days are calendar days (Beijing): a stay lasts discharge day − admission day days (at least one),
 * of which the days before the limit's day count.
 */
function stayPart(
  plan: CompiledPlan,
  terms: PolicyTerms,
  s: Settlement,
): { covered: number; total: number } | undefined {
  const rule = plan.stayRule;
  const discharged = s.dischargedAt;
  if (rule.kind === "admission" || discharged === undefined || discharged <= terms.coverage.end)
    return undefined;
  const limit = rule.kind === "extension" ? terms.coverage.end + rule.days * DAY_MS : terms.coverage.end;
  if (discharged <= limit) return undefined;
  const total = Math.max(1, dayOf(discharged) - dayOf(s.admittedAt));
  const covered = Math.min(total, Math.max(0, dayOf(limit) - dayOf(s.admittedAt)));
  return { covered, total };
}

/** Adjudicates one event of an insured person. Mutates `acc` by exactly what the returned lines record. */
export function adjudicate(
  plan: CompiledPlan,
  terms: PolicyTerms,
  acc: Accumulators,
  settlement: Settlement,
): Adjudication {
  if (!inPeriod(terms.coverage, settlement.admittedAt))
    return notCovered(settlement, "outside_coverage_period");
  if (settlement.diagnosisCode !== undefined) {
    for (const exclusion of plan.exclusions) {
      if (icd10InRanges(settlement.diagnosisCode, exclusion.icd10)) return notCovered(settlement, "excluded");
    }
  }
  const outOfRegion = isOutOfRegion(plan, settlement);
  const liabilities = plan.liabilities;

  // Catalog liabilities claim their items first; what they claim leaves the in/out-of-scope bases
  // (out-of-scope first) so that one yuan is never paid by two liabilities.
  let claims: (CatalogClaim | undefined)[] | undefined;
  let carvedOut = 0;
  for (let i = 0; i < liabilities.length; i++) {
    const l = liabilities[i] as CompiledLiability;
    if (l.base !== "catalog" || !l.medTypes.has(settlement.medType)) continue;
    const claim = catalogClaim(l, settlement, Math.max(0, settlement.personBurden - carvedOut));
    if (claim === undefined) continue;
    claims ??= [];
    claims[i] = claim;
    const excluded = l.excludePreExisting && terms.preExisting[l.conditionIndex] === true;
    if (claim.designated && !excluded) carvedOut += claim.eligible;
  }
  const outOfScopeCarve = Math.min(carvedOut, settlement.outOfScope);
  // One scratch object for every event: adjudication is synchronous and never re-entered.
  const bases = scratchBases;
  bases.outOfScope = settlement.outOfScope - outOfScopeCarve;
  bases.inScope = Math.max(0, settlement.inScopeSelfPay - (carvedOut - outOfScopeCarve));
  // Schema v2: fee-item liabilities then claim, in product order, from what the catalogs left.
  const fee = settlement.feeItems;
  if (plan.hasFeeItemLiabilities && fee !== undefined && fee.length > 0) {
    if (claimedScratch.length < fee.length) claimedScratch = new Uint8Array(fee.length);
    const claimed = claimedScratch;
    claimed.fill(0, 0, fee.length);
    const catalogCodes = (code: string) => {
      if (claims === undefined) return false;
      for (let i = 0; i < liabilities.length; i++)
        if (claims[i] !== undefined && liabilities[i]?.catalog?.items.has(code) === true) return true;
      return false;
    };
    for (let i = 0; i < liabilities.length; i++) {
      const l = liabilities[i] as CompiledLiability;
      if (l.base !== "fee_items" || !l.medTypes.has(settlement.medType)) continue;
      const excluded = l.excludePreExisting && terms.preExisting[l.conditionIndex] === true;
      const claim = feeItemClaim(l, fee, claimed, catalogCodes, bases, !excluded);
      if (claim === undefined) continue;
      claims ??= [];
      claims[i] = claim;
    }
  }
  const part = plan.stayRule.kind === "admission" ? undefined : stayPart(plan, terms, settlement);

  const lines: BenefitLine[] = [];
  let applicable = 0;
  let excludedCount = 0;
  let hmbPay = 0;
  for (let pass = 0; pass < (plan.hasLumpSums ? 2 : 1); pass++) {
    // Pass 0: every ratio liability; pass 1: the lump sums, capped by what the others left to bear.
    for (let i = 0; i < liabilities.length; i++) {
      const l = liabilities[i] as CompiledLiability;
      if ((l.base === "diagnosis") !== (pass === 1) || !l.medTypes.has(settlement.medType)) continue;
      let eligible: Fen;
      let claim: CatalogClaim | undefined;
      if (l.base === "catalog" || l.base === "fee_items") {
        claim = claims?.[i];
        if (claim === undefined) continue;
        eligible = claim.eligible;
      } else if (l.base === "diagnosis") {
        const code = settlement.diagnosisCode;
        if (code === undefined || !icd10InRanges(code, l.diagnosis ?? [])) continue;
        eligible = l.lumpSum;
      } else if (l.base === "in_scope") {
        eligible = bases.inScope;
        if (l.preSelfPayWeightBps !== FULL_RATIO_BPS) {
          // Only this share of 乙类先行自付 counts: the rest of it leaves this liability's base.
          const uncounted = settlement.preSelfPay - applyRatio(settlement.preSelfPay, l.preSelfPayWeightBps);
          eligible = Math.max(0, eligible - uncounted);
        }
      } else {
        eligible = bases.outOfScope;
      }
      applicable++;
      const preExisting = l.conditionIndex >= 0 && terms.preExisting[l.conditionIndex] === true;
      if (l.excludePreExisting && preExisting) {
        excludedCount++;
        const condition = plan.conditions[l.conditionIndex]?.name ?? "既往症";
        lines.push(emptyLine(plan, l, acc, eligible, { kind: "excluded_pre_existing", condition }));
        continue;
      }
      if (claim !== undefined && !claim.designated) {
        lines.push(
          emptyLine(plan, l, acc, eligible, {
            kind: "not_designated_institution",
            institution: settlement.institutionCode,
          }),
        );
        continue;
      }
      if (l.waitingPeriodDays > 0 && (terms.insuredYears ?? DEFAULT_INSURED_YEARS) < RENEWAL_YEARS) {
        const until = (terms.enrolledAt ?? terms.coverage.start) + l.waitingPeriodDays * DAY_MS;
        if (settlement.admittedAt < until) {
          lines.push(
            emptyLine(plan, l, acc, eligible, {
              kind: "waiting_period",
              days: l.waitingPeriodDays,
              until,
            }),
          );
          continue;
        }
      }
      if (l.maxClaimsPerYear !== NO_LIMIT && (acc.claimsByLiability[l.index] ?? 0) >= l.maxClaimsPerYear) {
        lines.push(
          emptyLine(plan, l, acc, eligible, {
            kind: "claim_limit_reached",
            maxClaims: l.maxClaimsPerYear,
          }),
        );
        continue;
      }
      let proRata: ProRata | undefined;
      if (part !== undefined && l.base !== "diagnosis") {
        const before = eligible;
        eligible = Math.floor((before * part.covered) / part.total);
        proRata = { coveredDays: part.covered, stayDays: part.total, eligibleBefore: before };
      }
      const line = assess(
        plan,
        l,
        terms,
        acc,
        settlement,
        eligible,
        preExisting,
        outOfRegion,
        claim,
        proRata,
        settlement.personBurden - hmbPay,
      );
      hmbPay += line.payout;
      lines.push(line);
    }
  }
  if (applicable === 0) return notCovered(settlement, "med_type_not_covered");
  if (excludedCount === applicable) return notCovered(settlement, "excluded", lines);
  if (hmbPay > settlement.personBurden) {
    throw new Error(
      `invariant: payout ${hmbPay} exceeds burden ${settlement.personBurden} (${settlement.setlId})`,
    );
  }
  return {
    setlId: settlement.setlId,
    psnNo: settlement.psnNo,
    status: hmbPay > 0 ? "paid" : "zero",
    reason: undefined,
    hmbPay,
    personBurden: settlement.personBurden,
    lines,
  };
}

/** From the second consecutive insured year on, a liability's waiting period no longer applies (续保). */
const RENEWAL_YEARS = 2;

/** The pool's used amount array: the family's for a family pool when the family is attached, else the person's. */
function usedArray(plan: CompiledPlan, acc: Accumulators, poolIndex: number): Fen[] {
  const family = acc.family;
  return family !== undefined && plan.pools[poolIndex]?.family === true
    ? family.deductibleUsed
    : acc.deductibleUsed;
}

const NO_POOL = { amount: 0 } as const;

/** The pool's amount for this person and event (schema v2 variants; first match wins, else `amount`). */
function poolAmount(
  plan: CompiledPlan,
  poolIndex: number,
  terms: PolicyTerms,
  insutype: string,
  outOfRegion: boolean,
): { readonly amount: Fen; readonly label?: string | undefined } {
  const pool = plan.pools[poolIndex];
  if (pool === undefined) return NO_POOL;
  // No allocation: the pool or the matching variant is itself the answer.
  if (pool.variants.length === 0) return pool;
  const preExisting = pool.conditionIndex >= 0 && terms.preExisting[pool.conditionIndex] === true;
  return amountVariant(pool.variants, preExisting, outOfRegion, terms, insutype) ?? pool;
}

function remainingOfPool(plan: CompiledPlan, acc: Accumulators, poolIndex: number, amount: Fen): Fen {
  if (poolIndex < 0) return NO_LIMIT;
  // A variant may make the pool smaller than what a family member already used: nothing is left then.
  return Math.max(0, amount - (usedArray(plan, acc, poolIndex)[poolIndex] ?? 0));
}

function emptyLine(
  plan: CompiledPlan,
  l: CompiledLiability,
  acc: Accumulators,
  eligible: Fen,
  outcome: LineOutcome,
): BenefitLine {
  // The pool at its default amount: a line not assessed takes nothing from it and shows what is left.
  const amount = l.poolIndex < 0 ? 0 : (plan.pools[l.poolIndex]?.amount ?? 0);
  return {
    liabilityIndex: l.index,
    liabilityId: l.id,
    liabilityName: l.name,
    outcome,
    eligible,
    poolIndex: l.poolIndex,
    poolName: plan.pools[l.poolIndex]?.name,
    deductible: 0,
    deductibleRemaining: remainingOfPool(plan, acc, l.poolIndex, amount),
    segments: [],
    computed: 0,
    limits: [],
    payout: 0,
    items: [],
  };
}

function assess(
  plan: CompiledPlan,
  l: CompiledLiability,
  terms: PolicyTerms,
  acc: Accumulators,
  settlement: Settlement,
  eligible: Fen,
  preExisting: boolean,
  outOfRegion: boolean,
  claim: CatalogClaim | undefined,
  proRata: ProRata | undefined,
  burdenLeft: Fen,
): BenefitLine {
  const insutype = settlement.insutype;
  const pool = l.poolIndex < 0 ? undefined : poolAmount(plan, l.poolIndex, terms, insutype, outOfRegion);
  const poolLeft = pool === undefined ? NO_LIMIT : remainingOfPool(plan, acc, l.poolIndex, pool.amount);
  const deductible = l.poolIndex < 0 ? 0 : Math.min(eligible, poolLeft);
  const base = eligible - deductible;
  const position = acc.baseByLiability[l.index] ?? 0;
  const lumpSum = l.base === "diagnosis";
  const segments = lumpSum
    ? [{ base, ratioBps: FULL_RATIO_BPS, label: undefined, amount: base }]
    : !l.hasCostBands && l.ratios.length === 1
      ? [singleSegment(l.ratios[0] as CompiledRatio, base)]
      : ratioSegments(l, preExisting, outOfRegion, terms, insutype, position, base);
  let computed = 0;
  for (const s of segments) computed += s.amount;

  const limits = scratchLimits;
  limits.length = 0;
  let payout = computed;
  if (lumpSum) payout = limit(payout, "burden", "本次个人负担", burdenLeft, 0, limits);
  let items: readonly ItemPayout[] = NO_ITEMS;
  if (claim !== undefined && claim.items.length > 0) {
    const result = itemPayouts(l, claim, computed, acc, limits);
    items = result.items;
    payout = result.total;
  }
  if (l.unitCapPerStay !== NO_LIMIT) payout = limit(payout, "stay", l.name, l.unitCapPerStay, 0, limits);
  let cap = l.cap;
  let capName = l.name;
  if (l.capVariants.length > 0) {
    const v = amountVariant(l.capVariants, preExisting, outOfRegion, terms, insutype);
    if (v !== undefined) {
      cap = v.amount;
      if (v.label !== undefined) capName = `${l.name}（${v.label}）`;
    }
  }
  payout = limit(payout, "liability", capName, cap, acc.paidByLiability[l.index] ?? 0, limits);
  for (const g of l.capGroups) {
    const group = plan.capGroups[g];
    if (group !== undefined)
      payout = limit(payout, "cap_group", group.name, group.amount, acc.paidByCapGroup[g] ?? 0, limits);
  }
  payout = limit(payout, "annual_total", "年度累计赔付限额", plan.annualTotal, acc.paidTotal, limits);
  if (items.length > 0 && payout < sumPayouts(items)) items = trimItems(items, sumPayouts(items) - payout);

  // Commit to the accumulators exactly what the line records.
  if (l.poolIndex >= 0) {
    const used = usedArray(plan, acc, l.poolIndex);
    used[l.poolIndex] = (used[l.poolIndex] ?? 0) + deductible;
  }
  acc.baseByLiability[l.index] = position + base;
  acc.paidByLiability[l.index] = (acc.paidByLiability[l.index] ?? 0) + payout;
  for (const g of l.capGroups) acc.paidByCapGroup[g] = (acc.paidByCapGroup[g] ?? 0) + payout;
  acc.paidTotal += payout;
  commitItems(l, acc, items, 1);
  // Claims are counted only where a yearly count limit reads them, so a v1 product's state stays as it was.
  const claimCounted = l.maxClaimsPerYear !== NO_LIMIT && payout > 0;
  if (claimCounted) acc.claimsByLiability[l.index] = (acc.claimsByLiability[l.index] ?? 0) + 1;

  const line: BenefitLine = {
    liabilityIndex: l.index,
    liabilityId: l.id,
    liabilityName: l.name,
    outcome: ASSESSED,
    eligible,
    poolIndex: l.poolIndex,
    poolName: plan.pools[l.poolIndex]?.name,
    deductible,
    deductibleRemaining: poolLeft === NO_LIMIT ? NO_LIMIT : poolLeft - deductible,
    segments,
    computed,
    // Most lines hit no cap: share one empty array instead of allocating one per line.
    limits: limits.length === 0 ? NO_LIMITS : limits.splice(0),
    payout,
    items,
  };
  if (!lumpSum && proRata === undefined && !claimCounted && pool?.label === undefined) return line;
  return {
    ...line,
    ...(lumpSum ? { lumpSum: l.lumpSum } : {}),
    ...(proRata !== undefined ? { proRata } : {}),
    ...(claimCounted ? { claimCounted } : {}),
    ...(pool?.label !== undefined ? { deductibleLabel: pool.label } : {}),
  };
}

/**
 * Adds (sign 1) or takes back (sign −1) a line's item payouts: catalog items to their per-item totals, and
 * for a liability with a per-code unit cap, to its per-code totals.
 */
function commitItems(
  l: CompiledLiability,
  acc: Accumulators,
  items: readonly ItemPayout[],
  sign: 1 | -1,
): void {
  if (items.length === 0) return;
  const catalog = l.base === "catalog";
  const perCode = l.unitCapPerCode !== NO_LIMIT;
  for (const it of items) {
    if (catalog) acc.paidByItem.set(it.code, (acc.paidByItem.get(it.code) ?? 0) + sign * it.payout);
    if (perCode) {
      const key = unitKey(l.id, it.code);
      acc.paidByUnit.set(key, (acc.paidByUnit.get(key) ?? 0) + sign * it.payout);
    }
  }
}

const scratchLimits: LimitApplied[] = [];
const NO_LIMITS: readonly LimitApplied[] = Object.freeze([]);
const NO_ITEMS: readonly ItemPayout[] = Object.freeze([]);

const ASSESSED: LineOutcome = { kind: "assessed" };

function singleSegment(v: CompiledRatio, base: Fen): RatioSegment {
  return { base, ratioBps: v.ratioBps, label: v.label, amount: applyRatio(base, v.ratioBps) };
}

function limit(payout: Fen, kind: LimitKind, name: string, cap: Fen, used: Fen, limits: LimitApplied[]): Fen {
  if (cap === NO_LIMIT) return payout;
  const remaining = Math.max(0, cap - used);
  if (payout <= remaining) return payout;
  limits.push({ kind, name, limit: cap, remainingBefore: remaining, cut: payout - remaining });
  return remaining;
}

/**
 * Spreads an item line's computed payout over its items in proportion to their share of the weight (the
 * remainder to the last item, so the sum is exact), then applies each catalog item's own annual cap and the
 * liability's per-code unit cap (schema v2). Items of the same code share one unit cap within the record.
 */
function itemPayouts(
  l: CompiledLiability,
  claim: CatalogClaim,
  computed: Fen,
  acc: Accumulators,
  limits: LimitApplied[],
): { items: ItemPayout[]; total: Fen } {
  const items: ItemPayout[] = [];
  let allocated = 0;
  let total = 0;
  const weightTotal = claim.weight;
  const perCode = l.unitCapPerCode !== NO_LIMIT;
  for (let i = 0; i < claim.items.length; i++) {
    const it = claim.items[i] as CatalogClaim["items"][number];
    const share =
      i === claim.items.length - 1 || weightTotal === 0
        ? computed - allocated
        : Number((BigInt(computed) * BigInt(it.amount)) / BigInt(weightTotal));
    allocated += share;
    let paid = limit(share, "item", it.name, it.cap, acc.paidByItem.get(it.code) ?? 0, limits);
    if (perCode) {
      let used = acc.paidByUnit.get(unitKey(l.id, it.code)) ?? 0;
      for (const earlier of items) if (earlier.code === it.code) used += earlier.payout;
      paid = limit(paid, "unit", it.name, l.unitCapPerCode, used, limits);
    }
    items.push({ code: it.code, name: it.name, eligible: it.amount, payout: paid });
    total += paid;
  }
  return { items, total };
}

function sumPayouts(items: readonly ItemPayout[]): Fen {
  let s = 0;
  for (const it of items) s += it.payout;
  return s;
}

/** Removes `excess` from the items, last item first, after a liability-level cap cut the line. */
function trimItems(items: readonly ItemPayout[], excess: Fen): ItemPayout[] {
  const out = [...items];
  let left = excess;
  for (let i = out.length - 1; i >= 0 && left > 0; i--) {
    const it = out[i] as ItemPayout;
    const cut = Math.min(it.payout, left);
    out[i] = { ...it, payout: it.payout - cut };
    left -= cut;
  }
  return out;
}

/**
 * Revocation (结算撤销): takes back exactly what the adjudication added to the accumulators. Later events
 * keep what they were paid; events after the revocation see the restored room.
 */
export function revoke(plan: CompiledPlan, acc: Accumulators, adjudication: Adjudication): void {
  for (const line of adjudication.lines) {
    if (line.outcome.kind !== "assessed") continue;
    const l = plan.liabilities[line.liabilityIndex];
    if (l === undefined) throw new Error(`revoke: unknown liability index ${line.liabilityIndex}`);
    if (line.poolIndex >= 0) {
      const used = usedArray(plan, acc, line.poolIndex);
      used[line.poolIndex] = (used[line.poolIndex] ?? 0) - line.deductible;
    }
    let base = 0;
    for (const s of line.segments) base += s.base;
    acc.baseByLiability[l.index] = (acc.baseByLiability[l.index] ?? 0) - base;
    acc.paidByLiability[l.index] = (acc.paidByLiability[l.index] ?? 0) - line.payout;
    for (const g of l.capGroups) acc.paidByCapGroup[g] = (acc.paidByCapGroup[g] ?? 0) - line.payout;
    acc.paidTotal -= line.payout;
    commitItems(l, acc, line.items, -1);
    if (line.claimCounted === true)
      acc.claimsByLiability[l.index] = (acc.claimsByLiability[l.index] ?? 0) - 1;
  }
  assertAccumulatorsNonNegative(acc);
}

function assertAccumulatorsNonNegative(acc: Accumulators): void {
  const bad = (n: number) => n < 0 || !Number.isSafeInteger(n);
  if (
    acc.deductibleUsed.some(bad) ||
    acc.paidByLiability.some(bad) ||
    acc.baseByLiability.some(bad) ||
    acc.paidByCapGroup.some(bad) ||
    bad(acc.paidTotal) ||
    acc.claimsByLiability.some(bad) ||
    (acc.family?.deductibleUsed.some(bad) ?? false)
  ) {
    throw new Error(
      "invariant: accumulators went negative — revoked an adjudication twice or from another policy",
    );
  }
}
