/**
 * The resident H5 in a real Chromium at phone size, against the real server on the demo program: a resident
 * signs in with the keyboard, compares plans, estimates a payout, checks a family member's eligibility,
 * enrolls the family and pays in the sandbox, sees the e-policy, cancels a child's policy after seeing the
 * refund, and enrolls the child again; months later a hospital's one-stop settlement shows up in their claims with its explanation. axe checks
 * every page; screenshots go to test-results/browser/.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DEMO_HOSPITAL,
  DEMO_NOW,
  DEMO_PROGRAM,
  type DemoPerson,
  demoPopulation,
  seedDemo,
} from "../src/services/demo-seed.js";
import { browserAvailability, browserSuite, screenshot } from "./support/browser.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 300;

/** A 文山 inpatient stay: 100000 in all, 60000 paid by basic insurance, 10000 of the rest out of scope. */
function settlementOf(person: DemoPerson | undefined): Record<string, unknown> {
  return {
    setl_id: "BROWSER-S-1",
    psn_no: person?.psnNo,
    certno: person?.certno,
    insutype: person?.insutype,
    med_type: "21",
    begntime: "2023-10-08 09:00:00",
    setl_time: "2023-10-10 10:00:00",
    fixmedins_code: DEMO_HOSPITAL.code,
    mdtrtarea_admvs: "532621",
    dise_codg: "I63.900",
    medfee_sumamt: "100000.00",
    fulamt_ownpay_amt: "10000.00",
    overlmt_selfpay: "0.00",
    hifp_pay: "60000.00",
    fund_pay_sumamt: "60000.00",
    psn_part_amt: "40000.00",
  };
}
const { chromium, skip } = browserAvailability("browser.resident");

