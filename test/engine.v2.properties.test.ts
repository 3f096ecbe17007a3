/**
 * Property-based tests of the schema v2 engine (fast-check, fixed seeds), over a test product that switches
 * every v2 feature on at once and over the shipped v2 library products:
 *  - a settlement never pays more than the person's burden; a line never more than it computed;
 *  - no cap is ever exceeded over the year: the person's liability cap (cap variants), cap groups, the annual
 *    total, per-code unit caps, per-stay caps, yearly claim counts; a deductible pool — the family's too — is
 *    taken at most once at the person's amount;
 *  - revocation gives back exactly what adjudication took (family pool included);
 *  - a batch's results do not depend on input order across persons and families.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatYuan } from "../src/domain/money.js";
import { parseProduct } from "../src/domain/product.js";
import { formatBusinessTime } from "../src/domain/time.js";
import {
  type Accumulators,
  accumulatorsToJson,
  cloneAccumulators,
  emptyAccumulators,
  emptyFamilyAccumulators,
} from "../src/engine/accumulators.js";
import { type Adjudication, adjudicate, revoke } from "../src/engine/adjudicate.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { type CompiledPlan, compilePlan, NO_LIMIT, type PolicyTerms } from "../src/engine/compile.js";
import { getProduct } from "../src/products/index.js";
import { baseV2, type Json, parsed } from "./engine.v2.support.js";
import { jsonl, type RecordSpec, Y } from "./fixtures.js";

const NUM_RUNS = 200;
const DAY_S = 86_400;

/** Every v2 feature at once. Amounts in yuan as product files write them. */
function allFeatures(): Json {
  const j = baseV2();
  j.stayAcrossCoverageEnd = { kind: "pro_rata_by_day" };
  const plan = j.plans[0];
  plan.deductiblePools = [
    {
      id: "main",
      name: "年度免赔额",
      amount: 10_000,
      preExistingCondition: "tumour",
      variants: [
        { when: { preExisting: true }, amount: 20_000 },
        { when: { insuredYearsFrom: 2 }, amount: 9_000 },
      ],
    },
    { id: "fam", name: "家庭共用免赔额", amount: 5_000, shared: "family" },
  ];
  plan.capGroups = [
    { id: "items", name: "明细责任共用限额", amount: 40_000, liabilities: ["materials", "drugs"] },
  ];
  plan.annualTotal = 250_000;
  plan.liabilities = [
    {
      id: "lump",
      name: "恶性肿瘤定额",
      eligible: { diagnosis: { icd10: [{ from: "C00", to: "C97" }] } },
      medTypes: ["21"],
      lumpSum: 3_000,
      cap: 6_000,
      maxClaimsPerYear: 2,
    },
    {
      id: "in_scope",
      name: "医保内",
      eligible: "in_scope",
      medTypes: ["21", "14"],
      deductiblePool: "main",
      preExistingCondition: "tumour",
      preSelfPayWeightPercent: 50,
      waitingPeriodDays: 30,
      cap: 200_000,
      capVariants: [{ when: { ageFrom: 60 }, amount: 50_000 }],
      ratios: [
        { when: { preExisting: true }, ratioPercent: 40 },
        { when: { costBand: { from: 100_000 } }, ratioPercent: 90 },
        { when: { sex: "2", insutypes: ["310"] }, ratioPercent: 85 },
        { ratioPercent: 80 },
      ],
    },
    {
      id: "materials",
      name: "自费耗材",
      eligible: { feeItems: { categories: ["08"], portion: "self_pay" } },
      medTypes: ["21"],
      deductiblePool: "fam",
      ratios: [{ ratioPercent: 70 }],
      cap: 30_000,
      unitCaps: [
        { per: "code", amount: 2_000 },
        { per: "stay", amount: 5_000 },
      ],
    },
    {
      id: "drugs",
      name: "西药",
      eligible: { feeItems: { categories: ["09"], portion: "in_scope" } },
      medTypes: ["21"],
      ratios: [{ ratioPercent: 50 }],
      maxClaimsPerYear: 3,
    },
    {
      id: "pet",
      name: "PET-CT",
      eligible: { feeItems: { codes: ["PET"], portion: "total" } },
      medTypes: ["21"],
      ratios: [{ ratioPercent: 100 }],
      maxClaimsPerYear: 1,
    },
    {
      id: "out_of_scope",
      name: "医保外",
      eligible: "out_of_scope",
      medTypes: ["21"],
      deductiblePool: "main",
      ratios: [{ ratioPercent: 30 }],
    },
  ];
  return j;
}

const PLAN = compilePlan(parseProduct(allFeatures()), "standard");

