/**
 * The settle path's own rollup delta (services/oversight/claim-rollup.ts), worked by hand: the same numbers the
 * insert trigger oversight_claim_change() adds (test/oversight.test.ts compares both with a rebuild).
 */
import { describe, expect, it } from "vitest";
import { settledClaimDelta } from "../src/services/oversight/claim-rollup.js";

const at = new Date("2023-10-01T02:00:00Z");
// Columns: claims, revocations, covered_claims, covered_psn_part_fen, paid_claims, paid_fen, paid_psn_part_fen,
// beneficiaries, then h0…h8 (persons per payout bucket) and a0…a8 (their cumulative payout).
const zeros = () => Array.from({ length: 9 }, () => 0);

describe("a settled claim's rollup delta", () => {
  it("moves a person from the bucket of their payout before to the bucket after", () => {
    const h = zeros();
    const a = zeros();
    h[0] = -1; // 900 yuan before: up to 1,000 yuan
    a[0] = -90_000;
    h[1] = 1; // 1,100 yuan after: 1,000–5,000 yuan
    a[1] = 110_000;
    expect(
      settledClaimDelta({
        at,
        covered: true,
        psnPartFen: 50_000,
        hmbPayFen: 20_000,
        paidTotalAfter: 110_000,
      }),
    ).toEqual([1, 0, 1, 50_000, 1, 20_000, 50_000, 0, ...h, ...a]);
  });

  it("counts a first payout as a new beneficiary", () => {
    const h = zeros();
    const a = zeros();
    h[0] = 1;
    a[0] = 5_000;
    expect(
      settledClaimDelta({ at, covered: true, psnPartFen: 8_000, hmbPayFen: 5_000, paidTotalAfter: 5_000 }),
    ).toEqual([1, 0, 1, 8_000, 1, 5_000, 8_000, 1, ...h, ...a]);
  });

  it("counts a claim out of cover or paying nothing without touching the payout buckets", () => {
    expect(
      settledClaimDelta({ at, covered: false, psnPartFen: 8_000, hmbPayFen: 0, paidTotalAfter: 0 }),
    ).toEqual([1, 0, 0, 0, 0, 0, 0, 0, ...zeros(), ...zeros()]);
    expect(
      settledClaimDelta({ at, covered: true, psnPartFen: 8_000, hmbPayFen: 0, paidTotalAfter: 70_000 }),
    ).toEqual([1, 0, 1, 8_000, 0, 0, 0, 0, ...zeros(), ...zeros()]);
  });

  it("refuses a cumulative payout below the claim's own", () => {
    expect(() =>
      settledClaimDelta({ at, covered: true, psnPartFen: 8_000, hmbPayFen: 5_000, paidTotalAfter: 4_000 }),
    ).toThrow(/cumulative payout/);
  });
});
