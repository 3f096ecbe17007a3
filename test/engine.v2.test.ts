/**
 * Schema v2 in the engine, feature by feature, each with amounts worked by hand (the comments show the
 * arithmetic; Y(n) = n yuan in fen). The product is the small test product of engine.v2.support.ts with one
 * feature switched on per test.
 */
import { describe, expect, it } from "vitest";
import { parseSettlement } from "../src/domain/settlement.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import {
  accumulatorsFromJson,
  accumulatorsToJson,
  cloneAccumulators,
  emptyAccumulators,
  emptyFamilyAccumulators,
  familyAccumulatorsFromJson,
} from "../src/engine/accumulators.js";
import { adjudicate, revoke } from "../src/engine/adjudicate.js";
import { AdjudicationBatch, ageAt } from "../src/engine/batch.js";
import { explainLine } from "../src/engine/explain.js";
import {
  baseV2,
  feeItem,
  inScope,
  type Json,
  outOfScope,
  parsed,
  planOf,
  v2Person,
} from "./engine.v2.support.js";
import { jsonl, lineOf, type RecordSpec, record, Y } from "./fixtures.js";

const TUMOUR_HISTORY: RecordSpec = { setlId: "HIST", diagnosis: "C34.900", setlTime: "2022-06-01 10:00:00" };

describe("deductible by person (pool variants)", () => {
  // Pool 15,000; 既往症 20,000; from the 2nd consecutive insured year 14,000 (first match wins).
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].deductiblePools = [
      {
        id: "main",
        name: "年度免赔额",
        amount: 15_000,
        preExistingCondition: "tumour",
        variants: [
          { when: { preExisting: true }, amount: 20_000, label: "既往症" },
          { when: { insuredYearsFrom: 2 }, amount: 14_000, label: "连续参保" },
        ],
      },
    ];
    j.plans[0].liabilities = [
      {
        ...inScope(),
        deductiblePool: "main",
        preExistingCondition: "tumour",
        ratios: [{ when: { preExisting: true }, ratioPercent: 40, label: "既往症" }, { ratioPercent: 80 }],
      },
    ];
    return j;
  };
  const plan = planOf(product());

  it("first year, healthy: (50000 − 15000) × 80% = 28000", () => {
    const a = v2Person(plan).run({ setlId: "A1", inScope: Y(50_000) });
    expect(lineOf(a, "in_scope").deductible).toBe(Y(15_000));
    expect(a.hmbPay).toBe(Y(28_000));
  });

  it("second consecutive year: (50000 − 14000) × 80% = 28800, the line names the variant", () => {
    const a = v2Person(plan, { insuredYears: 2 }).run({ setlId: "A2", inScope: Y(50_000) });
    expect(a.hmbPay).toBe(Y(28_800));
    const line = lineOf(a, "in_scope");
    expect(line.deductibleLabel).toBe("连续参保");
    expect(explainLine(line)).toBe(
      "责任-in_scope：(50000.00 − 14000.00) × 80% = 28800.00 元（本次扣除年度免赔额 14000.00 元，年度免赔额已扣满）（免赔额按「连续参保」）",
    );
  });

  it("既往症 in the 2nd year: the first variant wins — (50000 − 20000) × 40% = 12000", () => {
    const a = v2Person(plan, { insuredYears: 2 }, [TUMOUR_HISTORY]).run({ setlId: "A3", inScope: Y(50_000) });
    expect(lineOf(a, "in_scope").deductible).toBe(Y(20_000));
    expect(a.hmbPay).toBe(Y(12_000));
  });

  it("the pool carries across events at the person's amount: 10000 then 30000 → 0, then (30000 − 4000) × 80%", () => {
    const p = v2Person(plan, { insuredYears: 3 });
    // 14,000 pool: the first 10,000 all goes to the deductible, 4,000 left.
    expect(p.run({ setlId: "B1", inScope: Y(10_000), setlTime: "2023-03-01 10:00:00" }).hmbPay).toBe(0);
    // (30000 − 4000) × 80% = 20800
    expect(p.run({ setlId: "B2", inScope: Y(30_000), setlTime: "2023-04-01 10:00:00" }).hmbPay).toBe(
      Y(20_800),
    );
  });
});

