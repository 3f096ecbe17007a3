/**
 * The console shell in a real Chromium: sign-in, and a menu that shows each role its own pages (bureau and
 * regulator: aggregates only, no personal-data pages); an operator approves a counter claim in the review
 * queue and the resident then sees it paid; the regulator's dashboard shows the earned loss ratio of the
 * oversight route against the 70 % line; every other page of each role renders. axe checks each screen;
 * screenshots go to test-results/browser/.
 */
import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import {
  DEMO_HOSPITAL,
  DEMO_NOW,
  DEMO_PROGRAM,
  type DemoPerson,
  demoPopulation,
  seedDemo,
} from "../src/services/demo-seed.js";
import { createUser } from "../src/services/users.js";
import {
  axeViolations,
  browserAvailability,
  clearScreenshots,
  desktopPage,
  formatViolations,
  type LiveServer,
  launchChromium,
  phonePage,
  screenshot,
  startServer,
  webBuildForTest,
} from "./support/browser.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const { chromium, skip } = browserAvailability("browser.console");

const PERSONS = 120;
const BASE = `/api/v1/programs/${DEMO_PROGRAM}`;
/** A resident who paid cash in the demo seed (an active policy), with a login made by this suite. */
const CLAIMANT = { username: "console-claimant", password: "claimant-pass-2023" } as const;
const claimant = demoPopulation(PERSONS).find(
  (p) => p.unitCode === "" && p.cohort === "" && p.household > 0,
) as DemoPerson;

