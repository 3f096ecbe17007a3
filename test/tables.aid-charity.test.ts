/**
 * Issue 14, server-side tables for two more console lists: 资助对象的理赔 (GET /charity-claims, its older
 * limit/offset kept beside page/page_size) and the 救助申请 review queue (GET /aid-applications, its
 * `applications` key and unpaged answer kept) — paging, each filter, sorting, bad input refused naming the
 * field, and their Excel exports (Chinese headers and words, exactly the filtered rows, persons masked, one
 * audit entry), with the queue's reviewer scoping (a charity its own fund's programs, 民政 the assistance
 * line's) and roles refused. Both back ends.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contributeToFund, createAidFund } from "../src/services/aid/funds.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { createCharityPool, donate, enroll } from "../src/services/enrollment.js";
import { createUser } from "../src/services/users.js";
import {
  type ClaimsFixture,
  postSettlement,
  recordFor,
  revokeSettlement,
  setupClaims,
  sponsorByCharity,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const API = `/api/v1/programs/${PROGRAM}`;
const YUAN = 100;
/** Settlement days (Beijing). */
const DAYS = ["2023-12-28", "2023-12-29", "2023-12-30"] as const;
/** The settlements: sponsored persons P007 (pool-a) and P008 (pool-b), and ordinary ones. */
const PLAN = [
  { setlId: "AC-01", psnNo: "P007", day: DAYS[0], inScope: 30_000 },
  { setlId: "AC-02", psnNo: "P001", day: DAYS[0], inScope: 25_000 },
  { setlId: "AC-03", psnNo: "P007", day: DAYS[1], inScope: 60_000 },
  { setlId: "AC-04", psnNo: "P008", day: DAYS[1], inScope: 45_000 },
  { setlId: "AC-05", psnNo: "P008", day: DAYS[2], inScope: 38_000 },
  { setlId: "AC-06", psnNo: "P002", day: DAYS[2], inScope: 52_000 },
] as const;
const SPONSORED = PLAN.filter((p) => p.psnNo === "P007" || p.psnNo === "P008");

/** An application-mode program paying a fixed amount from `fund` (sponsored by `kind`), for anyone. */
const applicationProgram = (id: string, fund: string, kind: "charity" | "civil_affairs", amount: number) => ({
  schemaVersion: 1,
  id,
  version: 1,
  name: kind === "charity" ? "大病关爱救助" : "医疗救助补充",
  sponsor: { kind, name: kind === "charity" ? "测试基金会" : "测试民政局" },
  fund,
  priority: kind === "charity" ? 10 : 20,
  period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
  eligibility: {},
  covers: { kind: "residual", after: ["hmb"] },
  benefit: { kind: "fixed", amount },
  budget: { amount: 100_000, whenExhausted: "stop" },
  mode: { kind: "application", documents: [], committee: false },
});

async function sheetRows(payload: Buffer): Promise<{ headers: string[]; rows: string[][] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(payload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const all: string[][] = [];
  ws?.eachRow((row) => {
    all.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? "" : String(v))));
  });
  // Title, headers, rows, then a note when there is one (a single cell).
  const [, headers = [], ...rest] = all;
  return { headers, rows: rest.filter((r) => r.length > 1) };
}

interface Claim {
  setl_id: string;
  psn_no: string;
  pool_id: string;
  pool_name: string | null;
  kind: string;
  state: string;
  hmb_pay: string;
  remaining: string;
  settled_at: string;
}
interface Application {
  application_id: string;
  aid_program_id: string;
  psn_no: string;
  state: string;
  created_at: string;
  updated_at: string;
}