describe("ratio and cap by person attributes", () => {
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].liabilities = [
      {
        ...inScope(),
        cap: 100_000,
        capVariants: [{ when: { ageFrom: 65 }, amount: 5_000, label: "65周岁及以上" }],
        ratios: [
          { when: { insutypes: ["310"] }, ratioPercent: 90, label: "职工" },
          { when: { claimFreeYearsFrom: 3 }, ratioPercent: 85, label: "连续3年无理赔" },
          { when: { sex: "2", ageTo: 40 }, ratioPercent: 75, label: "40岁及以下女性" },
          { when: { cohorts: ["dibao"] }, ratioPercent: 95, label: "低保" },
          { ratioPercent: 70 },
        ],
      },
    ];
    return j;
  };
  const plan = planOf(product());
  const bill = (id: string, extra: Record<string, unknown> = {}): RecordSpec => ({
    setlId: id,
    inScope: Y(10_000),
    extra,
  });

  it("insutype from the record: 职工 (310) 10000 × 90% = 9000, 居民 (390) falls through to 70% = 7000", () => {
    expect(v2Person(plan).run(bill("R1", { insutype: "310" })).hmbPay).toBe(Y(9_000));
    expect(v2Person(plan).run(bill("R2")).hmbPay).toBe(Y(7_000));
  });

  it("claim-free years: 3 years → 85% = 8500; 2 years → 70% = 7000", () => {
    expect(v2Person(plan, { claimFreeYears: 3 }).run(bill("R3")).hmbPay).toBe(Y(8_500));
    expect(v2Person(plan, { claimFreeYears: 2 }).run(bill("R4")).hmbPay).toBe(Y(7_000));
  });

  it("sex and age together: a woman of 40 → 75% = 7500; of 41, or a man of 30 → 70% = 7000; age unknown → 70%", () => {
    expect(v2Person(plan, { sex: "2", ageAtStart: 40 }).run(bill("R5")).hmbPay).toBe(Y(7_500));
    expect(v2Person(plan, { sex: "2", ageAtStart: 41 }).run(bill("R6")).hmbPay).toBe(Y(7_000));
    expect(v2Person(plan, { sex: "1", ageAtStart: 30 }).run(bill("R7")).hmbPay).toBe(Y(7_000));
    expect(v2Person(plan, { sex: "2" }).run(bill("R8")).hmbPay).toBe(Y(7_000));
  });

  it("cohort: 低保 → 95% = 9500", () => {
    expect(v2Person(plan, { cohort: "dibao" }).run(bill("R9")).hmbPay).toBe(Y(9_500));
  });

  it("cap by age: at 70 the cap is 5000 — 10000 × 70% = 7000 cut to 5000; at 64 the cap is 100000", () => {
    const old = v2Person(plan, { ageAtStart: 70 });
    const a = old.run(bill("R10"));
    expect(a.hmbPay).toBe(Y(5_000));
    const line = lineOf(a, "in_scope");
    expect(line.limits).toEqual([
      {
        kind: "liability",
        name: "责任-in_scope（65周岁及以上）",
        limit: Y(5_000),
        remainingBefore: Y(5_000),
        cut: Y(2_000),
      },
    ]);
    // The cap is yearly: a second bill finds nothing left of the 5000.
    expect(old.run({ ...bill("R11"), setlTime: "2023-11-01 10:00:00" }).hmbPay).toBe(0);
    expect(v2Person(plan, { ageAtStart: 64 }).run(bill("R12")).hmbPay).toBe(Y(7_000));
  });
});

