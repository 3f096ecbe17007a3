/**
 * Explanations of benefits (DESIGN.md §4): every line reads as Chinese a resident can check with a
 * calculator — the formula, the result, deductible, cap and exclusion notes.
 */
import { describe, expect, it } from "vitest";
import type { Adjudication } from "../src/engine/adjudicate.js";
import { explainAdjudication, explainLine } from "../src/engine/explain.js";
import { toWireResult } from "../src/engine/wire.js";
import { CX_AWAY, lineOf, person, WS_PHARMACY, Y } from "./fixtures.js";

const WS = "wenshan-2023";
const HAN = /[\u4e00-\u9fff]/;

function explanations(a: Adjudication): string[] {
  return a.lines.map((l) => explainLine(l));
}

describe("line explanations", () => {
  it("in_scope 50,000, first 文山 event: (50000.00 − 12000.00) × 80% = 30400.00", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(50_000) });
    const text = explainLine(lineOf(a, "inpatient_in_scope"));
    expect(text).toContain("责任一");
    expect(text).toContain("(50000.00 − 12000.00) × 80%");
    expect(text).toContain("= 30400.00");
    expect(text).toContain("元");
    expect(text).toMatch(/12000\.00 元/); // the deductible taken is stated
    // The wire explanation is the same sentence.
    expect(toWireResult(a).lines[0]?.explanation).toBe(text);
  });

  it("every line of a multi-liability result is readable Chinese naming its liability, with a formula", () => {
    const a = person(WS).run({
      setlId: "S1",
      inScope: Y(50_000),
      fullOwnPay: Y(30_000),
      overLimit: Y(20_000),
    });
    for (const [i, text] of explanations(a).entries()) {
      const line = a.lines[i];
      if (line === undefined) continue;
      expect(text).toMatch(HAN);
      expect(text).toContain(line.liabilityName);
      expect(text).toContain("×");
      expect(text).toContain(`= ${(line.computed / 100).toFixed(2)}`);
    }
    expect(explainLine(lineOf(a, "inpatient_out_of_scope"))).toContain("(50000.00 − 12000.00) × 20%");
    expect(explainLine(lineOf(a, "inpatient_out_of_scope"))).toContain("7600.00");
  });

  it("no deductible: the formula has no subtraction", () => {
    const p = person(WS);
    p.run({ setlId: "S0", inScope: Y(12_000), setlTime: "2023-10-01 10:00:00" });
    const a = p.run({ setlId: "S1", inScope: Y(1_000), setlTime: "2023-11-01 10:00:00" });
    const text = explainLine(lineOf(a, "inpatient_in_scope"));
    expect(text).toContain("1000.00 × 80%");
    expect(text).toContain("= 800.00");
    expect(text).not.toContain("−");
  });

  it("rounds half up per line, and says so in fen: (12000.01 − 12000.00) × 80% = 0.01", () => {
    const a = person(WS).run({ setlId: "S1", inScope: 1_200_001 });
    expect(a.hmbPay).toBe(1); // 1 fen × 80% = 0.8 fen → 1
    expect(explainLine(lineOf(a, "inpatient_in_scope"))).toContain("(12000.01 − 12000.00) × 80%");
    expect(explainLine(lineOf(a, "inpatient_in_scope"))).toContain("= 0.01");
  });

  it("notes a liability cap when it binds", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(2_600_000) });
    const text = explainLine(lineOf(a, "inpatient_in_scope"));
    expect(text).toContain("(2600000.00 − 12000.00) × 80%");
    expect(text).toContain("2070400.00");
    expect(text).toContain("限额");
    expect(text).toContain("2000000.00");
    expect(text).toMatch(/实赔 2000000\.00/);
  });

  it("no cap note when no cap binds", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(50_000) });
    expect(explainLine(lineOf(a, "inpatient_in_scope"))).not.toContain("限额");
  });

  it("notes the annual total when it binds", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(4_000_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(4_000_000) }],
    });
    const text = explainLine(lineOf(a, "special_drug"));
    expect(text).toContain("4000000.00 × 80%");
    expect(text).toContain("3200000.00");
    expect(text).toContain("年度累计");
    expect(text).toMatch(/实赔 3000000\.00/);
  });

  it("notes the pre-existing exclusion", () => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis: "C91.000", setlTime: "2023-05-01 10:00:00" }]);
    const a = p.run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(100_000) }],
    });
    const text = explainLine(lineOf(a, "special_drug"));
    expect(text).toMatch(HAN);
    expect(text).toContain("恶性肿瘤");
    expect(text).toContain("除外");
    expect(text).toContain("不予赔付");
    expect(text).toContain("100000.00");
  });

  it("notes a non-designated institution", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: "P53269999999",
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(100_000) }],
    });
    const text = explainLine(lineOf(a, "special_drug"));
    expect(text).toContain("非指定");
    expect(text).toContain("P53269999999");
  });

  it("names the ratio variant that applied (楚雄 既往症·异地 50%)", () => {
    const p = person("chuxiong-2023", "basic", [
      { setlId: "H", setlTime: "2022-05-01 10:00:00", inScope: Y(1_000), criticalIllness: Y(1_000) },
    ]);
    const a = p.run({ setlId: "S1", inScope: Y(50_000), region: CX_AWAY });
    const text = explainLine(lineOf(a, "inpatient_in_scope"));
    expect(text).toContain("(50000.00 − 13000.00) × 50%");
    expect(text).toContain("既往症");
    expect(text).toContain("异地");
    expect(text).toContain("18500.00");
  });

  it("English toggle keeps the same formula", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(50_000) });
    const text = explainLine(lineOf(a, "inpatient_in_scope"), "en");
    expect(text).toContain("(50000.00 − 12000.00) × 80%");
    expect(text).toContain("30400.00");
    expect(text).not.toMatch(/元/);
  });
});

describe("settlement summaries", () => {
  it("states burden, payout and what is left", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(50_000) });
    const text = explainAdjudication(a);
    expect(text).toContain("50000.00");
    expect(text).toContain("30400.00");
    expect(text).toContain("19600.00");
  });

  it("states the reason when not covered", () => {
    const a = person(WS).run({ setlId: "S1", inScope: Y(50_000), setlTime: "2023-03-01 10:00:00" });
    expect(explainAdjudication(a)).toContain("不予赔付");
    expect(explainAdjudication(a)).toContain("保障期间");
    const b = person(WS).run({ setlId: "S2", inScope: Y(50_000), medType: "11" });
    expect(explainAdjudication(b)).toContain("医疗类别");
  });
});