/** A paper settlement sheet keyed in at the counter: 100000 in all, 60000 by basic insurance → 14400. */
function counterRecord(person: DemoPerson): Record<string, unknown> {
  return {
    setl_id: "CONSOLE-C-1",
    psn_no: person.psnNo,
    certno: person.certno,
    insutype: person.insutype,
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
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF scan")]);

describe.skipIf(skip).each(BACKENDS)("console shell in Chromium on %s", (backend) => {
  let platform: TestPlatform;
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let webDir: string | undefined;

  beforeAll(async () => {
    if (chromium === undefined)
      throw new Error("HMB_REQUIRE_BROWSER=1 but no Chromium: apt-get install -y chromium");
    clearScreenshots(`console-${backend}-`);
    webDir = await webBuildForTest();
    platform = await openTestPlatform(backend, { now: DEMO_NOW });
    await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      role: "resident",
      psnNo: claimant.psnNo,
      ...CLAIMANT,
    });
    server = await startServer(platform.ctx, webDir);
    browser = await launchChromium(chromium);
    page = await desktopPage(browser);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page !== undefined)
      await screenshot(page, `console-${backend}-FAILED-${task.name.slice(0, 40).replaceAll(/\W+/g, "-")}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await platform?.close();
    if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  });

  async function expectAccessible(name: string) {
    await screenshot(page, `console-${backend}-${name}`);
    const violations = await axeViolations(page);
    expect(violations, formatViolations(violations)).toEqual([]);
  }

  async function signIn(username: string, password: string) {
    await page.goto(`${server.url}/console/login`);
    await page.getByLabel("账号").fill(username);
    await page.getByLabel("密码").fill(password);
    await page.getByRole("button", { name: "登录" }).click();
  }

  const menu = () => page.getByRole("navigation", { name: "控制台菜单" });

  /** The API as one of the demo logins (for seeding and for the figures the pages must show). */
  async function apiAs(username: string, password: string) {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ program_id: DEMO_PROGRAM, username, password }),
    });
    expect(res.status).toBe(200);
    const auth = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    return (method: string, path: string, body?: unknown, type = "application/json") =>
      fetch(`${server.url}${BASE}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, "content-type": type },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
  }

  /** Visits a page through the menu and checks it rendered its heading, then axe and a screenshot. */
  async function visit(link: string, heading: string, shot: string, ready?: () => Promise<unknown>) {
    await menu().getByRole("link", { name: link, exact: true }).click();
    await page.getByRole("heading", { name: heading, exact: true }).waitFor();
    await page.getByRole("status").filter({ hasText: "正在加载" }).first().waitFor({ state: "detached" });
    if (ready !== undefined) await ready();
    await expectAccessible(shot);
  }

  it("sends an anonymous visitor to sign in, and explains a wrong password in Chinese", async () => {
    await page.goto(`${server.url}/console/claims`);
    await page.waitForURL(/\/console\/login\?next=%2Fclaims/);
    await expectAccessible("login");
    await signIn("demo-operator", "wrong-password");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("请核对项目编号、账号和密码");
  });

  it("shows an operator the operations menu", async () => {
    await signIn("demo-operator", "demo-operator-2023");
    await menu().getByRole("link", { name: "理赔审核" }).waitFor();
    const links = await menu().getByRole("link").allTextContents();
    expect(links).toEqual(
      expect.arrayContaining(["概览", "项目与产品", "参保名单导入", "理赔审核", "审计日志", "保费与赔付率"]),
    );
    await menu().getByRole("link", { name: "理赔审核" }).click();
    await page.waitForURL(/\/console\/claims$/);
    await page.getByRole("heading", { name: "理赔审核", exact: true }).waitFor();
    await expectAccessible("operator-claims");
    await page.getByRole("button", { name: "退出登录" }).click();
    await page.waitForURL(/\/console\/login/);
  });

  it("shows the regulator aggregates only", async () => {
    await signIn("demo-regulator", "demo-regulator-2023");
    await menu().getByRole("link", { name: "保费与赔付率" }).waitFor();
    const links = await menu().getByRole("link").allTextContents();
    // Issue 14: the regulator reads the audit log (the audit route allows it), nothing else of operations.
    expect(links).toEqual(expect.arrayContaining(["概览", "参保率", "保费与赔付率", "信息披露", "审计日志"]));
    for (const personal of ["参保名单导入", "保单", "理赔审核"]) expect(links).not.toContain(personal);
    await menu().getByRole("link", { name: "审计日志", exact: true }).click();
    await page.getByRole("heading", { name: "审计日志", exact: true }).waitFor();
    await page.getByRole("status").filter({ hasText: "正在加载" }).first().waitFor({ state: "detached" });
    await expect.poll(() => page.getByText("没有这个页面").count()).toBe(0);
    await expectAccessible("regulator-audit");
    // A page of another role is not there for them.
    await page.goto(`${server.url}/console/claims`);
    await page.getByText("没有这个页面").waitFor();
    await page.getByRole("button", { name: "English" }).click();
    await page
      .getByRole("navigation", { name: "Console menu" })
      .getByRole("link", { name: "Premiums and loss ratio" })
      .waitFor();
    await expectAccessible("regulator-en");
    await page.getByRole("button", { name: "中文" }).click();
  });

  it("lets an operator approve a counter claim in the review queue; the resident then sees it paid", async () => {
    // The resident brings the paper sheet of an October stay to the counter ten days after it was settled.
    platform.clock.set("2023-10-20T10:00:00+08:00");
    const operator = await apiAs("demo-operator", "demo-operator-2023");
    const submitted = await operator("POST", "/counter-claims", {
      psn_no: claimant.psnNo,
      record: counterRecord(claimant),
      note: "柜面录入纸质结算单",
    });
    expect(submitted.status).toBe(201);
    const caseId = ((await submitted.json()) as { case_id: string }).case_id;
    // The sheet through the API; the invoice through the case card's upload (issue 14: the counter uploads
    // on the resident's behalf from the console).
    expect(
      (await operator("PUT", `/counter-claims/${caseId}/documents/settlement_sheet`, JPEG, "image/jpeg"))
        .status,
    ).toBe(201);

    await signIn("demo-operator", "demo-operator-2023");
    await menu().getByRole("link", { name: "理赔审核" }).click();
    await page.getByRole("button", { name: `审核 ${caseId}` }).click();
    const card = page.getByRole("region", { name: `案件 ${caseId}` });
    await card.waitFor();
    await card.getByLabel("文件（PDF 或照片）").setInputFiles({
      name: "invoice.pdf",
      mimeType: "application/pdf",
      buffer: PDF,
    });
    await card.getByRole("button", { name: "上传单据" }).click();
    await card.getByText("已上传发票。").waitFor();
    await expectAccessible("operator-case-uploaded");
    // The scanned documents open from the case (the session cookie authorizes the download).
    const invoice = card.getByRole("link", { name: "查看 发票" });
    expect(await invoice.getAttribute("href")).toBe(`${BASE}/counter-claims/${caseId}/documents/invoice`);
    const download = await page.request.get(
      `${server.url}${BASE}/counter-claims/${caseId}/documents/invoice`,
    );
    expect(download.status()).toBe(200);
    expect(Buffer.from(await download.body()).equals(PDF)).toBe(true);
    await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("待分配");

    await card.getByRole("button", { name: "分配给我" }).click();
    await card.getByText("已分配给你。").waitFor();
    await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("审核中");
    await expectAccessible("operator-case");
    // Rejecting needs a reason: the form says so in Chinese, nothing is sent.
    await card.getByLabel("拒付").check();
    await card.getByRole("button", { name: "提交决定" }).click();
    await card.getByText("调整或拒付须写明理由").waitFor();
    await card.getByLabel("批准", { exact: true }).check();
    await card.getByLabel("理由").fill("单据齐全，金额与结算单一致");
    await card.getByRole("button", { name: "提交决定" }).click();
    await card.getByText("决定已提交。").waitFor();
    await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("已批准赔付");
    expect(await card.getByTestId("case-payout").textContent()).toBe("14,400.00 元");
    // The trail and the decision in Chinese words, no event codes (issue 14).
    const cardText = (await card.textContent()) ?? "";
    expect(cardText).toContain("柜面受理");
    expect(cardText).toContain("批准：单据齐全");
    expect(cardText).not.toMatch(/counter_|approve/);
    const uploaded = await operator("GET", `/audit?action=counter_claim.document.upload&subject=${caseId}`);
    expect(((await uploaded.json()) as { total: number }).total).toBe(2);
    await expectAccessible("operator-case-approved");

    // The resident: the case is approved and paid, through the API and on the phone.
    const resident = await apiAs(CLAIMANT.username, CLAIMANT.password);
    const view = (await (await resident("GET", `/counter-claims/${caseId}`)).json()) as {
      status: string;
      payout: { hmb_pay: string; state: string } | null;
    };
    expect(view.status).toBe("approved");
    expect(view.payout).toMatchObject({ hmb_pay: "14400.00", state: "settled" });
    const phone = await phonePage(browser);
    try {
      await phone.goto(`${server.url}/login?next=%2Fclaims`);
      await phone.getByLabel("账号").fill(CLAIMANT.username);
      await phone.getByLabel("密码").fill(CLAIMANT.password);
      await phone.getByLabel("密码").press("Enter");
      await phone.waitForURL(/\/claims$/);
      const claim = phone.getByRole("list", { name: "我的理赔" }).getByRole("listitem");
      await expect.poll(() => claim.count()).toBe(1);
      const text = (await claim.textContent()) ?? "";
      expect(text).toContain("柜面理赔");
      expect(text).toContain("14,400.00");
      await screenshot(phone, `console-${backend}-resident-counter-claim-paid`);
    } finally {
      await phone.context().close();
    }
  });

  it("shows the regulator the earned loss ratio against the 70% line, as the oversight route computes it", async () => {
    const regulator = await apiAs("demo-regulator", "demo-regulator-2023");
    const summary = (await (await regulator("GET", "/oversight/summary?as_of=2023-12-31")).json()) as {
      loss_ratio: {
        earned: string | null;
        floor: string;
        floor_bps: number;
        alert: boolean;
        projected_full_year: string | null;
      };
    };
    expect(summary.loss_ratio.floor_bps).toBe(7000);
    expect(summary.loss_ratio.earned).not.toBeNull(); // the approved counter claim is paid by then

    await signIn("demo-regulator", "demo-regulator-2023");
    await menu().getByRole("link", { name: "保费与赔付率" }).click();
    await page.getByLabel("截至日期").fill("2023-12-31");
    await page.getByRole("button", { name: "查看" }).click();
    await page.waitForURL(/as_of=2023-12-31/);
    await expect
      .poll(() => page.getByTestId("earned-loss-ratio").textContent())
      .toBe(summary.loss_ratio.earned);
    expect(await page.getByTestId("projected-loss-ratio").textContent()).toBe(
      summary.loss_ratio.projected_full_year,
    );
    const chart = page.getByRole("img", { name: /满期赔付率.*红线/ });
    expect(await chart.getAttribute("aria-label")).toContain(`满期赔付率 ${summary.loss_ratio.earned}`);
    expect(await chart.getAttribute("aria-label")).toContain(`红线 ${summary.loss_ratio.floor}`);
    const alert = page.getByRole("alert").filter({ hasText: "低于" });
    expect(await alert.count()).toBe(summary.loss_ratio.alert ? 1 : 0);
    await expectAccessible("regulator-loss-ratio");

    await visit("参保率", "参保率", "regulator-enrollment", () =>
      page.getByTestId("enrollment-rate").waitFor(),
    );
    await page.getByText("单位", { exact: true }).click();
    await page.getByRole("columnheader", { name: "单位" }).waitFor();
    await visit("受益与减负", "受益与减负", "regulator-beneficiaries");
    await visit("周趋势", "周趋势", "regulator-trends");
    await visit("信息披露", "信息披露", "regulator-disclosure");
    await page.getByLabel("报告期（yyyy 或 yyyy-mm）").fill("2023-08");
    expect(await page.getByRole("link", { name: "下载 Excel" }).getAttribute("href")).toBe(
      `${BASE}/reports/disclosure?period=2023-08&format=xlsx`,
    );
    const pdf = await page.request.get(`${server.url}${BASE}/reports/disclosure?period=2023-08&format=pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()["content-type"]).toContain("application/pdf");
    await page.getByLabel("报告期（yyyy 或 yyyy-mm）").fill("2023-1");
    await page.getByText("格式不对").waitFor();
    await page.getByRole("button", { name: "退出登录" }).click();
  });

  it("renders every operations page for an operator", async () => {
    await signIn("demo-operator", "demo-operator-2023");
    await visit("项目与产品", "项目与产品", "operator-programs", () =>
      page.getByRole("table", { name: "合规检查结果" }).waitFor(),
    );
    expect(await page.getByRole("table", { name: /保障责任表/ }).count()).toBeGreaterThan(0);
    await visit("参保名单导入", "参保名单导入", "operator-roster");
    await page.getByLabel("名单文件").setInputFiles({
      name: "roster.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("not,a,roster\n1,2,3\n"),
    });
    await page.getByRole("button", { name: "开始导入" }).click();
    await page.getByText("完成", { exact: true }).waitFor();
    await expect.poll(() => page.getByRole("alert").count()).toBeGreaterThan(0);
    // The history lists the refused upload (newest first) under the demo seed's import.
    await expect.poll(() => page.getByRole("cell", { name: "失败", exact: true }).count()).toBe(1);
    expect(await page.getByRole("cell", { name: "demo-seed", exact: true }).count()).toBeGreaterThan(0);
    await visit("投保", "投保", "operator-enrollments");
    await visit("保单", "保单", "operator-policies");
    expect(await page.getByRole("cell", { name: claimant.psnNo, exact: true }).count()).toBe(1);
    await visit("账本与对账单", "账本与对账单", "operator-ledger", () =>
      page.getByText("借贷平衡。").waitFor(),
    );
    await visit("审计日志", "审计日志", "operator-audit");
    await page.getByLabel("操作", { exact: true }).fill("counter_claim.");
    await page.getByRole("button", { name: "检索" }).click();
    await expect
      .poll(() => page.getByRole("cell", { name: "counter_claim.read" }).count())
      .toBeGreaterThan(0);
    await page.getByRole("button", { name: "退出登录" }).click();
  });

  it("shows a charity its pools, sponsored persons (masked) and their claims", async () => {
    await signIn("demo-charity", "demo-charity-2023");
    await visit("资金池", "资金池", "charity-pools", () => page.getByText("资助人数").first().waitFor());
    await visit("资助投保", "资助投保", "charity-sponsored");
    const cells = await page.getByRole("row").nth(1).getByRole("cell").allTextContents();
    expect(cells.some((c) => /^P.\*+..$/.test(c) || c.includes("*"))).toBe(true);
    await visit("资助对象理赔", "资助对象理赔", "charity-claims");
    await page.getByRole("button", { name: "退出登录" }).click();
  });

  it("shows a co-insurer the ledger and its own statement only", async () => {
    await signIn("demo-insurer", "demo-insurer-2023");
    await visit("账本与对账单", "账本与对账单", "insurer-ledger", () =>
      page.getByText("借贷平衡。").waitFor(),
    );
    // The demo's one insurer holds the whole program: 100 %, written from basis points (not "0.01%").
    expect(await page.getByRole("cell", { name: "100%", exact: true }).count()).toBeGreaterThan(0);
    expect(await page.getByRole("cell", { name: "0.01%", exact: true }).count()).toBe(0);
    await page.getByRole("button", { name: "退出登录" }).click();
  });
});
