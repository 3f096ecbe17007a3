import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, expectLedgerConsistent, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

describe.each(BACKENDS)("Idempotency-Key on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const url = `/api/v1/programs/${PROGRAM}/enrollments`;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const policies = async () =>
    (
      await platform.ctx.db.query<{ n: number }>(
        "select count(*)::int as n from policies where psn_no = 'P004'",
      )
    )[0]?.n;

  it("a retried write with the same key gets the first response again and runs once", async () => {
    const headers = { ...(await authHeaders(app, "op1")), "idempotency-key": "retry-0001-P004" };
    const payload = { kind: "individual", psn_no: "P004", channel: "offline", plan: "standard" };
    const first = await app.inject({ method: "POST", url, headers, payload });
    expect(first.statusCode).toBe(201);
    const again = await app.inject({ method: "POST", url, headers, payload });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replay"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    expect(await policies()).toBe(1);
    // Without the key the same request is a new attempt, and the natural rule (one policy a person) answers.
    const { "idempotency-key": _, ...plain } = headers;
    const fresh = await app.inject({ method: "POST", url, headers: plain, payload });
    expect(fresh.statusCode).toBe(409);
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  it("the same key with a different body is a 409 naming the header; a malformed key is a 400", async () => {
    const headers = { ...(await authHeaders(app, "op1")), "idempotency-key": "retry-0001-P004" };
    const other = await app.inject({
      method: "POST",
      url,
      headers,
      payload: { kind: "individual", psn_no: "P005", channel: "offline", plan: "standard" },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({ code: "idempotency_conflict", field: "Idempotency-Key" });
    const bad = await app.inject({
      method: "POST",
      url,
      headers: { ...headers, "idempotency-key": "x" },
      payload: { kind: "individual", psn_no: "P005", channel: "offline", plan: "standard" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("Idempotency-Key");
    const stored = await platform.ctx.db.query("select 1 from policies where psn_no = 'P005'");
    expect(stored).toHaveLength(0);
  });

  it("keys are per caller: another user's identical key does not replay someone else's response", async () => {
    const payload = { kind: "individual", psn_no: "P006", channel: "offline", plan: "standard" };
    const admin = { ...(await authHeaders(app, "admin")), "idempotency-key": "retry-0001-P004" };
    const res = await app.inject({ method: "POST", url, headers: admin, payload });
    expect(res.headers["idempotent-replay"]).toBeUndefined();
    expect(res.statusCode).toBe(201);
  });
});
