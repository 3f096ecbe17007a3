/**
 * The illustrative design proposal wenshan-2024-draft (docs/products/SOURCES.md §8) — not a published product:
 * the platform's own next-year design for 文山, written so that every schema v2 feature no real product uses
 * (SOURCES.md §7) is shipped in one product. Each feature is worked through the engine with the amounts
 * hand-worked in comments (Y(n) = n yuan in fen), and the product runs through the built `hmb adjudicate`.
 *
 * Terms (2024-01-01 to 2024-12-31): 责任一 in-scope 80 %, deductible 12000 (60+ and under 18: 10000; 2+
 * claim-free years: 11000; first match wins), cap 200万 (恶性肿瘤既往症 100万); 责任二 special drugs 80 %, 30-day
 * waiting period for first-year enrollees; 责任三 PET-CT self-pay 70 %, once a year; 责任四 out-of-scope 30 %,
 * deductible 12000 shared by a family; 责任五 罕见病 lump sum 10000 and 责任六 乳腺癌/宫颈癌 lump sum 5000 for women,
 * each once a year.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mustParseBusinessTime } from "../src/domain/time.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { getProduct } from "../src/products/index.js";
import { feeItem, v2Person } from "./engine.v2.support.js";
import { jsonl, lineOf, type RecordSpec, record, Y } from "./fixtures.js";
import { BIN, buildCli, ROOT } from "./support/cli.js";

const DRAFT = "wenshan-2024-draft";
const plan = compilePlan(getProduct(DRAFT), "standard");
/** A day inside the 2024 coverage, after the 30-day waiting period of 责任二 counted from coverage start. */
const IN_COVERAGE = "2024-03-01 10:00:00";
const PET_CT = "SAMPLE-WS-PETCT";
const DRUG = "SAMPLE-WS-D01"; // 帕博利珠单抗, indication C34 (sample catalog copied from wenshan-2023)

const stay = (setlId: string, yuan: number, more: Partial<RecordSpec> = {}): RecordSpec => ({
  setlId,
  inScope: Y(yuan),
  setlTime: IN_COVERAGE,
  ...more,
});

describe("wenshan-2024-draft is labelled as an illustrative proposal", () => {
  it("its name and sources say it is a design, derived from wenshan-2023, not a published product", () => {
    const p = getProduct(DRAFT);
    expect(p.name).toContain("示例设计");
    expect(p.name).toContain("定制");
    expect(p.sources.join("")).toMatch(/示例设计，不是已发布的产品/);
    expect(p.sources.join("")).toContain("wenshan-2023");
    expect(p.region.code).toBe(getProduct("wenshan-2023").region.code);
  });
});

describe("责任一 deductible by age (ageFrom/ageTo) and claim-free years (claimFreeYearsFrom)", () => {
  const pay = (extra: Parameters<typeof v2Person>[1], id: string) =>
    lineOf(v2Person(plan, extra).run(stay(id, 50_000)), "inpatient_in_scope");

  it("default: (50000 − 12000) × 80% = 30400", () => {
    const l = pay({ ageAtStart: 45 }, "D1");
    expect(l.deductible).toBe(Y(12_000));
    expect(l.payout).toBe(Y(30_400));
  });

  it("60 and over, or under 18: (50000 − 10000) × 80% = 32000; 59 and 18 keep 12000", () => {
    expect(pay({ ageAtStart: 60 }, "D2").payout).toBe(Y(32_000));
    expect(pay({ ageAtStart: 17 }, "D3").payout).toBe(Y(32_000));
    expect(pay({ ageAtStart: 59 }, "D4").payout).toBe(Y(30_400));
    expect(pay({ ageAtStart: 18 }, "D5").payout).toBe(Y(30_400));
  });

  it("2 claim-free years: (50000 − 11000) × 80% = 31200; 1 year: 30400; 60+ with 3 claim-free years: the first match, 32000", () => {
    expect(pay({ ageAtStart: 45, claimFreeYears: 2 }, "D6").payout).toBe(Y(31_200));
    expect(pay({ ageAtStart: 45, claimFreeYears: 1 }, "D7").payout).toBe(Y(30_400));
    expect(pay({ ageAtStart: 70, claimFreeYears: 3 }, "D8").payout).toBe(Y(32_000));
  });
});