describe("eligible from fee-detail items", () => {
  // 责任一 in-scope 80%; 责任二 自费 items of category 08 (卫生材料费) at 70%, each code ≤ 1000 a year;
  // 责任三 out-of-scope 20% on what is left.
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].liabilities = [
      inScope("in_scope", 80),
      {
        id: "materials",
        name: "自费卫生材料",
        eligible: { feeItems: { categories: ["08"], portion: "self_pay" } },
        medTypes: ["21"],
        ratios: [{ ratioPercent: 70 }],
        cap: 100_000,
        unitCaps: [{ per: "code", amount: 1_000 }],
      },
      outOfScope("out_of_scope", 20),
    ];
    return j;
  };
  const plan = planOf(product());
  // Bill: 医保范围内自付 10,000, 全自费 6,000 (burden 16,000; the pooled fund paid 1,000 → total 17,000).
  // Items: M1 08/03 自费 4,000 (whole item self-pay); M2 08/02 3,000 of which fulamt_ownpay 1,000;
  // D1 09/01 西药 8,000 (not category 08). Σ items 15,000 ≤ 17,000.
  const items = [
    feeItem("M1", "08", "03", Y(4_000)),
    feeItem("M2", "08", "02", Y(3_000), { fullOwnPay: Y(1_000) }),
    feeItem("D1", "09", "01", Y(8_000)),
  ];
  const bill = (id: string, time = "2023-05-01 10:00:00"): RecordSpec => ({
    setlId: id,
    inScope: Y(10_000),
    fullOwnPay: Y(6_000),
    setlTime: time,
    extra: { feedetail: items },
  });

  it("carves the matched self-pay parts out of the out-of-scope base; per-code caps cut each item", () => {
    const p = v2Person(plan);
    const a = p.run(bill("F1"));
    // 责任一: 10000 × 80% = 8000 (nothing carved from the in-scope base: portion self_pay).
    expect(lineOf(a, "in_scope").payout).toBe(Y(8_000));
    // 责任二: self-pay parts M1 4000 + M2 1000 = 5000 (≤ 全自费 6000) × 70% = 3500, spread by weight:
    //   M1 3500 × 4000/5000 = 2800 → per-code cap 1000; M2 the rest 700. Paid 1000 + 700 = 1700.
    const m = lineOf(a, "materials");
    expect(m.eligible).toBe(Y(5_000));
    expect(m.computed).toBe(Y(3_500));
    expect(m.items.map((i) => [i.code, i.payout])).toEqual([
      ["M1", Y(1_000)],
      ["M2", Y(700)],
    ]);
    expect(m.payout).toBe(Y(1_700));
    expect(m.limits.map((l) => [l.kind, l.cut])).toEqual([["unit", Y(1_800)]]);
    // 责任三: out-of-scope 6000 − 5000 carved = 1000 × 20% = 200.
    expect(lineOf(a, "out_of_scope").eligible).toBe(Y(1_000));
    expect(lineOf(a, "out_of_scope").payout).toBe(Y(200));
    expect(a.hmbPay).toBe(Y(8_000 + 1_700 + 200));
    expect(explainLine(m)).toContain("受单品年度限额「M1」1000.00 元限制（本次前尚余 1000.00 元）");
  });

  it("per-code caps are yearly: the second bill finds M1 used up and M2 with 300 left", () => {
    const p = v2Person(plan);
    p.run(bill("F2"));
    const m = lineOf(p.run(bill("F3", "2023-06-01 10:00:00")), "materials");
    // Computed 3500 again; M1 2800 → 0 left of 1000; M2 700 → 1000 − 700 = 300 left.
    expect(m.items.map((i) => [i.code, i.payout])).toEqual([
      ["M1", 0],
      ["M2", Y(300)],
    ]);
    expect(m.payout).toBe(Y(300));
  });

  it("a record without feedetail pays on record-level amounts: no materials line, out-of-scope 6000 × 20% = 1200", () => {
    const a = v2Person(plan).run({ setlId: "F4", inScope: Y(10_000), fullOwnPay: Y(6_000) });
    expect(a.lines.map((l) => l.liabilityId)).toEqual(["in_scope", "out_of_scope"]);
    expect(lineOf(a, "out_of_scope").payout).toBe(Y(1_200));
  });

  it("in_scope portion: category 09 items' in-scope part taken from the 范围内 base, the rest left to 责任一", () => {
    const j = baseV2();
    j.plans[0].liabilities = [
      {
        id: "drugs",
        name: "西药费",
        eligible: { feeItems: { categories: ["09"], portion: "in_scope" } },
        medTypes: ["21"],
        ratios: [{ ratioPercent: 50 }],
      },
      inScope("in_scope", 80),
    ];
    const a = v2Person(planOf(j)).run(bill("F5"));
    // D1 in-scope part 8000 (≤ 范围内 10000) × 50% = 4000; 责任一 (10000 − 8000) × 80% = 1600.
    expect(lineOf(a, "drugs").payout).toBe(Y(4_000));
    expect(lineOf(a, "in_scope").eligible).toBe(Y(2_000));
    expect(a.hmbPay).toBe(Y(5_600));
  });

  it("total portion is cut to the record's bases: an item of 30000 on a bill of 16000 takes 16000", () => {
    const j = baseV2();
    j.plans[0].liabilities = [
      {
        id: "all",
        name: "全部费用",
        eligible: { feeItems: { codes: ["BIG"], portion: "total" } },
        medTypes: ["21"],
        ratios: [{ ratioPercent: 100 }],
      },
      inScope("in_scope", 80),
      outOfScope("out_of_scope", 20),
    ];
    // Total 16000 + pooled 20000 = 36000 ≥ item 30000. The item is 02 乙类 with fulamt 2000: self-pay part 2000
    // (≤ 全自费 6000), in-scope part 28000 cut to the 范围内 10000 → eligible 12000 × 100%.
    const a = v2Person(planOf(j)).run({
      setlId: "F6",
      inScope: Y(10_000),
      fullOwnPay: Y(6_000),
      pooled: Y(20_000),
      extra: { feedetail: [feeItem("BIG", "05", "02", Y(30_000), { fullOwnPay: Y(2_000) })] },
    });
    expect(lineOf(a, "all").payout).toBe(Y(12_000));
    // What is left: in-scope 0, out-of-scope 6000 − 2000 = 4000 × 20% = 800.
    expect(lineOf(a, "in_scope").eligible).toBe(0);
    expect(lineOf(a, "out_of_scope").payout).toBe(Y(800));
    expect(a.hmbPay).toBeLessThanOrEqual(a.personBurden);
  });
});

