/**
 * Products as data: the seed files parse into fen / basis points / epoch ms, and a malformed product is
 * rejected with the path of every bad field (ProductValidationError.issues[].path).
 */
import { describe, expect, it } from "vitest";
import { findPlan, ProductValidationError, parseProduct } from "../src/domain/product.js";
import { parseBusinessTime } from "../src/domain/time.js";
import chuxiongJson from "../src/products/chuxiong-2023.json" with { type: "json" };
import { getProduct, listProducts } from "../src/products/index.js";
import wenshanJson from "../src/products/wenshan-2023.json" with { type: "json" };

// biome-ignore lint/suspicious/noExplicitAny: product files are edited as free-form JSON in these tests
type Json = any;
const clone = (x: unknown): Json => structuredClone(x);

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseProduct(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ProductValidationError);
    const issues = (e as ProductValidationError).issues;
    expect(issues.length).toBeGreaterThan(0);
    return [...issues];
  }
  throw new Error("expected the product to be rejected");
}

const paths = (input: unknown) => issuesOf(input).map((i) => i.path);

describe("seed products", () => {
  it("the seeds and the library of real products are registered and parse", () => {
    expect(
      listProducts()
        .map((p) => p.id)
        .sort(),
    ).toEqual([
      "anyang-puhui-2022",
      "beijing-puhui-2024",
      "chengdu-huirongbao-2022",
      "chuxiong-2023",
      "shenzhen-hmb-2023",
      "shenzhen-hmb-2024",
      "wenshan-2023",
      "wenshan-2024-draft",
    ]);
    expect(() => getProduct("nowhere-2023")).toThrow(/unknown product/);
  });

  it("文山: amounts in fen, ratios in bps, coverage 2023-09-01 00:00 to 2024-08-31 24:00 Beijing", () => {
    const p = parseProduct(wenshanJson);
    expect(p.region.code).toBe("532600");
    expect(p.coverage.start).toBe(Date.UTC(2023, 8, 1) - 8 * 3600_000);
    expect(p.coverage.end).toBe(Date.UTC(2024, 8, 1) - 8 * 3600_000);
    expect(p.coverage.end).toBe(parseBusinessTime("2024-09-01 00:00:00"));
    const plan = findPlan(p, "standard");
    expect(plan.premium.base).toBe(6_900);
    expect(plan.annualTotal).toBe(300_000_000);
    expect(plan.deductiblePools.map((d) => d.amount)).toEqual([1_200_000, 1_200_000]);
    expect(plan.liabilities.map((l) => [l.id, l.cap, l.ratios.map((r) => r.ratioPercent)])).toEqual([
      ["inpatient_in_scope", 200_000_000, [8_000]],
      ["special_drug", undefined, [8_000]],
      ["inpatient_out_of_scope", 100_000_000, [2_000]],
    ]);
    expect(p.catalogs[0]?.items).toHaveLength(15);
  });

  it("楚雄: basic and plus with their pools, caps and plus-only liabilities", () => {
    const p = parseProduct(chuxiongJson);
    expect(p.coverage.start).toBe(parseBusinessTime("2023-01-01 00:00:00"));
    expect(p.coverage.end).toBe(parseBusinessTime("2024-01-01 00:00:00"));
    const basic = findPlan(p, "basic");
    const plus = findPlan(p, "plus");
    expect(findPlan(p, undefined).id).toBe("basic");
    expect(basic.premium.base).toBe(6_800);
    expect(plus.premium.base).toBe(12_800);
    expect(basic.deductiblePools[0]?.amount).toBe(1_300_000);
    expect(plus.deductiblePools[0]?.amount).toBe(1_000_000);
    expect(basic.liabilities.map((l) => l.cap)).toEqual([100_000_000, 100_000_000]);
    expect(plus.liabilities.map((l) => [l.id, l.cap])).toEqual([
      ["inpatient_in_scope", 200_000_000],
      ["inpatient_out_of_scope", 200_000_000],
      ["special_drug", 100_000_000],
      ["car_t", 60_000_000],
      ["proton_heavy_ion", 30_000_000],
    ]);
    expect(basic.annualTotal).toBe(200_000_000);
    expect(plus.annualTotal).toBe(590_000_000);
    expect(p.catalogs.find((c) => c.id === "chuxiong-special-drugs")?.items).toHaveLength(35);
    expect(() => findPlan(p, "gold")).toThrow(/no plan gold/);
  });
});

