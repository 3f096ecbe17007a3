import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ageAt, premiumFor } from "../src/domain/premium.js";
import { parseProduct } from "../src/domain/product.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import { fixedClock } from "../src/platform/clock.js";
import wenshanJson from "../src/products/wenshan-2023.json" with { type: "json" };
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, expectLedgerConsistent, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

describe("premium (pure)", () => {
  const start = mustParseBusinessTime("2023-09-01 00:00");
  it("ages at coverage start on the Beijing calendar", () => {
    expect(ageAt("1980-09-01", start)).toBe(43);
    expect(ageAt("1980-09-02", start)).toBe(42);
    expect(ageAt("2023-09-01", start)).toBe(0);
  });
  it("expresses seed 002's cheaper 脱贫 premium as a cohort variant; others pay base", () => {
    const clone = structuredClone(wenshanJson) as {
      plans: { premium: { base: number; variants?: unknown[] } }[];
    };
    const plan0 = clone.plans[0] as { premium: { base: number; variants?: unknown[] } };
    plan0.premium.variants = [
      { when: { cohorts: ["tuopin"] }, amount: 19.9, label: "脱贫人口" },
      { when: { ageFrom: 65 }, amount: 89 },
    ];
    const product = parseProduct(clone);
    const plan = product.plans[0];
    if (plan === undefined) throw new Error("no plan");
    expect(premiumFor(plan, { birthDate: "1970-01-01", cohort: "tuopin" }, start)).toEqual({
      amount: 1990,
      rule: "variant:0:脱贫人口",
      age: 53,
    });
    expect(premiumFor(plan, { birthDate: "1950-01-01", cohort: "tuopin" }, start).amount).toBe(1990);
    expect(premiumFor(plan, { birthDate: "1950-01-01" }, start)).toMatchObject({
      amount: 8900,
      rule: "variant:1",
    });
    expect(premiumFor(plan, { birthDate: "1958-09-02", cohort: null }, start)).toMatchObject({
      amount: 6900,
      rule: "base",
    });
    expect(premiumFor(plan, { birthDate: "1958-09-01", cohort: "dibao" }, start).amount).toBe(8900);
  });
});

