/**
 * Issue 15 on screen, short: the resident's claim in layers on the phone (基本医保 → 大病保险 → 医疗救助 → 惠民保 →
 * 救助 → 个人最终支付, picture and numbers), and the bureau's 因病致贫监测 list on the console (masked, the reason
 * in words, what could still help). axe-clean; screenshots to test-results/browser/.
 */
import { describe, expect, it } from "vitest";
import { WatchSettingsBody } from "../src/contract/aid-watch.js";
import { contributeToFund, createAidFund } from "../src/services/aid/funds.js";
import { lockAid, recordAidPayment } from "../src/services/aid/payments.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { settingsFromWire, setWatchSettings } from "../src/services/aid/watch.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { record } from "./fixtures.js";
import {
  axeViolations,
  browserAvailability,
  browserSuite,
  desktopPage,
  formatViolations,
  screenshot,
} from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";
import { addRosterPersons } from "./support/roster.js";

const PROGRAM = "wenshan-2023";
const PASSWORD = "aid-browser-12";
const Y = 100;
const { chromium, skip } = browserAvailability("browser.aid");

async function seed(ctx: PlatformContext): Promise<void> {
  await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
  await addRosterPersons(ctx, PROGRAM, [
    { psnNo: "P001", name: "张三", brdy: "1980-05-01", cohort: "dibao" },
  ]);
  for (const [username, role] of [
    ["res1", "resident"],
    ["bureau1", "bureau"],
    ["ch1", "charity"],
  ] as const)
    await createUser(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username,
      role,
      password: PASSWORD,
      ...(role === "resident" ? { psnNo: "P001" } : {}),
    });
  // One stay: 基本医保 5,000, 大病 2,000; the person's 8,000: 惠民保 2,000, foundation aid 3,000, final 3,000.
  const rec = record({
    setlId: "S1",
    psnNo: "P001",
    inScope: 8_000 * Y,
    pooled: 5_000 * Y,
    criticalIllness: 2_000 * Y,
  });
  delete rec.certno;
  const at = new Date("2023-10-10T02:00:00Z");
  await ctx.db.query(
    `insert into medical_records (program_id, setl_id, psn_no, fixmedins_code, source, med_type, admitted_at,
       settled_at, diagnosis_code, funds, psn_part_amt_fen, record, content_hash, received_at)
     values ($1,'S1','P001','H53260100001','one_stop','21',$2,$2,'C83.300','{}',$3,$4,'h',$2)`,
    [PROGRAM, at, 8_000 * Y, JSON.stringify(rec)],
  );
  const response = {
    setl_id: "S1",
    policy_no: null,
    status: "paid",
    hmb_pay: "2000.00",
    psn_part_amt: "8000.00",
    psn_remaining: "6000.00",
    lines: [],
  };
  await ctx.db.query(
    `insert into claims (program_id, setl_id, kind, psn_no, fixmedins_code, status, hmb_pay_fen, psn_part_amt_fen,
       payee, adjudication, response, state, actor, created_at)
     values ($1,'S1','one_stop','P001','H53260100001','paid',$2,$3,'hospital','{}',$4,'settled','test',$5)`,
    [PROGRAM, 2_000 * Y, 8_000 * Y, JSON.stringify(response), at],
  );
  await createAidFund(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    fundId: "fund-a",
    name: "淋巴瘤救助基金",
    sponsorKind: "charity",
    sponsorName: "某基金会",
    keeper: "ch1",
  });
  await contributeToFund(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    fundId: "fund-a",
    kind: "donation",
    amount: 20_000 * Y,
    donor: "爱心企业",
    ref: "d1",
  });
  const doc = (id: string, name: string, mode: "automatic" | "application") => ({
    schemaVersion: 1,
    id,
    version: 1,
    name,
    sponsor: { kind: "charity", name: "某基金会" },
    fund: "fund-a",
    priority: 10,
    period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
    eligibility: { cohorts: ["dibao"] },
    covers: { kind: "residual", after: ["hmb"], inScopeOnly: false },
    benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 50 },
    caps: {},
    budget: { amount: 100000, whenExhausted: "stop" },
    mode: { kind: mode },
  });
  await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, doc("lymphoma", "淋巴瘤救助", "automatic"));
  await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, doc("hardship", "困难家庭大病补助", "application"));
  await ctx.db.transaction(async (tx) => {
    await lockAid(tx, PROGRAM);
    await recordAidPayment(
      tx,
      CLI_ACTOR,
      {
        programId: PROGRAM,
        setlId: "S1",
        psnNo: "P001",
        aidProgramId: "lymphoma",
        version: 1,
        fundId: "fund-a",
        mode: "automatic",
        amount: 3_000 * Y,
        queued: 0,
        thresholdUsed: 0,
        name: "淋巴瘤救助",
      },
      at,
    );
  });
  await setWatchSettings(
    ctx,
    CLI_ACTOR,
    PROGRAM,
    settingsFromWire(
      WatchSettingsBody.parse({
        subsistence_per_person: 6000,
        disposable_income_per_capita: 20000,
        local_multiple: 2,
        reference_income: { dibao: 8000 },
      }),
    ),
  );
}

