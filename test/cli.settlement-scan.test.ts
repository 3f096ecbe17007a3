/**
 * The byte-level fast path of the parallel `hmb adjudicate` / `hmb replay` workers (src/cli/settlement-scan.ts)
 * must give exactly what `parseSettlementLine` gives, or step aside (undefined) and let it decide: over
 * synthetic files (valid and deliberately broken lines), over hand-made edge cases of every kind the fast path
 * must refuse or read alike, and over random byte mutations of real lines.
 */
import { describe, expect, it } from "vitest";
import { scanSettlementLine } from "../src/cli/settlement-scan.js";
import { parseSettlementLine } from "../src/domain/settlement.js";
import type { Adjudication } from "../src/engine/adjudicate.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { toWireResult, wireResultJson } from "../src/engine/wire.js";
import { getProduct } from "../src/products/index.js";
import { synthesizeSettlements } from "../src/synth/settlements.js";

function synthLines(productId: string, persons: number, seed: number, invalidRate: number): string[] {
  const out: string[] = [];
  const gen = synthesizeSettlements({ product: getProduct(productId), persons, seed, invalidRate });
  for (;;) {
    const next = gen.next();
    if (next.done === true) break;
    for (const line of next.value.split("\n")) if (line !== "") out.push(line);
  }
  return out;
}

/** Checks one line both ways; returns whether the fast path took it. */
function agree(line: string | Uint8Array): boolean {
  const bytes = typeof line === "string" ? Buffer.from(line, "utf8") : Buffer.from(line);
  // At an offset inside a larger buffer, as the workers read lines out of shared read buffers.
  const padded = Buffer.concat([Buffer.from("xx\n"), bytes, Buffer.from("\nyy")]);
  const fast = scanSettlementLine(padded, 3, 3 + bytes.length);
  if (fast === undefined) return false;
  const slow = parseSettlementLine(bytes.toString("utf8"));
  if (!slow.ok)
    throw new Error(`fast path accepted a line the parser rejects (${slow.error.code}): ${bytes}`);
  expect(fast).toStrictEqual(slow.settlement);
  expect(Object.keys(fast)).toEqual(Object.keys(slow.settlement));
  return true;
}

