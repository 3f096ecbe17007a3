/**
 * Automatic aid (issue 15): hand-worked layers through the service — two aid programs on one claim, the second
 * after the first, budgets running out (stop, queue), a queued shortfall paid after a top-up, a revocation
 * giving the money back and the freed budget reaching a later claim — then a small synthetic city-year matched
 * by the sweep against a plain brute-force check of who is paid and who gets an application.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimBurden } from "../src/services/aid/burden.js";
import { fundBalance, reconcileFund } from "../src/services/aid/funds.js";
import { matchYearToDate } from "../src/services/aid/match.js";
import { paymentsOf } from "../src/services/aid/payments.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { revokeClaim } from "../src/services/claims/settle.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { Y } from "./fixtures.js";
import { aidFile, HOSPITAL_ACTOR, openFund, settle, topUp } from "./support/aid.js";
import { type ClaimsFixture, SETTLE_NOW, setupClaims } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { NOW, PROGRAM, type TestPerson } from "./support/roster.js";

async function aidOn(ctx: PlatformContext, setlId: string) {
  const rows = await paymentsOf(ctx.db, PROGRAM, [setlId]);
  return Object.fromEntries(
    rows.map((r) => [r.aid_program_id, { paid: r.amount_fen, queued: r.queued_fen, state: r.state }]),
  );
}

describe.each(BACKENDS)("automatic aid, hand-worked, on %s", (backend) => {
  let p: TestPlatform;
  let ctx: PlatformContext;
  let fx: ClaimsFixture;
  const DIBAO: TestPerson[] = ["D001", "D002", "D003"].map((psnNo) => ({
    psnNo,
    name: "低保",
    brdy: "1975-01-01",
    cohort: "dibao",
  }));

  beforeAll(async () => {
    p = await openTestPlatform(backend, { now: NOW });
    ctx = p.ctx;
    // D001–D003 are on the roster but not insured: 惠民保 pays 0, so the aid arithmetic stands alone.
    fx = await setupClaims(ctx, { extra: DIBAO });
    await openFund(ctx, "found", 15_000);
    await openFund(ctx, "union", 5_000);
    // A: 50 % above 1000 per case, at most 8000 a case, budget 12000 then stop.
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      aidFile({
        id: "found-aid",
        name: "基金会救助",
        fund: "found",
        priority: 10,
        benefit: { kind: "ratio_above_threshold", threshold: { amount: 1000, per: "case" }, ratio: 50 },
        caps: { perCase: 8000 },
        budget: { amount: 12_000, whenExhausted: "stop" },
      }),
    );
    // B: after 惠民保 and A, 2000 a case, budget 6000; what the fund cannot pay waits in the queue.
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      aidFile({
        id: "union-aid",
        name: "工会帮扶",
        fund: "union",
        priority: 20,
        covers: { kind: "residual", after: ["hmb", "found-aid"] },
        benefit: { kind: "fixed", amount: 2000 },
        budget: { amount: 6_000, whenExhausted: "queue" },
      }),
    );
    p.clock.set(SETTLE_NOW);
  });
  afterAll(async () => p?.close());

  it("pays layer by layer at settlement, budgets running out, queue, top-up, revocation", async () => {
    // c0: burden 3000 → A (3000 − 1000) × 50 % = 1000; B 2000 is all that is left; final 0.
    await settle(ctx, fx, "A-C0", "D001", { inScope: Y(1_000), fullOwnPay: Y(2_000) });
    expect(await aidOn(ctx, "A-C0")).toEqual({
      "found-aid": { paid: Y(1_000), queued: 0, state: "paid" },
      "union-aid": { paid: Y(2_000), queued: 0, state: "paid" },
    });
    const bill0 = await claimBurden(ctx, HOSPITAL_ACTOR, PROGRAM, "A-C0");
    expect([bill0.layers.hmb, bill0.aidTotal, bill0.finalBurden]).toEqual([0, Y(3_000), 0]);
    expect(bill0.layers.basic).toBe(Y(1_000)); // the fixture's 统筹 payment
    // c1: burden 10000 → A 4500, B 2000, final 3500.
    await settle(ctx, fx, "A-C1", "D002", { inScope: Y(10_000) });
    expect(await aidOn(ctx, "A-C1")).toEqual({
      "found-aid": { paid: Y(4_500), queued: 0, state: "paid" },
      "union-aid": { paid: Y(2_000), queued: 0, state: "paid" },
    });
    // c2: burden 30000 → A 14500 capped 8000, budget left 6500 (stop); B: fund holds 1000, 1000 queued.
    await settle(ctx, fx, "A-C2", "D003", { inScope: Y(30_000) });
    expect(await aidOn(ctx, "A-C2")).toEqual({
      "found-aid": { paid: Y(6_500), queued: 0, state: "paid" },
      "union-aid": { paid: Y(1_000), queued: Y(1_000), state: "paid" },
    });
    expect((await claimBurden(ctx, HOSPITAL_ACTOR, PROGRAM, "A-C2")).finalBurden).toBe(Y(22_500));
    // c3: both budgets spent: nothing paid, nothing queued beyond B's budget.
    await settle(ctx, fx, "A-C3", "D001", { inScope: Y(5_000) });
    expect(await aidOn(ctx, "A-C3")).toEqual({});
    expect(await fundBalance(ctx.db, PROGRAM, "found")).toBe(Y(3_000));
    expect(await fundBalance(ctx.db, PROGRAM, "union")).toBe(0);

    // A top-up, then the sweep: the queued 1000 is paid first, nothing else moves.
    await topUp(ctx, "union", 4_000, "top-2");
    const s1 = await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
    expect([s1.queuePaidFen, s1.paid, s1.proposed]).toEqual([Y(1_000), 0, 0]);
    expect((await aidOn(ctx, "A-C2"))["union-aid"]).toEqual({ paid: Y(2_000), queued: 0, state: "paid" });
    expect(await fundBalance(ctx.db, PROGRAM, "union")).toBe(Y(3_000));

    // Revoking c1 gives its 4500 + 2000 back; the freed budgets reach c3 at the next sweep.
    await revokeClaim(ctx, CLI_ACTOR, PROGRAM, "A-C1", "测试撤销");
    expect(await aidOn(ctx, "A-C1")).toEqual({
      "found-aid": { paid: Y(4_500), queued: 0, state: "revoked" },
      "union-aid": { paid: Y(2_000), queued: 0, state: "revoked" },
    });
    expect(await fundBalance(ctx.db, PROGRAM, "found")).toBe(Y(7_500));
    await revokeClaim(ctx, CLI_ACTOR, PROGRAM, "A-C1", "再次撤销"); // answered, nothing reversed twice
    expect(await fundBalance(ctx.db, PROGRAM, "found")).toBe(Y(7_500));
    await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
    // c3: A (5000 − 1000) × 50 % = 2000 (budget 12000 − 7500 left), B 2000 (6000 − 4000 left).
    expect(await aidOn(ctx, "A-C3")).toEqual({
      "found-aid": { paid: Y(2_000), queued: 0, state: "paid" },
      "union-aid": { paid: Y(2_000), queued: 0, state: "paid" },
    });
    // Sweeping again pays nothing twice.
    const again = await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
    expect([again.paid, again.queuePaidFen, again.proposed]).toEqual([0, 0, 0]);
    expect(await fundBalance(ctx.db, PROGRAM, "found")).toBe(Y(5_500));
    expect(await fundBalance(ctx.db, PROGRAM, "union")).toBe(Y(3_000));
    for (const fund of ["found", "union"]) expect((await reconcileFund(ctx.db, PROGRAM, fund)).ok).toBe(true);

    // Per claim: 惠民保 + aid + final = psn_part_amt; the person-year view sums the live claims only.
    const layers = await ctx.db.query<{
      setl_id: string;
      state: string;
      aid_fen: string;
      final_burden_fen: string;
    }>(
      "select setl_id, state, aid_fen, final_burden_fen from claim_layers where program_id = $1 order by setl_id",
      [PROGRAM],
    );
    expect(layers.map((l) => [l.setl_id, l.state, Number(l.aid_fen), Number(l.final_burden_fen)])).toEqual([
      ["A-C0", "settled", Y(3_000), 0],
      ["A-C1", "revoked", 0, Y(10_000)],
      ["A-C2", "settled", Y(8_500), Y(21_500)],
      ["A-C3", "settled", Y(4_000), Y(1_000)],
    ]);
    const years = await ctx.db.query<{ psn_no: string; aid_fen: string; final_burden_fen: string }>(
      "select psn_no, aid_fen, final_burden_fen from claim_layers_person_year where program_id = $1 order by psn_no",
      [PROGRAM],
    );
    expect(years.map((y) => [y.psn_no, Number(y.aid_fen), Number(y.final_burden_fen)])).toEqual([
      ["D001", Y(7_000), Y(1_000)],
      ["D003", Y(8_500), Y(21_500)],
    ]);
  });
});

/** A tiny deterministic generator (mulberry32), so the city-year is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(BACKENDS)("a synthetic city-year matched by the sweep on %s", (backend) => {
  let p: TestPlatform;
  afterAll(async () => p?.close());

  it("pays and proposes exactly the persons a brute-force check finds", async () => {
    p = await openTestPlatform(backend, { now: NOW });
    const ctx = p.ctx;
    const random = rng(15);
    const cohorts = [undefined, "dibao", "tekun", "tuopin"] as const;
    const persons: TestPerson[] = Array.from({ length: 10 }, (_, i) => {
      const cohort = cohorts[Math.floor(random() * cohorts.length)];
      return {
        psnNo: `S${String(i).padStart(3, "0")}`,
        name: "合成",
        brdy: "1968-06-01",
        ...(cohort === undefined ? {} : { cohort }),
      };
    });
    const fx = await setupClaims(ctx, { extra: persons });
    // Some are insured: 惠民保 pays first and the aid takes what it leaves.
    for (const person of persons.filter((_, i) => i % 3 === 0))
      await enroll(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        kind: "individual",
        psnNo: person.psnNo,
        channel: "offline",
      });
    p.clock.set(SETTLE_NOW);
    const claims: { psnNo: string; diagnosis: string; burden: number; drug: number; setlId: string }[] = [];
    for (let i = 0; i < 18; i++) {
      const person = persons[Math.floor(random() * persons.length)] as TestPerson;
      const diagnosis = random() < 0.6 ? "C83.300" : "I63.900";
      const burden = Y(500 + Math.floor(random() * 40_000));
      const drug = random() < 0.4 ? Math.min(burden, Y(1_000 + Math.floor(random() * 8_000))) : 0;
      const setlId = `SY-${String(i).padStart(3, "0")}`;
      claims.push({ psnNo: person.psnNo, diagnosis, burden, drug, setlId });
      await settle(ctx, fx, setlId, person.psnNo, {
        inScope: burden,
        diagnosis,
        ...(drug > 0 ? { items: [{ code: "XDRUG001", amount: drug }] } : {}),
      });
    }
    // Published after the year's claims: only the sweep matches them.
    await openFund(ctx, "lymph", 10_000_000);
    await openFund(ctx, "drug", 10_000_000);
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      aidFile({
        id: "lymph-aid",
        name: "淋巴瘤救助",
        fund: "lymph",
        eligibility: { cohorts: ["dibao", "tekun"], icd10: [{ from: "C81", to: "C86" }] },
        benefit: { kind: "ratio_above_threshold", threshold: { amount: 3000, per: "case" }, ratio: 50 },
        budget: { amount: 10_000_000, whenExhausted: "stop" },
      }),
    );
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      aidFile({
        id: "drug-aid",
        name: "药品援助",
        fund: "drug",
        priority: 20,
        eligibility: { drugs: ["XDRUG001"] },
        covers: { kind: "drug_cost" },
        benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 80 },
        budget: { amount: 10_000_000, whenExhausted: "stop" },
        mode: { kind: "application", documents: ["处方"], committee: false },
      }),
    );
    const summary = await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);

    // The plain check: the persons' cohorts and the claims' facts, no engine.
    const cohortOf = new Map(persons.map((x) => [x.psnNo, x.cohort]));
    const hmbOf = new Map(
      (
        await ctx.db.query<{ setl_id: string; hmb_pay_fen: string }>(
          "select setl_id, hmb_pay_fen from claims where program_id = $1",
          [PROGRAM],
        )
      ).map((r) => [r.setl_id, Number(r.hmb_pay_fen)]),
    );
    const paidPersons = new Set<string>();
    const proposedPersons = new Set<string>();
    for (const c of claims) {
      const left = c.burden - (hmbOf.get(c.setlId) ?? 0);
      const cohort = cohortOf.get(c.psnNo);
      const lymph =
        (cohort === "dibao" || cohort === "tekun") && c.diagnosis.startsWith("C83") && left > Y(3_000);
      if (lymph) paidPersons.add(c.psnNo);
      const lymphPaid = lymph ? Math.round((left - Y(3_000)) / 2) : 0;
      // A drug program covers the drug's own burden less what 惠民保 and earlier aid took (docs/aid.md).
      if (c.drug - (hmbOf.get(c.setlId) ?? 0) - lymphPaid > 0) proposedPersons.add(c.psnNo);
    }
    expect(paidPersons.size).toBeGreaterThan(0);
    expect(proposedPersons.size).toBeGreaterThan(0);
    expect(summary.personsPaid).toEqual([...paidPersons].sort());
    expect(summary.personsProposed).toEqual([...proposedPersons].sort());
    // No claim is paid beyond what the person bore after 惠民保.
    const over = await ctx.db.query(
      `select l.setl_id from claim_layers l where l.program_id = $1 and l.hmb_fen + l.aid_fen > l.person_burden_fen`,
      [PROGRAM],
    );
    expect(over).toEqual([]);
    expect((await reconcileFund(ctx.db, PROGRAM, "lymph")).ok).toBe(true);
  });
});
