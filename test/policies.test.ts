import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { refundQuote } from "../src/domain/refund.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import { fixedClock } from "../src/platform/clock.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { createCharityPool, donate, enroll } from "../src/services/enrollment.js";
import { gatewaysOf } from "../src/services/payments/registry.js";
import type { SandboxGateway } from "../src/services/payments/sandbox.js";
import { cancelPolicy } from "../src/services/policies.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, expectLedgerConsistent, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const coverage = {
  start: mustParseBusinessTime("2023-09-01 00:00"),
  end: mustParseBusinessTime("2024-08-31 24:00"),
};
const at = (iso: string) => new Date(iso).getTime();

describe("refund (pure)", () => {
  it("full refund before the effective date", () => {
    expect(
      refundQuote(6900, coverage, at("2023-08-31T23:59:59+08:00"), "unearned_pro_rata_by_day"),
    ).toMatchObject({
      kind: "full",
      amount: 6900,
      totalDays: 366,
    });
  });
  it("after: premium × remaining days / total days, floored; the day of cancellation is earned", () => {
    expect(
      refundQuote(6900, coverage, at("2023-09-01T10:00:00+08:00"), "unearned_pro_rata_by_day"),
    ).toMatchObject({
      kind: "pro_rata",
      remainingDays: 365,
      amount: 6881, // floor(6900 × 365 / 366) = floor(6881.147…)
    });
    expect(
      refundQuote(6900, coverage, at("2024-03-01T10:00:00+08:00"), "unearned_pro_rata_by_day"),
    ).toMatchObject({
      remainingDays: 183,
      amount: 3450,
    });
    expect(
      refundQuote(6900, coverage, at("2024-08-31T23:00:00+08:00"), "unearned_pro_rata_by_day").amount,
    ).toBe(0);
    expect(
      refundQuote(6900, coverage, at("2024-09-01T00:00:00+08:00"), "unearned_pro_rata_by_day").kind,
    ).toBe("none");
    expect(refundQuote(6900, coverage, at("2023-10-01T00:00:00+08:00"), "none").amount).toBe(0);
    // chuxiong: 2023 is 365 days
    const cx = {
      start: mustParseBusinessTime("2023-01-01 00:00"),
      end: mustParseBusinessTime("2023-12-31 24:00"),
    };
    expect(refundQuote(12800, cx, at("2023-07-01T08:00:00+08:00"), "unearned_pro_rata_by_day")).toMatchObject(
      {
        totalDays: 365,
        remainingDays: 183,
        amount: 6417, // floor(12800 × 183 / 365) = floor(6417.53…)
      },
    );
  });
  it("is integer, within [0, premium] and never increases with time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: coverage.start - 86_400_000 * 30, max: coverage.end + 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 * 40 }),
        (premium, t, dt) => {
          const a = refundQuote(premium, coverage, t, "unearned_pro_rata_by_day");
          const b = refundQuote(premium, coverage, t + dt, "unearned_pro_rata_by_day");
          return Number.isInteger(a.amount) && a.amount >= 0 && a.amount <= premium && b.amount <= a.amount;
        },
      ),
    );
  });
});

