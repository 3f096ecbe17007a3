/**
 * 文山惠民保 2023 (DESIGN.md §5): every row of the benefit table, checked against amounts computed by hand
 * in fen. 责任一 in_scope, own 12,000 pool, 80 %, cap 2,000,000; 责任二 special drugs, designated
 * institutions, no deductible, 80 %, pre-existing malignant tumour excluded, only the annual total caps it;
 * 责任三 out_of_scope, separate 12,000 pool, 20 %, cap 1,000,000; annual total 3,000,000.
 */
import { describe, expect, it } from "vitest";
import { lineOf, person, WS_HOSPITAL, WS_PHARMACY, Y } from "./fixtures.js";

const WS = "wenshan-2023";
const DRUG = "SAMPLE-WS-D01";
const DRUG2 = "SAMPLE-WS-D09";

describe("文山 责任一 inpatient_in_scope: in_scope, 12,000 own pool, 80%, cap 2,000,000", () => {
  it("first event of 50,000 in scope pays (50,000 − 12,000) × 80% = 30,400", () => {
    const p = person(WS);
    const a = p.run({ setlId: "S1", inScope: Y(50_000) });
    const line = lineOf(a, "inpatient_in_scope");
    expect(line.eligible).toBe(5_000_000);
    expect(line.deductible).toBe(1_200_000);
    expect(line.payout).toBe(3_040_000);
    expect(a.status).toBe("paid");
    expect(a.reason).toBeUndefined();
    expect(a.hmbPay).toBe(3_040_000);
    expect(a.personBurden).toBe(5_000_000);
    // 责任三 has nothing to pay and consumed nothing from its own pool.
    expect(lineOf(a, "inpatient_out_of_scope").payout).toBe(0);
    expect(p.acc.deductibleUsed).toEqual([1_200_000, 0]);
    // No catalog items: 责任二 produces no line at all.
    expect(a.lines.some((l) => l.liabilityId === "special_drug")).toBe(false);
  });

  it("the deductible is consumed once across events: 10,000 then 5,000 → 0 then (5,000 − 2,000) × 80%", () => {
    const p = person(WS);
    const a = p.run({ setlId: "S1", inScope: Y(10_000), setlTime: "2023-10-01 10:00:00" });
    expect(a.status).toBe("zero");
    expect(a.hmbPay).toBe(0);
    expect(lineOf(a, "inpatient_in_scope").deductible).toBe(1_000_000);
    const b = p.run({ setlId: "S2", inScope: Y(5_000), setlTime: "2023-11-01 10:00:00" });
    expect(lineOf(b, "inpatient_in_scope").deductible).toBe(200_000);
    expect(b.hmbPay).toBe(240_000);
    const c = p.run({ setlId: "S3", inScope: Y(1_000), setlTime: "2023-12-01 10:00:00" });
    expect(lineOf(c, "inpatient_in_scope").deductible).toBe(0);
    expect(c.hmbPay).toBe(80_000);
  });

  it.each(["21", "22", "23", "24"])("med_type %s is inpatient and covered", (medType) => {
    const a = person(WS).run({ setlId: `S-${medType}`, inScope: Y(22_000), medType });
    expect(a.hmbPay).toBe(Y(8_000)); // (22,000 − 12,000) × 80%
  });

  it("80% includes pre-existing: a malignant-tumour history does not change 责任一", () => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis: "C91.000", setlTime: "2023-05-01 10:00:00" }]);
    expect(p.terms.preExisting).toEqual([true]);
    expect(p.run({ setlId: "S1", inScope: Y(50_000) }).hmbPay).toBe(3_040_000);
  });

  it("cap 2,000,000 binds within one event: (2,600,000 − 12,000) × 80% = 2,070,400 → 2,000,000", () => {
    const p = person(WS);
    const a = p.run({ setlId: "S1", inScope: Y(2_600_000) });
    const line = lineOf(a, "inpatient_in_scope");
    expect(line.computed).toBe(Y(2_070_400));
    expect(line.payout).toBe(Y(2_000_000));
    expect(line.limits).toEqual([
      expect.objectContaining({
        kind: "liability",
        limit: Y(2_000_000),
        remainingBefore: Y(2_000_000),
        cut: Y(70_400),
      }),
    ]);
  });

  it("cap 2,000,000 binds across events", () => {
    const p = person(WS);
    expect(p.run({ setlId: "S1", inScope: Y(1_512_000), setlTime: "2023-10-01 10:00:00" }).hmbPay).toBe(
      Y(1_200_000),
    );
    const b = p.run({ setlId: "S2", inScope: Y(1_100_000), setlTime: "2023-11-01 10:00:00" });
    expect(lineOf(b, "inpatient_in_scope").computed).toBe(Y(880_000));
    expect(b.hmbPay).toBe(Y(800_000));
    const c = p.run({ setlId: "S3", inScope: Y(1_000), setlTime: "2023-12-01 10:00:00" });
    expect(c.hmbPay).toBe(0);
    expect(lineOf(c, "inpatient_in_scope").limits[0]).toMatchObject({
      kind: "liability",
      remainingBefore: 0,
    });
    expect(p.acc.paidByLiability[0]).toBe(Y(2_000_000));
  });
});

