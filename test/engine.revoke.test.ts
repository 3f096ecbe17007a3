/**
 * Revocation (结算撤销, DESIGN.md §4): reverses a settlement's payout and its accumulator effects; a
 * corrected settlement is then adjudicated again.
 */
import { describe, expect, it } from "vitest";
import { revoke } from "../src/engine/adjudicate.js";
import { CX_LOCAL, lineOf, person, type RecordSpec, WS_PHARMACY, Y } from "./fixtures.js";

const WS = "wenshan-2023";
const A: RecordSpec = { setlId: "A", inScope: Y(20_000), setlTime: "2023-10-01 10:00:00" };
const B: RecordSpec = { setlId: "B", fullOwnPay: Y(30_000), setlTime: "2023-11-01 10:00:00" };
const C: RecordSpec = {
  setlId: "C",
  inScope: Y(15_000),
  fullOwnPay: Y(5_000),
  setlTime: "2023-12-01 10:00:00",
};

describe("revoke(plan, acc, result)", () => {
  it("A then B, revoke A: accumulators equal the world where only B happened, and C is computed as if A never was", () => {
    const p = person(WS);
    const resultA = p.run(A);
    expect(resultA.hmbPay).toBe(Y(6_400)); // (20,000 − 12,000) × 80%
    const resultB = p.run(B);
    expect(resultB.hmbPay).toBe(Y(3_600)); // (30,000 − 12,000) × 20%
    expect(p.acc.deductibleUsed).toEqual([Y(12_000), Y(12_000)]);
    expect(p.acc.paidTotal).toBe(Y(10_000));

    revoke(p.plan, p.acc, resultA);

    expect(p.acc.deductibleUsed).toEqual([0, Y(12_000)]);
    expect(p.acc.paidByLiability).toEqual([0, 0, Y(3_600)]);
    expect(p.acc.paidTotal).toBe(Y(3_600));

    const onlyB = person(WS);
    expect(onlyB.run(B).hmbPay).toBe(resultB.hmbPay);
    expect(p.snapshot()).toEqual(onlyB.snapshot());

    const resultC = p.run(C);
    // 责任一 has its whole deductible back: (15,000 − 12,000) × 80% = 2,400; 责任三's pool is spent: 5,000 × 20%.
    expect(lineOf(resultC, "inpatient_in_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(2_400) });
    expect(lineOf(resultC, "inpatient_out_of_scope")).toMatchObject({ deductible: 0, payout: Y(1_000) });
    expect(resultC).toEqual(onlyB.run(C));
    expect(p.snapshot()).toEqual(onlyB.snapshot());
  });

  it("revoking the last event and adjudicating the corrected settlement equals adjudicating only the correction", () => {
    const p = person(WS);
    p.run(B);
    const wrong = p.run({ setlId: "A", inScope: Y(80_000), setlTime: "2023-12-01 10:00:00" });
    revoke(p.plan, p.acc, wrong);
    const corrected: RecordSpec = { setlId: "A", inScope: Y(20_000), setlTime: "2023-12-01 10:00:00" };
    const again = p.run(corrected);
    const fresh = person(WS);
    fresh.run(B);
    expect(again).toEqual(fresh.run(corrected));
    expect(again.hmbPay).toBe(Y(6_400));
    expect(p.snapshot()).toEqual(fresh.snapshot());
  });

  it("when B depended on A's deductible, B keeps what it was paid; the year's totals match a world without A", () => {
    // Only B kept after the revocation: B was paid (30,000 × 80%) without deductible because A used it. The
    // restored deductible is then taken by C. With one ratio and no cap binding, the person's year ends
    // exactly as if A had never happened: same total paid, same deductible used.
    const p = person(WS);
    const a = p.run({ setlId: "A", inScope: Y(20_000), setlTime: "2023-10-01 10:00:00" });
    const b = p.run({ setlId: "B", inScope: Y(30_000), setlTime: "2023-11-01 10:00:00" });
    expect(b.hmbPay).toBe(Y(24_000));
    revoke(p.plan, p.acc, a);
    expect(p.acc.deductibleUsed).toEqual([0, 0]);
    expect(p.acc.paidByLiability).toEqual([Y(24_000), 0, 0]);
    expect(p.acc.paidTotal).toBe(Y(24_000));
    const c = p.run({ setlId: "C", inScope: Y(15_000), setlTime: "2023-12-01 10:00:00" });

    const noA = person(WS);
    const b2 = noA.run({ setlId: "B", inScope: Y(30_000), setlTime: "2023-11-01 10:00:00" });
    const c2 = noA.run({ setlId: "C", inScope: Y(15_000), setlTime: "2023-12-01 10:00:00" });
    expect(b.hmbPay + c.hmbPay).toBe(b2.hmbPay + c2.hmbPay); // 24,000 + 2,400 = 14,400 + 12,000
    expect(p.acc.paidTotal).toBe(noA.acc.paidTotal);
    expect(p.acc.deductibleUsed).toEqual(noA.acc.deductibleUsed);
  });

  it("gives back cap room: after revoking a capped event the next one is paid in full", () => {
    const p = person(WS);
    const big = p.run({ setlId: "A", inScope: Y(2_600_000), setlTime: "2023-10-01 10:00:00" });
    expect(big.hmbPay).toBe(Y(2_000_000));
    expect(p.run({ setlId: "B", inScope: Y(10_000), setlTime: "2023-11-01 10:00:00" }).hmbPay).toBe(0);
    revoke(p.plan, p.acc, big);
    expect(p.acc.paidByLiability[0]).toBe(0);
    const c = p.run({ setlId: "C", inScope: Y(22_000), setlTime: "2023-12-01 10:00:00" });
    expect(c.hmbPay).toBe(Y(8_000)); // (22,000 − 12,000) × 80%: deductible and cap room both restored
  });

  it("restores the 楚雄 shared pool across both liabilities", () => {
    const p = person("chuxiong-2023", "basic");
    const a = p.run({ setlId: "A", inScope: Y(8_000), fullOwnPay: Y(20_000), region: CX_LOCAL });
    expect(p.acc.deductibleUsed).toEqual([Y(13_000)]);
    revoke(p.plan, p.acc, a);
    expect(p.snapshot()).toEqual(person("chuxiong-2023", "basic").snapshot());
  });

  it("restores the special-drug and per-item accumulators", () => {
    const p = person(WS);
    const drug: RecordSpec = {
      setlId: "A",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(100_000) }],
    };
    const a = p.run(drug);
    expect(a.hmbPay).toBe(Y(80_000));
    expect(p.acc.paidByItem.get("SAMPLE-WS-D01")).toBe(Y(80_000));
    revoke(p.plan, p.acc, a);
    expect(p.acc.paidTotal).toBe(0);
    expect(p.acc.paidByLiability).toEqual([0, 0, 0]);
    expect(p.acc.paidByItem.get("SAMPLE-WS-D01") ?? 0).toBe(0);
  });

  it("revoking a not-covered result changes nothing; revoking twice is refused", () => {
    const p = person(WS);
    p.run(B);
    const before = p.snapshot();
    const outside = p.run({ setlId: "X", inScope: Y(50_000), setlTime: "2025-01-01 10:00:00" });
    revoke(p.plan, p.acc, outside);
    expect(p.snapshot()).toEqual(before);
    const a = p.run({ setlId: "A", inScope: Y(50_000), setlTime: "2023-12-01 10:00:00" });
    revoke(p.plan, p.acc, a);
    expect(() => revoke(p.plan, p.acc, a)).toThrow();
  });
});
