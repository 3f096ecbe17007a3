/**
 * 理赔时效 (claim turnaround, issue 14) on both back ends: six claims of every kind of journey, the business
 * clock moved between the steps, and the report's counts, shares and medians checked against figures worked
 * out by hand below; the clean online claim decided and queued for payout without anyone reviewing it; four
 * eyes refusing the same operator twice; the resident's timeline; the route's roles and bad input.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { grantConsent } from "../src/services/claims/consent.js";
import { uploadCounterDocument } from "../src/services/claims/counter/case.js";
import { decideCounterClaim } from "../src/services/claims/counter/review.js";
import { setCounterSettings } from "../src/services/claims/counter/settings.js";
import { submitCounterClaim } from "../src/services/claims/counter/submit.js";
import { ingestBureauRecords, submitOnlineClaims } from "../src/services/claims/online.js";
import { createPayoutBatch } from "../src/services/claims/payouts.js";
import { settleClaim } from "../src/services/claims/settle.js";
import { claimTimeline, claimTurnaround } from "../src/services/claims/turnaround.js";
import { type Actor, ServiceError } from "../src/services/context.js";
import { checkLedger } from "../src/services/ledger.js";
import { Y } from "./fixtures.js";
import { type ClaimsFixture, HOSPITAL, OTHER_HOSPITAL, recordFor, setupClaims } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const staff = (id: string): Actor => ({ id, role: "operator", programId: PROGRAM });
const resident = (psnNo: string): Actor => ({
  id: `r-${psnNo}`,
  role: "resident",
  programId: PROGRAM,
  psnNo,
});
const ADMIN: Actor = { id: "admin", role: "admin", programId: "*" };
const at = (beijing: string) => `${beijing}+08:00`;

describe.each(BACKENDS)("claim turnaround on %s", (backend) => {
  let platform: TestPlatform;
  let fx: ClaimsFixture;
  let app: FastifyInstance;
  const setAt = (beijing: string) => platform.clock.set(at(beijing));
  const cases = new Map<string, string>();

  /** A counter case filed by op1 at the counter for `psnNo`, with the invoice and sheet scanned by op1. */
  async function counterCase(name: string, psnNo: string, inScope: number): Promise<string> {
    const record = await recordFor(fx, {
      setlId: `S-TA-${name}`,
      psnNo,
      inScope,
      setlTime: "2023-11-20 09:00:00",
    });
    const submitted = await submitCounterClaim(platform.ctx, staff("op1"), PROGRAM, { psnNo, record });
    const caseId = submitted.case.case_id;
    for (const kind of ["invoice", "settlement_sheet"] as const)
      await uploadCounterDocument(platform.ctx, staff("op1"), PROGRAM, caseId, {
        kind,
        type: "application/pdf",
        bytes: PDF,
      });
    cases.set(name, caseId);
    return caseId;
  }

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    fx = await setupClaims(platform.ctx);
    // Above 1,000.00 yuan a second operator must countersign.
    await setCounterSettings(platform.ctx, ADMIN, PROGRAM, { fourEyesThreshold: "1000.00" });
    app = await buildServer(platform.ctx, { publicRateLimit: 10_000 });

    // 2023-12-01 08:00: the bureau shares P001's November stay; P001 consents to its use.
    setAt("2023-12-01T08:00:00");
    const feed = await ingestBureauRecords(
      platform.ctx,
      { id: "bureau1", role: "bureau", programId: PROGRAM },
      PROGRAM,
      [
        await recordFor(fx, {
          setlId: "S-TA-ON1",
          psnNo: "P001",
          inScope: Y(20_000),
          setlTime: "2023-11-20 09:00:00",
        }),
      ],
    );
    expect(feed.stored).toBe(1);
    await grantConsent(platform.ctx, resident("P001"), PROGRAM, {
      scope: "settlement_records",
      from: "2023-11-01",
      to: "2023-11-30",
      daysValid: 30,
    });

    // 09:00: two counter cases filed at the counter: A (P002, pays 400.00: one signature) and B (P003, pays
    // 6,400.00: four eyes).
    setAt("2023-12-01T09:00:00");
    await counterCase("A", "P002", Y(12_500));
    await counterCase("B", "P003", Y(20_000));

    // 10:00 and 10:05: P004 discharged twice; the first stay stays under the deductible (nothing to pay).
    setAt("2023-12-01T10:00:00");
    await settleClaim(platform.ctx, staff("h"), {
      programId: PROGRAM,
      record: await recordFor(fx, {
        setlId: "S-TA-OS2",
        psnNo: "P004",
        inScope: Y(1_000),
        institution: OTHER_HOSPITAL,
        setlTime: "2023-12-01 09:30:00",
      }),
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
      institution: OTHER_HOSPITAL,
    });
    setAt("2023-12-01T10:05:00");
    await settleClaim(platform.ctx, staff("h"), {
      programId: PROGRAM,
      record: await recordFor(fx, {
        setlId: "S-TA-OS1",
        psnNo: "P004",
        inScope: Y(20_000),
        institution: HOSPITAL,
        setlTime: "2023-12-01 09:40:00",
      }),
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
      institution: HOSPITAL,
    });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("refuses the same operator countersigning their own approval, then pays on a second operator's", async () => {
    setAt("2023-12-01T15:00:00");
    const caseB = cases.get("B") as string;
    const first = await decideCounterClaim(platform.ctx, staff("op1"), PROGRAM, caseB, {
      decision: "approve",
    });
    expect(first.status).toBe("pending_second_approval");
    const again = await decideCounterClaim(platform.ctx, staff("op1"), PROGRAM, caseB, {
      decision: "approve",
    }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ServiceError);
    expect((again as ServiceError).code).toBe("four_eyes_same_operator");
    const still = await platform.ctx.db.query<{ status: string }>(
      "select status from counter_claims where program_id = $1 and case_id = $2",
      [PROGRAM, caseB],
    );
    expect(still[0]?.status).toBe("pending_second_approval");
    const second = await decideCounterClaim(platform.ctx, staff("op2"), PROGRAM, caseB, {
      decision: "approve",
    });
    expect(second.status).toBe("approved");
  });

  it("decides a clean online claim at once and the next resident batch pays it", async () => {
    setAt("2023-12-01T23:00:00");
    const out = await submitOnlineClaims(platform.ctx, resident("P001"), PROGRAM, ["S-TA-ON1"]);
    const result = out.results[0];
    expect(result !== undefined && "claim" in result ? result.claim.hmb_pay : undefined).toBe("6400.00");
    // Decided, not yet paid: the resident sees it waiting for the payout.
    const before = await claimTimeline(platform.ctx, resident("P001"), PROGRAM, undefined);
    expect(before.items).toMatchObject([
      { setl_id: "S-TA-ON1", channel: "online", outcome: "awaiting_payout", paid_at: null },
    ]);
    expect(before.items[0]?.decided_at).toBe(new Date(at("2023-12-01T23:00:00")).toISOString());

    setAt("2023-12-02T09:00:00");
    const batch = await createPayoutBatch(platform.ctx, staff("op1"), PROGRAM, {
      payee: "resident",
      through: "2023-12-01",
    });
    const paidIds = batch.items.flatMap((i) => i.claims.map((c) => c.setl_id)).sort();
    expect(paidIds).toEqual(["S-TA-B", "S-TA-ON1"]);
    const after = await claimTimeline(platform.ctx, resident("P001"), PROGRAM, undefined);
    expect(after.items[0]).toMatchObject({
      outcome: "paid",
      paid_at: new Date(at("2023-12-02T09:00:00")).toISOString(),
    });
  });

  it("computes the shares and medians by channel, institution and month as worked out by hand", async () => {
    // 12-02 10:00 case C (P004) is filed and never decided; 12-05 09:00 op1 approves A (400.00, one
    // signature); 12-12 10:00 the second resident batch pays A.
    setAt("2023-12-02T10:00:00");
    await counterCase("C", "P004", Y(15_000));
    setAt("2023-12-05T09:00:00");
    const a = await decideCounterClaim(platform.ctx, staff("op1"), PROGRAM, cases.get("A") as string, {
      decision: "approve",
    });
    expect(a.status).toBe("approved");
    setAt("2023-12-12T10:00:00");
    await createPayoutBatch(platform.ctx, staff("op1"), PROGRAM, {
      payee: "resident",
      through: "2023-12-11",
    });

    // Submitted → decided → paid, in hours (Beijing 12-01 unless said):
    //   A  counter  09:00 → 12-05 09:00 (96)  → 12-12 10:00 (265)
    //   B  counter  09:00 → 15:00 (6)         → 12-02 09:00 (24)
    //   C  counter  12-02 10:00 → —            (nothing to pay)
    //   OS2 one-stop (other hospital) 10:00 → 10:00 (0), nothing to pay
    //   OS1 one-stop 10:05 → 10:05 (0) → 10:05 (0, netted off the bill)
    //   ON1 online 23:00 → 23:00 (0) → 12-02 09:00 (10)
    // Decided: 6 submitted, 5 done; same day B, OS2, OS1, ON1 = 4; ≤ 72 h the same 4; ≤ 240 h 5 (A too);
    // median of 96, 6, 0, 0, 0 = 0. Paid: A, B, OS1, ON1 payable; same day OS1 = 1; ≤ 72 h B, OS1, ON1 = 3;
    // ≤ 240 h 3; median of 265, 24, 0, 10 = 17.
    const r = await claimTurnaround(platform.ctx, staff("op1"), PROGRAM, {
      from: "2023-12-01",
      to: "2023-12-31",
    });
    expect(r.total.decided).toEqual({
      count: 6,
      done: 5,
      same_day: 4,
      within_3_days: 4,
      within_10_days: 5,
      same_day_bps: 6667,
      within_3_days_bps: 6667,
      within_10_days_bps: 8333,
      median_hours: 0,
    });
    expect(r.total.paid).toEqual({
      count: 4,
      done: 4,
      same_day: 1,
      within_3_days: 3,
      within_10_days: 3,
      same_day_bps: 2500,
      within_3_days_bps: 7500,
      within_10_days_bps: 7500,
      median_hours: 17,
    });
    const channel = (c: string) => r.channels.find((x) => x.channel === c);
    expect(r.channels.map((c) => c.channel)).toEqual(["one_stop", "online", "counter", "special_drug"]);
    // Counter: A, B, C; decided B same day, A within 10 days; median of 96 and 6 = 51; paid: A 265 h, B 24 h.
    expect(channel("counter")?.decided).toMatchObject({
      count: 3,
      done: 2,
      same_day: 1,
      within_3_days: 1,
      within_10_days: 2,
      same_day_bps: 3333,
      median_hours: 51,
    });
    expect(channel("counter")?.paid).toMatchObject({
      count: 2,
      done: 2,
      same_day: 0,
      within_3_days: 1,
      within_10_days: 1,
      within_3_days_bps: 5000,
      median_hours: 144.5,
    });
    expect(channel("one_stop")?.decided).toMatchObject({ count: 2, same_day_bps: 10000 });
    expect(channel("one_stop")?.paid).toMatchObject({ count: 1, same_day: 1, median_hours: 0 });
    expect(channel("online")?.paid).toMatchObject({
      count: 1,
      same_day: 0,
      within_3_days: 1,
      median_hours: 10,
    });
    expect(channel("special_drug")?.decided).toMatchObject({
      count: 0,
      same_day_bps: null,
      median_hours: null,
    });
    // The counter records and OS1 name HOSPITAL (5 claims); OS2 the other one.
    expect(r.institutions.map((i) => [i.fixmedins_code, i.fixmedins_name, i.decided.count])).toEqual([
      [HOSPITAL, `机构 ${HOSPITAL}`, 5],
      [OTHER_HOSPITAL, `机构 ${OTHER_HOSPITAL}`, 1],
    ]);
    expect(r.months).toHaveLength(1);
    expect(r.months[0]).toMatchObject({ month: "2023-12", decided: r.total.decided, paid: r.total.paid });

    // A period that ends on 12-01 leaves case C (filed 12-02) out: 5 submitted, the same 4 the same day.
    const first = await claimTurnaround(platform.ctx, staff("op1"), PROGRAM, {
      from: "2023-12-01",
      to: "2023-12-01",
    });
    expect(first.total.decided).toMatchObject({ count: 5, same_day: 4, same_day_bps: 8000 });

    const ledger = await checkLedger(platform.ctx.db, PROGRAM);
    expect(ledger.problems).toEqual([]);
  });

  it("shows each of a person's claims where it stands", async () => {
    const p4 = await claimTimeline(platform.ctx, staff("op1"), PROGRAM, "P004");
    expect(p4.items.map((i) => [i.setl_id, i.channel, i.outcome])).toEqual([
      ["S-TA-C", "counter", "in_review"],
      ["S-TA-OS1", "one_stop", "paid"],
      ["S-TA-OS2", "one_stop", "nothing_payable"],
    ]);
    const p2 = await claimTimeline(platform.ctx, resident("P002"), PROGRAM, undefined);
    expect(p2.items).toEqual([
      expect.objectContaining({
        setl_id: "S-TA-A",
        case_id: cases.get("A"),
        outcome: "paid",
        submitted_at: new Date(at("2023-12-01T09:00:00")).toISOString(),
        decided_at: new Date(at("2023-12-05T09:00:00")).toISOString(),
        paid_at: new Date(at("2023-12-12T10:00:00")).toISOString(),
      }),
    ]);
    // A resident sees their own only.
    await expect(claimTimeline(platform.ctx, resident("P002"), PROGRAM, "P004")).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("serves the report to the bureau, the timeline to the resident, and names a bad field in Chinese", async () => {
    const bureau = await authHeaders(app, "bureau1");
    const url = `/api/v1/programs/${PROGRAM}/claims/turnaround?from=2023-12-01&to=2023-12-31`;
    const res = await app.inject({ method: "GET", url, headers: bureau });
    expect(res.statusCode).toBe(200);
    expect(res.json().total.paid.median_hours).toBe(17);
    const bad = await app.inject({
      method: "GET",
      url: `${url.split("?")[0]}?from=2023-12-31&to=2023-12-01`,
      headers: bureau,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: "to" });
    expect(bad.json().error.message).toMatch(/截止日期/);
    const res1 = await authHeaders(app, "res1");
    const mine = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/claims/timeline`,
      headers: res1,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items.map((i: { setl_id: string }) => i.setl_id)).toEqual(["S-TA-ON1"]);
    // The bureau reads aggregates, never a person's timeline.
    const denied = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/claims/timeline?psn_no=P001`,
      headers: bureau,
    });
    expect(denied.statusCode).toBe(403);
  });
});
