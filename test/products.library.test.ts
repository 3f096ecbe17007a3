/**
 * The library of real products (issue 12 item 6): each file parses, and each published worked example is
 * worked to the fen through the engine, from settlement records built the way the example describes them.
 * Sources and the examples as published: docs/products/SOURCES.md. Where no published example was found
 * (北京普惠健康保 2024, 惠蓉保 2022) the cases are 手算 (hand-worked from the published terms) and say so.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import type { Cohort } from "../src/domain/cohort.js";
import { formatYuan } from "../src/domain/money.js";
import { parseProduct } from "../src/domain/product.js";
import { parseSettlement, type Settlement } from "../src/domain/settlement.js";
import { emptyAccumulators } from "../src/engine/accumulators.js";
import { type Adjudication, adjudicate } from "../src/engine/adjudicate.js";
import { compilePlan, type PolicyTerms } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { getProduct, listProducts } from "../src/products/index.js";
import { buildCli, ROOT, runHmb } from "./support/cli.js";

const LIBRARY = ["beijing-puhui-2024", "shenzhen-hmb-2024", "shenzhen-hmb-2023", "chengdu-huirongbao-2022"];

/** Whole yuan → fen. */
const Y = (yuan: number): number => Math.round(yuan * 100);

interface FeeLine {
  code: string;
  /** fen */
  amount: number;
  category?: string;
  level?: "01" | "02" | "03";
}

interface Rec {
  setlId: string;
  medType?: string;
  insutype?: "310" | "390";
  setlTime?: string;
  region?: string;
  institution?: string;
  diagnosis?: string;
  /** 医保范围内自付 (fen) */
  inScope?: number;
  /** 全自费 (fen) */
  fullOwnPay?: number;
  /** 统筹基金 (fen) */
  pooled?: number;
  items?: FeeLine[];
}

/** A national setlinfo record, internally consistent (psn_part_amt = in scope + 全自费). */
function wire(r: Rec, regionCode: string): Record<string, unknown> {
  const inScope = r.inScope ?? 0;
  const fullOwnPay = r.fullOwnPay ?? 0;
  const pooled = r.pooled ?? 0;
  const burden = inScope + fullOwnPay;
  const setlTime = r.setlTime ?? "2024-03-10 10:00:00";
  const rec: Record<string, unknown> = {
    setl_id: r.setlId,
    psn_no: "LIB0001",
    certno: makeCertno(`${regionCode.slice(0, 4)}01`, "19620101", 17),
    psn_name: "测试",
    insutype: r.insutype ?? "390",
    med_type: r.medType ?? "21",
    setl_time: setlTime,
    begntime: setlTime,
    fixmedins_code: r.institution ?? "H00000000001",
    mdtrtarea_admvs: r.region ?? regionCode,
    dise_codg: r.diagnosis ?? "I63.900",
    medfee_sumamt: formatYuan(burden + pooled),
    fulamt_ownpay_amt: formatYuan(fullOwnPay),
    overlmt_selfpay: "0.00",
    hifp_pay: formatYuan(pooled),
    fund_pay_sumamt: formatYuan(pooled),
    psn_part_amt: formatYuan(burden),
  };
  if (r.items !== undefined) {
    rec.feedetail = r.items.map((i) => ({
      med_list_codg: i.code,
      det_item_fee_sumamt: formatYuan(i.amount),
      ...(i.category === undefined ? {} : { med_chrgitm_type: i.category }),
      ...(i.level === undefined ? {} : { chrgitm_lv: i.level }),
    }));
  }
  return rec;
}

interface Insured {
  /** Records before coverage start that decide pre-existing status. */
  history?: Rec[];
  insuredYears?: number;
  cohort?: Cohort;
}

/** One insured person under the product's only plan; records are adjudicated in the order given. */
function run(productId: string, insured: Insured, records: Rec[]): Adjudication[] {
  const product = getProduct(productId);
  const plan = compilePlan(product, "standard");
  const parse = (r: Rec): Settlement => {
    const parsed = parseSettlement(wire(r, product.region.code));
    if (!parsed.ok) throw new Error(`fixture ${r.setlId}: ${JSON.stringify(parsed.error)}`);
    return parsed.settlement;
  };
  const terms: PolicyTerms = {
    coverage: plan.coverage,
    cohort: insured.cohort,
    preExisting: derivePreExisting(plan, plan.coverage.start, (insured.history ?? []).map(parse)),
    ...(insured.insuredYears === undefined ? {} : { insuredYears: insured.insuredYears }),
  };
  const acc = emptyAccumulators(plan);
  return records.map((r) => adjudicate(plan, terms, acc, parse(r)));
}

