/**
 * Schema v2 features used by the library of real products (issue 12 items 5 and 6): each feature a shipped
 * product uses is worked through the engine here, from settlement records built the way
 * test/products.library.test.ts builds them, with the arithmetic in comments and the source named.
 * Sources: docs/products/SOURCES.md §6 (安阳普惠健康保 2022) and §3 (惠蓉保 2022, 跨保单年度住院).
 *
 *  - `when.insutypes` (职工/居民 deductible) and `preSelfPayWeightPercent` — anyang-puhui-2022;
 *  - `stayAcrossCoverageEnd` extension of 90 days, pro rata by day beyond it — chengdu-huirongbao-2022.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { presentProductSheet } from "../src/api/present/claims.js";
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { type Product, parseProduct } from "../src/domain/product.js";
import { parseSettlement, type Settlement } from "../src/domain/settlement.js";
import { emptyAccumulators } from "../src/engine/accumulators.js";
import { type Adjudication, adjudicate } from "../src/engine/adjudicate.js";
import { compilePlan, type PolicyTerms } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { getProduct } from "../src/products/index.js";

/** Whole yuan → fen. */
const Y = (yuan: number): number => Math.round(yuan * 100);

interface Rec {
  setlId: string;
  medType?: string;
  insutype?: "310" | "390";
  /** Admission (begntime); also the settlement time unless `dischargedAt` is given. */
  admittedAt?: string;
  /** Discharge (endtime); the record settles at discharge. */
  dischargedAt?: string;
  diagnosis?: string;
  /** 医保范围内自付 (fen), including any 乙类先行自付 */
  inScope?: number;
  /** 乙类先行自付 preselfpay_amt (fen), part of `inScope` */
  preSelfPay?: number;
  /** 全自费 (fen) */
  fullOwnPay?: number;
  /** 统筹基金 (fen) */
  pooled?: number;
}

/** A national setlinfo record, internally consistent (psn_part_amt = in scope + 全自费). */
function wire(r: Rec, regionCode: string): Record<string, unknown> {
  const inScope = r.inScope ?? 0;
  const fullOwnPay = r.fullOwnPay ?? 0;
  const pooled = r.pooled ?? 0;
  const burden = inScope + fullOwnPay;
  const admitted = r.admittedAt ?? "2022-03-10 10:00:00";
  return {
    setl_id: r.setlId,
    psn_no: "LIBV2001",
    certno: makeCertno(`${regionCode.slice(0, 4)}01`, "19620101", 17),
    psn_name: "测试",
    insutype: r.insutype ?? "390",
    med_type: r.medType ?? "21",
    setl_time: r.dischargedAt ?? admitted,
    begntime: admitted,
    ...(r.dischargedAt === undefined ? {} : { endtime: r.dischargedAt }),
    fixmedins_code: "H00000000001",
    mdtrtarea_admvs: regionCode,
    dise_codg: r.diagnosis ?? "I63.900",
    medfee_sumamt: formatYuan(burden + pooled),
    fulamt_ownpay_amt: formatYuan(fullOwnPay),
    overlmt_selfpay: "0.00",
    ...(r.preSelfPay === undefined ? {} : { preselfpay_amt: formatYuan(r.preSelfPay) }),
    hifp_pay: formatYuan(pooled),
    fund_pay_sumamt: formatYuan(pooled),
    psn_part_amt: formatYuan(burden),
  };
}

/** One insured person under the product's only plan; records are adjudicated in the order given. */
function run(
  product: Product,
  insured: { history?: Rec[]; insuredYears?: number },
  records: Rec[],
): Adjudication[] {
  const plan = compilePlan(product, "standard");
  const parse = (r: Rec): Settlement => {
    const parsed = parseSettlement(wire(r, product.region.code));
    if (!parsed.ok) throw new Error(`fixture ${r.setlId}: ${JSON.stringify(parsed.error)}`);
    return parsed.settlement;
  };
  const terms: PolicyTerms = {
    coverage: plan.coverage,
    cohort: undefined,
    preExisting: derivePreExisting(plan, plan.coverage.start, (insured.history ?? []).map(parse)),
    ...(insured.insuredYears === undefined ? {} : { insuredYears: insured.insuredYears }),
  };
  const acc = emptyAccumulators(plan);
  return records.map((r) => adjudicate(plan, terms, acc, parse(r)));
}