describe("per-stay cap, yearly count limit", () => {
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].liabilities = [
      {
        id: "pet_ct",
        name: "PET-CT检查",
        eligible: { feeItems: { codes: ["PETCT"], portion: "total" } },
        medTypes: ["21"],
        ratios: [{ ratioPercent: 100 }],
        unitCaps: [{ per: "stay", amount: 5_000 }],
        maxClaimsPerYear: 1,
      },
    ];
    return j;
  };
  const plan = planOf(product());
  const bill = (id: string, time: string): RecordSpec => ({
    setlId: id,
    fullOwnPay: Y(8_000),
    setlTime: time,
    extra: { feedetail: [feeItem("PETCT", "03", "03", Y(8_000))] },
  });

  it("PET-CT once a year, at most 5000 a stay: 8000 × 100% cut to 5000; the second is not paid", () => {
    const p = v2Person(plan);
    const first = p.run(bill("P1", "2023-03-01 10:00:00"));
    expect(first.hmbPay).toBe(Y(5_000));
    expect(lineOf(first, "pet_ct").claimCounted).toBe(true);
    expect(lineOf(first, "pet_ct").limits.map((l) => l.kind)).toEqual(["stay"]);
    const second = p.run(bill("P2", "2023-05-01 10:00:00"));
    expect(second.status).toBe("zero");
    expect(lineOf(second, "pet_ct").outcome).toEqual({ kind: "claim_limit_reached", maxClaims: 1 });
    expect(explainLine(lineOf(second, "pet_ct"))).toBe(
      "PET-CT检查：本保单年度已赔付 1 次，达到年度赔付次数上限，本次不予赔付",
    );
    // Revoking the first gives the count back: a third is paid.
    revoke(plan, p.acc, first);
    expect(p.acc.claimsByLiability).toEqual([0]);
    expect(p.run(bill("P3", "2023-07-01 10:00:00")).hmbPay).toBe(Y(5_000));
  });
});

describe("lump sum (定额给付) on a diagnosis", () => {
  // Listed first, but assessed after the ratio liabilities: capped by what they leave the person to bear.
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].liabilities = [
      {
        id: "cancer_lump",
        name: "恶性肿瘤定额",
        eligible: { diagnosis: { icd10: [{ from: "C00", to: "C97" }] } },
        medTypes: ["21"],
        lumpSum: 10_000,
      },
      inScope("in_scope", 80),
    ];
    return j;
  };
  const plan = planOf(product());

  it("small bill: in-scope 5000 × 80% = 4000, the lump sum 10000 cut to the 1000 left to bear", () => {
    const a = v2Person(plan).run({ setlId: "L1", inScope: Y(5_000), diagnosis: "C34.900" });
    expect(a.lines.map((l) => l.liabilityId)).toEqual(["in_scope", "cancer_lump"]);
    const lump = lineOf(a, "cancer_lump");
    expect(lump.lumpSum).toBe(Y(10_000));
    expect(lump.payout).toBe(Y(1_000));
    expect(a.hmbPay).toBe(Y(5_000));
    expect(explainLine(lump)).toBe(
      "恶性肿瘤定额：符合定额给付条件，定额 10000.00 元；以本次个人负担余额 1000.00 元为限，实赔 1000.00 元",
    );
  });

  it("large bill: 50000 × 80% = 40000 plus the whole lump sum 10000; another diagnosis gets no lump sum", () => {
    expect(v2Person(plan).run({ setlId: "L2", inScope: Y(50_000), diagnosis: "C50.900" }).hmbPay).toBe(
      Y(50_000),
    );
    const a = v2Person(plan).run({ setlId: "L3", inScope: Y(50_000), diagnosis: "I63.900" });
    expect(a.lines.map((l) => l.liabilityId)).toEqual(["in_scope"]);
    expect(a.hmbPay).toBe(Y(40_000));
  });
});

describe("乙类先行自付 at a weight", () => {
  it("half of preselfpay_amt counts: (10000 − 2000 × 50%) × 80% = 7200", () => {
    const j = baseV2();
    j.plans[0].liabilities = [{ ...inScope("in_scope", 80), preSelfPayWeightPercent: 50 }];
    const a = v2Person(planOf(j)).run({
      setlId: "W1",
      inScope: Y(10_000),
      extra: { preselfpay_amt: "2000.00" },
    });
    expect(lineOf(a, "in_scope").eligible).toBe(Y(9_000));
    expect(a.hmbPay).toBe(Y(7_200));
  });
});