function payout(a: Adjudication, liabilityId: string): number {
  const line = a.lines.find((l) => l.liabilityId === liabilityId);
  if (line === undefined) throw new Error(`${a.setlId}: no line ${liabilityId}`);
  return line.payout;
}

describe("library product files", () => {
  it.each(LIBRARY)("%s parses as schema v2 with one plan `standard` and cites its sources", (id) => {
    const file = JSON.parse(readFileSync(join(ROOT, "src", "products", `${id}.json`), "utf8")) as unknown;
    const product = parseProduct(file);
    expect(product.id).toBe(id);
    expect(product.schemaVersion).toBe(2);
    expect(product.plans.map((p) => p.id)).toEqual(["standard"]);
    expect(product.sources.some((s) => s.startsWith("http"))).toBe(true);
    expect(product.sources).toContain("docs/products/SOURCES.md");
  });

  it("all four are registered beside the seed products", () => {
    const ids = listProducts().map((p) => p.id);
    for (const id of LIBRARY) expect(ids).toContain(id);
  });

  it("terms as published: premiums, deductibles (fen), coverage periods", () => {
    const bj = getProduct("beijing-puhui-2024");
    expect(bj.plans[0]?.premium.base).toBe(Y(195));
    expect(bj.plans[0]?.annualTotal).toBe(Y(3_000_000));
    expect(bj.plans[0]?.deductiblePools.map((p) => p.amount)).toEqual([Y(30_404), Y(15_000)]);
    expect(bj.preExistingLockedAtFirstEnrollment).toBe(true);
    const sz = getProduct("shenzhen-hmb-2024");
    expect(sz.plans[0]?.premium.base).toBe(Y(88));
    expect(sz.plans[0]?.deductiblePools.map((p) => p.amount)).toEqual([
      Y(15_000),
      Y(15_000),
      Y(35_000),
      Y(15_000),
    ]);
    const sz23 = getProduct("shenzhen-hmb-2023");
    expect(sz23.plans[0]?.deductiblePools.map((p) => p.amount)).toEqual([Y(16_000), Y(16_000), Y(40_000)]);
    const cd = getProduct("chengdu-huirongbao-2022");
    expect(cd.plans[0]?.premium.base).toBe(Y(59));
    expect(cd.plans[0]?.annualTotal).toBe(Y(1_000_000));
    // 2022-07-01 00:00 to 2023-06-30 24:00 Beijing time.
    expect(cd.coverage.start).toBe(Date.UTC(2022, 6, 1) - 8 * 3600_000);
    expect(cd.coverage.end).toBe(Date.UTC(2023, 6, 1) - 8 * 3600_000);
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * 深圳惠民保: the published case of 吴先生 (深圳本地宝, http://bsy.sz.bendibao.com/bsyDetail/640432.html).
 * 62 岁, 职工医保一档 (insutype 310), 既往症 (食管恶性肿瘤, paid alike). After basic insurance: 待遇一 eligible
 * 21,100; 待遇二 (住院自费合规药品和检验检查) 52,100; 待遇三 (门诊自费合规药品) 58,500. The records: one stay with
 * 医保范围内自付 21,100 and 全自费 52,100, funds 134,700 (目录内 155,800 − 21,100); one outpatient record with
 * 全自费 58,500. (The example's 14,200 of non-合规 目录外 spending has no field in a record; SOURCES.md.)
 * ---------------------------------------------------------------------------------------------------------- */

const WU_STAY: Rec = {
  setlId: "WU-STAY",
  medType: "21",
  insutype: "310",
  diagnosis: "C15.900",
  inScope: Y(21_100),
  fullOwnPay: Y(52_100),
  pooled: Y(134_700),
};
const WU_OUTPATIENT: Rec = {
  setlId: "WU-OUT",
  medType: "11",
  insutype: "310",
  diagnosis: "C15.900",
  fullOwnPay: Y(58_500),
  setlTime: "2024-06-10 10:00:00",
};
const in2023 = (r: Rec): Rec => ({
  ...r,
  setlTime: (r.setlTime ?? "2024-03-10 10:00:00").replace("2024", "2023"),
});
const WU_HISTORY: Rec[] = [
  { setlId: "WU-DX", diagnosis: "C15.900", inScope: Y(100), setlTime: "2022-12-01 10:00:00" },
];

describe("深圳惠民保 2023 — published case 吴先生 (深圳本地宝)", () => {
  it("待遇一 (21100−16000)×80% = 4080; 待遇二 (52100−16000)×70% = 25270; 待遇三 (58500−40000)×50% = 9250", () => {
    const [stay, outpatient] = run("shenzhen-hmb-2023", { history: WU_HISTORY }, [
      in2023(WU_STAY),
      in2023(WU_OUTPATIENT),
    ]) as [Adjudication, Adjudication];
    expect(payout(stay, "benefit_1_in_scope")).toBe(Y(4_080));
    expect(payout(stay, "benefit_2_inpatient_self_pay")).toBe(Y(25_270));
    expect(payout(outpatient, "benefit_3_outpatient_self_pay")).toBe(Y(9_250));
    expect(stay.hmbPay + outpatient.hmbPay).toBe(Y(38_600));
  });

  it("手算 2023 has no 待遇六 (new in 2024): 耗材 stay in 待遇二 whole: (80000−16000)×70% = 44800", () => {
    const [stay] = run("shenzhen-hmb-2023", {}, [
      {
        setlId: "SZ23-CONS",
        setlTime: "2023-03-10 10:00:00",
        fullOwnPay: Y(80_000),
        pooled: Y(50_000),
        items: [
          { code: "SZ-STENT-01", amount: Y(60_000), category: "08", level: "03" },
          { code: "SZ-DRUG-01", amount: Y(20_000), category: "09", level: "03" },
        ],
      },
    ]) as [Adjudication];
    expect(stay.lines.map((l) => l.liabilityId)).not.toContain("benefit_6_inpatient_consumables");
    expect(payout(stay, "benefit_2_inpatient_self_pay")).toBe(Y(44_800));
  });

  it("no renewal reduction in 2023: a second insured year pays the same", () => {
    const [stay] = run("shenzhen-hmb-2023", { insuredYears: 2 }, [in2023(WU_STAY)]) as [Adjudication];
    expect(payout(stay, "benefit_1_in_scope")).toBe(Y(4_080));
  });
});

describe("深圳惠民保 2024 — published case 吴先生 renewing (深圳本地宝)", () => {
  it("连续参保: (21100−14000)×80% = 5680; (52100−14000)×70% = 26670; (58500−34000)×50% = 12250", () => {
    const [stay, outpatient] = run("shenzhen-hmb-2024", { history: WU_HISTORY, insuredYears: 2 }, [
      WU_STAY,
      WU_OUTPATIENT,
    ]) as [Adjudication, Adjudication];
    expect(payout(stay, "benefit_1_in_scope")).toBe(Y(5_680));
    expect(payout(stay, "benefit_2_inpatient_self_pay")).toBe(Y(26_670));
    expect(payout(outpatient, "benefit_3_outpatient_self_pay")).toBe(Y(12_250));
    expect(stay.hmbPay + outpatient.hmbPay).toBe(Y(44_600));
  });

  it("手算 first insured year: (21100−15000)×80% = 4880; (52100−15000)×70% = 25970; (58500−35000)×50% = 11750", () => {
    const [stay, outpatient] = run("shenzhen-hmb-2024", {}, [WU_STAY, WU_OUTPATIENT]) as [
      Adjudication,
      Adjudication,
    ];
    expect(payout(stay, "benefit_1_in_scope")).toBe(Y(4_880));
    expect(payout(stay, "benefit_2_inpatient_self_pay")).toBe(Y(25_970));
    expect(payout(outpatient, "benefit_3_outpatient_self_pay")).toBe(Y(11_750));
  });

  it("手算 医疗救助对象 (低保) in the first year get the 1,000 reduction: (21100−14000)×80% = 5680", () => {
    const [stay] = run("shenzhen-hmb-2024", { cohort: "dibao" }, [WU_STAY]) as [Adjudication];
    expect(payout(stay, "benefit_1_in_scope")).toBe(Y(5_680));
  });

  it("手算 待遇六 耗材: 08 自费 60,000 of a stay's 全自费 80,000 → 待遇六 (60000−15000)×70% = 31500, 待遇二 on the other 20,000: (20000−15000)×70% = 3500", () => {
    const [stay] = run("shenzhen-hmb-2024", {}, [
      {
        setlId: "SZ-CONS",
        fullOwnPay: Y(80_000),
        pooled: Y(50_000),
        items: [
          { code: "SZ-STENT-01", amount: Y(60_000), category: "08", level: "03" },
          { code: "SZ-DRUG-01", amount: Y(20_000), category: "09", level: "03" },
        ],
      },
    ]) as [Adjudication];
    expect(payout(stay, "benefit_6_inpatient_consumables")).toBe(Y(31_500));
    expect(payout(stay, "benefit_2_inpatient_self_pay")).toBe(Y(3_500));
  });

  it("手算 待遇六 cap 10万: 08 自费 200,000 → (200000−15000)×70% = 129500 → 100000", () => {
    const [stay] = run("shenzhen-hmb-2024", {}, [
      {
        setlId: "SZ-CONS-CAP",
        fullOwnPay: Y(200_000),
        items: [{ code: "SZ-VALVE-01", amount: Y(200_000), category: "08", level: "03" }],
      },
    ]) as [Adjudication];
    expect(payout(stay, "benefit_6_inpatient_consumables")).toBe(Y(100_000));
  });
});

describe("深圳惠民保 2024 — the published case through `hmb adjudicate` (built binary, hmb_insured_years)", () => {
  beforeAll(() => buildCli());

  it("the file's extension field hmb_insured_years = 2 gives the renewal deductibles: 5680 + 26670, then 12250", () => {
    const dir = mkdtempSync(join(tmpdir(), "hmb-library-"));
    const input = join(dir, "wu.jsonl");
    const lines = [WU_STAY, WU_OUTPATIENT].map((r) =>
      JSON.stringify({ ...wire(r, "440300"), hmb_insured_years: 2 }),
    );
    writeFileSync(input, `${lines.join("\n")}\n`);
    const out = runHmb(["adjudicate", "--product", "shenzhen-hmb-2024", "--input", input], {});
    expect(out.status).toBe(0);
    const results = out.stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            setl_id: string;
            hmb_pay: string;
            lines: { liability: string; payout: string }[];
          },
      );
    const pay = (setlId: string, liability: string) =>
      results.find((r) => r.setl_id === setlId)?.lines.find((l) => l.liability === liability)?.payout;
    expect(pay("WU-STAY", "benefit_1_in_scope")).toBe("5680.00");
    expect(pay("WU-STAY", "benefit_2_inpatient_self_pay")).toBe("26670.00");
    expect(pay("WU-OUT", "benefit_3_outpatient_self_pay")).toBe("12250.00");
    expect(results.map((r) => r.hmb_pay)).toEqual(["32350.00", "12250.00"]);
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * 北京普惠健康保 2024: no published worked example was found (SOURCES.md §1). 手算 from the published terms:
 * 医保内 deductible 30,404, 80 % (特定既往症 40 %), cap 100万; 医保外 deductible 1.5万 (既往症 2万), 70 % (35 %),
 * cap 100万, ≤ 30万 per drug and ≤ 10万 per implant a year; 特药 no deductible 60 % (30 %), 50万 each; total 300万.
 * ---------------------------------------------------------------------------------------------------------- */

const BJ = "beijing-puhui-2024";
/** A lung cancer diagnosis in 2023: 特定既往症 (group 1, 恶性肿瘤) for 2024. */
const BJ_PRE_EXISTING: Rec[] = [
  { setlId: "BJ-DX", diagnosis: "C34.900", inScope: Y(100), setlTime: "2023-05-01 10:00:00" },
];

describe("北京普惠健康保 2024 — 手算 (no published example found)", () => {
  it("健康人群 stay: 医保内 (50404−30404)×80% = 16000; 医保外 (35000−15000)×70% = 14000", () => {
    const [a] = run(BJ, {}, [
      { setlId: "BJ-1", inScope: Y(50_404), fullOwnPay: Y(35_000), pooled: Y(60_000) },
    ]) as [Adjudication];
    expect(payout(a, "in_scope")).toBe(Y(16_000));
    expect(payout(a, "inpatient_out_of_scope")).toBe(Y(14_000));
    expect(a.hmbPay).toBe(Y(30_000));
  });

  it("特定既往症 stay: 医保内 (50404−30404)×40% = 8000; 医保外 (35000−20000)×35% = 5250", () => {
    const [a] = run(BJ, { history: BJ_PRE_EXISTING }, [
      { setlId: "BJ-2", inScope: Y(50_404), fullOwnPay: Y(35_000), pooled: Y(60_000) },
    ]) as [Adjudication];
    expect(payout(a, "in_scope")).toBe(Y(8_000));
    expect(payout(a, "inpatient_out_of_scope")).toBe(Y(5_250));
  });

  it("a diagnosis outside the five groups (e.g. gout M10) keeps the healthy ratios", () => {
    const [a] = run(BJ, { history: [{ ...BJ_PRE_EXISTING[0], diagnosis: "M10.000" } as Rec] }, [
      { setlId: "BJ-3", inScope: Y(50_404), pooled: Y(60_000) },
    ]) as [Adjudication];
    expect(payout(a, "in_scope")).toBe(Y(16_000));
  });

  it("门诊 in scope counts too (门诊+住院): outpatient 40,404 → (40404−30404)×80% = 8000", () => {
    const [a] = run(BJ, {}, [{ setlId: "BJ-4", medType: "11", inScope: Y(40_404), pooled: Y(1_000) }]) as [
      Adjudication,
    ];
    expect(payout(a, "in_scope")).toBe(Y(8_000));
  });

  it("each implant ≤ 10万 a year: 08 自费 200,000 → (200000−15000)×70% = 129500 → 100000", () => {
    const [a] = run(BJ, {}, [
      {
        setlId: "BJ-5",
        fullOwnPay: Y(200_000),
        pooled: Y(10_000),
        items: [{ code: "BJ-IMPLANT-01", amount: Y(200_000), category: "08", level: "03" }],
      },
    ]) as [Adjudication];
    expect(payout(a, "out_of_scope_devices")).toBe(Y(100_000));
    expect(payout(a, "inpatient_out_of_scope")).toBe(0);
  });

  it("each drug ≤ 30万 a year: 09 自费 500,000 → (500000−15000)×70% = 339500 → 300000", () => {
    const [a] = run(BJ, {}, [
      {
        setlId: "BJ-6",
        fullOwnPay: Y(500_000),
        pooled: Y(10_000),
        items: [{ code: "BJ-DRUG-01", amount: Y(500_000), category: "09", level: "03" }],
      },
    ]) as [Adjudication];
    expect(payout(a, "out_of_scope_drugs")).toBe(Y(300_000));
  });

  it("the per-drug cap is per year across stays: 250,000 twice → 164500, then 175000 cut to 300000 − 164500 = 135500", () => {
    const stay = (setlId: string, setlTime: string): Rec => ({
      setlId,
      setlTime,
      fullOwnPay: Y(250_000),
      pooled: Y(10_000),
      items: [{ code: "BJ-DRUG-02", amount: Y(250_000), category: "09", level: "03" }],
    });
    const [first, second] = run(BJ, {}, [
      stay("BJ-6a", "2024-03-10 10:00:00"),
      stay("BJ-6b", "2024-05-10 10:00:00"),
    ]) as [Adjudication, Adjudication];
    // (250000 − 15000) × 70% = 164500; then 250000 × 70% = 175000 against 135500 left for this drug.
    expect(payout(first, "out_of_scope_drugs")).toBe(Y(164_500));
    expect(payout(second, "out_of_scope_drugs")).toBe(Y(135_500));
  });

  it("国内特药 易安达 (BJ-SAMPLE-YIANDA) 100,000 at a pharmacy: 60% = 60000; 特定既往症 30% = 30000", () => {
    const drug: Rec = {
      setlId: "BJ-7",
      medType: "41",
      fullOwnPay: Y(100_000),
      items: [{ code: "BJ-SAMPLE-YIANDA", amount: Y(100_000) }],
    };
    const [healthy] = run(BJ, {}, [drug]) as [Adjudication];
    expect(payout(healthy, "special_drug_domestic")).toBe(Y(60_000));
    const [ill] = run(BJ, { history: BJ_PRE_EXISTING }, [drug]) as [Adjudication];
    expect(payout(ill, "special_drug_domestic")).toBe(Y(30_000));
  });

  it("国内特药 cap 50万: 1,000,000 × 60% = 600000 → 500000", () => {
    const [a] = run(BJ, {}, [
      {
        setlId: "BJ-8",
        medType: "41",
        fullOwnPay: Y(1_000_000),
        items: [{ code: "BJ-SAMPLE-YIANDA", amount: Y(1_000_000) }],
      },
    ]) as [Adjudication];
    expect(payout(a, "special_drug_domestic")).toBe(Y(500_000));
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * 惠蓉保 2022: no published worked example was found (SOURCES.md §3). 手算 from the terms: 责任一 in scope,
 * deductible 1.5万 first year / 1万 连续参保, 75 %; 责任二 特药 no deductible 75 %, 既往症 30 % 连续参保 else 0 %;
 * 责任三 全自费 1.5万, 25 %; total 100万. Coverage 2022-07-01 to 2023-06-30.
 * ---------------------------------------------------------------------------------------------------------- */

const CD = "chengdu-huirongbao-2022";
const CD_TIME = "2022-10-10 10:00:00";
const CD_PRE_EXISTING: Rec[] = [
  { setlId: "CD-DX", diagnosis: "C50.900", inScope: Y(100), setlTime: "2021-05-01 10:00:00" },
];
const CD_DRUG: Rec = {
  setlId: "CD-DRUG",
  medType: "41",
  setlTime: CD_TIME,
  fullOwnPay: Y(100_000),
  items: [{ code: "HRB-SAMPLE-D01", amount: Y(100_000) }],
};

describe("惠蓉保 2022 — 手算 (no published example found)", () => {
  it("责任一 first year: (45000−15000)×75% = 22500; 连续参保: (45000−10000)×75% = 26250", () => {
    const stay: Rec = { setlId: "CD-1", setlTime: CD_TIME, inScope: Y(45_000), pooled: Y(80_000) };
    const [first] = run(CD, {}, [stay]) as [Adjudication];
    expect(payout(first, "in_scope")).toBe(Y(22_500));
    const [renewed] = run(CD, { insuredYears: 2 }, [stay]) as [Adjudication];
    expect(payout(renewed, "in_scope")).toBe(Y(26_250));
  });

  it("责任三 全自费: (35000−15000)×25% = 5000", () => {
    const [a] = run(CD, {}, [
      { setlId: "CD-2", setlTime: CD_TIME, fullOwnPay: Y(35_000), pooled: Y(10_000) },
    ]) as [Adjudication];
    expect(payout(a, "out_of_scope")).toBe(Y(5_000));
  });

  it("责任二 特药 100,000: 75% = 75000; 既往症 首次参保 0%; 既往症 连续参保 30% = 30000", () => {
    const [healthy] = run(CD, {}, [CD_DRUG]) as [Adjudication];
    expect(payout(healthy, "special_drug")).toBe(Y(75_000));
    const [firstYear] = run(CD, { history: CD_PRE_EXISTING }, [CD_DRUG]) as [Adjudication];
    expect(payout(firstYear, "special_drug")).toBe(0);
    const [renewed] = run(CD, { history: CD_PRE_EXISTING, insuredYears: 2 }, [CD_DRUG]) as [Adjudication];
    expect(payout(renewed, "special_drug")).toBe(Y(30_000));
  });

  it("年度限额 100万: in scope 2,000,000 → (2000000−15000)×75% = 1488750 → 1000000", () => {
    const [a] = run(CD, {}, [
      { setlId: "CD-3", setlTime: CD_TIME, inScope: Y(2_000_000), pooled: Y(10_000) },
    ]) as [Adjudication];
    expect(a.hmbPay).toBe(Y(1_000_000));
  });

  it("a stay admitted before 2022-07-01 is outside coverage", () => {
    const [a] = run(CD, {}, [{ setlId: "CD-4", setlTime: "2022-06-20 10:00:00", inScope: Y(45_000) }]) as [
      Adjudication,
    ];
    expect(a.status).toBe("not_covered");
    expect(a.reason).toBe("outside_coverage_period");
  });
});
