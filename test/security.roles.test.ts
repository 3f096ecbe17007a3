/**
 * Issue 15's two roles, against the server's own route table (a new route is covered without a case here):
 *  - health-service providers (institutions.kind 'service', role `provider`) sign like hospitals but can call no
 *    route of a 定点医药机构 — settlements, special-drug claims, burdens, anything admitting `hospital` — and a
 *    hospital cannot call the voucher routes;
 *  - 民政 (role `civil_affairs`) reads the 因病致贫监测 list (masked, audited), the aid programs and reviews the
 *    applications of the assistance line's funds only — no other route admits it.
 * Both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { contributeToFund, createAidFund } from "../src/services/aid/funds.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { EXAMPLE_WATCH_SETTINGS, setWatchSettings } from "../src/services/aid/watch.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { issueProgramVouchers, publishCatalog } from "../src/services/health-services.js";
import { addInstitution, listInstitutions } from "../src/services/institutions.js";
import { createUser } from "../src/services/users.js";
import {
  type ClaimsFixture,
  HOSPITAL,
  postSettlement,
  recordFor,
  SETTLE_NOW,
  setupClaims,
  signHeadersV2,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";
import { type CollectedRoute, collectedRoutes } from "./support/routes.js";

vi.mock("fastify", async (importOriginal) =>
  (await import("./support/routes.js")).wrapFastifyModule(importOriginal),
);

const PROVIDER = "HC53260100001";
const P = "/api/v1/programs/:program_id";

/** Every route 民政 may call: the watch (list, counts), aid programs (read) and the application review. */
const CIVIL_AFFAIRS_ROUTES = [
  // The program's description (product, region, co-insurers): its name heads the console.
  `GET ${P}`,
  `GET ${P}/aid-watch/persons`,
  `GET ${P}/aid-watch/summary`,
  `GET ${P}/aid-programs`,
  `GET ${P}/aid-programs/:aid_program_id`,
  `GET ${P}/aid-applications`,
  `GET ${P}/aid-applications.xlsx`,
  `GET ${P}/aid-applications/:application_id`,
  `POST ${P}/aid-applications/:application_id/decision`,
].sort();

/** An application-mode program paying a fixed 100 yuan from `fund` (sponsored by `kind`), for anyone. */
const applicationProgram = (id: string, fund: string, kind: "charity" | "civil_affairs") => ({
  schemaVersion: 1,
  id,
  version: 1,
  name: `测试救助 ${id}`,
  sponsor: { kind, name: kind === "charity" ? "测试基金会" : "测试民政局" },
  fund,
  priority: kind === "charity" ? 10 : 20,
  period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
  eligibility: {},
  covers: { kind: "residual", after: ["hmb"] },
  benefit: { kind: "fixed", amount: 100 },
  budget: { amount: 10_000, whenExhausted: "stop" },
  mode: { kind: "application", documents: [], committee: false },
});

