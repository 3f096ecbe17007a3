/**
 * The reserving engine (src/actuarial/reserve.ts) and `hmb reserve` against published reference triangles,
 * hand-worked B-F / 赔付率法 figures, the 《健康保险管理办法》第四十九条 selection and its 10 % floor, and the
 * CLI contract through the built binary.
 *
 * Published sources (amounts in the sources' own units; the fixtures carry them as yuan):
 *  [TA] Taylor & Ashe (1983) data as used in T. Mack, "Distribution-free calculation of the standard error of
 *       chain ladder reserve estimates", ASTIN Bulletin 23(2) 1993, tables 2–3; reprinted by the R package
 *       ChainLadder as `MackChainLadder(GenIns, est.sigma="Mack")`, whose printout (demo "MackChainLadder",
 *       rendered at https://mages.github.io/ChainLadder/reference/MackChainLadder.html, "compare to table 2
 *       and 3 in Mack's 1993 paper") reads: IBNR 94,634 / 469,511 / 709,638 / 984,889 / 1,419,459 /
 *       2,177,641 / 3,920,301 / 4,278,972 / 4,625,811, total 18,680,855.61; Mack.S.E 75,535 / 121,699 /
 *       133,549 / 261,406 / 411,010 / 558,317 / 875,328 / 971,258 / 1,363,155, total 2,447,094.86;
 *       f = 3.490607 1.747333 1.457413 1.173852 1.103824 1.086269 1.053874 1.076555 1.017725.
 *  [RAA] The RAA triangle (Historical Loss Development, Reinsurance Association of America 1991, p. 96; used in
 *       Mack 1994, Insurance: Mathematics and Economics 15) as shipped in ChainLadder:
 *       - default `MackChainLadder(RAA)` (σ of the last period by log-linear regression), printed in the
 *         package reference (summary.MackChainLadder, https://mages.github.io/ChainLadder/reference/
 *         summary.MackChainLadder.html): IBNR 154 / 617 / 1,636 / 2,747 / 3,649 / 5,435 / 10,907 / 10,650 /
 *         16,339, total 52,135.23; Mack.S.E 143 / 592 / 713 / 1,452 / 1,995 / 2,204 / 5,354 / 6,332 /
 *         24,566, total 26,880.74;
 *       - `MackChainLadder(RAA, est.sigma="Mack")` (Mack's 1993 rule), the ChainLadder vignette ("Claims
 *         reserving with R", section Mack chain-ladder): Mack.S.E 206 / 623 / 747 / 1,469 / 2,002 / 2,209 /
 *         5,358 / 6,333 / 24,566, total 26,909.01 (the brief's "26,909 approximately").
 * The origin labels of Taylor & Ashe (accident years 1…10 in the paper) are written 2001…2010 here.
 * Tolerance: per-origin figures are printed rounded to whole units, so they must agree within 1 yuan (the
 * rounding of the print); totals are printed to 2 decimals and must agree within 0.01 yuan — both well
 * inside the issue's "≤ 1 yuan / 0.01 %".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountingYearPaid,
  bornhuetterFerguson,
  chainLadder,
  cumulative,
  expectedLossRatio,
  FLOOR_METHOD,
  parseLossRatio,
  parsePremiumCsv,
  parseTriangleCsv,
  reserve,
  select,
  type Triangle,
  toFen,
  triangleFromPayments,
} from "../src/actuarial/reserve.js";
import { runReserve } from "../src/cli/reserve.js";
import { programTriangle } from "../src/services/reserve.js";
import { buildCli, runHmb } from "./support/cli.js";
import { directFigures, type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

const FIXTURES = join(import.meta.dirname, "fixtures", "triangles");
const YUAN = 100; // fen per yuan

function triangleOf(text: string): Triangle {
  const parsed = parseTriangleCsv(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

const fixture = (name: string) => triangleOf(readFileSync(join(FIXTURES, name), "utf8"));

/** |got (fen) − published (yuan)| within `tolYuan`. */
function near(gotFen: number, publishedYuan: number, tolYuan: number): void {
  expect(Math.abs(gotFen / YUAN - publishedYuan)).toBeLessThanOrEqual(tolYuan);
}

