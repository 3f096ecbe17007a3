/**
 * The oversight summary's IBNR from the program's reserve (issue 13 item 3), the operator's explicit
 * `ibnr_bps` as an override shown as such, `GET /programs/{id}/reserve`, and the disclosure report naming the
 * method — on a small program worked by hand, on both back ends.
 *
 * One insured person (P001; deductible 12,000 元, then 80 %): a first claim of 12,000 元 in scope uses the whole
 * deductible and pays 0, so every later claim pays 80 % of its in-scope amount (10,000 → 8,000; 20,000 →
 * 16,000). Care month (begntime) = origin, settlement month (setl_time) = payment month. Paid, yuan:
 *
 *   origin \ dev      0        1      2      3
 *   2023-10        8,000    8,000      0      0
 *   2023-11       16,000    8,000      0
 *   2023-12        8,000    8,000
 *   2024-01       16,000
 *
 * As of 2023-10-31 (the first two claims, posted in October): one origin, nothing to develop → chain ladder
 * IBNR 0; one month of experience < 3 years: the floor, 10 % of 2023's paid 8,000 = 800.00, is selected.
 *
 * As of 2023-12-31 (Oct–Dec only; Dec's dev 1 not yet paid): f0 = (16,000 + 24,000) ÷ (8,000 + 16,000) = 5/3,
 * f1 = 1; Dec's ultimate 8,000 × 5/3 = 13,333.33 → chain ladder IBNR 5,333.33; the floor, 10 % of 2023's paid
 * 48,000 = 4,800.00, is lower → selected: chain ladder; ibnr_bps = 5,333.33 ÷ 48,000 = 1111.
 *
 * As of 2024-01-31: f0 = (16,000 + 24,000 + 16,000) ÷ (8,000 + 16,000 + 8,000) = 1.75, f1 = f2 = 1; Jan's
 * ultimate 16,000 × 1.75 = 28,000 → IBNR 12,000.00. Floor: 10 % of 2024's paid (Dec dev 1 8,000 + Jan dev 0
 * 16,000 = 24,000) = 2,400.00 < 12,000 → selected: chain ladder, 12,000.00. Paid 72,000 → incurred 84,000.
 * Override 1,500 bps: IBNR 72,000 × 15 % = 10,800.00, incurred 82,800.00.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { disclosureReport } from "../src/services/reports/disclosure.js";
import { disclosureXlsx } from "../src/services/reports/render.js";
import { programReserve } from "../src/services/reserve.js";
import { type ClaimsFixture, postSettlement, recordFor, setupClaims } from "./support/claims.js";
import { movableClock } from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, PROGRAM } from "./support/roster.js";

const Y = (yuan: number) => yuan * 100;

/** [setlId, begntime, setl_time, in-scope yuan] — posted in this order (the deductible claim first). */
type Claim = [string, string, string, number];
const OCTOBER: Claim[] = [
  ["S-R-0", "2023-10-01 10:00:00", "2023-10-01 12:00:00", 12_000], // uses the deductible, pays 0
  ["S-R-1", "2023-10-05 10:00:00", "2023-10-06 10:00:00", 10_000], // Oct dev 0: 8,000
];
const DECEMBER: Claim[] = [
  ["S-R-2", "2023-10-20 10:00:00", "2023-11-03 10:00:00", 10_000], // Oct dev 1: 8,000
  ["S-R-3", "2023-11-05 10:00:00", "2023-11-08 10:00:00", 20_000], // Nov dev 0: 16,000
  ["S-R-4", "2023-11-25 10:00:00", "2023-12-02 10:00:00", 10_000], // Nov dev 1: 8,000
  ["S-R-5", "2023-12-05 10:00:00", "2023-12-06 10:00:00", 10_000], // Dec dev 0: 8,000
];
const JANUARY: Claim[] = [
  ["S-R-6", "2023-12-28 10:00:00", "2024-01-03 10:00:00", 10_000], // Dec dev 1: 8,000
  ["S-R-7", "2024-01-05 10:00:00", "2024-01-08 10:00:00", 20_000], // Jan dev 0: 16,000
];

