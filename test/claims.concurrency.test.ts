/**
 * Claims under concurrency (issue 4 §6), on both back ends: settlements and revocations fired in parallel
 * through the real routes. On PostgreSQL the pool (10 connections) runs them truly in parallel; PGlite has
 * one connection and runs one transaction at a time, so there the interleaving is between whole requests.
 *
 * What must hold whatever the interleaving: no cap passed and no deductible used twice (per-policy
 * serialization), each setl_id adjudicated exactly once, and every stored result equal to what the pure
 * engine gives when it replays the policy's claims one after another in the order the platform recorded.
 */

import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatBusinessTime } from "../src/domain/time.js";
import { compilePlan } from "../src/engine/compile.js";
import { fixedClock } from "../src/platform/clock.js";
import { getProduct } from "../src/products/index.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { checkLedger } from "../src/services/ledger.js";
import type { RecordSpec } from "./fixtures.js";
import {
  type ClaimsFixture,
  postSettlement,
  recordFor,
  revokeSettlement,
  setupClaims,
} from "./support/claims.js";
import { claimProblems, loadClaims, replayProblems, type StoredClaim } from "./support/claims-invariants.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { addRosterPersons, NOW, PROGRAM } from "./support/roster.js";

const Y = (yuan: number) => yuan * 100;
const PLAN = compilePlan(getProduct("wenshan-2023"), "standard");
const IN_SCOPE = PLAN.liabilities.findIndex((l) => l.id === "inpatient_in_scope");
const OUT_OF_SCOPE = PLAN.liabilities.findIndex((l) => l.id === "inpatient_out_of_scope");
const DAY = 86_400_000;
/** The last day of the coverage year: after every stay settled below (the property's reach to day 364). */
const SETTLED_BY = "2024-08-31T12:00:00+08:00";

