/**
 * Adjudicates a file's worth of settlement records as `hmb adjudicate` defines it: every person in the
 * input is insured under one plan for the product's coverage period; records outside it are history (for
 * pre-existing rules) and come back `not_covered`. Each person's events are processed in setl_time order
 * (ties by setl_id) whatever the input order; results come back in input order. Invalid records are
 * reported and touch no accumulator. In memory, no I/O: the CLI streams lines in and results out.
 */
import type { Cohort } from "../domain/cohort.js";
import {
  parseSettlementLine,
  type RecordError,
  type Settlement,
  type SettlementLineParse,
} from "../domain/settlement.js";
import { BEIJING_OFFSET_MS, type EpochMs, inPeriod } from "../domain/time.js";
import { type Accumulators, emptyAccumulators, emptyFamilyAccumulators } from "./accumulators.js";
import { type Adjudication, adjudicate } from "./adjudicate.js";
import type { CompiledPlan, PolicyTerms } from "./compile.js";
import { derivePreExisting } from "./preexisting.js";

export type BatchEntry =
  | { readonly kind: "result"; readonly adjudication: Adjudication }
  | { readonly kind: "error"; readonly setlId: string; readonly psnNo: string; readonly error: RecordError };

function idsOf(line: string): { setlId: string; psnNo: string } {
  // Best effort for error lines: the record may not even be JSON.
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    const text = (v: unknown) =>
      typeof v === "string" || typeof v === "number" ? String(v).slice(0, 64) : "";
    return { setlId: text(raw?.setl_id), psnNo: text(raw?.psn_no) };
  } catch {
    return { setlId: "", psnNo: "" };
  }
}

/** The error of a line whose setl_id an earlier valid line of the file already has. */
export function duplicateError(setlId: string): RecordError {
  return { code: "duplicate_setl_id", field: "setl_id", message: `setl_id ${setlId} 在本文件中重复` };
}

export class AdjudicationBatch {
  private readonly settlements: (Settlement | undefined)[] = [];
  private readonly errors = new Map<number, BatchEntry>();
  private readonly seenSetlIds = new Set<string>();

  constructor(private readonly plan: CompiledPlan) {}

  get size(): number {
    return this.settlements.length;
  }

  /** Adds one input line (without its newline). Blank lines count as invalid records. */
  add(line: string): void {
    this.addParsed(line, parseSettlementLine(line));
  }

  /**
   * Adds a line already parsed by `parseSettlementLine`: `hmb replay` parses each line once and hands the same
   * (immutable) settlement to the batch of every design it compares.
   */
  addParsed(line: string, parsed: SettlementLineParse): void {
    const index = this.settlements.length;
    if (!parsed.ok) {
      const ids = idsOf(line);
      this.errors.set(index, { kind: "error", ...ids, error: parsed.error });
      this.settlements.push(undefined);
      return;
    }
    const s = parsed.settlement;
    if (this.seenSetlIds.has(s.setlId)) {
      this.errors.set(index, {
        kind: "error",
        setlId: s.setlId,
        psnNo: s.psnNo,
        error: duplicateError(s.setlId),
      });
      this.settlements.push(undefined);
      return;
    }
    this.seenSetlIds.add(s.setlId);
    this.settlements.push(s);
  }

  /** The settlement added at `index` (0-based, in add order), or undefined for a line reported as an error. */
  settlementAt(index: number): Settlement | undefined {
    return this.settlements[index];
  }

  /**
   * Turns the valid line at `index` into a duplicate_setl_id error, exactly as `add` reports a repeated
   * setl_id, before the batch is run: a caller that splits one file over several batches (worker threads,
   * src/cli/parallel.ts) learns only after all lines are in that another batch saw the setl_id first.
   */
  rejectDuplicate(index: number): void {
    const s = this.settlements[index];
    if (s === undefined) return;
    this.errors.set(index, {
      kind: "error",
      setlId: s.setlId,
      psnNo: s.psnNo,
      error: duplicateError(s.setlId),
    });
    this.settlements[index] = undefined;
  }

  /** Runs the engine over every person and returns one entry per input line, in input order. */
  run(): BatchEntry[] {
    const out: BatchEntry[] = new Array(this.settlements.length);
    for (const [index, entry] of this.errors) out[index] = entry;
    for (const indexes of this.byPerson().values()) {
      this.adjudicatePerson(indexes, (index, entry) => {
        out[index] = entry;
      });
    }
    return out;
  }

  /**
   * The same entries as `run()`, yielded one by one in input order, for streaming output: a person's events are
   * adjudicated together when the first of their lines comes up, and each settlement and result is let go as
   * soon as it has been yielded, so memory falls as the output proceeds. Consumes the batch.
   */
  *drain(): Generator<BatchEntry> {
    const byPerson = this.byPerson();
    const waiting = new Map<number, BatchEntry>();
    const settlements = this.settlements;
    const n = settlements.length;
    for (let i = 0; i < n; i++) {
      const error = this.errors.get(i);
      if (error !== undefined) {
        yield error;
        continue;
      }
      let entry = waiting.get(i);
      if (entry === undefined) {
        const s = settlements[i] as Settlement;
        const group = this.groupOf(s);
        this.adjudicatePerson(byPerson.get(group) as number[], (index, e) => {
          if (index === i) entry = e;
          else waiting.set(index, e);
        });
        byPerson.delete(group);
      } else {
        waiting.delete(i);
      }
      settlements[i] = undefined;
      yield entry as BatchEntry;
    }
    this.errors.clear();
    this.seenSetlIds.clear();
    settlements.length = 0;
  }