describe.skipIf(skip).each(BROWSER_BACKENDS)("resident H5 in Chromium on %s", (backend) => {
  let platform: TestPlatform;
  let hospitalSecret: string;
  const family = demoPopulation(PERSONS).filter((p) => p.household === 0);
  const [self, spouse, child] = family;

  const suite = browserSuite({
    name: `resident-${backend}`,
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform(backend, { now: DEMO_NOW });
      const seeded = await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
      hospitalSecret = seeded.hospital.secret as string;
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  const url = suite.url;

  const expectAccessible = suite.expectAccessible;

  it("shows the product with its plans side by side, in Chinese", async () => {
    await suite.page.goto(url("/"));
    await suite.page.getByRole("heading", { name: "2023年度文山惠民保" }).waitFor();
    const table = suite.page.getByRole("table", { name: "方案对比" });
    await expect
      .poll(() => table.getByRole("columnheader").allTextContents())
      .toEqual(["保障项目", "文山惠民保"]);
    expect(await table.getByRole("row", { name: /保费/ }).textContent()).toContain("69.00");
    expect(await table.getByRole("rowheader").allTextContents()).toContain(
      "责任一：基本医疗保险范围内住院医疗费用保障",
    );
    await expectAccessible("home");
  });

  it("estimates a payout with the real engine: 住院花了多少，惠民保赔多少", async () => {
    await suite.page.getByRole("link", { name: "赔付试算" }).click();
    await suite.page.getByLabel("住院总费用（元）").fill("100000");
    await suite.page.getByLabel("医保等已报销（元）").fill("60000");
    await suite.page.getByLabel("其中医保目录外自费（元）").fill("10000");
    await suite.page.getByRole("button", { name: "开始计算" }).click();
    const result = suite.page.getByRole("region", { name: "试算结果" });
    await result.waitFor();
    // (30000 − 12000 deductible) × 80% = 14400; out of scope 10000 stays under its 12000 deductible.
    expect(await result.textContent()).toContain("14,400.00");
    expect(await result.textContent()).toContain("(30000.00 − 12000.00) × 80%");
    await expectAccessible("calculator");
    // A caller mistake is explained in Chinese at the field.
    await suite.page.getByLabel("医保等已报销（元）").fill("200000");
    await suite.page.getByRole("button", { name: "开始计算" }).click();
    await expect
      .poll(() => suite.page.getByRole("alert").first().textContent())
      .toContain("不能超过住院总费用");
  });

  it("signs in with the keyboard alone", async () => {
    await suite.page.goto(url("/policies"));
    await suite.page.waitForURL(/\/login\?next=/);
    await suite.page.getByLabel("账号").focus();
    await suite.page.keyboard.type("demo-resident");
    await suite.page.keyboard.press("Tab");
    expect(await suite.page.evaluate<string | undefined>("document.activeElement?.id")).toBe(
      "login-password",
    );
    await suite.page.keyboard.type("wrong-password");
    await suite.page.keyboard.press("Enter");
    await expect
      .poll(() => suite.page.getByRole("alert").first().textContent())
      .toContain("请核对账号和密码");
    await expectAccessible("login-error");
    await suite.page.getByLabel("密码").fill("demo-resident-2023");
    await suite.page.getByLabel("密码").press("Enter");
    await suite.page.waitForURL(/\/policies$/);
    await suite.page.getByText("您还没有保单").waitFor();
    await expectAccessible("policies-empty");
  });

  it("checks a family member's eligibility by ID number", async () => {
    await suite.page.goto(url("/eligibility"));
    await suite.page.getByLabel("身份证号").fill("123");
    await suite.page.getByRole("button", { name: "查询" }).click();
    await expect.poll(() => suite.page.getByRole("alert").first().textContent()).toContain("18 位");
    await suite.page.getByLabel("身份证号").fill(spouse?.certno ?? "");
    await suite.page.getByRole("button", { name: "查询" }).click();
    await suite.page.getByRole("heading", { name: "可以投保" }).waitFor();
    expect(await suite.page.getByText(/文山惠民保 · 保费/).textContent()).toContain("69.00");
    await expectAccessible("eligibility");
  });

  it("enrolls self, spouse and child, pays in the sandbox and sees the e-policies", async () => {
    await suite.page.goto(url("/enroll"));
    await suite.page.getByLabel(/为本人投保/).waitFor();
    expect(await suite.page.getByLabel(/为本人投保/).isChecked()).toBe(true);
    // The ID number with another name is refused when the enrollment is submitted; nothing is enrolled.
    await suite.page.getByLabel("家庭成员身份证号").fill(spouse?.certno ?? "");
    await suite.page.getByLabel("家庭成员姓名").fill("王大锤");
    await suite.page.getByLabel("与您的关系").selectOption({ label: "配偶" });
    await suite.page.getByRole("button", { name: "添加", exact: true }).click();
    await suite.page.getByRole("button", { name: "移除 王大锤" }).waitFor();
    await suite.page.getByRole("button", { name: "确认投保并支付 138.00 元" }).click();
    await expect
      .poll(() => suite.page.getByRole("alert").first().textContent())
      .toContain("身份证号与姓名不一致");
    await suite.page.getByRole("button", { name: "移除 王大锤" }).click();
    for (const [member, relation] of [
      [spouse, "配偶"],
      [child, "子女"],
    ] as const) {
      // A relative is named by ID number and name (a roster number alone is not accepted from a resident).
      await suite.page.getByLabel("家庭成员身份证号").fill(member?.certno ?? "");
      await suite.page.getByLabel("家庭成员姓名").fill(member?.name ?? "");
      await suite.page.getByLabel("与您的关系").selectOption({ label: relation });
      await suite.page.getByRole("button", { name: "添加", exact: true }).click();
      await suite.page
        .getByRole("listitem")
        .filter({ hasText: `（${relation}）` })
        .waitFor();
    }
    await expectAccessible("enroll");
    await suite.page.getByRole("button", { name: "确认投保并支付 207.00 元" }).click();
    await suite.page.waitForURL(/\/pay\/PO/);
    await suite.page.getByText("沙箱支付").waitFor();
    await expectAccessible("pay");
    await suite.page.getByRole("button", { name: "支付 207.00 元" }).click();
    await suite.page.getByText("支付成功").waitFor();
    await screenshot(suite.page, `resident-${backend}-paid`);
    await suite.page.getByRole("link", { name: "查看我的保单" }).click();
    await suite.page.waitForURL(/\/policies$/);
    const cards = suite.page.getByRole("list", { name: "我的保单" }).getByRole("listitem");
    await expect.poll(() => cards.count()).toBe(3);
    expect(await suite.page.getByText("已出单，待生效").count()).toBe(3);
    await expectAccessible("policies");

    await cards.filter({ hasText: "（本人）" }).getByRole("link", { name: "电子保单" }).click();
    await suite.page.getByRole("heading", { name: "电子保单凭证" }).waitFor();
    const certificate = suite.page.frameLocator('iframe[title="电子保单凭证"]');
    await expect.poll(() => certificate.locator("body").textContent()).toContain(self?.name ?? "?");
    await expectAccessible("e-policy");
  });

  it("cancels the child's policy after showing the refund", async () => {
    await suite.page.getByRole("link", { name: "我的保单" }).click();
    const card = suite.page.getByRole("listitem").filter({ hasText: "（子女）" });
    await card.getByRole("link", { name: "退保" }).click();
    await suite.page.getByTestId("refund-amount").waitFor();
    // Before the coverage starts (2023-09-01), the whole premium comes back.
    expect(await suite.page.getByTestId("refund-amount").textContent()).toBe("69.00");
    await expectAccessible("cancel-quote");
    await suite.page.getByRole("button", { name: "确认退保" }).click();
    const dialog = suite.page.getByRole("alertdialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("将退还 69.00 元");
    await dialog.getByRole("button", { name: "确认退保" }).click();
    await suite.page.getByText("已退保").first().waitFor();
    expect(await suite.page.getByText(/退费 69.00 元将原路退回/).count()).toBe(1);
    await screenshot(suite.page, `resident-${backend}-cancelled`);
  });

  it("enrolls the cancelled child again inside the window: a new policy, the old one stays cancelled", async () => {
    await suite.page.goto(url("/enroll"));
    await suite.page.getByLabel("家庭成员身份证号").fill(child?.certno ?? "");
    await suite.page.getByLabel("家庭成员姓名").fill(child?.name ?? "");
    await suite.page.getByLabel("与您的关系").selectOption({ label: "子女" });
    await suite.page.getByRole("button", { name: "添加", exact: true }).click();
    await suite.page.getByRole("listitem").filter({ hasText: "（子女）" }).waitFor();
    await suite.page.getByRole("button", { name: "确认投保并支付 69.00 元" }).click();
    await suite.page.waitForURL(/\/pay\/PO/);
    await suite.page.getByRole("button", { name: "支付 69.00 元" }).click();
    await suite.page.getByText("支付成功").waitFor();
    await screenshot(suite.page, `resident-${backend}-re-enrolled`);
    // Through the services: the child holds two policies, the cancelled one and the new one.
    const rows = await platform.ctx.db.query<{ status: string }>(
      "select status from policies where program_id = $1 and psn_no = $2",
      [DEMO_PROGRAM, child?.psnNo as string],
    );
    expect(rows.map((r) => r.status).sort()).toEqual(["cancelled", "pending_effective"]);
  });

  it("shows a hospital's one-stop settlement in the resident's claims with its explanation", async () => {
    // Months later, in the coverage year: the hospital settles the stay after it ended (and the bureau, below,
    // shares a December one), as the operator's server would with a later HMB_NOW.
    platform.clock.set("2023-12-31T10:00:00+08:00");
    const body = JSON.stringify(settlementOf(self));
    const timestamp = String(Date.now());
    const res = await fetch(url(`/api/v1/programs/${DEMO_PROGRAM}/settlements`), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hmb-institution": DEMO_HOSPITAL.code,
        "x-hmb-timestamp": timestamp,
        "x-hmb-signature": createHmac("sha256", hospitalSecret).update(`${timestamp}\n${body}`).digest("hex"),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { hmb_pay: string }).hmb_pay).toBe("14400.00");

    await suite.page.getByRole("link", { name: "理赔", exact: true }).click();
    const claim = suite.page.getByRole("list", { name: "我的理赔" }).locator(":scope > li");
    await expect.poll(() => claim.count()).toBe(1);
    const text = (await claim.textContent()) ?? "";
    expect(text).toContain("出院一站式结算");
    expect(text).toContain("14,400.00");
    expect(text).toContain("责任一：基本医疗保险范围内住院医疗费用保障：(30000.00 − 12000.00) × 80%");
    await expectAccessible("claims");
  });

  it("claims online from the bureau's shared record after giving consent", async () => {
    // The bureau shares a second stay of the resident (settled at a hospital without one-stop settlement).
    const login = await fetch(url("/api/v1/auth/login"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        program_id: DEMO_PROGRAM,
        username: "demo-bureau",
        password: "demo-bureau-2023",
      }),
    });
    const { token } = (await login.json()) as { token: string };
    const shared = await fetch(url(`/api/v1/programs/${DEMO_PROGRAM}/medical-records`), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        records: [
          {
            ...settlementOf(self),
            setl_id: "BROWSER-S-2",
            begntime: "2023-12-01 09:00:00",
            setl_time: "2023-12-05 10:00:00",
            medfee_sumamt: "20000.00",
            fulamt_ownpay_amt: "0.00",
            hifp_pay: "15000.00",
            fund_pay_sumamt: "15000.00",
            psn_part_amt: "5000.00",
          },
        ],
      }),
    });
    expect(shared.status).toBe(200);

    await suite.page.getByRole("link", { name: "申请线上理赔" }).click();
    await suite.page.getByRole("heading", { name: "授权使用医保结算数据" }).waitFor();
    expect(await suite.page.getByLabel("结算记录开始日期").inputValue()).toBe("2023-09-01");
    expect(await suite.page.getByLabel("结算记录截止日期").inputValue()).toBe("2024-08-31");
    await suite.page.getByRole("button", { name: "同意授权" }).click();
    await expect
      .poll(() => suite.page.getByRole("alert").first().textContent())
      .toContain("请先勾选同意授权");
    await expectAccessible("online-consent");
    await suite.page.getByLabel("我已阅读并同意上述授权").check();
    await suite.page.getByRole("button", { name: "同意授权" }).click();
    const record = suite.page.getByLabel(/2023-12-05/);
    await record.waitFor();
    await expectAccessible("online-claimable");
    await record.check();
    await suite.page.getByRole("button", { name: "提交理赔" }).click();
    await suite.page.getByText("理赔已提交").waitFor();
    await suite.page.getByRole("link", { name: "我的理赔" }).click();
    const claims = suite.page.getByRole("list", { name: "我的理赔" }).locator(":scope > li");
    await expect.poll(() => claims.count()).toBe(2);
    // The deductible was used up by the first stay: 5000 × 80% = 4000, nothing deducted.
    const online = claims.filter({ hasText: "线上理赔" });
    expect(await online.textContent()).toContain("4,000.00");
    expect(await online.textContent()).toContain("责任一：基本医疗保险范围内住院医疗费用保障：5000.00 × 80%");
  });

  it("switches to English and back", async () => {
    await suite.page.goto(url("/"));
    await suite.page.getByRole("button", { name: "English" }).click();
    await suite.page.getByRole("navigation").getByRole("link", { name: "Home" }).waitFor();
    expect(await suite.page.evaluate<string>("document.documentElement.lang")).toBe("en");
    await expectAccessible("home-en");
    await suite.page.getByRole("button", { name: "中文" }).click();
    await suite.page.getByRole("navigation").getByRole("link", { name: "首页" }).waitFor();
  });

  it("reads in large-text mode: everything 25 % larger, nothing wider than the phone, remembered", async () => {
    await suite.page.goto(url("/"));
    const toggle = suite.page.getByRole("button", { name: "大字", exact: true });
    const titleSize = () =>
      suite.page.evaluate<number>("document.querySelector('.top-title').getBoundingClientRect().height");
    const before = await titleSize();
    await toggle.click();
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    expect(await titleSize()).toBeGreaterThan(before * 1.2);
    await expectAccessible("home-large");
    // Remembered on the device; the pages with the most on them still fit the screen.
    for (const path of ["/policies", "/claims", "/calculator"]) {
      await suite.page.goto(url(path));
      await suite.page.getByRole("navigation").getByRole("link", { name: "首页" }).waitFor();
      expect(
        await suite.page.evaluate<boolean>("document.documentElement.classList.contains('large-text')"),
      ).toBe(true);
      await expectAccessible(`large${path.replace("/", "-")}`);
    }
    await suite.page.getByRole("button", { name: "大字", exact: true }).click();
    expect(
      await suite.page.evaluate<boolean>("document.documentElement.classList.contains('large-text')"),
    ).toBe(false);
  });
});
