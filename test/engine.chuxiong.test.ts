/**
 * 楚雄惠民保 2023 (DESIGN.md §5), plans basic and plus: the shared ①② deductible pool (13,000 / 10,000,
 * consumed by ① first), the four ① ratio variants, ② 20% / pre-existing 10%, caps 1M / 2M, and the
 * plus-only catalog liabilities special_drug, car_t and proton_heavy_ion. Expected amounts are by hand, in fen.
 */
import { describe, expect, it } from "vitest";
import {
  CX_AWAY,
  CX_HOSPITAL,
  CX_LOCAL,
  CX_PHARMACY,
  lineOf,
  person,
  type RecordSpec,
  Y,
} from "./fixtures.js";

const CX = "chuxiong-2023";
/** A settlement in the 2 years before coverage start on which 大病保险 paid: makes the person pre-existing. */
const SEVERE_HISTORY: RecordSpec = {
  setlId: "H-severe",
  setlTime: "2022-06-01 10:00:00",
  region: CX_LOCAL,
  inScope: Y(20_000),
  criticalIllness: Y(30_000),
};

const healthy = (plan: "basic" | "plus") => person(CX, plan);
const preExisting = (plan: "basic" | "plus") => person(CX, plan, [SEVERE_HISTORY]);

describe("楚雄 ① inpatient_in_scope: the four ratio variants", () => {
  // basic: (50,000 − 13,000) = 37,000; plus: (50,000 − 10,000) = 40,000.
  it.each([
    ["basic", "local", false, CX_LOCAL, Y(29_600)], // 37,000 × 80%
    ["basic", "out-of-region", false, CX_AWAY, Y(22_200)], // 37,000 × 60%
    ["basic", "pre-existing local", true, CX_LOCAL, Y(25_900)], // 37,000 × 70%
    ["basic", "pre-existing out-of-region", true, CX_AWAY, Y(18_500)], // 37,000 × 50%
    ["plus", "local", false, CX_LOCAL, Y(32_000)], // 40,000 × 80%
    ["plus", "out-of-region", false, CX_AWAY, Y(24_000)], // 40,000 × 60%
    ["plus", "pre-existing local", true, CX_LOCAL, Y(28_000)], // 40,000 × 70%
    ["plus", "pre-existing out-of-region", true, CX_AWAY, Y(20_000)], // 40,000 × 50%
  ] as const)("%s, %s: 50,000 in scope pays %#", (plan, _label, pre, region, expected) => {
    const p = pre ? preExisting(plan) : healthy(plan);
    expect(p.terms.preExisting).toEqual([pre]);
    const a = p.run({ setlId: "S1", inScope: Y(50_000), region });
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(expected);
    expect(a.hmbPay).toBe(expected);
    expect(a.status).toBe("paid");
  });

  it.each([
    ["532301", 80], // 楚雄市
    ["532331", 80], // 禄丰: same first 4 digits 5323
    ["532300", 80],
    ["532601", 60], // 文山: another prefecture of Yunnan
    ["530102", 60], // 昆明
    ["110101", 60], // 北京
    ["523301", 60], // digits of 5323 in another order
  ])("treatment region %s → %i%% (out of region = first 4 digits differ from 5323)", (region, percent) => {
    const a = healthy("basic").run({ setlId: "S1", inScope: Y(113_000), region });
    expect(a.hmbPay).toBe(Y(100_000) * (percent / 100));
  });

  it("med_type 14 (门诊慢特病) is covered in 楚雄", () => {
    const a = healthy("basic").run({ setlId: "S1", medType: "14", inScope: Y(50_000), region: CX_LOCAL });
    expect(a.hmbPay).toBe(Y(29_600));
  });

  it.each(["21", "22", "23", "24"])("inpatient med_type %s is covered", (medType) => {
    expect(healthy("basic").run({ setlId: "S1", medType, inScope: Y(23_000), region: CX_LOCAL }).hmbPay).toBe(
      Y(8_000),
    );
  });

  it.each(["basic", "plus"] as const)("%s: med_type 11 without catalog items is not covered", (plan) => {
    const a = healthy(plan).run({ setlId: "S1", medType: "11", inScope: Y(50_000), region: CX_LOCAL });
    expect(a).toMatchObject({ status: "not_covered", reason: "med_type_not_covered", hmbPay: 0 });
  });

  it("cap basic 1,000,000: (1,400,000 − 13,000) × 80% = 1,109,600 → 1,000,000", () => {
    const a = healthy("basic").run({ setlId: "S1", inScope: Y(1_400_000), region: CX_LOCAL });
    const line = lineOf(a, "inpatient_in_scope");
    expect(line.computed).toBe(Y(1_109_600));
    expect(line.payout).toBe(Y(1_000_000));
    expect(line.limits[0]).toMatchObject({ kind: "liability", limit: Y(1_000_000), cut: Y(109_600) });
  });

  it("cap plus 2,000,000: (2,600,000 − 10,000) × 80% = 2,072,000 → 2,000,000", () => {
    const a = healthy("plus").run({ setlId: "S1", inScope: Y(2_600_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_in_scope").computed).toBe(Y(2_072_000));
    expect(a.hmbPay).toBe(Y(2_000_000));
  });

  it("cap basic 1,000,000 across events", () => {
    const p = healthy("basic");
    const a = p.run({ setlId: "S1", inScope: Y(763_000), region: CX_LOCAL, setlTime: "2023-03-01 10:00:00" });
    expect(a.hmbPay).toBe(Y(600_000)); // (763,000 − 13,000) × 80%
    const b = p.run({ setlId: "S2", inScope: Y(600_000), region: CX_LOCAL, setlTime: "2023-04-01 10:00:00" });
    expect(lineOf(b, "inpatient_in_scope").computed).toBe(Y(480_000));
    expect(b.hmbPay).toBe(Y(400_000));
  });
});

describe("楚雄 ② inpatient_out_of_scope: 20%, pre-existing 10%", () => {
  it.each([
    ["basic", false, Y(7_400)], // (50,000 − 13,000) × 20%
    ["basic", true, Y(3_700)], // (50,000 − 13,000) × 10%
    ["plus", false, Y(8_000)], // (50,000 − 10,000) × 20%
    ["plus", true, Y(4_000)], // (50,000 − 10,000) × 10%
  ] as const)("%s, pre-existing %s: 50,000 out of scope pays %i fen", (plan, pre, expected) => {
    const p = pre ? preExisting(plan) : healthy(plan);
    const a = p.run({ setlId: "S1", fullOwnPay: Y(30_000), overLimit: Y(20_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_out_of_scope").payout).toBe(expected);
    expect(a.hmbPay).toBe(expected);
  });

  it("② is 20% out of region too (no regional variant)", () => {
    const a = healthy("basic").run({ setlId: "S1", fullOwnPay: Y(50_000), region: CX_AWAY });
    expect(a.hmbPay).toBe(Y(7_400));
  });

  it("cap basic 1,000,000: (5,100,000 − 13,000) × 20% = 1,017,400 → 1,000,000", () => {
    const a = healthy("basic").run({ setlId: "S1", fullOwnPay: Y(5_100_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_out_of_scope").computed).toBe(Y(1_017_400));
    expect(a.hmbPay).toBe(Y(1_000_000));
  });

  it("cap plus 2,000,000: (10,100,000 − 10,000) × 20% = 2,018,000 → 2,000,000", () => {
    const a = healthy("plus").run({ setlId: "S1", fullOwnPay: Y(10_100_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_out_of_scope").computed).toBe(Y(2_018_000));
    expect(a.hmbPay).toBe(Y(2_000_000));
  });

  it("basic headline: ① and ② at their caps make 2,000,000", () => {
    const p = healthy("basic");
    const a = p.run({ setlId: "S1", inScope: Y(1_400_000), fullOwnPay: Y(5_100_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(Y(1_000_000));
    // ① took the whole 13,000 deductible, so ② computes 5,100,000 × 20% = 1,020,000 → cap.
    expect(lineOf(a, "inpatient_out_of_scope").deductible).toBe(0);
    expect(lineOf(a, "inpatient_out_of_scope").computed).toBe(Y(1_020_000));
    expect(a.hmbPay).toBe(Y(2_000_000));
  });
});

describe("楚雄 shared ①② deductible pool, consumed by ① first", () => {
  it("basic 13,000: 8,000 in scope + 20,000 out of scope → ① deducts 8,000, ② deducts 5,000", () => {
    const p = healthy("basic");
    const a = p.run({ setlId: "S1", inScope: Y(8_000), fullOwnPay: Y(20_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(8_000), payout: 0 });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(5_000), payout: Y(3_000) });
    expect(p.acc.deductibleUsed).toEqual([Y(13_000)]);
    // The pool is spent: the next event deducts nothing.
    const b = p.run({ setlId: "S2", inScope: Y(10_000), region: CX_LOCAL, setlTime: "2023-11-01 10:00:00" });
    expect(lineOf(b, "inpatient_in_scope").deductible).toBe(0);
    expect(b.hmbPay).toBe(Y(8_000));
  });

  it("plus 10,000: 8,000 in scope + 20,000 out of scope → ① deducts 8,000, ② deducts 2,000", () => {
    const a = healthy("plus").run({
      setlId: "S1",
      inScope: Y(8_000),
      fullOwnPay: Y(20_000),
      region: CX_LOCAL,
    });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(8_000), payout: 0 });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(2_000), payout: Y(3_600) });
  });

  it("① first even when ② is larger: 20,000 in + 20,000 out (basic) → ① deducts all 13,000", () => {
    const a = healthy("basic").run({
      setlId: "S1",
      inScope: Y(20_000),
      fullOwnPay: Y(20_000),
      region: CX_LOCAL,
    });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(13_000), payout: Y(5_600) });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: 0, payout: Y(4_000) });
  });

  it("the pool carries across events: ① uses 5,000, then ② uses the remaining 8,000", () => {
    const p = healthy("basic");
    expect(
      p.run({ setlId: "S1", inScope: Y(5_000), region: CX_LOCAL, setlTime: "2023-02-01 10:00:00" }).hmbPay,
    ).toBe(0);
    const b = p.run({
      setlId: "S2",
      fullOwnPay: Y(10_000),
      region: CX_LOCAL,
      setlTime: "2023-03-01 10:00:00",
    });
    expect(lineOf(b, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(8_000), payout: Y(400) });
    const c = p.run({ setlId: "S3", inScope: Y(1_000), region: CX_LOCAL, setlTime: "2023-04-01 10:00:00" });
    expect(c.hmbPay).toBe(Y(800));
  });
});

describe("楚雄 plus-only catalog liabilities", () => {
  const drug = (p: ReturnType<typeof healthy>, amount: number, extra: Partial<RecordSpec> = {}) =>
    p.run({
      setlId: "S1",
      medType: "41",
      institution: CX_PHARMACY,
      region: CX_LOCAL,
      fullOwnPay: amount,
      items: [{ code: "SAMPLE-CX-D05", amount }],
      ...extra,
    });

  it("③ special_drug 80%: 100,000 → 80,000, no deductible", () => {
    const p = healthy("plus");
    const a = drug(p, Y(100_000));
    expect(lineOf(a, "special_drug")).toMatchObject({
      eligible: Y(100_000),
      deductible: 0,
      payout: Y(80_000),
    });
    expect(a.hmbPay).toBe(Y(80_000));
    expect(p.acc.deductibleUsed).toEqual([0]);
  });

  it("③ special_drug pre-existing 30%: 100,000 → 30,000 (not excluded)", () => {
    const a = drug(preExisting("plus"), Y(100_000));
    expect(a.hmbPay).toBe(Y(30_000));
    expect(lineOf(a, "special_drug").outcome.kind).toBe("assessed");
  });

  it("③ special_drug cap 1,000,000: 1,300,000 × 80% = 1,040,000 → 1,000,000", () => {
    const a = drug(healthy("plus"), Y(1_300_000));
    expect(lineOf(a, "special_drug").computed).toBe(Y(1_040_000));
    expect(a.hmbPay).toBe(Y(1_000_000));
    expect(lineOf(a, "special_drug").limits[0]).toMatchObject({ kind: "liability", limit: Y(1_000_000) });
  });

  it("③ special_drug at a non-designated pharmacy pays nothing", () => {
    const a = drug(healthy("plus"), Y(100_000), { institution: "P53239999999" });
    expect(lineOf(a, "special_drug").outcome.kind).toBe("not_designated_institution");
    expect(a.hmbPay).toBe(0);
  });

  it("③ special_drug at a designated hospital, inpatient", () => {
    const a = healthy("plus").run({
      setlId: "S1",
      institution: CX_HOSPITAL,
      region: CX_LOCAL,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-CX-D30", amount: Y(100_000) }],
    });
    expect(lineOf(a, "special_drug").payout).toBe(Y(80_000));
    expect(lineOf(a, "inpatient_out_of_scope").payout).toBe(0);
    expect(a.hmbPay).toBe(Y(80_000));
  });

  it("car_t 50%: 1,000,000 → 500,000; cap 600,000: 1,500,000 × 50% = 750,000 → 600,000", () => {
    const cart = (amount: number) =>
      healthy("plus").run({
        setlId: "S1",
        region: CX_LOCAL,
        fullOwnPay: amount,
        items: [{ code: "SAMPLE-CART-01", amount }],
      });
    const a = cart(Y(1_000_000));
    expect(lineOf(a, "car_t")).toMatchObject({ eligible: Y(1_000_000), deductible: 0, payout: Y(500_000) });
    expect(a.hmbPay).toBe(Y(500_000));
    const b = cart(Y(1_500_000));
    expect(lineOf(b, "car_t").computed).toBe(Y(750_000));
    expect(b.hmbPay).toBe(Y(600_000));
  });

  it("car_t ignores pre-existing status: still 50%", () => {
    const a = preExisting("plus").run({
      setlId: "S1",
      region: CX_LOCAL,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-CART-02", amount: Y(100_000) }],
    });
    expect(lineOf(a, "car_t").payout).toBe(Y(50_000));
  });

  it("proton_heavy_ion 70%: 200,000 → 140,000; cap 300,000: 500,000 × 70% = 350,000 → 300,000", () => {
    const phi = (amount: number) =>
      healthy("plus").run({
        setlId: "S1",
        region: CX_LOCAL,
        fullOwnPay: amount,
        items: [{ code: "SAMPLE-PHI-01", amount }],
      });
    expect(phi(Y(200_000)).hmbPay).toBe(Y(140_000));
    const b = phi(Y(500_000));
    expect(lineOf(b, "proton_heavy_ion").computed).toBe(Y(350_000));
    expect(b.hmbPay).toBe(Y(300_000));
  });

  it("basic has none of them: a pharmacy purchase of a catalog drug is not covered", () => {
    const a = drug(healthy("basic"), Y(100_000));
    expect(a).toMatchObject({ status: "not_covered", reason: "med_type_not_covered", hmbPay: 0 });
  });

  it("basic: a CAR-T stay produces no car_t line", () => {
    const a = healthy("basic").run({
      setlId: "S1",
      region: CX_LOCAL,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-CART-01", amount: Y(100_000) }],
    });
    expect(a.lines.map((l) => l.liabilityId)).toEqual(["inpatient_in_scope", "inpatient_out_of_scope"]);
  });
});