/** Whole-unit prints agree to their rounding: 1 yuan. */
const PRINT_WHOLE = 1;
/** Two-decimal prints agree to the fen (plus float noise far below it). */
const PRINT_CENTS = 0.01;

describe("Taylor & Ashe (1983) / Mack (1993) — published figures", () => {
  const t = fixture("taylor-ashe.csv");
  const cl = chainLadder(t, "mack1993");
  const IBNR = [0, 94_634, 469_511, 709_638, 984_889, 1_419_459, 2_177_641, 3_920_301, 4_278_972, 4_625_811];
  const SE = [0, 75_535, 121_699, 133_549, 261_406, 411_010, 558_317, 875_328, 971_258, 1_363_155];
  const LATEST = [
    3_901_463, 5_339_085, 4_909_315, 4_588_268, 3_873_311, 3_691_712, 3_483_130, 2_864_498, 1_363_294,
    344_014,
  ];
  const F = [3.490607, 1.747333, 1.457413, 1.173852, 1.103824, 1.086269, 1.053874, 1.076555, 1.017725];

  it("the fixture is the published triangle: its latest diagonal is the printed Latest column", () => {
    expect(cl.origins.map((o) => o.paidFen / YUAN)).toEqual(LATEST);
  });

  it("volume-weighted factors as printed (6 decimals)", () => {
    cl.factors.forEach((f, k) => {
      expect(Math.abs(f - (F[k] as number))).toBeLessThan(5e-7);
    });
  });

  it("IBNR per origin within 1 yuan, total 18,680,855.61 to the fen", () => {
    cl.origins.forEach((o, i) => {
      near(toFen(o.ibnr), IBNR[i] as number, PRINT_WHOLE);
    });
    near(toFen(cl.ibnr), 18_680_855.61, PRINT_CENTS);
  });

  it("Mack standard error per origin within 1 yuan, total 2,447,094.86 to the fen", () => {
    cl.origins.forEach((o, i) => {
      near(toFen(o.se ?? Number.NaN), SE[i] as number, PRINT_WHOLE);
    });
    near(toFen(cl.se ?? Number.NaN), 2_447_094.86, PRINT_CENTS);
  });

  it("σ² of the last period is Mack's extrapolation min(σ⁴₇/σ²₆, σ²₆, σ²₇) — printed GNI$sigma^2[9] = 446.6166", () => {
    const s = cl.sigma2;
    // ChainLadder prints σ²: 160280.3275 37736.8550 41965.2130 15182.9027 13731.3239 8185.7716 446.6166
    // 1147.3660 446.6166 (in the triangle's units; ours are fen, so × 100).
    expect(Math.abs((s[6] as number) / YUAN - 446.6166)).toBeLessThan(1e-3);
    expect(Math.abs((s[8] as number) / YUAN - 446.6166)).toBeLessThan(1e-3);
    expect(s[8]).toBeCloseTo(
      Math.min((s[7] as number) ** 2 / (s[6] as number), s[6] as number, s[7] as number),
    );
  });
});

