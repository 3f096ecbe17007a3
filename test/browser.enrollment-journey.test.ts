/**
 * Issue 14, 投保管理 in a real Chromium, from sign-in to an end state checked through the API: an operator
 * uploads a unit's Excel list (made here with exceljs, one bad row among them), sees the bad row named by
 * row and column, enrolls the rest in one unit enrollment, finds one member in 保单 and cancels the policy
 * after reading the refund quote. A screenshot of the end state goes to test-results/browser/.
 */
import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { movableClock } from "../src/platform/clock.js";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { browserAvailability, browserSuite, chooseOption, screenshot } from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";
import { addRosterPersons } from "./support/roster.js";

const { chromium, skip } = browserAvailability("browser.enrollment-journey");

const PROGRAM = "unit-2023";
const API = `/api/v1/programs/${PROGRAM}`;
/** In the enrollment window, before cover starts (a cancellation refunds the whole premium). */
const ENROLL_AT = "2023-08-01T10:00:00+08:00";
const UNIT = "WSJT01";
const STAFF = [
  { psnNo: "U101", name: "陈一", brdy: "1985-01-01", unitCode: UNIT },
  { psnNo: "U102", name: "陈二", brdy: "1986-02-02", unitCode: UNIT },
  { psnNo: "U103", name: "陈三", brdy: "1990-03-03", unitCode: UNIT },
  { psnNo: "R201", name: "李大", brdy: "1975-05-05" },
];
const OPERATOR = { username: "unit-operator", password: "unit-operator-2023", role: "operator" } as const;

