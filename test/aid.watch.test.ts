/**
 * Catastrophic-cost watch (因病致贫监测, issue 15 item 4) on hand-worked person-years: OOP after every layer
 * (psn_part_amt − 惠民保 − aid, revoked claims out), household income from the bureau against the cohort's
 * reference income, the WHO 40 % threshold at its boundary and the local line, the aid programs that could
 * still help; roles (the regulator gets aggregates only), masking and audited reads; bad uploads change
 * nothing — on both back ends.
 */

import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { WatchSettingsBody } from "../src/contract/aid-watch.js";
import { formatYuan } from "../src/domain/money.js";
import { contributeToFund, createAidFund } from "../src/services/aid/funds.js";
import { lockAid, recordAidPayment } from "../src/services/aid/payments.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import {
  assess,
  catastrophicList,
  catastrophicSummary,
  importHouseholdIncomes,
  localLine,
  settingsFromWire,
  setWatchSettings,
  type WatchSettings,
} from "../src/services/aid/watch.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { record } from "./fixtures.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { addRosterPersons, authHeaders, NOW, PEOPLE, PROGRAM } from "./support/roster.js";

const Y = 100; // fen per yuan

/** A settled (or revoked) claim written directly: the watch reads claims and, for eligibility, their records. */
async function claim(
  ctx: PlatformContext,
  c: { setlId: string; psnNo: string; burden: number; hmb: number; revoked?: boolean; diagnosis?: string },
): Promise<void> {
  const rec = record({ setlId: c.setlId, psnNo: c.psnNo, inScope: c.burden, diagnosis: c.diagnosis });
  delete rec.certno;
  delete rec.psn_name;
  const at = new Date("2023-10-10T02:00:00Z");
  await ctx.db.query(
    `insert into medical_records (program_id, setl_id, psn_no, fixmedins_code, source, med_type, admitted_at,
       settled_at, diagnosis_code, funds, psn_part_amt_fen, record, content_hash, received_at)
     values ($1,$2,$3,'H53260100001','one_stop','21',$4,$4,$5,$6,$7,$8,$2,$4)`,
    [
      PROGRAM,
      c.setlId,
      c.psnNo,
      at,
      c.diagnosis ?? "I63.900",
      JSON.stringify({
        pooled: 100_000,
        criticalIllness: 0,
        largeAmount: 0,
        civilServant: 0,
        enterpriseSupplementary: 0,
        medicalAssistance: 0,
        other: 0,
      }),
      c.burden,
      JSON.stringify(rec),
    ],
  );
  await ctx.db.query(
    `insert into claims (program_id, setl_id, kind, psn_no, fixmedins_code, status, hmb_pay_fen, psn_part_amt_fen,
       payee, adjudication, response, state, revoked_at, actor, created_at)
     values ($1,$2,'one_stop',$3,'H53260100001',$4,$5,$6,'hospital','{}','{}',$7,$8,'test',$9)`,
    [
      PROGRAM,
      c.setlId,
      c.psnNo,
      c.hmb > 0 ? "paid" : "zero",
      c.hmb,
      c.burden,
      c.revoked === true ? "revoked" : "settled",
      c.revoked === true ? at : null,
      at,
    ],
  );
}

function aidDoc(id: string, fund: string, cohorts: string[], mode: "automatic" | "application") {
  return {
    schemaVersion: 1,
    id,
    version: 1,
    name: `测试救助 ${id}`,
    sponsor: { kind: "charity", name: "测试基金会" },
    fund,
    priority: 10,
    period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
    eligibility: { cohorts },
    covers: { kind: "residual", after: ["hmb"], inScopeOnly: false },
    benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 60 },
    caps: {},
    budget: { amount: 100000, whenExhausted: "stop" },
    mode: mode === "automatic" ? { kind: "automatic" } : { kind: "application" },
  };
}

const SETTINGS = {
  subsistence_per_person: 6000,
  disposable_income_per_capita: 20000,
  local_multiple: 2,
  reference_income: { dibao: 8000 },
  default_reference_income: 30000,
};

const PASSWORD = "watch-pass-12";

const EXTRA = [
  { psnNo: "P101", name: "陈低保", brdy: "1975-01-01", cohort: "dibao" },
  { psnNo: "P102", name: "周特困", brdy: "1960-01-01", cohort: "tekun" },
];

