/**
 * Every JSON answer leaves exactly as its handler made it (issue 11, src/contract). Fastify serializes a 2xx
 * answer through its response schema, which silently DROPS a field the schema does not name and coerces one
 * it types differently: a field added to a view but not to its contract would vanish from the wire without
 * any other test noticing. Here the server is built with a probe on every Fastify instance that compares
 * the handler's payload with the bytes sent, and a tour of the staff and resident routes (programs, roster,
 * enrollment, payments, policies, charity, ledger, oversight, console, notifications, auth) plus the
 * one-stop settlement must alter nothing. Both back ends.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewaysOf } from "../src/services/payments/registry.js";
import type { SandboxGateway } from "../src/services/payments/sandbox.js";
import {
  type ClaimsFixture,
  postSettlement,
  recordFor,
  SETTLE_NOW,
  setupClaims,
  sponsorByCharity,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

interface Altered {
  route: string;
  status: number;
  before: unknown;
  after: unknown;
}

const probe = vi.hoisted(() => ({ altered: [] as Altered[], compared: 0 }));

// Every Fastify instance the server builds gets the probe: the payload before serialization, the body after.
vi.mock("fastify", async (importOriginal) => {
  const original = (await importOriginal()) as { default: (...args: unknown[]) => FastifyInstance };
  const { isDeepStrictEqual: same } = await import("node:util");
  const build = (...args: unknown[]) => {
    const app = original.default(...args);
    const payloads = new WeakMap<object, unknown>();
    app.addHook("preSerialization", async (request, _reply, payload) => {
      payloads.set(request, JSON.parse(JSON.stringify(payload) ?? "null"));
      return payload;
    });
    app.addHook("onSend", async (request, reply, payload) => {
      if (!payloads.has(request) || typeof payload !== "string") return payload;
      probe.compared++;
      const before = payloads.get(request);
      const after: unknown = JSON.parse(payload);
      if (!same(before, after))
        probe.altered.push({
          route: `${request.method} ${request.routeOptions.url}`,
          status: reply.statusCode,
          before,
          after,
        });
      return payload;
    });
    return app;
  };
  return { ...original, default: Object.assign(build, original.default) };
});

const BASE = `/api/v1/programs/${PROGRAM}`;

describe.each(BACKENDS)("answers through their contract schemas unchanged on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();
  const answers: { call: string; status: number }[] = [];

  async function call(
    user: string | undefined,
    method: "GET" | "POST" | "PUT",
    path: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> {
    const res = await app.inject({
      method,
      url: path.startsWith("/api/") ? path : `${BASE}${path}`,
      headers: user === undefined ? {} : (as.get(user) as Record<string, string>),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    answers.push({ call: `${user ?? "public"} ${method} ${path}`, status: res.statusCode });
    return res;
  }

  beforeAll(async () => {
    probe.altered.length = 0;
    probe.compared = 0;
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P002"] });
    await sponsorByCharity(platform.ctx, "P007");
    for (const user of ["admin", "op1", "bureau1", "ins1", "res1", "res5", "ch1"])
      as.set(user, await authHeaders(app, user));
  });

  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("sends every handler's answer as it was made, across the staff and resident routes", async () => {
    // Enrollment window: the program, the roster, a resident's cash enrollment paid through the sandbox.
    await call("op1", "GET", "");
    await call("op1", "GET", "/roster/P001");
    await call("op1", "GET", "/roster/imports");
    const enrolled = await call("res5", "POST", "/enrollments", { kind: "individual", channel: "cash" });
    expect(enrolled.statusCode).toBe(201);
    const orderNo = enrolled.json().payment.order_no as string;
    await call("res5", "GET", `/payments/${orderNo}`);
    const cash = gatewaysOf(platform.ctx).cash as SandboxGateway;
    const signed = cash.pay({
      programId: PROGRAM,
      orderNo,
      status: "paid",
      amount: enrolled.json().payment.amount_fen,
    });
    const paid = await app.inject({
      method: "POST",
      url: "/api/v1/payments/callback/sandbox",
      headers: signed.headers,
      payload: signed.body,
    });
    answers.push({ call: "sandbox POST /payments/callback/sandbox", status: paid.statusCode });
    await call("op1", "POST", "/payments/reconcile", {});
    await call("op1", "GET", `/payments/${orderNo}`);

    // Policies: the list, one policy as its owner and as staff, a cancellation quote and a cancellation.
    const list = await call("op1", "GET", "/policies?limit=50");
    const policies = list.json().policies as { policy_no: string; psn_no: string }[];
    const own = policies.find((p) => p.psn_no === "P005")?.policy_no as string;
    const other = policies.find((p) => p.psn_no === "P002")?.policy_no as string;
    await call("res5", "GET", `/policies/${own}`);
    await call("op1", "GET", `/policies/${own}`);
    await call("ins1", "GET", `/policies/${own}`);
    await call("res5", "GET", `/policies/${own}/cancel/quote`);
    await call("op1", "POST", `/policies/${other}/cancel`, { reason: "合同测试" });
    await call("ins1", "GET", "/policies?kind=charity");

    // Charity: pools, a new pool, a donation, a balance.
    await call("op1", "POST", "/charity-pools", { pool_id: "pool-b", name: "助保金 B" });
    await call("op1", "POST", "/charity-pools/pool-b/donations", {
      amount: "12.50",
      donor: "爱心人士",
      ref: "c-1",
    });
    await call("ch1", "GET", "/charity-pools/pool-b");
    await call("ch1", "GET", "/charity-pools");

    // Coverage year: one-stop settlements, so that the oversight and charity figures are not all zero.
    platform.clock.set(SETTLE_NOW);
    for (const [setlId, psnNo] of [
      ["S-CT-1", "P007"],
      ["S-CT-2", "P001"],
    ] as const) {
      const res = await postSettlement(
        app,
        fx,
        await recordFor(fx, {
          psnNo,
          setlId,
          inScope: 3_000_000,
          pooled: 6_000_000,
          setlTime: "2023-12-30 10:00:00",
        }),
      );
      answers.push({ call: `hospital POST /settlements ${setlId}`, status: res.statusCode });
    }
    await call("ch1", "GET", "/charity-claims");

    // Ledger, oversight, console, notifications.
    await call("op1", "GET", "/ledger/summary");
    await call("ins1", "GET", "/ledger/statement?insurer=picc-wenshan&from=2023-07-01&to=2023-12-31");
    for (const path of [
      "/oversight/summary",
      "/oversight/summary?as_of=2023-10-01",
      "/oversight/enrollment",
      "/oversight/enrollment?by=unit",
      "/oversight/enrollment?by=cohort",
      "/oversight/trends",
      "/oversight/payout-distribution",
      "/oversight/settings",
      "/reserve",
      "/reserve?as_of=2023-10-31",
    ])
      await call("bureau1", "GET", path);
    await call("op1", "PUT", "/oversight/settings", { ibnr_bps: 500 });
    await call("op1", "GET", "/compliance");
    await call("op1", "GET", "/audit?limit=20");
    await call("op1", "GET", "/notifications?psn_no=P001");
    await call("res1", "GET", "/notifications");

    // Programs and institutions (platform admin), public verification, logout.
    await call("admin", "POST", "/api/v1/programs", { program_id: "ct-2023", product_id: "wenshan-2023" });
    await call("admin", "POST", "/institutions", { fixmedins_code: "H53260100009", name: "合同测试医院" });
    const policy = await call("res5", "GET", `/policies/${own}`);
    await call(undefined, "GET", `/api/v1/verify/${policy.json().verification_code as string}`);
    await call("res1", "POST", "/api/v1/auth/logout");

    expect(answers.filter((a) => a.status < 200 || a.status >= 300)).toEqual([]);
    expect(probe.compared).toBeGreaterThanOrEqual(answers.length);
    expect(probe.altered).toEqual([]);
  });

  it("notices what it checks: a field the schema does not name is reported", async () => {
    const Fastify = (await import("fastify")).default;
    const small = Fastify();
    small.get(
      "/x",
      { schema: { response: { 200: { type: "object", properties: { kept: { type: "string" } } } } } },
      async () => ({ kept: "a", dropped: 1 }),
    );
    const before = probe.altered.length;
    const res = await small.inject({ method: "GET", url: "/x" });
    expect(res.json()).toEqual({ kept: "a" });
    expect(probe.altered.slice(before)).toEqual([
      { route: "GET /x", status: 200, before: { kept: "a", dropped: 1 }, after: { kept: "a" } },
    ]);
    probe.altered.length = before;
    await small.close();
  });
});
