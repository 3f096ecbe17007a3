/**
 * `hmb adjudicate` through the real binary (bin/hmb.js → dist): one JSON result per input line in input
 * order, the fixed key set, yuan as 2-decimal strings, exit 0 / 2, file and stdin input.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CX_AWAY, CX_LOCAL, jsonl, record, Y } from "./fixtures.js";
import { buildCli } from "./support/cli.js";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "hmb.js");
let dir = "";

beforeAll(() => {
  // The binary runs the current sources: built only when older than them (support/cli.ts).
  buildCli();
  dir = mkdtempSync(join(tmpdir(), "hmb-cli-"));
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  results: Record<string, unknown>[];
}

function hmb(args: string[], stdin?: string): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input: stdin ?? "", encoding: "utf8" });
  const lines = r.stdout === "" ? [] : r.stdout.replace(/\n$/, "").split("\n");
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, results: lines.map((l) => JSON.parse(l)) };
}

let fileCounter = 0;
function file(content: string): string {
  const path = join(dir, `in-${fileCounter++}.jsonl`);
  writeFileSync(path, content);
  return path;
}

const AMOUNT = /^\d+\.\d{2}$/;
const RESULT_KEYS = ["hmb_pay", "lines", "psn_no", "setl_id", "status"];
const LINE_KEYS = ["deductible", "eligible", "explanation", "liability", "payout", "ratio"];

function checkShape(r: Record<string, unknown>): void {
  const keys = Object.keys(r).sort();
  if (r.status === "error") {
    expect(keys).toEqual(["error", ...RESULT_KEYS]);
    expect(r.hmb_pay).toBe("0.00");
    expect(r.lines).toEqual([]);
    expect(Object.keys(r.error as object).sort()).toEqual(["code", "field", "message"]);
    return;
  }
  expect(["paid", "zero", "not_covered"]).toContain(r.status);
  expect(keys).toEqual(r.status === "not_covered" ? [...RESULT_KEYS, "reason"].sort() : RESULT_KEYS);
  expect(r.hmb_pay).toMatch(AMOUNT);
  for (const line of r.lines as Record<string, unknown>[]) {
    expect(Object.keys(line).sort()).toEqual(LINE_KEYS);
    for (const k of ["eligible", "deductible", "payout"]) expect(line[k]).toMatch(AMOUNT);
    expect(line.ratio).toMatch(/^\d\.\d{2,4}$/);
    expect(typeof line.explanation).toBe("string");
    expect(line.explanation).toMatch(/[\u4e00-\u9fff]/);
  }
}

const WENSHAN_LINES = [
  // PA's second event listed first: it must still be adjudicated after PA's first.
  jsonl({ setlId: "A-late", psnNo: "PA", inScope: Y(10_000), setlTime: "2023-11-01 10:00:00" }),
  jsonl({ setlId: "B1", psnNo: "PB", inScope: Y(50_000), fullOwnPay: Y(30_000), overLimit: Y(20_000) }),
  jsonl({ setlId: "Z-early", psnNo: "PA", inScope: Y(10_000), setlTime: "2023-10-01 10:00:00" }),
  jsonl({ setlId: "C1", psnNo: "PC", inScope: Y(50_000), setlTime: "2023-03-01 10:00:00" }), // before coverage
  jsonl({ setlId: "D1", psnNo: "PD", inScope: Y(50_000), medType: "11" }),
];

function checkWenshan(results: Record<string, unknown>[]): void {
  expect(results.map((r) => r.setl_id)).toEqual(["A-late", "B1", "Z-early", "C1", "D1"]);
  for (const r of results) checkShape(r);
  const [aLate, b1, zEarly, c1, d1] = results;
  expect(zEarly).toMatchObject({ status: "zero", hmb_pay: "0.00" });
  expect(aLate).toMatchObject({ status: "paid", hmb_pay: "6400.00", psn_no: "PA" });
  expect(b1).toMatchObject({ status: "paid", hmb_pay: "38000.00" });
  expect(b1?.lines).toEqual([
    expect.objectContaining({
      liability: "inpatient_in_scope",
      eligible: "50000.00",
      deductible: "12000.00",
      ratio: "0.80",
      payout: "30400.00",
      explanation: expect.stringContaining("(50000.00 − 12000.00) × 80%"),
    }),
    expect.objectContaining({
      liability: "inpatient_out_of_scope",
      eligible: "50000.00",
      deductible: "12000.00",
      ratio: "0.20",
      payout: "7600.00",
    }),
  ]);
  expect(c1).toMatchObject({
    status: "not_covered",
    reason: "outside_coverage_period",
    hmb_pay: "0.00",
    lines: [],
  });
  expect(d1).toMatchObject({ status: "not_covered", reason: "med_type_not_covered", hmb_pay: "0.00" });
}

describe("hmb adjudicate", () => {
  it("--input <file>: one result per line, in input order, exit 0 when every line is valid", () => {
    const r = hmb([
      "adjudicate",
      "--product",
      "wenshan-2023",
      "--input",
      file(`${WENSHAN_LINES.join("\n")}\n`),
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(r.stdout.split("\n")).toHaveLength(WENSHAN_LINES.length + 1);
    checkWenshan(r.results);
  });

  it("--input - reads standard input and gives the same output", () => {
    const input = `${WENSHAN_LINES.join("\n")}\n`;
    const viaStdin = hmb(["adjudicate", "--product", "wenshan-2023", "--input", "-"], input);
    expect(viaStdin.status).toBe(0);
    checkWenshan(viaStdin.results);
    const viaFile = hmb(["adjudicate", "--product", "wenshan-2023", "--input", file(input)]);
    expect(viaStdin.stdout).toBe(viaFile.stdout);
  });

  it("CRLF line endings and a missing final newline change nothing", () => {
    const lf = hmb([
      "adjudicate",
      "--product",
      "wenshan-2023",
      "--input",
      file(`${WENSHAN_LINES.join("\n")}\n`),
    ]);
    const crlf = hmb([
      "adjudicate",
      "--product",
      "wenshan-2023",
      "--input",
      file(WENSHAN_LINES.join("\r\n")),
    ]);
    expect(crlf.status).toBe(0);
    expect(crlf.stdout).toBe(lf.stdout);
  });

  it("exit 2 when some lines are errors; the valid lines are still adjudicated", () => {
    const bad = { ...record({ setlId: "BAD", psnNo: "PA", inScope: Y(90_000) }), psn_part_amt: "1.00" };
    const input = [
      WENSHAN_LINES[0],
      JSON.stringify(bad),
      "not json at all",
      "",
      WENSHAN_LINES[1],
      WENSHAN_LINES[2],
      JSON.stringify({ ...record({ setlId: "NEG", psnNo: "PE" }), hifp_pay: "-3.00" }),
    ].join("\n");
    const r = hmb(["adjudicate", "--product", "wenshan-2023", "--input", file(`${input}\n`)]);
    expect(r.status).toBe(2);
    expect(r.results).toHaveLength(7);
    for (const x of r.results) checkShape(x);
    expect(r.results.map((x) => x.status)).toEqual([
      "paid",
      "error",
      "error",
      "error",
      "paid",
      "zero",
      "error",
    ]);
    expect(r.results[1]).toMatchObject({
      setl_id: "BAD",
      psn_no: "PA",
      error: { code: "inconsistent_amounts", field: "psn_part_amt" },
    });
    expect(r.results[2]).toMatchObject({ setl_id: "", error: { code: "invalid_json" } });
    expect(r.results[6]).toMatchObject({
      setl_id: "NEG",
      error: { code: "invalid_amount", field: "hifp_pay" },
    });
    // The rejected PA line consumed nothing: PA's results are as without it.
    expect(r.results[0]).toMatchObject({ setl_id: "A-late", hmb_pay: "6400.00" });
    expect(r.results[4]).toMatchObject({ setl_id: "B1", hmb_pay: "38000.00" });
  });

  it("--plan plus on chuxiong-2023 uses the plus plan; the default is the first plan (basic)", () => {
    const input = `${[
      jsonl({ setlId: "L1", psnNo: "P1", inScope: Y(50_000), region: CX_LOCAL }),
      jsonl({ setlId: "R1", psnNo: "P2", inScope: Y(50_000), region: CX_AWAY }),
      jsonl({
        setlId: "T1",
        psnNo: "P3",
        region: CX_LOCAL,
        fullOwnPay: Y(100_000),
        items: [{ code: "SAMPLE-CART-01", amount: Y(100_000) }],
      }),
    ].join("\n")}\n`;
    const plus = hmb(["adjudicate", "--product", "chuxiong-2023", "--plan", "plus", "--input", file(input)]);
    expect(plus.status).toBe(0);
    for (const x of plus.results) checkShape(x);
    expect(plus.results[0]).toMatchObject({ hmb_pay: "32000.00" }); // (50,000 − 10,000) × 80%
    expect(plus.results[1]).toMatchObject({ hmb_pay: "24000.00" }); // (50,000 − 10,000) × 60%
    const lines = plus.results[2]?.lines as { liability: string; ratio: string }[];
    expect(lines.map((l) => l.liability)).toContain("car_t");
    expect(lines.find((l) => l.liability === "car_t")?.ratio).toBe("0.50");

    const basic = hmb(["adjudicate", "--product", "chuxiong-2023", "--input", file(input)]);
    expect(basic.status).toBe(0);
    expect(basic.results[0]).toMatchObject({ hmb_pay: "29600.00" }); // (50,000 − 13,000) × 80%
    expect(basic.results[1]).toMatchObject({ hmb_pay: "22200.00" }); // × 60%
    const basicLines = basic.results[2]?.lines as { liability: string }[];
    expect(basicLines.map((l) => l.liability)).not.toContain("car_t");
  });

  it("an empty input gives empty output and exit 0", () => {
    const r = hmb(["adjudicate", "--product", "wenshan-2023", "--input", file("")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
  });

  it("an unknown product exits non-zero with a message on stderr and no output", () => {
    const r = hmb(["adjudicate", "--product", "atlantis-2023", "--input", file(`${WENSHAN_LINES[0]}\n`)]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toMatch(/atlantis-2023/);
    expect(r.stdout).toBe("");
  });

  it("an unknown plan exits non-zero with a message on stderr", () => {
    const r = hmb(["adjudicate", "--product", "chuxiong-2023", "--plan", "gold", "--input", file("")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/gold/);
  });

  it("a missing input file exits non-zero with a message on stderr", () => {
    const r = hmb(["adjudicate", "--product", "wenshan-2023", "--input", join(dir, "nope.jsonl")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/nope\.jsonl/);
  });
});
