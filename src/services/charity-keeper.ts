/**
 * Who among the charity accounts may see and use a charity pool (migration 034): the charity that keeps it, or
 * any charity when the pool has no keeper (the program's own pool). Every other role is scoped by its routes.
 * One rule, in TypeScript for a pool read by id and in SQL for statements that list pools or what they paid.
 */
import type { SqlParam } from "../db/database.js";
import { type Actor, ServiceError } from "./context.js";

export function mayUseCharityPool(actor: Actor, keeper: string | null): boolean {
  return actor.role !== "charity" || keeper === null || keeper === actor.id;
}

/**
 * The same rule over the charity_pools row `alias`, as a condition; `p` places the actor's id as a parameter.
 * Always true for roles other than charity.
 */
export function charityPoolScope(actor: Actor, alias: string, p: (value: SqlParam) => string): string {
  if (actor.role !== "charity") return "true";
  return `(${alias}.keeper is null or ${alias}.keeper = ${p(actor.id)})`;
}

/**
 * The keeper a new pool gets: a charity account keeps the pools it opens; an operator or admin may name a charity
 * account of the program (checked by the caller against users) or none.
 */
export function keeperOfNewPool(actor: Actor, named: string | undefined): string | null {
  if (actor.role !== "charity") return named ?? null;
  if (named !== undefined && named !== actor.id)
    throw new ServiceError("forbidden", "forbidden", "慈善机构账号只能为自己开设资金池", "keeper");
  return actor.id;
}