describe("RAA (ChainLadder) — published figures under both σ rules", () => {
  const t = fixture("raa.csv");
  const IBNR = [0, 154, 617, 1_636, 2_747, 3_649, 5_435, 10_907, 10_650, 16_339];
  const LATEST = [18_834, 16_704, 23_466, 27_067, 26_180, 15_852, 12_314, 13_112, 5_395, 2_063];

  it("the fixture is the published triangle (latest diagonal; 1982 has a negative increment, −103)", () => {
    const C = cumulative(t);
    expect(C.map((row) => (row[row.length - 1] as number) / YUAN)).toEqual(LATEST);
    expect(t.incrementalFen[1]?.[6]).toBe(-103 * YUAN);
  });

  it("chain ladder: IBNR per origin within 1 yuan, total 52,135.23, ultimate 213,122.23", () => {
    const cl = chainLadder(t);
    cl.origins.forEach((o, i) => {
      near(toFen(o.ibnr), IBNR[i] as number, PRINT_WHOLE);
    });
    near(toFen(cl.ibnr), 52_135.23, PRINT_CENTS);
    near(toFen(cl.ultimate), 213_122.23, PRINT_CENTS);
  });

  it('Mack\'s 1993 σ rule (est.sigma = "Mack"): s.e. per origin within 1 yuan, total 26,909.01', () => {
    const SE = [0, 206, 623, 747, 1_469, 2_002, 2_209, 5_358, 6_333, 24_566];
    const cl = chainLadder(t, "mack1993");
    cl.origins.forEach((o, i) => {
      near(toFen(o.se ?? Number.NaN), SE[i] as number, PRINT_WHOLE);
    });
    near(toFen(cl.se ?? Number.NaN), 26_909.01, PRINT_CENTS);
  });

  it("log-linear σ (ChainLadder's default): s.e. per origin within 1 yuan, total 26,880.74", () => {
    const SE = [0, 143, 592, 713, 1_452, 1_995, 2_204, 5_354, 6_332, 24_566];
    const cl = chainLadder(t, "log-linear");
    cl.origins.forEach((o, i) => {
      near(toFen(o.se ?? Number.NaN), SE[i] as number, PRINT_WHOLE);
    });
    near(toFen(cl.se ?? Number.NaN), 26_880.74, PRINT_CENTS);
  });
});

/**
 * The small triangle every hand-worked figure below uses (yuan; incremental → cumulative):
 *   2021: 100, 50, 10   → 100, 150, 160
 *   2022: 200, 100      → 200, 300
 *   2023: 300           → 300
 * f₀ = (150 + 300) / (100 + 200) = 1.5;  f₁ = 160 / 150 = 16/15.
 * Chain ladder: 2022 ultimate 300 × 16/15 = 320 (IBNR 20); 2023 ultimate 300 × 1.5 × 16/15 = 480 (IBNR 180);
 * total IBNR 200. Every individual factor equals f, so σ²₀ = 0 and Mack's s.e. is 0 throughout.
 */
const SMALL = "origin,dev,paid\n2021,0,100\n2021,1,50\n2021,2,10\n2022,0,200\n2022,1,100\n2023,0,300\n";

describe("B-F法 and 赔付率法, hand-worked", () => {
  const t = triangleOf(SMALL);
  const cl = chainLadder(t);
  const LR = 0.8;

  it("chain ladder on the small triangle: IBNR 0 / 20 / 180, total 200, s.e. 0 (exactly multiplicative)", () => {
    expect(cl.origins.map((o) => toFen(o.ibnr))).toEqual([0, 20 * YUAN, 180 * YUAN]);
    expect(toFen(cl.ibnr)).toBe(200 * YUAN);
    expect(cl.origins.map((o) => toFen(o.se ?? Number.NaN))).toEqual([0, 0, 0]);
    expect(toFen(cl.se ?? Number.NaN)).toBe(0);
  });

  it("premiums 250 / 400 / 500 at 80 %: prior ultimates 200 / 320 / 400", () => {
    const premium = [250, 400, 500].map((y) => y * YUAN);
    // B-F: IBNR = prior × (1 − 1/CDF): 2021 CDF 1 → 0; 2022 320 × (1 − 15/16) = 20; 2023 CDF 1.6 →
    // 400 × (1 − 1/1.6) = 150; total 170.
    const bf = bornhuetterFerguson(t, cl, premium, LR);
    expect(bf.origins.map((o) => toFen(o.ibnr))).toEqual([0, 20 * YUAN, 150 * YUAN]);
    expect(bf.origins.map((o) => toFen(o.ultimate))).toEqual([160 * YUAN, 320 * YUAN, 450 * YUAN]);
    expect(toFen(bf.ibnr)).toBe(170 * YUAN);
    // 赔付率法: IBNR = prior − paid: 200 − 160 = 40; 320 − 300 = 20; 400 − 300 = 100; total 160.
    const elr = expectedLossRatio(t, premium, LR);
    expect(elr.origins.map((o) => toFen(o.ibnr))).toEqual([40 * YUAN, 20 * YUAN, 100 * YUAN]);
    expect(toFen(elr.ibnr)).toBe(160 * YUAN);
    // 第四十九条: the largest of 200 / 170 / 160 is the chain ladder's; 3 yearly origins = 3 years, no floor.
    const r = reserve(t, { premiumFen: premium, priorLossRatio: LR });
    expect(r.selection.method).toBe("chain_ladder");
    expect(r.selection.ibnrFen).toBe(200 * YUAN);
    expect(r.selection.floorApplies).toBe(false);
    expect(r.selection.methodsCompared).toEqual([
      "chain_ladder",
      "bornhuetter_ferguson",
      "expected_loss_ratio",
    ]);
  });

  it("a larger 2023 premium (1000) makes 赔付率法 the largest: 40 + 20 + 500 = 560 vs B-F 0 + 20 + 300 = 320", () => {
    const premium = [250, 400, 1000].map((y) => y * YUAN);
    const r = reserve(t, { premiumFen: premium, priorLossRatio: LR });
    expect(toFen(r.bornhuetterFerguson?.ibnr ?? Number.NaN)).toBe(320 * YUAN);
    expect(r.selection.method).toBe("expected_loss_ratio");
    expect(r.selection.ibnrFen).toBe(560 * YUAN);
  });
});