describe("责任一 cap by pre-existing status (capVariants)", () => {
  // 1,500,000 in scope: (1500000 − 12000) × 80% = 1,190,400.
  const history: RecordSpec[] = [
    { setlId: "H1", inScope: Y(100), diagnosis: "C34.900", setlTime: "2023-06-01 10:00:00" },
  ];

  it("healthy: 1,190,400 (under the 200万 cap)", () => {
    expect(v2Person(plan).run(stay("C1", 1_500_000)).hmbPay).toBe(Y(1_190_400));
  });

  it("恶性肿瘤既往症 (C34 before 2024): cut to the 100万 cap", () => {
    const a = v2Person(plan, {}, history).run(stay("C2", 1_500_000));
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(Y(1_000_000));
    expect(a.hmbPay).toBe(Y(1_000_000));
  });
});

describe("责任四 family-shared out-of-scope deductible (shared: family), batch with hmb_family_key", () => {
  const line = (setlId: string, psnNo: string, yuan: number, time: string, family?: string) =>
    jsonl({
      setlId,
      psnNo,
      fullOwnPay: Y(yuan),
      setlTime: time,
      ...(family === undefined ? {} : { extra: { hmb_family_key: family } }),
    });
  const pays = (batch: AdjudicationBatch) =>
    batch.run().map((e) => (e.kind === "result" ? e.adjudication.hmbPay : -1));

  it("two members: 8000 all deductible; then 12000 − 8000 = 4000 left, (10000 − 4000) × 30% = 1800", () => {
    const batch = new AdjudicationBatch(plan);
    batch.add(line("F1", "P1", 8_000, "2024-03-01 10:00:00", "FAM-1"));
    batch.add(line("F2", "P2", 10_000, "2024-05-01 10:00:00", "FAM-1"));
    expect(pays(batch)).toEqual([0, Y(1_800)]);
  });

  it("without a family key each has the whole 12000: 8000 → 0, 10000 → 0", () => {
    const batch = new AdjudicationBatch(plan);
    batch.add(line("F3", "P1", 8_000, "2024-03-01 10:00:00"));
    batch.add(line("F4", "P2", 10_000, "2024-05-01 10:00:00"));
    expect(pays(batch)).toEqual([0, 0]);
  });
});

describe("责任五 罕见病 lump sum (定额, diagnosis ICD-10) once a year (maxClaimsPerYear)", () => {
  it("SMA (G12): 30400 from 责任一, then the 10000 lump sum (burden left 50000 − 30400 = 19600); the second stay gets no lump sum", () => {
    const p = v2Person(plan);
    const first = p.run(stay("L1", 50_000, { diagnosis: "G12.000" }));
    expect(lineOf(first, "rare_disease_lump").payout).toBe(Y(10_000));
    expect(first.hmbPay).toBe(Y(40_400));
    // Second stay: the deductible is used up, 50000 × 80% = 40000; the lump sum has paid once this year.
    const second = p.run(stay("L2", 50_000, { diagnosis: "G12.000", setlTime: "2024-06-01 10:00:00" }));
    expect(lineOf(second, "rare_disease_lump").outcome).toEqual({
      kind: "claim_limit_reached",
      maxClaims: 1,
    });
    expect(second.hmbPay).toBe(Y(40_000));
  });

  it("small bill: 5000 is under the deductible, the lump sum is cut to the 5000 the person bears", () => {
    const a = v2Person(plan).run(stay("L3", 5_000, { diagnosis: "E75.200" }));
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(0);
    expect(lineOf(a, "rare_disease_lump").payout).toBe(Y(5_000));
    expect(a.hmbPay).toBe(Y(5_000));
  });

  it("another diagnosis (I63) gets no lump sum: 30400", () => {
    expect(v2Person(plan).run(stay("L4", 50_000)).hmbPay).toBe(Y(30_400));
  });
});

describe("责任六 乳腺癌/宫颈癌 lump sum for women (capVariants by sex)", () => {
  const c50 = (id: string) => stay(id, 50_000, { diagnosis: "C50.900" });

  it("a woman (gend 2): 30400 + 5000 = 35400", () => {
    const a = v2Person(plan, { sex: "2" }).run(c50("W1"));
    expect(lineOf(a, "women_cancer_lump").payout).toBe(Y(5_000));
    expect(a.hmbPay).toBe(Y(35_400));
  });

  it("a man (gend 1), or sex unknown: the lump sum's cap is 0 — 30400", () => {
    expect(v2Person(plan, { sex: "1" }).run(c50("W2")).hmbPay).toBe(Y(30_400));
    expect(v2Person(plan).run(c50("W3")).hmbPay).toBe(Y(30_400));
  });
});

