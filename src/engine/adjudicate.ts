/**
 * The benefit engine (DESIGN.md §4). Pure: no I/O, no clock. Given a compiled plan, a policy's terms, its
 * accumulators and one validated settlement, it returns the benefit lines and updates the accumulators
 * it was handed — nothing else. Events must be fed in setl_time order (ties by setl_id); see batch.ts.
 */
import { applyRatio, type Bps, type Fen } from "../domain/money.js";
import { icd10InRanges } from "../domain/product.js";
import type { Settlement } from "../domain/settlement.js";
import { inPeriod } from "../domain/time.js";
import type { Accumulators } from "./accumulators.js";
import type { CompiledLiability, CompiledPlan, CompiledRatio, PolicyTerms } from "./compile.js";
import { NO_LIMIT } from "./compile.js";

export type NotCoveredReason = "outside_coverage_period" | "med_type_not_covered" | "no_policy" | "excluded";
export type AdjudicationStatus = "paid" | "zero" | "not_covered";

/** One slice of a line's base at one ratio; more than one only when cost bands (费用分段) apply. */
export interface RatioSegment {
  readonly base: Fen;
  readonly ratioBps: Bps;
  readonly label: string | undefined;
  readonly amount: Fen;
}

export type LimitKind = "item" | "liability" | "cap_group" | "annual_total";

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

export type LineOutcome =
  | { readonly kind: "assessed" }
  | { readonly kind: "excluded_pre_existing"; readonly condition: string }
  | { readonly kind: "not_designated_institution"; readonly institution: string };

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