interface Item {
  code: string;
  category: string;
  level: "01" | "02" | "03";
  /** Per mille of the record's total cost. */
  permille: number;
  /** Per mille of the item that is fulamt_ownpay (−1: not given). */
  ownPermille: number;
}

interface Ev {
  inScope: number;
  fullOwnPay: number;
  overLimit: number;
  pooled: number;
  preSelfPermille: number;
  medType: string;
  insutype: string;
  diagnosis: string;
  items: Item[];
  /** Seconds after coverage start; stays may run past coverage end. */
  at: number;
  stayDays: number;
}

const amount = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: Y(40_000) }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: Y(400_000) }) },
);

const itemArb: fc.Arbitrary<Item> = fc.record({
  code: fc.constantFrom("M1", "M2", "M3", "D1", "D2", "PET", "X1", "BJ-SAMPLE-YIANDA", "HRB-SAMPLE-D01"),
  category: fc.constantFrom("08", "08", "09", "03", "05"),
  level: fc.constantFrom("01", "02", "03"),
  permille: fc.integer({ min: 0, max: 250 }),
  ownPermille: fc.integer({ min: -1, max: 1000 }),
});

const YEAR_S = 365 * DAY_S;

const evArb: fc.Arbitrary<Ev> = fc.record({
  inScope: amount,
  fullOwnPay: amount,
  overLimit: amount,
  pooled: amount,
  preSelfPermille: fc.integer({ min: 0, max: 1000 }),
  medType: fc.constantFrom("21", "21", "21", "14", "11"),
  insutype: fc.constantFrom("310", "390"),
  diagnosis: fc.constantFrom("C34.900", "I63.900", "C50.900", "J18.900"),
  items: fc.array(itemArb, { maxLength: 4 }),
  at: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: YEAR_S - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: YEAR_S - 20 * DAY_S, max: YEAR_S - 1 }) },
  ),
  stayDays: fc.integer({ min: 0, max: 40 }),
});

const termsArb = fc.record({
  insuredYears: fc.integer({ min: 1, max: 3 }),
  claimFreeYears: fc.integer({ min: 0, max: 4 }),
  ageAtStart: fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
  sex: fc.option(fc.constantFrom("1", "2"), { nil: undefined }),
  preExisting: fc.boolean(),
  enrolledDays: fc.integer({ min: 0, max: 60 }),
});

type TermsSpec = typeof termsArb extends fc.Arbitrary<infer T> ? T : never;

function termsOf(plan: CompiledPlan, t: TermsSpec): PolicyTerms {
  return {
    coverage: plan.coverage,
    cohort: undefined,
    preExisting: plan.conditions.map(() => t.preExisting),
    insuredYears: t.insuredYears,
    claimFreeYears: t.claimFreeYears,
    ...(t.ageAtStart === undefined ? {} : { ageAtStart: t.ageAtStart }),
    ...(t.sex === undefined ? {} : { sex: t.sex }),
    enrolledAt: plan.coverage.start + t.enrolledDays * DAY_S * 1000,
  };
}

function spec(plan: CompiledPlan, ev: Ev, setlId: string, psnNo = "P0001", family?: string): RecordSpec {
  const burden = ev.inScope + ev.fullOwnPay + ev.overLimit;
  const total = burden + ev.pooled;
  let left = total;
  const feedetail = ev.items.map((it) => {
    const fen = Math.min(left, Math.floor((total * it.permille) / 1000));
    left -= fen;
    const out: Record<string, string> = {
      med_list_codg: it.code,
      med_chrgitm_type: it.category,
      chrgitm_lv: it.level,
      det_item_fee_sumamt: formatYuan(fen),
    };
    if (it.ownPermille >= 0) out.fulamt_ownpay_amt = formatYuan(Math.floor((fen * it.ownPermille) / 1000));
    return out;
  });
  const begin = plan.coverage.start + ev.at * 1000;
  const end = begin + ev.stayDays * DAY_S * 1000;
  return {
    setlId,
    psnNo,
    inScope: ev.inScope,
    fullOwnPay: ev.fullOwnPay,
    overLimit: ev.overLimit,
    pooled: ev.pooled,
    medType: ev.medType,
    diagnosis: ev.diagnosis,
    begntime: formatBusinessTime(begin),
    setlTime: formatBusinessTime(end + 3_600_000),
    extra: {
      insutype: ev.insutype,
      endtime: formatBusinessTime(end),
      preselfpay_amt: formatYuan(Math.floor((ev.inScope * ev.preSelfPermille) / 1000)),
      ...(feedetail.length > 0 ? { feedetail } : {}),
      ...(family === undefined ? {} : { hmb_family_key: family }),
    },
  };
}