/** Deterministic xorshift. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("settlement byte scan (fast path of the parallel workers)", () => {
  const lines = [
    ...synthLines("wenshan-2023", 3000, 7, 0.05),
    ...synthLines("wenshan-2024-draft", 1500, 8, 0.05),
  ];
  const base = lines.find((l) => !l.includes("feedetail") && parseSettlementLine(l).ok) as string;

  it("reads synthetic files exactly as parseSettlementLine, taking nearly every valid line", () => {
    let valid = 0;
    let fast = 0;
    let refusedWithDetail = 0;
    for (const line of lines) {
      if (parseSettlementLine(line).ok) valid++;
      if (agree(line)) fast++;
      else if (line.includes('"feedetail":[')) refusedWithDetail++;
    }
    expect(lines.length).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(lines.length); // the broken lines are there
    expect(fast).toBeGreaterThan((valid - refusedWithDetail) * 0.99);
  });

  it("refuses or agrees on edge cases of every field", () => {
    const raw = JSON.parse(base) as Record<string, unknown>;
    const variants: string[] = [];
    const set = (field: string, value: unknown) => JSON.stringify({ ...raw, [field]: value });
    const values: unknown[] = [
      "",
      null,
      0,
      12,
      1.5,
      true,
      [],
      {},
      "1.5",
      "12.30",
      "7",
      "0",
      " 1.00",
      "1.00 ",
      "1.005",
      "1e2",
      "01.50",
      "1.",
      ".5",
      "-1.00",
      "99999999999.99",
      "999999999.99",
      "1000000000.00",
      "2023-02-30 10:00:00",
      "2023-02-28 24:00:00",
      "2023-02-28 24:00:01",
      "1999-12-31 23:59:59",
      "2100-01-01 00:00:00",
      "2023-06-01",
      "2023-06-01T08:00:00+08:00",
      "x".repeat(33),
      "x".repeat(65),
      "x".repeat(129),
      "名".repeat(64),
      "名".repeat(65),
      "名".repeat(129),
      "I10",
      "c50.900",
      "J18.900x001",
      "A17.000+",
      "532601",
      "53260",
      "310",
      "390",
      "391",
      "41",
      "constructor",
      "532621196201198066",
      "53262119620119806x",
      "53262119620119806X",
      "\u00e9",
      "\ud83d\ude00",
      "tab\there",
      'quote"d',
      "back\\slash",
    ];
    for (const field of [...Object.keys(raw), "feedetail", "brdy", "hmb_family_key", "unknown"])
      for (const v of values) variants.push(set(field, v));
    // Amounts that still add up, with optional payments present or cleared.
    variants.push(set("acct_pay", "0.00"), set("psn_cash_pay", ""), set("acct_pay", null));
    variants.push(JSON.stringify({ ...raw, feedetail: null }));
    variants.push(JSON.stringify(raw, null, 2), ` ${base} `, `\t${base}\r`, `\ufeff${base}`);
    variants.push(base.replace(/"setl_id":/, '"setl_id" : '), base.replace(/,/g, " , "));
    variants.push(`${base.slice(0, -1)},"setl_id":"X1"}`, `${base.slice(0, -1)},"psn_no":"5"}`);
    variants.push(
      base.replace('"setl_id"', '"setl\\u005fid"'),
      base.replace(/"psn_no":"(\d+)"/, '"psn_no":$1'),
    );
    variants.push(
      `${base}x`,
      `${base}}`,
      base.slice(0, -1),
      "{}",
      "[]",
      "null",
      "",
      " ",
      "{",
      base.replace("{", "[{"),
    );
    variants.push(base.replace(/"psn_name":"[^"]*"/, '"psn_name":"\u0001"'));
    let taken = 0;
    for (const v of variants) if (agree(v)) taken++;
    expect(taken).toBeGreaterThan(50);
    expect(taken).toBeLessThan(variants.length);
  });

  it("refuses or agrees under random byte mutations and invalid UTF-8", () => {
    const random = rng(20261204);
    const pool = lines.slice(0, 400);
    let taken = 0;
    let checked = 0;
    for (const line of pool) {
      const bytes = Buffer.from(line, "utf8");
      for (let m = 0; m < 25; m++) {
        const copy = Buffer.from(bytes);
        const edits = 1 + Math.floor(random() * 3);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(random() * copy.length);
          const kind = random();
          // Mostly plausible characters (digits, quotes, separators), some arbitrary bytes.
          const palette = [
            0x30, 0x31, 0x39, 0x2e, 0x22, 0x2c, 0x3a, 0x20, 0x5c, 0x7d, 0x6e, 0x78, 0xe5, 0x80, 0xff,
          ];
          copy[at] =
            kind < 0.8
              ? (palette[Math.floor(random() * palette.length)] as number)
              : Math.floor(random() * 256);
        }
        checked++;
        if (agree(copy)) taken++;
      }
    }
    expect(checked).toBe(pool.length * 25);
    expect(taken).toBeGreaterThan(0);
  });

  it("writes each result as JSON.stringify(toWireResult(…)) would, byte for byte", () => {
    let paid = 0;
    let checked = 0;
    for (const product of ["wenshan-2023", "wenshan-2024-draft"]) {
      const batch = new AdjudicationBatch(compilePlan(getProduct(product)));
      for (const line of lines) batch.add(line);
      for (const entry of batch.drain()) {
        if (entry.kind !== "result") continue;
        const a = entry.adjudication;
        checked++;
        if (a.lines.length > 0) paid++;
        expect(wireResultJson(a)).toBe(JSON.stringify(toWireResult(a)));
        expect(wireResultJson(a, "en")).toBe(JSON.stringify(toWireResult(a, "en")));
      }
    }
    expect(paid).toBeGreaterThan(100);
    // Texts JSON.stringify escapes: quotes, backslashes, control characters, lone surrogates.
    const a: Adjudication = {
      setlId: 'a"b\\c\u0001',
      psnNo: "\ud800x",
      status: "not_covered",
      reason: "no_policy",
      hmbPay: 0,
      personBurden: 0,
      lines: [],
    };
    expect(wireResultJson(a)).toBe(JSON.stringify(toWireResult(a)));
    expect(wireResultJson({ ...a, psnNo: "\ud83d\ude00", reason: undefined, status: "zero" })).toBe(
      JSON.stringify(toWireResult({ ...a, psnNo: "\ud83d\ude00", reason: undefined, status: "zero" })),
    );
    expect(checked).toBeGreaterThan(1000);
  });
});