describe("a stay across the end of coverage", () => {
  // Coverage ends 2023-12-31 24:00. Admitted 12-27, discharged 2024-01-06: 10 days (01-06 − 12-27), of which
  // 5 before 2024-01-01 (12-27 … 12-31).
  const stay = (id: string): RecordSpec => ({
    setlId: id,
    inScope: Y(20_000),
    begntime: "2023-12-27 10:00:00",
    setlTime: "2024-01-06 10:00:00",
    extra: { endtime: "2024-01-06 09:00:00" },
  });
  const withRule = (rule: unknown) => {
    const j = baseV2();
    j.stayAcrossCoverageEnd = rule;
    j.plans[0].liabilities = [inScope("in_scope", 80)];
    return planOf(j);
  };

  it("schema v1 rule (absent): the admission date decides — 20000 × 80% = 16000", () => {
    const j = baseV2();
    j.plans[0].liabilities = [inScope("in_scope", 80)];
    expect(v2Person(planOf(j)).run(stay("S0")).hmbPay).toBe(Y(16_000));
  });

  it("pro rata by day: 20000 × 5/10 = 10000 × 80% = 8000", () => {
    const a = v2Person(withRule({ kind: "pro_rata_by_day" })).run(stay("S1"));
    const line = lineOf(a, "in_scope");
    expect(line.proRata).toEqual({ coveredDays: 5, stayDays: 10, eligibleBefore: Y(20_000) });
    expect(a.hmbPay).toBe(Y(8_000));
    expect(explainLine(line)).toBe(
      "责任-in_scope：10000.00 × 80% = 8000.00 元（住院跨保障期间届满：按保障期内 5 天 / 住院 10 天计，可报销金额 20000.00 × 5/10 = 10000.00 元）",
    );
  });

  it("extension of 30 days: discharged within it, the whole stay — 16000", () => {
    expect(v2Person(withRule({ kind: "extension", days: 30 })).run(stay("S2")).hmbPay).toBe(Y(16_000));
  });

  it("extension of 3 days: covered to 2024-01-04 00:00 — 8 of 10 days, 20000 × 8/10 = 16000 × 80% = 12800", () => {
    expect(v2Person(withRule({ kind: "extension", days: 3 })).run(stay("S3")).hmbPay).toBe(Y(12_800));
  });
});

describe("liability waiting period", () => {
  const j = baseV2();
  j.plans[0].liabilities = [{ ...inScope("in_scope", 80), waitingPeriodDays: 30 }];
  const plan = planOf(j);
  const enrolledAt = mustParseBusinessTime("2023-01-01 00:00:00");

  it("admitted on day 15 of a first year: nothing; on day 31: 10000 × 80% = 8000", () => {
    const p = v2Person(plan, { enrolledAt });
    const early = p.run({ setlId: "WP1", inScope: Y(10_000), setlTime: "2023-01-15 10:00:00" });
    expect(early.status).toBe("zero");
    const line = lineOf(early, "in_scope");
    expect(line.outcome).toEqual({
      kind: "waiting_period",
      days: 30,
      until: mustParseBusinessTime("2023-01-31 00:00:00"),
    });
    expect(explainLine(line)).toBe(
      "责任-in_scope：入院时尚在 30 天等待期内（至 2023-01-31 00:00:00 止），不予赔付",
    );
    expect(p.run({ setlId: "WP2", inScope: Y(10_000), setlTime: "2023-01-31 10:00:00" }).hmbPay).toBe(
      Y(8_000),
    );
  });

  it("no waiting period for a renewal (2nd consecutive year): day 15 pays 8000", () => {
    const p = v2Person(plan, { enrolledAt, insuredYears: 2 });
    expect(p.run({ setlId: "WP3", inScope: Y(10_000), setlTime: "2023-01-15 10:00:00" }).hmbPay).toBe(
      Y(8_000),
    );
  });
});