describe("第四十九条 floor: under three years of experience, IBNR ≥ 10 % of the accounting year's paid", () => {
  /** Monthly origins from 2024-01 with everything paid in the origin month (dev 0 only): chain ladder IBNR 0. */
  function settledMonthly(months: number, firstYear = 2024): string {
    const rows = ["origin,dev,paid"];
    for (let m = 0; m < months; m++) {
      const y = firstYear + Math.floor(m / 12);
      rows.push(`${y}-${String((m % 12) + 1).padStart(2, "0")},0,1000`);
    }
    return `${rows.join("\n")}\n`;
  }

  it("6 monthly origins (0.5 years) each paid 1000 in 2024: floor 10 % × 6000 = 600 binds", () => {
    const t = triangleOf(settledMonthly(6));
    const s = reserve(t).selection;
    expect(s.experienceYears).toBe(0.5);
    expect(s.floorApplies).toBe(true);
    expect(s.accountingYear).toBe(2024);
    expect(s.yearPaidFen).toBe(6000 * YUAN);
    expect(s.method).toBe(FLOOR_METHOD);
    expect(s.ibnrFen).toBe(600 * YUAN);
  });

  it("35 monthly origins (2.92 years) still floored; 36 (3 years) are not", () => {
    // 35 months from 2022-01 end in 2024-11: the accounting year 2024 holds 11 months × 1000 → floor 1100.
    const under = reserve(triangleOf(settledMonthly(35, 2022))).selection;
    expect(under.floorApplies).toBe(true);
    expect(under.yearPaidFen).toBe(11_000 * YUAN);
    expect(under.ibnrFen).toBe(1_100 * YUAN);
    const three = reserve(triangleOf(settledMonthly(36, 2022))).selection;
    expect(three.experienceYears).toBe(3);
    expect(three.floorApplies).toBe(false);
    expect(three.method).toBe("chain_ladder");
    expect(three.ibnrFen).toBe(0);
  });

  it("the accounting year is the calendar year of the latest diagonal; a larger method result wins over the floor", () => {
    // The small triangle as months 2023-11 … 2024-01: paid in 2024 = 10 (2023-11 dev 2) + 100 (2023-12 dev 1)
    // + 300 (2024-01 dev 0) = 410 → floor 41; the chain ladder's 200 is larger and is selected.
    const t = triangleOf(
      SMALL.replaceAll("2021", "2023-11")
        .replaceAll("2022", "2023-12")
        .replace(/^2023,/m, "2024-01,"),
    );
    expect(t.origins).toEqual(["2023-11", "2023-12", "2024-01"]);
    expect(accountingYearPaid(t)).toEqual({ year: 2024, paidFen: 410 * YUAN });
    const s = reserve(t).selection;
    expect(s.floorApplies).toBe(true);
    expect(s.floorFen).toBe(41 * YUAN);
    expect(s.method).toBe("chain_ladder");
    expect(s.ibnrFen).toBe(200 * YUAN);
  });

  it("yearly origins: the accounting year's paid is the latest diagonal (10 + 100 + 300 = 410 for the small triangle)", () => {
    expect(accountingYearPaid(triangleOf(SMALL))).toEqual({ year: 2023, paidFen: 410 * YUAN });
  });

  it("selection keeps the earlier method on a tie", () => {
    const t = triangleOf(SMALL);
    const cl = chainLadder(t);
    expect(select(t, { chain_ladder: cl, expected_loss_ratio: cl }).method).toBe("chain_ladder");
  });
});

