/**
 * Schema v2 in src/domain/product.ts: the brief's shape is accepted, the rules that tie fields together are
 * enforced, and every custom message is Chinese and names the path.
 */
import { describe, expect, it } from "vitest";
import { ProductValidationError, parseProduct } from "../src/domain/product.js";
import { compilePlan } from "../src/engine/compile.js";
import { getProduct, listProducts } from "../src/products/index.js";
import { baseV2, inScope, type Json } from "./engine.v2.support.js";

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseProduct(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ProductValidationError);
    return [...(e as ProductValidationError).issues];
  }
  throw new Error("expected the product to be rejected");
}

const CJK = /[\u4e00-\u9fff]/;

function full(): Json {
  const j = baseV2();
  j.stayAcrossCoverageEnd = { kind: "extension", days: 30 };
  j.preExistingLockedAtFirstEnrollment = true;
  j.catalogRefs = [{ id: "nhsa-innovative-2025", version: 1 }];
  j.plans[0].deductiblePools = [
    {
      id: "main",
      name: "年度免赔额",
      amount: 15_000,
      preExistingCondition: "tumour",
      shared: "family",
      variants: [
        { when: { preExisting: true }, amount: 20_000, label: "既往症" },
        { when: { insuredYearsFrom: 2, insutypes: ["390"] }, amount: 14_000 },
        { when: { claimFreeYearsFrom: 1, claimFreeYearsTo: 3, ageFrom: 0, ageTo: 17, sex: "2" }, amount: 1 },
      ],
    },
  ];
  j.plans[0].liabilities = [
    {
      ...inScope(),
      deductiblePool: "main",
      preExistingCondition: "tumour",
      preSelfPayWeightPercent: 50,
      waitingPeriodDays: 30,
      cap: 1_000_000,
      capVariants: [{ when: { preExisting: true }, amount: 500_000, label: "既往症" }],
      ratios: [
        { when: { preExisting: true, costBand: { from: 0, to: 100_000 } }, ratioPercent: 40 },
        { when: { cohorts: ["dibao"], outOfRegion: false }, ratioPercent: 90 },
        { ratioPercent: 80 },
      ],
    },
    {
      id: "materials",
      name: "自费耗材",
      eligible: { feeItems: { categories: ["08"], levels: ["03"], codes: ["X1"], portion: "self_pay" } },
      medTypes: ["21"],
      ratios: [{ ratioPercent: 70 }],
      unitCaps: [
        { per: "code", amount: 100_000 },
        { per: "stay", amount: 50_000 },
      ],
      maxClaimsPerYear: 12,
    },
    {
      id: "lump",
      name: "重疾定额",
      eligible: { diagnosis: { icd10: [{ from: "C00", to: "C97" }] } },
      medTypes: ["21"],
      lumpSum: 10_000,
    },
  ];
  return j;
}

describe("schema v2 shape", () => {
  it("accepts every v2 field of the brief and compiles it", () => {
    const p = parseProduct(full());
    expect(p.schemaVersion).toBe(2);
    expect(p.stayAcrossCoverageEnd).toEqual({ kind: "extension", days: 30 });
    expect(p.preExistingLockedAtFirstEnrollment).toBe(true);
    expect(p.catalogRefs).toEqual([{ id: "nhsa-innovative-2025", version: 1 }]);
    const plan = compilePlan(p);
    expect(plan.pools[0]?.family).toBe(true);
    expect(plan.pools[0]?.variants.map((v) => v.amount)).toEqual([2_000_000, 1_400_000, 100]);
    expect(plan.liabilities.map((l) => l.base)).toEqual(["in_scope", "fee_items", "diagnosis"]);
    expect(plan.liabilities[0]?.preSelfPayWeightBps).toBe(5_000);
    expect(plan.liabilities[1]?.unitCapPerCode).toBe(10_000_000);
    expect(plan.liabilities[1]?.unitCapPerStay).toBe(5_000_000);
    expect(plan.liabilities[2]?.lumpSum).toBe(1_000_000);
    expect(plan.stayRule).toEqual({ kind: "extension", days: 30 });
    expect(plan.hasLumpSums && plan.hasFeeItemLiabilities && plan.hasFamilyPools).toBe(true);
  });

  it("a file without schemaVersion is version 1 and keeps v1 semantics; 3 is refused", () => {
    const j = full();
    delete j.schemaVersion;
    expect(parseProduct(j).schemaVersion).toBe(1);
    const issues = issuesOf({ ...full(), schemaVersion: 3 });
    expect(issues.map((i) => i.path)).toEqual(["schemaVersion"]);
    expect(issues[0]?.message).toBe("schemaVersion 应为 1 或 2");
  });

  it("every shipped product (v1 seeds and the v2 library) parses and compiles every plan", () => {
    for (const p of listProducts())
      for (const plan of p.plans) expect(() => compilePlan(p, plan.id)).not.toThrow();
    expect(getProduct("wenshan-2023").plans[0]?.liabilities[0]?.capVariants).toEqual([]);
  });
});

