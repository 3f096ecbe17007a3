/**
 * Health services (增值服务, issue 15 item 6): the catalog is validated like products, vouchers go to exactly
 * the eligible insured and issuing again adds nothing, a provider redeems a voucher once over the signed API
 * (a retry gets the same answer, any other redemption is refused, also when two race), a cancelled policy voids
 * its vouchers, and the usage report adds up. Both back ends.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServiceCatalog, ServiceCatalogValidationError } from "../src/domain/health-services.js";
import { ageAt } from "../src/domain/premium.js";
import { CLI_ACTOR } from "../src/services/context.js";
import {
  currentCatalog,
  eligibleFor,
  issueProgramVouchers,
  redeemedServices,
  usageReport,
} from "../src/services/health-services.js";
import { addInstitution, setInstitutionStatus } from "../src/services/institutions.js";
import { cancelPolicy } from "../src/services/policies.js";
import { type ClaimsFixture, HOSPITAL, SETTLE_NOW, setupClaims, signHeaders } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders as login, NOW, PROGRAM } from "./support/roster.js";

const PROVIDER = "HC53260100001";

const CATALOG = {
  schemaVersion: 1,
  version: 1,
  name: "文山惠民保健康服务",
  services: [
    {
      id: "checkup",
      kind: "health_check",
      name: "年度体检",
      eligibility: { ageFrom: 18 },
      quantityPerYear: 1,
      providers: [PROVIDER, HOSPITAL],
    },
    {
      id: "screening",
      kind: "cancer_screening",
      name: "两癌筛查",
      eligibility: { sex: "2", ageFrom: 35, ageTo: 64 },
      quantityPerYear: 1,
      providers: [PROVIDER],
    },
    {
      id: "loyal",
      kind: "second_opinion",
      name: "二次诊疗意见",
      eligibility: { claimFreeYearsFrom: 2 },
      quantityPerYear: 1,
      providers: [PROVIDER],
    },
    { id: "consult", kind: "consultation", name: "在线问诊", quantityPerYear: 2, providers: [PROVIDER] },
  ],
};

describe("service catalog files", () => {
  it("accepts the example catalogs and names the bad field of a bad one", () => {
    for (const f of ["shenzhen-2023", "beijing-2024"]) {
      const c = parseServiceCatalog(JSON.parse(readFileSync(`src/health-services/${f}.json`, "utf8")));
      expect(c.services.length).toBeGreaterThan(0);
    }
    const bad = (mutate: (s: Record<string, unknown>) => void): string[] => {
      const doc = structuredClone(CATALOG) as { services: Record<string, unknown>[] };
      mutate(doc.services[0] as Record<string, unknown>);
      try {
        parseServiceCatalog(doc);
      } catch (e) {
        expect(e).toBeInstanceOf(ServiceCatalogValidationError);
        return (e as ServiceCatalogValidationError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(bad((s) => (s.eligibility = { ageFrom: 60, ageTo: 18 }))).toEqual([
      "services[0].eligibility.ageTo",
    ]);
    expect(bad((s) => (s.providers = ["bad code"]))).toEqual(["services[0].providers[0]"]);
    expect(bad((s) => (s.kind = "massage"))).toEqual(["services[0].kind"]);
    expect(bad((s) => (s.eligibility = { preExisting: true }))).toEqual(["services[0].eligibility"]);
    expect(bad((s) => (s.id = "consult"))).toEqual(["services[3].id"]);
    // zod's own messages reach the operator in Chinese.
    expect(() =>
      parseServiceCatalog({ ...CATALOG, services: [{ ...CATALOG.services[3], quantityPerYear: 0 }] }),
    ).toThrow(/services\[0\]\.quantityPerYear: .*[\u4e00-\u9fff]/);
  });
});

describe.each(BACKENDS)("health services on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;

  // One log-in per account: each costs a password hash.
  const sessions = new Map<string, Record<string, string>>();
  const authHeaders = async (a: FastifyInstance, username: string) => {
    const hit = sessions.get(username) ?? (await login(a, username));
    sessions.set(username, hit);
    return hit;
  };

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx);
    const added = await addInstitution(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      code: PROVIDER,
      name: "文山体检中心",
      kind: "service",
    });
    fx.secrets.set(PROVIDER, added.secret);
    // P002 is a woman: the screening's sex condition has someone to select.
    await platform.ctx.db.query(
      "update roster_persons set gend = '2' where program_id = $1 and psn_no = 'P002'",
      [PROGRAM],
    );
    platform.clock.set(SETTLE_NOW);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const redeem = (code: string, reference: string, provider = PROVIDER, secret?: string) => {
    const body = JSON.stringify({ voucher_code: code, reference });
    return app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/health-services/redemptions`,
      headers: signHeaders(secret ?? (fx.secrets.get(provider) as string), body, provider),
      payload: body,
    });
  };
  const vouchersOf = (psnNo: string) =>
    platform.ctx.db.query<{ voucher_code: string; service_id: string }>(
      `select voucher_code, service_id from health_service_vouchers where program_id = $1 and psn_no = $2
        order by service_id, seq`,
      [PROGRAM, psnNo],
    );

  it("publishes a catalog version once; a bad file or a changed version changes nothing", async () => {
    const ops = await authHeaders(app, "op1");
    const url = `/api/v1/programs/${PROGRAM}/health-services/catalog`;
    const unknownPlan = structuredClone(CATALOG);
    (unknownPlan.services[0] as { eligibility: object }).eligibility = { plans: ["gold"] };
    const refused = await app.inject({ method: "POST", url, headers: ops, payload: unknownPlan });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe("services[0].eligibility.plans");
    const first = await app.inject({ method: "POST", url, headers: ops, payload: CATALOG });
    expect(first.statusCode).toBe(201);
    const again = await app.inject({ method: "POST", url, headers: ops, payload: CATALOG });
    expect(again.json()).toEqual({ version: 1, outcome: "unchanged" });
    const changed = await app.inject({
      method: "POST",
      url,
      headers: ops,
      payload: { ...CATALOG, name: "改" },
    });
    expect(changed.statusCode).toBe(409);
    expect((await currentCatalog(platform.ctx.db, PROGRAM))?.catalog.name).toBe(CATALOG.name);
    const view = await app.inject({ method: "GET", url, headers: await authHeaders(app, "ins1") });
    expect(view.json().providers).toContainEqual({
      code: PROVIDER,
      name: "文山体检中心",
      status: "active",
      services: ["checkup", "screening", "loyal", "consult"],
    });
    const byResident = await app.inject({
      method: "POST",
      url,
      headers: await authHeaders(app, "res1"),
      payload: CATALOG,
    });
    expect(byResident.statusCode).toBe(403);
  });

  it("issues exactly the eligible insured's vouchers, and issuing again adds nothing", async () => {
    const published = await currentCatalog(platform.ctx.db, PROGRAM);
    const persons = await platform.ctx.db.query<{
      psn_no: string;
      gend: string;
      brdy: string;
      coverage_start: Date;
      claim_free_years: number;
    }>(
      `select p.psn_no, r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy, p.coverage_start, p.claim_free_years
         from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
        where p.program_id = $1 and p.issued_at is not null order by p.psn_no`,
      [PROGRAM],
    );
    // Brute force, independent of the engine's evaluator: the catalog's rules read off the roster by hand.
    const expected = (p: (typeof persons)[number]) => {
      const age = ageAt(p.brdy, new Date(p.coverage_start).getTime());
      return [
        ...(age >= 18 ? ["checkup"] : []),
        "consult",
        "consult",
        ...(Number(p.claim_free_years) >= 2 ? ["loyal"] : []),
        ...(p.gend === "2" && age >= 35 && age <= 64 ? ["screening"] : []),
      ].sort();
    };
    const first = await issueProgramVouchers(platform.ctx, CLI_ACTOR, PROGRAM);
    expect(first.policies).toBe(persons.length);
    let total = 0;
    for (const p of persons) {
      const got = (await vouchersOf(p.psn_no)).map((v) => v.service_id).sort();
      expect(got, p.psn_no).toEqual(expected(p));
      total += got.length;
    }
    expect(first.added).toBe(total);
    expect(new Set((await vouchersOf("P002")).map((v) => v.service_id)).has("screening")).toBe(true);
    expect((await issueProgramVouchers(platform.ctx, CLI_ACTOR, PROGRAM)).added).toBe(0);
    // Three claim-free years later (renewed): the loyalty service becomes due, nothing else is reissued.
    await platform.ctx.db.query(
      "update policies set claim_free_years = 3 where program_id = $1 and psn_no = 'P004'",
      [PROGRAM],
    );
    expect((await issueProgramVouchers(platform.ctx, CLI_ACTOR, PROGRAM)).added).toBe(1);
    const service = published?.catalog.services.find((s) => s.id === "loyal");
    expect(service).toBeDefined();
  });

  it("shows the insured their own vouchers with a code, audited", async () => {
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/me/health-services`,
      headers: await authHeaders(app, "res1"),
    });
    expect(res.statusCode).toBe(200);
    const mine = res.json().vouchers as { voucher_code: string; state: string; service_id: string }[];
    expect(mine.map((v) => v.voucher_code).sort()).toEqual(
      (await vouchersOf("P001")).map((v) => v.voucher_code).sort(),
    );
    expect(mine.every((v) => /^[A-Z2-9]{16}$/.test(v.voucher_code) && v.state === "available")).toBe(true);
    const audited = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and action = 'health_voucher.list_own' and subject = 'P001'",
      [PROGRAM],
    );
    expect(audited.length).toBeGreaterThan(0);
  });

  it("redeems a voucher exactly once over the signed API", async () => {
    const [checkup, consult] = await vouchersOf("P001");
    if (checkup === undefined || consult === undefined) throw new Error("P001 has vouchers");
    const first = await redeem(checkup.voucher_code, "ORDER-1");
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ state: "redeemed", reference: "ORDER-1", person: { name: "张*" } });
    const retry = await redeem(checkup.voucher_code, "ORDER-1");
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(first.json());
    const other = await redeem(checkup.voucher_code, "ORDER-2");
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe("already_redeemed");
    // A 定点医药机构 (kind medical) redeems nothing, even a service naming its code: 403 on the role.
    const byHospital = await redeem(checkup.voucher_code, "ORDER-1", HOSPITAL);
    expect(byHospital.statusCode).toBe(403);
    // Two different redemptions racing for one voucher: one wins, the other is refused.
    const race = await Promise.all([
      redeem(consult.voucher_code, "RACE-A"),
      redeem(consult.voucher_code, "RACE-B"),
    ]);
    expect(race.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const stored = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where program_id = $1 and action = 'health_voucher.redeem' and subject = $2",
      [PROGRAM, consult.voucher_code],
    );
    expect(Number(stored[0]?.n)).toBe(1);
    expect(await redeemedServices(platform.ctx.db, PROGRAM, "P001", platform.ctx.clock.now())).toEqual([
      "checkup",
      "consult",
    ]);
  });

  it("refuses a bad signature, a provider not named for the service and a disabled provider", async () => {
    const screening = (await vouchersOf("P002")).find((v) => v.service_id === "screening");
    if (screening === undefined) throw new Error("P002 has a screening voucher");
    const forged = await redeem(screening.voucher_code, "X-1", PROVIDER, "0".repeat(64));
    expect(forged.statusCode).toBe(401);
    // A hospital is no health-service provider: refused on its role.
    expect((await redeem(screening.voucher_code, "X-1", HOSPITAL)).statusCode).toBe(403);
    await setInstitutionStatus(platform.ctx, CLI_ACTOR, PROGRAM, PROVIDER, "disabled");
    const disabled = await redeem(screening.voucher_code, "X-1");
    expect(disabled.statusCode).toBe(403);
    await setInstitutionStatus(platform.ctx, CLI_ACTOR, PROGRAM, PROVIDER, "active");
    const unsigned = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/health-services/redemptions`,
      headers: await authHeaders(app, "op1"),
      payload: { voucher_code: screening.voucher_code, reference: "X-1" },
    });
    expect(unsigned.statusCode).toBe(403);
    const left = await platform.ctx.db.query(
      "select 1 from health_service_vouchers where program_id = $1 and voucher_code = $2 and status = 'issued'",
      [PROGRAM, screening.voucher_code],
    );
    expect(left).toHaveLength(1);
  });

  it("voids the vouchers of a cancelled policy and reports usage that adds up", async () => {
    const policy = await platform.ctx.db.query<{ policy_no: string }>(
      "select policy_no from policies where program_id = $1 and psn_no = 'P004' and issued_at is not null",
      [PROGRAM],
    );
    await cancelPolicy(platform.ctx, CLI_ACTOR, PROGRAM, policy[0]?.policy_no as string, {});
    const [voided] = await vouchersOf("P004");
    const refused = await redeem(voided?.voucher_code as string, "LATE-1");
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe("voucher_cancelled");

    const counts = await platform.ctx.db.query<{ service_id: string; issued: number; redeemed: number }>(
      `select service_id, count(*)::int as issued, count(*) filter (where status = 'redeemed')::int as redeemed
         from health_service_vouchers where program_id = $1 group by service_id`,
      [PROGRAM],
    );
    const p004 = (await vouchersOf("P004")).length;
    const usage = await usageReport(platform.ctx, PROGRAM);
    expect(usage.services.map((s) => s.serviceId)).toEqual(["checkup", "screening", "loyal", "consult"]);
    for (const s of usage.services) {
      const c = counts.find((x) => x.service_id === s.serviceId);
      expect(s.issued).toBe(Number(c?.issued ?? 0));
      expect(s.redeemed).toBe(Number(c?.redeemed ?? 0));
      expect(s.rateBps).toBe(s.issued === 0 ? 0 : Math.round((s.redeemed * 10_000) / s.issued));
      expect(s.providers.reduce((a, p) => a + p.redeemed, 0)).toBe(s.redeemed);
    }
    expect(usage.services.reduce((a, s) => a + s.cancelled, 0)).toBe(p004);
    const checkup = usage.services.find((s) => s.serviceId === "checkup");
    expect(checkup?.providers).toEqual([{ provider: PROVIDER, providerName: "文山体检中心", redeemed: 1 }]);

    const regulator = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/health-services/usage`,
      headers: await authHeaders(app, "bureau1"),
    });
    expect(regulator.statusCode).toBe(200);
    expect(regulator.json().services[0]).toMatchObject({ service_id: "checkup", redeemed: 1 });
    const resident = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/health-services/usage`,
      headers: await authHeaders(app, "res1"),
    });
    expect(resident.statusCode).toBe(403);
    const list = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/health-services/redemptions`,
      headers: await authHeaders(app, "op1"),
    });
    expect(list.json().redemptions).toHaveLength(2);
    expect(JSON.stringify(list.json())).not.toContain("张三");
  });

  it("expires what is left at the end of coverage", async () => {
    platform.clock.set("2024-09-01T10:00:00+08:00");
    const [leftover] = (await vouchersOf("P002")).filter((v) => v.service_id === "consult");
    const late = await redeem(leftover?.voucher_code as string, "LATE-2");
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("voucher_expired");
    const usage = await usageReport(platform.ctx, PROGRAM);
    expect(usage.services.find((s) => s.serviceId === "consult")?.expired).toBeGreaterThan(0);
    platform.clock.set(SETTLE_NOW);
  });

  it("the eligibility rule is the products' person condition", () => {
    const service = parseServiceCatalog(CATALOG).services[1];
    if (service === undefined) throw new Error("screening");
    const terms = (sex: string, ageAtStart: number) => ({
      coverage: { start: 0, end: 1 },
      cohort: undefined,
      preExisting: [],
      ageAtStart,
      sex,
      insutype: "390",
    });
    expect(eligibleFor(service, "standard", terms("2", 40))).toBe(true);
    expect(eligibleFor(service, "standard", terms("1", 40))).toBe(false);
    expect(eligibleFor(service, "standard", terms("2", 65))).toBe(false);
  });
});
