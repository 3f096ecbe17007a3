/**
 * Adjudicates a file's worth of settlement records as `hmb adjudicate` defines it: every person in the
 * input is insured under one plan for the product's coverage period; records outside it are history (for
 * pre-existing rules) and come back `not_covered`. Each person's events are processed in setl_time order
 * (ties by setl_id) whatever the input order; results come back in input order. Invalid records are
 * reported and touch no accumulator. In memory, no I/O: the CLI streams lines in and results out.
 */
import { parseSettlementLine, type RecordError, type Settlement } from "../domain/settlement.js";
import { emptyAccumulators } from "./accumulators.js";
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
    const index = this.settlements.length;
    const parsed = parseSettlementLine(line);
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
        error: { code: "duplicate_setl_id", field: "setl_id", message: `setl_id ${s.setlId} 在本文件中重复` },
      });
      this.settlements.push(undefined);
      return;
    }
    this.seenSetlIds.add(s.setlId);
    this.settlements.push(s);
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
        this.adjudicatePerson(byPerson.get(s.psnNo) as number[], (index, e) => {
          if (index === i) entry = e;
          else waiting.set(index, e);
        });
        byPerson.delete(s.psnNo);
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

  private byPerson(): Map<string, number[]> {
    const byPerson = new Map<string, number[]>();
    this.settlements.forEach((s, i) => {
      if (s === undefined) return;
      const list = byPerson.get(s.psnNo);
      if (list === undefined) byPerson.set(s.psnNo, [i]);
      else list.push(i);
    });
    return byPerson;
  }

  /** One person's events in setl_time order (ties by setl_id), under one policy with fresh accumulators. */
  private adjudicatePerson(
    indexes: readonly number[],
    put: (index: number, entry: BatchEntry) => void,
  ): void {
    const coverage = this.plan.coverage;
    const events = indexes.map((i) => this.settlements[i] as Settlement);
    const order = indexes.map((_, k) => k);
    order.sort((a, b) => {
      const x = events[a] as Settlement;
      const y = events[b] as Settlement;
      return x.settledAt - y.settledAt || (x.setlId < y.setlId ? -1 : x.setlId > y.setlId ? 1 : 0);
    });
    const terms: PolicyTerms = {
      coverage,
      cohort: undefined,
      preExisting: derivePreExisting(this.plan, coverage.start, events),
    };
    const acc = emptyAccumulators(this.plan);
    for (const k of order) {
      put(indexes[k] as number, {
        kind: "result",
        adjudication: adjudicate(this.plan, terms, acc, events[k] as Settlement),
      });
    }
  }
}