/** Stored form without entries that came back to zero: what revocation must restore. */
function comparable(acc: Accumulators) {
  const json = accumulatorsToJson(acc);
  return {
    ...json,
    paidByItem: json.paidByItem.filter(([, v]) => v !== 0).sort(),
    paidByUnit: (json.paidByUnit ?? []).filter(([, v]) => v !== 0).sort(),
    family: acc.family === undefined ? undefined : [...acc.family.deductibleUsed],
  };
}

/** The person's amount of a pool / cap, as the engine resolves it (first matching variant). */
function poolAmountFor(plan: CompiledPlan, pi: number, t: TermsSpec): number {
  const pool = plan.pools[pi];
  if (pool === undefined) return 0;
  if (pool.id === "main") return t.preExisting ? Y(20_000) : t.insuredYears >= 2 ? Y(9_000) : Y(10_000);
  return pool.amount;
}

function checkEvent(a: Adjudication): void {
  expect(a.hmbPay).toBeGreaterThanOrEqual(0);
  expect(a.hmbPay).toBeLessThanOrEqual(a.personBurden);
  let sum = 0;
  for (const line of a.lines) {
    expect(line.payout).toBeGreaterThanOrEqual(0);
    expect(line.payout).toBeLessThanOrEqual(line.computed);
    expect(line.payout).toBeLessThanOrEqual(line.eligible);
    expect(line.deductible).toBeLessThanOrEqual(line.eligible);
    sum += line.payout;
  }
  expect(sum).toBe(a.hmbPay);
  expect(a.status === "paid").toBe(a.hmbPay > 0);
}

