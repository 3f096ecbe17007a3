/**
 * AdjudicationBatch (what `hmb adjudicate` runs): each person's events in setl_time order whatever the
 * input order, ties by setl_id; accumulators carried across a person's events; results in input order;
 * rejected lines reported and changing nothing.
 */
import { describe, expect, it } from "vitest";
import type { Adjudication } from "../src/engine/adjudicate.js";
import { AdjudicationBatch, type BatchEntry } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { getProduct } from "../src/products/index.js";
import { CX_LOCAL, jsonl, record, TEST_CERTNO, Y } from "./fixtures.js";

function runBatch(productId: string, lines: string[], planId?: string): BatchEntry[] {
  const batch = new AdjudicationBatch(compilePlan(getProduct(productId), planId));
  for (const line of lines) batch.add(line);
  const out = batch.run();
  expect(out).toHaveLength(lines.length);
  return out;
}

function adj(entry: BatchEntry | undefined): Adjudication {
  if (entry?.kind !== "result") throw new Error(`expected a result, got ${JSON.stringify(entry)}`);
  return entry.adjudication;
}

function bySetlId(entries: BatchEntry[]): Map<string, BatchEntry> {
  const map = new Map<string, BatchEntry>();
  for (const e of entries) map.set(e.kind === "result" ? e.adjudication.setlId : `error:${e.setlId}`, e);
  return map;
}

describe("event order", () => {
  it("processes a person's events in setl_time order even when the file is out of order", () => {
    // setl_ids deliberately sort the other way round from the times.
    const out = runBatch("wenshan-2023", [
      jsonl({ setlId: "A-late", inScope: Y(10_000), setlTime: "2023-11-01 10:00:00" }),
      jsonl({ setlId: "Z-early", inScope: Y(10_000), setlTime: "2023-10-01 10:00:00" }),
    ]);
    // Results come back in input order.
    expect(out.map((e) => adj(e).setlId)).toEqual(["A-late", "Z-early"]);
    // The early one consumed 10,000 of the 12,000 deductible; the late one pays (10,000 − 2,000) × 80%.
    expect(adj(out[1]).hmbPay).toBe(0);
    expect(adj(out[1]).lines[0]?.deductible).toBe(Y(10_000));
    expect(adj(out[0]).lines[0]?.deductible).toBe(Y(2_000));
    expect(adj(out[0]).hmbPay).toBe(Y(6_400));
  });

  it("breaks setl_time ties by setl_id", () => {
    const t = "2023-10-01 10:00:00";
    const out = runBatch("wenshan-2023", [
      jsonl({ setlId: "T2", inScope: Y(10_000), setlTime: t }),
      jsonl({ setlId: "T1", inScope: Y(10_000), setlTime: t }),
    ]);
    expect(adj(out[1])).toMatchObject({ setlId: "T1", hmbPay: 0 });
    expect(adj(out[0])).toMatchObject({ setlId: "T2", hmbPay: Y(6_400) });
  });

  it("orders on setl_time, not on admission time", () => {
    // Admitted earlier but settled later: it comes second.
    const out = runBatch("wenshan-2023", [
      jsonl({
        setlId: "S1",
        inScope: Y(10_000),
        begntime: "2023-09-10 10:00:00",
        setlTime: "2023-10-20 10:00:00",
      }),
      jsonl({
        setlId: "S2",
        inScope: Y(10_000),
        begntime: "2023-09-20 10:00:00",
        setlTime: "2023-09-25 10:00:00",
      }),
    ]);
    expect(adj(out[1]).hmbPay).toBe(0);
    expect(adj(out[0]).hmbPay).toBe(Y(6_400));
  });

  it("carries caps across a person's events in time order, not file order", () => {
    const out = runBatch("wenshan-2023", [
      jsonl({ setlId: "S3", inScope: Y(100_000), setlTime: "2023-12-01 10:00:00" }),
      jsonl({ setlId: "S1", inScope: Y(1_512_000), setlTime: "2023-10-01 10:00:00" }),
      jsonl({ setlId: "S2", inScope: Y(1_100_000), setlTime: "2023-11-01 10:00:00" }),
    ]);
    expect(adj(out[1]).hmbPay).toBe(Y(1_200_000)); // (1,512,000 − 12,000) × 80%
    expect(adj(out[2]).hmbPay).toBe(Y(800_000)); // 880,000 cut to what is left of 2,000,000
    expect(adj(out[0]).hmbPay).toBe(0);
  });

  it("keeps persons apart: another person's events do not touch this one's accumulators", () => {
    const out = runBatch("wenshan-2023", [
      jsonl({ setlId: "A1", psnNo: "PA", inScope: Y(50_000), setlTime: "2023-10-01 10:00:00" }),
      jsonl({ setlId: "B1", psnNo: "PB", inScope: Y(50_000), setlTime: "2023-10-02 10:00:00" }),
      jsonl({ setlId: "A2", psnNo: "PA", inScope: Y(10_000), setlTime: "2023-10-03 10:00:00" }),
    ]);
    expect(adj(out[0]).hmbPay).toBe(Y(30_400));
    expect(adj(out[1]).hmbPay).toBe(Y(30_400)); // PB still has its whole deductible
    expect(adj(out[2]).hmbPay).toBe(Y(8_000)); // PA's deductible is spent
  });
});