describe.each(BACKENDS)("charity claims and aid applications as server tables on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    const { ctx } = platform;
    fx = await setupClaims(ctx, { insured: ["P001", "P002"] });
    await sponsorByCharity(ctx, "P007");
    await createCharityPool(ctx, CLI_ACTOR, { programId: PROGRAM, poolId: "pool-b", name: "助医金 B" });
    await donate(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      poolId: "pool-b",
      amountFen: 100_000,
      donor: "爱心企业",
      ref: "d-b",
    });
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "charity",
      psnNos: ["P008"],
      channel: "charity:pool-b",
    });
    await createUser(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username: "civil1",
      role: "civil_affairs",
      password: "civil-pass-12",
    });
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
        amount: 10_000_000,
        ref: `top-${fund}`,
      });
    }
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      applicationProgram("charity-aid", "charity-fund", "charity", 100),
    );
    await publishAidProgram(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      applicationProgram("civil-aid", "civil-fund", "civil_affairs", 80),
    );
    app = await testServer(platform);
    for (const p of PLAN) {
      platform.clock.set(new Date(`${p.day}T10:00:00+08:00`));
      const r = await postSettlement(
        app,
        fx,
        await recordFor(fx, { setlId: p.setlId, psnNo: p.psnNo, inScope: p.inScope * YUAN }),
      );
      expect(r.statusCode, r.body).toBe(200);
    }
    platform.clock.set(new Date(`${DAYS[2]}T16:00:00+08:00`));
    const revoked = await revokeSettlement(app, fx, "AC-05");
    expect(revoked.statusCode, revoked.body).toBe(200);
    for (const u of ["admin", "op1", "bureau1", "ins1", "res1", "ch1"]) as.set(u, await authHeaders(app, u));
    as.set("civil1", await authHeaders(app, "civil1", "civil-pass-12"));
    // The resident (P001) submits the charity program's application on the last day.
    platform.clock.set(new Date(`${DAYS[2]}T18:00:00+08:00`));
    const [mine] = await ctx.db.query<{ application_id: string }>(
      "select application_id from aid_applications where program_id = $1 and setl_id = 'AC-02' and aid_program_id = 'charity-aid'",
      [PROGRAM],
    );
    expect(mine).toBeDefined();
    const confirmed = await app.inject({
      method: "POST",
      url: `${API}/aid-applications/${mine?.application_id}/confirm`,
      headers: as.get("res1") as Record<string, string>,
      payload: { consent: true },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = (user: string, url: string) =>
    app.inject({ method: "GET", url: `${API}${url}`, headers: as.get(user) as Record<string, string> });
  const json = async <T>(user: string, url: string): Promise<T> => {
    const r = await get(user, url);
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json() as T;
  };
  const auditDetails = async (action: string, actor: string) =>
    (
      await platform.ctx.db.query<{ detail: unknown }>(
        "select detail from audit_log where program_id = $1 and action = $2 and actor = $3",
        [PROGRAM, action, actor],
      )
    ).map((r) => (typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>);

  describe("资助对象的理赔", () => {
    type ClaimPage = {
      claims: Claim[];
      total: number;
      page: number;
      page_size: number;
      limit: number;
      offset: number;
    };
    const claims = (q: string, user = "ch1") => json<ClaimPage>(user, `/charity-claims?${q}`);

    it("pages by page/page_size or the older limit/offset, newest first, pools by name", async () => {
      const all = await claims("");
      expect(all).toMatchObject({ total: SPONSORED.length, page: 1, page_size: 50, limit: 50, offset: 0 });
      expect(all.claims.map((c) => c.setl_id).sort()).toEqual(SPONSORED.map((p) => p.setlId).sort());
      const times = all.claims.map((c) => c.settled_at);
      expect(times).toEqual([...times].sort().reverse());
      expect(new Set(all.claims.map((c) => c.pool_name))).toEqual(new Set(["助保金 A", "助医金 B"]));

      const p1 = await claims("page=1&page_size=3");
      const p2 = await claims("page=2&page_size=3");
      expect(p1).toMatchObject({ total: SPONSORED.length, page: 1, page_size: 3 });
      expect(p2.claims).toHaveLength(SPONSORED.length - 3);
      expect([...p1.claims, ...p2.claims].map((c) => c.setl_id)).toEqual(all.claims.map((c) => c.setl_id));
      const legacy = await claims("limit=2&offset=2");
      expect(legacy).toMatchObject({ page: 2, page_size: 2, limit: 2, offset: 2 });
      expect(legacy.claims.map((c) => c.setl_id)).toEqual(
        (await claims("page=2&page_size=2")).claims.map((c) => c.setl_id),
      );
      // Staff see the same sponsored claims (and no ordinary person's).
      expect((await claims("", "op1")).total).toBe(SPONSORED.length);
    });

    it("filters by pool, channel, state and Beijing settlement days", async () => {
      const b = await claims("pool=pool-b");
      expect(b.claims.map((c) => c.setl_id).sort()).toEqual(["AC-04", "AC-05"]);
      expect(b.claims.every((c) => c.pool_id === "pool-b")).toBe(true);
      expect((await claims("state=revoked")).claims.map((c) => c.setl_id)).toEqual(["AC-05"]);
      expect((await claims("state=settled")).total).toBe(SPONSORED.length - 1);
      expect((await claims("kind=one_stop")).total).toBe(SPONSORED.length);
      expect((await claims("kind=online")).total).toBe(0);
      const day2 = await claims(`from=${DAYS[1]}&to=${DAYS[1]}`);
      expect(day2.claims.map((c) => c.setl_id).sort()).toEqual(["AC-03", "AC-04"]);
      expect((await claims(`pool=pool-a&from=${DAYS[1]}`)).claims.map((c) => c.setl_id)).toEqual(["AC-03"]);
    });

    it("sorts by what remains and by 惠民保 paid, both ways", async () => {
      const asc = (await claims("sort=remaining&order=asc")).claims.map((c) => Number(c.remaining));
      expect(asc).toEqual([...asc].sort((x, y) => x - y));
      expect(asc[0]).toBeLessThan(asc[asc.length - 1] as number);
      const desc = (await claims("sort=hmb_pay&order=desc")).claims.map((c) => Number(c.hmb_pay));
      expect(desc).toEqual([...desc].sort((x, y) => y - x));
    });

    it("refuses bad input with 400 naming the field", async () => {
      for (const [q, field] of [
        ["sort=psn_no", "sort"],
        ["order=up", "order"],
        ["kind=cash", "kind"],
        ["state=lost", "state"],
        ["page_size=0", "page_size"],
        ["page_size=201", "page_size"],
        ["page=0", "page"],
        ["limit=500", "limit"],
        ["from=2023-12-30&to=2023-12-01", "to"],
        ["from=2023-13-45", "from"],
        ["bogus=1", "bogus"],
      ] as const) {
        const r = await get("ch1", `/charity-claims?${q}`);
        expect(r.statusCode, `${q}: ${r.body}`).toBe(400);
        expect(r.json().error.field, q).toBe(field);
      }
      expect((await get("ch1", "/charity-claims.xlsx?page=1")).statusCode).toBe(400);
      expect((await get("ch1", "/charity-claims.xlsx?limit=5")).statusCode).toBe(400);
    });

    it("exports the filtered claims: Chinese headers and words, masked, audited once", async () => {
      const listed = await claims("pool=pool-a&page_size=200");
      const res = await get("ch1", "/charity-claims.xlsx?pool=pool-a&sort=hmb_pay&order=asc");
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toContain("spreadsheetml");
      expect(res.headers["content-disposition"]).toContain(".xlsx");
      const { headers, rows } = await sheetRows(res.rawPayload);
      expect(headers).toEqual(
        expect.arrayContaining([
          "结算编号",
          "资金池",
          "人员编号",
          "理赔方式",
          "结算状态",
          "赔付后仍需负担（元）",
        ]),
      );
      expect(rows).toHaveLength(listed.total);
      expect(rows.map((r) => r[0]).sort()).toEqual(listed.claims.map((c) => c.setl_id).sort());
      const text = rows.flat().join(" ");
      expect(text).toContain("助保金 A");
      expect(text).toContain("一站式结算");
      expect(text).not.toMatch(/\bone_stop\b|\bsettled\b|P00\d/);
      const detail = await auditDetails("charity_claim.export", "ch1");
      expect(detail).toHaveLength(1);
      expect(detail[0]?.count).toBe(listed.total);
      // Everything (the revoked claim too), for staff as well.
      const everything = await get("op1", "/charity-claims.xlsx");
      expect((await sheetRows(everything.rawPayload)).rows).toHaveLength(SPONSORED.length);
    });

    it("refuses roles without the list", async () => {
      for (const user of ["ins1", "bureau1", "res1", "civil1"]) {
        expect((await get(user, "/charity-claims?page=1")).statusCode, user).toBe(403);
        expect((await get(user, "/charity-claims.xlsx")).statusCode, user).toBe(403);
      }
      expect((await app.inject({ method: "GET", url: `${API}/charity-claims.xlsx` })).statusCode).toBe(401);
    });
  });

  describe("救助申请审核队列", () => {
    type Queue = { applications: Application[]; total: number; page: number; page_size: number };
    const queue = (q: string, user = "op1") => json<Queue>(user, `/aid-applications?${q}`);
    const stored = async (where = "true", params: unknown[] = []) =>
      (
        await platform.ctx.db.query<{ application_id: string }>(
          `select application_id from aid_applications a where program_id = $1 and ${where} order by application_id`,
          [PROGRAM, ...params] as never,
        )
      ).map((r) => r.application_id);

    it("answers every application unpaged as before, with total; pages when asked", async () => {
      const ids = await stored();
      // Each settlement pre-fills one application per program (both programs admit anyone).
      expect(ids).toHaveLength(PLAN.length * 2);
      const all = await queue("");
      expect(all.total).toBe(ids.length);
      expect(all.applications.map((a) => a.application_id).sort()).toEqual(ids);
      const updated = all.applications.map((a) => a.updated_at);
      expect(updated).toEqual([...updated].sort().reverse());
      const seen: string[] = [];
      for (let p = 1; p <= 3; p++) {
        const page = await queue(`page=${p}&page_size=5`);
        expect(page).toMatchObject({ total: ids.length, page: p, page_size: 5 });
        seen.push(...page.applications.map((a) => a.application_id));
      }
      expect(seen).toEqual(all.applications.map((a) => a.application_id));
      expect((await queue("page=9&page_size=5")).applications).toEqual([]);
    });

    it("filters by state (as before), aid program, days submitted and days changed", async () => {
      const submitted = await queue("state=submitted");
      expect(submitted.applications).toHaveLength(1);
      expect(submitted.applications[0]).toMatchObject({ aid_program_id: "charity-aid", state: "submitted" });
      expect((await queue("state=withdrawn")).total).toBe((await stored("state = 'withdrawn'")).length);
      expect((await queue("state=withdrawn")).total).toBe(2);
      const civil = await queue("aid_program=civil-aid");
      expect(civil.total).toBe(PLAN.length);
      expect(civil.applications.every((a) => a.aid_program_id === "civil-aid")).toBe(true);
      expect((await queue(`submitted_from=${DAYS[2]}&submitted_to=${DAYS[2]}`)).total).toBe(1);
      expect((await queue(`submitted_from=${DAYS[0]}&submitted_to=${DAYS[1]}`)).total).toBe(0);
      const day1 = await queue(`updated_from=${DAYS[0]}&updated_to=${DAYS[0]}`);
      const expected = await stored("updated_at >= $2::timestamptz and updated_at < $3::timestamptz", [
        `${DAYS[0]}T00:00:00+08:00`,
        `${DAYS[1]}T00:00:00+08:00`,
      ]);
      expect(day1.applications.map((a) => a.application_id).sort()).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(PLAN.length * 2);
    });

    it("sorts by creation, both ways", async () => {
      const asc = (await queue("sort=created_at&order=asc")).applications.map((a) => a.created_at);
      expect(asc).toEqual([...asc].sort());
      const desc = (await queue("sort=created_at&order=desc")).applications.map((a) => a.created_at);
      expect(desc).toEqual([...asc].reverse());
      expect(asc[0]).not.toBe(asc[asc.length - 1]);
    });

    it("refuses bad input with 400 naming the field", async () => {
      for (const [q, field] of [
        ["sort=psn_no", "sort"],
        ["order=up", "order"],
        ["state=lost", "state"],
        ["aid_program=Bad%20Id", "aid_program"],
        ["page_size=201", "page_size"],
        ["page=0", "page"],
        ["submitted_from=2023-13-45", "submitted_from"],
        ["updated_from=2023-12-30&updated_to=2023-12-01", "updated_to"],
        ["bogus=1", "bogus"],
      ] as const) {
        const r = await get("op1", `/aid-applications?${q}`);
        expect(r.statusCode, `${q}: ${r.body}`).toBe(400);
        expect(r.json().error.field, q).toBe(field);
      }
      expect((await get("op1", "/aid-applications.xlsx?page_size=5")).statusCode).toBe(400);
    });

    it("keeps the reviewers' scope: a charity its fund's programs, 民政 the assistance line's", async () => {
      const charity = await queue("page_size=200", "ch1");
      expect(charity.total).toBe(PLAN.length);
      expect(charity.applications.every((a) => a.aid_program_id === "charity-aid")).toBe(true);
      const civil = await queue("", "civil1");
      expect(civil.total).toBe(PLAN.length);
      expect(civil.applications.every((a) => a.aid_program_id === "civil-aid")).toBe(true);
      // A filter cannot widen the scope.
      expect((await queue("aid_program=civil-aid", "ch1")).total).toBe(0);
      for (const a of [...charity.applications, ...civil.applications]) expect(a.psn_no).toContain("*");
    });

    it("exports the scoped, filtered queue: Chinese headers and words, masked, audited once", async () => {
      const listed = await queue("aid_program=charity-aid&page_size=200");
      const res = await get(
        "op1",
        "/aid-applications.xlsx?aid_program=charity-aid&sort=created_at&order=asc",
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toContain("spreadsheetml");
      const { headers, rows } = await sheetRows(res.rawPayload);
      expect(headers).toEqual(
        expect.arrayContaining(["申请编号", "救助项目", "人员编号", "状态", "建议金额（元）", "提交时间"]),
      );
      expect(rows).toHaveLength(listed.total);
      expect(rows.map((r) => r[0]).sort()).toEqual(listed.applications.map((a) => a.application_id).sort());
      const text = rows.flat().join(" ");
      expect(text).toContain("大病关爱救助");
      expect(text).toContain("待审核");
      expect(text).toContain("待确认");
      expect(text).not.toMatch(/\bsubmitted\b|\bproposed\b|P00\d/);
      const detail = await auditDetails("aid.application.export", "op1");
      expect(detail).toHaveLength(1);
      expect(detail[0]?.count).toBe(listed.total);
      // 民政's export holds its own programs' applications only.
      const civil = await get("civil1", "/aid-applications.xlsx");
      expect(civil.statusCode, civil.body).toBe(200);
      const civilRows = (await sheetRows(civil.rawPayload)).rows;
      expect(civilRows).toHaveLength(PLAN.length);
      expect(civilRows.every((r) => r[1] === "医疗救助补充")).toBe(true);
    });

    it("refuses roles without the queue", async () => {
      for (const user of ["ins1", "bureau1", "res1"]) {
        expect((await get(user, "/aid-applications?page=1")).statusCode, user).toBe(403);
        expect((await get(user, "/aid-applications.xlsx")).statusCode, user).toBe(403);
      }
      expect((await app.inject({ method: "GET", url: `${API}/aid-applications.xlsx` })).statusCode).toBe(401);
    });
  });
});
