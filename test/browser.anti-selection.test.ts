/**
 * 精算 → 逆选择监测 in Chromium (issue 13 items 6 and 7): an operator of the third year of a chain where the
 * healthy leave and the sick stay (test/support/anti-selection.ts) opens the 精算 page and sees the death-spiral
 * alert, the persistence chart (with the figures in its accessible label), the share chart and the table of
 * figures per year — in Chinese, without raw codes; the page passes axe.
 */
import { describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { createUser } from "../src/services/users.js";
import { buildChain, IN_WINDOW, spiral } from "./support/anti-selection.js";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const { chromium, skip } = browserAvailability("browser.anti-selection");

const PROGRAM = "asa-3";

describe.skipIf(skip).each(BROWSER_BACKENDS)("逆选择监测 in Chromium on %s", (backend) => {
  let platform: TestPlatform;

  const suite = browserSuite({
    name: `anti-selection-${backend}`,
    chromium,
    viewport: "desktop",
    setup: async () => {
      platform = await openTestPlatform(backend, { now: IN_WINDOW });
      await buildChain(platform, "asa", spiral(), 100);
      await createUser(platform.ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username: "op-as",
        role: "operator",
        password: "as-pass-123",
      });
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  it("shows the alerts prominently, the persistence and share charts, and the figures per year", async () => {
    const page = suite.page;
    await page.goto(`${suite.server.url}/console/login`);
    await page.getByLabel("项目编号").fill(PROGRAM);
    await page.getByLabel("账号").fill("op-as");
    await page.getByLabel("密码").fill("as-pass-123");
    await page.getByRole("button", { name: "登录" }).click();
    const menu = page.getByRole("navigation", { name: "控制台菜单" });
    await menu.getByRole("link", { name: "精算", exact: true }).click();
    await page.getByRole("heading", { name: "逆选择监测", exact: true }).waitFor();

    // The alerts, first in the card: the death spiral as an error, the healthy leaving as a warning.
    const alerts = page.getByRole("region", { name: "逆选择预警" });
    await alerts.waitFor();
    const spiralAlert = alerts.locator(".ant-alert-error").filter({ hasText: "死亡螺旋" });
    await spiralAlert.waitFor();
    expect(await spiralAlert.textContent()).toContain("健康人群三年连续参保率 10%");
    expect(
      await alerts.locator(".ant-alert-warning").filter({ hasText: "健康人群流失快于带病人群" }).count(),
    ).toBe(1);

    // The charts drew, their labels carrying the figures: year 2's healthy 30 % against the sick's 100 %.
    const persistence = page.getByRole("img", { name: /^折线图：各年度健康人群与带病人群的续保率/ });
    const label = await persistence.getAttribute("aria-label");
    expect(label).toContain("健康人群 30%、带病人群 100%");
    const shares = page.getByRole("img", { name: /^柱状图：赔付占比与保费占比/ });
    const bands = page.getByRole("img", { name: /^柱状图：各年龄段的续保率/ });
    for (const chart of [persistence, shares, bands]) {
      await chart.locator("canvas").first().waitFor();
      const box = await chart.locator("canvas").first().boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(box?.height ?? 0).toBeGreaterThan(100);
    }

    // The table: one column per year, by the programs' Chinese names; no raw codes in the headers.
    const table = page.getByRole("table", { name: "逆选择监测逐年指标" });
    await table.waitFor();
    const headers = (await table.locator("thead th").allTextContents()).map((h) => h.trim());
    expect(headers).toHaveLength(4);
    expect(headers[0]).toBe("指标");
    for (const h of headers) expect(h, h).not.toMatch(/asa-|[a-z]_[a-z]/);
    const healthyRow = table.getByRole("row").filter({ hasText: "续保率（健康人群）" });
    expect((await healthyRow.locator("td").allTextContents()).map((c) => c.trim())).toContain("30%（6/20）");
    await suite.expectAccessible("anti-selection");
  });
});
