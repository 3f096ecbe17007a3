/**
 * Property-based tests of the benefit engine over both seed products (fast-check, fixed seeds).
 *  - payout never exceeds the person's burden, nor any cap, per event and cumulatively;
 *  - splitting one settlement into two never pays more (up to the per-line rounding, see below);
 *  - a higher ratio never pays less;
 *  - results do not depend on the input order across persons.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Product, parseProduct } from "../src/domain/product.js";
import { formatBusinessTime } from "../src/domain/time.js";
import type { Adjudication } from "../src/engine/adjudicate.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { type CompiledPlan, compilePlan, NO_LIMIT } from "../src/engine/compile.js";
import chuxiongJson from "../src/products/chuxiong-2023.json" with { type: "json" };
import { getProduct } from "../src/products/index.js";
import wenshanJson from "../src/products/wenshan-2023.json" with { type: "json" };
import { jsonl, personOn, type RecordSpec, Y } from "./fixtures.js";

const NUM_RUNS = 300;

interface Setup {
  readonly name: string;
  readonly productJson: unknown;
  readonly planId: string;
  readonly regions: readonly string[];
  readonly institutions: readonly string[];
  readonly codes: readonly string[];
  readonly history: RecordSpec;
}

function codesOf(product: Product): string[] {
  return [...product.catalogs.flatMap((c) => c.items.map((i) => i.code)), "NOT-IN-CATALOG"];
}

const WS: Setup = {
  name: "wenshan-2023/standard",
  productJson: wenshanJson,
  planId: "standard",
  regions: ["532621", "532601", "530102"],
  institutions: ["H53260100001", "P53260100002", "H53269999999"],
  codes: codesOf(getProduct("wenshan-2023")),
  history: { setlId: "H", diagnosis: "C91.000", setlTime: "2023-05-01 10:00:00" },
};
const CX_BASIC: Setup = {
  name: "chuxiong-2023/basic",
  productJson: chuxiongJson,
  planId: "basic",
  regions: ["532301", "532331", "530102"],
  institutions: ["H53230100001", "P53230100001", "H53239999999"],
  codes: codesOf(getProduct("chuxiong-2023")),
  history: { setlId: "H", setlTime: "2022-05-01 10:00:00", region: "532301", criticalIllness: Y(10_000) },
};
const CX_PLUS: Setup = { ...CX_BASIC, name: "chuxiong-2023/plus", planId: "plus" };
const SETUPS = [WS, CX_BASIC, CX_PLUS];

/** One generated event; amounts in fen. Catalog items are drawn from the out-of-scope part of the bill. */
interface Ev {
  inScope: number;
  fullOwnPay: number;
  overLimit: number;
  medType: string;
  region: string;
  institution: string;
  items: { code: string; permille: number }[];
  /** Seconds after coverage start (negative or past the end: outside coverage). */
  at: number;
}

const YEAR_SECONDS = 365 * 86_400;

function evArb(setup: Setup, opts: { wholeYuan: boolean; outside?: boolean }): fc.Arbitrary<Ev> {
  const amount = fc
    .oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 0, max: Y(60_000) }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: Y(3_000_000) }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: Y(12_000_000) }) },
    )
    .map((fen) => (opts.wholeYuan ? fen - (fen % 100) : fen));
  const at = opts.outside
    ? fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: YEAR_SECONDS - 1 }) },
        { weight: 1, arbitrary: fc.integer({ min: -YEAR_SECONDS, max: -1 }) },
        { weight: 1, arbitrary: fc.integer({ min: YEAR_SECONDS + 86_400, max: 2 * YEAR_SECONDS }) },
      )
    : fc.integer({ min: 0, max: YEAR_SECONDS - 1 });
  return fc.record({
    inScope: amount,
    fullOwnPay: amount,
    overLimit: amount,
    medType: fc.constantFrom("21", "21", "22", "23", "24", "14", "11", "41"),
    region: fc.constantFrom(...setup.regions),
    institution: fc.constantFrom(...setup.institutions),
    items: fc.array(
      fc.record({ code: fc.constantFrom(...setup.codes), permille: fc.integer({ min: 0, max: 333 }) }),
      { maxLength: 3 },
    ),
    at,
  });
}