describe("family-shared deductible", () => {
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].deductiblePools = [{ id: "family", name: "家庭共用免赔额", amount: 10_000, shared: "family" }];
    j.plans[0].liabilities = [{ ...inScope("in_scope", 50), deductiblePool: "family" }];
    return j;
  };
  const plan = planOf(product());
  const line = (setlId: string, psnNo: string, yuan: number, time: string, family?: string) =>
    jsonl({
      setlId,
      psnNo,
      inScope: Y(yuan),
      setlTime: time,
      ...(family === undefined ? {} : { extra: { hmb_family_key: family } }),
    });

  it("batch: two members draw on one pool in setl_time order — 6000 all deductible, then (8000 − 4000) × 50%", () => {
    const batch = new AdjudicationBatch(plan);
    batch.add(line("FA2", "P2", 8_000, "2023-05-01 10:00:00", "F1"));
    batch.add(line("FA1", "P1", 6_000, "2023-03-01 10:00:00", "F1"));
    const [second, first] = batch.run();
    if (first?.kind !== "result" || second?.kind !== "result") throw new Error("expected results");
    expect(first.adjudication.hmbPay).toBe(0);
    expect(lineOf(first.adjudication, "in_scope").deductibleRemaining).toBe(Y(4_000));
    // 8000 − 4000 left of the family pool = 4000 × 50% = 2000
    expect(second.adjudication.hmbPay).toBe(Y(2_000));
  });

  it("streaming (drain) gives the same results as run, in input order", () => {
    const input = [
      line("FD3", "P3", 9_000, "2023-02-01 10:00:00"),
      line("FD2", "P2", 8_000, "2023-05-01 10:00:00", "F1"),
      line("FD1", "P1", 6_000, "2023-03-01 10:00:00", "F1"),
    ];
    const ran = new AdjudicationBatch(plan);
    const drained = new AdjudicationBatch(plan);
    for (const l of input) {
      ran.add(l);
      drained.add(l);
    }
    const expected = ran.run();
    expect([...drained.drain()]).toEqual(expected);
    // P3 alone: 9000 all deductible → 0; the family as above: 0 then 2000.
    expect(expected.map((e) => (e.kind === "result" ? e.adjudication.hmbPay : -1))).toEqual([0, Y(2_000), 0]);
  });

  it("without a family key each person has the whole pool: 8000 all deductible → 0", () => {
    const batch = new AdjudicationBatch(plan);
    batch.add(line("FB1", "P1", 6_000, "2023-03-01 10:00:00"));
    batch.add(line("FB2", "P2", 8_000, "2023-05-01 10:00:00"));
    expect(batch.run().map((e) => (e.kind === "result" ? e.adjudication.hmbPay : -1))).toEqual([0, 0]);
  });

  it("engine: revoking a member's claim gives the family pool back exactly", () => {
    const family = emptyFamilyAccumulators(plan);
    const a1 = emptyAccumulators(plan);
    const a2 = emptyAccumulators(plan);
    a1.family = family;
    a2.family = family;
    const terms = { coverage: plan.coverage, cohort: undefined, preExisting: [false], familyKey: "F" };
    const r1 = adjudicate(plan, terms, a1, parsed({ setlId: "FC1", psnNo: "P1", inScope: Y(6_000) }));
    expect(family.deductibleUsed).toEqual([Y(6_000)]);
    expect(a1.deductibleUsed).toEqual([0]);
    const before = cloneAccumulators(a2);
    const r2 = adjudicate(plan, terms, a2, parsed({ setlId: "FC2", psnNo: "P2", inScope: Y(8_000) }));
    expect(r2.hmbPay).toBe(Y(2_000));
    revoke(plan, a2, r2);
    expect(a2).toEqual(before);
    revoke(plan, a1, r1);
    expect(family.deductibleUsed).toEqual([0]);
  });
});

describe("accumulators", () => {
  const j = baseV2();
  j.plans[0].liabilities = [inScope("in_scope", 80)];
  const plan = planOf(j);

  it("a stored v1 row (no claim counts, no unit amounts) reads back with zeros and round-trips as v2", () => {
    const v1 = {
      deductibleUsed: [],
      paidByLiability: [Y(100)],
      baseByLiability: [Y(125)],
      paidByCapGroup: [],
      paidTotal: Y(100),
      paidByItem: [],
    };
    const acc = accumulatorsFromJson(plan, v1);
    expect(acc.claimsByLiability).toEqual([0]);
    expect(acc.paidByUnit.size).toBe(0);
    expect(accumulatorsToJson(acc)).toEqual({ ...v1, claimsByLiability: [0], paidByUnit: [] });
    expect(() => accumulatorsFromJson(plan, { ...v1, claimsByLiability: [1, 2] })).toThrow(/invariant/);
  });

  it("a family's shared pools round-trip through JSON and refuse a shape of another plan", () => {
    const fam = planOf(
      (() => {
        const j = baseV2();
        j.plans[0].deductiblePools = [{ id: "f", name: "家庭免赔额", amount: 100, shared: "family" }];
        j.plans[0].liabilities = [{ ...inScope(), deductiblePool: "f" }];
        return j;
      })(),
    );
    const stored = JSON.parse(JSON.stringify({ deductibleUsed: [Y(60)] }));
    expect(familyAccumulatorsFromJson(fam, stored)).toEqual({ deductibleUsed: [Y(60)] });
    expect(() => familyAccumulatorsFromJson(fam, { deductibleUsed: [1, 2] })).toThrow(/invariant/);
    expect(() => familyAccumulatorsFromJson(fam, { deductibleUsed: [-1] })).toThrow(/invariant/);
  });
});