describe.each(BACKENDS)("catastrophic-cost watch (%s)", (backend) => {
  let tp: TestPlatform;
  let ctx: PlatformContext;
  let app: FastifyInstance;
  let bureau: Record<string, string>;
  let reg: Record<string, string>;
  let res1: Record<string, string>;

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: NOW });
    ctx = tp.ctx;
    // The program, its roster and just the accounts this suite logs in with (each password hash costs time).
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
    await addRosterPersons(ctx, PROGRAM, [...PEOPLE, ...EXTRA]);
    for (const [username, role] of [
      ["bureau1", "bureau"],
      ["reg1", "regulator"],
      ["res1", "resident"],
    ] as const)
      await createUser(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username,
        role,
        password: PASSWORD,
        ...(role === "resident" ? { psnNo: "P001" } : {}),
      });
    // Household H1 (bureau): P001 and P002, income 50,000, 3 persons → capacity 50,000 − 3 × 6,000 = 32,000.
    await claim(ctx, { setlId: "A1", psnNo: "P001", burden: 20_000 * Y, hmb: 5_000 * Y }); // 15,000
    await claim(ctx, { setlId: "A2", psnNo: "P001", burden: 10_000 * Y, hmb: 0, revoked: true }); // out
    await claim(ctx, { setlId: "B1", psnNo: "P002", burden: 1_000 * Y, hmb: 0 }); // household 16,000 = 50 %
    // Default reference 30,000, one person → capacity 24,000; 40 % = 9,600.00.
    await claim(ctx, { setlId: "C1", psnNo: "P007", burden: 9_599_99, hmb: 0 }); // 39.99 %: not flagged
    await claim(ctx, { setlId: "D1", psnNo: "P008", burden: 9_600 * Y, hmb: 0 }); // exactly 40 %: flagged
    await claim(ctx, { setlId: "E1", psnNo: "P004", burden: 50_000 * Y + 1, hmb: 10_000 * Y }); // local: 40,000.01
    // 低保 reference 8,000 → capacity 2,000: burden 2,000, aid 1,200 → OOP 800 = 40 %.
    await claim(ctx, { setlId: "F1", psnNo: "P101", burden: 2_000 * Y, hmb: 0 });
    // 特困 has no reference of its own: the default (30,000) applies → 500 / 24,000, not flagged.
    await claim(ctx, { setlId: "G1", psnNo: "P102", burden: 500 * Y, hmb: 0 });

    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "fund-a",
      name: "测试救助基金",
      sponsorKind: "charity",
      sponsorName: "测试基金会",
    });
    await contributeToFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "fund-a",
      kind: "donation",
      amount: 50_000 * Y,
      donor: "爱心人士",
      ref: "don-1",
    });
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidDoc("paid-aid", "fund-a", ["dibao"], "automatic"));
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidDoc("apply-aid", "fund-a", ["dibao"], "application"));
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidDoc("tekun-aid", "fund-a", ["tekun"], "application"));
    await ctx.db.transaction(async (tx) => {
      await lockAid(tx, PROGRAM);
      await recordAidPayment(
        tx,
        CLI_ACTOR,
        {
          programId: PROGRAM,
          setlId: "F1",
          psnNo: "P101",
          aidProgramId: "paid-aid",
          version: 1,
          fundId: "fund-a",
          mode: "automatic",
          amount: 1_200 * Y,
          queued: 0,
          thresholdUsed: 0,
          name: "测试救助 paid-aid",
        },
        new Date("2023-10-11T02:00:00Z"),
      );
    });
    app = await buildServer(ctx);
    bureau = await authHeaders(app, "bureau1", PASSWORD);
    reg = await authHeaders(app, "reg1", PASSWORD);
    res1 = await authHeaders(app, "res1", PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    await tp?.close();
  });

  it("assess: WHO 40 % exactly at the line, capacity 0 is catastrophic, the local line is strict", () => {
    const s: WatchSettings = settingsFromWire({
      subsistence_per_person: 600_000,
      disposable_income_per_capita: 2_000_000,
      local_multiple: 2.5,
      reference_income: {},
    });
    expect(localLine(s)).toBe(5_000_000);
    const one = { source: "reference" as const, income: 3_000_000, size: 1 };
    expect(assess(960_000, 0, one, s)).toMatchObject({ capacity: 2_400_000, shareBps: 4000, who: true });
    expect(assess(959_999, 0, one, s)).toMatchObject({ shareBps: 3999, who: false });
    const poor = { source: "bureau" as const, income: 1_000_000, size: 2 };
    expect(assess(1, 1, poor, s)).toMatchObject({ capacity: 0, shareBps: null, who: true });
    expect(assess(0, 5_000_000, one, s).local).toBe(false);
    expect(assess(0, 5_000_001, one, s).local).toBe(true);
  });

  it("lists nobody before settings exist, and a bad household file changes nothing", async () => {
    // Before the bureau sets the lines nobody's capacity is known: an empty list that says so.
    expect(await catastrophicList(ctx, CLI_ACTOR, PROGRAM, {})).toMatchObject({
      configured: false,
      persons: [],
    });
    const bad = "psn_no,household_id,income,household_size\nP001,H1,50000,3\nP002,H1,5万,3\n";
    await expect(importHouseholdIncomes(ctx, CLI_ACTOR, PROGRAM, bad)).rejects.toMatchObject({
      field: "income",
      message: expect.stringContaining("第 3 行"),
    });
    const stranger = "psn_no,household_id,income,household_size\nP999,H9,1000,1\n";
    await expect(importHouseholdIncomes(ctx, CLI_ACTOR, PROGRAM, stranger)).rejects.toMatchObject({
      field: "psn_no",
    });
    const rows = await ctx.db.query("select 1 from aid_household_incomes where program_id = $1", [PROGRAM]);
    expect(rows).toHaveLength(0);
    // Through the route: a Chinese 400 naming the field, never a 5xx.
    const headers = { ...bureau, "content-type": "text/csv" };
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/household-incomes`,
      headers,
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("income");
    const badSettings = await app.inject({
      method: "PUT",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/settings`,
      headers: bureau,
      payload: { ...SETTINGS, subsistence_per_person: 1.234 },
    });
    expect(badSettings.statusCode).toBe(400);
  });

  it("flags the hand-worked person-years with reasons in words and what could still help", async () => {
    const put = await app.inject({
      method: "PUT",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/settings`,
      headers: bureau,
      payload: SETTINGS,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      local_multiple: 2,
      reference_income: { dibao: "8000.00" },
      who_threshold: "40%",
    });
    const csv = "psn_no,household_id,income,household_size\nP001,H1,50000,3\nP002,H1,50000.00,3\n";
    const up = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/household-incomes`,
      headers: { ...bureau, "content-type": "text/csv" },
      payload: csv,
    });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ persons: 2, households: 1 });

    const res = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/persons`,
      headers: bureau,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.local_line).toBe("40000.00");
    // Watched: everyone with OOP and a known capacity (P001, P002, P007, P008, P004, P101, P102).
    expect(body.watched).toBe(7);
    const byName = new Map<string, Record<string, unknown>>(
      body.persons.map((p: Record<string, unknown>) => [p.name as string, p]),
    );
    // Flagged: the household H1 (both members), P008 at exactly 40 %, P004 above the local line, P101 after aid.
    expect([...byName.keys()].sort()).toEqual(["张*", "张**", "李*", "孙*", "陈**"].sort());
    const p001 = byName.get("张*") as Record<string, unknown>;
    expect(p001).toMatchObject({
      psn_no: "P**1",
      income_source: "bureau",
      household_size: 3,
      capacity_to_pay: "32000.00",
      household_oop: "16000.00",
      share: "50%",
    });
    expect((p001.flags as { code: string; text: string }[]).map((f) => f.code)).toEqual(["who"]);
    expect((p001.flags as { text: string }[])[0]?.text).toContain("占支付能力 32000.00 元的 50%");
    expect(byName.get("孙*")).toMatchObject({
      capacity_to_pay: "24000.00",
      household_oop: "9600.00",
      share: "40%",
    });
    const p004 = byName.get("张**") as { flags: { code: string; text: string }[] };
    expect(p004.flags.map((f) => f.code)).toEqual(["who", "local"]);
    expect(p004.flags[1]?.text).toContain("超过当地居民人均可支配收入的 2 倍（40000.00 元）");
    const p101 = byName.get("陈**") as Record<string, unknown>;
    expect(p101).toMatchObject({
      cohort_name: "低保对象",
      income_source: "reference",
      capacity_to_pay: "2000.00",
      household_oop: "800.00",
      share: "40%",
    });
    // paid-aid already paid this claim; tekun-aid is not for 低保; apply-aid still can (budget and fund left).
    expect(p101.could_help).toEqual([
      {
        aid_program: "apply-aid@1",
        name: "测试救助 apply-aid",
        sponsor: "慈善组织·测试基金会",
        mode: "申请审核",
        budget_left: formatYuan(Math.min(100_000 * Y, 50_000 * Y - 1_200 * Y)),
        prefilled: false,
      },
    ]);
    // No unmasked name or psn_no leaves the route.
    expect(res.body).not.toMatch(/张三|李四|陈低保|P001|P101/);

    const who = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/persons?flag=local`,
      headers: bureau,
    });
    expect(who.json().persons.map((p: { name: string }) => p.name)).toEqual(["张**"]);
    const dibao = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/persons?cohort=dibao`,
      headers: bureau,
    });
    expect(dibao.json().persons).toHaveLength(1);

    // Every list read is audited with the persons it showed.
    const audits = await ctx.db.query<{ actor: string; detail: { persons: string[] } }>(
      "select actor, detail from audit_log where program_id = $1 and action = 'aid_watch.list' and actor <> 'cli' order by audit_id",
      [PROGRAM],
    );
    expect(audits.map((a) => a.actor)).toEqual(["bureau1", "bureau1", "bureau1"]);
    expect([...(audits[0]?.detail.persons ?? [])].sort()).toEqual(["P001", "P002", "P004", "P008", "P101"]);
  });

  it("the regulator gets aggregates only; the list is refused", async () => {
    const list = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/persons`,
      headers: reg,
    });
    expect(list.statusCode).toBe(403);
    await expect(
      catastrophicList(ctx, { id: "reg1", role: "regulator", programId: PROGRAM }, PROGRAM, {}),
    ).rejects.toMatchObject({ kind: "forbidden" });
    const sum = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/aid-watch/summary`,
      headers: reg,
    });
    expect(sum.statusCode).toBe(200);
    const s = sum.json();
    expect(s.totals).toMatchObject({ watched: 7, flagged_who: 5, flagged_local: 1, flagged_any: 5 });
    const cohorts = new Map(s.by_cohort.map((c: { key: string | null }) => [c.key, c]));
    expect(cohorts.get("dibao")).toMatchObject({ watched: 1, flagged_who: 1 });
    expect(cohorts.get("tuopin")).toMatchObject({ watched: 2, flagged_who: 1 });
    expect(s.by_county.reduce((n: number, c: { watched: number }) => n + c.watched, 0)).toBe(7);
    expect(sum.body).not.toMatch(/P0\d\d|P1\d\d|张|李|陈|孙/);
    const direct = await catastrophicSummary(ctx, CLI_ACTOR, PROGRAM);
    expect(direct.totals.flaggedAny).toBe(5);
    // Residents and charities see neither.
    for (const path of ["persons", "summary"]) {
      const r = await app.inject({
        method: "GET",
        url: `/api/v1/programs/${PROGRAM}/aid-watch/${path}`,
        headers: res1,
      });
      expect(r.statusCode).toBe(403);
    }
  });

  it("a revocation takes the claim out of the person-year", async () => {
    await ctx.db.query(
      "update claims set state = 'revoked', revoked_at = now() where program_id = $1 and setl_id = 'B1'",
      [PROGRAM],
    );
    const r = await catastrophicList(ctx, CLI_ACTOR, PROGRAM, { flag: "who" });
    const p001 = r.persons.find((p) => p.name === "张*");
    // 15,000 / 32,000 = 46.87 % (floored): still flagged, P002 no longer watched.
    expect(p001).toMatchObject({ householdOop: 15_000 * Y, shareBps: 4687 });
    expect(r.persons.some((p) => p.name === "李*")).toBe(false);
    await setWatchSettings(
      ctx,
      CLI_ACTOR,
      PROGRAM,
      settingsFromWire(WatchSettingsBody.parse({ ...SETTINGS, local_multiple: 3 })),
    );
    const after = await catastrophicList(ctx, CLI_ACTOR, PROGRAM, { flag: "local" });
    expect(after.persons).toHaveLength(0);
  });
});
