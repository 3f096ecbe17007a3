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
  return {
    deductibleUsed: plan.pools.map(() => 0),
    paidByLiability: plan.liabilities.map(() => 0),
    baseByLiability: plan.liabilities.map(() => 0),
    paidByCapGroup: plan.capGroups.map(() => 0),
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