describe("edge cases and the one rounding", () => {
  it("an origin with nothing paid yet projects 0 with s.e. 0 (no 0 × ∞), and a month with nothing paid at dev 0 still develops", () => {
    // 2024-01: 0, 80, 20 → 0, 80, 100; 2024-02: 50, 50 → 50, 100; 2024-03: 0 → 0.
    // f₀ = (80 + 100) / (0 + 50) = 3.6 (2024-01 adds to the numerator, not to σ²₀); f₁ = 100 / 80 = 1.25.
    // 2024-02: 100 × 1.25 = 125 (IBNR 25); 2024-03: 0 × 3.6 × 1.25 = 0.
    const t = triangleOf(
      "origin,dev,paid\n2024-01,0,0\n2024-01,1,80\n2024-01,2,20\n2024-02,0,50\n2024-02,1,50\n2024-03,0,0\n",
    );
    const cl = chainLadder(t);
    expect(cl.factors[0]).toBeCloseTo(3.6, 12);
    expect(cl.factors[1]).toBeCloseTo(1.25, 12);
    expect(cl.origins.map((o) => toFen(o.ibnr))).toEqual([0, 25 * YUAN, 0]);
    for (const o of cl.origins) expect(Number.isFinite(o.se)).toBe(true);
    expect(cl.origins[2]?.se).toBe(0);
    expect(Number.isFinite(cl.se)).toBe(true);
  });

  it("a development period with nothing paid before it cannot be estimated: a Chinese ReserveError", () => {
    const t = triangleOf("origin,dev,paid\n2021,0,0\n2021,1,5\n2022,0,0\n");
    expect(() => chainLadder(t)).toThrow(/进展期 0/);
  });

  it("amounts are exact fen in, rounded once out: 0.01 yuan increments survive, half a fen rounds away from zero", () => {
    const t = triangleOf("origin,dev,paid\n2021,0,0.01\n2021,1,0.02\n2022,0,0.01\n");
    expect(t.incrementalFen).toEqual([[1, 2], [1]]);
    // f = 3 / 1 = 3: 2022 ultimate 0.03, IBNR 0.02 — exact.
    expect(toFen(chainLadder(t).ibnr)).toBe(2);
    expect(toFen(0.5)).toBe(1);
    expect(toFen(-0.5)).toBe(-1);
    expect(toFen(2.4999)).toBe(2);
  });

  it("CSV niceties: BOM, CRLF, quoted fields, blank lines, any column order", () => {
    const t = triangleOf('\uFEFFpaid,"origin",dev\r\n100,2021,0\r\n\r\n50,"2021",1\r\n200,2022,0\r\n');
    expect(t.origins).toEqual(["2021", "2022"]);
    expect(t.incrementalFen).toEqual([[10_000, 5_000], [20_000]]);
  });
});

