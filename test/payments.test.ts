import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll, preauthorizePersonalAccount } from "../src/services/enrollment.js";
import { createOrderTx, handleCallback, newOrderNo, sandboxPay } from "../src/services/payments/index.js";
import { gatewaysOf } from "../src/services/payments/registry.js";
import { SandboxGateway } from "../src/services/payments/sandbox.js";
import { memberIdentity } from "./support/members.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import {
  authHeaders,
  expectLedgerConsistent,
  NOW,
  PROGRAM,
  premiumIncome,
  setupWenshan,
} from "./support/roster.js";

describe.each(BACKENDS)("payments on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let cash: SandboxGateway;
  let medicare: SandboxGateway;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx, [
      { psnNo: "Q001", name: "甲", brdy: "1980-01-01" },
      { psnNo: "Q002", name: "乙", brdy: "1980-01-02" },
      { psnNo: "Q003", name: "丙", brdy: "1980-01-03" },
      { psnNo: "Q004", name: "丁", brdy: "1980-01-04" },
      { psnNo: "Q005", name: "戊", brdy: "1980-01-05" },
      { psnNo: "Q006", name: "己", brdy: "1980-01-06" },
      { psnNo: "Q007", name: "庚", brdy: "1980-01-07" },
      { psnNo: "Q008", name: "辛", brdy: "1980-01-08" },
      { psnNo: "Q009", name: "壬", brdy: "1980-01-09" },
    ]);
    const g = gatewaysOf(platform.ctx);
    cash = g.cash as SandboxGateway;
    medicare = g.personalAccount as SandboxGateway;
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  const cashEnroll = (psnNo: string) =>
    enroll(platform.ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo, channel: "cash" });
  const orderStatus = async (orderNo: string) =>
    (
      await platform.ctx.db.query<{ status: string }>(
        "select status from payment_orders where order_no = $1",
        [orderNo],
      )
    )[0]?.status;

  it("a signed callback pays once; a replay changes nothing; a forged or tampered one is 401 and changes nothing", async () => {
    const e = await cashEnroll("Q001");
    const orderNo = e.payment.order_no;
    const signed = cash.pay({ programId: PROGRAM, orderNo, status: "paid", amount: 6900 });
    const forged = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: { ...signed.headers, "x-sandbox-signature": "00".repeat(32) },
      payload: signed.body,
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe("invalid_signature");
    const tampered = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: signed.headers,
      payload: signed.body.replace('"amount_fen":6900', '"amount_fen":1'),
    });
    expect(tampered.statusCode).toBe(401);
    const other = new SandboxGateway("sandbox").pay({
      programId: PROGRAM,
      orderNo,
      status: "paid",
      amount: 6900,
    });
    const wrongKey = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: other.headers,
      payload: other.body,
    });
    expect(wrongKey.statusCode).toBe(401);
    expect(await orderStatus(orderNo)).toBe("created");
    expect(await premiumIncome(platform.ctx, PROGRAM)).toBe(0);

    const ok = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: signed.headers,
      payload: signed.body,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: "paid", changed: true });
    const replay = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: signed.headers,
      payload: signed.body,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: "paid", changed: false });
    expect(await premiumIncome(platform.ctx, PROGRAM)).toBe(6900);
    const unknown = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/nobody",
      headers: signed.headers,
      payload: signed.body,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("reconciliation asks the provider about orders whose callback never came and applies the answer once", async () => {
    const lost = await cashEnroll("Q007");
    const declined = await cashEnroll("Q008");
    const open = await cashEnroll("Q009");
    // The provider collects Q007's premium and declines Q008's, but neither callback reaches us.
    const lateCallback = cash.pay({
      programId: PROGRAM,
      orderNo: lost.payment.order_no,
      status: "paid",
      amount: lost.payment.amount_fen,
    });
    cash.pay({
      programId: PROGRAM,
      orderNo: declined.payment.order_no,
      status: "failed",
      amount: declined.payment.amount_fen,
    });
    const op = await authHeaders(app, "op1");
    const reconcile = (payload: unknown, headers = op) =>
      app.inject({
        method: "POST",
        url: `/api/v1/programs/${PROGRAM}/payments/reconcile`,
        headers,
        payload: payload as object,
      });
    const income = await premiumIncome(platform.ctx, PROGRAM);
    const first = await reconcile({ older_than_minutes: 0 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ paid: 1, failed: 1, amount_mismatches: [] });
    expect(first.json().pending).toBeGreaterThanOrEqual(1);
    expect(await orderStatus(lost.payment.order_no)).toBe("paid");
    expect(await orderStatus(declined.payment.order_no)).toBe("failed");
    expect(await orderStatus(open.payment.order_no)).toBe("created");
    expect(await premiumIncome(platform.ctx, PROGRAM)).toBe(income + lost.payment.amount_fen);
    const policy = await platform.ctx.db.query<{ status: string }>(
      "select status from policies where program_id = $1 and psn_no = 'Q007'",
      [PROGRAM],
    );
    expect(policy[0]?.status).not.toBe("pending_payment");

    // Again, and the late callback: nothing changes.
    expect((await reconcile({ older_than_minutes: 0 })).json()).toMatchObject({ paid: 0, failed: 0 });
    const late = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: lateCallback.headers,
      payload: lateCallback.body,
    });
    expect(late.json()).toMatchObject({ status: "paid", changed: false });
    expect(await premiumIncome(platform.ctx, PROGRAM)).toBe(income + lost.payment.amount_fen);

    // Orders younger than the threshold are left alone; bad input and other roles are refused.
    expect((await reconcile({ older_than_minutes: 60 })).json()).toMatchObject({ checked: 0 });
    const bad = await reconcile({ older_than_minutes: -1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("older_than_minutes");
    expect((await reconcile({}, await authHeaders(app, "res1"))).statusCode).toBe(403);
  });

  it("concurrent duplicate callbacks pay exactly once", async () => {
    const e = await cashEnroll("Q002");
    const signed = cash.pay({
      programId: PROGRAM,
      orderNo: e.payment.order_no,
      status: "paid",
      amount: 6900,
    });
    const before = await premiumIncome(platform.ctx, PROGRAM);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => handleCallback(platform.ctx, "sandbox", signed.body, signed.headers)),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await premiumIncome(platform.ctx, PROGRAM)).toBe(before + 6900);
    const events = await platform.ctx.db.query(
      "select 1 from policy_events e join policies p using (program_id, policy_no) where p.psn_no = 'Q002' and e.event = 'issued'",
    );
    expect(events).toHaveLength(1);
  });

  it("an amount different from the order is refused and changes nothing", async () => {
    const e = await cashEnroll("Q003");
    const signed = cash.pay({ programId: PROGRAM, orderNo: e.payment.order_no, status: "paid", amount: 100 });
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: signed.headers,
      payload: signed.body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("amount_mismatch");
    expect(await orderStatus(e.payment.order_no)).toBe("created");
    // and the honest payment still goes through
    expect((await sandboxPay(platform.ctx, e.payment.order_no)).changed).toBe(true);
  });

  it("seed 004: personal-account deduction succeeds after cash was paid → the cash is refunded automatically", async () => {
    const headers = await authHeaders(app, "res1");
    const enrolled = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/enrollments`,
      headers,
      payload: { kind: "individual", psn_no: "P001", channel: "cash" },
    });
    expect(enrolled.statusCode).toBe(201);
    const cashOrder = enrolled.json().payment.order_no as string;
    expect(
      (await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${cashOrder}` })).json().changed,
    ).toBe(true);
    const pre = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/payments/personal-account/preauth`,
      headers,
      payload: { payer_psn_no: "P001", psn_nos: ["P001"] },
    });
    expect(pre.statusCode).toBe(201);
    expect(pre.json().payment).toMatchObject({
      channel: "personal_account",
      status: "preauthorized",
      amount_fen: 6900,
    });
    const paOrder = pre.json().payment.order_no as string;
    const again = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/payments/personal-account/preauth`,
      headers,
      payload: { payer_psn_no: "P001", psn_nos: ["P001"] },
    });
    expect(again.statusCode).toBe(409);
    const deducted = await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${paOrder}` });
    expect(deducted.json()).toMatchObject({ status: "paid", changed: true, refunds_requested: 1 });
    const refunds = [...cash.refunds.values()].filter((r) => r.orderNo === cashOrder);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.amount).toBe(6900);
    const rows = await platform.ctx.db.query<{ reason: string; status: string; amount_fen: number }>(
      "select reason, status, amount_fen from refunds where order_no = $1",
      [cashOrder],
    );
    expect(rows).toEqual([{ reason: "superseded_by_personal_account", status: "paid", amount_fen: 6900 }]);
    const policy = await platform.ctx.db.query<{ paid_channel: string; status: string }>(
      "select paid_channel, status from policies where psn_no = 'P001'",
    );
    expect(policy[0]).toEqual({ paid_channel: "personal_account", status: "pending_effective" });
    // the deduction replayed changes nothing and refunds nothing more
    const replay = await sandboxPay(platform.ctx, paOrder);
    expect(replay.changed).toBe(false);
    expect([...cash.refunds.values()].filter((r) => r.orderNo === cashOrder)).toHaveLength(1);
  });

  it("personal account: a failed deduction leaves the policy unpaid; an operator can confirm a later success", async () => {
    const e = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "Q004",
      channel: "personal_account",
    });
    expect(e.payment).toMatchObject({ status: "preauthorized", provider: medicare.provider });
    const failed = await sandboxPay(platform.ctx, e.payment.order_no, "failed");
    expect(failed).toMatchObject({ status: "failed", changed: true });
    const p1 = await platform.ctx.db.query<{ status: string }>(
      "select status from policies where psn_no = 'Q004'",
    );
    expect(p1[0]?.status).toBe("pending_payment");
    const headers = await authHeaders(app, "op1");
    const confirm = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/payments/${e.payment.order_no}/confirm`,
      headers,
      payload: { status: "paid", provider_txn: "YB-BATCH-0001" },
    });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({ status: "paid", changed: true });
    const bad = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/payments/${e.payment.order_no}/confirm`,
      headers,
      payload: { status: "maybe", provider_txn: "x" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("status");
    const resident = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/payments/${e.payment.order_no}/confirm`,
      headers: await authHeaders(app, "res1"),
      payload: { status: "paid", provider_txn: "x" },
    });
    expect(resident.statusCode).toBe(403);
  });

  it("a cash payment for a policy already paid by personal account is refunded as a duplicate", async () => {
    const e = await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "Q005",
      channel: "personal_account",
    });
    await sandboxPay(platform.ctx, e.payment.order_no);
    const pre = await preauthorizePersonalAccount(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      payerPsnNo: "Q005",
      psnNos: ["Q005"],
    }).catch((err: unknown) => err);
    expect(pre).toMatchObject({ kind: "conflict", code: "already_preauthorized" });
    // a second (cash) order for the same policy, e.g. paid from an old QR code
    const policyNo = e.policies[0]?.policy_no as string;
    const orderNo = newOrderNo(platform.ctx.clock.now());
    await platform.ctx.db.transaction((tx) =>
      createOrderTx(tx, {
        programId: PROGRAM,
        orderNo,
        enrollmentId: null,
        channel: "cash",
        provider: cash.provider,
        poolId: null,
        payerPsnNo: "Q005",
        status: "created",
        createdBy: "test",
        at: platform.ctx.clock.now(),
        items: [{ policyNo, psnNo: "Q005", amount: 6900 }],
      }),
    );
    const paid = await sandboxPay(platform.ctx, orderNo);
    expect(paid).toMatchObject({ changed: true, refunds_requested: 1 });
    expect([...cash.refunds.values()].filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      6900,
    ]);
    const rows = await platform.ctx.db.query<{ paid_channel: string }>(
      "select paid_channel from policies where psn_no = 'Q005'",
    );
    expect(rows[0]?.paid_channel).toBe("personal_account");
  });
  it("payment orders: the payer and staff read them (audited), others do not; bad input is 4xx and stores nothing", async () => {
    const e = await cashEnroll("Q006");
    const url = `/api/v1/programs/${PROGRAM}/payments/${e.payment.order_no}`;
    await platform.ctx.db.query("update payment_orders set payer_psn_no = 'P001' where order_no = $1", [
      e.payment.order_no,
    ]);
    const payer = await app.inject({ method: "GET", url, headers: await authHeaders(app, "res1") });
    expect(payer.statusCode).toBe(200);
    expect(payer.json()).toMatchObject({ status: "created", amount_fen: 6900, channel: "cash" });
    expect(
      (await app.inject({ method: "GET", url, headers: await authHeaders(app, "res5") })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: "GET", url, headers: await authHeaders(app, "bureau1") })).statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: "GET", url, headers: await authHeaders(app, "op1") })).statusCode,
    ).toBe(200);
    const audits = await platform.ctx.db.query(
      "select 1 from audit_log where action = 'payment.read' and subject = $1",
      [e.payment.order_no],
    );
    expect(audits).toHaveLength(2);
    const headers = await authHeaders(app, "op1");
    const orders = async () => (await platform.ctx.db.query("select 1 from payment_orders")).length;
    const before = await orders();
    const preauth = `/api/v1/programs/${PROGRAM}/payments/personal-account/preauth`;
    const cases: { url: string; payload: object; field: string }[] = [
      { url: preauth, payload: { payer_psn_no: "P001" }, field: "psn_nos" },
      { url: preauth, payload: { payer_psn_no: "P001", psn_nos: [] }, field: "psn_nos" },
      { url: preauth, payload: { payer_psn_no: "P001", psn_nos: ["NOBODY"] }, field: "psn_nos[0]" },
      { url: preauth, payload: { payer_psn_no: "P001", psn_nos: ["Q006"], x: 1 }, field: "x" },
      {
        url: `/api/v1/programs/${PROGRAM}/charity-pools`,
        payload: { pool_id: "Bad Pool", name: "x" },
        field: "pool_id",
      },
      { url: `/api/v1/programs/${PROGRAM}/charity-pools`, payload: { pool_id: "ok" }, field: "name" },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: "POST", url: c.url, headers, payload: c.payload });
      expect(res.statusCode, JSON.stringify(c.payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.field, JSON.stringify(c.payload)).toBe(c.field);
    }
    expect(await orders()).toBe(before);
    expect(await platform.ctx.db.query("select 1 from charity_pools")).toHaveLength(0);
    const empty = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: { "content-type": "application/json" },
      payload: "{}",
    });
    expect(empty.statusCode).toBe(401);
    expect(await orders()).toBe(before);
  });
  it("seed 002: one person pays for the whole family from the personal account (pre-auth, then deduction)", async () => {
    const headers = await authHeaders(app, "res5");
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/enrollments`,
      headers,
      payload: {
        kind: "family",
        payer_psn_no: "P005",
        channel: "personal_account",
        members: [
          { psn_no: "P005", relation: "self" },
          { ...(await memberIdentity(platform.ctx, PROGRAM, "P006")), relation: "spouse" },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().payment).toMatchObject({
      channel: "personal_account",
      status: "preauthorized",
      amount_fen: 13800,
    });
    const paid = await sandboxPay(platform.ctx, res.json().payment.order_no);
    expect(paid).toMatchObject({ changed: true, refunds_requested: 0 });
    const rows = await platform.ctx.db.query<{ status: string; paid_channel: string; payer_psn_no: string }>(
      "select status, paid_channel, payer_psn_no from policies where psn_no in ('P005','P006') order by psn_no",
    );
    expect(rows).toEqual([
      { status: "pending_effective", paid_channel: "personal_account", payer_psn_no: "P005" },
      { status: "pending_effective", paid_channel: "personal_account", payer_psn_no: "P005" },
    ]);
    const legs = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from ledger_transfers where debit_account = 'asset:personal_account_clearing' and ref = $1",
      [res.json().payment.order_no],
    );
    expect(legs[0]?.n).toBeGreaterThan(0);
  });
});
