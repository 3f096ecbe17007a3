import { describe, expect, it } from "vitest";
import { yuan } from "../web/src/shared/format.js";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

const { chromium, skip } = browserAvailability("browser.actuarial");

const OWN = "2023年度文山惠民保·文山惠民保";
const DRAFT_NAME = "2024年度文山惠民保城市定制型商业医疗保险（方案征求意见稿·示例设计）";

/** Fen → the yuan text the API sends ("6400.00"). */
const yuanText = (fen: number) => `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

describe.skipIf(skip).each(BROWSER_BACKENDS)("精算 in Chromium on %s", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;

  const suite = browserSuite({
    name: `actuarial-${backend}`,
    chromium,
    viewport: "desktop",
    setup: async () => {
      platform = await openTestPlatform(backend);
      s = await runOversightScenario(platform);
      return s.ctx;
    },
    teardown: async () => {
      await s?.app.close();
      await platform?.close();
    },
  });

  const expectAccessible = suite.expectAccessible;

  it("replays the program's claims under two designs side by side, with both charts", async () => {
    // What the platform itself paid on the program's settled claims of insured persons — the replay under
    // the program's own design must show the same (docs/replay.md; tested to the fen in actuarial.replay).
    const platformPaid = (
      await s.ctx.db.query<{ fen: string | number }>(
        `select coalesce(sum(c.hmb_pay_fen), 0) as fen from claims c
          where c.program_id = $1 and c.state = 'settled'
            and exists (select 1 from policies p where p.program_id = c.program_id and p.psn_no = c.psn_no
                        and p.status in ('active', 'pending_effective'))`,
        [PROGRAM],
      )
    )[0]?.fen;
    expect(Number(platformPaid)).toBeGreaterThan(0);

    await suite.page.goto(`${suite.server.url}/console/login`);
    await suite.page.getByLabel("项目编号").fill(PROGRAM);
    await suite.page.getByLabel("账号").fill("op1");
    await suite.page.getByLabel("密码").fill("op-pass-12");
    await suite.page.getByRole("button", { name: "登录" }).click();
    const menu = suite.page.getByRole("navigation", { name: "控制台菜单" });
    await menu.getByRole("link", { name: "精算", exact: true }).click();
    await suite.page.getByRole("heading", { name: "精算", exact: true }).waitFor();

    // The program's own product and plan are preselected.
    const product1 = suite.page.getByLabel("设计 1 的产品", { exact: true });
    await expect
      .poll(() => suite.page.locator(".ant-select").first().textContent())
      .toContain("2023年度文山惠民保");
    await expect.poll(() => suite.page.locator(".ant-select").nth(1).textContent()).toContain("文山惠民保");
    await product1.waitFor();
    await expectAccessible("start");

    // A second design: the 2024 draft, its only plan.
    await suite.page.getByRole("button", { name: "添加设计" }).click();
    const product2 = suite.page.getByLabel("设计 2 的产品", { exact: true });
    await product2.click();
    await product2.fill("2024年度文山");
    const option = suite.page.locator(`.ant-select-item-option[title="${DRAFT_NAME}"]:visible`);
    await option.waitFor();
    await option.click();
    const plan2 = suite.page.getByLabel("设计 2 的方案", { exact: true });
    await expect.poll(() => plan2.isDisabled()).toBe(false);
    await plan2.click();
    const planOption = suite.page.locator(
      '.ant-select-item-option[title="文山惠民保（2024 征求意见稿）"]:visible',
    );
    await planOption.waitFor();
    await planOption.click();

    await suite.page.getByRole("button", { name: "开始回放" }).click();
    const table = suite.page.getByRole("table", { name: "方案回放对比表" });
    await table.waitFor();

    // Headers: the figure column and one column per design, by their Chinese names — no raw ids.
    const headers = (await table.locator("thead th").allTextContents()).map((h) => h.trim());
    expect(headers[0]).toBe("指标");
    expect(headers[1]).toBe(OWN);
    expect(headers[2]).toContain("2024年度文山惠民保");
    for (const h of headers) expect(h, h).not.toMatch(/[A-Za-z_]/);

    // Both designs have figures: the record count, the payout (own design = what the platform paid), the
    // premium, and a loss ratio in percent.
    const row = (metric: string) => table.getByRole("row").filter({ hasText: metric });
    const cells = async (metric: string) =>
      (await row(metric).first().locator("td").allTextContents()).slice(1).map((c) => c.trim());
    const records = await cells("结算记录数");
    expect(records).toHaveLength(2);
    for (const c of records) expect(Number(c)).toBeGreaterThan(0);
    const payout = await cells("惠民保赔付（元）");
    expect(payout[0]).toBe(yuan(yuanText(Number(platformPaid))));
    expect(payout[1]).toMatch(/^[\d,]+\.\d{2}$/);
    for (const c of await cells("保费（元）")) expect(c).toMatch(/^[\d,]+\.\d{2}$/);
    for (const c of await cells("赔付率")) expect(c).toMatch(/^\d+(\.\d{1,2})?%$/);

    // The two charts drew (ECharts renders into a canvas inside each labelled figure).
    const distribution = suite.page.getByRole("img", { name: /^柱状图：各设计每个赔付档的人数/ });
    const lossRatio = suite.page.getByRole("img", { name: /^柱状图：.*赔付率.*红线 70%$/ });
    for (const chart of [distribution, lossRatio]) {
      await chart.locator("canvas").first().waitFor();
      const box = await chart.locator("canvas").first().boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(box?.height ?? 0).toBeGreaterThan(100);
    }
    await expectAccessible("replayed");

    // The English toggle relabels the page; the figures stay.
    await suite.page.getByRole("button", { name: "English" }).click();
    const en = suite.page.getByRole("table", { name: "Replay comparison" });
    await en.waitFor();
    expect((await en.locator("thead th").first().textContent())?.trim()).toBe("Figure");
    await suite.page.getByRole("button", { name: "中文" }).click();
    await table.waitFor();
  });

  it("shows the reserve: triangle or its absence, and the art. 49 selection", async () => {
    await suite.page.getByRole("heading", { name: "准备金（IBNR）" }).waitFor();
    await suite.page
      .getByRole("status")
      .filter({ hasText: "正在加载" })
      .first()
      .waitFor({ state: "detached" });
    // The scenario settled claims in October and November 2023: a triangle with at least one origin.
    const triangle = suite.page.getByRole("table", { name: "累计已付进展三角" });
    await triangle.waitFor();
    expect(await triangle.locator("tbody tr").count()).toBeGreaterThan(0);
    const selection = suite.page.getByRole("alert").filter({ hasText: "评估日" }).first();
    await expect.poll(() => selection.textContent()).toMatch(/选定.*IBNR [\d,]+\.\d{2} 元/);
    await expectAccessible("reserve");
  });
});
