/**
 * Charity pools kept by one charity account (migration 034, services/charity-keeper.ts): a charity opens pools
 * for itself only; an operator names a charity account of the program or none; among the charity accounts only
 * the keeper sees a kept pool, its sponsored persons' policies and claims and its disclosure report, and only
 * the keeper donates to it or sponsors from it — another charity is answered as if the pool did not exist, and
 * nothing changes. A pool without a keeper stays the program's own, shared by every charity. Both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { createUser } from "../src/services/users.js";
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

const BASE = `/api/v1/programs/${PROGRAM}`;

describe.each(BACKENDS)("charity pools with a keeper on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();
  const call = (user: string, method: "GET" | "POST" | "PUT", path: string, payload?: unknown) =>
    app.inject({
      method,
      url: `${BASE}${path}`,
      headers: as.get(user) as Record<string, string>,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const poolIds = async (user: string) =>
    (await call(user, "GET", "/charity-pools")).json().pools.map((p: { pool_id: string }) => p.pool_id);
  const balance = async (pool: string) =>
    Number(
      (
        await platform.ctx.db.query<{ b: number }>(
          "select balance_fen as b from charity_pools where program_id = $1 and pool_id = $2",
          [PROGRAM, pool],
        )
      )[0]?.b,
    );

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P002"] });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username: "ch2",
      role: "charity",
      password: "ch2-pass-12",
    });
    // pool-a: the program's own pool (no keeper), sponsoring P007.
    await sponsorByCharity(platform.ctx, "P007");
    for (const u of ["op1", "ins1", "ch1"]) as.set(u, await authHeaders(app, u));
    as.set("ch2", await authHeaders(app, "ch2", "ch2-pass-12"));
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  it("lets a charity open pools for itself only, and an operator name a charity account as keeper", async () => {
    const own = await call("ch2", "POST", "/charity-pools", { pool_id: "pool-b", name: "助保金 B" });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ pool_id: "pool-b", keeper: "ch2", balance_fen: 0 });

    const forOther = await call("ch1", "POST", "/charity-pools", {
      pool_id: "pool-x",
      name: "X",
      keeper: "ch2",
    });
    expect(forOther.statusCode).toBe(403);
    expect(forOther.json().error.field).toBe("keeper");

    const notCharity = await call("op1", "POST", "/charity-pools", {
      pool_id: "pool-c",
      name: "C",
      keeper: "ins1",
    });
    expect(notCharity.statusCode).toBe(400);
    expect(notCharity.json().error.field).toBe("keeper");
    expect(await poolIds("op1")).toEqual(["pool-a", "pool-b"]);

    const named = await call("op1", "POST", "/charity-pools", {
      pool_id: "pool-c",
      name: "C",
      keeper: "ch1",
    });
    expect(named.statusCode).toBe(201);
    expect(named.json().keeper).toBe("ch1");
    // The same pool under another keeper is not a replay.
    const rekept = await call("op1", "POST", "/charity-pools", {
      pool_id: "pool-c",
      name: "C",
      keeper: "ch2",
    });
    expect(rekept.statusCode).toBe(409);
  });

  it("shows each charity its own pools and the program's, and staff all of them", async () => {
    expect(await poolIds("ch1")).toEqual(["pool-a", "pool-c"]);
    expect(await poolIds("ch2")).toEqual(["pool-a", "pool-b"]);
    expect(await poolIds("op1")).toEqual(["pool-a", "pool-b", "pool-c"]);
    // Each pool says who keeps it (null: the program's own, shared).
    const keepers = (await call("op1", "GET", "/charity-pools"))
      .json()
      .pools.map((p: { pool_id: string; keeper: string | null }) => [p.pool_id, p.keeper]);
    expect(keepers).toEqual([
      ["pool-a", null],
      ["pool-b", "ch2"],
      ["pool-c", "ch1"],
    ]);
    expect((await call("ch1", "GET", "/charity-pools/pool-b")).statusCode).toBe(404);
    expect((await call("ch2", "GET", "/charity-pools/pool-b")).statusCode).toBe(200);
    expect((await call("ch1", "GET", "/charity-pools/pool-a")).statusCode).toBe(200);
  });

  it("lets only the keeper donate to a kept pool and sponsor from it; another charity changes nothing", async () => {
    const gift = { amount: "1000.00", donor: "某基金会", ref: "b-1" };
    expect((await call("ch1", "POST", "/charity-pools/pool-b/donations", gift)).statusCode).toBe(404);
    expect(await balance("pool-b")).toBe(0);
    expect((await call("ch2", "POST", "/charity-pools/pool-b/donations", gift)).statusCode).toBe(201);
    expect(await balance("pool-b")).toBe(100_000);

    const sponsor = (psnNo: string) => ({ kind: "charity", psn_nos: [psnNo], channel: "charity:pool-b" });
    const stranger = await call("ch1", "POST", "/enrollments", sponsor("P003"));
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error.field).toBe("channel");
    expect(await balance("pool-b")).toBe(100_000);
    const none = await platform.ctx.db.query(
      "select 1 from policies where program_id = $1 and psn_no = 'P003'",
      [PROGRAM],
    );
    expect(none).toEqual([]);

    const keeper = await call("ch2", "POST", "/enrollments", sponsor("P008"));
    expect(keeper.statusCode).toBe(201);
    expect(await balance("pool-b")).toBeLessThan(100_000);
  });

  it("scopes sponsored policies, sponsored claims and the disclosure report to the pools a charity may see", async () => {
    platform.clock.set(SETTLE_NOW);
    for (const [setlId, psnNo] of [
      ["S-CH-A", "P007"],
      ["S-CH-B", "P008"],
    ] as const) {
      const res = await postSettlement(
        app,
        fx,
        await recordFor(fx, {
          psnNo,
          setlId,
          inScope: 3_000_000,
          pooled: 6_000_000,
          setlTime: "2023-10-10 10:00:00",
        }),
      );
      expect(res.statusCode).toBe(200);
    }
    const claims = async (user: string) =>
      (await call(user, "GET", "/charity-claims"))
        .json()
        .claims.map((c: { setl_id: string }) => c.setl_id)
        .sort();
    expect(await claims("ch1")).toEqual(["S-CH-A"]);
    expect(await claims("ch2")).toEqual(["S-CH-A", "S-CH-B"]);
    expect(await claims("op1")).toEqual(["S-CH-A", "S-CH-B"]);

    expect((await call("ch1", "GET", "/policies")).json().total).toBe(1);
    expect((await call("ch2", "GET", "/policies")).json().total).toBe(2);

    const report = (user: string) => call(user, "GET", "/reports/charity?fund=pool-b&format=json");
    expect((await report("ch1")).statusCode).toBe(404);
    expect((await report("ch2")).statusCode).toBe(200);
  });

  it("lets staff hand a pool to another charity or back to the program; the new keeper sees it whole", async () => {
    // The last case left: pool-a shared (P007), pool-b kept by ch2 (P002 and its claim S-CH-B).
    const keeper = (user: string, pool: string, body: unknown) =>
      call(user, "PUT", `/charity-pools/${pool}/keeper`, body);
    // Only staff; only charity accounts of the program; a missing pool is not found. Nothing changes.
    expect((await keeper("ch2", "pool-b", { keeper: "ch1" })).statusCode).toBe(403);
    const notCharity = await keeper("op1", "pool-b", { keeper: "ins1" });
    expect(notCharity.statusCode).toBe(400);
    expect(notCharity.json().error.field).toBe("keeper");
    expect((await keeper("op1", "pool-x", { keeper: "ch1" })).statusCode).toBe(404);
    expect((await keeper("op1", "pool-b", {})).statusCode).toBe(400);
    expect(await poolIds("ch1")).toEqual(["pool-a", "pool-c"]);

    const moved = await keeper("op1", "pool-b", { keeper: "ch1" });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toEqual({ pool_id: "pool-b", keeper: "ch1" });
    expect(await poolIds("ch1")).toEqual(["pool-a", "pool-b", "pool-c"]);
    expect(await poolIds("ch2")).toEqual(["pool-a"]);
    const claims = async (user: string) =>
      (await call(user, "GET", "/charity-claims"))
        .json()
        .claims.map((c: { setl_id: string }) => c.setl_id)
        .sort();
    expect(await claims("ch1")).toEqual(["S-CH-A", "S-CH-B"]);
    expect(await claims("ch2")).toEqual(["S-CH-A"]);

    // Back to the program: shared again, and the hand-overs are in the audit trail with before and after.
    expect((await keeper("op1", "pool-b", { keeper: null })).json()).toEqual({
      pool_id: "pool-b",
      keeper: null,
    });
    expect(await poolIds("ch2")).toEqual(["pool-a", "pool-b"]);
    expect((await keeper("op1", "pool-b", { keeper: null })).statusCode).toBe(200);
    const trail = await platform.ctx.db.query<{ detail: { from: string | null; to: string | null } }>(
      "select detail from audit_log where program_id = $1 and action = 'charity_pool.keeper' and subject = 'pool-b' order by audit_id",
      [PROGRAM],
    );
    expect(trail.map((t) => t.detail)).toEqual([
      { from: "ch2", to: "ch1" },
      { from: "ch1", to: null },
    ]);
  });
});