function line(a: Adjudication, liabilityId: string) {
  const found = a.lines.find((l) => l.liabilityId === liabilityId);
  if (found === undefined) throw new Error(`${a.setlId}: no line ${liabilityId}`);
  return found;
}

/* ------------------------------------------------------------------------------------------------------------
 * 安阳普惠健康保 2022 (投保须知书 and 常见问题, github.com/yunabc/ykj src/pages/product/puhui/*): 医保内门急诊、住院
 * 责任 = 自付一 + 自付二 (自付二 = 乙类先行自付); deductible = that year's 安阳 大病医疗保险起付标准, the notice's
 * example: 城镇职工 3.95万, 城乡居民 3.04万; 80 % (特定既往症 40 %). No published worked example was found: 手算.
 * ---------------------------------------------------------------------------------------------------------- */

const AY = "anyang-puhui-2022";

describe("安阳普惠健康保 2022 — deductible by insutype (职工/居民), 手算", () => {
  const stay = (insutype: "310" | "390"): Rec => ({
    setlId: `AY-${insutype}`,
    insutype,
    inScope: Y(50_000),
    pooled: Y(120_000),
  });

  it("城镇职工 (insutype 310): (50000 − 39500) × 80% = 8400", () => {
    const [a] = run(getProduct(AY), {}, [stay("310")]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(8_400));
    expect(line(a, "in_scope").deductible).toBe(Y(39_500));
  });

  it("城乡居民 (insutype 390): (50000 − 30400) × 80% = 15680", () => {
    const [a] = run(getProduct(AY), {}, [stay("390")]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(15_680));
    expect(line(a, "in_scope").deductible).toBe(Y(30_400));
  });

  it("特定既往症 (糖尿病 E11 diagnosed before 2022): 职工 (50000 − 39500) × 40% = 4200", () => {
    const history: Rec[] = [
      { setlId: "AY-DX", diagnosis: "E11.900", inScope: Y(100), admittedAt: "2021-05-01 10:00:00" },
    ];
    const [a] = run(getProduct(AY), { history }, [stay("310")]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(4_200));
  });
});

