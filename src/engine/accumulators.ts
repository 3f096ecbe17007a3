/**
 * A policy's annual accumulators. They carry across the events of one policy year and are the only state
 * the engine touches; every change is recorded on the benefit lines so that revocation can undo it exactly.
 */
import type { Fen } from "../domain/money.js";
import type { CompiledPlan } from "./compile.js";

export interface Accumulators {
  readonly deductibleUsed: Fen[]; // by pool
  readonly paidByLiability: Fen[];
  /** Cumulative eligible amount after deductible, by liability: positions cost bands. */
  readonly baseByLiability: Fen[];
  readonly paidByCapGroup: Fen[];
  paidTotal: Fen;
  readonly paidByItem: Map<string, Fen>;
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
  };
}

export function cloneAccumulators(acc: Accumulators): Accumulators {
  return {
    deductibleUsed: [...acc.deductibleUsed],
    paidByLiability: [...acc.paidByLiability],
    baseByLiability: [...acc.baseByLiability],
    paidByCapGroup: [...acc.paidByCapGroup],
    paidTotal: acc.paidTotal,
    paidByItem: new Map(acc.paidByItem),
  };
}

/** The stored form of a policy's accumulators (a database column): plain arrays and an item list. */
export interface AccumulatorsJson {
  readonly deductibleUsed: Fen[];
  readonly paidByLiability: Fen[];
  readonly baseByLiability: Fen[];
  readonly paidByCapGroup: Fen[];
  readonly paidTotal: Fen;
  readonly paidByItem: [string, Fen][];
}

export function accumulatorsToJson(acc: Accumulators): AccumulatorsJson {
  return {
    deductibleUsed: [...acc.deductibleUsed],
    paidByLiability: [...acc.paidByLiability],
    baseByLiability: [...acc.baseByLiability],
    paidByCapGroup: [...acc.paidByCapGroup],
    paidTotal: acc.paidTotal,
    paidByItem: [...acc.paidByItem],
  };
}

/**
 * Reads stored accumulators back for `plan`. A shape that does not fit the plan (another plan's state, a
 * hand-edited row) is a broken invariant, not bad input: it throws rather than pay from a wrong state.
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
    !Array.isArray(json.paidByItem)
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
  };
}
