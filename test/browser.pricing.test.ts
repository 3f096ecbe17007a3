/**
 * 精算 · 费率表 in Chromium (issue 13 items 4 and 7): the operator prices the program's experience by rate
 * group from the console; the table and the premium variants show, and the figures are the API's. Also
 * POST /programs/{id}/pricing itself (figures against the platform's paid claims, named field errors).
 */
import { describe, expect, it } from "vitest";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

const { chromium, skip } = browserAvailability("browser.pricing");

// One backend (PGlite): the service's SQL is the replay service's (tested on both in actuarial.replay.test.ts).
describe.skipIf(skip)("费率表 in Chromium", () => {
  let platform: TestPlatform;
  let s: OversightScenario;

  const suite = browserSuite({
    name: "pricing-pglite",
    chromium,
    viewport: "desktop",
    setup: async () => {
      platform = await openTestPlatform("pglite");
      s = await runOversightScenario(platform);
      return s.ctx;
    },
    teardown: async () => {
      await s?.app.close();
      await platform?.close();
    },
  });

  it("prices the enrolled population's experience for the regulator; a bad field is named", async () => {
    const login = await s.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username: "reg1", password: "reg-pass-12" },
    });
    const headers = { authorization: `Bearer ${login.json().token as string}` };
    const url = `/api/v1/programs/${PROGRAM}/pricing`;
    const enrolled = await s.ctx.db.query<{ psn_no: string; plan_id: string }>(
      "select psn_no, plan_id from policies where program_id = $1 and status in ('active', 'pending_effective')",
      [PROGRAM],
    );
    const planId = enrolled[0]?.plan_id as string;
    const persons = new Set(enrolled.map((p) => p.psn_no));
    const paid = (
      await s.ctx.db.query<{ psn_no: string; hmb_pay_fen: string | number }>(
        "select psn_no, hmb_pay_fen from claims where program_id = $1 and state = 'settled'",
        [PROGRAM],
      )
    )
      .filter((c) => persons.has(c.psn_no))
      .reduce((sum, c) => sum + Number(c.hmb_pay_fen), 0);
    const res = await s.app.inject({
      method: "POST",
      url,
      headers,
      payload: {
        product_id: "wenshan-2023",
        plan: planId,
        groups: "age,sex,health",
        trend: 0,
        ibnr_factor: 0,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      groups: { exposure: number; premium: string }[];
      pool: { exposure: number; hmb_pay: string };
      premium: { base: number; variants: unknown[] };
    };
    expect(body.pool.exposure).toBe(enrolled.length);
    expect(body.groups.reduce((sum, g) => sum + g.exposure, 0)).toBe(enrolled.length);
    // Under the program's own design the experience is what the platform paid.
    expect(Math.round(Number(body.pool.hmb_pay) * 100)).toBe(paid);
    expect(body.premium.base).toBeGreaterThan(0);

    // Without ibnr_factor the program's reserve is used: never below the factor-0 figures.
    const withReserve = await s.app.inject({
      method: "POST",
      url,
      headers,
      payload: { product_id: "wenshan-2023", plan: planId, groups: "age", trend: 0, as_of: "2024-03-31" },
    });
    expect(withReserve.statusCode, withReserve.body).toBe(200);
    expect(Number(withReserve.json().assumptions.ibnr_factor)).toBeGreaterThanOrEqual(0);

    for (const [payload, field] of [
      [{ product_id: "wenshan-2023", plan: planId, groups: "age,income" }, "groups"],
      [{ product_id: "wenshan-2023", plan: "gold", groups: "age" }, "plan"],
      [
        { product_id: "wenshan-2023", plan: planId, groups: "age", target_loss_ratio: 0.95, expense: 0.1 },
        "expense",
      ],
    ] as const) {
      const bad = await s.app.inject({ method: "POST", url, headers, payload });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json().error.field).toBe(field);
    }
  });

  it("prices by age, sex and pre-existing status and shows the premium variants", async () => {
    const enrolled = await s.ctx.db.query<{ n: string | number }>(
      "select count(*) as n from policies where program_id = $1 and status in ('active', 'pending_effective')",
      [PROGRAM],
    );
    await suite.page.goto(`${suite.server.url}/console/login`);
    await suite.page.getByLabel("项目编号").fill(PROGRAM);
    await suite.page.getByLabel("账号").fill("op1");
    await suite.page.getByLabel("密码").fill("op-pass-12");
    await suite.page.getByRole("button", { name: "登录" }).click();
    const menu = suite.page.getByRole("navigation", { name: "控制台菜单" });
    await menu.getByRole("link", { name: "精算", exact: true }).click();
    await suite.page.getByRole("heading", { name: "费率表", exact: true }).waitFor();

    const priced = suite.page.waitForResponse((r) => r.url().endsWith("/pricing") && r.status() === 200);
    await suite.page.getByRole("button", { name: "计算费率表" }).click();
    const body = (await (await priced).json()) as {
      groups: { label: string; premium: string }[];
      pool: { exposure: number; premium: string };
      premium: { variants: { label: string; amount: number }[] };
    };
    expect(body.pool.exposure).toBe(Number(enrolled[0]?.n));
    const table = suite.page.getByRole("table").filter({ hasText: "可信度 Z" });
    await table.waitFor();
    for (const g of body.groups) {
      const row = table.getByRole("row").filter({ hasText: g.label });
      await expect.poll(() => row.first().textContent()).toContain(g.premium);
    }
    await expect.poll(() => table.textContent()).toContain("全体");
    const variants = suite.page.getByRole("list", { name: "保费分档" });
    for (const v of body.premium.variants)
      await expect.poll(() => variants.textContent()).toContain(`${v.label}：${v.amount} 元`);
    await expect.poll(() => suite.page.getByText("各项说明").count()).toBeGreaterThan(0);
    await suite.expectAccessible("priced");

    // A refused assumption is shown in Chinese, naming what is wrong.
    await suite.page.getByLabel("费用率").fill("0.5");
    await suite.page.getByRole("button", { name: "计算费率表" }).click();
    const card = suite.page
      .locator(".ant-card")
      .filter({ has: suite.page.getByRole("heading", { name: "费率表", exact: true }) });
    await expect.poll(() => card.getByRole("alert").first().textContent()).toMatch(/费用率/);
  });
});