/** Deterministic shuffles and wave sizes for the interleavings (fast-check supplies the seed). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffle<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe.each(BACKENDS)("claims under concurrency on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  /** Every record sent in this program, by setl_id: what the replay adjudicates. */
  const sent = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P003", "P004", "P005"] });
    platform.clock.set(SETTLED_BY);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    const check = await checkLedger(platform.ctx.db, PROGRAM);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    const claims = await claimProblems(platform.ctx.db, PROGRAM);
    expect(claims.problems).toEqual([]);
    const replay = await replayProblems(platform.ctx.db, PROGRAM, sent);
    expect(replay.problems).toEqual([]);
    // The sum of payouts equals the replay's and the ledger's claim_payout − claim_reversal.
    expect(replay.livePayout).toBe(claims.totals.livePayout);
    expect(claims.totals.ledgerNet).toBe(claims.totals.livePayout);
  });

  const make = async (spec: RecordSpec & { psnNo: string }) => {
    const rec = await recordFor(fx, spec);
    sent.set(spec.setlId, rec);
    return rec;
  };
  const settle = (rec: Record<string, unknown> | string) => postSettlement(app, fx, rec);
  const claimsOf = async (psnNo: string): Promise<StoredClaim[]> =>
    (await loadClaims(platform.ctx.db, PROGRAM))
      .filter((c) => c.psn_no === psnNo)
      .sort((a, b) => Number(a.seq) - Number(b.seq));
  const accumulatorsOf = async (psnNo: string) => {
    const rows = await platform.ctx.db.query<{
      seq: number;
      state: { deductibleUsed: number[]; paidByLiability: number[]; paidTotal: number };
    }>(
      `select a.seq, a.state from policy_accumulators a join policies p
          on p.program_id = a.program_id and p.policy_no = a.policy_no
        where a.program_id = $1 and p.psn_no = $2`,
      [PROGRAM, psnNo],
    );
    const row = rows[0];
    // Created with the policy's first claim.
    if (row === undefined) return { seq: 0, state: undefined };
    return { seq: Number(row.seq), state: row.state };
  };
  const lineSum = (claims: StoredClaim[], liability: number, what: "payout" | "deductible") =>
    claims.reduce(
      (s, c) =>
        s +
        c.adjudication.lines.filter((l) => l.liabilityIndex === liability).reduce((t, l) => t + l[what], 0),
      0,
    );

  it("parallel settlements for the same persons stop exactly at the caps and take each deductible once", async () => {
    const persons = ["P001", "P003", "P004"];
    const records: Record<string, unknown>[] = [];
    for (const psnNo of persons) {
      for (let k = 0; k < 6; k++) {
        // Each stay alone is below the caps (1,000,000 yuan in scope → ≤ 800,000; 2,000,000 out of scope →
        // ≤ 400,000); three of them pass both caps (2,000,000 and 1,000,000 yuan).
        records.push(
          await make({
            setlId: `S-CAP-${psnNo}-${k}`,
            psnNo,
            inScope: Y(1_000_000),
            fullOwnPay: Y(2_000_000),
            setlTime: `2023-10-${String(10 + k).padStart(2, "0")} 10:00:00`,
          }),
        );
      }
    }
    const responses = await Promise.all(shuffle(records, prng(1)).map((r) => settle(r)));
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
    for (const psnNo of persons) {
      const claims = await claimsOf(psnNo);
      // Serialized: the six claims hold change numbers 1…6, one each.
      expect(claims.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(lineSum(claims, IN_SCOPE, "payout")).toBe(Y(2_000_000));
      expect(lineSum(claims, OUT_OF_SCOPE, "payout")).toBe(Y(1_000_000));
      expect(claims.reduce((s, c) => s + c.hmb_pay_fen, 0)).toBe(Y(3_000_000));
      // Each deductible is taken once, in full, by whichever claim ran first.
      expect(lineSum(claims, IN_SCOPE, "deductible")).toBe(Y(12_000));
      expect(lineSum(claims, OUT_OF_SCOPE, "deductible")).toBe(Y(12_000));
      expect(claims.map((c) => c.adjudication.lines.some((l) => l.deductible > 0))).toEqual([
        true,
        false,
        false,
        false,
        false,
        false,
      ]);
      // First: (1,000,000 − 12,000) × 80 % + (2,000,000 − 12,000) × 20 %; then full stays until the caps cut.
      expect(claims.map((c) => c.hmb_pay_fen)).toEqual([
        Y(790_400 + 397_600),
        Y(800_000 + 400_000),
        Y(409_600 + 202_400),
        0,
        0,
        0,
      ]);
      const acc = await accumulatorsOf(psnNo);
      expect(acc.seq).toBe(6);
      expect(acc.state?.deductibleUsed).toEqual([Y(12_000), Y(12_000)]);
      expect(acc.state?.paidTotal).toBe(Y(3_000_000));
    }
  });

  it("revocations racing new settlements give back room that is used at most once", async () => {
    const persons = ["P001", "P003", "P004"];
    const requests: (() => Promise<LightMyRequestResponse>)[] = [];
    for (const psnNo of persons) {
      const before = await claimsOf(psnNo);
      for (const c of before.slice(0, 2)) requests.push(() => revokeSettlement(app, fx, c.setl_id));
      for (let k = 0; k < 3; k++) {
        const rec = await make({
          setlId: `S-RACE-${psnNo}-${k}`,
          psnNo,
          inScope: Y(1_000_000),
          fullOwnPay: Y(2_000_000),
          setlTime: `2023-11-${String(10 + k).padStart(2, "0")} 10:00:00`,
        });
        requests.push(() => settle(rec));
      }
    }
    const responses = await Promise.all(shuffle(requests, prng(2)).map((send) => send()));
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
    for (const psnNo of persons) {
      const live = (await claimsOf(psnNo)).filter((c) => c.state === "settled");
      // Which claims got the freed room depends on the order; the caps and pools hold in every order.
      expect(lineSum(live, IN_SCOPE, "payout")).toBeLessThanOrEqual(Y(2_000_000));
      expect(lineSum(live, OUT_OF_SCOPE, "payout")).toBeLessThanOrEqual(Y(1_000_000));
      expect(lineSum(live, IN_SCOPE, "deductible")).toBeLessThanOrEqual(Y(12_000));
      expect(lineSum(live, OUT_OF_SCOPE, "deductible")).toBeLessThanOrEqual(Y(12_000));
      const acc = await accumulatorsOf(psnNo);
      expect(acc.seq).toBe(6 + 2 + 3);
      expect(acc.state?.paidTotal).toBe(live.reduce((s, c) => s + c.hmb_pay_fen, 0));
    }
  });

  it("duplicate deliveries of one setl_id in parallel: one claim, one journal, identical answers", async () => {
    const rec = await make({
      setlId: "S-DUP-1",
      psnNo: "P005",
      inScope: Y(30_000),
      setlTime: "2023-12-01 10:00:00",
    });
    const before = await accumulatorsOf("P005");
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(rec).reverse()));
    const copies = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? rec : reordered));
    const responses = await Promise.all(copies.map((r) => settle(r)));
    expect(responses.map((r) => r.statusCode)).toEqual(copies.map(() => 200));
    const bodies = responses.map((r) => r.body);
    expect(new Set(bodies), bodies.join("\n")).toHaveProperty("size", 1);
    expect(responses[0]?.json()).toMatchObject({ status: "paid", hmb_pay: "14400.00" }); // (30,000 − 12,000) × 80 %
    expect(await platform.ctx.db.query("select 1 from claims where setl_id = 'S-DUP-1'")).toHaveLength(1);
    expect(
      await platform.ctx.db.query("select distinct journal_id from ledger_transfers where ref = 'S-DUP-1'"),
    ).toHaveLength(1);
    expect(
      await platform.ctx.db.query(
        "select 1 from claim_events where setl_id = 'S-DUP-1' and event = 'settled'",
      ),
    ).toHaveLength(1);
    expect((await accumulatorsOf("P005")).seq).toBe(before.seq + 1);

    // Revoking it many times at once reverses it once.
    const revokes = await Promise.all(Array.from({ length: 8 }, () => revokeSettlement(app, fx, "S-DUP-1")));
    expect(revokes.map((r) => r.statusCode)).toEqual(revokes.map(() => 200));
    expect(new Set(revokes.map((r) => r.body)).size).toBe(1);
    expect(
      await platform.ctx.db.query(
        "select distinct journal_id from ledger_transfers where ref = 'S-DUP-1' and kind = 'claim_reversal'",
      ),
    ).toHaveLength(1);
    expect((await accumulatorsOf("P005")).seq).toBe(before.seq + 2);
  });

  it("one setl_id sent with two different contents at once: exactly one content wins, the other gets 409", async () => {
    const a = await make({
      setlId: "S-DUP-2",
      psnNo: "P005",
      inScope: Y(20_000),
      setlTime: "2023-12-01 10:00:00",
    });
    const b = { ...a, psn_part_amt: "20001.00", fulamt_ownpay_amt: "1.00", medfee_sumamt: "21001.00" };
    const copies = shuffle(
      [...Array.from({ length: 6 }, () => a), ...Array.from({ length: 6 }, () => b)],
      prng(3),
    );
    const responses = await Promise.all(copies.map((r) => settle(r)));
    const won = responses.filter((r) => r.statusCode === 200);
    const lost = responses.filter((r) => r.statusCode === 409);
    expect(won).toHaveLength(6);
    expect(lost).toHaveLength(6);
    expect(new Set(won.map((r) => r.body)).size).toBe(1);
    for (const r of lost)
      expect(r.json().error).toMatchObject({ code: "setl_id_conflict", field: "setl_id" });
    // The winners all sent the same content: the stored claim is theirs.
    const winner = copies[responses.findIndex((r) => r.statusCode === 200)] as Record<string, unknown>;
    sent.set("S-DUP-2", winner);
    expect(winner === a || winner === b).toBe(true);
    expect(copies.filter((c, i) => c === winner && responses[i]?.statusCode === 200)).toHaveLength(6);
    expect(await platform.ctx.db.query("select 1 from claims where setl_id = 'S-DUP-2'")).toHaveLength(1);
  });

  /*
   * The engine's result depends on the order of a person's claims: the first takes the deductible, the last
   * runs into the caps, a revocation frees room only for what comes after it. So "any interleaving equals a
   * sequential replay" can only mean: the platform's results equal the engine's replay in the order the
   * platform serialized them (each policy's change number, claims.seq / claims.revoked_seq). A replay in
   * submission or setl_time order is not a property: two parallel requests may commit either way, and both
   * outcomes are correct. What the order must not change is checked here: every claim's pay and lines, each
   * policy's accumulators, and the sum of payouts against the ledger (in afterEach, over the whole program).
   */
  it("property: any interleaving of settlements, duplicates and revocations equals the engine's replay in commit order", async () => {
    const start = PLAN.coverage.start;
    const amount = fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: Y(60_000) }) },
      // Large enough that a few stays of one person reach the caps (2,000,000 and 1,000,000 yuan).
      { weight: 3, arbitrary: fc.integer({ min: 0, max: Y(3_000_000) }) },
      { weight: 1, arbitrary: fc.integer({ min: Y(3_000_000), max: Y(8_000_000) }) },
    );
    const recordArb = fc.record({
      // 0–2: three insured persons new to this run; 3: P002, on the roster without a policy.
      person: fc.constantFrom(0, 0, 1, 1, 2, 3),
      medType: fc.constantFrom("21", "21", "22", "24", "11", "41"),
      inScope: amount,
      fullOwnPay: amount,
      drug: fc.option(
        fc.record({
          code: fc.constantFrom("SAMPLE-WS-D01", "SAMPLE-WS-D05", "NOT-IN-CATALOG"),
          permille: fc.integer({ min: 0, max: 1000 }),
        }),
        { freq: 3 },
      ),
      // Days from coverage start: a few before it (outside coverage, and history for pre-existing rules).
      day: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: -60, max: -1 }) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 364 }) },
      ),
      // A malignant tumour diagnosed before coverage start excludes the special-drug liability (文山).
      cancer: fc.constantFrom(true, true, true, false),
      revoke: fc.boolean(),
      dup: fc.boolean(),
    });
    let run = 0;
    let cut = 0;
    let revoked = 0;
    let excluded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 3, maxLength: 14 }),
        fc.integer(),
        async (gen, seed) => {
          run++;
          const psn = [0, 1, 2].map((i) => `Q${run}-${i}`);
          await addRosterPersons(
            platform.ctx,
            PROGRAM,
            psn.map((psnNo) => ({ psnNo, name: "并发", brdy: "1975-06-01" })),
          );
          // Enrolled back in the enrollment window; the hospitals settle at SETTLED_BY.
          const enrolling = { ...platform.ctx, clock: fixedClock(new Date(NOW)) };
          for (const psnNo of psn)
            await enroll(enrolling, CLI_ACTOR, {
              programId: PROGRAM,
              kind: "individual",
              psnNo,
              channel: "offline",
            });
          type Req = { what: "settle" | "revoke"; setlId: string; body?: Record<string, unknown> };
          const reqs: Req[] = [];
          for (const [i, g] of gen.entries()) {
            const setlId = `PR${run}-${i}`;
            const drugAmount = g.drug === null ? 0 : Math.floor((g.fullOwnPay * g.drug.permille) / 1000);
            const body = await make({
              setlId,
              psnNo: g.person === 3 ? "P002" : (psn[g.person] as string),
              medType: g.medType,
              inScope: g.inScope,
              fullOwnPay: g.fullOwnPay,
              diagnosis: g.cancer ? "C34.900" : "I63.900",
              setlTime: formatBusinessTime(start + g.day * DAY + 10 * 3_600_000 + i * 1000),
              ...(g.drug === null ? {} : { items: [{ code: g.drug.code, amount: drugAmount }] }),
            });
            reqs.push({ what: "settle", setlId, body });
            if (g.dup) reqs.push({ what: "settle", setlId, body });
            if (g.revoke) reqs.push({ what: "revoke", setlId });
          }
          // A random interleaving: shuffled, cut into waves of 1–8 requests fired at once.
          const random = prng(seed);
          const order = shuffle(reqs, random);
          const answers = new Map<string, string[]>();
          const lateRevokes: string[] = [];
          for (let i = 0; i < order.length; ) {
            const wave = order.slice(i, i + 1 + Math.floor(random() * 8));
            i += wave.length;
            const res = await Promise.all(
              wave.map((r) =>
                r.what === "settle"
                  ? settle(r.body as Record<string, unknown>)
                  : revokeSettlement(app, fx, r.setlId),
              ),
            );
            for (const [k, r] of wave.entries()) {
              const response = res[k] as LightMyRequestResponse;
              if (r.what === "revoke" && response.statusCode === 404) {
                // Its settlement had not committed yet: a hospital would send the revocation again.
                expect(response.json().error.field).toBe("setl_id");
                lateRevokes.push(r.setlId);
                continue;
              }
              expect(response.statusCode, `${r.what} ${r.setlId}: ${response.body}`).toBe(200);
              const key = `${r.what}:${r.setlId}`;
              answers.set(key, [...(answers.get(key) ?? []), response.body]);
            }
          }
          for (const setlId of lateRevokes) {
            const response = await revokeSettlement(app, fx, setlId);
            expect(response.statusCode).toBe(200);
            const key = `revoke:${setlId}`;
            answers.set(key, [...(answers.get(key) ?? []), response.body]);
          }
          // Duplicates (settle twice, revoke twice after a late retry) answered identically.
          for (const [key, bodies] of answers) expect(new Set(bodies).size, key).toBe(1);

          const claims = (await loadClaims(platform.ctx.db, PROGRAM)).filter((c) =>
            c.setl_id.startsWith(`PR${run}-`),
          );
          expect(claims).toHaveLength(gen.length);
          cut += claims.filter((c) => c.adjudication.lines.some((l) => l.limits.length > 0)).length;
          revoked += claims.filter((c) => c.state === "revoked").length;
          excluded += claims.filter((c) =>
            c.adjudication.lines.some((l) => l.outcome.kind === "excluded_pre_existing"),
          ).length;
          const problems = await claimProblems(platform.ctx.db, PROGRAM);
          expect(problems.problems).toEqual([]);
          const replay = await replayProblems(platform.ctx.db, PROGRAM, sent);
          expect(replay.problems).toEqual([]);
          expect(replay.livePayout).toBe(problems.totals.livePayout);
          expect(problems.totals.ledgerNet).toBe(problems.totals.livePayout);
        },
      ),
      { seed: 4004, numRuns: 12 },
    );
    // The generated cases reached the parts of the engine where order matters.
    expect(cut).toBeGreaterThan(0);
    expect(revoked).toBeGreaterThan(0);
    expect(excluded).toBeGreaterThan(0);
  });
});
