/**
 * 产品管理 in a real Chromium (issue 12 §9): an operator uploads a product file with a mistake and reads every
 * problem inline in Chinese (nothing is published); uploads a corrected new version, publishes it and finds it
 * in the list; compares it with the shipped version; reads its sheet; previews a quote against it. axe checks
 * the page; screenshots go to test-results/browser/.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wenshanFile from "../src/products/wenshan-2023.json" with { type: "json" };
import { listProductVersions } from "../src/services/products.js";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const { chromium, skip } = browserAvailability("browser.products");

/** wenshan-2023 at `version` with 责任一's deductible (12000 元 shipped) set to `yuan`. */
function wenshanWith(version: number, deductibleYuan: number) {
  const file = structuredClone(wenshanFile) as Record<string, unknown> & {
    plans: { deductiblePools: { amount: number }[]; liabilities: { cap: number }[] }[];
  };
  (file.plans[0]?.deductiblePools[0] as { amount: number }).amount = deductibleYuan;
  return { ...file, version };
}

describe.skipIf(skip).each(BROWSER_BACKENDS)("产品管理 in Chromium on %s", (backend) => {
  let platform: TestPlatform;
  const files = mkdtempSync(join(tmpdir(), "hmb-products-"));

  const suite = browserSuite({
    name: `products-${backend}`,
    chromium,
    viewport: "desktop",
    setup: async () => {
      platform = await openTestPlatform(backend, { now: NOW });
      await setupWenshan(platform.ctx);
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
      rmSync(files, { recursive: true, force: true });
    },
  });

  const expectAccessible = suite.expectAccessible;

  /** Picks `ref` in the antd Select labelled `label`: typed into its search, the one match taken with Enter. */
  async function pick(label: string, ref: string) {
    const box = suite.page.getByLabel(label, { exact: true });
    await box.click();
    await box.fill(ref);
    // Earlier dropdowns stay in the page, hidden: only the open one counts.
    const option = suite.page.locator(`.ant-select-item-option-active[title^="${ref}　"]:visible`);
    await option.waitFor();
    await box.press("Enter");
    await option.waitFor({ state: "detached" });
  }

  it("walks upload → errors in Chinese → publish → list → diff → sheet → quote", async () => {
    await suite.page.goto(`${suite.server.url}/console/login`);
    await suite.page.getByLabel("项目编号").fill(PROGRAM);
    await suite.page.getByLabel("账号").fill("op1");
    await suite.page.getByLabel("密码").fill("op-pass-12");
    await suite.page.getByRole("button", { name: "登录" }).click();
    const menu = suite.page.getByRole("navigation", { name: "控制台菜单" });
    await menu.getByRole("link", { name: "产品管理", exact: true }).click();
    await suite.page.getByRole("heading", { name: "产品管理", exact: true }).waitFor();
    await suite.page.getByRole("cell", { name: "wenshan-2023", exact: true }).first().waitFor();
    await expectAccessible("list");

    // A file with a negative cap and no name: every problem inline, in Chinese, nothing published.
    const bad = wenshanWith(2, 10_000) as Record<string, unknown> & {
      plans: { liabilities: { cap: number }[] }[];
    };
    (bad.plans[0]?.liabilities[0] as { cap: number }).cap = -1;
    delete bad.name;
    writeFileSync(join(files, "bad.json"), JSON.stringify(bad));
    await suite.page.locator("#product-file").setInputFiles(join(files, "bad.json"));
    const problems = suite.page.getByRole("list", { name: "校验问题" });
    await problems.waitFor();
    const text = (await problems.textContent()) ?? "";
    expect(text).toContain("plans[0].liabilities[0].cap");
    expect(text).toContain("name");
    expect(text).toMatch(/plans\[0\]\.liabilities\[0\]\.cap：[^a-z]*[\u4e00-\u9fff]/);
    await expect.poll(() => suite.page.getByRole("alert").first().textContent()).toContain("处问题，未发布");
    await expectAccessible("invalid");
    expect((await listProductVersions(platform.ctx)).some((v) => v.version === 2)).toBe(false);

    // The corrected file: validated, then published, then in the list.
    writeFileSync(join(files, "v2.json"), JSON.stringify(wenshanWith(2, 10_000)));
    await suite.page.locator("#product-file").setInputFiles(join(files, "v2.json"));
    await suite.page.getByText("校验通过：wenshan-2023 第 2 版").waitFor();
    await suite.page.getByRole("button", { name: "发布", exact: true }).click();
    await suite.page.getByText("已发布 wenshan-2023 第 2 版").waitFor();
    await suite.page.getByRole("button", { name: "查看 wenshan-2023@2" }).waitFor();
    const stored = await listProductVersions(platform.ctx);
    expect(stored.find((v) => v.productId === "wenshan-2023" && v.version === 2)?.publishedBy).toBe("op1");

    // Diff of the shipped version and the new one.
    await pick("比较的一方", "wenshan-2023@1");
    await pick("比较的另一方", "wenshan-2023@2");
    await suite.page.getByRole("button", { name: "比较", exact: true }).click();
    const diff = suite.page.getByRole("region", { name: "比较结果" });
    await diff.waitFor();
    expect(await diff.textContent()).toContain("12000 → 10000");

    // The sheet of the new version.
    await suite.page.getByRole("button", { name: "查看 wenshan-2023@2" }).click();
    const sheet = suite.page.getByRole("region", { name: "产品说明书内容" });
    await sheet.getByText("10000 元").first().waitFor();
    // Every rule set's own verdict on that version, side by side (issue 12 §8).
    for (const name of ["云南 2023（云医保〔2023〕152号）", "金融监管总局 2025（金办便函〔2025〕745号）"]) {
      const findings = suite.page.getByRole("table", { name: `合规检查结果 ${name}` });
      await findings.waitFor();
      await expect.poll(() => findings.getByRole("row").count()).toBeGreaterThan(1);
    }

    // Quote preview against it: burden 100,000 − 50,000 = 50,000 in scope; (50,000 − 10,000) × 80 % = 32,000.
    await pick("试算版本", "wenshan-2023@2");
    await suite.page.getByLabel("住院总费用（元）").fill("100000");
    await suite.page.getByLabel("医保报销合计（元）").fill("50000");
    await suite.page.getByRole("button", { name: "试算", exact: true }).click();
    await expect.poll(() => suite.page.getByTestId("quote-pay").first().textContent()).toBe("32,000.00");
    await expectAccessible("quote");
  }, 180_000);
});