function variantMatches(
  v: CompiledRatio,
  preExisting: boolean,
  outOfRegion: boolean,
  terms: PolicyTerms,
  position: Fen,
): boolean {
  if (v.preExisting !== undefined && v.preExisting !== preExisting) return false;
  if (v.outOfRegion !== undefined && v.outOfRegion !== outOfRegion) return false;
  if (v.cohorts !== undefined && (terms.cohort === undefined || !v.cohorts.has(terms.cohort))) return false;
  return position >= v.bandFrom && position < v.bandTo;
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
  startPosition: Fen,
  base: Fen,
): RatioSegment[] {
  const segments: RatioSegment[] = [];
  let position = startPosition;
  let remaining = base;
  do {
    let chosen: CompiledRatio | undefined;
    for (const v of liability.ratios) {
      if (variantMatches(v, preExisting, outOfRegion, terms, position)) {
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

interface CatalogClaim {
  readonly eligible: Fen;
  readonly items: { code: string; name: string; amount: Fen; cap: Fen }[];
  readonly designated: boolean;
}

function catalogClaim(liability: CompiledLiability, settlement: Settlement): CatalogClaim | undefined {
  const catalog = liability.catalog;
  if (catalog === undefined || settlement.catalogItems.length === 0) return undefined;
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
  return { eligible, items, designated };
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
    const claim = catalogClaim(l, settlement);
    if (claim === undefined) continue;
    claims ??= [];
    claims[i] = claim;
    const excluded = l.excludePreExisting && terms.preExisting[l.conditionIndex] === true;
    if (claim.designated && !excluded) carvedOut += claim.eligible;
  }
  const outOfScopeCarve = Math.min(carvedOut, settlement.outOfScope);
  const outOfScopeBase = settlement.outOfScope - outOfScopeCarve;
  const inScopeBase = Math.max(0, settlement.inScopeSelfPay - (carvedOut - outOfScopeCarve));

  const lines: BenefitLine[] = [];
  let applicable = 0;
  let excludedCount = 0;
  let hmbPay = 0;
  for (let i = 0; i < liabilities.length; i++) {
    const l = liabilities[i] as CompiledLiability;
    if (!l.medTypes.has(settlement.medType)) continue;
    let eligible: Fen;
    let claim: CatalogClaim | undefined;
    if (l.base === "catalog") {
      claim = claims?.[i];
      if (claim === undefined) continue;
      eligible = claim.eligible;
    } else {
      eligible = l.base === "in_scope" ? inScopeBase : outOfScopeBase;
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
    const line = assess(plan, l, terms, acc, eligible, preExisting, outOfRegion, claim);
    hmbPay += line.payout;
    lines.push(line);
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

function remainingOfPool(plan: CompiledPlan, acc: Accumulators, poolIndex: number): Fen {
  if (poolIndex < 0) return NO_LIMIT;
  return (plan.pools[poolIndex]?.amount ?? 0) - (acc.deductibleUsed[poolIndex] ?? 0);
}

function emptyLine(
  plan: CompiledPlan,
  l: CompiledLiability,
  acc: Accumulators,
  eligible: Fen,
  outcome: LineOutcome,
): BenefitLine {
  return {
    liabilityIndex: l.index,
    liabilityId: l.id,
    liabilityName: l.name,
    outcome,
    eligible,
    poolIndex: l.poolIndex,
    poolName: plan.pools[l.poolIndex]?.name,
    deductible: 0,
    deductibleRemaining: remainingOfPool(plan, acc, l.poolIndex),
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
  eligible: Fen,
  preExisting: boolean,
  outOfRegion: boolean,
  claim: CatalogClaim | undefined,
): BenefitLine {
  const poolLeft = remainingOfPool(plan, acc, l.poolIndex);
  const deductible = l.poolIndex < 0 ? 0 : Math.min(eligible, poolLeft);
  const base = eligible - deductible;
  const position = acc.baseByLiability[l.index] ?? 0;
  const segments =
    !l.hasCostBands && l.ratios.length === 1
      ? [singleSegment(l.ratios[0] as CompiledRatio, base)]
      : ratioSegments(l, preExisting, outOfRegion, terms, position, base);
  let computed = 0;
  for (const s of segments) computed += s.amount;

  const limits = scratchLimits;
  limits.length = 0;
  let payout = computed;
  let items: readonly ItemPayout[] = NO_ITEMS;
  if (claim !== undefined) {
    const result = itemPayouts(claim, computed, acc, limits);
    items = result.items;
    payout = result.total;
  }
  payout = limit(payout, "liability", l.name, l.cap, acc.paidByLiability[l.index] ?? 0, limits);
  for (const g of l.capGroups) {
    const group = plan.capGroups[g];
    if (group !== undefined)
      payout = limit(payout, "cap_group", group.name, group.amount, acc.paidByCapGroup[g] ?? 0, limits);
  }
  payout = limit(payout, "annual_total", "年度累计赔付限额", plan.annualTotal, acc.paidTotal, limits);
  if (items.length > 0 && payout < sumPayouts(items)) items = trimItems(items, sumPayouts(items) - payout);

  // Commit to the accumulators exactly what the line records.
  if (l.poolIndex >= 0) acc.deductibleUsed[l.poolIndex] = (acc.deductibleUsed[l.poolIndex] ?? 0) + deductible;
  acc.baseByLiability[l.index] = position + base;
  acc.paidByLiability[l.index] = (acc.paidByLiability[l.index] ?? 0) + payout;
  for (const g of l.capGroups) acc.paidByCapGroup[g] = (acc.paidByCapGroup[g] ?? 0) + payout;
  acc.paidTotal += payout;
  for (const it of items) acc.paidByItem.set(it.code, (acc.paidByItem.get(it.code) ?? 0) + it.payout);

  return {
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
 * Spreads a catalog line's computed payout over its items in proportion to their share of the base (the
 * remainder to the last item, so the sum is exact), then applies each item's own annual cap.
 */
function itemPayouts(
  claim: CatalogClaim,
  computed: Fen,
  acc: Accumulators,
  limits: LimitApplied[],
): { items: ItemPayout[]; total: Fen } {
  const items: ItemPayout[] = [];
  let allocated = 0;
  let total = 0;
  const weightTotal = claim.eligible;
  for (let i = 0; i < claim.items.length; i++) {
    const it = claim.items[i] as CatalogClaim["items"][number];
    const share =
      i === claim.items.length - 1 || weightTotal === 0
        ? computed - allocated
        : Number((BigInt(computed) * BigInt(it.amount)) / BigInt(weightTotal));
    allocated += share;
    const paid = limit(share, "item", it.name, it.cap, acc.paidByItem.get(it.code) ?? 0, limits);
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
    if (line.poolIndex >= 0)
      acc.deductibleUsed[line.poolIndex] = (acc.deductibleUsed[line.poolIndex] ?? 0) - line.deductible;
    let base = 0;
    for (const s of line.segments) base += s.base;
    acc.baseByLiability[l.index] = (acc.baseByLiability[l.index] ?? 0) - base;
    acc.paidByLiability[l.index] = (acc.paidByLiability[l.index] ?? 0) - line.payout;
    for (const g of l.capGroups) acc.paidByCapGroup[g] = (acc.paidByCapGroup[g] ?? 0) - line.payout;
    acc.paidTotal -= line.payout;
    for (const it of line.items) acc.paidByItem.set(it.code, (acc.paidByItem.get(it.code) ?? 0) - it.payout);
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
    bad(acc.paidTotal)
  ) {
    throw new Error(
      "invariant: accumulators went negative — revoked an adjudication twice or from another policy",
    );
  }
}