describe("rejected lines change nothing", () => {
  const good = [
    jsonl({ setlId: "A1", psnNo: "PA", inScope: Y(10_000), setlTime: "2023-10-01 10:00:00" }),
    jsonl({
      setlId: "B1",
      psnNo: "PB",
      inScope: Y(30_000),
      fullOwnPay: Y(20_000),
      setlTime: "2023-10-02 10:00:00",
    }),
    jsonl({ setlId: "A2", psnNo: "PA", inScope: Y(10_000), setlTime: "2023-10-03 10:00:00" }),
    jsonl({ setlId: "A3", psnNo: "PA", fullOwnPay: Y(30_000), setlTime: "2023-10-04 10:00:00" }),
  ];
  // Each would, if accepted, be PA's first event and consume PA's deductibles and caps.
  const early = {
    psnNo: "PA",
    inScope: Y(2_000_000),
    fullOwnPay: Y(2_000_000),
    setlTime: "2023-09-15 10:00:00",
  };
  const bad: [string, string, string][] = [
    [
      "negative amount",
      JSON.stringify({ ...record({ setlId: "X", ...early }), hifp_pay: "-1.00" }),
      "hifp_pay",
    ],
    [
      "not a number",
      JSON.stringify({ ...record({ setlId: "X", ...early }), medfee_sumamt: "lots" }),
      "medfee_sumamt",
    ],
    [
      "inconsistent psn_part_amt",
      JSON.stringify({ ...record({ setlId: "X", ...early }), psn_part_amt: "4000000.01" }),
      "psn_part_amt",
    ],
    [
      "bad certno",
      JSON.stringify({ ...record({ setlId: "X", ...early }), certno: `${TEST_CERTNO.slice(0, 17)}0` }),
      "certno",
    ],
    [
      "missing setl_time",
      JSON.stringify({ ...record({ setlId: "X", ...early }), setl_time: undefined }),
      "setl_time",
    ],
    ["not JSON", `{"setl_id":"X","psn_no":"PA",`, ""],
    ["blank line", "", ""],
  ];

  const baseline = bySetlId(runBatch("wenshan-2023", good));

  it.each(bad)("%s: reported with its field, other lines' results identical", (_, badLine, field) => {
    for (const position of [0, 2, 4]) {
      const lines = [...good.slice(0, position), badLine, ...good.slice(position)];
      const out = runBatch("wenshan-2023", lines);
      const entry = out[position];
      expect(entry?.kind).toBe("error");
      if (entry?.kind === "error") expect(entry.error.field).toBe(field);
      const results = bySetlId(out.filter((_, i) => i !== position));
      expect(results).toEqual(baseline);
    }
  });

  it("baseline sanity: PA's accumulators carry (A2 pays only after A1 used 10,000 of the deductible)", () => {
    expect(adj(baseline.get("A1")).hmbPay).toBe(0);
    expect(adj(baseline.get("A2")).hmbPay).toBe(Y(6_400));
    expect(adj(baseline.get("A3")).hmbPay).toBe(Y(3_600));
  });

  it("a rejected history line does not make the person pre-existing (楚雄)", () => {
    const history = record({
      setlId: "H",
      psnNo: "PA",
      setlTime: "2022-05-01 10:00:00",
      region: CX_LOCAL,
      inScope: Y(1_000),
      criticalIllness: Y(50_000),
    });
    const event = jsonl({
      setlId: "S1",
      psnNo: "PA",
      inScope: Y(50_000),
      region: CX_LOCAL,
      setlTime: "2023-05-01 10:00:00",
    });
    const withValid = runBatch("chuxiong-2023", [JSON.stringify(history), event], "basic");
    expect(adj(withValid[1]).hmbPay).toBe(Y(25_900)); // 70%: the valid history makes it pre-existing
    const invalid = { ...history, fund_pay_sumamt: "1.00" };
    const withInvalid = runBatch("chuxiong-2023", [JSON.stringify(invalid), event], "basic");
    expect(withInvalid[0]).toMatchObject({ kind: "error", error: { field: "fund_pay_sumamt" } });
    expect(adj(withInvalid[1]).hmbPay).toBe(Y(29_600)); // 80%
  });

  it("a duplicate setl_id is rejected and does not count twice", () => {
    const out = runBatch("wenshan-2023", [
      jsonl({ setlId: "S1", inScope: Y(10_000), setlTime: "2023-10-01 10:00:00" }),
      jsonl({ setlId: "S1", inScope: Y(50_000), setlTime: "2023-09-05 10:00:00" }),
      jsonl({ setlId: "S2", inScope: Y(10_000), setlTime: "2023-11-01 10:00:00" }),
    ]);
    expect(out[1]).toMatchObject({
      kind: "error",
      setlId: "S1",
      error: { code: "duplicate_setl_id", field: "setl_id" },
    });
    expect(adj(out[0]).hmbPay).toBe(0);
    expect(adj(out[2]).hmbPay).toBe(Y(6_400));
  });

  it("an error entry carries the ids it could read", () => {
    const out = runBatch("wenshan-2023", [
      JSON.stringify({ ...record({ setlId: "S9", psnNo: "P9" }), hifp_pay: -5 }),
    ]);
    expect(out[0]).toMatchObject({
      kind: "error",
      setlId: "S9",
      psnNo: "P9",
      error: { code: "invalid_amount", field: "hifp_pay" },
    });
  });
});