describe("input validation names the line and the field", () => {
  const problems = (text: string) => {
    const p = parseTriangleCsv(text);
    expect(p.ok).toBe(false);
    return p.ok ? [] : p.problems;
  };

  it("missing column", () => {
    expect(problems("origin,dev\n2021,0\n")[0]).toMatchObject({ line: 1, field: "paid" });
  });
  it("non-numeric amount, bad dev, bad origin — all reported with their lines", () => {
    const ps = problems("origin,dev,paid\n2021,0,abc\n2021,x,1\n21,0,1\n2022,0,1.234\n");
    expect(ps.map((p) => [p.line, p.field])).toEqual([
      [2, "paid"],
      [3, "dev"],
      [4, "origin"],
      [5, "paid"],
    ]);
    for (const p of ps) expect(p.message).toMatch(/[\u4e00-\u9fff]/);
  });
  it("duplicate cell", () => {
    expect(problems("origin,dev,paid\n2021,0,1\n2021,0,2\n2022,0,1\n")[0]).toMatchObject({
      line: 3,
      field: "dev",
    });
  });
  it("a gap between origins, a missing development period, a cell past the diagonal", () => {
    expect(problems("origin,dev,paid\n2021,0,1\n2021,1,1\n2023,0,1\n")[0]?.message).toContain("2022");
    expect(
      problems("origin,dev,paid\n2021,0,1\n2021,2,1\n2022,0,1\n2022,1,1\n2023,0,1\n")[0]?.message,
    ).toContain("缺少进展期 1");
    expect(problems("origin,dev,paid\n2021,0,1\n2021,1,1\n2022,0,1\n2022,1,1\n")[0]).toMatchObject({
      line: 5,
      field: "dev",
    });
  });
  it("a cumulative paid below zero is impossible; a negative increment (a recovery) is fine", () => {
    expect(problems("origin,dev,paid\n2021,0,10\n2021,1,-11\n2022,0,1\n")[0]).toMatchObject({
      line: 3,
      field: "paid",
    });
    expect(parseTriangleCsv("origin,dev,paid\n2021,0,10\n2021,1,-5\n2022,0,1\n").ok).toBe(true);
  });
  it("years and months are not mixed", () => {
    expect(problems("origin,dev,paid\n2021,0,1\n2021-02,0,1\n")[0]).toMatchObject({
      line: 3,
      field: "origin",
    });
  });
  it("premiums: every origin once, positive, and none the triangle lacks", () => {
    const t = triangleOf(SMALL);
    expect(parsePremiumCsv("origin,premium\n2021,250\n2022,400\n2023,500\n", t)).toEqual({
      ok: true,
      value: [25_000, 40_000, 50_000],
    });
    const missing = parsePremiumCsv("origin,premium\n2021,250\n2022,400\n", t);
    expect(missing.ok ? "" : missing.problems[0]?.message).toContain("2023");
    const bad = parsePremiumCsv("origin,premium\n2021,0\n2022,400\n2023,x\n2031,1\n", t);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.line, p.field])).toEqual([
      [2, "premium"],
      [4, "premium"],
      [5, "origin"],
    ]);
  });
  it("prior loss ratio as a decimal or a percent", () => {
    expect(parseLossRatio("0.85")).toBe(0.85);
    expect(parseLossRatio("85%")).toBe(0.85);
    for (const bad of ["0", "-0.5", "abc", "85", "1e3"]) expect(parseLossRatio(bad)).toBeUndefined();
  });
});