function spec(plan: CompiledPlan, ev: Ev, setlId: string, psnNo = "P0001", wholeYuan = false): RecordSpec {
  const out = ev.fullOwnPay + ev.overLimit;
  const items = ev.items.map((i) => {
    const fen = Math.floor((out * i.permille) / 1000);
    return { code: i.code, amount: wholeYuan ? fen - (fen % 100) : fen };
  });
  return {
    setlId,
    psnNo,
    inScope: ev.inScope,
    fullOwnPay: ev.fullOwnPay,
    overLimit: ev.overLimit,
    medType: ev.medType,
    region: ev.region,
    institution: ev.institution,
    items,
    setlTime: formatBusinessTime(plan.coverage.start + ev.at * 1000),
  };
}

/** Events of one person in time order (setl_ids follow the order, so ties are stable). */
function run(plan: CompiledPlan, events: Ev[], preExisting: boolean, history: RecordSpec): Adjudication[] {
  const p = personOn(plan, preExisting ? [history] : []);
  const sorted = [...events].sort((a, b) => a.at - b.at);
  return sorted.map((ev, i) => p.run(spec(plan, ev, `E${String(i).padStart(3, "0")}`)));
}

function withRatio(
  productJson: unknown,
  planIndex: number,
  li: number,
  vi: number,
  percent: number,
): Product {
  // biome-ignore lint/suspicious/noExplicitAny: editing product JSON
  const j: any = structuredClone(productJson);
  j.plans[planIndex].liabilities[li].ratios[vi].ratioPercent = percent;
  return parseProduct(j);
}

