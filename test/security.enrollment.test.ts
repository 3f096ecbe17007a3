/**
 * Issue 10, finding 1 — "stranger enrollment leaks ID numbers and blocks people". A resident names a family
 * member by ID number and name (a bare roster psn_no is refused); no ID number but the caller's own is shown
 * unmasked to a resident; an unpaid order reserves nobody (the member can enroll and pay themselves, the
 * payment landing second is refunded exactly once); unpaid orders expire (default 30 minutes,
 * HMB_ORDER_EXPIRY_MINUTES) and show when.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../src/platform/clock.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import {
  DEFAULT_ORDER_EXPIRY_MINUTES,
  ORDER_EXPIRY_ENV,
  orderExpiryMinutes,
  sandboxPay,
} from "../src/services/payments/index.js";
import { gatewaysOf } from "../src/services/payments/registry.js";
import type { SandboxGateway } from "../src/services/payments/sandbox.js";
import { createUser } from "../src/services/users.js";
import { memberIdentity } from "./support/members.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, expectLedgerConsistent, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

/** Residents of this suite: a payer (res1 = P001 from setupWenshan) and relatives with their own logins. */
const RELATIVES = [
  { psnNo: "F101", name: "刘一", brdy: "1955-02-01", username: "resF101" },
  { psnNo: "F102", name: "刘二", brdy: "1957-03-01", username: "resF102" },
  { psnNo: "F103", name: "刘三", brdy: "2012-04-01", username: "resF103" },
  { psnNo: "F104", name: "刘四", brdy: "2014-05-01", username: "resF104" },
  { psnNo: "F105", name: "刘五", brdy: "1988-06-01", username: "resF105" },
  { psnNo: "F106", name: "刘六", brdy: "1989-07-01", username: "resF106" },
] as const;
const PASSWORD = "relative-pass-1";