describe("`hmb reserve` through the built binary", () => {
  let dir = "";
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => {
    buildCli(["dist/src/cli/main.js", "dist/src/cli/reserve.js"]);
    dir = mkdtempSync(join(tmpdir(), "hmb-reserve-"));
  }, 600_000);
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  const AMOUNT = /^-?\d+\.\d{2}$/;

  it("--json with premiums: exactly the contract keys, yuan strings, the hand-worked figures", () => {
    const tri = file("small.csv", SMALL);
    const prem = file("premium.csv", "origin,premium\n2021,250\n2022,400\n2023,500\n");
    const r = runHmb(
      ["reserve", "--triangle", tri, "--premium", prem, "--prior-loss-ratio", "0.8", "--json"],
      {},
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["methods", "selected"]);
    expect(Object.keys(out.methods)).toEqual(["chain_ladder", "bornhuetter_ferguson", "expected_loss_ratio"]);
    expect(Object.keys(out.methods.chain_ladder)).toEqual(["origins", "ibnr", "se"]);
    for (const o of out.methods.chain_ladder.origins) {
      expect(Object.keys(o)).toEqual(["origin", "paid", "ultimate", "ibnr", "se"]);
      for (const k of ["paid", "ultimate", "ibnr", "se"]) expect(o[k]).toMatch(AMOUNT);
    }
    for (const m of ["bornhuetter_ferguson", "expected_loss_ratio"]) {
      expect(Object.keys(out.methods[m])).toEqual(["origins", "ibnr"]);
      for (const o of out.methods[m].origins)
        expect(Object.keys(o)).toEqual(["origin", "paid", "ultimate", "ibnr"]);
    }
    expect(out.methods.chain_ladder.ibnr).toBe("200.00");
    expect(out.methods.bornhuetter_ferguson.ibnr).toBe("170.00");
    expect(out.methods.expected_loss_ratio.ibnr).toBe("160.00");
    expect(out.methods.chain_ladder.origins[2]).toEqual({
      origin: "2023",
      paid: "300.00",
      ultimate: "480.00",
      ibnr: "180.00",
      se: "0.00",
    });
    expect(out.selected).toEqual({ method: "chain_ladder", ibnr: "200.00" });
  });

  it("--json without premiums: only the chain ladder, Taylor & Ashe totals as published, a Chinese note on stderr", () => {
    const r = runHmb(["reserve", "--triangle", join(FIXTURES, "taylor-ashe.csv"), "--json"], {});
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.methods)).toEqual(["chain_ladder"]);
    expect(out.methods.chain_ladder.ibnr).toBe("18680855.61");
    expect(out.methods.chain_ladder.se).toBe("2447094.86");
    expect(out.selected).toEqual({ method: "chain_ladder", ibnr: "18680855.61" });
    expect(r.stderr).toContain("第四十九条");
  });

  it("the table is Chinese and shows the factors, the columns and the selection", () => {
    const r = runHmb(["reserve", "--triangle", join(FIXTURES, "raa.csv")], {});
    expect(r.status).toBe(0);
    for (const word of [
      "起始期",
      "已付",
      "最终损失",
      "IBNR",
      "标准误",
      "进展因子",
      "2.9994",
      "52135.23",
      "选定",
    ])
      expect(r.stdout).toContain(word);
  });

  it("bad input: exit 1, Chinese message naming the line and the field, no stack trace", () => {
    const bad = file("bad.csv", "origin,dev,paid\n2021,0,100\n2021,1,abc\n2022,0,5\n");
    const r = runHmb(["reserve", "--triangle", bad, "--json"], {});
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("第 3 行");
    expect(r.stderr).toContain("paid");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const noColumn = runHmb(["reserve", "--triangle", file("nocol.csv", "origin,paid\n2021,1\n")], {});
    expect(noColumn.status).toBe(1);
    expect(noColumn.stderr).toContain("dev");
    const missing = runHmb(["reserve", "--triangle", join(dir, "nope.csv")], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("文件不存在");
  });

  it("usage errors exit 64: no source or both, --program without --as-of, --premium without --prior-loss-ratio, a bad ratio", () => {
    expect(runHmb(["reserve", "--json"], {}).status).toBe(64);
    const both = runHmb(["reserve", "--triangle", join(FIXTURES, "raa.csv"), "--program", "ws-2023"], {});
    expect(both.status).toBe(64);
    expect(both.stderr).toContain("--triangle");
    const noDate = runHmb(["reserve", "--program", "ws-2023"], {});
    expect(noDate.status).toBe(64);
    expect(noDate.stderr).toContain("--as-of");
    expect(runHmb(["reserve", "--program", "ws-2023", "--as-of", "2023-02-30"], {}).status).toBe(64);
    const tri = file("u.csv", SMALL);
    const prem = file("u-premium.csv", "origin,premium\n2021,250\n2022,400\n2023,500\n");
    const alone = runHmb(["reserve", "--triangle", tri, "--premium", prem], {});
    expect(alone.status).toBe(64);
    expect(alone.stderr).toContain("--prior-loss-ratio");
    expect(
      runHmb(["reserve", "--triangle", tri, "--premium", prem, "--prior-loss-ratio", "80"], {}).status,
    ).toBe(64);
  });
});