describe("责任三 PET-CT once a year (maxClaimsPerYear) on a fee item (feeItems self_pay)", () => {
  const petCt = (id: string, time: string): RecordSpec => ({
    setlId: id,
    fullOwnPay: Y(8_000),
    setlTime: time,
    extra: { feedetail: [feeItem(PET_CT, "03", "03", Y(8_000))] },
  });

  it("8000 自费 × 70% = 5600; a second PET-CT the same year is not paid (8000 < the 12000 deductible of 责任四)", () => {
    const p = v2Person(plan);
    const first = p.run(petCt("PC1", "2024-03-01 10:00:00"));
    expect(lineOf(first, "pet_ct").payout).toBe(Y(5_600));
    expect(first.hmbPay).toBe(Y(5_600));
    const second = p.run(petCt("PC2", "2024-07-01 10:00:00"));
    expect(lineOf(second, "pet_ct").outcome).toEqual({ kind: "claim_limit_reached", maxClaims: 1 });
    expect(second.hmbPay).toBe(0);
  });
});

describe("责任二 special drugs: 30-day waiting period for first-year enrollees (liability waitingPeriodDays)", () => {
  // Enrolled 2023-12-20: the waiting period runs to 2024-01-19 00:00. 20000 of a catalog drug × 80% = 16000.
  const enrolledAt = mustParseBusinessTime("2023-12-20 00:00:00");
  const drug = (id: string, time: string): RecordSpec => ({
    setlId: id,
    fullOwnPay: Y(20_000),
    diagnosis: "C34.900",
    setlTime: time,
    items: [{ code: DRUG, amount: Y(20_000) }],
  });

  it("first year: on 2024-01-10 nothing; on 2024-02-01 16000", () => {
    const p = v2Person(plan, { enrolledAt });
    const early = p.run(drug("WP1", "2024-01-10 10:00:00"));
    expect(lineOf(early, "special_drug").outcome).toEqual({
      kind: "waiting_period",
      days: 30,
      until: mustParseBusinessTime("2024-01-19 00:00:00"),
    });
    expect(lineOf(early, "special_drug").payout).toBe(0);
    expect(lineOf(p.run(drug("WP2", "2024-02-01 10:00:00")), "special_drug").payout).toBe(Y(16_000));
  });

  it("a renewal (2nd consecutive year) pays on 2024-01-10: 16000", () => {
    const a = v2Person(plan, { enrolledAt, insuredYears: 2 }).run(drug("WP3", "2024-01-10 10:00:00"));
    expect(lineOf(a, "special_drug").payout).toBe(Y(16_000));
  });
});

describe("hmb adjudicate --product wenshan-2024-draft (built binary)", () => {
  let dir = "";
  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), "hmb-draft-"));
  });
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("per-record brdy, gend and hmb_claim_free_years choose the terms", () => {
    const lines = [
      // A woman of 53 (born 1970-05-01) with breast cancer: 30400 + 5000 = 35400.
      record(
        stay("A1", 50_000, { psnNo: "PA", diagnosis: "C50.900", extra: { brdy: "1970-05-01", gend: "2" } }),
      ),
      // 74 at 2024-01-01 (born 1950-01-01): (50000 − 10000) × 80% = 32000.
      record(stay("B1", 50_000, { psnNo: "PB", extra: { brdy: "1950-01-01", gend: "1" } })),
      // 44 (born 1980-01-01), 2 claim-free years: (50000 − 11000) × 80% = 31200.
      record(
        stay("C1", 50_000, {
          psnNo: "PC",
          extra: { brdy: "1980-01-01", gend: "1", hmb_claim_free_years: 2 },
        }),
      ),
    ];
    const input = join(dir, "draft.jsonl");
    writeFileSync(input, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const r = spawnSync(process.execPath, [BIN, "adjudicate", "--product", DRAFT, "--input", input], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const results = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results.map((x) => [x.setl_id, x.status, x.hmb_pay])).toEqual([
      ["A1", "paid", "35400.00"],
      ["B1", "paid", "32000.00"],
      ["C1", "paid", "31200.00"],
    ]);
  });
});