  /**
   * Input indexes grouped by who is adjudicated together: by person, or — when the plan has a family-shared
   * deductible pool — by the family key of a person's records (hmb_family_key), so that the members' events
   * draw on the shared pool in setl_time order. A person without a key is a family of one.
   */
  private byPerson(): Map<string, number[]> {
    const byPerson = new Map<string, number[]>();
    this.families = this.plan.hasFamilyPools ? familyKeys(this.settlements) : undefined;
    this.settlements.forEach((s, i) => {
      if (s === undefined) return;
      const key = this.groupOf(s);
      const list = byPerson.get(key);
      if (list === undefined) byPerson.set(key, [i]);
      else list.push(i);
    });
    return byPerson;
  }

  private families: Map<string, string> | undefined;

  private groupOf(s: Settlement): string {
    return this.families?.get(s.psnNo) ?? s.psnNo;
  }

  /**
   * One group's events (a person's, or a family's) in setl_time order (ties by setl_id); each person under one
   * policy with fresh accumulators, the members of a family sharing one FamilyAccumulators.
   */
  private adjudicatePerson(
    indexes: readonly number[],
    put: (index: number, entry: BatchEntry) => void,
  ): void {
    const events = indexes.map((i) => this.settlements[i] as Settlement);
    const order = indexes.map((_, k) => k);
    order.sort((a, b) => {
      const x = events[a] as Settlement;
      const y = events[b] as Settlement;
      return x.settledAt - y.settledAt || (x.setlId < y.setlId ? -1 : x.setlId > y.setlId ? 1 : 0);
    });
    if (!this.plan.hasFamilyPools) {
      // One person (the usual case): one policy, no family bookkeeping.
      const sorted = order.map((k) => events[k] as Settlement);
      const terms = termsOf(this.plan, sorted);
      const acc = emptyAccumulators(this.plan);
      for (const k of order) {
        const adjudication = adjudicate(this.plan, terms, acc, events[k] as Settlement);
        put(indexes[k] as number, { kind: "result", adjudication });
      }
      return;
    }
    const family = emptyFamilyAccumulators(this.plan);
    const people = new Map<string, { terms: PolicyTerms; acc: Accumulators }>();
    const policyOf = (psnNo: string) => {
      let p = people.get(psnNo);
      if (p === undefined) {
        const own = order.map((k) => events[k] as Settlement).filter((e) => e.psnNo === psnNo);
        const acc = emptyAccumulators(this.plan);
        acc.family = family;
        p = { terms: termsOf(this.plan, own), acc };
        people.set(psnNo, p);
      }
      return p;
    };
    for (const k of order) {
      const s = events[k] as Settlement;
      const { terms, acc } = policyOf(s.psnNo);
      put(indexes[k] as number, { kind: "result", adjudication: adjudicate(this.plan, terms, acc, s) });
    }
  }
}

/** psn_no → family key, from the first record of each person that carries hmb_family_key. */
function familyKeys(settlements: readonly (Settlement | undefined)[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const s of settlements) {
    const key = s?.person?.familyKey;
    if (s !== undefined && key !== undefined && !keys.has(s.psnNo)) keys.set(s.psnNo, `family:${key}`);
  }
  return keys;
}

/**
 * A person's policy terms for a file: the pre-existing flags from their history, and the person facts of
 * their records (schema v2: hmb_insured_years, hmb_claim_free_years, hmb_cohort, hmb_services_redeemed, brdy,
 * gend) — each taken from the first record in setl_time order inside coverage that carries it, else from the
 * first record that does.
 */
function termsOf(plan: CompiledPlan, events: readonly Settlement[]): PolicyTerms {
  const coverage = plan.coverage;
  const fact = <T>(pick: (s: Settlement) => T | undefined): T | undefined => {
    let outside: T | undefined;
    for (const s of events) {
      const v = pick(s);
      if (v === undefined) continue;
      if (inPeriod(coverage, s.admittedAt)) return v;
      outside ??= v;
    }
    return outside;
  };
  const birthDate = fact((s) => s.person?.birthDate);
  const base: PolicyTerms = {
    coverage,
    cohort: fact((s) => s.person?.cohort) as Cohort | undefined,
    preExisting: derivePreExisting(plan, coverage.start, events),
  };
  const insuredYears = fact((s) => s.person?.insuredYears);
  const claimFreeYears = fact((s) => s.person?.claimFreeYears);
  const sex = fact((s) => s.person?.sex);
  const familyKey = fact((s) => s.person?.familyKey);
  const servicesRedeemed = fact((s) => s.person?.servicesRedeemed);
  return {
    ...base,
    ...(insuredYears !== undefined ? { insuredYears } : {}),
    ...(claimFreeYears !== undefined ? { claimFreeYears } : {}),
    ...(birthDate !== undefined ? { ageAtStart: ageAt(birthDate, coverage.start) } : {}),
    ...(sex !== undefined ? { sex } : {}),
    ...(familyKey !== undefined ? { familyKey } : {}),
    ...(servicesRedeemed !== undefined ? { servicesRedeemed: new Set(servicesRedeemed) } : {}),
  };
}

/** Age in whole years on the Beijing calendar day of `at`, for a birth date yyyy-MM-dd. */
export function ageAt(birthDate: string, at: EpochMs): number {
  const [by, bm, bd] = birthDate.split("-").map(Number) as [number, number, number];
  const d = new Date(at + BEIJING_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return y - by - (m < bm || (m === bm && day < bd) ? 1 : 0);
}