describe.each(SETUPS)("$name", (setup) => {
  const plan = compilePlan(parseProduct(setup.productJson), setup.planId);

  it("payout never exceeds the burden, any liability cap, or the annual total — per event and cumulatively", () => {
    fc.assert(
      fc.property(
        fc.array(evArb(setup, { wholeYuan: false, outside: true }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (events, preExisting) => {
          const results = run(plan, events, preExisting, setup.history);
          const paidByLiability = plan.liabilities.map(() => 0);
          let total = 0;
          for (const a of results) {
            expect(a.hmbPay).toBeGreaterThanOrEqual(0);
            expect(a.hmbPay).toBeLessThanOrEqual(a.personBurden);
            let sum = 0;
            for (const line of a.lines) {
              expect(line.payout).toBeGreaterThanOrEqual(0);
              expect(line.payout).toBeLessThanOrEqual(line.eligible);
              expect(line.payout).toBeLessThanOrEqual(line.computed);
              expect(line.deductible).toBeLessThanOrEqual(line.eligible);
              sum += line.payout;
              paidByLiability[line.liabilityIndex] =
                (paidByLiability[line.liabilityIndex] ?? 0) + line.payout;
            }
            expect(sum).toBe(a.hmbPay);
            total += a.hmbPay;
            if (a.status === "paid") expect(a.hmbPay).toBeGreaterThan(0);
            if (a.status !== "paid") expect(a.hmbPay).toBe(0);
          }
          plan.liabilities.forEach((l, i) => {
            if (l.cap !== NO_LIMIT) expect(paidByLiability[i]).toBeLessThanOrEqual(l.cap);
          });
          if (plan.annualTotal !== NO_LIMIT) expect(total).toBeLessThanOrEqual(plan.annualTotal);
          // Each pool's deductible is taken at most once over the year.
          plan.pools.forEach((pool, pi) => {
            let used = 0;
            for (const a of results) for (const l of a.lines) if (l.poolIndex === pi) used += l.deductible;
            expect(used).toBeLessThanOrEqual(pool.amount);
          });
        },
      ),
      { seed: 424242, numRuns: NUM_RUNS },
    );
  });

  it("a higher ratio never pays less (every prefix of a person's year)", () => {
    const planIndex = (setup.productJson as { plans: { id: string }[] }).plans.findIndex(
      (p) => p.id === setup.planId,
    );
    const raw = (setup.productJson as { plans: { liabilities: { ratios: unknown[] }[] }[] }).plans[planIndex];
    const variants = (raw?.liabilities ?? []).flatMap((l, li) => l.ratios.map((_, vi) => [li, vi] as const));
    fc.assert(
      fc.property(
        fc.constantFrom(...variants),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(evArb(setup, { wholeYuan: false }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        ([li, vi], r1, r2, events, preExisting) => {
          const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
          const low = compilePlan(withRatio(setup.productJson, planIndex, li, vi, lo), setup.planId);
          const high = compilePlan(withRatio(setup.productJson, planIndex, li, vi, hi), setup.planId);
          const a = run(low, events, preExisting, setup.history);
          const b = run(high, events, preExisting, setup.history);
          let sumLow = 0;
          let sumHigh = 0;
          for (let i = 0; i < a.length; i++) {
            sumLow += a[i]?.hmbPay ?? 0;
            sumHigh += b[i]?.hmbPay ?? 0;
            expect(sumHigh).toBeGreaterThanOrEqual(sumLow);
          }
          // The first event meets empty accumulators: it alone is monotone too.
          expect(b[0]?.hmbPay ?? 0).toBeGreaterThanOrEqual(a[0]?.hmbPay ?? 0);
        },
      ),
      { seed: 77, numRuns: NUM_RUNS },
    );
  });
});

/**
 * Splitting: event E is replaced by E1 + E2 (same person, same setl_time, same institution, region and
 * med_type; amounts add up; each piece's catalog items stay within its own out-of-scope part, as a real
 * bill's items would), after the same earlier events. The pieces must not pay more than E.
 *
 * Rounding: the normative rule rounds per line, round_half_up(base × ratio / 10000). For one liability, the
 * pieces pay round(b1·r) + round(b2·r) against E's round((b1 + b2)·r); each rounding moves by at most half a
 * fen, so the pieces can gain at most 1 fen per liability line. With whole-yuan amounts and whole-percent
 * ratios (all the seeds have) b·r/10000 is a whole number of fen, no rounding happens, and ≤ is exact.
 *
 * 楚雄's pool is shared by ① and ② and consumed "by ① first" within each event (DESIGN.md §4). Splitting a
 * bill that has both in-scope and out-of-scope amounts can then move deductible from ① (80%) to ② (20%)
 * and raise the payout — a property of the normative rule, not of the engine — so for 楚雄 the split event
 * either has one kind of amount only, or comes after the shared pool has been used up.
 */
interface SplitCase {
  before: Ev[];
  inScope: [number, number];
  out: [number, number];
  drug: [number, number];
  drugCode: string;
  medType: string;
  region: string;
  institution: string;
  preExisting: boolean;
}

function splitArb(
  setup: Setup,
  wholeYuan: boolean,
  shape: "any" | "in_only" | "out_only",
): fc.Arbitrary<SplitCase> {
  const amount = fc
    .oneof(fc.integer({ min: 0, max: Y(40_000) }), fc.integer({ min: 0, max: Y(6_000_000) }))
    .map((fen) => (wholeYuan ? fen - (fen % 100) : fen));
  const pair = fc.tuple(amount, amount);
  const zero = fc.constant<[number, number]>([0, 0]);
  return fc
    .record({
      before: fc.array(evArb(setup, { wholeYuan }), { maxLength: 3 }),
      inScope: shape === "out_only" ? zero : pair,
      out: shape === "in_only" ? zero : pair,
      drugShares: fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })),
      drugCode: fc.constantFrom(...setup.codes),
      medType: fc.constantFrom("21", "22", "14", "41", "11"),
      region: fc.constantFrom(...setup.regions),
      institution: fc.constantFrom(...setup.institutions),
      preExisting: fc.boolean(),
    })
    .map(({ drugShares, ...c }) => {
      const share = (outFen: number, permille: number) => {
        const fen = Math.floor((outFen * permille) / 1000);
        return wholeYuan ? fen - (fen % 100) : fen;
      };
      return {
        ...c,
        drug: [share(c.out[0], drugShares[0]), share(c.out[1], drugShares[1])] as [number, number],
      };
    });
}

function splitOutcome(setup: Setup, c: SplitCase, exhaustPool: boolean) {
  const plan = compilePlan(parseProduct(setup.productJson), setup.planId);
  const at = YEAR_SECONDS - 86_400; // after every earlier event
  const setlTime = formatBusinessTime(plan.coverage.start + at * 1000);
  const exhaust: RecordSpec = {
    setlId: "A000",
    inScope: Y(20_000),
    region: setup.regions[0],
    setlTime: formatBusinessTime(plan.coverage.start),
  };
  const piece = (setlId: string, k: 0 | 1 | undefined): RecordSpec => {
    const pick = (p: [number, number]) => (k === undefined ? p[0] + p[1] : p[k]);
    const drug = pick(c.drug);
    return {
      setlId,
      inScope: pick(c.inScope),
      fullOwnPay: pick(c.out),
      medType: c.medType,
      region: c.region,
      institution: c.institution,
      items: drug > 0 ? [{ code: c.drugCode, amount: drug }] : [],
      setlTime,
    };
  };
  const world = () => {
    const p = personOn(plan, c.preExisting ? [setup.history] : []);
    if (exhaustPool) p.run(exhaust);
    const before = [...c.before].sort((a, b) => a.at - b.at);
    for (const [i, ev] of before.entries()) p.run(spec(plan, ev, `B${i}`, "P0001"));
    return p;
  };
  const whole = world().run(piece("E", undefined));
  const w2 = world();
  const first = w2.run(piece("E1", 0));
  const second = w2.run(piece("E2", 1));
  const lines = Math.max(whole.lines.length, first.lines.length, second.lines.length);
  return { whole: whole.hmbPay, split: first.hmbPay + second.hmbPay, lines };
}

describe("splitting one settlement into two never pays more", () => {
  it("文山, whole-yuan amounts: exactly ≤", () => {
    fc.assert(
      fc.property(splitArb(WS, true, "any"), (c) => {
        const { whole, split } = splitOutcome(WS, c, false);
        expect(split).toBeLessThanOrEqual(whole);
      }),
      { seed: 1, numRuns: NUM_RUNS },
    );
  });

  it("文山, arbitrary fen amounts: ≤ whole + 1 fen per line", () => {
    fc.assert(
      fc.property(splitArb(WS, false, "any"), (c) => {
        const { whole, split, lines } = splitOutcome(WS, c, false);
        expect(split).toBeLessThanOrEqual(whole + lines);
      }),
      { seed: 2, numRuns: NUM_RUNS },
    );
  });

  it.each([
    ["basic", "in_only", false],
    ["basic", "out_only", false],
    ["basic", "any", true],
    ["plus", "in_only", false],
    ["plus", "out_only", false],
    ["plus", "any", true],
  ] as const)(
    "楚雄 %s, %s bill (shared pool used up first: %s), whole yuan: exactly ≤",
    (planId, shape, exhaust) => {
      const setup = planId === "basic" ? CX_BASIC : CX_PLUS;
      fc.assert(
        fc.property(splitArb(setup, true, shape), (c) => {
          const { whole, split } = splitOutcome(setup, c, exhaust);
          expect(split).toBeLessThanOrEqual(whole);
        }),
        { seed: 3, numRuns: 200 },
      );
    },
  );

  it.each([
    ["basic", "out_only", false],
    ["plus", "any", true],
  ] as const)(
    "楚雄 %s, %s bill (pool used up: %s), arbitrary fen: ≤ whole + 1 fen per line",
    (planId, shape, exhaust) => {
      const setup = planId === "basic" ? CX_BASIC : CX_PLUS;
      fc.assert(
        fc.property(splitArb(setup, false, shape), (c) => {
          const { whole, split, lines } = splitOutcome(setup, c, exhaust);
          expect(split).toBeLessThanOrEqual(whole + lines);
        }),
        { seed: 4, numRuns: 200 },
      );
    },
  );

  it("the 1-fen allowance is needed: two halves of 0.01 yuan at 80% each round up", () => {
    // After the deductible is spent: E of 0.03 yuan pays round(3 × 80%) = round(2.4) = 2 fen; the pieces
    // 0.01 + 0.02 pay round(0.8) + round(1.6) = 1 + 2 = 3 fen.
    const plan = compilePlan(getProduct("wenshan-2023"));
    const p1 = personOn(plan);
    p1.run({ setlId: "A", inScope: Y(12_000), setlTime: "2023-10-01 10:00:00" });
    const whole = p1.run({ setlId: "E", inScope: 3, setlTime: "2023-11-01 10:00:00" }).hmbPay;
    const p2 = personOn(plan);
    p2.run({ setlId: "A", inScope: Y(12_000), setlTime: "2023-10-01 10:00:00" });
    const split =
      p2.run({ setlId: "E1", inScope: 1, setlTime: "2023-11-01 10:00:00" }).hmbPay +
      p2.run({ setlId: "E2", inScope: 2, setlTime: "2023-11-01 10:00:00" }).hmbPay;
    expect(whole).toBe(2);
    expect(split).toBe(3);
  });
});

describe("results do not depend on input order across persons", () => {
  it.each([
    ["wenshan-2023", undefined, WS],
    ["chuxiong-2023", "plus", CX_PLUS],
  ] as const)(
    "%s: shuffling a multi-person batch leaves every setl_id's result identical",
    (productId, planId, setup) => {
      const plan = compilePlan(getProduct(productId), planId);
      const personEvents = fc.array(
        fc.record({
          ev: evArb(setup, { wholeYuan: false, outside: true }),
          // Few distinct times, so that ties (broken by setl_id) happen often.
          tie: fc.option(fc.constantFrom(1_000_000, 2_000_000, 3_000_000), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 5 },
      );
      fc.assert(
        fc.property(
          fc.array(personEvents, { minLength: 1, maxLength: 5 }),
          fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
          fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
          (persons, badLines, keys) => {
            const lines: string[] = [];
            persons.forEach((events, pi) => {
              events.forEach(({ ev, tie }, ei) => {
                const at = tie ?? ev.at;
                // setl_ids deliberately not in time order.
                lines.push(jsonl(spec(plan, { ...ev, at }, `S${pi}-${9 - ei}`, `P${pi}`)));
              });
            });
            badLines.forEach((psn, i) => {
              lines.push(
                JSON.stringify({ setl_id: `BAD${i}`, psn_no: `P${psn % persons.length}`, hifp_pay: -1 }),
              );
            });
            const shuffled = lines
              .map((line, i) => ({ line, key: keys[i % keys.length] ?? 0, i }))
              .sort((a, b) => a.key - b.key || b.i - a.i)
              .map((x) => x.line);
            const resultsOf = (input: string[]) => {
              const batch = new AdjudicationBatch(plan);
              for (const l of input) batch.add(l);
              const map = new Map<string, unknown>();
              for (const e of batch.run()) {
                map.set(e.kind === "result" ? e.adjudication.setlId : e.setlId, e);
              }
              expect(map.size).toBe(input.length);
              return map;
            };
            expect(resultsOf(shuffled)).toEqual(resultsOf(lines));
          },
        ),
        { seed: 99, numRuns: 200 },
      );
    },
  );
});