describe.each(BACKENDS)("policies on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let cash: SandboxGateway;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx, [
      { psnNo: "C001", name: "欧阳娜娜", brdy: "1990-01-01" },
      { psnNo: "C002", name: "慈二", brdy: "1990-01-02", cohort: "dibao" },
    ]);
    cash = gatewaysOf(platform.ctx).cash as SandboxGateway;
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  const policyUrl = (no: string) => `/api/v1/programs/${PROGRAM}/policies/${no}`;

  it("owner reads in full, bureau and co-insurer masked, other residents not at all; every read audited", async () => {
    const e = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "P001",
      channel: "offline",
    });
    const no = e.policies[0]?.policy_no as string;
    const auditsBefore = await platform.ctx.db.query("select 1 from audit_log where action = 'policy.read'");
    const owner = await app.inject({
      method: "GET",
      url: policyUrl(no),
      headers: await authHeaders(app, "res1"),
    });
    expect(owner.statusCode).toBe(200);
    expect(owner.json()).toMatchObject({ psn_name: "张三", status: "pending_effective", premium: "69.00" });
    expect(owner.json().certno).toMatch(/^532621\d{11}[\dX]$/);
    expect(owner.json().verification_code).toMatch(/^[A-Z2-9]{16}$/);
    const bureau = await app.inject({
      method: "GET",
      url: policyUrl(no),
      headers: await authHeaders(app, "bureau1"),
    });
    expect(bureau.statusCode).toBe(200);
    expect(bureau.json().psn_name).toBe("张*");
    expect(bureau.json().certno).toMatch(/^5326\*+\w{4}$/);
    expect(bureau.json().verification_code).toBeUndefined();
    const insurer = await app.inject({
      method: "GET",
      url: policyUrl(no),
      headers: await authHeaders(app, "ins1"),
    });
    expect(insurer.json().psn_name).toBe("张*");
    const stranger = await app.inject({
      method: "GET",
      url: policyUrl(no),
      headers: await authHeaders(app, "res5"),
    });
    expect(stranger.statusCode).toBe(404);
    const anonymous = await app.inject({ method: "GET", url: policyUrl(no) });
    expect(anonymous.statusCode).toBe(401);
    const charity = await app.inject({
      method: "GET",
      url: policyUrl(no),
      headers: await authHeaders(app, "ch1"),
    });
    expect(charity.statusCode).toBe(403);
    const auditsAfter = await platform.ctx.db.query("select 1 from audit_log where action = 'policy.read'");
    expect(auditsAfter.length - auditsBefore.length).toBe(3);
  });

  it("e-policy certificate in HTML and PDF with a verification code; public verification shows masked data only", async () => {
    const headers = await authHeaders(app, "res1");
    const no = (
      await platform.ctx.db.query<{ policy_no: string; verification_code: string }>(
        "select policy_no, verification_code from policies where psn_no = 'P001'",
      )
    )[0] as { policy_no: string; verification_code: string };
    const html = await app.inject({
      method: "GET",
      url: `${policyUrl(no.policy_no)}/certificate.html`,
      headers,
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toContain("text/html");
    expect(html.body).toContain(no.policy_no);
    expect(html.body).toContain(no.verification_code);
    expect(html.body).toContain("2023-09-01 00:00:00");
    const pdf = await app.inject({
      method: "GET",
      url: `${policyUrl(no.policy_no)}/certificate.pdf`,
      headers,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    // The Chinese font is embedded (a subset), so the certificate prints 电子保单 rather than empty boxes.
    expect(pdf.rawPayload.toString("latin1")).toMatch(/BaseFont \/[A-Z]{6}\+NotoSansHans/);
    const verify = await app.inject({ method: "GET", url: `/api/v1/verify/${no.verification_code}` });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({
      valid: true,
      policy: { policy_no: no.policy_no, psn_name: "张*" },
    });
    expect(verify.body).not.toContain("张三");
    expect(verify.json().policy.certno).toContain("****");
    expect((await app.inject({ method: "GET", url: "/api/v1/verify/ZZZZZZZZZZZZZZZZ" })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ method: "GET", url: "/api/v1/verify/bad" })).statusCode).toBe(400);
    const audits = await platform.ctx.db.query(
      "select 1 from audit_log where action in ('policy.verify','policy.certificate')",
    );
    expect(audits.length).toBeGreaterThanOrEqual(3);
  });

  it("cancellation before the effective date: quote, then full refund through the gateway", async () => {
    const headers = await authHeaders(app, "op1");
    const e = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "P002",
      channel: "cash",
    });
    const no = e.policies[0]?.policy_no as string;
    await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${e.payment.order_no}` });
    const quote = await app.inject({ method: "GET", url: `${policyUrl(no)}/cancel/quote`, headers });
    expect(quote.statusCode).toBe(200);
    expect(quote.json()).toMatchObject({ kind: "full", refund_fen: 6900, refund: "69.00", channel: "cash" });
    const wrong = await app.inject({
      method: "POST",
      url: `${policyUrl(no)}/cancel`,
      headers,
      payload: { expected_refund_fen: 100 },
    });
    expect(wrong.statusCode).toBe(409);
    const badBody = await app.inject({
      method: "POST",
      url: `${policyUrl(no)}/cancel`,
      headers,
      payload: { why: 1 },
    });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error.field).toBe("why");
    const st = await platform.ctx.db.query<{ status: string }>(
      "select status from policies where policy_no = $1",
      [no],
    );
    expect(st[0]?.status).toBe("pending_effective");
    const cancel = await app.inject({
      method: "POST",
      url: `${policyUrl(no)}/cancel`,
      headers,
      payload: { expected_refund_fen: 6900, reason: "不想要了" },
    });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ status: "cancelled", refund_fen: 6900 });
    expect(
      [...cash.refunds.values()].filter((r) => r.orderNo === e.payment.order_no).map((r) => r.amount),
    ).toEqual([6900]);
    const again = await app.inject({ method: "POST", url: `${policyUrl(no)}/cancel`, headers });
    expect(again.statusCode).toBe(409);
    const events = await platform.ctx.db.query<{ event: string }>(
      "select event from policy_events where policy_no = $1 order by seq",
      [no],
    );
    expect(events.map((x) => x.event)).toEqual(["created", "issued", "cancelled"]);
  });

  it("cancellation after the effective date refunds the cash value: exact amounts, back to the original channel", async () => {
    const family = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "P003",
      members: [
        { psnNo: "P003", relation: "self" },
        { psnNo: "P004", relation: "parent" },
      ],
      channel: "cash",
    });
    await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${family.payment.order_no}` });
    await createCharityPool(platform.ctx, CLI_ACTOR, { programId: PROGRAM, poolId: "union", name: "总工会" });
    await donate(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      poolId: "union",
      amountFen: 10000,
      donor: "工会",
      ref: "U1",
    });
    const sponsored = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "charity",
      psnNos: ["C002"],
      channel: "charity:union",
    });
    const later = { ...platform.ctx, clock: fixedClock(new Date("2024-03-01T10:00:00+08:00")) };
    const lateApp = await testServer({ ...platform, ctx: later });
    const parentNo = family.policies[1]?.policy_no as string;
    const res = await lateApp.inject({
      method: "GET",
      url: `${policyUrl(parentNo)}/cancel/quote`,
      headers: await authHeaders(lateApp, "op1"),
    });
    expect(res.json()).toMatchObject({
      status: "active",
      kind: "pro_rata",
      remaining_days: 183,
      total_days: 366,
      refund_fen: 3450,
    });
    const done = await lateApp.inject({
      method: "POST",
      url: `${policyUrl(parentNo)}/cancel`,
      headers: await authHeaders(lateApp, "op1"),
      payload: { expected_refund_fen: 3450 },
    });
    await lateApp.close();
    expect(done.statusCode).toBe(200);
    expect(
      [...cash.refunds.values()].filter((r) => r.orderNo === family.payment.order_no).map((r) => r.amount),
    ).toEqual([3450]);
    const c = await cancelPolicy(
      { ...platform.ctx, clock: fixedClock(new Date("2023-09-01T10:00:00+08:00")) },
      CLI_ACTOR,
      PROGRAM,
      sponsored.policies[0]?.policy_no as string,
      {},
    );
    expect(c).toMatchObject({ refund_fen: 6881, kind: "pro_rata" });
    const pool = await platform.ctx.db.query<{ balance_fen: number }>(
      "select balance_fen from charity_pools where pool_id = 'union'",
    );
    expect(Number(pool[0]?.balance_fen)).toBe(10000 - 6900 + 6881);
  });

  it("cancelling an unpaid policy refunds nothing; a payment arriving afterwards is refunded in full", async () => {
    const e = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "C001",
      channel: "cash",
    });
    const no = e.policies[0]?.policy_no as string;
    const c = await cancelPolicy(platform.ctx, CLI_ACTOR, PROGRAM, no, {});
    expect(c).toMatchObject({ kind: "unpaid", refund_fen: 0, refund_no: null });
    const late = await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${e.payment.order_no}` });
    expect(late.json()).toMatchObject({ changed: true, refunds_requested: 1 });
    expect(
      [...cash.refunds.values()].filter((r) => r.orderNo === e.payment.order_no).map((r) => r.amount),
    ).toEqual([6900]);
  });
});