describe.skipIf(skip)("aid on screen: the layered bill and the catastrophic-cost list", () => {
  let platform: TestPlatform;
  const suite = browserSuite({
    name: "aid",
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform("pglite", { now: "2023-11-01T10:00:00+08:00" });
      await seed(platform.ctx);
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  it("the resident sees the claim in layers, with every amount as text", async () => {
    const page = suite.page;
    await page.goto(suite.url("/login"));
    await page.getByLabel("账号").fill("res1");
    await page.getByLabel("密码").fill(PASSWORD);
    await page.getByLabel("密码").press("Enter");
    await page.waitForURL(/\/policies$/);
    await page.goto(suite.url("/claims"));
    await page.getByText("费用分层：谁付了多少").click();
    const figure = page.getByTestId("burden-S1");
    await figure.waitFor();
    await expect.poll(() => figure.textContent()).toContain("您最终支付 3,000.00 元");
    const text = (await figure.textContent()) ?? "";
    for (const part of [
      "基本医保5,000.00",
      "大病保险2,000.00",
      "医疗救助0.00",
      "惠民保2,000.00",
      "救助：淋巴瘤救助3,000.00",
      "个人最终支付3,000.00",
    ])
      expect(text.replaceAll(/（[^）]*）/g, "")).toContain(part);
    await suite.expectAccessible("h5-layers");
  });

  it("the bureau sees who is still at catastrophic cost, why, and what could help", async () => {
    const page = await desktopPage(suite.browser);
    try {
      await page.goto(suite.url("/console/login"));
      await page.getByLabel("账号").fill("bureau1");
      await page.getByLabel("密码").fill(PASSWORD);
      await page.getByRole("button", { name: "登录" }).click();
      await page
        .getByRole("navigation", { name: "控制台菜单" })
        .getByRole("link", { name: "因病致贫监测" })
        .click();
      await page.getByRole("heading", { name: "因病致贫监测", exact: true }).waitFor();
      await page.getByText("困难家庭大病补助").waitFor();
      const body = (await page.textContent("main")) ?? "";
      expect(body).toContain("张*");
      expect(body).not.toContain("张三");
      expect(body).toContain("达到世卫组织 40% 灾难性支出标准");
      await screenshot(page, "aid-console-catastrophic");
      const violations = await axeViolations(page);
      expect(violations, formatViolations(violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("the charity reads its fund's quarter, recipients anonymized", async () => {
    const page = await desktopPage(suite.browser);
    try {
      await page.goto(suite.url("/console/login"));
      await page.getByLabel("账号").fill("ch1");
      await page.getByLabel("密码").fill(PASSWORD);
      await page.getByRole("button", { name: "登录" }).click();
      await page
        .getByRole("navigation", { name: "控制台菜单" })
        .getByRole("link", { name: "慈善信息披露" })
        .click();
      await page.getByRole("heading", { name: "慈善信息披露", exact: true }).waitFor();
      await page.getByText("受助人-01").waitFor();
      expect(await page.getByTestId("money-out").textContent()).toBe("3,000.00");
      expect((await page.textContent("body")) ?? "").not.toContain("张三");
      await screenshot(page, "aid-console-charity-report");
      const violations = await axeViolations(page);
      expect(violations, formatViolations(violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