describe("malformed products are rejected with the path of the bad field", () => {
  it("cap: -1 on plans[0].liabilities[1]", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[1].cap = -1;
    expect(paths(j)).toContain("plans[0].liabilities[1].cap");
  });

  it("a 3-decimal amount", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[0].cap = 2000000.005;
    expect(paths(j)).toEqual(["plans[0].liabilities[0].cap"]);
    const k = clone(chuxiongJson);
    k.plans[1].premium.base = 128.001;
    expect(paths(k)).toEqual(["plans[1].premium.base"]);
    const m = clone(wenshanJson);
    m.plans[0].deductiblePools[1].amount = 12000.125;
    expect(paths(m)).toEqual(["plans[0].deductiblePools[1].amount"]);
  });

  it("2-decimal amounts are fine", () => {
    const j = clone(wenshanJson);
    j.plans[0].premium.base = 69.99;
    expect(findPlan(parseProduct(j), "standard").premium.base).toBe(6_999);
  });

  it("an unknown deductible pool", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[2].deductiblePool = "no_such_pool";
    const issues = issuesOf(j);
    expect(issues.map((i) => i.path)).toEqual(["plans[0].liabilities[2].deductiblePool"]);
    expect(issues[0]?.message).toContain("no_such_pool");
  });

  it("the last ratio variant conditional", () => {
    const j = clone(chuxiongJson);
    j.plans[0].liabilities[0].ratios[3].when = { outOfRegion: false };
    expect(paths(j)).toEqual(["plans[0].liabilities[0].ratios[3].when"]);
    const k = clone(wenshanJson);
    k.plans[0].liabilities[0].ratios = [{ when: { preExisting: true }, ratioPercent: 80 }];
    // Also needs a pre-existing condition reference: both problems are reported.
    expect(paths(k)).toContain("plans[0].liabilities[0].ratios[0].when");
  });

  it("a ratio above 100% or with more than 2 decimals of a percent", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[0].ratios[0].ratioPercent = 120;
    expect(paths(j)).toEqual(["plans[0].liabilities[0].ratios[0].ratioPercent"]);
    const k = clone(wenshanJson);
    k.plans[0].liabilities[2].ratios[0].ratioPercent = 20.125;
    expect(paths(k)).toEqual(["plans[0].liabilities[2].ratios[0].ratioPercent"]);
  });

  it("an unknown catalog, pre-existing condition, med_type, or cap-group liability", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[1].eligible = { catalog: "no-such-catalog" };
    expect(paths(j)).toEqual(["plans[0].liabilities[1].eligible.catalog"]);
    const k = clone(wenshanJson);
    k.plans[0].liabilities[1].preExistingCondition = "gout";
    expect(paths(k)).toEqual(["plans[0].liabilities[1].preExistingCondition"]);
    const m = clone(wenshanJson);
    m.plans[0].liabilities[0].medTypes = ["21", "99"];
    expect(paths(m)).toEqual(["plans[0].liabilities[0].medTypes[1]"]);
    const n = clone(wenshanJson);
    n.plans[0].capGroups = [
      { id: "g", name: "共用", amount: 100, liabilities: ["inpatient_in_scope", "nope"] },
    ];
    expect(paths(n)).toEqual(["plans[0].capGroups[0].liabilities[1]"]);
  });

  it("excludePreExisting without a condition", () => {
    const j = clone(wenshanJson);
    delete j.plans[0].liabilities[1].preExistingCondition;
    expect(paths(j)).toEqual(["plans[0].liabilities[1].preExistingCondition"]);
  });

  it("duplicate liability ids, a coverage period ending before it starts, a bad region code", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[2].id = "inpatient_in_scope";
    expect(paths(j)).toContain("plans[0].liabilities[2].id");
    const k = clone(wenshanJson);
    k.coverage = { start: "2024-09-01 00:00", end: "2023-09-01 00:00" };
    expect(paths(k)).toEqual(["coverage.end"]);
    const m = clone(wenshanJson);
    m.region.code = "5326";
    expect(paths(m)).toEqual(["region.code"]);
    const n = clone(wenshanJson);
    n.coverage.start = "2023-09-31 00:00";
    expect(paths(n)).toEqual(["coverage.start"]);
  });

  it("reports every bad field at once", () => {
    const j = clone(chuxiongJson);
    j.plans[0].liabilities[1].cap = -1;
    j.plans[1].liabilities[3].ratios[0].ratioPercent = 101;
    j.plans[1].liabilities[0].deductiblePool = "x";
    expect(paths(j).sort()).toEqual([
      "plans[0].liabilities[1].cap",
      "plans[1].liabilities[0].deductiblePool",
      "plans[1].liabilities[3].ratios[0].ratioPercent",
    ]);
  });

  it("the error message lists the paths", () => {
    const j = clone(wenshanJson);
    j.plans[0].liabilities[1].cap = -1;
    expect(() => parseProduct(j)).toThrow(/plans\[0\]\.liabilities\[1\]\.cap/);
  });
});
