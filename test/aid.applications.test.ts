/**
 * 一事一议 applications (issue 15) over HTTP: a drug program pre-fills an application when a claim settles; the
 * guardian who enrolled a minor confirms it under a consent (another resident cannot; no consent changes
 * nothing); the charity keeping the fund asks for documents, then approves with the committee's decision —
 * paid exactly once from the fund, shown on the hospital's layered bill; another application is rejected with a
 * reason and the sweep does not propose it again. Every step leaves audit rows and tells the person.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundBalance, reconcileFund } from "../src/services/aid/funds.js";
import { matchYearToDate } from "../src/services/aid/match.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { Y } from "./fixtures.js";
import { aidFile, openFund, settle } from "./support/aid.js";
import { type ClaimsFixture, SETTLE_NOW, setupClaims, signedGet } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const BASE = `/api/v1/programs/${PROGRAM}`;

describe.each(BACKENDS)("aid applications on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    const ctx = platform.ctx;
    app = await testServer(platform);
    // P003 (张小明, born 2015) enrolled and paid for by P001 (res1) as their child.
    fx = await setupClaims(ctx, { insured: ["P001", "P002"] });
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "P001",
      members: [{ psnNo: "P003", relation: "child" }],
      channel: "offline",
    });
    // The fund is kept by the charity account ch1: it reviews the program's applications.
    await openFund(ctx, "rare", 100_000, "ch1");
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      aidFile({
        id: "rare-drug",
        name: "罕见病用药援助",
        fund: "rare",
        sponsor: { kind: "pharma", name: "某药企" },
        eligibility: { drugs: ["SMA001"] },
        covers: { kind: "drug_cost" },
        benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 100 },
        budget: { amount: 100_000, whenExhausted: "stop" },
        mode: { kind: "application", documents: ["诊断证明"], committee: true },
      }),
    );
    for (const u of ["res1", "res5", "op1", "ch1"]) as.set(u, await authHeaders(app, u));
    platform.clock.set(SETTLE_NOW);
    await settle(ctx, fx, "RARE-1", "P003", {
      inScope: Y(30_000),
      items: [{ code: "SMA001", amount: Y(20_000) }],
    });
    await settle(ctx, fx, "RARE-2", "P002", {
      inScope: Y(8_000),
      items: [{ code: "SMA001", amount: Y(5_000) }],
    });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const mine = async (user: string) => {
    const res = await app.inject({ method: "GET", url: `${BASE}/me/aid`, headers: as.get(user) });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const post = (user: string, url: string, payload: unknown) =>
    app.inject({ method: "POST", url: `${BASE}${url}`, headers: as.get(user), payload: payload as object });

  it("pre-fill → guardian's consent → documents → committee approval pays once; rejection; audit", async () => {
    const ctx = platform.ctx;
    // The guardian sees the minor's pre-filled application: the drug's own burden less what 惠民保 paid.
    const view = await mine("res1");
    const app1 = view.applications.find((a: { setl_id: string }) => a.setl_id === "RARE-1");
    expect(app1).toMatchObject({
      state: "proposed",
      documents_required: ["诊断证明"],
      committee_required: true,
    });
    const hmb = await ctx.db.query<{ hmb_pay_fen: string }>(
      "select hmb_pay_fen from claims where program_id = $1 and setl_id = 'RARE-1'",
      [PROGRAM],
    );
    const proposed = Y(20_000) - Number(hmb[0]?.hmb_pay_fen);
    expect(app1.proposed).toBe((proposed / 100).toFixed(2));
    const id = app1.application_id as string;

    // Another resident cannot confirm it; without the consent nothing changes.
    expect((await post("res5", `/aid-applications/${id}/confirm`, { consent: true })).statusCode).toBe(404);
    const noConsent = await post("res1", `/aid-applications/${id}/confirm`, { consent: false });
    expect(noConsent.statusCode).toBe(400);
    expect(noConsent.json().error.field).toBe("consent");
    const confirmed = await post("res1", `/aid-applications/${id}/confirm`, { consent: true });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ state: "submitted", consent_relation: "guardian" });

    // The charity keeping the fund reviews: its queue shows the person masked.
    const queue = await app.inject({
      method: "GET",
      url: `${BASE}/aid-applications?state=submitted`,
      headers: as.get("ch1"),
    });
    expect(queue.statusCode).toBe(200);
    expect(queue.json().applications.map((a: { application_id: string }) => a.application_id)).toEqual([id]);
    expect(queue.json().applications[0].psn_no).not.toBe("P003");
    const asked = await post("ch1", `/aid-applications/${id}/decision`, {
      action: "request_documents",
      documents: ["基因检测报告"],
    });
    expect(asked.json()).toMatchObject({ state: "documents_requested" });
    expect(
      (
        await post("res1", `/aid-applications/${id}/confirm`, {
          consent: true,
          documents: ["诊断证明", "基因检测报告"],
        })
      ).json(),
    ).toMatchObject({ state: "submitted" });

    // The committee is required: approval without it changes nothing.
    const amount = (proposed / 100).toFixed(2);
    const bare = await post("ch1", `/aid-applications/${id}/decision`, { action: "approve", amount });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error.field).toBe("committee");
    expect(await fundBalance(ctx.db, PROGRAM, "rare")).toBe(Y(100_000));
    const approved = await post("ch1", `/aid-applications/${id}/decision`, {
      action: "approve",
      amount,
      committee: { members: ["主任委员", "医学专家", "财务"], minutes: "符合援助条件，全额援助。" },
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: "approved", approved: amount });
    expect(approved.json().committee.members).toHaveLength(3);
    expect(await fundBalance(ctx.db, PROGRAM, "rare")).toBe(Y(100_000) - proposed);
    // Exactly once: a second approval is refused, and the fund is unchanged.
    const twice = await post("op1", `/aid-applications/${id}/decision`, { action: "approve", amount });
    expect(twice.statusCode).toBe(409);
    expect(await fundBalance(ctx.db, PROGRAM, "rare")).toBe(Y(100_000) - proposed);
    expect((await reconcileFund(ctx.db, PROGRAM, "rare")).ok).toBe(true);

    // The hospital's layered bill carries the aid.
    const target = `${BASE}/settlements/RARE-1/burden`;
    const bill = await app.inject({ method: "GET", url: target, headers: signedGet(fx, target) });
    expect(bill.statusCode).toBe(200);
    expect(bill.json().aid).toEqual([expect.objectContaining({ aid_program_id: "rare-drug", amount })]);
    expect(bill.json().final_burden).toBe(
      ((Y(30_000) - Number(hmb[0]?.hmb_pay_fen) - proposed) / 100).toFixed(2),
    );

    // P002's application is rejected with a reason; the sweep does not propose it again.
    const other = (
      await ctx.db.query<{ application_id: string }>(
        "select application_id from aid_applications where program_id = $1 and setl_id = 'RARE-2'",
        [PROGRAM],
      )
    )[0]?.application_id as string;
    await ctx.db.query(
      "update aid_applications set state = 'submitted' where program_id = $1 and application_id = $2",
      [PROGRAM, other],
    );
    expect(
      (await post("op1", `/aid-applications/${other}/decision`, { action: "reject", reason: "" })).statusCode,
    ).toBe(400);
    const rejected = await post("op1", `/aid-applications/${other}/decision`, {
      action: "reject",
      reason: "已享受同类药品援助",
    });
    expect(rejected.json()).toMatchObject({ state: "rejected", review_note: "已享受同类药品援助" });
    const sweep = await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
    expect([sweep.proposed, sweep.paid]).toEqual([0, 0]);

    // Audited and told.
    const actions = (
      await ctx.db.query<{ action: string }>(
        "select distinct action from audit_log where program_id = $1 and action like 'aid.%' order by action",
        [PROGRAM],
      )
    ).map((r) => r.action);
    for (const a of [
      "aid.application.approve",
      "aid.application.confirm",
      "aid.application.list",
      "aid.application.propose",
      "aid.application.reject",
      "aid.application.request_documents",
      "aid.burden.read",
      "aid.paid",
      "aid.resident.read",
    ])
      expect(actions).toContain(a);
    const told = await ctx.db.query<{ kind: string }>(
      "select kind from notifications where program_id = $1 and psn_no = 'P003' order by notification_id",
      [PROGRAM],
    );
    expect(told.map((n) => n.kind)).toEqual(
      expect.arrayContaining([
        "aid.application.proposed",
        "aid.application.request_documents",
        "aid.application.approve",
        "aid.paid",
      ]),
    );
  });
});
