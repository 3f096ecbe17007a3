/**
 * A policy's annual accumulators. They carry across the events of one policy year and are the only state
 * the engine touches; every change is recorded on the benefit lines so that revocation can undo it exactly.
 */
import type { Fen } from "../domain/money.js";
import type { CompiledPlan } from "./compile.js";

/**
 * What the insured of one family share (schema v2 `shared: "family"` deductible pools), by pool index. One
 * object per family, attached to each member's accumulators (`Accumulators.family`) by the caller that knows
 * the family (batch.ts by `familyKey`); without it a family pool is drawn on per person.
 */
export interface FamilyAccumulators {
  readonly deductibleUsed: Fen[];
}

export interface Accumulators {
  readonly deductibleUsed: Fen[]; // by pool
  readonly paidByLiability: Fen[];
  /** Cumulative eligible amount after deductible, by liability: positions cost bands. */
  readonly baseByLiability: Fen[];
  readonly paidByCapGroup: Fen[];
  paidTotal: Fen;
  readonly paidByItem: Map<string, Fen>;
  /** Schema v2: records paid (payout > 0) by liability, for `maxClaimsPerYear`. */
  readonly claimsByLiability: number[];
  /** Schema v2: paid per liability and med_list_codg, for `unitCaps` per code (key: `unitKey`). */
  readonly paidByUnit: Map<string, Fen>;
  /** The family's shared pools, when the person's family is known; see FamilyAccumulators. */
  family?: FamilyAccumulators | undefined;
}

/** The key of a per-code unit cap: the liability and the code (a code may be capped by two liabilities). */
export function unitKey(liabilityId: string, code: string): string {
  return `${liabilityId}|${code}`;
}

export function emptyFamilyAccumulators(plan: CompiledPlan): FamilyAccumulators {
  return { deductibleUsed: new Array<Fen>(plan.pools.length).fill(0) };
}

/** Reads a family's stored shared pools back for `plan` (the same invariant checks as a person's row). */
export function familyAccumulatorsFromJson(plan: CompiledPlan, json: FamilyAccumulators): FamilyAccumulators {
  const used: unknown = json?.deductibleUsed;
  if (
    !Array.isArray(used) ||
    used.length !== plan.pools.length ||
    !used.every((x) => Number.isSafeInteger(x) && x >= 0)
  ) {
    throw new Error(`invariant: stored family accumulators do not fit plan ${plan.productId}/${plan.planId}`);
  }
  return { deductibleUsed: [...(used as Fen[])] };
}

export function emptyAccumulators(plan: CompiledPlan): Accumulators {
  // One per policy and hot in batch runs: plain zero-filled arrays, no closures.
  const liabilities = plan.liabilities.length;
  return {
    deductibleUsed: new Array<Fen>(plan.pools.length).fill(0),
    paidByLiability: new Array<Fen>(liabilities).fill(0),
    baseByLiability: new Array<Fen>(liabilities).fill(0),
    paidByCapGroup: new Array<Fen>(plan.capGroups.length).fill(0),
    paidTotal: 0,
    paidByItem: new Map(),
    claimsByLiability: new Array<number>(liabilities).fill(0),
    paidByUnit: new Map(),
  };
}

/** A snapshot: the family's shared state is copied too, so running on the copy changes nothing shared. */
export function cloneAccumulators(acc: Accumulators): Accumulators {
  const out: Accumulators = {
    deductibleUsed: [...acc.deductibleUsed],
    paidByLiability: [...acc.paidByLiability],
    baseByLiability: [...acc.baseByLiability],
    paidByCapGroup: [...acc.paidByCapGroup],
    paidTotal: acc.paidTotal,
    paidByItem: new Map(acc.paidByItem),
    claimsByLiability: [...acc.claimsByLiability],
    paidByUnit: new Map(acc.paidByUnit),
  };
  if (acc.family !== undefined) out.family = { deductibleUsed: [...acc.family.deductibleUsed] };
  return out;
}

/**
 * The stored form of a policy's accumulators (a database column): plain arrays and item lists. The schema v2
 * fields are optional so that rows stored before them (v1) read back as "nothing counted yet". The family's
 * shared pools are not part of a person's row (see FamilyAccumulators).
 */
export interface AccumulatorsJson {
  readonly deductibleUsed: Fen[];
  readonly paidByLiability: Fen[];
  readonly baseByLiability: Fen[];
  readonly paidByCapGroup: Fen[];
  readonly paidTotal: Fen;
  readonly paidByItem: [string, Fen][];
  readonly claimsByLiability?: number[];
  readonly paidByUnit?: [string, Fen][];
}

export function accumulatorsToJson(acc: Accumulators): AccumulatorsJson {
  return {
    deductibleUsed: [...acc.deductibleUsed],
    paidByLiability: [...acc.paidByLiability],
    baseByLiability: [...acc.baseByLiability],
    paidByCapGroup: [...acc.paidByCapGroup],
    paidTotal: acc.paidTotal,
    paidByItem: [...acc.paidByItem],
    claimsByLiability: [...acc.claimsByLiability],
    paidByUnit: [...acc.paidByUnit],
  };
}

/**
 * Reads stored accumulators back for `plan`. A shape that does not fit the plan (another plan's state, a
 * hand-edited row) is a broken invariant, not bad input: it throws rather than pay from a wrong state. A row
 * stored before schema v2 (no claim counts, no unit amounts) reads with zero counts and no unit amounts.
 */
export function accumulatorsFromJson(plan: CompiledPlan, json: AccumulatorsJson): Accumulators {
  const fits = (xs: unknown, n: number) =>
    Array.isArray(xs) && xs.length === n && xs.every((x) => Number.isSafeInteger(x) && x >= 0);
  const liabilities = plan.liabilities.length;
  if (
    !fits(json.deductibleUsed, plan.pools.length) ||
    !fits(json.paidByLiability, liabilities) ||
    !fits(json.baseByLiability, liabilities) ||
    !fits(json.paidByCapGroup, plan.capGroups.length) ||
    !Number.isSafeInteger(json.paidTotal) ||
    json.paidTotal < 0 ||
    !Array.isArray(json.paidByItem) ||
    (json.claimsByLiability !== undefined && !fits(json.claimsByLiability, liabilities)) ||
    (json.paidByUnit !== undefined && !Array.isArray(json.paidByUnit))
  ) {
    throw new Error(`invariant: stored accumulators do not fit plan ${plan.productId}/${plan.planId}`);
  }
  return {
    deductibleUsed: [...json.deductibleUsed],
    paidByLiability: [...json.paidByLiability],
    baseByLiability: [...json.baseByLiability],
    paidByCapGroup: [...json.paidByCapGroup],
    paidTotal: json.paidTotal,
    paidByItem: new Map(json.paidByItem),
    claimsByLiability:
      json.claimsByLiability === undefined
        ? new Array<number>(liabilities).fill(0)
        : [...json.claimsByLiability],
    paidByUnit: new Map(json.paidByUnit ?? []),
  };
}
