/**
 * Issue 14, server-side tables (contract/paging.ts, services/paging.ts, services/table-export.ts): the 理赔
 * list pages, filters, sorts and exports on the server — totals across pages, each filter, sort order, the
 * Excel export holding exactly the filtered rows with Chinese headers, bad paging refused naming the field,
 * masking for co-insurers, 403 for roles without the list — and the audit log pages by page/page_size as well
 * as limit/offset and exports the same search. Both back ends.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClaimsFixture,
  HOSPITAL,
  OTHER_HOSPITAL,
  postSettlement,
  recordFor,
  revokeSettlement,
  setupClaims,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const API = `/api/v1/programs/${PROGRAM}`;
const YUAN = 100;
/** Settlement days (Beijing): the list's date filter picks them apart. */
const DAYS = ["2023-12-28", "2023-12-29", "2023-12-30"] as const;

interface Item {
  setl_id: string;
  kind: string;
  psn_no: string;
  policy_no: string | null;
  fixmedins_code: string;
  institution_name: string | null;
  status: string;
  state: string;
  hmb_pay: string;
  created_at: string;
}
interface Page {
  items: Item[];
  total: number;
  page: number;
  page_size: number;
}

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

describe.each(BACKENDS)("server-side tables on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fixture: ClaimsFixture;
  let op: Record<string, string>;
  let ins: Record<string, string>;
  /** setl_id → what was settled. */
  const settled: { setlId: string; psnNo: string; institution: string; day: string }[] = [];

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fixture = await setupClaims(platform.ctx);
    const plan = [
      { setlId: "TBL-01", psnNo: "P001", institution: HOSPITAL, day: DAYS[0], inScope: 30_000 },
      { setlId: "TBL-02", psnNo: "P002", institution: HOSPITAL, day: DAYS[0], inScope: 45_000 },
      { setlId: "TBL-03", psnNo: "P003", institution: OTHER_HOSPITAL, day: DAYS[1], inScope: 60_000 },
      { setlId: "TBL-04", psnNo: "P004", institution: HOSPITAL, day: DAYS[1], inScope: 100 },
      { setlId: "TBL-05", psnNo: "P001", institution: OTHER_HOSPITAL, day: DAYS[2], inScope: 38_000 },
    ] as const;
    for (const p of plan) {
      platform.clock.set(new Date(`${p.day}T10:00:00+08:00`));
      const r = await postSettlement(
        app,
        fixture,
        await recordFor(fixture, {
          setlId: p.setlId,
          psnNo: p.psnNo,
          inScope: p.inScope * YUAN,
          institution: p.institution,
        }),
        p.institution,
      );
      expect(r.statusCode, r.body).toBe(200);
      settled.push({ setlId: p.setlId, psnNo: p.psnNo, institution: p.institution, day: p.day });
    }
    const revoked = await revokeSettlement(app, fixture, "TBL-05", OTHER_HOSPITAL);
    expect(revoked.statusCode, revoked.body).toBe(200);
    op = await authHeaders(app, "op1");
    ins = await authHeaders(app, "ins1");
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = (url: string, headers = op) => app.inject({ method: "GET", url: `${API}${url}`, headers });
  const page = async (query: string, headers = op): Promise<Page> => {
    const r = await get(`/claims?${query}`, headers);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as Page;
  };

  it("pages on the server: totals, page sizes, no row twice, newest first", async () => {
    const first = await page("page_size=2");
    expect(first).toMatchObject({ total: settled.length, page: 1, page_size: 2 });
    expect(first.items).toHaveLength(2);
    const seen = [...first.items];
    for (let p = 2; p <= 3; p++) {
      const next = await page(`page_size=2&page=${p}`);
      expect(next.total).toBe(settled.length);
      expect(next.page).toBe(p);
      seen.push(...next.items);
    }
    expect(seen.map((i) => i.setl_id).sort()).toEqual(settled.map((s) => s.setlId).sort());
    // Newest first by default.
    const times = seen.map((i) => i.created_at);
    expect(times).toEqual([...times].sort().reverse());
    // Past the end: an empty page with the total still right.
    expect(await page("page_size=2&page=9")).toMatchObject({ total: settled.length, items: [] });
    // Institutions by name, one-stop settlements by default kind.
    expect(first.items[0]?.institution_name).toMatch(/^机构 /);
    expect(new Set(seen.map((i) => i.kind))).toEqual(new Set(["one_stop"]));
  });

  it("filters by institution, Beijing days, state, outcome and free text", async () => {
    const byHospital = await page(`institution=${OTHER_HOSPITAL}`);
    expect(byHospital.total).toBe(settled.filter((s) => s.institution === OTHER_HOSPITAL).length);
    expect(byHospital.items.every((i) => i.fixmedins_code === OTHER_HOSPITAL)).toBe(true);

    const oneDay = await page(`from=${DAYS[1]}&to=${DAYS[1]}`);
    expect(oneDay.items.map((i) => i.setl_id).sort()).toEqual(["TBL-03", "TBL-04"]);

    const revoked = await page("state=revoked");
    expect(revoked.items.map((i) => i.setl_id)).toEqual(["TBL-05"]);
    const standing = await page("state=settled");
    expect(standing.total).toBe(settled.length - 1);

    const zero = await page("status=zero");
    const paid = await page("status=paid");
    expect(zero.total + paid.total + (await page("status=not_covered")).total).toBe(settled.length);
    expect(paid.total).toBeGreaterThan(0);

    expect((await page("q=TBL-0")).total).toBe(settled.length);
    expect((await page("q=P001")).items.map((i) => i.setl_id).sort()).toEqual(["TBL-01", "TBL-05"]);
    expect((await page("kind=online")).total).toBe(0);
  });

  it("sorts on the server by amount, both ways", async () => {
    const asc = (await page("sort=hmb_pay&order=asc")).items.map((i) => Number(i.hmb_pay));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    const desc = (await page("sort=hmb_pay&order=desc")).items.map((i) => Number(i.hmb_pay));
    expect(desc).toEqual([...asc].reverse());
    expect(asc[0]).toBeLessThan(asc[asc.length - 1] as number);
  });

  it("exports exactly the filtered rows, with Chinese headers and words, audited once", async () => {
    const filtered = await page(`institution=${HOSPITAL}&page_size=200`);
    const res = await get(`/claims.xlsx?institution=${HOSPITAL}&sort=hmb_pay&order=asc`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("spreadsheetml");
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toEqual(expect.arrayContaining(["结算编号", "定点机构", "惠民保赔付（元）", "结算状态"]));
    expect(rows.map((r) => r[0]).sort()).toEqual(filtered.items.map((i) => i.setl_id).sort());
    expect(rows).toHaveLength(filtered.total);
    const text = rows.flat().join(" ");
    expect(text).toContain("一站式结算");
    expect(text).toContain(`机构 ${HOSPITAL}`);
    expect(text).not.toMatch(/\bone_stop\b|\bsettled\b|\bpaid\b/);
    const audited = await platform.ctx.db.query<{ detail: { count: number } | string }>(
      "select detail from audit_log where program_id = $1 and action = 'claim.export' and actor = 'op1'",
      [PROGRAM],
    );
    expect(audited).toHaveLength(1);
    const detail = audited[0]?.detail;
    expect((typeof detail === "string" ? JSON.parse(detail) : detail).count).toBe(filtered.total);
  });

  it("refuses bad paging and sorting with 400 naming the field", async () => {
    for (const [query, field] of [
      ["page_size=500", "page_size"],
      ["page_size=0", "page_size"],
      ["page=0", "page"],
      ["page=abc", "page"],
      ["sort=psn_no", "sort"],
      ["order=up", "order"],
      ["from=2023-12-30&to=2023-12-01", "to"],
    ] as const) {
      const r = await get(`/claims?${query}`);
      expect(r.statusCode, `${query}: ${r.body}`).toBe(400);
      expect(r.json().error.field, query).toBe(field);
    }
    const r = await get("/claims.xlsx?page=2");
    expect(r.statusCode).toBe(400);
  });

  it("masks persons for co-insurers (no person search) and refuses roles without the list", async () => {
    const masked = await page("page_size=200", ins);
    expect(masked.total).toBe(settled.length);
    for (const i of masked.items) {
      expect(i.psn_no).toContain("*");
      expect(i.policy_no).toBeNull();
    }
    // A person's number is not a search key for a masked reader.
    expect((await page("q=P001", ins)).total).toBe(0);
    const exported = await get("/claims.xlsx", ins);
    expect(exported.statusCode).toBe(200);
    const { rows } = await sheetRows(exported.rawPayload);
    expect(rows).toHaveLength(settled.length);
    expect(rows.flat().join(" ")).not.toMatch(/P00\d/);

    for (const user of ["ch1", "res1"]) {
      const h = await authHeaders(app, user);
      expect((await get("/claims", h)).statusCode, user).toBe(403);
      expect((await get("/claims.xlsx", h)).statusCode, user).toBe(403);
    }
    expect((await app.inject({ method: "GET", url: `${API}/claims` })).statusCode).toBe(401);
  });

  it("pages, filters and exports the counter-claim queue (older limit kept)", async () => {
    const filed: string[] = [];
    for (const [i, psnNo] of ["P002", "P003", "P004"].entries()) {
      // A minute apart: the queue is oldest first.
      platform.clock.set(new Date(`${DAYS[2]}T15:0${i}:00+08:00`));
      const r = await app.inject({
        method: "POST",
        url: `${API}/counter-claims`,
        headers: op,
        payload: {
          psn_no: psnNo,
          record: await recordFor(fixture, { setlId: `TBL-C${i}`, psnNo, inScope: 20_000 * YUAN }),
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      filed.push(r.json().case_id as string);
    }
    const p1 = (await get("/counter-claims?page_size=2")).json();
    expect(p1).toMatchObject({ total: filed.length, page: 1, page_size: 2 });
    const p2 = (await get("/counter-claims?page_size=2&page=2")).json();
    expect([...p1.cases, ...p2.cases].map((c: { case_id: string }) => c.case_id)).toEqual(filed);
    expect(p1.cases[0].institution_name).toBe(`机构 ${HOSPITAL}`);
    // The older form: limit without a page, oldest first, total given too.
    const limited = (await get("/counter-claims?limit=1")).json();
    expect(limited.cases.map((c: { case_id: string }) => c.case_id)).toEqual([filed[0]]);
    expect(limited.total).toBe(filed.length);
    expect((await get(`/counter-claims?from=${DAYS[0]}&to=${DAYS[1]}`)).json().total).toBe(0);
    expect((await get("/counter-claims?status=approved")).json().total).toBe(0);
    const bad = await get("/counter-claims?page_size=201");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("page_size");

    const res = await get("/counter-claims.xlsx?status=submitted&order=desc");
    expect(res.statusCode, res.body).toBe(200);
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toEqual(expect.arrayContaining(["案件号", "定点机构", "状态"]));
    expect(rows.map((r) => r[0])).toEqual([...filed].reverse());
    expect(rows.flat().join(" ")).toContain("待分配");
    expect(rows.flat().join(" ")).not.toMatch(/\bsubmitted\b/);
    expect((await get("/counter-claims.xlsx", ins)).statusCode).toBe(403);
    expect((await get("/counter-claims.xlsx", await authHeaders(app, "res1"))).statusCode).toBe(403);
  });

  it("pages, filters and exports payout batches (no page asked: every batch, as before)", async () => {
    platform.clock.set(new Date(`${DAYS[2]}T18:00:00+08:00`));
    for (const through of [DAYS[0], DAYS[1]]) {
      const r = await app.inject({
        method: "POST",
        url: `${API}/payout-batches`,
        headers: op,
        payload: { payee: "hospital", through },
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    const all = (await get("/payout-batches")).json();
    expect(all.batches).toHaveLength(2);
    expect(all).toMatchObject({ total: 2, page: 1, page_size: 2 });
    const newest = (await get("/payout-batches?page_size=1&order=desc")).json();
    expect(newest).toMatchObject({ total: 2, page: 1, page_size: 1 });
    expect(newest.batches[0].batch_id).toBe(all.batches[1].batch_id);
    expect((await get("/payout-batches?payee=resident")).json().total).toBe(0);
    expect((await get(`/payout-batches?from=${DAYS[0]}&to=${DAYS[1]}`)).json().total).toBe(0);
    const res = await get("/payout-batches.xlsx?payee=hospital");
    expect(res.statusCode, res.body).toBe(200);
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toContain("划付合计（元）");
    expect(rows.map((r) => r[0])).toEqual(all.batches.map((b: { batch_id: string }) => b.batch_id));
    expect(rows.flat().join(" ")).toContain("定点机构");
    expect((await get("/payout-batches.xlsx", await authHeaders(app, "bureau1"))).statusCode).toBe(403);
  });

  it("pages, filters and exports institutions; without a query the whole list as before", async () => {
    const all = (await get("/institutions")).json();
    expect(all.institutions).toHaveLength(3);
    expect(all.total).toBeUndefined();
    const p1 = (await get("/institutions?page_size=2&sort=code")).json();
    expect(p1).toMatchObject({ total: 3, page: 1, page_size: 2 });
    const p2 = (await get("/institutions?page_size=2&page=2&sort=code")).json();
    expect(
      [...p1.institutions, ...p2.institutions].map((i: { fixmedins_code: string }) => i.fixmedins_code),
    ).toEqual(all.institutions.map((i: { fixmedins_code: string }) => i.fixmedins_code));
    expect((await get("/institutions?q=H5326")).json().total).toBe(2);
    expect((await get("/institutions?status=disabled")).json().total).toBe(0);
    expect((await get("/institutions?page_size=0")).json().error.field).toBe("page_size");
    expect((await get("/institutions?kind=medical&page_size=50")).json().total).toBe(3);
    expect((await get("/institutions?kind=service&page_size=50")).json().total).toBe(0);
    expect((await get("/institutions?kind=clinic")).json().error.field).toBe("kind");
    const res = await get("/institutions.xlsx?q=H5326");
    expect(res.statusCode, res.body).toBe(200);
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toEqual(expect.arrayContaining(["机构编码", "机构名称", "状态"]));
    expect(rows.map((r) => r[0]).sort()).toEqual([HOSPITAL, OTHER_HOSPITAL].sort());
    expect(rows.flat().join(" ")).toContain("正常");
    expect((await get("/institutions.xlsx", await authHeaders(app, "bureau1"))).statusCode).toBe(403);
  });

  it("pages, filters, sorts and exports enrollments (older limit/offset kept), audited", async () => {
    type Enrollment = { enrollment_id: string; kind: string; premium: string };
    const all = (await get("/enrollments?page_size=200")).json();
    expect(all.total).toBeGreaterThanOrEqual(4);
    const p1 = (await get("/enrollments?page_size=2")).json();
    expect(p1).toMatchObject({ total: all.total, page: 1, page_size: 2, limit: 2, offset: 0 });
    const p2 = (await get("/enrollments?page_size=2&page=2")).json();
    const ids = [...p1.enrollments, ...p2.enrollments].map((e: Enrollment) => e.enrollment_id);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual(all.enrollments.slice(0, 4).map((e: Enrollment) => e.enrollment_id));
    const legacy = (await get("/enrollments?limit=2&offset=2")).json();
    expect(legacy.enrollments.map((e: Enrollment) => e.enrollment_id)).toEqual(
      p2.enrollments.map((e: Enrollment) => e.enrollment_id),
    );
    const first = all.enrollments[0] as Enrollment;
    const found = (await get(`/enrollments?q=${first.enrollment_id}`)).json();
    expect(found.enrollments.map((e: Enrollment) => e.enrollment_id)).toEqual([first.enrollment_id]);
    expect((await get("/enrollments?kind=unit")).json().total).toBe(0);
    expect((await get("/enrollments?from=2099-01-01")).json().total).toBe(0);
    const ascending = (await get("/enrollments?sort=premium&order=asc&page_size=200")).json();
    const premiums = ascending.enrollments.map((e: Enrollment) => Number(e.premium));
    expect(premiums).toEqual([...premiums].sort((a, b) => a - b));
    const badDay = (await get("/enrollments?from=2023-02-30")).json().error;
    expect(badDay.field).toBe("from");
    expect(badDay.message).toContain("起始日期不是有效的日期");
    expect((await get("/enrollments?sort=name")).json().error.field).toBe("sort");
    expect((await get("/enrollments?page=0")).json().error.field).toBe("page");

    const res = await get("/enrollments.xlsx?kind=individual");
    expect(res.statusCode, res.body).toBe(200);
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toEqual(expect.arrayContaining(["投保单号", "投保方式", "保费合计（元）", "缴费状态"]));
    expect(rows).toHaveLength(all.enrollments.filter((e: Enrollment) => e.kind === "individual").length);
    expect(rows.flat().join(" ")).toContain("个人投保");
    expect(rows.flat().join(" ")).not.toMatch(/\bindividual\b|\boffline\b/);
    const audited = (await get("/audit?action=enrollment.export")).json();
    expect(audited.total).toBe(1);
    expect((await get("/enrollments.xlsx", ins)).statusCode).toBe(403);
  });

  it("downloads a day's reconciliation as Excel: institutions by name, Chinese headers, the verdict", async () => {
    const json = (await get(`/reconciliation?date=${DAYS[0]}`)).json();
    const res = await get(`/reconciliation?date=${DAYS[0]}&format=xlsx`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("spreadsheetml");
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toEqual(expect.arrayContaining(["机构编码", "机构名称", "结算笔数", "核对"]));
    expect(rows).toHaveLength(json.institutions.length);
    const hospital = rows.find((r) => r[0] === HOSPITAL);
    expect(hospital?.[1]).toBeTruthy();
    expect(hospital?.[1]).not.toBe("未登记机构");
    expect(hospital?.[2]).toBe("2");
    expect(hospital?.[headers.indexOf("核对")]).toBe(
      json.institutions.find((i: { fixmedins_code: string }) => i.fixmedins_code === HOSPITAL).matches
        ? "一致"
        : "不一致",
    );
    const badFormat = (await get(`/reconciliation?date=${DAYS[0]}&format=pdf`)).json().error;
    expect(badFormat.field).toBe("format");
    expect(badFormat.message).toContain("「文件格式」");
  });

  it("pages the audit log by page/page_size or limit/offset, and exports the same search", async () => {
    const r1 = await get("/audit?action=claim.&page=1&page_size=2");
    expect(r1.statusCode, r1.body).toBe(200);
    const p1 = r1.json();
    expect(p1).toMatchObject({ page: 1, page_size: 2, limit: 2, offset: 0 });
    expect(p1.total).toBeGreaterThan(2);
    const p2 = (await get("/audit?action=claim.&page=2&page_size=2")).json();
    const legacy = (await get("/audit?action=claim.&limit=2&offset=2")).json();
    expect(legacy.entries.map((e: { audit_id: string }) => e.audit_id)).toEqual(
      p2.entries.map((e: { audit_id: string }) => e.audit_id),
    );
    expect(legacy).toMatchObject({ page: 2, page_size: 2 });
    const oldest = (await get("/audit?action=claim.&order=asc&page_size=1")).json();
    expect(oldest.entries[0].audit_id).not.toBe(p1.entries[0].audit_id);
    expect((await get("/audit?page_size=201")).json().error?.field ?? "").toBe("page_size");

    const all = (await get("/audit?action=claim.list&page_size=200")).json();
    const res = await get("/audit.xlsx?action=claim.list");
    expect(res.statusCode, res.body).toBe(200);
    const { headers, rows } = await sheetRows(res.rawPayload);
    expect(headers).toContain("操作");
    expect(rows).toHaveLength(all.total);
    expect(rows.flat().join(" ")).toContain("查看理赔清单");
    const bureau = await authHeaders(app, "bureau1");
    expect((await get("/audit.xlsx", bureau)).statusCode).toBe(403);
  });
});
