/**
 * The routes behind the resident H5: the public product sheet and benefit calculator (the real engine,
 * nothing stored), eligibility by ID number, "my policies" with the open payment order; and the server
 * serving the built front ends with client-side-route fallback while /api, /docs and /healthz keep theirs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { createProgram } from "../src/services/programs.js";
import { memberIdentity } from "./support/members.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const CHUXIONG = "cx-2023";

/** A fake build: the server must serve whatever dist/web holds, so the test makes its own. */
function fakeWebBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "hmb-web-test-"));
  mkdirSync(join(dir, "console"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>resident</title>");
  writeFileSync(join(dir, "console", "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(dir, "assets", "app-abc123.js"), "console.log(1)");
  return dir;
}

describe.each(BACKENDS)("resident API on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const savedWebDir = process.env.HMB_WEB_DIR;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    await setupWenshan(platform.ctx);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: CHUXIONG, productId: "chuxiong-2023" });
    process.env.HMB_WEB_DIR = fakeWebBuild();
    app = await testServer(platform);
  });
  afterAll(async () => {
    if (process.env.HMB_WEB_DIR !== undefined)
      rmSync(process.env.HMB_WEB_DIR, { recursive: true, force: true });
    process.env.HMB_WEB_DIR = savedWebDir;
    await app?.close();
    await platform?.close();
  });

  async function certnoOf(psnNo: string): Promise<string> {
    const rows = await platform.ctx.db.query<{ certno_enc: Uint8Array }>(
      "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
      [PROGRAM, psnNo],
    );
    return decrypt(platform.ctx.keys, (rows[0] as { certno_enc: Uint8Array }).certno_enc);
  }

  const quote = (programId: string, payload: Record<string, unknown>) =>
    app.inject({ method: "POST", url: `/api/v1/programs/${programId}/benefit-quote`, payload });

  it("publishes the product sheet without an account", async () => {
    const res = await app.inject({ method: "GET", url: `/api/v1/programs/${PROGRAM}/product` });
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p).toMatchObject({
      program_id: PROGRAM,
      name: "2023年度文山惠民保",
      coverage_start: "2023-09-01 00:00:00",
      enrollment_end: "2023-09-01 00:00:00",
      // On the business clock (NOW 2023-08-01): the H5 shows the form only while this says open.
      enrollment_state: "open",
      refund: { before_effective: "full", after_effective: "unearned_pro_rata_by_day" },
    });
    expect(p.plans).toHaveLength(1);
    expect(p.plans[0]).toMatchObject({ id: "standard", premium: "69.00", annual_total: "3000000.00" });
    expect(p.plans[0].liabilities[0]).toMatchObject({
      id: "inpatient_in_scope",
      base: "in_scope",
      deductible: { amount: "12000.00" },
      ratios: [{ ratio_percent: 80 }],
      cap: "2000000.00",
    });
    const chuxiong = (
      await app.inject({ method: "GET", url: `/api/v1/programs/${CHUXIONG}/product` })
    ).json();
    expect(chuxiong.plans.map((x: { id: string; premium: string }) => [x.id, x.premium])).toEqual([
      ["basic", "68.00"],
      ["plus", "128.00"],
    ]);
    const missing = await app.inject({ method: "GET", url: "/api/v1/programs/no-such-2023/product" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("not_found");
  });

  it("estimates a payout with the engine and stores nothing", async () => {
    const res = await quote(PROGRAM, { total: "100000", insurance_paid: "60000", out_of_scope: "10000" });
    expect(res.statusCode).toBe(200);
    const q = res.json();
    expect(q).toMatchObject({
      person_burden: "40000.00",
      in_scope_self_pay: "30000.00",
      out_of_scope: "10000.00",
    });
    // (30000 − 12000) × 80% = 14400; the 10000 out of scope stays under its own 12000 deductible.
    expect(q.plans[0]).toMatchObject({
      plan: "standard",
      status: "paid",
      hmb_pay: "14400.00",
      remaining: "25600.00",
    });
    expect(q.plans[0].lines[0].explanation).toContain("(30000.00 − 12000.00) × 80%");
    expect(q.plans[0].summary).toBe("个人负担 40000.00 元，惠民保赔付 14400.00 元，个人仍需支付 25600.00 元");

    // Every plan side by side; out-of-region care pays a lower share of the in-scope amount (80% → 60%).
    const local = (await quote(CHUXIONG, { total: 100000, insurance_paid: 60000, out_of_scope: 0 })).json();
    const away = (
      await quote(CHUXIONG, { total: 100000, insurance_paid: 60000, out_of_scope: 0, out_of_region: true })
    ).json();
    expect(local.plans.map((x: { plan: string }) => x.plan)).toEqual(["basic", "plus"]);
    // basic: (40000 − 13000) × 80% = 21600 locally, × 60% = 16200 away.
    expect([local.plans[0].hmb_pay, away.plans[0].hmb_pay]).toEqual(["21600.00", "16200.00"]);
    const en = (await quote(PROGRAM, { total: "100000", insurance_paid: "60000", lang: "en" })).json();
    expect(en.plans[0].summary).toMatch(/^You owed 40000.00; Huiminbao pays/);

    const stored = await platform.ctx.db.query<{ n: number }>("select count(*)::int as n from claims");
    expect(stored[0]?.n).toBe(0);
  });

  it("refuses bad calculator input naming the field, in Chinese", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ total: "abc", insurance_paid: "0" }, "total", /住院总费用/],
      [{ total: "100", insurance_paid: "200" }, "insurance_paid", /不能超过住院总费用/],
      [{ total: "100", insurance_paid: "50", out_of_scope: "60" }, "out_of_scope", /不能超过个人负担/],
      [{ total: "100.001", insurance_paid: "0" }, "total", /住院总费用/],
      [{ total: "100", insurance_paid: "0", plan: "gold" }, "plan", /没有方案 gold/],
      // Issue 14: schema refusals are Chinese too, naming the field by its contract label.
      [{ insurance_paid: "0" }, "total", /^缺少必填项「住院总费用」$/],
    ];
    for (const [payload, field, message] of cases) {
      const res = await quote(PROGRAM, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.field).toBe(field);
      expect(res.json().error.message).toMatch(message);
    }
  });

  it("checks eligibility by ID number for a signed-in resident, audited", async () => {
    const headers = await authHeaders(app, "res1");
    const check = (certno: string) =>
      app.inject({
        method: "POST",
        url: `/api/v1/programs/${PROGRAM}/eligibility`,
        headers,
        payload: { certno },
      });
    const spouse = await check(await certnoOf("P002"));
    expect(spouse.statusCode).toBe(200);
    expect(spouse.json()).toMatchObject({
      eligible: true,
      psn_no: "P002",
      psn_name: "李*",
      age: 41,
      enrolled: false,
      premiums: [{ plan: "standard", premium: "69.00" }],
    });
    expect(spouse.json().certno).toMatch(/^5326\*+\d{3}[\dX]$/);

    const stranger = await check(makeCertno("532621", "19900101", 999));
    expect(stranger.json()).toMatchObject({ eligible: false, psn_no: null, enrolled: false });
    expect(stranger.json().message).toContain("参保名单");

    const bad = await check("123");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "invalid_certno", field: "certno" });

    await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "P002",
      channel: "offline",
    });
    expect((await check((await certnoOf("P002")).toLowerCase())).json()).toMatchObject({
      enrolled: true,
      policy_status: "pending_effective",
    });
    const audited = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where program_id = $1 and action = 'roster.eligibility'",
      [PROGRAM],
    );
    expect(audited[0]?.n).toBe(3);
  });

  it("lists the resident's policies with the order to pay, and only theirs", async () => {
    const headers = await authHeaders(app, "res1");
    const me = async (h = headers) =>
      app.inject({ method: "GET", url: `/api/v1/programs/${PROGRAM}/me`, headers: h });
    expect((await me()).json()).toMatchObject({ psn_no: "P001", psn_name: "张三", policies: [] });

    const enrolled = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/enrollments`,
      headers,
      payload: {
        kind: "family",
        payer_psn_no: "P001",
        channel: "cash",
        members: [
          { psn_no: "P001", relation: "self" },
          { ...(await memberIdentity(platform.ctx, PROGRAM, "P003")), relation: "child" },
        ],
      },
    });
    expect(enrolled.statusCode).toBe(201);
    const orderNo = enrolled.json().payment.order_no as string;
    const unpaid = (await me()).json();
    expect(
      unpaid.policies.map((p: { psn_no: string; relation: string; status: string }) => [
        p.psn_no,
        p.relation,
        p.status,
      ]),
    ).toEqual([
      ["P001", "self", "pending_payment"],
      ["P003", "child", "pending_payment"],
    ]);
    expect(unpaid.policies[1]).toMatchObject({
      psn_name: "张小明",
      is_insured: false,
      is_payer: true,
      pending_order: {
        order_no: orderNo,
        amount: "138.00",
        status: "created",
        pay_url: `/api/v1/sandbox/pay/${orderNo}`,
        // NOW + 30 minutes (the default expiry), Beijing time.
        expires_at: "2023-08-01 10:30:00",
      },
    });

    const paid = await app.inject({
      method: "POST",
      url: `/api/v1/sandbox/pay/${orderNo}`,
      payload: { status: "paid" },
    });
    expect(paid.statusCode).toBe(200);
    const after = (await me()).json();
    expect(
      after.policies.map((p: { status: string; pending_order: unknown }) => [p.status, p.pending_order]),
    ).toEqual([
      ["pending_effective", null],
      ["pending_effective", null],
    ]);
    // Another resident sees none of them; staff have no "me".
    expect((await me(await authHeaders(app, "res5"))).json().policies).toEqual([]);
    expect((await me(await authHeaders(app, "op1"))).statusCode).toBe(403);
  });

  it("serves the front ends: files, client-side routes, and API 404s stay JSON", async () => {
    const get = (url: string) => app.inject({ method: "GET", url });
    for (const path of ["/", "/policies", "/policies/ws-1/cancel", "/pay/PO123?x=1"]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toContain("<title>resident</title>");
      expect(res.headers["cache-control"], path).toBe("no-cache");
    }
    for (const path of ["/console", "/console/", "/console/oversight/loss-ratio"]) {
      expect((await get(path)).body, path).toContain("<title>console</title>");
    }
    const asset = await get("/assets/app-abc123.js");
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toContain("immutable");
    for (const path of [
      "/assets/gone-123.js",
      "/api/v1/nothing-here",
      "/api",
      "/healthz/x",
      "/..%2fpackage.json",
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code, path).toBe("not_found");
    }
    // Malformed percent-encoding is a caller mistake, never a 500.
    const malformed = await get("/%E0%A4%A");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBeTypeOf("string");
    expect((await get("/healthz")).statusCode).toBe(200);
    expect((await get("/docs/json")).json().info.title).toBe("惠民保平台 API");
  });
});
