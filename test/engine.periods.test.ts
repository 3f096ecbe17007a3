/**
 * Time windows: pre-existing conditions by both product rules (楚雄 prior fund payment in
 * [coverage start − 2 years, coverage start) on setl_time; 文山 malignant-tumour diagnosis before coverage
 * start) and the coverage period decided by admission time (begntime, setl_time when absent).
 */
import { describe, expect, it } from "vitest";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { getProduct } from "../src/products/index.js";
import { CX_LOCAL, jsonl, person, type RecordSpec, settlement, Y } from "./fixtures.js";

const CX = "chuxiong-2023";
const WS = "wenshan-2023";

function flags(productId: string, history: RecordSpec[]): boolean[] {
  const plan = compilePlan(getProduct(productId));
  return derivePreExisting(plan, plan.coverage.start, history.map(settlement));
}

describe("楚雄 pre-existing: hifmi_pay > 0 or hifob_pay > 0 with setl_time in [2021-01-01 00:00, 2023-01-01 00:00)", () => {
  const h = (setlTime: string, funds: Partial<RecordSpec>): RecordSpec => ({
    setlId: `H-${setlTime}`,
    setlTime,
    region: CX_LOCAL,
    inScope: Y(1_000),
    ...funds,
  });

  it.each([
    ["2021-01-01 00:00:00", { criticalIllness: 1 }, true], // window start, inclusive; even 1 fen counts
    ["2020-12-31 23:59:59", { criticalIllness: Y(50_000) }, false], // one second before the window
    ["2022-12-31 23:59:59", { criticalIllness: Y(50_000) }, true], // last second before coverage
    ["2022-06-01 10:00:00", { largeAmount: Y(10_000) }, true], // hifob_pay counts too
    ["2023-01-01 00:00:00", { criticalIllness: Y(50_000) }, false], // at coverage start: not history
    ["2023-06-01 10:00:00", { criticalIllness: Y(50_000) }, false], // during coverage
    ["2022-06-01 10:00:00", { pooled: Y(500_000) }, false], // only 统筹 paid: not a severe prior
  ] as const)("settled %s with %o → pre-existing %s", (setlTime, funds, expected) => {
    expect(flags(CX, [h(setlTime, funds)])).toEqual([expected]);
  });

  it("the window is on setl_time, not on admission", () => {
    // Admitted before the window, settled inside it: counts.
    expect(
      flags(CX, [h("2021-01-02 10:00:00", { criticalIllness: 100, begntime: "2020-12-01 10:00:00" })]),
    ).toEqual([true]);
  });

  it("no history → not pre-existing; any one qualifying settlement among others suffices", () => {
    expect(flags(CX, [])).toEqual([false]);
    expect(
      flags(CX, [
        h("2019-05-01 10:00:00", { criticalIllness: Y(9_000) }),
        h("2021-05-01 10:00:00", { pooled: Y(9_000) }),
        h("2022-05-01 10:00:00", { largeAmount: 1 }),
      ]),
    ).toEqual([true]);
  });

  it("through the batch: a history line inside the window changes ① from 80% to 70%", () => {
    const run = (historyTime: string) => {
      const batch = new AdjudicationBatch(compilePlan(getProduct(CX), "basic"));
      batch.add(jsonl(h(historyTime, { criticalIllness: Y(20_000) })));
      batch.add(
        jsonl({ setlId: "S1", inScope: Y(50_000), region: CX_LOCAL, setlTime: "2023-05-01 10:00:00" }),
      );
      const [history, event] = batch.run();
      expect(history).toMatchObject({ kind: "result", adjudication: { reason: "outside_coverage_period" } });
      return event?.kind === "result" ? event.adjudication.hmbPay : -1;
    };
    expect(run("2021-01-01 00:00:00")).toBe(Y(25_900)); // (50,000 − 13,000) × 70%
    expect(run("2020-12-31 23:59:59")).toBe(Y(29_600)); // × 80%
  });

  it("through the batch: 大病保险 paid during coverage does not make later events pre-existing", () => {
    const batch = new AdjudicationBatch(compilePlan(getProduct(CX), "basic"));
    batch.add(
      jsonl({
        setlId: "S1",
        inScope: Y(13_000),
        criticalIllness: Y(50_000),
        region: CX_LOCAL,
        setlTime: "2023-02-01 10:00:00",
      }),
    );
    batch.add(jsonl({ setlId: "S2", inScope: Y(10_000), region: CX_LOCAL, setlTime: "2023-05-01 10:00:00" }));
    const out = batch.run();
    expect(out[1]).toMatchObject({ kind: "result", adjudication: { hmbPay: Y(8_000) } }); // 10,000 × 80%
  });
});