describe("hmb adjudicate on a file: person facts from the record", () => {
  const product = (): Json => {
    const j = baseV2();
    j.plans[0].deductiblePools = [
      {
        id: "main",
        name: "年度免赔额",
        amount: 15_000,
        variants: [{ when: { insuredYearsFrom: 2 }, amount: 14_000, label: "连续参保" }],
      },
    ];
    j.plans[0].liabilities = [
      {
        ...inScope("in_scope", 80),
        deductiblePool: "main",
        ratios: [
          { when: { ageFrom: 60, sex: "1" }, ratioPercent: 60, label: "60岁以上男性" },
          { when: { cohorts: ["tuopin"] }, ratioPercent: 90, label: "脱贫人口" },
          { ratioPercent: 80 },
        ],
      },
    ];
    return j;
  };
  const plan = planOf(product());
  const run = (extra: Record<string, unknown>) => {
    const batch = new AdjudicationBatch(plan);
    batch.add(jsonl({ setlId: "X1", inScope: Y(50_000), extra }));
    const [entry] = batch.run();
    if (entry === undefined) throw new Error("no entry");
    return entry;
  };
  const pay = (extra: Record<string, unknown>) => {
    const e = run(extra);
    return e.kind === "result" ? e.adjudication.hmbPay : -1;
  };

  it("defaults (1st year, no facts): (50000 − 15000) × 80% = 28000", () => {
    expect(pay({})).toBe(Y(28_000));
  });

  it("hmb_insured_years 2: (50000 − 14000) × 80% = 28800; hmb_cohort tuopin: (50000 − 15000) × 90% = 31500", () => {
    expect(pay({ hmb_insured_years: 2 })).toBe(Y(28_800));
    expect(pay({ hmb_cohort: "tuopin" })).toBe(Y(31_500));
  });

  it("brdy + gend: a man born 1960-06-01 is 62 at 2023-01-01 → (50000 − 15000) × 60% = 21000", () => {
    expect(ageAt("1960-06-01", plan.coverage.start)).toBe(62);
    expect(ageAt("1963-01-01", plan.coverage.start)).toBe(60);
    expect(ageAt("1963-01-02", plan.coverage.start)).toBe(59);
    expect(pay({ brdy: "1960-06-01", gend: "1" })).toBe(Y(21_000));
    expect(pay({ brdy: "1960-06-01", gend: "2" })).toBe(Y(28_000));
  });

  it.each([
    [{ hmb_insured_years: 0 }, "hmb_insured_years", "连续参保年数"],
    [{ hmb_insured_years: "two" }, "hmb_insured_years", "连续参保年数"],
    [{ hmb_claim_free_years: -1 }, "hmb_claim_free_years", "连续无理赔年数"],
    [{ hmb_cohort: "vip" }, "hmb_cohort", "人群"],
    [{ brdy: "1990-02-30" }, "brdy", "出生日期"],
    [{ gend: "3" }, "gend", "性别"],
  ])("%j is refused naming the field in Chinese", (extra, field, word) => {
    const e = run(extra);
    expect(e.kind).toBe("error");
    if (e.kind !== "error") throw new Error("expected an error");
    expect(e.error.field).toBe(field);
    expect(e.error.message).toContain(word);
  });
});

describe("versioned catalog effective window", () => {
  // A catalog in force from 2023-07-01 to 2023-09-30 (inclusive), paid at 60 %; the rest of 全自费 at 20 %.
  const j = baseV2();
  j.catalogs = [
    {
      id: "innovative",
      name: "创新药目录",
      sample: false,
      source: "test",
      version: 1,
      effectiveFrom: "2023-07-01",
      effectiveTo: "2023-09-30",
      items: [{ code: "CART-1", name: "CAR-T 样例", kind: "therapy" }],
    },
  ];
  j.plans[0].liabilities = [
    {
      id: "innovative",
      name: "创新药",
      eligible: { catalog: "innovative" },
      medTypes: ["21"],
      ratios: [{ ratioPercent: 60 }],
    },
    outOfScope("out_of_scope", 20),
  ];
  const plan = planOf(j);
  const bill = (id: string, time: string): RecordSpec => ({
    setlId: id,
    fullOwnPay: Y(100_000),
    setlTime: time,
    items: [{ code: "CART-1", amount: Y(100_000) }],
  });

  it("inside: 100000 × 60% = 60000; before or after: an ordinary 自费 item — 100000 × 20% = 20000", () => {
    const inside = v2Person(plan).run(bill("C1", "2023-07-01 08:00:00"));
    expect(lineOf(inside, "innovative").payout).toBe(Y(60_000));
    expect(lineOf(inside, "out_of_scope").eligible).toBe(0);
    for (const [id, time] of [
      ["C0", "2023-06-30 23:59:00"],
      ["C2", "2023-10-01 00:00:00"],
    ] as const) {
      const a = v2Person(plan).run(bill(id, time));
      expect(a.lines.map((l) => l.liabilityId)).toEqual(["out_of_scope"]);
      expect(a.hmbPay).toBe(Y(20_000));
    }
    expect(v2Person(plan).run(bill("C3", "2023-09-30 23:00:00")).hmbPay).toBe(Y(60_000));
  });

  it("a classified catalog item larger than the burden (funds paid most of it) is cut to what the bases hold", () => {
    // Item 50000 (02 乙类, in scope) on a bill where the person bears in-scope 3000 + 全自费 5000 = 8000 and the
    // funds paid 42000 (total 50000): the catalog takes 8000 (全自费 first, then in-scope) × 60% = 4800.
    const a = v2Person(plan).run({
      setlId: "C4",
      inScope: Y(3_000),
      fullOwnPay: Y(5_000),
      pooled: Y(42_000),
      setlTime: "2023-08-01 10:00:00",
      extra: { feedetail: [feeItem("CART-1", "09", "02", Y(50_000))] },
    });
    expect(lineOf(a, "innovative").eligible).toBe(Y(8_000));
    expect(a.hmbPay).toBe(Y(4_800));
  });
});