describe("a program's triangle (`--program`): origin = care month, development = months to settlement", () => {
  it("payments and revocations land in their cells; months without claims are 0", () => {
    // Care in 2023-08 paid 2023-08 (100) and 2023-10 (50, dev 2); care in 2023-10 paid 2023-10 (30) and revoked
    // 2023-11 (−30, dev 1); valuation 2023-11 → origins 2023-08 … 2023-11, 2023-09 and 2023-11 all zero.
    const t = triangleFromPayments(
      [
        { originMonth: "2023-08", paidMonth: "2023-08", fen: 100 },
        { originMonth: "2023-08", paidMonth: "2023-10", fen: 50 },
        { originMonth: "2023-10", paidMonth: "2023-10", fen: 30 },
        { originMonth: "2023-10", paidMonth: "2023-11", fen: -30 },
        { originMonth: "2023-12", paidMonth: "2023-12", fen: 999 }, // after the valuation month: left out
      ],
      "2023-11",
    );
    expect(t?.origins).toEqual(["2023-08", "2023-09", "2023-10", "2023-11"]);
    expect(t?.incrementalFen).toEqual([[100, 0, 50, 0], [0, 0, 0], [30, -30], [0]]);
    expect(triangleFromPayments([], "2023-11")).toBeUndefined();
  });
});

describe.each(BACKENDS)(
  "`--program` on %s: the triangle's paid equals the oversight summary's paid",
  (backend) => {
    let platform: TestPlatform;
    let s: OversightScenario;
    beforeAll(async () => {
      platform = await openTestPlatform(backend);
      s = await runOversightScenario(platform);
    }, 120_000);
    afterAll(async () => {
      await s?.app.close();
      await platform?.close();
    });

    it("on every scenario day, before and after the revocation of S-OV-3", async () => {
      for (const day of ["2023-10-10", "2023-10-20", "2023-11-20"]) {
        const t = await programTriangle(s.ctx, PROGRAM, day);
        const direct = await directFigures(s.ctx, day);
        const total = (t?.incrementalFen ?? []).flat().reduce((a, b) => a + b, 0);
        expect(total, day).toBe(direct.paidFen);
        expect(t?.periodicity).toBe("month");
        expect(t?.origins[t.origins.length - 1]).toBe(day.slice(0, 7));
        // The methods run on it and print through the CLI's own function.
        const run = runReserve({ program: PROGRAM, asOf: day, json: true }, t);
        expect(run.exitCode).toBe(0);
        const out = JSON.parse(run.stdout);
        expect(Object.keys(out)).toEqual(["methods", "selected"]);
        // Months of experience < 36: the floor applies, so the selection is at least 10 % of the year's paid.
        expect(Number(out.selected.ibnr) * YUAN).toBeGreaterThanOrEqual(Math.round(direct.paidFen / 10) - 1);
      }
      expect(await programTriangle(s.ctx, PROGRAM, "2023-01-01")).toBeUndefined();
    });

    it("an unknown program and a bad date are the caller's mistakes", async () => {
      await expect(programTriangle(s.ctx, "no-such-program", "2023-11-20")).rejects.toMatchObject({
        kind: "not_found",
      });
      await expect(programTriangle(s.ctx, PROGRAM, "2023-13-01")).rejects.toMatchObject({ field: "as_of" });
    });
  },
);