describe.each(BACKENDS)("program reserve in oversight on %s", (backend) => {
  let platform: TestPlatform;
  let ctx: PlatformContext;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const clock = movableClock("2023-07-20T09:00:00+08:00");

  const settle = async (claims: Claim[]) => {
    for (const [setlId, begntime, setlTime, inScope] of claims) {
      const res = await postSettlement(
        app,
        fx,
        await recordFor(fx, { setlId, psnNo: "P001", inScope: Y(inScope), begntime, setlTime }),
      );
      expect(res.statusCode, res.body).toBe(200);
    }
  };
  const summaryAt = async (day: string) => {
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/oversight/summary?as_of=${day}`,
      headers: await authHeaders(app, "bureau1"),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const reserveAt = async (day: string, user = "bureau1") =>
    app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/reserve?as_of=${day}`,
      headers: await authHeaders(app, user),
    });
  const putIbnr = async (ibnr_bps: number | null) =>
    app.inject({
      method: "PUT",
      url: `/api/v1/programs/${PROGRAM}/oversight/settings`,
      headers: await authHeaders(app, "op1"),
      payload: { ibnr_bps },
    });

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    ctx = { ...platform.ctx, clock };
    app = await buildServer(ctx, { publicRateLimit: 10_000 });
    fx = await setupClaims(ctx, { insured: ["P001"] });
    clock.set("2023-10-15T10:00:00+08:00");
    await settle(OCTOBER);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("October: one origin, nothing to develop — the 第四十九条 floor (10 % of 2023's paid) is selected", async () => {
    const r = await programReserve(ctx, PROGRAM, "2023-10-31");
    expect(r.triangle?.origins).toEqual(["2023-10"]);
    expect(r.totals).toEqual([{ method: "chain_ladder", ibnrFen: 0 }]);
    expect(r).toMatchObject({ method: "minimum_10_percent_of_year_paid", ibnrFen: Y(800) });
    const sum = await summaryAt("2023-10-31");
    expect(sum.claims).toMatchObject({
      paid: "8000.00",
      ibnr: "800.00",
      ibnr_bps: 1000,
      ibnr_source: "reserve",
      ibnr_method: "minimum_10_percent_of_year_paid",
      incurred: "8800.00",
    });
    expect(sum.claims.ibnr_method_name).toContain("不低于当年实际赔款支出的10%");
    // Before any payment: nothing to reserve from.
    const none = await summaryAt("2023-09-30");
    expect(none.claims).toMatchObject({ paid: "0.00", ibnr: "0.00", ibnr_method: "none", incurred: "0.00" });
  });

  it("December: the chain ladder (5,333.33) beats the floor (4,800.00)", async () => {
    clock.set("2023-12-20T10:00:00+08:00");
    await settle(DECEMBER);
    const r = await programReserve(ctx, PROGRAM, "2023-12-31");
    expect(r.triangle?.origins).toEqual(["2023-10", "2023-11", "2023-12"]);
    expect(r.selection).toMatchObject({ yearPaidFen: Y(48_000), floorFen: Y(4_800) });
    expect(r).toMatchObject({ method: "chain_ladder", ibnrFen: 533_333 });
    const sum = await summaryAt("2023-12-31");
    expect(sum.claims).toMatchObject({
      paid: "48000.00",
      ibnr: "5333.33",
      ibnr_bps: 1111,
      ibnr_source: "reserve",
      ibnr_method: "chain_ladder",
      incurred: "53333.33",
    });
  });

  it("in January: chain ladder IBNR 12,000 in incurred, named 链梯法（Mack）", async () => {
    clock.set("2024-01-20T10:00:00+08:00");
    await settle(JANUARY);
    const sum = await summaryAt("2024-01-31");
    expect(sum.claims).toMatchObject({
      paid: "72000.00",
      ibnr: "12000.00",
      ibnr_bps: 1667, // 12,000 ÷ 72,000 = 16.67 %
      ibnr_source: "reserve",
      ibnr_method: "chain_ladder",
      ibnr_method_name: "链梯法（Mack）",
      incurred: "84000.00",
    });
    expect(sum.claims.incurred_method).toContain("链梯法（Mack）");
    // The as-of-2023-12-31 view is unchanged by January's payments (created after it).
    expect((await summaryAt("2023-12-31")).claims.ibnr).toBe("5333.33");
  });

  it("an operator's ibnr_bps overrides the reserve and says so; null clears it", async () => {
    expect((await putIbnr(1500)).json()).toEqual({
      program_id: PROGRAM,
      ibnr_bps: 1500,
      ibnr_source: "override",
    });
    const sum = await summaryAt("2024-01-31");
    expect(sum.claims).toMatchObject({
      ibnr: "10800.00",
      ibnr_bps: 1500,
      ibnr_source: "override",
      ibnr_method: null,
      ibnr_method_name: "人工设定 IBNR 比例 15%",
      incurred: "82800.00",
    });
    expect(sum.claims.incurred_method).toContain("人工设定 IBNR 比例 15%");
    // An explicit 0 is an override too (incurred = paid), distinct from "unset".
    await putIbnr(0);
    expect((await summaryAt("2024-01-31")).claims).toMatchObject({
      ibnr: "0.00",
      ibnr_source: "override",
      incurred: "72000.00",
    });
    expect((await putIbnr(null)).json()).toEqual({
      program_id: PROGRAM,
      ibnr_bps: 0,
      ibnr_source: "reserve",
    });
    expect((await summaryAt("2024-01-31")).claims).toMatchObject({
      ibnr: "12000.00",
      ibnr_source: "reserve",
    });
    const settings = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/oversight/settings`,
      headers: await authHeaders(app, "op1"),
    });
    expect(settings.json()).toEqual({ program_id: PROGRAM, ibnr_bps: 0, ibnr_source: "reserve" });
  });

  it("GET /programs/{id}/reserve: triangle, factors, per-origin results and the selection, in yuan", async () => {
    const res = await reserveAt("2024-01-31");
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ program_id: PROGRAM, as_of: "2024-01-31", valuation_month: "2024-01" });
    expect(r.triangle).toEqual({
      periodicity: "month",
      origins: ["2023-10", "2023-11", "2023-12", "2024-01"],
      dev_periods: 4,
      cumulative: [
        ["8000.00", "16000.00", "16000.00", "16000.00"],
        ["16000.00", "24000.00", "24000.00"],
        ["8000.00", "16000.00"],
        ["16000.00"],
      ],
    });
    expect(r.development_factors).toEqual([
      { from: 0, to: 1, factor: "1.750000" },
      { from: 1, to: 2, factor: "1.000000" },
      { from: 2, to: 3, factor: "1.000000" },
    ]);
    expect(r.to_ultimate).toEqual(["1.000000", "1.000000", "1.000000", "1.750000"]);
    expect(r.methods).toHaveLength(1);
    const cl = r.methods[0];
    expect(cl).toMatchObject({
      method: "chain_ladder",
      method_name: "链梯法（Mack）",
      paid: "72000.00",
      ultimate: "84000.00",
      ibnr: "12000.00",
    });
    expect(cl.origins.map((o: { ultimate: string }) => o.ultimate)).toEqual([
      "16000.00",
      "24000.00",
      "16000.00",
      "28000.00",
    ]);
    // Developed origins carry no standard error; the open one does (σ² from the spread of the factors).
    expect(cl.origins[0].se).toBe("0.00");
    expect(Number(cl.origins[3].se)).toBeGreaterThan(0);
    expect(cl.se).toMatch(/^\d+\.\d{2}$/);
    expect(r.selection).toMatchObject({
      method: "chain_ladder",
      method_name: "链梯法（Mack）",
      ibnr: "12000.00",
      experience_years: "0.33",
      floor_applies: true,
      accounting_year: 2024,
      year_paid: "24000.00",
      floor: "2400.00",
      methods_compared: ["chain_ladder"],
    });
    expect(r.selection.basis).toContain("第四十九条");
    expect(r.selection.note).toContain("至少两种方法");
    // Before anything was paid: no triangle, IBNR 0, said in Chinese.
    const empty = (await reserveAt("2023-09-30")).json();
    expect(empty).toMatchObject({
      triangle: null,
      valuation_month: null,
      methods: [],
      development_factors: [],
    });
    expect(empty.selection).toMatchObject({ method: "none", ibnr: "0.00" });
    // Bad input and roles.
    const bad = await reserveAt("2024-13-01");
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: `/api/v1/programs/${PROGRAM}/reserve` })).statusCode).toBe(
      401,
    );
  });

  it("the disclosure report names the method (XLSX overview row ibnr_method)", async () => {
    const report = await disclosureReport(ctx, CLI_ACTOR, PROGRAM, "2024-01");
    expect(report.summary.claims).toMatchObject({ ibnr_fen: Y(12_000), ibnr_method_name: "链梯法（Mack）" });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await disclosureXlsx(report)) as never);
    const values: string[] = [];
    wb.eachSheet((sheet) =>
      sheet.eachRow((row) => {
        values.push((row.values as unknown[]).map((v) => String(v ?? "")).join("|"));
      }),
    );
    const line = values.find((v) => v.includes("ibnr_method"));
    expect(line).toContain("IBNR 评估方法");
    expect(line).toContain("链梯法（Mack）");
  });
});