describe("feedetail with the national fee-detail fields (parsing)", () => {
  const withItems = (feedetail: unknown[], extra: Partial<RecordSpec> = {}) =>
    parseSettlement(
      record({ setlId: "FD", inScope: Y(1_000), fullOwnPay: Y(500), ...extra, extra: { feedetail } }),
    );

  it("keeps category, level and the item's parts; derives the self-pay part", () => {
    const p = withItems([
      feeItem("A", "08", "03", Y(300)),
      feeItem("B", "08", "02", Y(400), { fullOwnPay: Y(100), overLimit: Y(50), preSelfPay: Y(20) }),
      feeItem("C", "09", "01", Y(200)),
    ]);
    if (!p.ok) throw new Error(JSON.stringify(p.error));
    expect(p.settlement.feeItems?.map((i) => [i.code, i.category, i.level, i.amount, i.selfPayPart])).toEqual(
      [
        ["A", "08", "03", Y(300), Y(300)], // 03 自费 without parts: the whole item
        ["B", "08", "02", Y(400), Y(150)], // fulamt 100 + overlmt 50
        ["C", "09", "01", Y(200), 0],
      ],
    );
    // Catalog liabilities read the same items (code, amount) as before.
    expect(p.settlement.catalogItems.map((i) => [i.code, i.amount])).toEqual([
      ["A", Y(300)],
      ["B", Y(400)],
      ["C", Y(200)],
    ]);
    expect(p.record.feedetail).toEqual([
      { med_list_codg: "A", med_chrgitm_type: "08", chrgitm_lv: "03", det_item_fee_sumamt: "300.00" },
      {
        med_list_codg: "B",
        med_chrgitm_type: "08",
        chrgitm_lv: "02",
        det_item_fee_sumamt: "400.00",
        fulamt_ownpay_amt: "100.00",
        overlmt_selfpay: "50.00",
        preselfpay_amt: "20.00",
      },
      { med_list_codg: "C", med_chrgitm_type: "09", chrgitm_lv: "01", det_item_fee_sumamt: "200.00" },
    ]);
  });

  it("classified items may exceed the person's burden (they include what the funds paid), not the total", () => {
    // Burden 1500, pooled 1000 → total 2500: items of 2400 are fine, 2600 are not.
    expect(withItems([feeItem("A", "02", "01", Y(2_400))]).ok).toBe(true);
    const p = withItems([feeItem("A", "02", "01", Y(2_600))]);
    expect(p.ok ? undefined : [p.error.field, p.error.message]).toEqual([
      "feedetail",
      "费用明细金额合计超过医疗费总额 medfee_sumamt",
    ]);
    // A bare item (code and amount only, a 特定药械 charge) is still the person's own: ≤ burden 1500.
    const bare = withItems([{ med_list_codg: "D", det_item_fee_sumamt: "1600.00" }]);
    expect(bare.ok ? undefined : bare.error.message).toBe("特定药械费用合计超过个人负担 psn_part_amt");
  });

  it.each([
    [{ chrgitm_lv: "04" }, "feedetail[0].chrgitm_lv", "收费项目等级"],
    [{ med_chrgitm_type: "8" }, "feedetail[0].med_chrgitm_type", "收费项目类别"],
    [{ fulamt_ownpay_amt: "-1" }, "feedetail[0].fulamt_ownpay_amt", "feedetail[0].fulamt_ownpay_amt"],
    [
      { fulamt_ownpay_amt: "250.00", preselfpay_amt: "60.00" },
      "feedetail[0].det_item_fee_sumamt",
      "超过明细金额",
    ],
  ])("%j is refused naming the field", (override, field, word) => {
    const p = withItems([{ ...feeItem("A", "08", "02", Y(300)), ...override }]);
    expect(p.ok).toBe(false);
    if (p.ok) throw new Error("expected a refusal");
    expect(p.error.field).toBe(field);
    expect(p.error.message).toContain(word);
  });
});