describe("安阳普惠健康保 2022 — 乙类先行自付 (自付二) counted in full, 手算", () => {
  // 居民 stay: 医保范围内自付 40,400 of which 乙类先行自付 6,000.
  const stay: Rec = { setlId: "AY-PRE", inScope: Y(40_400), preSelfPay: Y(6_000), pooled: Y(90_000) };

  it("the product declares the weight: 100 %", () => {
    const l = getProduct(AY).plans[0]?.liabilities.find((x) => x.id === "in_scope");
    // Parsed percent → basis points: 100 % = 10000 bps.
    expect(l?.preSelfPayWeightPercent).toBe(10_000);
  });

  it("自付一 + 自付二: (40400 − 30400) × 80% = 8000 — the same as without a preselfpay field", () => {
    const [withPre, without] = run(getProduct(AY), {}, [stay]).concat(
      run(getProduct(AY), {}, [{ ...stay, setlId: "AY-NOPRE", preSelfPay: undefined }]),
    ) as [Adjudication, Adjudication];
    expect(line(withPre, "in_scope").payout).toBe(Y(8_000));
    expect(line(without, "in_scope").payout).toBe(Y(8_000));
  });

  it("the field is what decides: at 50 % the base loses 3000 → (40400 − 3000 − 30400) × 80% = 5600", () => {
    // A proposed variant of the same file, to show the declared 100 % is load-bearing (not a product).
    const half = withInScopeWeight(anyangFile(), 50);
    const [a] = run(parseProduct(half), {}, [stay]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(5_600));
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * 惠蓉保 2022 stays across the end of cover (http://csjbk.com/techan/312955.html, the 2023 年度 notice on 2022
 * 年度 policies): "承担2022年度惠蓉保保险期间内及届满日后90天内的住院费用；若…延续超过90天的，则按天数分摊的方式
 * 【(该次治疗…总费用/该次住院总天数)×(保障期限内住院天数+90天)】进行保险责任的理算". Coverage ends 2023-06-30 24:00.
 * ---------------------------------------------------------------------------------------------------------- */

const CD = "chengdu-huirongbao-2022";

describe("惠蓉保 2022 — stay across the end of cover: 90 days, then pro rata by day", () => {
  it("the product carries the rule", () => {
    expect(getProduct(CD).stayAcrossCoverageEnd).toEqual({ kind: "extension", days: 90 });
  });

  it("admitted 2023-06-01, discharged 2023-08-15 (within 90 days): whole stay, (45000 − 15000) × 75% = 22500", () => {
    const [a] = run(getProduct(CD), {}, [
      {
        setlId: "CD-X1",
        admittedAt: "2023-06-01 09:00:00",
        dischargedAt: "2023-08-15 10:00:00",
        inScope: Y(45_000),
        pooled: Y(80_000),
      },
    ]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(22_500));
  });

  it("admitted 2023-06-01, discharged 2023-10-30: 151 days, 30 in cover + 90 = 120 → 60400 × 120/151 = 48000; (48000 − 15000) × 75% = 24750", () => {
    // Days: 06-01→07-01 30, 07-01→10-01 92, 10-01→10-30 29 = 151. Limit 2023-07-01 00:00 + 90 d = 09-29: 30 + 90 = 120.
    const [a] = run(getProduct(CD), {}, [
      {
        setlId: "CD-X2",
        admittedAt: "2023-06-01 09:00:00",
        dischargedAt: "2023-10-30 10:00:00",
        inScope: Y(60_400),
        pooled: Y(80_000),
      },
    ]) as [Adjudication];
    expect(line(a, "in_scope").payout).toBe(Y(24_750));
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * The product sheet (GET …/product) names what each liability pays on: fee-item and diagnosis liabilities are
 * not "catalog" liabilities.
 * ---------------------------------------------------------------------------------------------------------- */

describe("product sheet: the base of fee-item, catalog and diagnosis liabilities", () => {
  const views = (p: Product) => presentProductSheet(p).plans[0]?.liabilities ?? [];
  const view = (p: Product, id: string) => views(p).find((l) => l.id === id);

  it("安阳: 08 卫生材料费 self-pay is fee_items, 国内特药 is catalog, 医保内 is in_scope", () => {
    const p = getProduct(AY);
    expect(view(p, "out_of_scope_devices")).toMatchObject({
      base: "fee_items",
      base_description: "费用明细中收费项目类别 08 卫生材料费的医保范围外自费部分（全自费与超限价自费）",
      catalog: null,
    });
    expect(view(p, "out_of_scope_drugs")?.base_description).toBe(
      "费用明细中收费项目类别 09 西药费、10 中药饮片费、11 中成药费的医保范围外自费部分（全自费与超限价自费）",
    );
    expect(view(p, "special_drug_domestic")).toMatchObject({
      base: "catalog",
      base_description: "目录“安阳普惠健康保国内特药清单（25种，样例）”内的药品、项目",
      catalog: { id: "anyang-special-drugs-domestic", items: 1, sample: true },
    });
    expect(view(p, "in_scope")).toMatchObject({ base: "in_scope", base_description: "医保范围内个人自付" });
  });

  it("a diagnosis (定额) liability is diagnosis, with its ICD-10 ranges and lump sum", () => {
    // A proposed file (not shipped): 安阳 plus a 定额 liability on C00–C97, 10,000 yuan.
    const file = anyangFile() as { plans: { liabilities: unknown[] }[] };
    file.plans[0]?.liabilities.push({
      id: "tumour_lump_sum",
      name: "恶性肿瘤定额（示例）",
      eligible: { diagnosis: { icd10: [{ from: "C00", to: "C97" }] } },
      medTypes: ["21"],
      lumpSum: 10_000,
    });
    expect(view(parseProduct(file), "tumour_lump_sum")).toMatchObject({
      base: "diagnosis",
      base_description: "主诊断属于 ICD-10 C00–C97 时定额给付，每次定额 10000.00 元（以本次个人负担为限）",
      catalog: null,
    });
  });
});

/** The shipped 安阳 file as JSON (yuan), for the proposed-variant case above. */
function anyangFile(): unknown {
  return JSON.parse(
    readFileSync(new URL("../src/products/anyang-puhui-2022.json", import.meta.url), "utf8"),
  ) as unknown;
}

function withInScopeWeight(file: unknown, percent: number): unknown {
  const copy = JSON.parse(JSON.stringify(file)) as {
    plans: { liabilities: { id: string; preSelfPayWeightPercent?: number }[] }[];
  };
  for (const l of copy.plans[0]?.liabilities ?? [])
    if (l.id === "in_scope") l.preSelfPayWeightPercent = percent;
  return copy;
}