describe("schema v2 rules, in Chinese, naming the path", () => {
  const cases: [string, (j: Json) => void, string, string][] = [
    [
      "a lump sum without a diagnosis base",
      (j) => {
        j.plans[0].liabilities[0].lumpSum = 100;
      },
      "plans[0].liabilities[0].lumpSum",
      "定额给付 lumpSum 只能用于按诊断给付（eligible.diagnosis）的责任",
    ],
    [
      "a diagnosis base without a lump sum",
      (j) => {
        delete j.plans[0].liabilities[2].lumpSum;
      },
      "plans[0].liabilities[2].lumpSum",
      "按诊断定额给付的责任必须给出定额 lumpSum",
    ],
    [
      "a ratio liability without ratios",
      (j) => {
        j.plans[0].liabilities[1].ratios = [];
      },
      "plans[0].liabilities[1].ratios",
      "赔付比例至少要有一档",
    ],
    [
      "a per-code unit cap on a record-level base",
      (j) => {
        j.plans[0].liabilities[0].unitCaps = [{ per: "code", amount: 1 }];
      },
      "plans[0].liabilities[0].unitCaps[0].per",
      "按编码的单项限额只适用于按目录或费用明细给付的责任",
    ],
    [
      "a pre-self-pay weight outside in_scope",
      (j) => {
        j.plans[0].liabilities[1].preSelfPayWeightPercent = 50;
      },
      "plans[0].liabilities[1].preSelfPayWeightPercent",
      "乙类先行自付计入比例只适用于医保范围内（in_scope）责任",
    ],
    [
      "a pool variant on pre-existing status without a condition",
      (j) => {
        delete j.plans[0].deductiblePools[0].preExistingCondition;
      },
      "plans[0].deductiblePools[0].preExistingCondition",
      "免赔额按既往症区分时必须指定既往症定义",
    ],
    [
      "an age range upside down",
      (j) => {
        j.plans[0].deductiblePools[0].variants[2].when.ageFrom = 18;
      },
      "plans[0].deductiblePools[0].variants[2].when.ageTo",
      "年龄的下限不能大于上限",
    ],
    [
      "a fee category that is not two digits",
      (j) => {
        j.plans[0].liabilities[1].eligible.feeItems.categories = ["8"];
      },
      "plans[0].liabilities[1].eligible.feeItems.categories[0]",
      "收费项目类别应为两位数字（如 08 卫生材料费）",
    ],
    [
      "the last ratio variant conditional",
      (j) => {
        j.plans[0].liabilities[0].ratios[2].when = { sex: "1" };
      },
      "plans[0].liabilities[0].ratios[2].when",
      "赔付比例档位的最后一项必须不设条件",
    ],
    [
      "an unknown pool",
      (j) => {
        j.plans[0].liabilities[0].deductiblePool = "nope";
      },
      "plans[0].liabilities[0].deductiblePool",
      "未知的免赔额 nope",
    ],
  ];
  it.each(cases)("%s", (_name, edit, path, message) => {
    const j = full();
    edit(j);
    const issues = issuesOf(j);
    const hit = issues.find((i) => i.path === path);
    expect(hit?.message, JSON.stringify(issues)).toBe(message);
  });

  it("the v1 custom messages are Chinese too (amount decimals, period order, ICD-10 range, duplicates)", () => {
    const j = full();
    j.coverage = { start: "2024-01-01 00:00", end: "2023-01-01 00:00" };
    j.plans[0].liabilities[0].cap = 1.234;
    j.preExistingConditions[0].rule.icd10 = [{ from: "C97", to: "C00" }];
    j.plans[0].liabilities[1].id = "in_scope";
    const messages = issuesOf(j).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "coverage.end: 开始时间必须早于结束时间",
        "plans[0].liabilities[0].cap: 金额最多两位小数",
        "preExistingConditions[0].rule.icd10[0].to: ICD-10 范围的起点不能晚于终点",
        "plans[0].liabilities[1].id: 责任 id 重复",
      ]),
    );
    for (const m of messages) expect(m).toMatch(CJK);
  });
});
