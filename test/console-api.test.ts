/**
 * The console's read routes (routes/console.ts): compliance findings, audit log search, policy lists,
 * charity pools and their sponsored persons' claims — who may call them, what is masked, that each read is
 * audited, and that bad input names its field with nothing changed. Both back ends.
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

describe.each(BACKENDS)("console read routes on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();
  const get = (user: string, path: string) =>
    app.inject({ method: "GET", url: `${BASE}${path}`, headers: as.get(user) as Record<string, string> });
  const auditCount = async (action: string) =>
    Number(
      (
        await platform.ctx.db.query<{ n: number }>(
          "select count(*)::int as n from audit_log where program_id = $1 and action = $2",
          [PROGRAM, action],
        )
      )[0]?.n,
    );

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P002"] });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username: "reg1",
      role: "regulator",
      password: "reg-pass-12",
    });
    await sponsorByCharity(platform.ctx, "P007");
    // One paid stay of the sponsored person (and one of an ordinary one, which a charity must not see),
    // settled in the coverage year after it.
    platform.clock.set(SETTLE_NOW);
    for (const [setlId, psnNo] of [
      ["S-CH-1", "P007"],
      ["S-OR-1", "P001"],
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
    for (const u of ["admin", "op1", "bureau1", "ins1", "res1", "ch1"]) as.set(u, await authHeaders(app, u));
    as.set("reg1", await authHeaders(app, "reg1", "reg-pass-12"));
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  it("runs the compliance check over the program's product, citing clauses", async () => {
    const res = await get("op1", "/compliance");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ program_id: PROGRAM, product_id: "wenshan-2023", rules: "yunnan-2023" });
    expect(body.findings.length).toBe(
      body.passed +
        body.failed +
        body.findings.filter((f: { status: string }) => f.status === "not_applicable").length,
    );
    expect(
      body.findings.every(
        (f: { clause: string; title: string | null }) => f.clause !== "" && f.title !== null,
      ),
    ).toBe(true);
    expect((await get("reg1", "/compliance?rules=yunnan-2023")).statusCode).toBe(200);
    for (const user of ["res1", "ch1", "ins1"]) expect((await get(user, "/compliance")).statusCode).toBe(403);
    const bad = await get("op1", "/compliance?rules=atlantis");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("rules");
    expect(bad.json().error.message).toContain("yunnan-2023");
  });

  it("searches the audit log by action, actor and Beijing days, and audits the search", async () => {
    await get("op1", "/policies"); // leaves a policy.list entry by op1
    const before = await auditCount("audit.search");
    // The audit log records real time (the database's clock), not the business clock: days around today.
    const day = (offset: number) =>
      new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
    const res = await get("op1", `/audit?action=policy.list&actor=op1&from=${day(-1)}&to=${day(1)}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBeGreaterThan(0);
    expect(
      body.entries.every(
        (e: { action: string; actor: string }) => e.action === "policy.list" && e.actor === "op1",
      ),
    ).toBe(true);
    expect(await auditCount("audit.search")).toBe(before + 1);
    // A prefix ending in "." finds a family of actions; another day finds nothing.
    const family = (await get("admin", "/audit?action=policy.")).json();
    expect(family.entries.some((e: { action: string }) => e.action === "policy.list")).toBe(true);
    expect((await get("reg1", `/audit?from=${day(2)}`)).json().total).toBe(0);
    for (const user of ["bureau1", "ins1", "res1", "ch1"])
      expect((await get(user, "/audit")).statusCode).toBe(403);
    for (const [query, field] of [
      ["from=2023-13-45x", "from"],
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["from=2023-08-05&to=2023-08-01", "to"],
      ["bogus=1", "bogus"],
    ] as const) {
      const bad = await get("op1", `/audit?${query}`);
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().error.field, query).toBe(field);
    }
  });

  it("lists policies: psn_no for staff, masked for co-insurers and charities, sponsored only for a charity", async () => {
    const staff = (await get("op1", "/policies?limit=10")).json();
    expect(staff.total).toBe(3);
    expect(staff.policies.map((p: { psn_no: string }) => p.psn_no).sort()).toEqual(["P001", "P002", "P007"]);
    const before = await auditCount("policy.list");
    const insurer = (await get("ins1", "/policies")).json();
    expect(await auditCount("policy.list")).toBe(before + 1);
    expect(insurer.policies.every((p: { psn_no: string }) => p.psn_no.includes("*"))).toBe(true);
    expect(JSON.stringify(insurer)).not.toMatch(/"P00\d"/);
    const charity = (await get("ch1", "/policies")).json();
    expect(charity.total).toBe(1);
    expect(charity.policies[0]).toMatchObject({
      psn_no: "P**7",
      pool_id: "pool-a",
      enrollment_kind: "charity",
    });
    expect((await get("ch1", "/policies?kind=unit")).statusCode).toBe(403);
    expect((await get("op1", "/policies?kind=charity")).json().total).toBe(1);
    for (const user of ["bureau1", "reg1", "res1"])
      expect((await get(user, "/policies")).statusCode).toBe(403);
    const bad = await get("op1", "/policies?status=lost");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("status");
    const page = (await get("op1", "/policies?limit=1&offset=1")).json();
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.policies).toHaveLength(1);
  });

  it("shows charity pools and the claims of sponsored persons only, masked", async () => {
    const pools = (await get("ch1", "/charity-pools")).json();
    expect(pools.pools).toEqual([
      expect.objectContaining({ pool_id: "pool-a", donated: "1000.00", donations: 1, sponsored_persons: 1 }),
    ]);
    expect(Number(pools.pools[0].balance) + Number(pools.pools[0].sponsored)).toBe(1000);
    expect((await get("reg1", "/charity-pools")).statusCode).toBe(200);
    expect((await get("res1", "/charity-pools")).statusCode).toBe(403);
    const before = await auditCount("charity_claim.list");
    const claims = (await get("ch1", "/charity-claims")).json();
    expect(await auditCount("charity_claim.list")).toBe(before + 1);
    expect(claims.claims.map((c: { setl_id: string }) => c.setl_id)).toEqual(["S-CH-1"]);
    const c = claims.claims[0];
    expect(c.psn_no).not.toBe("P007");
    expect(Number(c.remaining)).toBeCloseTo(Number(c.psn_part_amt) - Number(c.hmb_pay), 2);
    for (const user of ["ins1", "reg1", "bureau1", "res1"])
      expect((await get(user, "/charity-claims")).statusCode).toBe(403);
    const bad = await get("ch1", "/charity-claims?limit=500");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("limit");
  });
});
