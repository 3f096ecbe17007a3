import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import {
  addRosterPersons,
  authHeaders,
  expectLedgerConsistent,
  NOW,
  PROGRAM,
  setupWenshan,
} from "./support/roster.js";

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

  it("concurrent first attempts with one key run the write once; the others are told it is in progress", async () => {
    await addRosterPersons(platform.ctx, PROGRAM, [{ psnNo: "P090", name: "并发", brdy: "1985-03-04" }]);
    const headers = { ...(await authHeaders(app, "op1")), "idempotency-key": "race-0001-P090" };
    const payload = { kind: "individual", psn_no: "P090", channel: "offline", plan: "standard" };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => app.inject({ method: "POST", url, headers, payload })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201).length).toBeGreaterThanOrEqual(1);
    for (const a of answers) {
      if (a.statusCode === 409) expect(a.json().error.code).toBe("idempotency_in_progress");
      else expect(a.statusCode).toBe(201);
    }
    const first = answers.find((a) => a.statusCode === 201 && a.headers["idempotent-replay"] === undefined);
    expect(first).toBeDefined();
    for (const a of answers.filter((x) => x.statusCode === 201)) expect(a.json()).toEqual(first?.json());
    const n = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from policies where psn_no = 'P090'",
    );
    expect(n[0]?.n).toBe(1);
    // Once it has answered, the key replays.
    const later = await app.inject({ method: "POST", url, headers, payload });
    expect(later.headers["idempotent-replay"]).toBe("true");
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });

  it("a key reserved by a request that died is taken over after a minute", async () => {
    await addRosterPersons(platform.ctx, PROGRAM, [{ psnNo: "P091", name: "接管", brdy: "1985-03-05" }]);
    const headers = { ...(await authHeaders(app, "op1")), "idempotency-key": "orphan-0001-P091" };
    const payload = { kind: "individual", psn_no: "P091", channel: "offline", plan: "standard" };
    await platform.ctx.db.query(
      `insert into idempotency_keys (program_id, idem_key, actor, request_hash, status_code, response, created_at)
       values ($1, 'orphan-0001-P091', 'op1', 'x', null, null, now() - interval '2 minutes')`,
      [PROGRAM],
    );
    const res = await app.inject({ method: "POST", url, headers, payload });
    expect(res.statusCode).toBe(201);
    expect(res.headers["idempotent-replay"]).toBeUndefined();
  });
});
