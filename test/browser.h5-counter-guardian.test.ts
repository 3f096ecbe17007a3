/**
 * Issue 14, a parent claims from a 375 px phone for a child the parent did not pay for (enrolled by a unit,
 * 单位团体投保): chooses "为未成年子女（单位或慈善投保）申请", gives the child's person and ID numbers, photographs
 * the 监护关系证明, keys in the 结算单, adds the invoice and the sheet; in the console (desktop) the case card
 * says 申请人自述为监护人（待核验监护关系证明） and the operator cannot approve until ticking that the proof was
 * checked; the parent then sees it verified and approved — each step's end state checked through the API.
 * Screenshots go to test-results/browser/.
 */
import { describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import {
  DEMO_HOSPITAL,
  DEMO_NOW,
  DEMO_PROGRAM,
  demoPopulation,
  seedDemo,
} from "../src/services/demo-seed.js";
import { enroll } from "../src/services/enrollment.js";
import {
  axeViolations,
  browserAvailability,
  browserSuite,
  desktopPage,
  formatViolations,
  screenshot,
} from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 60;
const { chromium, skip } = browserAvailability("browser.h5-counter-guardian");
const BASE = `/api/v1/programs/${DEMO_PROGRAM}`;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF photo")]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
/** When the parent files: in the coverage year, after the child's October stay. */
const FILED_AT = "2023-12-01T10:00:00+08:00";

describe.skipIf(skip)("resident H5: a parent claims for a unit-enrolled child as declared guardian", () => {
  let platform: TestPlatform;
  const household = demoPopulation(PERSONS).filter((p) => p.household === 0);
  const self = household.find((p) => p.relation === "self");
  const child = household.find((p) => p.relation === "child" && p.brdy > "2005-12-01");

  const suite = browserSuite({
    name: "h5-guardian",
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform("pglite", { now: DEMO_NOW });
      await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
      // The parent pays for themself; the child is insured by the parent's employer, not by the parent.
      await enroll(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "individual",
        psnNo: self?.psnNo as string,
        channel: "offline",
      });
      await enroll(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "unit",
        unitCode: child?.unitCode as string,
        psnNos: [child?.psnNo as string],
        channel: "offline",
      });
      platform.clock.set(FILED_AT);
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  async function apiAs(username: string, password: string) {
    const res = await fetch(suite.url("/api/v1/auth/login"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ program_id: DEMO_PROGRAM, username, password }),
    });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { token: string }).token;
    return async (method: string, path: string, body?: unknown) => {
      const r = await fetch(suite.url(`${BASE}${path}`), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
  }

  it("files with the child's ID number and the proof; approved once the counter checks it", async () => {
    expect(child, "household 0 has a minor child").toBeDefined();
    const page = suite.page;
    await page.goto(suite.url("/login"));
    await page.getByLabel("账号").fill("demo-resident");
    await page.getByLabel("密码").fill("demo-resident-2023");
    await page.getByLabel("密码").press("Enter");
    await page.waitForURL(/\/policies$/);

    await page.goto(suite.url("/claims"));
    await page.getByRole("link", { name: "票据理赔（拍照上传发票）" }).click();
    // The child is not among the people the parent paid for: only the guardian's choice reaches them.
    const person = page.getByLabel("就诊人", { exact: true });
    expect(await person.locator("option").allTextContents(), String(child?.name)).not.toContain(child?.name);
    await person.selectOption({ label: "为未成年子女（单位或慈善投保）申请" });
    await page.getByText(/可以监护人身份为未满 18 周岁的子女申请/).waitFor();
    await page.getByLabel("子女的医保人员编号").fill(child?.psnNo as string);
    await page.getByLabel("子女身份证号").fill(child?.certno as string);
    await page.getByLabel("您与子女的关系").selectOption({ label: "父母" });
    expect(await page.getByLabel("上传监护关系证明（拍照或选择文件）").getAttribute("capture")).toBe(
      "environment",
    );
    await page
      .getByLabel("上传监护关系证明（拍照或选择文件）")
      .setInputFiles({ name: "hukou.jpg", mimeType: "image/jpeg", buffer: JPEG });
    await page
      .getByLabel("参保类型")
      .selectOption(child?.insutype === "310" ? "职工基本医疗保险" : "城乡居民基本医疗保险");
    await page.getByLabel("结算单号").fill("H5-GUARD-1");
    await page.getByLabel("定点医药机构编号").fill(DEMO_HOSPITAL.code);
    await page.getByLabel("入院（就诊）日期").fill("2023-10-08");
    await page.getByLabel("出院结算日期").fill("2023-10-10");
    await page.getByLabel("医疗费用总额（元）").fill("100000");
    await page.getByLabel("医保基金支付合计（元）").fill("60000");
    await page.getByLabel("全自费金额（元）").fill("10000");
    await suite.expectAccessible("guardian-form");
    await page.getByRole("button", { name: "提交理赔申请" }).click();

    await page.getByRole("heading", { name: "请补充材料" }).waitFor();
    const caseId = /\/claims\/counter\/([^/?]+)$/.exec(page.url())?.[1] as string;
    expect(caseId).toBeTruthy();
    await page.getByText("您以监护人身份为子女申请，监护关系证明待审核人员核验。").waitFor();
    await page.getByText(/监护关系证明 ·/).waitFor();
    await page
      .getByLabel("上传医疗费用发票（拍照或选择文件）")
      .setInputFiles({ name: "invoice.jpg", mimeType: "image/jpeg", buffer: JPEG });
    await page.getByText(/医疗费用发票 ·/).waitFor();
    await page
      .getByLabel("上传医保结算单（拍照或选择文件）")
      .setInputFiles({ name: "sheet.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByText(/医保结算单 ·/).waitFor();
    expect(await page.getByRole("heading", { name: "请补充材料" }).count()).toBe(0);
    await suite.expectAccessible("guardian-documents");

    const resident = await apiAs("demo-resident", "demo-resident-2023");
    const filed = await resident("GET", `/counter-claims/${caseId}`);
    expect(filed.body.psn_no).toBe(child?.psnNo);
    expect(filed.body.guardian).toMatchObject({ relation: "parent", verified: false });
    expect((filed.body.documents as { doc_kind: string }[]).map((d) => d.doc_kind).sort()).toEqual([
      "guardianship",
      "invoice",
      "settlement_sheet",
    ]);

    // The counter may not approve before confirming the proof was checked; then it does.
    const operator = await apiAs("demo-operator", "demo-operator-2023");
    const unchecked = await operator("POST", `/counter-claims/${caseId}/decision`, { decision: "approve" });
    expect(unchecked.status).toBe(400);
    expect(unchecked.body.error).toMatchObject({ field: "guardianship_checked" });

    const desk = await desktopPage(suite.browser);
    await desk.goto(suite.url("/console/login"));
    await desk.getByLabel("账号").fill("demo-operator");
    await desk.getByLabel("密码").fill("demo-operator-2023");
    await desk.getByRole("button", { name: "登录" }).click();
    await desk
      .getByRole("navigation", { name: "控制台菜单" })
      .getByRole("link", { name: "理赔审核" })
      .click();
    await desk.getByRole("button", { name: `审核 ${caseId}` }).click();
    const card = desk.getByRole("region", { name: `案件 ${caseId}` });
    await card.waitFor();
    await card.getByText("申请人自述为监护人（父母，待核验监护关系证明）", { exact: false }).waitFor();
    await card.getByRole("link", { name: "查看 监护关系证明" }).waitFor();
    await card.getByRole("button", { name: "分配给我" }).click();
    await card.getByText("已分配给你。").waitFor();
    await card.getByLabel("批准", { exact: true }).check();
    await card.getByRole("button", { name: "提交决定" }).click();
    await card.getByText(/请先核验监护关系证明/).waitFor();
    await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("审核中");
    await screenshot(desk, "h5-guardian-console-unchecked");
    const violations = await axeViolations(desk);
    expect(violations, formatViolations(violations)).toEqual([]);
    await card.getByLabel(/已核验监护关系证明/).check();
    await card.getByRole("button", { name: "提交决定" }).click();
    await card.getByText("决定已提交。").waitFor();
    await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("已批准赔付");
    await card.getByText(/监护关系证明已于 .* 核验/).waitFor();
    await screenshot(desk, "h5-guardian-console-approved");
    await desk.context().close();
    const decided = await operator("GET", `/counter-claims/${caseId}`);
    expect(decided.body.status).toBe("approved");
    expect(decided.body.guardian).toMatchObject({ verified: true });

    await page.reload();
    await page.getByText("审核通过").first().waitFor();
    await page.getByText("监护关系证明已核验。").waitFor();
    await suite.expectAccessible("guardian-approved");
  });
});