describe.skipIf(skip)("an operator enrolls a unit from Excel and cancels one member (Chromium)", () => {
  let platform: TestPlatform;
  let ctx: PlatformContext;
  const clock = movableClock(ENROLL_AT);

  const suite = browserSuite({
    name: "enrollment",
    chromium,
    viewport: "desktop",
    setup: async () => {
      platform = await openTestPlatform("pglite");
      ctx = { ...platform.ctx, clock };
      await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
      await addRosterPersons(ctx, PROGRAM, STAFF);
      await createUser(ctx, CLI_ACTOR, { programId: PROGRAM, ...OPERATOR });
      return ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  const consoleErrors: string[] = [];
  afterEach(() => {
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  async function certnoOf(psnNo: string): Promise<string> {
    const rows = await ctx.db.query<{ certno_enc: Uint8Array }>(
      "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
      [PROGRAM, psnNo],
    );
    return decrypt(ctx.keys, (rows[0] as { certno_enc: Uint8Array }).certno_enc);
  }

  async function apiGet(path: string) {
    const login = await suite.server.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username: OPERATOR.username, password: OPERATOR.password },
    });
    const res = await suite.server.app.inject({
      method: "GET",
      url: `${API}${path}`,
      headers: { authorization: `Bearer ${login.json().token as string}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it("uploads the list, sees the bad row named, enrolls the rest, then cancels one member with a refund", async () => {
    const page = suite.page;
    page.on("console", (m) => {
      if (m.type() === "error" && !/^Warning: \[antd: \w+\] .* is deprecated/.test(m.text()))
        consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("职工名单");
    ws.addRow(["姓名", "证件号码", "个人编号", "关系"]);
    ws.addRow(["陈一", await certnoOf("U101"), "", "职工"]);
    ws.addRow(["陈二", "", "U102", "职工"]);
    ws.addRow(["陈三", await certnoOf("U103"), "", ""]);
    ws.addRow(["陈四", "53262119900303001", "", "职工"]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());

    await page.goto(`${suite.server.url}/console/login`);
    await page.getByLabel("项目编号").fill(PROGRAM);
    await page.getByLabel("账号").fill(OPERATOR.username);
    await page.getByLabel("密码").fill(OPERATOR.password);
    await page.getByRole("button", { name: "登录" }).click();
    const menu = page.getByRole("navigation", { name: "控制台菜单" });
    await menu.waitFor();
    await menu.getByRole("link", { name: "投保", exact: true }).click();
    await page.getByRole("heading", { name: "投保", exact: true }).waitFor();

    // 单位投保: check first — the bad row named by row and column, nobody enrolled yet.
    await page.getByLabel("单位编码").fill(UNIT);
    await page.getByLabel("名单文件（Excel）").setInputFiles({
      name: "职工名单.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer: file,
    });
    await page.getByRole("button", { name: "上传并校验" }).click();
    await page.getByText("已处理 4 行：通过 3 行，拒绝 1 行").waitFor();
    const rejected = page.getByRole("table", { name: "被拒绝的行" });
    await rejected.getByText("第 5 行「证件号码」不是有效的身份证号码").waitFor();
    expect((await apiGet("/policies")).total).toBe(0);

    await page.getByRole("button", { name: "确认为 3 人投保" }).click();
    await page.getByText(/^单位投保完成：投保单号 EN[0-9A-F]{16}，3 人，缴费状态：已支付/).waitFor();
    await expect.poll(() => page.getByTestId("unit-enrolled").textContent()).toBe("3");
    const enrollments = page.getByRole("table", { name: "投保记录" });
    await expect
      .poll(() => enrollments.getByRole("row").filter({ hasText: UNIT }).textContent())
      .toContain("已支付");
    await suite.expectAccessible("enrollment-unit");

    // 个人投保 on a resident's behalf, paid online: the order waits for payment until it expires.
    await page.getByRole("tab", { name: "个人投保" }).click();
    await page.getByLabel("被保险人个人编号").fill("R201");
    await chooseOption(page, page.locator("#ind-channel"), "在线支付（生成缴费订单）");
    await page.getByRole("button", { name: "代为投保" }).click();
    await page
      .getByText(/^投保成功：投保单号 EN[0-9A-F]{16}，1 人；缴费状态：待支付（订单 \d{4}-\d{2}-\d{2} /)
      .waitFor();
    const unpaid = enrollments.getByRole("row").filter({ hasText: "R201" });
    await expect.poll(() => unpaid.textContent()).toContain("待支付");
    expect(await unpaid.textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

    // 保单: find 陈二 by person number, read the refund quote, confirm.
    await menu.getByRole("link", { name: "保单", exact: true }).click();
    await page.getByRole("heading", { name: "保单", exact: true }).waitFor();
    await page.getByLabel("人员编号").fill("U102");
    await page.getByRole("button", { name: "查询", exact: true }).click();
    const policies = page.getByRole("table", { name: "保单列表" });
    await expect.poll(() => policies.getByRole("row").count()).toBe(2);
    const row = policies.getByRole("row").filter({ hasText: "U102" });
    expect(await row.textContent()).toContain("陈*");
    expect(await row.textContent()).toContain("单位投保");
    // The e-policy: viewed (masked), downloaded as PDF.
    await row.getByRole("button", { name: "电子保单" }).click();
    const epolicy = page.getByRole("dialog").filter({ hasText: "电子保单 " });
    await epolicy.getByText("单位职工").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      epolicy.getByRole("button", { name: "下载电子保单 PDF" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    await epolicy.getByRole("button", { name: "关闭" }).last().click();
    await epolicy.waitFor({ state: "hidden" });

    await row.getByRole("button", { name: "退保" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("全额退费（保障尚未开始）").waitFor();
    const quoted = (await dialog.getByTestId("refund-quote").textContent()) ?? "";
    expect(quoted).toMatch(/^\d[\d,]*\.\d{2}$/);
    await dialog.getByRole("button", { name: /^确认退保并退费/ }).click();
    await page.getByText(/已退保，退费原路退回/).waitFor();
    await expect.poll(() => row.textContent()).toContain("已退保");
    await screenshot(page, "enrollment-unit-enrolled-member-cancelled");

    // Through the API: three unit policies, 陈二's cancelled with the quoted refund, the rest in force.
    const all = await apiGet("/policies?kind=unit");
    expect(all.total).toBe(3);
    const byPsn = new Map(all.policies.map((p: { psn_no: string; status: string }) => [p.psn_no, p.status]));
    expect(byPsn).toEqual(
      new Map([
        ["U101", "pending_effective"],
        ["U102", "cancelled"],
        ["U103", "pending_effective"],
      ]),
    );
    const cancelled = all.policies.find((p: { psn_no: string }) => p.psn_no === "U102");
    const view = await apiGet(`/policies/${cancelled.policy_no}`);
    expect(view.refund).toBe(view.premium);
    expect(quoted.replaceAll(",", "")).toBe(view.refund);
    const listed = await apiGet("/enrollments?kind=unit");
    expect(listed.enrollments).toHaveLength(1);
    expect(listed.enrollments[0]).toMatchObject({ unit_code: UNIT, persons: 3, pay_status: "paid" });
    const individual = await apiGet("/enrollments?kind=individual");
    expect(individual.enrollments).toHaveLength(1);
    expect(individual.enrollments[0]).toMatchObject({ payer_psn_no: "R201", pay_status: "created" });
    expect(individual.enrollments[0].expires_at).not.toBeNull();
  });
});