describe("文山 责任三 inpatient_out_of_scope: 全自费 + 超限价, separate 12,000 pool, 20%, cap 1,000,000", () => {
  it("out_of_scope = fulamt_ownpay_amt + overlmt_selfpay: (30,000 + 20,000 − 12,000) × 20% = 7,600", () => {
    const a = person(WS).run({ setlId: "S1", fullOwnPay: Y(30_000), overLimit: Y(20_000) });
    const line = lineOf(a, "inpatient_out_of_scope");
    expect(line.eligible).toBe(Y(50_000));
    expect(line.deductible).toBe(Y(12_000));
    expect(line.payout).toBe(Y(7_600));
    expect(lineOf(a, "inpatient_in_scope").eligible).toBe(0);
    expect(a.hmbPay).toBe(Y(7_600));
  });

  it("超限价 alone is out of scope: (20,000 − 12,000) × 20% = 1,600", () => {
    expect(person(WS).run({ setlId: "S1", overLimit: Y(20_000) }).hmbPay).toBe(Y(1_600));
  });

  it("its pool is separate from 责任一's: both deduct 12,000 in the same event", () => {
    const p = person(WS);
    const a = p.run({ setlId: "S1", inScope: Y(50_000), fullOwnPay: Y(50_000) });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(30_400) });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(7_600) });
    expect(a.hmbPay).toBe(Y(38_000));
    expect(p.acc.deductibleUsed).toEqual([Y(12_000), Y(12_000)]);
  });

  it("an exhausted 责任一 pool does not reduce 责任三's", () => {
    const p = person(WS);
    p.run({ setlId: "S1", inScope: Y(20_000), setlTime: "2023-10-01 10:00:00" });
    const b = p.run({ setlId: "S2", fullOwnPay: Y(20_000), setlTime: "2023-11-01 10:00:00" });
    expect(lineOf(b, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(1_600) });
  });

  it("cap 1,000,000: (5,100,000 − 12,000) × 20% = 1,017,600 → 1,000,000", () => {
    const a = person(WS).run({ setlId: "S1", fullOwnPay: Y(5_100_000) });
    const line = lineOf(a, "inpatient_out_of_scope");
    expect(line.computed).toBe(Y(1_017_600));
    expect(line.payout).toBe(Y(1_000_000));
    expect(line.limits.map((l) => l.kind)).toEqual(["liability"]);
  });

  it("20% includes pre-existing", () => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis: "C50.900", setlTime: "2022-05-01 10:00:00" }]);
    expect(p.run({ setlId: "S1", fullOwnPay: Y(50_000) }).hmbPay).toBe(Y(7_600));
  });
});