describe.each(BACKENDS)("enrollment on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const url = `/api/v1/programs/${PROGRAM}/enrollments`;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx, [
      { psnNo: "P100", name: "周一", brdy: "1985-01-01" },
      { psnNo: "P101", name: "周二", brdy: "1986-01-01" },
      { psnNo: "P102", name: "吴一", brdy: "1987-01-01" },
      { psnNo: "P103", name: "郑一", brdy: "1960-01-01", cohort: "tuopin" },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  it("resident enrolls self in cash: pending_payment until the sandbox pays, then pending_effective", async () => {
    const headers = await authHeaders(app, "res1");
    const res = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "P001", channel: "cash", plan: "standard" },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.policies).toHaveLength(1);
    expect(body.policies[0]).toMatchObject({
      psn_no: "P001",
      relation: "self",
      premium_fen: 6900,
      status: "pending_payment",
    });
    expect(body.policies[0].policy_no).toMatch(/^ws-2023-\d{8}$/);
    expect(body.payment).toMatchObject({ channel: "cash", amount_fen: 6900, status: "created" });
    const pay = await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${body.payment.order_no}` });
    expect(pay.statusCode).toBe(200);
    expect(pay.json()).toMatchObject({ status: "paid", changed: true });
    const policy = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/policies/${body.policies[0].policy_no}`,
      headers,
    });
    expect(policy.statusCode).toBe(200);
    expect(policy.json()).toMatchObject({
      status: "pending_effective",
      paid_channel: "cash",
      psn_name: "张三",
    });
    expect(policy.json().events.map((e: { event: string }) => e.event)).toEqual(["created", "issued"]);
  });

  it("a resident cannot enroll as someone else's payer (403) nor pay offline", async () => {
    const headers = await authHeaders(app, "res1");
    const other = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "P002", payer_psn_no: "P002", channel: "cash" },
    });
    expect(other.statusCode).toBe(403);
    const offline = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "P001", channel: "offline" },
    });
    expect(offline.statusCode).toBe(403);
  });

  it("family: one payer pays for spouse, child and parent (offline by the operator), relations recorded", async () => {
    const headers = await authHeaders(app, "op1");
    const res = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        payer_psn_no: "P001",
        channel: "offline",
        members: [
          { psn_no: "P002", relation: "spouse" },
          { psn_no: "P003", relation: "child" },
          { psn_no: "P004", relation: "parent" },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.payment).toMatchObject({ channel: "offline", status: "paid", amount_fen: 3 * 6900 });
    expect(body.policies.map((p: { relation: string; status: string }) => [p.relation, p.status])).toEqual([
      ["spouse", "pending_effective"],
      ["child", "pending_effective"],
      ["parent", "pending_effective"],
    ]);
    const rows = await platform.ctx.db.query<{ payer_psn_no: string }>(
      "select payer_psn_no from policies where program_id = $1 and psn_no in ('P002','P003','P004')",
      [PROGRAM],
    );
    expect(rows.map((r) => r.payer_psn_no)).toEqual(["P001", "P001", "P001"]);
  });

  it("refuses persons not on the roster with a 4xx naming the psn_no, and stores nothing", async () => {
    const headers = await authHeaders(app, "op1");
    const before = await platform.ctx.db.query("select 1 from policies");
    const res = await app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        kind: "family",
        payer_psn_no: "P100",
        channel: "offline",
        members: [
          { psn_no: "P100", relation: "self" },
          { psn_no: "NOPE9", relation: "child" },
        ],
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: "not_on_roster", field: "members[1].psn_no" });
    expect(res.json().error.message).toContain("NOPE9");
    const single = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "X999", channel: "offline" },
    });
    expect(single.statusCode).toBe(422);
    expect(single.json().error.field).toBe("psn_no");
    expect(single.json().error.message).toContain("X999");
    expect(await platform.ctx.db.query("select 1 from policies")).toHaveLength(before.length);
  });

  it("enforces the enrollment window on the business clock", async () => {
    const late = { ...platform.ctx, clock: fixedClock(new Date("2023-09-01T00:00:00+08:00")) };
    await expect(
      enroll(late, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo: "P100", channel: "offline" }),
    ).rejects.toMatchObject({ kind: "unprocessable", code: "enrollment_closed" });
    const early = { ...platform.ctx, clock: fixedClock(new Date("2023-07-02T23:59:59+08:00")) };
    await expect(
      enroll(early, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo: "P100", channel: "offline" }),
    ).rejects.toMatchObject({ kind: "unprocessable" });
    const lateApp = await testServer({ ...platform, ctx: late });
    const res = await lateApp.inject({
      method: "POST",
      url,
      headers: await authHeaders(lateApp, "op1"),
      payload: { kind: "individual", psn_no: "P100", channel: "offline" },
    });
    await lateApp.close();
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("enrollment_closed");
    expect(await platform.ctx.db.query("select 1 from policies where psn_no = 'P100'")).toHaveLength(0);
  });

  it("simultaneous enrollments of one person issue exactly one policy; an unpaid one blocks nobody", async () => {
    const attempt = (channel: string) =>
      enroll(platform.ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo: "P101", channel });
    const attempts = await Promise.allSettled([attempt("offline"), attempt("offline"), attempt("cash")]);
    for (const a of attempts) {
      if (a.status === "rejected")
        expect(a.reason).toMatchObject({ kind: "conflict", code: "already_enrolled" });
    }
    // The offline enrollments are paid at once: exactly one of them issues. The cash one is either refused
    // (it came after) or an unpaid order that reserved nothing (it came first).
    const [first, second, cash] = attempts;
    expect([first, second].filter((a) => a?.status === "fulfilled")).toHaveLength(1);
    const issued = await platform.ctx.db.query(
      "select 1 from policies where program_id = $1 and psn_no = 'P101' and issued_at is not null",
      [PROGRAM],
    );
    expect(issued).toHaveLength(1);
    if (cash?.status === "fulfilled") {
      // Its payment lands second: refunded in full, its policy cancelled without ever being in force.
      const late = await app.inject({
        method: "POST",
        url: `/api/v1/sandbox/pay/${cash.value.payment.order_no}`,
      });
      expect(late.json()).toMatchObject({ status: "paid", changed: true, refunds_requested: 1 });
      const row = await platform.ctx.db.query<{ status: string; issued_at: Date | null }>(
        "select status, issued_at from policies where program_id = $1 and policy_no = $2",
        [PROGRAM, cash.value.policies[0]?.policy_no ?? ""],
      );
      expect(row).toEqual([{ status: "cancelled", issued_at: null }]);
    }
    expect(
      await platform.ctx.db.query(
        "select 1 from policies where program_id = $1 and psn_no = 'P101' and issued_at is not null",
        [PROGRAM],
      ),
    ).toHaveLength(1);
  });

  it("unit enrollment takes every roster member of the unit; a second run skips them", async () => {
    const headers = await authHeaders(app, "op1");
    const res = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "unit", unit_code: "U1", channel: "offline" },
    });
    expect(res.statusCode).toBe(201);
    expect(
      res.json().policies.map((p: { psn_no: string; relation: string }) => [p.psn_no, p.relation]),
    ).toEqual([
      ["P005", "employee"],
      ["P006", "employee"],
    ]);
    const again = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "unit", unit_code: "U1", channel: "offline" },
    });
    expect(again.statusCode).toBe(409);
    const outsider = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "unit", unit_code: "U1", psn_nos: ["P102"], channel: "offline" },
    });
    expect(outsider.statusCode).toBe(422);
    expect(outsider.json().error.message).toContain("P102");
    const resident = await app.inject({
      method: "POST",
      url,
      headers: await authHeaders(app, "res5"),
      payload: { kind: "unit", unit_code: "U1", channel: "cash" },
    });
    expect(resident.statusCode).toBe(403);
  });

  it("charity: a pool pays for a cohort list; its balance never goes negative", async () => {
    const headers = await authHeaders(app, "ch1");
    const pools = `/api/v1/programs/${PROGRAM}/charity-pools`;
    expect(
      (
        await app.inject({
          method: "POST",
          url: pools,
          headers,
          payload: { pool_id: "red-cross", name: "红十字会" },
        })
      ).statusCode,
    ).toBe(201);
    const d1 = await app.inject({
      method: "POST",
      url: `${pools}/red-cross/donations`,
      headers,
      payload: { amount: "100.00", donor: "爱心企业", ref: "D1" },
    });
    expect(d1.json().balance_fen).toBe(10000);
    const short = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "charity", cohort: "tuopin", psn_nos: ["P007", "P008"], channel: "charity:red-cross" },
    });
    expect(short.statusCode).toBe(409);
    expect(short.json().error.code).toBe("insufficient_funds");
    expect(
      await platform.ctx.db.query("select 1 from policies where psn_no in ('P007','P008')"),
    ).toHaveLength(0);
    await app.inject({
      method: "POST",
      url: `${pools}/red-cross/donations`,
      headers,
      payload: { amount: 100, donor: "x", ref: "D2" },
    });
    // replaying a donation (same ref) changes nothing
    await app.inject({
      method: "POST",
      url: `${pools}/red-cross/donations`,
      headers,
      payload: { amount: 100, donor: "x", ref: "D2" },
    });
    const ok = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "charity", cohort: "tuopin", psn_nos: ["P007", "P008"], channel: "charity:red-cross" },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().payment).toMatchObject({
      status: "paid",
      amount_fen: 13800,
      channel: "charity:red-cross",
    });
    const pool = await app.inject({ method: "GET", url: `${pools}/red-cross`, headers });
    expect(pool.json().balance_fen).toBe(20000 - 13800);
    const sponsorships = await platform.ctx.db.query(
      "select 1 from sponsorships where pool_id = 'red-cross'",
    );
    expect(sponsorships).toHaveLength(2);
    await app.inject({
      method: "POST",
      url: `${pools}/red-cross/donations`,
      headers,
      payload: { amount: 100, donor: "x", ref: "D3" },
    });
    const byCohort = await app.inject({
      method: "POST",
      url,
      headers: await authHeaders(app, "op1"),
      payload: { kind: "charity", cohort: "tuopin", channel: "charity:red-cross" },
    });
    expect(byCohort.statusCode).toBe(201);
    expect(byCohort.json().policies.map((p: { psn_no: string }) => p.psn_no)).toEqual(["P103"]);
    const after = await app.inject({ method: "GET", url: `${pools}/red-cross`, headers });
    expect(after.json().balance_fen).toBe(30000 - 13800 - 6900);
  });

  it("bad input on write routes: 4xx {error:{code,message,field}} and nothing stored", async () => {
    const headers = await authHeaders(app, "op1");
    const count = async () =>
      (await platform.ctx.db.query<{ n: number }>("select count(*)::int as n from enrollments"))[0]?.n;
    const before = await count();
    const cases: { payload: unknown; field: string }[] = [
      { payload: { kind: "individual", psn_no: "P102" }, field: "channel" },
      { payload: { kind: "solo", psn_no: "P102", channel: "cash" }, field: "kind" },
      { payload: { kind: "individual", psn_no: "P102", channel: "bitcoin" }, field: "channel" },
      { payload: { kind: "individual", psn_no: "P102", channel: "cash", plan: "gold" }, field: "plan" },
      { payload: { kind: "individual", psn_no: "P102", channel: "cash", extra: 1 }, field: "extra" },
      { payload: { kind: "individual", channel: "cash" }, field: "psn_no" },
      { payload: { kind: "family", payer_psn_no: "P102", channel: "cash" }, field: "members" },
      {
        payload: {
          kind: "family",
          payer_psn_no: "P102",
          channel: "cash",
          members: [{ psn_no: "P102", relation: "spouse" }],
        },
        field: "members[0].relation",
      },
      { payload: { kind: "individual", psn_no: "P102", channel: "charity:nopool" }, field: "channel" },
      { payload: { kind: "charity", cohort: "kings", channel: "charity:red-cross" }, field: "cohort" },
      { payload: { kind: "individual", psn_no: "P 1", channel: "cash" }, field: "psn_no" },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: "POST", url, headers, payload: c.payload as object });
      expect(res.statusCode, JSON.stringify(c.payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.field, JSON.stringify(c.payload)).toBe(c.field);
      expect(typeof res.json().error.message).toBe("string");
    }
    const malformed = await app.inject({
      method: "POST",
      url,
      headers: { ...headers, "content-type": "application/json" },
      payload: "{nope",
    });
    expect(malformed.statusCode).toBe(400);
    const pool = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/charity-pools/red-cross/donations`,
      headers,
      payload: { amount: "-5", donor: "x", ref: "bad" },
    });
    expect(pool.statusCode).toBe(400);
    expect(pool.json().error.field).toBe("amount");
    expect(await count()).toBe(before);
    expect(await platform.ctx.db.query("select 1 from policies where psn_no = 'P102'")).toHaveLength(0);
  });
});
