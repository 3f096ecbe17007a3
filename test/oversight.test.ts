/**
 * Oversight services (issue 5 item 3): the dashboards' figures equal a direct computation from policies and
 * claims after enrollments, cancellations, settlements and a revocation, as of several days; the trigger-kept
 * rollups equal a rebuild from the base tables; no personal data in any response; roles — on both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../src/domain/money.js";
import { submitCounterClaim } from "../src/services/claims/counter/submit.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { checkLedger } from "../src/services/ledger.js";
import { PAYOUT_BUCKETS, payoutBucket } from "../src/services/oversight/buckets.js";
import { coverageDays, isoWeek, parsePeriod } from "../src/services/oversight/dates.js";
import { recordFor } from "./support/claims.js";
import {
  directFigures,
  endOfDay,
  type OversightScenario,
  runOversightScenario,
} from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, PROGRAM } from "./support/roster.js";

describe("oversight calendar and buckets", () => {
  it("counts coverage days as the refund rule does and finds ISO weeks", () => {
    const start = new Date("2023-09-01T00:00:00+08:00");
    const end = new Date("2024-09-01T00:00:00+08:00");
    expect(coverageDays(start, end, "2023-08-31")).toEqual({ total: 366, elapsed: 0 });
    expect(coverageDays(start, end, "2023-09-01")).toEqual({ total: 366, elapsed: 1 });
    expect(coverageDays(start, end, "2024-08-31")).toEqual({ total: 366, elapsed: 366 });
    expect(coverageDays(start, end, "2025-01-01")).toEqual({ total: 366, elapsed: 366 });
    expect(isoWeek("2023-01-01")).toEqual({ week: "2022-W52", start: "2022-12-26", end: "2023-01-01" });
    expect(isoWeek("2023-09-01")).toEqual({ week: "2023-W35", start: "2023-08-28", end: "2023-09-03" });
    expect(isoWeek("2024-12-30").week).toBe("2025-W01");
    expect(isoWeek("2020-12-31").week).toBe("2020-W53");
    expect(parsePeriod("2024-02")).toEqual({ period: "2024-02", from: "2024-02-01", to: "2024-02-29" });
    expect(parsePeriod("2023")).toEqual({ period: "2023", from: "2023-01-01", to: "2023-12-31" });
    expect(() => parsePeriod("2023-13")).toThrow(/period/);
  });

  it("puts payouts in the same buckets as the SQL function", () => {
    expect(payoutBucket(0)).toBe(-1);
    expect(payoutBucket(1)).toBe(0);
    expect(payoutBucket(100_000)).toBe(0);
    expect(payoutBucket(100_001)).toBe(1);
    expect(payoutBucket(50_000_000)).toBe(7);
    expect(payoutBucket(50_000_001)).toBe(8);
    expect(PAYOUT_BUCKETS).toHaveLength(9);
  });
});

describe.each(BACKENDS)("oversight on %s", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;
  let app: FastifyInstance;
  const bodies: string[] = [];

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    s = await runOversightScenario(platform);
    app = s.app;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = async (url: string, headers: Record<string, string>) => {
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${PROGRAM}/oversight/${url}`,
      headers,
    });
    bodies.push(res.body);
    return res;
  };

  async function summaryAt(day: string, headers: Record<string, string>) {
    const res = await get(`summary?as_of=${day}`, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it("the SQL bucket function agrees with the service's buckets", async () => {
    const probes = [0, 1, 100_000, 100_001, 499_999, 500_000, 500_001, 50_000_000, 50_000_001, 9e10];
    const rows = await s.ctx.db.query<{ b: number }>(
      "select oversight_payout_bucket(x::bigint) as b from unnest($1::text[]) as x",
      [probes.map(String)],
    );
    expect(rows.map((r) => Number(r.b))).toEqual(probes.map(payoutBucket));
  });

  /**
   * Incurred = paid + the program's reserve (issue 13; before it, a flat loading defaulting to 0, so incurred
   * was paid). Every claim of the scenario is cared for and settled in 2023-10 (record()'s default setl_time,
   * begntime = setl_time): one origin at development 0, so the chain ladder projects nothing and, with under
   * three years of experience, the 第四十九条 floor — 10 % of 2023's paid — is the IBNR through 2023. As of
   * 2024-08-31 the accounting year 2024 has no payment (floor 0) and every factor is 1: IBNR 0.
   */
  const reserveIbnr = (day: string, paidFen: number) => (day < "2024" ? Math.round(paidFen / 10) : 0);

  it("matches a direct computation from policies and claims as of every scenario day", async () => {
    const bureau = await authHeaders(app, "bureau1");
    const roster = await s.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from roster_persons where program_id = $1",
      [PROGRAM],
    );
    for (const day of [...s.days, "2024-08-31"]) {
      const d = await directFigures(s.ctx, day);
      const sum = await summaryAt(day, bureau);
      const msg = `as of ${day}`;
      expect(sum.as_of).toBe(day);
      expect(sum.enrollment, msg).toMatchObject({
        roster_persons: Number(roster[0]?.n),
        insured_persons: d.insured,
        issued: d.issued,
        cancelled: d.cancelled,
      });
      expect(sum.premium, msg).toMatchObject({
        written: formatYuan(d.writtenFen),
        refunds: formatYuan(d.refundFen),
        net_written: formatYuan(d.writtenFen - d.refundFen),
        earned: formatYuan(d.earnedFen),
      });
      expect(sum.claims, msg).toMatchObject({
        settled: d.settled,
        revoked: d.revoked,
        covered: d.covered,
        paid_claims: d.paidClaims,
        paid: formatYuan(d.paidFen),
        ibnr_source: "reserve",
        ibnr: formatYuan(reserveIbnr(day, d.paidFen)),
        incurred: formatYuan(d.paidFen + reserveIbnr(day, d.paidFen)),
      });
      expect(sum.beneficiaries.persons, msg).toBe(d.beneficiaries);
      expect(sum.burden_reduction.covered_psn_part_amt, msg).toBe(formatYuan(d.coveredPartFen));
      const dist = await get(`payout-distribution?as_of=${day}`, bureau);
      expect(dist.statusCode).toBe(200);
      expect(
        dist.json().buckets.map((b: { persons: number }) => b.persons),
        msg,
      ).toEqual(d.buckets);
      expect(
        dist.json().buckets.map((b: { paid: string }) => b.paid),
        msg,
      ).toEqual(d.bucketPaid.map(formatYuan));
    }
  });

  it("reports the scenario's known figures: premiums, loss ratio, projection and the alert", async () => {
    const sum = await summaryAt("2023-11-30", await authHeaders(app, "bureau1"));
    // 9 policies issued at 69 元 (P001, P002, P003, P004, P005, P006, P007, P009, P010, P011 less unpaid: none).
    expect(sum.enrollment.issued).toBe(10);
    expect(sum.enrollment.cancelled).toBe(2);
    expect(sum.enrollment.insured_persons).toBe(8);
    expect(sum.premium.written).toBe("690.00");
    // P004 cancelled before the effective date (69.00 back); P006 on 2023-11-15, day 76 of 366:
    // refund floor(6900 × 290 / 366) = 5467.
    expect(sum.premium.refunds).toBe(formatYuan(6900 + 5467));
    // 8 in force × 69 × 91 / 366 (Sep 1 … Nov 30) rounded down once, plus P006's kept 14.33.
    expect(sum.premium.earned).toBe(formatYuan(Math.floor((8 * 6900 * 91) / 366) + (6900 - 5467)));
    // Paid: P001 6,400 + 560,000; P003 62,400 (after the revocation); P005 22,400 + 3,600; P009 800.
    expect(sum.claims.paid).toBe("655600.00");
    expect(sum.claims.revoked).toBe(1);
    expect(sum.claims.settled).toBe(7);
    expect(sum.beneficiaries.persons).toBe(4);
    expect(sum.loss_ratio).toMatchObject({
      clause: "十一",
      floor_bps: 7000,
      floor: "70%",
      below_floor: false,
    });
    expect(sum.loss_ratio.earned_bps).toBeGreaterThan(100_000);
    expect(sum.loss_ratio.alert).toBe(false);
    expect(sum.coverage).toMatchObject({
      start: "2023-09-01",
      end: "2024-08-31",
      total_days: 366,
      elapsed_days: 91,
    });
    // Before any claim, past the start: the projection is 0 % and below the floor: alert.
    const early = await summaryAt("2023-09-30", await authHeaders(app, "bureau1"));
    expect(early.claims.paid).toBe("0.00");
    expect(early.loss_ratio).toMatchObject({ earned_bps: 0, projected_full_year_bps: 0, alert: true });
    // Before coverage starts: nothing earned, no ratio, no projection, no alert.
    const before = await summaryAt("2023-08-20", await authHeaders(app, "bureau1"));
    expect(before.premium.earned).toBe("0.00");
    expect(before.loss_ratio).toMatchObject({ earned: null, projected_full_year: null, alert: false });
  });

  it("an operator's ibnr_bps overrides the reserve's IBNR in incurred claims, shown as such", async () => {
    const op = await authHeaders(app, "op1");
    const put = (body: unknown, headers = op) =>
      app.inject({
        method: "PUT",
        url: `/api/v1/programs/${PROGRAM}/oversight/settings`,
        headers,
        payload: body as Record<string, unknown>,
      });
    // Unset: the reserve — the floor, 10 % of 655,600 paid (all care and payment in 2023-10, see above).
    const reserve = await summaryAt("2023-11-30", await authHeaders(app, "bureau1"));
    expect(reserve.claims).toMatchObject({
      ibnr_source: "reserve",
      ibnr_method: "minimum_10_percent_of_year_paid",
      ibnr: "65560.00",
      incurred: "721160.00",
    });
    expect((await put({ ibnr_bps: -1 })).json().error.field).toBe("ibnr_bps");
    expect((await put({ ibnr_bps: 1.5 })).statusCode).toBe(400);
    expect((await put({ ibnr_bps: 1500 }, await authHeaders(app, "bureau1"))).statusCode).toBe(403);
    expect((await put({ ibnr_bps: 1500 })).statusCode).toBe(200);
    const sum = await summaryAt("2023-11-30", await authHeaders(app, "bureau1"));
    // 655,600 × 15 % = 98,340; incurred 655,600 + 98,340 = 753,940.
    expect(sum.claims).toMatchObject({
      ibnr_bps: 1500,
      ibnr: "98340.00",
      incurred: "753940.00",
      ibnr_source: "override",
      ibnr_method: null,
      ibnr_method_name: "人工设定 IBNR 比例 15%",
    });
    const projected = Math.floor((75_394_000 * 366 * 2 + 91) / (2 * 91));
    expect(sum.loss_ratio.projected_incurred).toBe(formatYuan(projected));
    // An explicit 0 stays set for the tests below: incurred = paid, as their figures assume.
    expect((await put({ ibnr_bps: 0 })).statusCode).toBe(200);
  });

  it("breaks enrollment down by county, unit and cohort against the roster", async () => {
    const headers = await authHeaders(app, "bureau1");
    const direct = async (expr: string) =>
      s.ctx.db.query<{ value: string | null; roster: number; insured: number }>(
        `select ${expr} as value, count(*)::int as roster,
                count(p.policy_no)::int as insured
           from roster_persons r left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
                and p.issued_at is not null and p.status <> 'cancelled'
          where r.program_id = $1 group by 1 order by 1 nulls first`,
        [PROGRAM],
      );
    for (const [by, expr] of [
      ["county", "r.admdvs"],
      ["unit", "r.unit_code"],
      ["cohort", "r.cohort"],
    ] as const) {
      const res = await get(`enrollment?by=${by}`, headers);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      const expected = await direct(expr);
      const rows = [...body.rows].sort((a: { value: string | null }, b: { value: string | null }) =>
        (a.value ?? "") < (b.value ?? "") ? -1 : 1,
      );
      expect(
        rows.map((r: { value: string | null; roster_persons: number; insured_persons: number }) => [
          r.value,
          r.roster_persons,
          r.insured_persons,
        ]),
        by,
      ).toEqual(expected.map((e) => [e.value, e.roster, e.insured]));
      expect(body.totals.roster_persons).toBe(expected.reduce((a, e) => a + e.roster, 0));
    }
    const county = (await get("enrollment?by=county", headers)).json();
    // P002 was moved to 砚山县 after being insured: it counts there now.
    expect(county.rows.find((r: { value: string }) => r.value === "532622")).toMatchObject({
      name: "砚山县",
      roster_persons: 4,
      insured_persons: 4,
      enrollment_rate: "100%",
    });
    // 文山市 (former code 532621): P001, P007, P011 insured; P004, P006 cancelled; P008, P012 never.
    expect(county.rows.find((r: { value: string }) => r.value === "532621")).toMatchObject({
      name: "文山市",
      roster_persons: 7,
      insured_persons: 3,
      enrollment_rate: "42.86%",
      enrollment_rate_bps: 4286,
    });
    const cohort = (await get("enrollment?by=cohort", headers)).json();
    expect(cohort.rows.find((r: { value: string }) => r.value === "tuopin")).toMatchObject({
      name: "脱贫人口",
      roster_persons: 2,
      insured_persons: 1,
    });
    // Paging: units largest first, totals over all of them.
    const page = await get("enrollment?by=unit&limit=1&offset=1", headers);
    expect(page.statusCode, page.body).toBe(200);
    const unitDirect = await direct("r.unit_code");
    expect(page.json()).toMatchObject({
      order: "roster_persons_desc",
      total_rows: unitDirect.length,
      limit: 1,
      offset: 1,
      totals: { roster_persons: unitDirect.reduce((a, e) => a + e.roster, 0) },
    });
    expect(page.json().rows).toHaveLength(1);
    expect((await get("enrollment?by=unit&limit=0", headers)).json().error.field).toBe("limit");
    expect((await get("enrollment?by=unit&offset=-1", headers)).json().error.field).toBe("offset");
    const bad = await get("enrollment?by=street", headers);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("by");
  });

  it("gives weekly trends of enrollments and claims", async () => {
    // The regulator account is the scenario's own (not in the shared password list): log in directly.
    const login = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username: "reg1", password: "reg-pass-12" },
    });
    const reg = { authorization: `Bearer ${login.json().token as string}` };
    const trends = await get("trends?from=2023-08-07&to=2023-10-22", reg);
    expect(trends.statusCode, trends.body).toBe(200);
    const weeks = trends.json().weeks as {
      week: string;
      start: string;
      enrollments: number;
      cancellations: number;
      claims_settled: number;
      claims_paid: number;
      revocations: number;
      paid: string;
    }[];
    expect(weeks.map((w) => w.week)).toEqual([
      "2023-W32",
      "2023-W33",
      "2023-W34",
      "2023-W35",
      "2023-W36",
      "2023-W37",
      "2023-W38",
      "2023-W39",
      "2023-W40",
      "2023-W41",
      "2023-W42",
    ]);
    const w = (id: string) => weeks.find((x) => x.week === id);
    expect(w("2023-W32")?.enrollments).toBe(4); // 08-10: P003, P004, P005, P006
    expect(w("2023-W34")).toMatchObject({ enrollments: 4, cancellations: 1 }); // 08-21 and the 08-25 cancellation
    // 10-10: five claims, three paid (P001, P003, P005); 10-20: one revocation, two paid.
    expect(w("2023-W41")).toMatchObject({ claims_settled: 5, claims_paid: 3, paid: "102800.00" });
    expect(w("2023-W42")).toMatchObject({ claims_settled: 1, claims_paid: 1, revocations: 1 });
    expect(w("2023-W42")?.paid).toBe(formatYuan(6_240_000 + 56_000_000 - 7_040_000));
    const bad = await get("trends?from=2023-10-22&to=2023-08-07", reg);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("to");
    const badDay = await get("trends?from=2023-02-30", reg);
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().error.field).toBe("from");
    const badFormat = await get("summary?as_of=2023-1-1", reg);
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().error.field).toBe("as_of");
  });

  it("keeps the rollups equal to a rebuild from the base tables", async () => {
    const snapshot = async () => {
      const headers = await authHeaders(app, "op1");
      const out: unknown[] = [];
      for (const day of s.days) {
        out.push((await get(`summary?as_of=${day}`, headers)).json());
        out.push((await get(`payout-distribution?as_of=${day}`, headers)).json());
      }
      for (const by of ["county", "unit", "cohort"])
        out.push((await get(`enrollment?by=${by}`, headers)).json());
      out.push((await get("trends?from=2023-07-01&to=2023-12-31", headers)).json());
      return out;
    };
    const live = await snapshot();
    const slots = await s.ctx.db.query<{ n: number }>("select count(*)::int as n from oversight_claim_days");
    expect(Number(slots[0]?.n)).toBeGreaterThan(0);
    await s.ctx.db.query("select oversight_rebuild($1)", [PROGRAM]);
    expect(await snapshot()).toEqual(live);
  });

  it("answers with aggregates only: no name, psn_no, ID number or settlement id in any response", async () => {
    expect(bodies.length).toBeGreaterThan(20);
    const all = bodies.join("\n");
    const leaks = s.secrets.filter((x) => all.includes(x));
    expect(leaks).toEqual([]);
    // and the rollup tables hold no person either
    for (const table of ["oversight_enrollment", "oversight_policy_days", "oversight_claim_days"]) {
      const rows = await s.ctx.db.query<{ r: string }>(`select t::text as r from ${table} t`);
      const text = rows.map((r) => r.r).join("\n");
      expect(
        s.secrets.filter((x) => text.includes(x)),
        table,
      ).toEqual([]);
    }
  });

  it("admits bureau, regulator, operator, admin and co-insurers; refuses residents, hospitals and charities", async () => {
    for (const user of ["bureau1", "op1", "admin", "ins1"]) {
      expect((await get("summary", await authHeaders(app, user))).statusCode, user).toBe(200);
    }
    for (const user of ["res1", "ch1"]) {
      expect((await get("summary", await authHeaders(app, user))).statusCode, user).toBe(403);
    }
    expect((await get("summary", {})).statusCode).toBe(401);
  });

  it("adds counter claims awaiting review to incurred claims, at their expected payout, from today on", async () => {
    const bureau = await authHeaders(app, "bureau1");
    const before = await summaryAt("2023-11-20", bureau);
    expect(before.claims).toMatchObject({ pending_review_cases: 0, pending_review_estimate: "0.00" });
    const record = await recordFor(s.fx, { setlId: "S-OV-CTR", psnNo: "P007", inScope: 3_000_000 });
    await submitCounterClaim(s.ctx, CLI_ACTOR, PROGRAM, { psnNo: "P007", record });
    const today = await summaryAt("2023-11-20", bureau);
    // No decision proposed yet: the average payout per covered claim so far (6 covered claims).
    const average = Math.floor(65_560_000 / 6);
    expect(today.claims).toMatchObject({
      paid: "655600.00",
      pending_review_cases: 1,
      pending_review_estimate: formatYuan(average),
      incurred: formatYuan(65_560_000 + average),
    });
    // A day in the past: the queue as it is now says nothing about then.
    const past = await summaryAt("2023-11-19", bureau);
    expect(past.claims).toMatchObject({ pending_review_cases: 0, incurred: past.claims.paid });
  });

  it("counts a paid claim written outside the settle path (no accumulators) from the person's other claims", async () => {
    const insert = (setlId: string, pay: number) =>
      s.ctx.db.query(
        `insert into claims (program_id, setl_id, kind, psn_no, policy_no, fixmedins_code, status, hmb_pay_fen,
           psn_part_amt_fen, payee, adjudication, response, seq, state, actor, created_at)
         values ($1, $2, 'counter', 'P010', null, 'H53260100001', 'paid', $3, $3, 'resident', '{}', '{}', null,
           'settled', 'test', $4)`,
        [PROGRAM, setlId, pay, new Date("2023-11-20T12:00:00+08:00")],
      );
    await insert("S-OV-RAW1", 90_000); // bucket 0 (≤ 1,000 元)
    await insert("S-OV-RAW2", 20_000); // 1,100 元 in all: bucket 1
    const d = await directFigures(s.ctx, "2023-11-20");
    const dist = await get("payout-distribution?as_of=2023-11-20", await authHeaders(app, "bureau1"));
    expect(dist.json().buckets.map((b: { persons: number }) => b.persons)).toEqual(d.buckets);
    expect(dist.json().beneficiaries).toBe(d.beneficiaries);
    expect(d.beneficiaries).toBe(5);
  });

  it("leaves the ledger balanced and the rollups at zero for another program", async () => {
    const check = await checkLedger(s.ctx.db, PROGRAM);
    expect(check.problems).toEqual([]);
    const other = await s.ctx.db.query("select 1 from oversight_claim_days where program_id <> $1", [
      PROGRAM,
    ]);
    expect(other).toHaveLength(0);
    expect(endOfDay("2023-08-01")).toBe(Date.parse("2023-08-02T00:00:00+08:00"));
  });
});