describe("schema v2, every feature at once", () => {
  it("never more than the burden; no cap, count or pool exceeded over the year; revocation is exact", () => {
    fc.assert(
      fc.property(termsArb, fc.array(evArb, { minLength: 1, maxLength: 8 }), (t, events) => {
        const plan = PLAN;
        const terms = termsOf(plan, t);
        const acc = emptyAccumulators(plan);
        acc.family = emptyFamilyAccumulators(plan);
        const sorted = [...events].sort((a, b) => a.at + a.stayDays * DAY_S - (b.at + b.stayDays * DAY_S));
        const results: Adjudication[] = [];
        sorted.forEach((ev, i) => {
          const s = parsed(spec(plan, ev, `E${String(i).padStart(3, "0")}`));
          const before = comparable(acc);
          const trial = adjudicate(plan, terms, acc, s);
          revoke(plan, acc, trial);
          expect(comparable(acc)).toEqual(before);
          const a = adjudicate(plan, terms, acc, s);
          expect(a).toEqual(trial);
          checkEvent(a);
          results.push(a);
        });
        const byLiability = plan.liabilities.map(() => 0);
        const counted = plan.liabilities.map(() => 0);
        const byUnit = new Map<string, number>();
        const deductibles = plan.pools.map(() => 0);
        let total = 0;
        for (const a of results) {
          total += a.hmbPay;
          for (const line of a.lines) {
            const l = plan.liabilities[line.liabilityIndex];
            if (l === undefined) throw new Error("unknown liability");
            byLiability[l.index] = (byLiability[l.index] ?? 0) + line.payout;
            if (line.claimCounted === true) counted[l.index] = (counted[l.index] ?? 0) + 1;
            if (line.payout > 0 && l.maxClaimsPerYear !== NO_LIMIT) expect(line.claimCounted).toBe(true);
            if (l.unitCapPerStay !== NO_LIMIT) expect(line.payout).toBeLessThanOrEqual(l.unitCapPerStay);
            for (const it of line.items) {
              const key = `${l.id}|${it.code}`;
              byUnit.set(key, (byUnit.get(key) ?? 0) + it.payout);
            }
            if (line.poolIndex >= 0)
              deductibles[line.poolIndex] = (deductibles[line.poolIndex] ?? 0) + line.deductible;
          }
        }
        plan.liabilities.forEach((l, i) => {
          const cap = l.id === "in_scope" && (t.ageAtStart ?? 0) >= 60 ? Y(50_000) : l.cap;
          if (cap !== NO_LIMIT) expect(byLiability[i]).toBeLessThanOrEqual(cap);
          if (l.maxClaimsPerYear !== NO_LIMIT) expect(counted[i]).toBeLessThanOrEqual(l.maxClaimsPerYear);
          expect(acc.claimsByLiability[i]).toBe(counted[i]);
        });
        for (const [key, paid] of byUnit) {
          const l = plan.liabilities.find((x) => key.startsWith(`${x.id}|`));
          if (l !== undefined && l.unitCapPerCode !== NO_LIMIT)
            expect(paid).toBeLessThanOrEqual(l.unitCapPerCode);
        }
        expect((byLiability[2] ?? 0) + (byLiability[3] ?? 0)).toBeLessThanOrEqual(Y(40_000));
        expect(total).toBeLessThanOrEqual(plan.annualTotal);
        plan.pools.forEach((_, pi) => {
          expect(deductibles[pi]).toBeLessThanOrEqual(poolAmountFor(plan, pi, t));
        });
        expect(acc.family?.deductibleUsed[1]).toBe(deductibles[1]);
      }),
      { seed: 20261203, numRuns: NUM_RUNS },
    );
  });

  it("a family's members together take the shared pool at most once; results do not depend on input order", () => {
    const people = fc.array(
      fc.record({
        family: fc.constantFrom("F1", "F2", undefined),
        events: fc.array(evArb, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(people, fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (persons, keys) => {
        const lines: string[] = [];
        persons.forEach((p, pi) => {
          p.events.forEach((ev, ei) => {
            lines.push(jsonl(spec(PLAN, ev, `S${pi}-${9 - ei}`, `P${pi}`, p.family)));
          });
        });
        const resultsOf = (input: string[]) => {
          const batch = new AdjudicationBatch(PLAN);
          for (const l of input) batch.add(l);
          const map = new Map<string, Adjudication>();
          for (const e of batch.run()) {
            if (e.kind !== "result") throw new Error(`unexpected error ${JSON.stringify(e.error)}`);
            map.set(e.adjudication.setlId, e.adjudication);
          }
          return map;
        };
        const straight = resultsOf(lines);
        const shuffled = lines
          .map((line, i) => ({ line, key: keys[i % keys.length] ?? 0, i }))
          .sort((a, b) => a.key - b.key || b.i - a.i)
          .map((x) => x.line);
        expect(resultsOf(shuffled)).toEqual(straight);
        // The family pool (index 1): Σ deductibles of every member ≤ 5000 per family.
        const byFamily = new Map<string, number>();
        persons.forEach((p, pi) => {
          const key = p.family ?? `solo-${pi}`;
          p.events.forEach((_, ei) => {
            const a = straight.get(`S${pi}-${9 - ei}`);
            for (const line of a?.lines ?? [])
              if (line.poolIndex === 1) byFamily.set(key, (byFamily.get(key) ?? 0) + line.deductible);
          });
        });
        for (const used of byFamily.values()) expect(used).toBeLessThanOrEqual(Y(5_000));
        for (const a of straight.values()) checkEvent(a);
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});

describe.each(["beijing-puhui-2024", "shenzhen-hmb-2024", "shenzhen-hmb-2023", "chengdu-huirongbao-2022"])(
  "library product %s",
  (productId) => {
    const product = (() => {
      try {
        return getProduct(productId);
      } catch {
        return undefined;
      }
    })();
    it.skipIf(product === undefined)(
      "never more than the burden, any liability cap, group or the annual total",
      () => {
        const plan = compilePlan(product as NonNullable<typeof product>);
        fc.assert(
          fc.property(termsArb, fc.array(evArb, { minLength: 1, maxLength: 8 }), (t, events) => {
            const terms = termsOf(plan, t);
            const acc = emptyAccumulators(plan);
            const region = `${plan.regionPrefix}01`;
            const sorted = [...events].sort((a, b) => a.at - b.at);
            let total = 0;
            const byLiability = plan.liabilities.map(() => 0);
            const byGroup = plan.capGroups.map(() => 0);
            sorted.forEach((ev, i) => {
              const s = parsed({ ...spec(plan, ev, `L${i}`), region });
              const before = cloneAccumulators(acc);
              const a = adjudicate(plan, terms, acc, s);
              checkEvent(a);
              total += a.hmbPay;
              for (const line of a.lines) {
                byLiability[line.liabilityIndex] = (byLiability[line.liabilityIndex] ?? 0) + line.payout;
                for (const g of plan.liabilities[line.liabilityIndex]?.capGroups ?? [])
                  byGroup[g] = (byGroup[g] ?? 0) + line.payout;
              }
              const after = comparable(acc);
              revoke(plan, acc, a);
              expect(comparable(acc)).toEqual(comparable(before));
              adjudicate(plan, terms, acc, s);
              expect(comparable(acc)).toEqual(after);
            });
            plan.liabilities.forEach((l, i) => {
              if (l.cap !== NO_LIMIT && l.capVariants.length === 0)
                expect(byLiability[i]).toBeLessThanOrEqual(l.cap);
            });
            plan.capGroups.forEach((g, i) => {
              expect(byGroup[i]).toBeLessThanOrEqual(g.amount);
            });
            if (plan.annualTotal !== NO_LIMIT) expect(total).toBeLessThanOrEqual(plan.annualTotal);
          }),
          { seed: 31337, numRuns: 100 },
        );
      },
    );
  },
);