describe.each(BACKENDS)("issue 15 roles on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  let routes: CollectedRoute[];
  let civil: Record<string, string>;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    const { ctx } = platform;
    fx = await setupClaims(ctx);
    const added = await addInstitution(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      code: PROVIDER,
      name: "文山体检中心",
      kind: "service",
    });
    fx.secrets.set(PROVIDER, added.secret);
    await createUser(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username: "civil1",
      role: "civil_affairs",
      password: "civil-pass-12",
    });
    // The hospital is named too: a catalog naming a 定点医药机构 does not make it a provider.
    await publishCatalog(ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      version: 1,
      name: "体检",
      services: [
        {
          id: "checkup",
          kind: "health_check",
          name: "体检",
          quantityPerYear: 1,
          providers: [PROVIDER, HOSPITAL],
        },
      ],
    });
    await issueProgramVouchers(ctx, CLI_ACTOR, PROGRAM);
    for (const [fund, kind, keeper] of [
      ["charity-fund", "charity", "ch1"],
      ["civil-fund", "civil_affairs", undefined],
    ] as const) {
      await createAidFund(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        fundId: fund,
        name: fund,
        sponsorKind: kind,
        sponsorName: kind,
        ...(keeper === undefined ? {} : { keeper }),
      });
      await contributeToFund(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        fundId: fund,
        kind: "top_up",
        amount: 1_000_000,
        ref: `top-${fund}`,
      });
    }
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      applicationProgram("charity-aid", "charity-fund", "charity"),
    );
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      applicationProgram("civil-aid", "civil-fund", "civil_affairs"),
    );
    await setWatchSettings(ctx, CLI_ACTOR, PROGRAM, EXAMPLE_WATCH_SETTINGS);
    platform.clock.set(SETTLE_NOW);
    collectedRoutes.length = 0;
    app = await testServer(platform);
    routes = [...collectedRoutes];
    civil = await authHeaders(app, "civil1", "civil-pass-12");
    // A settled claim: the matching pre-fills one application per application-mode program.
    const settled = await postSettlement(
      app,
      fx,
      await recordFor(fx, { setlId: "ROLE-1", psnNo: "P002", inScope: 2_000_000 }),
    );
    expect(settled.statusCode, settled.body).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const fill = (url: string) => url.replace(":program_id", PROGRAM).replace(/:[A-Za-z_]+/g, "X1");
  const signedAs = (institution: string, r: CollectedRoute) => {
    const target = fill(r.url);
    const body = r.method === "GET" ? "" : "{}";
    return app.inject({
      method: r.method as "GET" | "POST",
      url: target,
      headers: signHeadersV2(fx.secrets.get(institution) as string, r.method, target, body, institution),
      ...(body === "" ? {} : { payload: body }),
    });
  };

  it("registers the provider as a health-service provider, listed with its kind", async () => {
    const list = await listInstitutions(platform.ctx, PROGRAM);
    expect(list.find((i) => i.code === PROVIDER)?.kind).toBe("service");
    expect(list.find((i) => i.code === HOSPITAL)?.kind).toBe("medical");
  });

  it("refuses a provider's valid signature on every route of a 定点医药机构 (403 on the role)", async () => {
    const hospitalRoutes = routes.filter((r) => r.signed && r.roles?.includes("hospital"));
    expect(hospitalRoutes.length).toBeGreaterThan(5);
    expect(hospitalRoutes.map((r) => `${r.method} ${r.url}`)).toContain(`POST ${P}/settlements`);
    const failures: string[] = [];
    for (const r of hospitalRoutes) {
      if (r.roles?.includes("provider")) failures.push(`${r.method} ${r.url} admits providers`);
      const res = await signedAs(PROVIDER, r);
      if (res.statusCode !== 403 || res.json().error.code !== "forbidden")
        failures.push(`${r.method} ${r.url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    // A real settlement record signed by the provider: refused, nothing stored.
    const body = JSON.stringify(await recordFor(fx, { setlId: "ROLE-P", psnNo: "P003", inScope: 100_000 }));
    const target = `/api/v1/programs/${PROGRAM}/settlements`;
    const res = await app.inject({
      method: "POST",
      url: target,
      headers: signHeadersV2(fx.secrets.get(PROVIDER) as string, "POST", target, body, PROVIDER),
      payload: body,
    });
    expect(res.statusCode).toBe(403);
    const stored = await platform.ctx.db.query(
      "select 1 from claims where program_id = $1 and setl_id = 'ROLE-P'",
      [PROGRAM],
    );
    expect(stored).toHaveLength(0);
  });

  it("admits providers on the voucher routes only, and refuses a hospital there", async () => {
    const providerRoutes = routes.filter((r) => r.roles?.includes("provider"));
    expect(providerRoutes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [`GET ${P}/health-services/vouchers/:voucher_code`, `POST ${P}/health-services/redemptions`].sort(),
    );
    for (const r of providerRoutes) {
      expect(r.roles).toEqual(["provider"]);
      const res = await signedAs(HOSPITAL, r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    // The provider redeems; the hospital, though the catalog names it, cannot.
    const voucher = await platform.ctx.db.query<{ voucher_code: string }>(
      "select voucher_code from health_service_vouchers where program_id = $1 and psn_no = 'P001'",
      [PROGRAM],
    );
    const code = voucher[0]?.voucher_code as string;
    const redeem = (institution: string) => {
      const body = JSON.stringify({ voucher_code: code, reference: "R-1" });
      const target = `/api/v1/programs/${PROGRAM}/health-services/redemptions`;
      return app.inject({
        method: "POST",
        url: target,
        headers: signHeadersV2(fx.secrets.get(institution) as string, "POST", target, body, institution),
        payload: body,
      });
    };
    expect((await redeem(HOSPITAL)).statusCode).toBe(403);
    expect((await redeem(PROVIDER)).statusCode).toBe(200);
  });

  it("admits 民政 exactly on the watch, the aid programs and the application review", () => {
    const admitted = routes
      .filter((r) => r.roles?.includes("civil_affairs"))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(admitted).toEqual(CIVIL_AFFAIRS_ROUTES);
  });

  it("lets 民政 read the masked watch list (audited) and refuses the rest", async () => {
    const list = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/persons`,
      headers: civil,
    });
    expect(list.statusCode, list.body).toBe(200);
    const audited = await platform.ctx.db.query<{ role: string }>(
      "select role from audit_log where program_id = $1 and action = 'aid_watch.list' and actor = 'civil1'",
      [PROGRAM],
    );
    expect(audited.map((a) => a.role)).toEqual(["civil_affairs"]);
    for (const [method, url] of [
      ["PUT", "aid-watch/settings"],
      ["GET", "aid-funds"],
      ["GET", "institutions"],
      ["GET", "payout-batches"],
      ["POST", "aid-programs"],
    ] as const) {
      const res = await app.inject({
        method,
        url: `/api/v1/programs/${PROGRAM}/${url}`,
        headers: civil,
        ...(method === "GET" ? {} : { payload: {} }),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it("lets 民政 review the assistance line's applications only, psn_no masked", async () => {
    const all = await platform.ctx.db.query<{
      application_id: string;
      aid_program_id: string;
      psn_no: string;
    }>("select application_id, aid_program_id, psn_no from aid_applications where program_id = $1", [
      PROGRAM,
    ]);
    expect(all.map((a) => a.aid_program_id).sort()).toEqual(["charity-aid", "civil-aid"]);
    const mine = all.find((a) => a.aid_program_id === "civil-aid");
    const theirs = all.find((a) => a.aid_program_id === "charity-aid");
    const queue = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-applications`,
      headers: civil,
    });
    expect(queue.statusCode, queue.body).toBe(200);
    const ids = (queue.json().applications as { application_id: string }[]).map((a) => a.application_id);
    expect(ids).toEqual([mine?.application_id]);
    expect(queue.body).not.toContain(mine?.psn_no as string);
    const one = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-applications/${mine?.application_id}`,
      headers: civil,
    });
    expect(one.statusCode).toBe(200);
    const other = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-applications/${theirs?.application_id}`,
      headers: civil,
    });
    expect(other.statusCode).toBe(404);
  });
});