describe.each(BACKENDS)("security: family enrollment on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let cash: SandboxGateway;
  const url = `/api/v1/programs/${PROGRAM}/enrollments`;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(
      platform.ctx,
      RELATIVES.map((r) => ({ psnNo: r.psnNo, name: r.name, brdy: r.brdy })),
    );
    for (const r of RELATIVES) {
      await createUser(platform.ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username: r.username,
        role: "resident",
        password: PASSWORD,
        psnNo: r.psnNo,
      });
    }
    cash = gatewaysOf(platform.ctx).cash as SandboxGateway;
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  async function login(username: string, server = app): Promise<Record<string, string>> {
    const res = await server.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${res.json().token as string}` };
  }
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await platform.ctx.db.query<{ n: number }>(sql, params as never[]))[0]?.n);
  const policiesOf = (psnNo: string) =>
    platform.ctx.db.query<{ policy_no: string; status: string; issued: boolean; payer_psn_no: string }>(
      `select policy_no, status, issued_at is not null as issued, payer_psn_no from policies
        where program_id = $1 and psn_no = $2 order by created_at, policy_no`,
      [PROGRAM, psnNo],
    );

  it("the issue's repro: a bare psn_no from a resident is refused; a stranger's ID number with a wrong name too; the right ID number and name enroll", async () => {
    const headers = await authHeaders(app, "res1");
    const before = await count("select count(*)::int as n from policies");
    const bare = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        payer_psn_no: "P001",
        channel: "cash",
        members: [{ psn_no: "F101", relation: "parent" }],
      },
    });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error).toMatchObject({ code: "member_identity_required", field: "members[0].psn_no" });
    expect(bare.json().error.message).toContain("身份证号");
    // individual with someone else's psn_no is the same hole through another door
    const individual = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "F101", payer_psn_no: "P001", channel: "cash" },
    });
    expect(individual.statusCode).toBe(400);
    expect(individual.json().error.field).toBe("psn_no");

    const stranger = await memberIdentity(platform.ctx, PROGRAM, "F101");
    const wrongName = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        channel: "cash",
        members: [{ certno: stranger.certno, psn_name: "王大锤", relation: "parent" }],
      },
    });
    expect(wrongName.statusCode).toBe(422);
    expect(wrongName.json().error).toMatchObject({ code: "member_not_matched", field: "members[0].certno" });
    // An ID number not on the roster answers exactly the same (no oracle for who is on it).
    const unknown = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        channel: "cash",
        members: [{ certno: "11010519491231002X", psn_name: "刘一", relation: "parent" }],
      },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toEqual(wrongName.json().error);
    const badCertno = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        channel: "cash",
        members: [{ certno: "532621195502010000", psn_name: "刘一", relation: "parent" }],
      },
    });
    expect(badCertno.statusCode).toBe(400);
    expect(badCertno.json().error).toMatchObject({ code: "invalid_certno", field: "members[0].certno" });
    const noName = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        channel: "cash",
        members: [{ certno: stranger.certno, relation: "parent" }],
      },
    });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.field).toBe("members[0].psn_name");
    expect(await count("select count(*)::int as n from policies")).toBe(before);

    // The right ID number and name (surrounding spaces, lower-case x forgiven); the payer is the caller.
    const ok = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        channel: "cash",
        members: [
          { relation: "self" },
          { certno: ` ${stranger.certno.toLowerCase()} `, psn_name: " 刘一 ", relation: "parent" },
        ],
      },
    });
    expect(ok.statusCode).toBe(201);
    expect(
      ok.json().policies.map((p: { psn_no: string; relation: string }) => [p.psn_no, p.relation]),
    ).toEqual([
      ["P001", "self"],
      ["F101", "parent"],
    ]);
    expect(ok.body).not.toContain(stranger.certno);
    expect((await policiesOf("F101")).map((p) => p.payer_psn_no)).toEqual(["P001"]);
    // Paid, so the next tests start from an issued family.
    expect((await sandboxPay(platform.ctx, ok.json().payment.order_no)).status).toBe("paid");

    // Staff keep the psn_no form.
    const staff = await app.inject({
      method: "POST",
      url,
      headers: await authHeaders(app, "op1"),
      payload: {
        kind: "family",
        payer_psn_no: "F105",
        channel: "offline",
        members: [
          { psn_no: "F105", relation: "self" },
          { psn_no: "F106", relation: "spouse" },
        ],
      },
    });
    expect(staff.statusCode).toBe(201);
  });

  it("the payer sees the member's ID number masked everywhere; the member sees their own in full", async () => {
    const payer = await authHeaders(app, "res1");
    const member = await memberIdentity(platform.ctx, PROGRAM, "F101");
    const [policy] = await policiesOf("F101");
    const policyNo = policy?.policy_no ?? "";
    const policyUrl = `/api/v1/programs/${PROGRAM}/policies/${policyNo}`;
    const paid = await platform.ctx.db.query<{ paid_order_no: string }>(
      "select paid_order_no from policies where program_id = $1 and policy_no = $2",
      [PROGRAM, policyNo],
    );
    const read = await app.inject({ method: "GET", url: policyUrl, headers: payer });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ psn_no: "F101", psn_name: "刘一", payer_psn_no: "P001" });
    expect(read.json().certno).toBe(`${member.certno.slice(0, 4)}**********${member.certno.slice(-4)}`);
    expect(read.body).not.toContain(member.certno);
    const reads: { path: string; body: string }[] = [];
    for (const path of [
      `${policyUrl}/certificate.html`,
      `${policyUrl}/cancel/quote`,
      `/api/v1/programs/${PROGRAM}/me`,
      `/api/v1/programs/${PROGRAM}/payments/${paid[0]?.paid_order_no}`,
    ]) {
      const res = await app.inject({ method: "GET", url: path, headers: payer });
      expect(res.statusCode, path).toBe(200);
      reads.push({ path, body: res.body });
    }
    for (const r of reads) expect(r.body, r.path).not.toContain(member.certno);
    expect(reads[0]?.body).toContain(member.certno.slice(-4));
    // The insured themself reads their own ID number in full (and only on the policy, not the certificate).
    const own = await app.inject({ method: "GET", url: policyUrl, headers: await login("resF101") });
    expect(own.statusCode).toBe(200);
    expect(own.json().certno).toBe(member.certno);
    const audited = await count(
      "select count(*)::int as n from audit_log where action = 'policy.read' and subject = $1 and detail->>'mode' = 'payer'",
      [policyNo],
    );
    expect(audited).toBe(1);
  });

  it("an unpaid order reserves nobody: the member enrolls and pays first, the payer's payment is refunded exactly once", async () => {
    const member = await memberIdentity(platform.ctx, PROGRAM, "F102");
    // The payer's family order (made at the counter here, so the scenario reads the same before the fix:
    // then the member was refused with 409 already_enrolled until the payer paid, forever if never).
    const family = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "P001",
      members: [{ psnNo: "F102", relation: "parent" }],
      channel: "cash",
    });
    const payerOrder = family.payment.order_no;

    // The member is not blocked by the payer's unpaid order.
    const memberHeaders = await login("resF102");
    const elig = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/eligibility`,
      headers: memberHeaders,
      payload: { certno: member.certno },
    });
    expect(elig.json()).toMatchObject({ eligible: true, enrolled: false });
    const meBefore = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/me`,
      headers: memberHeaders,
    });
    expect(meBefore.json().policies).toEqual([]); // someone else's unpaid draft is not theirs
    const self = await app.inject({
      method: "POST",
      url,
      headers: memberHeaders,
      payload: { kind: "individual", channel: "cash" },
    });
    expect(self.statusCode).toBe(201);
    expect(self.json().policies[0]).toMatchObject({ psn_no: "F102", relation: "self" });
    expect((await sandboxPay(platform.ctx, self.json().payment.order_no)).status).toBe("paid");

    // The payer's payment lands second: refunded in full, once, through the gateway; nothing issued.
    const late = await sandboxPay(platform.ctx, payerOrder);
    expect(late).toMatchObject({ status: "paid", changed: true, refunds_requested: 1 });
    const refunds = await platform.ctx.db.query<{ reason: string; status: string; amount_fen: number }>(
      "select reason, status, amount_fen from refunds where program_id = $1 and order_no = $2",
      [PROGRAM, payerOrder],
    );
    expect(refunds).toEqual([{ reason: "duplicate_payment", status: "paid", amount_fen: 6900 }]);
    expect([...cash.refunds.values()].filter((r) => r.orderNo === payerOrder).map((r) => r.amount)).toEqual([
      6900,
    ]);
    expect((await policiesOf("F102")).map((p) => [p.payer_psn_no, p.status, p.issued])).toEqual([
      ["P001", "cancelled", false],
      ["F102", "pending_effective", true],
    ]);
    // A replayed callback changes nothing and refunds nothing more.
    const gateway = cash;
    const replay = gateway.signCallback({
      programId: PROGRAM,
      orderNo: payerOrder,
      status: "paid",
      amount: 6900,
      providerTxn: "REPLAY-1",
    });
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: replay.headers,
      payload: replay.body,
    });
    expect(again.json()).toMatchObject({ changed: false, refunds_requested: 0 });
    expect(
      await count("select count(*)::int as n from refunds where program_id = $1 and order_no = $2", [
        PROGRAM,
        payerOrder,
      ]),
    ).toBe(1);
  });

  it("and the other way round: the payer's payment lands first, the member's own is refunded", async () => {
    const payer = await authHeaders(app, "res1");
    const member = await memberIdentity(platform.ctx, PROGRAM, "F103");
    const memberHeaders = await login("resF103");
    const family = await app.inject({
      method: "POST",
      url,
      headers: payer,
      payload: { kind: "family", channel: "cash", members: [{ ...member, relation: "child" }] },
    });
    expect(family.statusCode).toBe(201);
    const self = await app.inject({
      method: "POST",
      url,
      headers: memberHeaders,
      payload: { kind: "individual", channel: "cash" },
    });
    expect(self.statusCode).toBe(201);
    expect((await sandboxPay(platform.ctx, family.json().payment.order_no)).refunds_requested).toBe(0);
    const late = await sandboxPay(platform.ctx, self.json().payment.order_no);
    expect(late).toMatchObject({ status: "paid", changed: true, refunds_requested: 1 });
    expect((await policiesOf("F103")).map((p) => [p.payer_psn_no, p.status, p.issued])).toEqual([
      ["P001", "pending_effective", true],
      ["F103", "cancelled", false],
    ]);
    // The member now sees the policy the payer paid for them (as insured, not payer), and their own
    // enrollment attempt is refused as already enrolled.
    const me = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/me`,
      headers: memberHeaders,
    });
    expect(
      me
        .json()
        .policies.map((p: { status: string; is_insured: boolean; is_payer: boolean }) => [
          p.status,
          p.is_insured,
          p.is_payer,
        ]),
    ).toEqual([["pending_effective", true, false]]);
    const again = await app.inject({
      method: "POST",
      url,
      headers: memberHeaders,
      payload: { kind: "individual", channel: "cash" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("already_enrolled");
    expect(
      await count(
        "select count(*)::int as n from refunds where program_id = $1 and order_no = $2 and reason = 'duplicate_payment'",
        [PROGRAM, self.json().payment.order_no],
      ),
    ).toBe(1);
  });

  it("unpaid orders expire after the configured time; the expiry is visible and a late payment is refunded", async () => {
    expect(orderExpiryMinutes({})).toBe(DEFAULT_ORDER_EXPIRY_MINUTES);
    expect(orderExpiryMinutes({ [ORDER_EXPIRY_ENV]: "5" })).toBe(5);
    for (const bad of ["0", "-1", "1.5", "abc", "99999999"])
      expect(() => orderExpiryMinutes({ [ORDER_EXPIRY_ENV]: bad }), bad).toThrow(ORDER_EXPIRY_ENV);

    const payer = await authHeaders(app, "res1");
    const member = await memberIdentity(platform.ctx, PROGRAM, "F104");
    const family = await app.inject({
      method: "POST",
      url,
      headers: payer,
      payload: { kind: "family", channel: "cash", members: [{ ...member, relation: "child" }] },
    });
    expect(family.statusCode).toBe(201);
    const orderNo = family.json().payment.order_no as string;
    // NOW is 2023-08-01 10:00 Beijing time; the default expiry is 30 minutes.
    expect(family.json().payment).toMatchObject({ status: "created", expires_at: "2023-08-01 10:30:00" });
    const orderUrl = `/api/v1/programs/${PROGRAM}/payments/${orderNo}`;
    expect((await app.inject({ method: "GET", url: orderUrl, headers: payer })).json()).toMatchObject({
      status: "created",
      expires_at: "2023-08-01 10:30:00",
    });

    // One minute after expiry (same database, a later business clock).
    const later = {
      ...platform,
      ctx: { ...platform.ctx, clock: fixedClock(new Date("2023-08-01T10:31:00+08:00")) },
    };
    const lateApp = await testServer(later);
    try {
      const lateHeaders = await authHeaders(lateApp, "res1");
      const order = await lateApp.inject({ method: "GET", url: orderUrl, headers: lateHeaders });
      expect(order.json()).toMatchObject({ status: "expired", expires_at: "2023-08-01 10:30:00" });
      expect(order.json().pay_url).toBeUndefined();
      const stored = await platform.ctx.db.query<{ status: string }>(
        "select status from payment_orders where program_id = $1 and order_no = $2",
        [PROGRAM, orderNo],
      );
      expect(stored).toEqual([{ status: "expired" }]);
      expect((await policiesOf("F104")).map((p) => [p.status, p.issued])).toEqual([["cancelled", false]]);
      const me = await lateApp.inject({
        method: "GET",
        url: `/api/v1/programs/${PROGRAM}/me`,
        headers: lateHeaders,
      });
      expect(me.json().policies.map((p: { psn_no: string }) => p.psn_no)).not.toContain("F104");

      // The payer pays anyway (the callback arrives after expiry): refunded in full, never applied.
      const paid = await sandboxPay(later.ctx, orderNo);
      expect(paid).toMatchObject({ status: "expired", changed: true, refunds_requested: 1 });
      const refunds = await platform.ctx.db.query<{ reason: string; status: string; amount_fen: number }>(
        "select reason, status, amount_fen from refunds where program_id = $1 and order_no = $2",
        [PROGRAM, orderNo],
      );
      expect(refunds).toEqual([{ reason: "order_expired", status: "paid", amount_fen: 6900 }]);
      expect((await policiesOf("F104")).map((p) => [p.status, p.issued])).toEqual([["cancelled", false]]);
      expect((await sandboxPay(later.ctx, orderNo)).changed).toBe(false);
      expect(
        await count("select count(*)::int as n from refunds where program_id = $1 and order_no = $2", [
          PROGRAM,
          orderNo,
        ]),
      ).toBe(1);

      // The member is free to enroll after the expiry.
      const self = await lateApp.inject({
        method: "POST",
        url,
        headers: await login("resF104", lateApp),
        payload: { kind: "individual", channel: "cash" },
      });
      expect(self.statusCode).toBe(201);
      expect(self.json().payment.expires_at).toBe("2023-08-01 11:01:00");
    } finally {
      await lateApp.close();
    }
  });

  it("HMB_ORDER_EXPIRY_MINUTES sets the expiry; reconciliation records expiries and refunds a lost late payment", async () => {
    const previous = process.env[ORDER_EXPIRY_ENV];
    process.env[ORDER_EXPIRY_ENV] = "5";
    try {
      const r = await app.inject({
        method: "POST",
        url,
        headers: await login("resF105"),
        payload: { kind: "individual", channel: "cash" },
      });
      // F105 is insured already (staff enrolled them in the first test).
      expect(r.statusCode).toBe(409);
      const payer = await authHeaders(app, "res5");
      const made = await app.inject({
        method: "POST",
        url,
        headers: payer,
        payload: { kind: "individual", channel: "cash" },
      });
      expect(made.statusCode).toBe(201);
      expect(made.json().payment.expires_at).toBe("2023-08-01 10:05:00");
      const orderNo = made.json().payment.order_no as string;
      // Paid at the provider, but the callback never arrives; then the order's time runs out.
      cash.pay({ programId: PROGRAM, orderNo, status: "paid", amount: 6900 });
      const later = { ...platform.ctx, clock: fixedClock(new Date("2023-08-01T10:20:00+08:00")) };
      const lateApp = await testServer({ ...platform, ctx: later });
      try {
        const rec = await lateApp.inject({
          method: "POST",
          url: `/api/v1/programs/${PROGRAM}/payments/reconcile`,
          headers: await authHeaders(lateApp, "op1"),
          payload: {},
        });
        expect(rec.statusCode).toBe(200);
        // Not counted as paid: the payment is refunded (at once, by the payment path), never applied.
        expect(rec.json()).toMatchObject({ paid: 0, amount_mismatches: [] });
        const order = await platform.ctx.db.query<{ status: string; provider_txn: string | null }>(
          "select status, provider_txn from payment_orders where program_id = $1 and order_no = $2",
          [PROGRAM, orderNo],
        );
        expect(order[0]?.status).toBe("expired");
        expect(order[0]?.provider_txn).not.toBeNull();
        expect(
          await count(
            "select count(*)::int as n from refunds where program_id = $1 and order_no = $2 and reason = 'order_expired'",
            [PROGRAM, orderNo],
          ),
        ).toBe(1);
      } finally {
        await lateApp.close();
      }
    } finally {
      if (previous === undefined) delete process.env[ORDER_EXPIRY_ENV];
      else process.env[ORDER_EXPIRY_ENV] = previous;
    }
  });
});