describe("文山 pre-existing: malignant tumour diagnosis (C00–C97) before 2023-09-01 00:00", () => {
  const h = (setlTime: string, diagnosis: string): RecordSpec => ({
    setlId: `H-${setlTime}`,
    setlTime,
    diagnosis,
  });

  it.each([
    ["2023-08-31 23:59:59", "C91.000", true],
    ["2023-09-01 00:00:00", "C91.000", false],
    ["2024-01-01 00:00:00", "C83.300", false],
    ["2010-01-01 00:00:00", "C83.300", true], // no look-back limit
    ["2023-08-01 10:00:00", "c50.900", true], // lower-case codes are still ICD-10
    ["2023-08-01 10:00:00", "B99", false],
    ["2023-08-01 10:00:00", "D00.000", false],
  ] as const)("settled %s with %s → %s", (setlTime, diagnosis, expected) => {
    expect(flags(WS, [h(setlTime, diagnosis)])).toEqual([expected]);
  });

  it("a history record without diagnosis does not count", () => {
    const rec: RecordSpec = { setlId: "H", setlTime: "2023-05-01 10:00:00", extra: { dise_codg: undefined } };
    expect(flags(WS, [rec])).toEqual([false]);
  });
});

describe("coverage period: admission (begntime) decides, setl_time when begntime is absent", () => {
  const covered = (productId: string, begntime: string | null, setlTime: string, region?: string) => {
    const a = person(productId, undefined).run({
      setlId: "S1",
      inScope: Y(22_000),
      begntime,
      setlTime,
      region,
    });
    return a.reason === "outside_coverage_period" ? "outside" : a.hmbPay > 0 ? "covered" : a.status;
  };

  it.each([
    ["2023-09-01 00:00:00", "2023-09-05 10:00:00", "covered"], // admitted at coverage start
    ["2023-08-31 23:59:59", "2023-09-05 10:00:00", "outside"], // one second before, settled inside
    ["2024-08-31 23:59:59", "2024-09-03 10:00:00", "covered"], // last second, settled after the end
    ["2024-09-01 00:00:00", "2024-09-03 10:00:00", "outside"],
    ["2023-03-01 10:00:00", "2023-03-10 10:00:00", "outside"],
  ])("文山: begntime %s, setl_time %s → %s", (begntime, setlTime, expected) => {
    expect(covered(WS, begntime, setlTime)).toBe(expected);
  });

  it.each([
    ["2023-08-31 23:59:59", "outside"],
    ["2023-09-01 00:00:00", "covered"],
    ["2024-08-31 23:59:59", "covered"],
    ["2024-09-01 00:00:00", "outside"],
  ])("文山: no begntime, setl_time %s → %s", (setlTime, expected) => {
    expect(covered(WS, null, setlTime)).toBe(expected);
  });

  it.each([
    ["2023-01-01 00:00:00", "covered"],
    ["2022-12-31 23:59:59", "outside"],
    ["2023-12-31 23:59:59", "covered"],
    ["2024-01-01 00:00:00", "outside"],
  ])("楚雄: begntime %s → %s", (begntime, expected) => {
    expect(covered(CX, begntime, "2024-01-05 10:00:00", CX_LOCAL)).toBe(expected);
  });

  it("an event outside coverage pays nothing, has no lines and leaves the accumulators alone", () => {
    const p = person(WS);
    const a = p.run({
      setlId: "S1",
      inScope: Y(50_000),
      fullOwnPay: Y(50_000),
      begntime: "2023-08-31 23:59:59",
      setlTime: "2023-09-05 10:00:00",
    });
    expect(a).toMatchObject({
      status: "not_covered",
      reason: "outside_coverage_period",
      hmbPay: 0,
      lines: [],
    });
    expect(p.acc.deductibleUsed).toEqual([0, 0]);
    expect(p.acc.paidTotal).toBe(0);
  });
});
