/**
 * Charity disclosure (慈善信息披露, issue 15 item 5): a quarter of an aid fund and of a premium pool. Every figure
 * equals the fund's own ledger to the fen (opening + in − out = closing = the balance), named donors are listed
 * and anonymous ones merged, recipients are 受助人-01… with no name, psn_no or setl_id anywhere (JSON, PDF,
 * Excel); the route's roles — on both back ends.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { contributeToFund, createAidFund } from "../src/services/aid/funds.js";
import { lockAid, recordAidPayment, reverseClaimAid } from "../src/services/aid/payments.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { createCharityPool, donate, enroll } from "../src/services/enrollment.js";
import { createProgram } from "../src/services/programs.js";
import {
  ANONYMOUS_DONOR,
  charityJson,
  charityPdf,
  charityReport,
  charityXlsx,
  parseQuarter,
} from "../src/services/reports/charity.js";
import { createUser } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { addRosterPersons, authHeaders, NOW, PEOPLE, PROGRAM } from "./support/roster.js";

const Y = 100;
const PASSWORD = "charity-pass-12";
const IN_Q3 = (day: string) => new Date(`2023-${day}T10:00:00+08:00`);

const EXTRA = [
  { psnNo: "P101", name: "陈低保", brdy: "1975-01-01", cohort: "dibao" },
  { psnNo: "P102", name: "周低保", brdy: "1976-01-01", cohort: "dibao" },
];

async function claim(ctx: PlatformContext, setlId: string, psnNo: string, burden: number, hmb: number) {
  await ctx.db.query(
    `insert into claims (program_id, setl_id, kind, psn_no, fixmedins_code, status, hmb_pay_fen, psn_part_amt_fen,
       payee, adjudication, response, state, actor, created_at)
     values ($1,$2,'one_stop',$3,'H53260100001',$4,$5,$6,'hospital','{}','{}','settled','test',$7)`,
    [PROGRAM, setlId, psnNo, hmb > 0 ? "paid" : "zero", hmb, burden, IN_Q3("08-20")],
  );
}

async function pay(ctx: PlatformContext, setlId: string, psnNo: string, amount: number, at: Date) {
  await ctx.db.transaction(async (tx) => {
    await lockAid(tx, PROGRAM);
    await recordAidPayment(
      tx,
      CLI_ACTOR,
      {
        programId: PROGRAM,
        setlId,
        psnNo,
        aidProgramId: "illness-aid",
        version: 1,
        fundId: "fund-a",
        mode: "automatic",
        amount,
        queued: 0,
        thresholdUsed: 0,
        name: "大病救助",
      },
      at,
    );
  });
}

describe.each(BACKENDS)("charity disclosure (%s)", (backend) => {
  let tp: TestPlatform;
  let ctx: PlatformContext;
  let app: FastifyInstance;

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: "2023-06-15T10:00:00+08:00" });
    ctx = tp.ctx;
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
    await addRosterPersons(ctx, PROGRAM, [...PEOPLE, ...EXTRA]);
    for (const [username, role] of [
      ["ch1", "charity"],
      ["res1", "resident"],
      ["reg1", "regulator"],
    ] as const)
      await createUser(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username,
        role,
        password: PASSWORD,
        ...(role === "resident" ? { psnNo: "P001" } : {}),
      });

    // Aid fund: a Q2 donation (the opening balance), then Q3 gifts, a top-up, aid paid and one reversal.
    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "fund-a",
      name: "大病救助基金",
      sponsorKind: "charity",
      sponsorName: "某基金会",
      keeper: "ch1",
    });
    const give = (
      ref: string,
      amount: number,
      donor: string | null,
      kind: "donation" | "top_up" = "donation",
    ) => contributeToFund(ctx, CLI_ACTOR, { programId: PROGRAM, fundId: "fund-a", kind, amount, donor, ref });
    await give("q2", 10_000 * Y, "早期捐赠人");
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      id: "illness-aid",
      version: 1,
      name: "大病救助",
      sponsor: { kind: "charity", name: "某基金会" },
      fund: "fund-a",
      priority: 10,
      period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
      eligibility: { cohorts: ["dibao", "tuopin"] },
      covers: { kind: "residual", after: ["hmb"], inScopeOnly: false },
      benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 50 },
      caps: {},
      budget: { amount: 100000, whenExhausted: "stop" },
      mode: { kind: "automatic" },
    });
    // A premium pool: Q2 donation, Q3 gifts (one anonymous), sponsored premiums of two 脱贫 persons.
    await createCharityPool(ctx, CLI_ACTOR, { programId: PROGRAM, poolId: "pool-a", name: "助保金" });
    await donate(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      poolId: "pool-a",
      amountFen: 500 * Y,
      donor: "早期",
      ref: "p0",
    });

    tp.clock.set(NOW); // 2023-08-01, Q3 (and the enrollment window)
    await give("d1", 3_000 * Y, "爱心企业甲");
    await give("d2", 2_000 * Y, null);
    await give("d3", 1_000 * Y, "爱心企业甲");
    await give("t1", 4_000 * Y, null, "top_up");
    await claim(ctx, "S1", "P101", 8_000 * Y, 2_000 * Y);
    await claim(ctx, "S2", "P102", 3_000 * Y, 0);
    await claim(ctx, "S3", "P007", 4_000 * Y, 1_000 * Y);
    await pay(ctx, "S1", "P101", 3_000 * Y, IN_Q3("08-21"));
    await pay(ctx, "S2", "P102", 1_500 * Y, IN_Q3("08-22"));
    await pay(ctx, "S3", "P007", 1_234_56, IN_Q3("08-23"));
    await ctx.db.transaction((tx) => reverseClaimAid(tx, CLI_ACTOR, PROGRAM, "S2", IN_Q3("09-01")));

    await donate(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      poolId: "pool-a",
      amountFen: 800 * Y,
      donor: "县慈善会",
      ref: "p1",
    });
    await donate(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      poolId: "pool-a",
      amountFen: 300 * Y,
      donor: "匿名",
      ref: "p2",
    });
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "charity",
      psnNos: ["P007", "P008"],
      channel: "charity:pool-a",
    });
    tp.clock.set("2023-10-15T10:00:00+08:00");
    app = await buildServer(ctx);
  });

  afterAll(async () => {
    await app?.close();
    await tp?.close();
  });

  it("parses quarters and refuses bad ones naming the field", () => {
    expect(parseQuarter("2026Q1")).toEqual({ quarter: "2026Q1", from: "2026-01-01", to: "2026-03-31" });
    expect(parseQuarter("2024Q4")).toMatchObject({ from: "2024-10-01", to: "2024-12-31" });
    expect(() => parseQuarter("2026-Q1")).toThrow(expect.objectContaining({ field: "quarter" }));
  });

  it("an aid fund's quarter equals its ledger to the fen, donors by name unless anonymous, recipients anonymized", async () => {
    const r = await charityReport(ctx, CLI_ACTOR, PROGRAM, "fund-a", "2023Q3");
    expect(r.fundKind).toBe("aid_fund");
    expect(r.opening).toBe(10_000 * Y);
    expect(r.moneyIn).toBe(10_000 * Y);
    // Out: 3,000 + 1,500 + 1,234.56 paid, 1,500 reversed.
    expect(r.moneyOut).toBe(3_000 * Y + 1_234_56);
    const ledger = await ctx.db.query<{ balance_fen: number }>(
      "select balance_fen from aid_funds where program_id = $1 and fund_id = 'fund-a'",
      [PROGRAM],
    );
    expect(r.closing).toBe(Number(ledger[0]?.balance_fen));
    const journals = await ctx.db.query<{ kind: string; s: number }>(
      "select kind, sum(amount_fen)::bigint as s from aid_fund_journals where program_id = $1 and at >= $2 group by kind",
      [PROGRAM, IN_Q3("07-01")],
    );
    const j = new Map(journals.map((x) => [x.kind, Number(x.s)]));
    expect(r.moneyIn).toBe((j.get("donation") ?? 0) + (j.get("top_up") ?? 0));
    expect(r.moneyOut).toBe((j.get("aid_paid") ?? 0) - (j.get("aid_reversed") ?? 0));
    expect(r.donations).toEqual([
      { label: "爱心企业甲", count: 2, amount: 4_000 * Y },
      { label: ANONYMOUS_DONOR, count: 1, amount: 2_000 * Y },
    ]);
    expect(r.otherIn).toEqual([{ label: "资金追加", count: 1, amount: 4_000 * Y }]);
    expect(r.outByProgram.map((x) => [x.label, x.amount])).toEqual([["大病救助", r.moneyOut]]);
    expect(Object.fromEntries(r.outByCohort.map((x) => [x.label, x.amount]))).toEqual({
      低保对象: 3_000 * Y,
      脱贫人口: 1_234_56,
    });
    // P102's aid was reversed: not a beneficiary.
    expect(r.recipients).toEqual([
      { label: "受助人-01", count: 1, amount: 3_000 * Y },
      { label: "受助人-02", count: 1, amount: 1_234_56 },
    ]);
    expect(r.beneficiaries).toBe(2);
    expect(r.averagePerBeneficiary).toBe(Math.floor((3_000 * Y + 1_234_56) / 2));
    // Burden after 惠民保 on the aided claims: S1 6,000 + S3 3,000 (+ S2 3,000, whose aid went back).
    expect(r.burdenBefore).toBe(12_000 * Y);
    expect(r.burdenRelieved).toBe(r.moneyOut);
    expect(r.reductionBps).toBe(Math.floor((r.moneyOut * 10_000) / r.burdenBefore));
  });

  it("a premium pool's quarter equals its movements; the pool balance closes it", async () => {
    const r = await charityReport(ctx, CLI_ACTOR, PROGRAM, "pool-a", "2023Q3");
    expect(r.fundKind).toBe("charity_pool");
    expect(r.opening).toBe(500 * Y);
    expect(r.donations).toEqual([
      { label: "县慈善会", count: 1, amount: 800 * Y },
      { label: ANONYMOUS_DONOR, count: 1, amount: 300 * Y },
    ]);
    const pool = await ctx.db.query<{ balance_fen: number }>(
      "select balance_fen from charity_pools where program_id = $1 and pool_id = 'pool-a'",
      [PROGRAM],
    );
    expect(r.closing).toBe(Number(pool[0]?.balance_fen));
    const moves = await ctx.db.query<{ s: number }>(
      "select -sum(amount_fen)::bigint as s from charity_pool_movements where program_id = $1 and kind = 'sponsorship'",
      [PROGRAM],
    );
    expect(r.moneyOut).toBe(Number(moves[0]?.s));
    expect(r.moneyOut).toBeGreaterThan(0);
    expect(r.outByCohort.map((x) => x.label)).toEqual(["脱贫人口"]);
    expect(r.recipients.map((x) => x.label)).toEqual(["受助人-01", "受助人-02"]);
    expect(r.beneficiaries).toBe(2);
  });

  it("the PDF, the workbook and the route carry no personal data; roles", async () => {
    const r = await charityReport(ctx, CLI_ACTOR, PROGRAM, "fund-a", "2023Q3");
    const pdf = await charityPdf(r);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await charityXlsx(r)) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("受助人");
    expect(sheet?.getRow(3).getCell(1).value).toBe("受助人-01");
    expect(sheet?.getRow(3).getCell(3).value).toBe(3000);
    const all = wb.worksheets.flatMap((ws) => ws.getSheetValues().flat().map(String)).join(" ");
    expect(all).not.toMatch(/陈低保|钱七|P10\d|P00\d|S[123]\b/);
    expect(all).toContain("爱心企业甲");

    const ch = await authHeaders(app, "ch1", PASSWORD);
    const url = `/api/v1/programs/${PROGRAM}/reports/charity?fund=fund-a&quarter=2023Q3`;
    const json = await app.inject({ method: "GET", url: `${url}&format=json`, headers: ch });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual(charityJson(r));
    expect(json.body).not.toMatch(/陈低保|P10\d|S1/);
    // Without a quarter: the one today (business time, 2023-10-15) falls in.
    const now = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/reports/charity?fund=fund-a&format=json`,
      headers: ch,
    });
    expect(now.json()).toMatchObject({ quarter: "2023Q4", opening_balance: json.json().closing_balance });
    const x = await app.inject({ method: "GET", url: `${url}&format=xlsx`, headers: ch });
    expect(x.statusCode).toBe(200);
    expect(x.headers["content-disposition"]).toContain("charity-ws-2023-fund-a-2023Q3.xlsx");
    const bad = await app.inject({ method: "GET", url: `${url.replace("2023Q3", "2023Q9")}`, headers: ch });
    expect(bad.statusCode).toBe(400);
    const early = await app.inject({ method: "GET", url: url.replace("2023Q3", "2024Q1"), headers: ch });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.field).toBe("quarter");
    const missing = await app.inject({ method: "GET", url: url.replace("fund-a", "no-such"), headers: ch });
    expect(missing.statusCode).toBe(404);
    const res1 = await authHeaders(app, "res1", PASSWORD);
    expect((await app.inject({ method: "GET", url, headers: res1 })).statusCode).toBe(403);
    const audits = await ctx.db.query(
      "select 1 from audit_log where program_id = $1 and action = 'report.charity'",
      [PROGRAM],
    );
    expect(audits.length).toBeGreaterThanOrEqual(4);
  });
});
