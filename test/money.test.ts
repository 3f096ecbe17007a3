/** Money at the edges: yuan strings ↔ integer fen, and the normative round_half_up(base × bps / 10000). */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyRatio,
  formatPercent,
  formatRatio,
  formatYuan,
  MAX_FEN,
  parseYuan,
} from "../src/domain/money.js";

const ok = (fen: number) => ({ ok: true, fen });

describe("parseYuan", () => {
  it.each([
    ["0", 0],
    ["0.00", 0],
    ["0.01", 1],
    ["0.1", 10],
    ["12.3", 1_230],
    ["1.10", 110],
    ["123.45", 12_345],
    [" 5 ", 500],
    ["999999999.99", MAX_FEN - 1],
  ])("string %j → %i fen", (text, fen) => {
    expect(parseYuan(text)).toEqual(ok(fen));
  });

  it.each([
    [0, 0],
    [0.1, 10],
    [0.29, 29], // 0.29 × 100 = 28.999999999999996 in floating point: must not become 28
    [1.15, 115],
    [123.45, 12_345],
    [999999999.99, MAX_FEN - 1],
  ])("number %d → %i fen without floating-point drift", (value, fen) => {
    expect(parseYuan(value)).toEqual(ok(fen));
  });

  it.each([
    ["1.005", "more than 2 decimals"],
    [1.005, "more than 2 decimals (number)"],
    ["0.001", "more than 2 decimals"],
    [0.1 + 0.2, "floating-point noise"],
    [1e21, "exponent form of a huge number"],
    ["1e3", "exponent"],
    ["-0.01", "negative"],
    [-0.01, "negative number"],
    ["-0", "negative zero string"],
    ["1000000000.01", "above the maximum"],
    ["9999999999", "above the maximum"],
    [1e20, "huge number"],
    ["", "empty"],
    ["1.", "dangling point"],
    [".5", "no integer part"],
    ["+1", "explicit plus"],
    ["1 000", "grouping"],
    ["abc", "text"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [null, "null"],
    [undefined, "undefined"],
    [true, "boolean"],
    [{}, "object"],
  ] as [unknown, string][])("rejects %j (%s)", (value) => {
    const r = parseYuan(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.length).toBeGreaterThan(0);
  });

  it("accepts MAX_FEN itself: one billion yuan, documented as the largest amount one record may carry", () => {
    expect(parseYuan("1000000000")).toEqual(ok(MAX_FEN));
    expect(parseYuan("1000000000.00")).toEqual(ok(MAX_FEN));
    expect(parseYuan(1e9)).toEqual(ok(MAX_FEN));
  });

  it("round-trips every fen amount below MAX_FEN through formatYuan", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_FEN - 1 }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toEqual(ok(fen));
      }),
      { seed: 20230901, numRuns: 1000 },
    );
  });
});

describe("formatYuan", () => {
  it.each([
    [0, "0.00"],
    [1, "0.01"],
    [10, "0.10"],
    [99, "0.99"],
    [100, "1.00"],
    [3_040_000, "30400.00"],
    [123_456, "1234.56"],
    [MAX_FEN, "1000000000.00"],
    [-5, "-0.05"],
    [-123_456, "-1234.56"],
  ])("%i fen → %s", (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });
});

describe("applyRatio = round_half_up(base × bps / 10000)", () => {
  it.each([
    [1, 5_000, 1], // 0.5 fen rounds up
    [3, 5_000, 2], // 1.5 → 2
    [5, 5_000, 3], // 2.5 → 3 (half up, not half even)
    [1, 4_999, 0], // 0.4999 → 0
    [1, 8_000, 1], // 0.8 → 1
    [1, 2_000, 0], // 0.2 → 0
    [3, 2_500, 1], // 0.75 → 1
    [2, 2_500, 1], // 0.5 → 1
    [0, 8_000, 0],
    [3_800_000, 8_000, 3_040_000],
    [12_345, 10_000, 12_345],
    [12_345, 0, 0],
    [MAX_FEN, 10_000, MAX_FEN],
    [MAX_FEN - 1, 5_000, 50_000_000_000], // 49,999,999,999.5 → 50,000,000,000
    [MAX_FEN - 1, 9_999, 99_989_999_999], // 99,989,999,999.0001 → 99,989,999,999
    // The largest odd product the engine can see stays below 2^53, so this is exact (… .4999 → down).
    [99_999_995_001, 9_999, 99_989_995_001],
  ])("applyRatio(%i, %i) = %i", (base, bps, expected) => {
    expect(applyRatio(base, bps)).toBe(expected);
  });

  it("matches exact integer round-half-up for any base ≤ MAX_FEN and ratio ≤ 100%", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_FEN }), fc.integer({ min: 0, max: 10_000 }), (base, bps) => {
        const exact = (BigInt(base) * BigInt(bps) + 5_000n) / 10_000n;
        expect(applyRatio(base, bps)).toBe(Number(exact));
      }),
      { seed: 20230101, numRuns: 2000 },
    );
  });
});

describe("formatPercent / formatRatio", () => {
  it.each([
    [8_000, "80%", "0.80"],
    [2_000, "20%", "0.20"],
    [10_000, "100%", "1.00"],
    [0, "0%", "0.00"],
    [6_250, "62.5%", "0.625"],
    [1, "0.01%", "0.0001"],
  ])("%i bps → %s / %s", (bps, percent, ratio) => {
    expect(formatPercent(bps)).toBe(percent);
    expect(formatRatio(bps)).toBe(ratio);
  });
});
