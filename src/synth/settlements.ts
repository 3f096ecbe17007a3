/**
 * Synthetic settlement records (DESIGN.md §3 wire format) for a product's region: insured persons with an
 * age/sex/insurance-type mix like the region's population, their hospital stays, chronic-disease outpatient
 * visits and special-drug purchases over the product's coverage year and the `historyYears` before it, each
 * settled by a simplified model of basic insurance, 大病保险 / 职工大额, 公务员补助 and 医疗救助.
 *
 * This module runs the parts in order for each person: population.ts (who, and which events), encounters.ts
 * (where, what and at what cost), fund-model.ts (who pays) and output.ts (the JSONL line and statistics).
 *
 * Pure and deterministic: no I/O, no clock, no global state; the same options give the same lines (every
 * person draws from their own stream, `Rng(seed, index)`, in a fixed order).
 * Every parameter, its source or the fact that it is an assumption, is documented in docs/synthetic-data.md.
 */
import type { Product } from "../domain/product.js";
import { minusYears } from "../domain/time.js";
import { Encounters, productCatalogs } from "./encounters.js";
import { beijingYear, TimeFormatter } from "./format.js";
import { FundModel } from "./fund-model.js";
import { DAY_MS } from "./model.js";
import { emptyStats, LineWriter, type SynthStats } from "./output.js";
import { Population } from "./population.js";
import { regionProfile } from "./regions.js";
import { Rng } from "./rng.js";

export type { SynthStats } from "./output.js";

export interface SynthOptions {
  readonly product: Product;
  /** Number of insured persons to simulate (output lines ≈ their events, most persons have none). */
  readonly persons: number;
  readonly seed: number;
  /** Fraction of output lines deliberately broken (0 … 1). */
  readonly invalidRate?: number;
  /** Years of history before coverage start (for pre-existing rules). Default 2. */
  readonly historyYears?: number;
  /** Stop after this many lines (the last person may be cut short). */
  readonly maxLines?: number;
}

const DEFAULT_HISTORY_YEARS = 2;
const MAX_HISTORY_YEARS = 10;
/** Settlements of the coverage year's last stays can fall this long after its end (a long stay). */
const SETTLEMENT_TAIL_DAYS = 400;
/** The stream of the line corruptions, apart from every person's. */
const INVALID_STREAM = -1;

const decoder = new TextDecoder();

export class SettlementSynthesizer {
  readonly stats: SynthStats = emptyStats();
  private readonly seed: number;
  private readonly persons: number;
  private readonly maxLines: number;
  private readonly population: Population;
  private readonly encounters: Encounters;
  private readonly fund: FundModel;
  private readonly output: LineWriter;
  private nextIndex = 0;

  constructor(options: SynthOptions) {
    const { product } = options;
    if (!Number.isSafeInteger(options.persons) || options.persons < 0)
      throw new Error("persons must be a whole number ≥ 0");
    if (!Number.isSafeInteger(options.seed) || options.seed < 0)
      throw new Error("seed must be a whole number ≥ 0");
    const invalidRate = options.invalidRate ?? 0;
    if (!(invalidRate >= 0 && invalidRate <= 1)) throw new Error("invalid rate must be between 0 and 1");
    const historyYears = options.historyYears ?? DEFAULT_HISTORY_YEARS;
    if (!Number.isInteger(historyYears) || historyYears < 0 || historyYears > MAX_HISTORY_YEARS) {
      throw new Error("history years must be a whole number from 0 to 10");
    }
    this.seed = options.seed;
    this.persons = options.persons;
    this.maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;

    const time = new TimeFormatter();
    const profile = regionProfile(product.region.code);
    const coverageStart = product.coverage.start;
    const coverageEnd = product.coverage.end;
    const spanStart = minusYears(coverageStart, historyYears);
    const firstYear = beijingYear(spanStart);
    const years = beijingYear(coverageEnd + SETTLEMENT_TAIL_DAYS * DAY_MS) - firstYear + 1;
    this.fund = new FundModel(time, firstYear, years);
    const catalogs = productCatalogs(product);
    this.population = new Population(profile, spanStart, coverageEnd - spanStart, {
      drugItems: catalogs.drug?.items,
      carT: catalogs.carT !== undefined,
      proton: catalogs.proton !== undefined,
    });
    this.encounters = new Encounters(product, profile, catalogs, this.population.countyCdf, this.fund);
    this.output = new LineWriter(
      this.stats,
      time,
      product.region.code,
      coverageStart,
      coverageEnd,
      invalidRate,
      new Rng(options.seed, INVALID_STREAM),
    );
  }

  get done(): boolean {
    return this.nextIndex >= this.persons || this.stats.lines >= this.maxLines;
  }

  /**
   * Simulates the next person and returns their settlements as UTF-8 JSONL, one line per settlement, each
   * ending with a newline (empty for the many persons without any). The view is reused by the next call.
   */
  nextPersonBytes(): Uint8Array {
    this.output.clear();
    this.simulate();
    return this.output.bytes();
  }

  /** Same as `nextPersonBytes`, decoded: appends one string per line (without newline) to `out`. */
  nextPerson(out: string[]): void {
    const bytes = this.nextPersonBytes();
    if (bytes.length === 0) return;
    const text = decoder.decode(bytes);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      out.push(text.slice(start, nl));
      start = nl + 1;
    }
  }

  private simulate(): void {
    if (this.done) return;
    const index = this.nextIndex++;
    this.stats.persons++;
    const rng = new Rng(this.seed, index);
    const population = this.population;
    const count = population.draw(rng, index);
    if (count === 0) return;
    this.stats.personsWithEvents++;
    const person = population.person;
    this.output.writeIdentity(rng, person, population.homeCounty());
    this.fund.reset();
    for (let k = 0; k < count; k++) {
      if (this.stats.lines >= this.maxLines) return;
      this.output.emit(
        this.encounters.draft(rng, person, population.kindAt(k), population.timeAt(k)),
        person,
      );
    }
  }
}

/**
 * Generates JSONL text in chunks of about `linesPerChunk` lines, each chunk ending with a newline; returns the
 * statistics when done. For tests and small files; the CLI writes `nextPersonBytes()` straight to its output.
 */
export function* synthesizeSettlements(
  options: SynthOptions,
  linesPerChunk = 4096,
): Generator<string, SynthStats> {
  const synth = new SettlementSynthesizer(options);
  let lines: string[] = [];
  while (!synth.done) {
    synth.nextPerson(lines);
    if (lines.length >= linesPerChunk) {
      yield `${lines.join("\n")}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join("\n")}\n`;
  return synth.stats;
}