describe("文山 责任二 special_drug: catalog via feedetail, designated institutions, no deductible, 80%", () => {
  it("pharmacy purchase (med_type 41) of a catalog drug at a designated pharmacy: 100,000 × 80% = 80,000", () => {
    const p = person(WS);
    const a = p.run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    expect(a.lines.map((l) => l.liabilityId)).toEqual(["special_drug"]);
    const line = lineOf(a, "special_drug");
    expect(line).toMatchObject({ eligible: Y(100_000), deductible: 0, payout: Y(80_000) });
    expect(a.status).toBe("paid");
    expect(a.hmbPay).toBe(Y(80_000));
    expect(p.acc.deductibleUsed).toEqual([0, 0]);
  });

  it("has no deductible: the very first 1,000 of drugs pays 800", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      inScope: Y(1_000),
      items: [{ code: DRUG, amount: Y(1_000) }],
    });
    expect(a.hmbPay).toBe(Y(800));
  });

  it("sums several catalog items and ignores items outside the catalog", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(110_000),
      items: [
        { code: DRUG, amount: Y(60_000) },
        { code: DRUG2, amount: Y(40_000) },
        { code: "NOT-IN-CATALOG", amount: Y(10_000) },
      ],
    });
    const line = lineOf(a, "special_drug");
    expect(line.eligible).toBe(Y(100_000));
    expect(line.payout).toBe(Y(80_000));
    expect(line.items.map((i) => [i.code, i.payout])).toEqual([
      [DRUG, Y(48_000)],
      [DRUG2, Y(32_000)],
    ]);
  });

  it("inpatient with catalog drugs at a designated hospital: the drug amount is paid once, by 责任二", () => {
    // 50,000 in scope; 100,000 全自费 that is entirely the catalog drug.
    const p = person(WS);
    const a = p.run({
      setlId: "S1",
      institution: WS_HOSPITAL,
      inScope: Y(50_000),
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    expect(lineOf(a, "special_drug").payout).toBe(Y(80_000));
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(Y(30_400));
    expect(lineOf(a, "inpatient_out_of_scope").payout).toBe(0);
    expect(a.hmbPay).toBe(Y(110_400));
    expect(a.hmbPay).toBeLessThanOrEqual(a.personBurden);
  });

  it("a non-designated pharmacy is not paid by 责任二", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: "P53269999999",
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    const line = lineOf(a, "special_drug");
    expect(line.outcome).toEqual({ kind: "not_designated_institution", institution: "P53269999999" });
    expect(line.payout).toBe(0);
    expect(a.hmbPay).toBe(0);
    expect(a.status).not.toBe("paid");
  });

  it("a drug outside the catalog pays nothing", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: "NOT-IN-CATALOG", amount: Y(100_000) }],
    });
    expect(a.hmbPay).toBe(0);
    expect(a.status).not.toBe("paid");
  });

  it.each([
    ["leukaemia", "C91.000"],
    ["lymphoma", "C83.300"],
    ["lung cancer", "C34.900"],
    ["first code of the range", "C00.0"],
    ["last code of the range", "C97"],
  ])("pre-existing malignant tumour (%s, %s) before coverage start excludes 责任二", (_, diagnosis) => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis, setlTime: "2023-05-01 10:00:00" }]);
    expect(p.terms.preExisting).toEqual([true]);
    const a = p.run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    expect(a.status).toBe("not_covered");
    expect(a.reason).toBe("excluded");
    expect(a.hmbPay).toBe(0);
    expect(lineOf(a, "special_drug").outcome.kind).toBe("excluded_pre_existing");
    expect(p.acc.paidTotal).toBe(0);
  });

  it.each([
    ["stroke", "I63.900"],
    ["carcinoma in situ (D00, not malignant)", "D00.000"],
    ["benign neoplasm", "D12.600"],
    ["secondary code just past the range", "D01.000"],
  ])("a non-tumour history (%s) is not excluded", (_, diagnosis) => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis, setlTime: "2023-05-01 10:00:00" }]);
    expect(p.terms.preExisting).toEqual([false]);
    const a = p.run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    expect(a.hmbPay).toBe(Y(80_000));
  });

  it("the exclusion applies to 责任二 only: an inpatient stay with drugs still pays 责任一", () => {
    const p = person(WS, undefined, [{ setlId: "H", diagnosis: "C91.000", setlTime: "2023-05-01 10:00:00" }]);
    const a = p.run({
      setlId: "S1",
      institution: WS_HOSPITAL,
      inScope: Y(50_000),
      fullOwnPay: Y(100_000),
      items: [{ code: DRUG, amount: Y(100_000) }],
    });
    expect(lineOf(a, "special_drug").payout).toBe(0);
    expect(lineOf(a, "special_drug").outcome.kind).toBe("excluded_pre_existing");
    expect(lineOf(a, "inpatient_in_scope").payout).toBe(Y(30_400));
    expect(a.status).toBe("paid");
  });

  it("has no cap of its own: (2,600,000) × 80% = 2,080,000 is paid in full", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(2_600_000),
      items: [{ code: DRUG, amount: Y(2_600_000) }],
    });
    expect(a.hmbPay).toBe(Y(2_080_000));
    expect(lineOf(a, "special_drug").limits).toEqual([]);
  });

  it("is capped only by the 3,000,000 annual total: 4,000,000 × 80% = 3,200,000 → 3,000,000", () => {
    const a = person(WS).run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(4_000_000),
      items: [{ code: DRUG, amount: Y(4_000_000) }],
    });
    const line = lineOf(a, "special_drug");
    expect(line.computed).toBe(Y(3_200_000));
    expect(line.payout).toBe(Y(3_000_000));
    expect(line.limits).toEqual([
      expect.objectContaining({ kind: "annual_total", limit: Y(3_000_000), cut: Y(200_000) }),
    ]);
  });
});

