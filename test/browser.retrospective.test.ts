/**
 * 精算回溯 in the console (issue 13 items 5 and 7): the 医保局 opens 精算, reads the per-group table (whose total
 * is what the platform paid the insured persons), the reserve, the anonymized large claims and the candidate
 * designs with the recommended one marked, changes the target, and downloads the PDF and the Excel — with no
 * person's name or number anywhere on the page.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { yuan } from "../web/src/shared/format.js";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

const { chromium, skip } = browserAvailability("browser.retrospective");

/** Fen → the yuan text the API sends ("6400.00"). */
const yuanText = (fen: number) => `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

describe.skipIf(skip).each(BROWSER_BACKENDS)("精算回溯 in Chromium on %s", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;

  const suite = browserSuite({
    name: `retrospective-${backend}`,
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

  it("shows priced vs actual by group, the reserve, anonymized large claims and the recommended design", async () => {
    const paid = (
      await s.ctx.db.query<{ fen: string | number }>(
        `select coalesce(sum(c.hmb_pay_fen), 0) as fen from claims c
          where c.program_id = $1 and c.state = 'settled'
            and exists (select 1 from policies p where p.program_id = c.program_id and p.psn_no = c.psn_no
                        and p.status in ('active', 'pending_effective'))`,
        [PROGRAM],
      )
    )[0]?.fen;
    expect(Number(paid)).toBeGreaterThan(0);

    const page = suite.page;
    await page.goto(suite.url("/console/login"));
    await page.getByLabel("项目编号").fill(PROGRAM);
    await page.getByLabel("账号").fill("bureau1");
    await page.getByLabel("密码").fill("bu-pass-12");
    await page.getByRole("button", { name: "登录" }).click();
    const menu = page.getByRole("navigation", { name: "控制台菜单" });
    await menu.getByRole("link", { name: "精算", exact: true }).click();
    await page.getByRole("heading", { name: "精算回溯" }).waitFor();
    // The 精算 page holds several cards (replay, reserve, pricing, …): work inside this one.
    const card = page.locator(".ant-card").filter({ has: page.getByRole("heading", { name: "精算回溯" }) });

    const groups = card.getByRole("table", { name: "分费率组定价与实际" });
    await groups.waitFor({ timeout: 60_000 });
    const total = groups.locator("tbody tr").filter({ hasText: "合计" });
    await expect.poll(() => total.textContent()).toContain(yuan(yuanText(Number(paid))));
    expect(await groups.locator("tbody tr").count()).toBeGreaterThan(2);
    expect(await groups.textContent()).toMatch(/岁 · [男女] · (非)?既往症/);

    const large = card.getByRole("table", { name: "大额赔付（匿名）" });
    await expect.poll(() => large.textContent()).toContain("大额-01");

    await expect
      .poll(() => card.getByRole("alert").filter({ hasText: "推荐下年度方案" }).first().textContent())
      .toMatch(/推荐下年度方案：.*保费/);
    const candidates = card.getByRole("table", { name: "下年度候选方案" });
    await expect.poll(() => candidates.textContent()).toContain("维持现行方案");

    // Nothing personal, no raw codes.
    const body = (await card.textContent()) ?? "";
    expect(s.secrets.filter((x) => body.includes(x))).toEqual([]);
    for (const code of ["standard", "pre_existing", "yunnan-2023", "nfra-2025"])
      expect(body).not.toContain(code);
    await suite.expectAccessible("retrospective");

    // Another target: recomputed by the server, the title says so.
    await card.locator("#retro-target").fill("0.95");
    await card.getByRole("button", { name: "重新测算" }).click();
    await expect
      .poll(() => card.getByRole("alert").filter({ hasText: "下年度方案" }).first().textContent(), {
        timeout: 60_000,
      })
      .toContain("与目标赔付率 95% 最接近");

    // The downloads are the same report as files, generated with the session's token and saved by name.
    for (const [label, name, magic] of [
      ["下载 PDF", "精算回溯.pdf", "%PDF-"],
      ["下载 Excel", "精算回溯.xlsx", "PK"],
    ] as const) {
      const [file] = await Promise.all([
        page.waitForEvent("download"),
        card.getByRole("button", { name: label }).click(),
      ]);
      expect(file.suggestedFilename()).toBe(name);
      expect((await readFile(await file.path())).subarray(0, magic.length).toString()).toBe(magic);
    }
  });
});
