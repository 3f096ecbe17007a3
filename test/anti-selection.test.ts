/**
 * Anti-selection monitor (issue 13 item 6), on both back ends. Two chains of three program years each (楚雄
 * 2023's terms every year: the chain, not a year's terms, is under test), the same persons on every roster
 * (psn_no differs per year; the ID number, through the blind index, says who is who):
 *  - A, the death spiral: the healthy leave (6 of 20 renew, 2 of 20 stay three years), the sick stay (10/10,
 *    then 9 of 10), the old and the sick claim → healthy-leaving, claims-share and death-spiral alerts;
 *  - B, balanced: 80 % of each group renew, 70 % of each stay three years → no alert.
 * 带病体 here: a 2022 settlement with 大病保险 paid (楚雄's pre-existing rule), in the first program year only —
 * the later years find it across the chain. Expected figures are computed in the test from the scenario lists
 * and from what each settlement answered, not read back through the service.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  antiSelectionText,
  antiSelectionWire,
  DEFAULT_CLAIMS_SHARE_FACTOR,
} from "../src/actuarial/anti-selection.js";
import { ratio4 } from "../src/actuarial/replay.js";
import { parseYuan } from "../src/domain/money.js";
import { antiSelection } from "../src/services/anti-selection.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { createUser } from "../src/services/users.js";
import {
  balanced,
  buildChain,
  type Chain,
  expected,
  IN_WINDOW,
  PREMIUM_FEN,
  spiral,
} from "./support/anti-selection.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";

const DATABASE_TEST_MS = 300_000;

describe.each(BACKENDS)("anti-selection monitor (%s)", (backend) => {
  let tp: TestPlatform;
  let a: Chain;
  let b: Chain;
  let app: FastifyInstance;

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: IN_WINDOW });
    a = await buildChain(tp, "asa", spiral(), 100);
    b = await buildChain(tp, "asb", balanced(), 300);
    const { ctx } = tp;
    for (const [username, role] of [
      ["op-as", "operator"],
      ["reg-as", "regulator"],
      ["ins-as", "co_insurer"],
    ] as const)
      await createUser(ctx, CLI_ACTOR, {
        programId: "asa-3",
        username,
        role,
        password: "as-pass-123",
        ...(role === "co_insurer" ? { insurerCode: "lead" } : {}),
      });
    app = await testServer(tp);
  }, DATABASE_TEST_MS);

  afterAll(async () => {
    await app?.close();
    await tp?.close();
  });

  it("the healthy leave, the sick stay: every figure exact, and the three alerts fire", async () => {
    const w = antiSelectionWire("asa-3", await antiSelection(tp.ctx, "asa-3"));
    expect(w.years.map((y) => y.program_id)).toEqual(a.programs);
    for (const [i, y] of w.years.entries()) {
      const e = expected(a, i + 1);
      expect(y.eligible).toBe(e.eligible);
      expect(y.enrolled).toBe(e.enrolled);
      expect(y.enrollment_rate).toBe(ratio4(e.enrolled, e.eligible));
      expect(y.premium).toBe(((e.enrolled * PREMIUM_FEN) / 100).toFixed(2));
      expect(parseYuan(y.claims)).toEqual({ ok: true, fen: e.claimsFen });
      expect(y.health_rule_defined).toBe(true);
      for (const [got, want] of [
        [y.senior, e.senior],
        [y.pre_existing, e.preExisting],
      ] as const) {
        expect(got.persons).toBe(want.persons);
        expect(got.premium_share).toBe(want.premium_share);
        expect(got.claims_share).toBe(want.claims_share);
      }
      if (i === 0) {
        expect(y.persistence).toBeNull();
        continue;
      }
      const p = y.persistence;
      expect(p).not.toBeNull();
      expect(p?.overall).toEqual(e.persistence.overall);
      expect(p?.healthy).toEqual(e.persistence.healthy);
      expect(p?.pre_existing).toEqual(e.persistence.pre_existing);
      expect(p?.by_age_band.map(({ base, count, rate }) => ({ base, count, rate }))).toEqual(
        e.persistence.byBand,
      );
      expect(p?.left_roster).toBe(e.persistence.left);
    }
    // The scenario as written: year 2, healthy 6/20, sick 10/10, the one who moved away left out.
    const y2 = w.years[1];
    expect(y2?.persistence?.healthy.rate).toBe("0.3000");
    expect(y2?.persistence?.pre_existing.rate).toBe("1.0000");
    expect(y2?.persistence?.left_roster).toBe(1);
    const y3 = w.years[2];
    expect(y3?.persistence_3y?.healthy).toEqual(expected(a, 3).persistence3.healthy);
    expect(y3?.persistence_3y?.pre_existing).toEqual(expected(a, 3).persistence3.pre_existing);
    expect(y3?.persistence_3y?.healthy.rate).toBe("0.1000");
    expect(y3?.persistence_3y?.pre_existing.rate).toBe("0.9000");
    expect(w.years[0]?.persistence_3y).toBeNull();

    // Alerts: year 2's healthy leaving (year 3's healthy base, 6, is under the minimum group of 10: none);
    // a claims-share alert wherever a group of ≥ 10 claims more than 1.5 × its premium share (computed here
    // from the expected shares); year 3's death spiral.
    const shareAlerts = a.programs.flatMap((id, i) => {
      const e = expected(a, i + 1);
      const over = (g: { persons: number; premium_share: string | null; claims_share: string | null }) =>
        g.persons >= 10 &&
        g.premium_share !== null &&
        g.claims_share !== null &&
        Number(g.claims_share) > DEFAULT_CLAIMS_SHARE_FACTOR * Number(g.premium_share);
      return [
        ...(over(e.senior) ? [`${id}:senior_claims_share`] : []),
        ...(over(e.preExisting) ? [`${id}:pre_existing_claims_share`] : []),
      ];
    });
    // Year 1: the old sick S1–S3 claim; year 2: S4, S5 (old and sick) claim all of it.
    expect(shareAlerts).toContain("asa-1:senior_claims_share");
    expect(shareAlerts).toContain("asa-2:pre_existing_claims_share");
    const kinds = w.alerts.map((x) => `${x.program_id}:${x.kind}`).sort();
    expect(kinds).toEqual(["asa-2:healthy_leaving", "asa-3:death_spiral", ...shareAlerts].sort());
    const y1 = w.years[0];
    expect(Number(y1?.senior.claims_to_premium)).toBeGreaterThan(DEFAULT_CLAIMS_SHARE_FACTOR);
    const spiralAlert = w.alerts.find((x) => x.kind === "death_spiral");
    expect(spiralAlert?.message).toContain("死亡螺旋");
    expect(spiralAlert?.message).toContain("10%");
    expect(spiralAlert?.message).toContain("90%");
    expect(w.alerts.find((x) => x.kind === "healthy_leaving")?.message).toContain("健康人群续保率 30%");
    expect(w.trend?.from_program_id).toBe("asa-1");
    expect(w.trend?.to_program_id).toBe("asa-3");

    // The Chinese table names the figures and repeats the alerts.
    const text = antiSelectionText(w);
    expect(text).toContain("续保率（健康人群）");
    expect(text).toContain("30%（6/20）");
    expect(text).toContain(`预警（${w.alerts.length} 条）`);
    expect(text).not.toMatch(/healthy_leaving|death_spiral/);
  });

  it("balanced persistence: the same figures, no alert", async () => {
    const w = antiSelectionWire("asb-3", await antiSelection(tp.ctx, "asb-3"));
    for (const [i, y] of w.years.entries()) {
      const e = expected(b, i + 1);
      expect(y.enrolled).toBe(e.enrolled);
      if (i > 0) {
        expect(y.persistence?.healthy).toEqual(e.persistence.healthy);
        expect(y.persistence?.pre_existing).toEqual(e.persistence.pre_existing);
      }
    }
    expect(w.years[1]?.persistence?.healthy.rate).toBe("0.8000");
    expect(w.years[1]?.persistence?.pre_existing.rate).toBe("0.8000");
    expect(w.years[2]?.persistence_3y?.healthy.rate).toBe("0.7000");
    expect(w.years[2]?.persistence_3y?.pre_existing.rate).toBe("0.7000");
    expect(w.alerts).toEqual([]);
    expect(antiSelectionText(w)).toContain("预警：无");
  });

  it("a program without predecessor: one year, no persistence, no trend", async () => {
    const w = antiSelectionWire("asa-1", await antiSelection(tp.ctx, "asa-1"));
    expect(w.years).toHaveLength(1);
    expect(w.years[0]?.persistence).toBeNull();
    expect(w.years[0]?.persistence_3y).toBeNull();
    expect(w.trend).toBeNull();
    expect(w.years[0]?.enrolled).toBe(expected(a, 1).enrolled);
    expect(antiSelectionText(w)).toContain("只有一个年度");
  });

  it("an unknown program is refused in Chinese, naming program_id", async () => {
    await expect(antiSelection(tp.ctx, "no-such-program")).rejects.toMatchObject({
      kind: "not_found",
      field: "program_id",
      message: "项目 no-such-program 不存在",
    });
  });

  it("GET /programs/{id}/anti-selection: operator and regulator read aggregates only; others are refused", async () => {
    const login = async (username: string) => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { program_id: "asa-3", username, password: "as-pass-123" },
      });
      expect(res.statusCode).toBe(200);
      return { authorization: `Bearer ${res.json().token as string}` };
    };
    const url = "/api/v1/programs/asa-3/anti-selection";
    for (const user of ["op-as", "reg-as"]) {
      const res = await app.inject({ method: "GET", url, headers: await login(user) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual(antiSelectionWire("asa-3", await antiSelection(tp.ctx, "asa-3")));
      // No person: no psn_no, no ID number, no name.
      const text = res.body;
      expect(text).not.toMatch(/asa\d-[HSNM]\d/);
      expect(text).not.toContain("测试");
      expect(text).not.toMatch(/\d{17}[\dX]/);
    }
    const insurer = await app.inject({ method: "GET", url, headers: await login("ins-as") });
    expect(insurer.statusCode).toBe(403);
    const anonymous = await app.inject({ method: "GET", url });
    expect(anonymous.statusCode).toBe(401);
  });
});
