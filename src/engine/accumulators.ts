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