describe("文山 annual total 3,000,000 across liabilities", () => {
  it("责任一 at its cap, then 责任二 gets only the rest, then 责任三 gets nothing", () => {
    const p = person(WS);
    const a = p.run({ setlId: "S1", inScope: Y(2_512_000), setlTime: "2023-10-01 10:00:00" });
    expect(a.hmbPay).toBe(Y(2_000_000)); // exactly (2,512,000 − 12,000) × 80%
    const b = p.run({
      setlId: "S2",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(1_500_000),
      items: [{ code: DRUG, amount: Y(1_500_000) }],
      setlTime: "2023-11-01 10:00:00",
    });
    expect(lineOf(b, "special_drug").computed).toBe(Y(1_200_000));
    expect(b.hmbPay).toBe(Y(1_000_000));
    expect(lineOf(b, "special_drug").limits[0]).toMatchObject({
      kind: "annual_total",
      remainingBefore: Y(1_000_000),
    });
    const c = p.run({ setlId: "S3", fullOwnPay: Y(100_000), setlTime: "2023-12-01 10:00:00" });
    expect(lineOf(c, "inpatient_out_of_scope").computed).toBe(Y(17_600));
    expect(c.hmbPay).toBe(0);
    expect(lineOf(c, "inpatient_out_of_scope").limits.map((l) => l.kind)).toContain("annual_total");
    expect(p.acc.paidTotal).toBe(Y(3_000_000));
  });
});

describe("文山 med_type coverage", () => {
  it.each(["11", "14"])(
    "med_type %s without catalog items is not covered (med_type_not_covered)",
    (medType) => {
      const a = person(WS).run({ setlId: "S1", medType, inScope: Y(50_000) });
      expect(a.status).toBe("not_covered");
      expect(a.reason).toBe("med_type_not_covered");
      expect(a.hmbPay).toBe(0);
    },
  );

  it("med_type 41 without catalog items is not covered", () => {
    const a = person(WS).run({ setlId: "S1", medType: "41", institution: WS_PHARMACY, inScope: Y(5_000) });
    expect(a).toMatchObject({ status: "not_covered", reason: "med_type_not_covered", hmbPay: 0 });
  });
});
