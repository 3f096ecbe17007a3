/**
 * Engine in memory (DESIGN.md §8: ≥ 3,000,000 settlements/s on one core).
 *
 * Synthetic settlements are generated, parsed into `Settlement` objects and grouped by person in setl_time
 * order (ties by setl_id) beforehand, with each person's pre-existing flags derived; only the adjudication
 * loop is timed: a fresh set of accumulators per person (one policy) and `adjudicate` for each event.
 *
 * Run as a child process by bench/run.ts with --single-threaded-gc so that the figure is truly one core;
 * prints one JSON object on stdout.
 */
import { parseSettlementLine, type Settlement } from "../src/domain/settlement.js";
import { emptyAccumulators } from "../src/engine/accumulators.js";
import { adjudicate } from "../src/engine/adjudicate.js";
import { type CompiledPlan, compilePlan, type PolicyTerms } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { getProduct } from "../src/products/index.js";
import { SettlementSynthesizer } from "../src/synth/settlements.js";
import { log, median } from "./common.js";

export const ENGINE_TARGET_PER_SECOND = 3_000_000;

interface Person {
  readonly events: Settlement[];
  readonly terms: PolicyTerms;
}

export interface EngineFigures {
  product: string;
  plan: string;
  persons: number;
  personsWithSettlements: number;
  settlements: number;
  settlementsInCoverageYear: number;
  rounds: number;
  /** All settlements (history years come back not_covered quickly, as in a real file). */
  bestPerSecond: number;
  medianPerSecond: number;
  /** Only the coverage year's settlements, which go through every liability. */
  inCoverageBestPerSecond: number;
  inCoverageMedianPerSecond: number;
  /** Same loop plus derivePreExisting per person. */
  withPreExistingBestPerSecond: number;
  checksumFen: number;
}

function prepare(plan: CompiledPlan, productId: string, persons: number, seed: number): Person[] {
  const synth = new SettlementSynthesizer({ product: getProduct(productId), persons, seed });
  const out: Person[] = [];
  const lines: string[] = [];
  while (!synth.done) {
    lines.length = 0;
    synth.nextPerson(lines);
    if (lines.length === 0) continue;
    const events = lines.map((l) => {
      const parsed = parseSettlementLine(l);
      if (!parsed.ok) throw new Error(`synthetic record rejected: ${JSON.stringify(parsed.error)}`);
      return parsed.settlement;
    });
    events.sort(
      (x, y) => x.settledAt - y.settledAt || (x.setlId < y.setlId ? -1 : x.setlId > y.setlId ? 1 : 0),
    );
    out.push({
      events,
      terms: {
        coverage: plan.coverage,
        cohort: undefined,
        preExisting: derivePreExisting(plan, plan.coverage.start, events),
      },
    });
  }
  return out;
}

/** The timed loop. Returns the total payout (fen) so the work cannot be optimised away. */
function adjudicateAll(plan: CompiledPlan, people: readonly Person[]): number {
  let paid = 0;
  for (let p = 0; p < people.length; p++) {
    const person = people[p] as Person;
    const acc = emptyAccumulators(plan);
    const events = person.events;
    for (let i = 0; i < events.length; i++)
      paid += adjudicate(plan, person.terms, acc, events[i] as Settlement).hmbPay;
  }
  return paid;
}

function adjudicateWithPreExisting(plan: CompiledPlan, people: readonly Person[]): number {
  let paid = 0;
  for (let p = 0; p < people.length; p++) {
    const person = people[p] as Person;
    const events = person.events;
    const terms: PolicyTerms = {
      coverage: plan.coverage,
      cohort: undefined,
      preExisting: derivePreExisting(plan, plan.coverage.start, events),
    };
    const acc = emptyAccumulators(plan);
    for (let i = 0; i < events.length; i++)
      paid += adjudicate(plan, terms, acc, events[i] as Settlement).hmbPay;
  }
  return paid;
}

function timeRounds(
  rounds: number,
  settlements: number,
  run: () => number,
): { perSecond: number[]; checksum: number } {
  let checksum = run(); // warm-up, not counted
  const perSecond: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    const paid = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (paid !== checksum)
      throw new Error(`round ${r} paid ${paid}, expected ${checksum}: the engine is not deterministic`);
    checksum = paid;
    perSecond.push(settlements / seconds);
  }
  return { perSecond, checksum };
}

export function runEngineBench(options: {
  product: string;
  plan?: string;
  persons: number;
  seed: number;
  rounds: number;
}): EngineFigures {
  const product = getProduct(options.product);
  const plan = compilePlan(product, options.plan);
  log(
    `engine: generating and parsing ${options.persons.toLocaleString("en-US")} persons for ${options.product}/${plan.planId} …`,
  );
  const people = prepare(plan, options.product, options.persons, options.seed);
  const settlements = people.reduce((n, p) => n + p.events.length, 0);
  const inCoverage: Person[] = people
    .map((p) => ({
      terms: p.terms,
      events: p.events.filter((s) => s.admittedAt >= plan.coverage.start && s.admittedAt < plan.coverage.end),
    }))
    .filter((p) => p.events.length > 0);
  const inCoverageCount = inCoverage.reduce((n, p) => n + p.events.length, 0);
  log(
    `engine: ${settlements.toLocaleString("en-US")} settlements (${inCoverageCount.toLocaleString("en-US")} in the coverage year); timing ${options.rounds} rounds …`,
  );

  const all = timeRounds(options.rounds, settlements, () => adjudicateAll(plan, people));
  const covered = timeRounds(options.rounds, inCoverageCount, () => adjudicateAll(plan, inCoverage));
  const withPre = timeRounds(Math.max(3, Math.floor(options.rounds / 2)), settlements, () =>
    adjudicateWithPreExisting(plan, people),
  );
  return {
    product: options.product,
    plan: plan.planId,
    persons: options.persons,
    personsWithSettlements: people.length,
    settlements,
    settlementsInCoverageYear: inCoverageCount,
    rounds: options.rounds,
    bestPerSecond: Math.round(Math.max(...all.perSecond)),
    medianPerSecond: Math.round(median(all.perSecond)),
    inCoverageBestPerSecond: Math.round(Math.max(...covered.perSecond)),
    inCoverageMedianPerSecond: Math.round(median(covered.perSecond)),
    withPreExistingBestPerSecond: Math.round(Math.max(...withPre.perSecond)),
    checksumFen: all.checksum,
  };
}

// As a child process: `node --single-threaded-gc dist/bench/engine.js [persons] [rounds]` → JSON on stdout.
if (process.argv[1]?.endsWith("engine.js") === true) {
  const persons = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 10);
  const figures = [
    runEngineBench({ product: "wenshan-2023", persons, seed: 42, rounds }),
    runEngineBench({ product: "chuxiong-2023", plan: "plus", persons, seed: 42, rounds }),
  ];
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
