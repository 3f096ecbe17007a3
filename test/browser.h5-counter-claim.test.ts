/**
 * Issue 14, a parent files a receipt claim (票据理赔) for their child from a 375 px phone: keys in the hospital's
 * settlement sheet, photographs the invoice (the camera input, fed a JPEG) and adds the sheet as a PDF; the
 * counter rejects it; the parent sees the reason and a message, appeals within the window — each step's end
 * state checked through the API. Screenshots go to test-results/browser/.
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
import { browserAvailability, browserSuite } from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 60;
const { chromium, skip } = browserAvailability("browser.h5-counter-claim");
const BASE = `/api/v1/programs/${DEMO_PROGRAM}`;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF invoice photo")]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const REJECTION = "发票金额与结算单不一致";

describe.skipIf(skip)("resident H5: a parent's receipt claim for a child, rejected, appealed", () => {
  let platform: TestPlatform;
  const [self, spouse, child] = demoPopulation(PERSONS).filter((p) => p.household === 0);

  const suite = browserSuite({
    name: "h5-counter",
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform("pglite", { now: DEMO_NOW });
      await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
      await enroll(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "family",
        payerPsnNo: self?.psnNo as string,
        members: [
          { psnNo: self?.psnNo as string, relation: "self" },
          { psnNo: spouse?.psnNo as string, relation: "spouse" },
          { psnNo: child?.psnNo as string, relation: "child" },
        ],
        channel: "offline",
      });
      // Into the coverage year: the child's stay was in October.
      platform.clock.set("2023-12-01T10:00:00+08:00");
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
      expect(r.status, `${method} ${path}`).toBeLessThan(300);
      return r.json() as Promise<Record<string, unknown>>;
    };
  }

  it("files for the child with photos, sees the rejection and a message, appeals", async () => {
    const page = suite.page;
    await page.goto(suite.url("/login"));
    await page.getByLabel("账号").fill("demo-resident");
    await page.getByLabel("密码").fill("demo-resident-2023");
    await page.getByLabel("密码").press("Enter");
    await page.waitForURL(/\/policies$/);

    await page.goto(suite.url("/claims"));
    await page.getByRole("link", { name: "票据理赔（拍照上传发票）" }).click();
    await page.getByLabel("就诊人", { exact: true }).selectOption({ label: child?.name as string });
    await page.getByLabel("就诊人身份证号").fill(child?.certno as string);
    await page
      .getByLabel("参保类型")
      .selectOption(child?.insutype === "310" ? "职工基本医疗保险" : "城乡居民基本医疗保险");
    await page.getByLabel("结算单号").fill("H5-COUNTER-1");
    await page.getByLabel("定点医药机构编号").fill(DEMO_HOSPITAL.code);
    await page.getByLabel("入院（就诊）日期").fill("2023-10-08");
    await page.getByLabel("出院结算日期").fill("2023-10-10");
    await page.getByLabel("诊断编码（选填）").fill("J18.900");
    await page.getByLabel("医疗费用总额（元）").fill("100000");
    await page.getByLabel("医保基金支付合计（元）").fill("60000");
    await page.getByLabel("全自费金额（元）").fill("10000");
    await suite.expectAccessible("counter-form");
    await page.getByRole("button", { name: "提交理赔申请" }).click();

    await page.getByRole("heading", { name: "请补充材料" }).waitFor();
    const caseId = /\/claims\/counter\/([^/?]+)$/.exec(page.url())?.[1] as string;
    expect(caseId).toBeTruthy();
    // The phone opens its camera for the photo.
    expect(await page.getByLabel("上传医疗费用发票（拍照或选择文件）").getAttribute("capture")).toBe(
      "environment",
    );
    await page
      .getByLabel("上传医疗费用发票（拍照或选择文件）")
      .setInputFiles({ name: "invoice.jpg", mimeType: "image/jpeg", buffer: JPEG });
    await page.getByText(/医疗费用发票 ·/).waitFor();
    await page
      .getByLabel("上传医保结算单（拍照或选择文件）")
      .setInputFiles({ name: "sheet.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByText(/医保结算单 ·/).waitFor();
    expect(await page.getByRole("heading", { name: "请补充材料" }).count()).toBe(0);
    await suite.expectAccessible("counter-documents");

    const resident = await apiAs("demo-resident", "demo-resident-2023");
    const filed = await resident("GET", `/counter-claims/${caseId}`);
    expect(filed.psn_no).toBe(child?.psnNo);
    expect((filed.documents as { doc_kind: string }[]).map((d) => d.doc_kind).sort()).toEqual([
      "invoice",
      "settlement_sheet",
    ]);

    // The counter rejects it.
    const operator = await apiAs("demo-operator", "demo-operator-2023");
    await operator("POST", `/counter-claims/${caseId}/assign`, {});
    await operator("POST", `/counter-claims/${caseId}/decision`, { decision: "reject", reason: REJECTION });

    await page.reload();
    await page.getByText("未通过").first().waitFor();
    await page.getByText(REJECTION).waitFor();
    await page.getByRole("navigation", { name: "主导航" }).getByRole("status").waitFor();
    await page.getByLabel("复议理由").fill("发票与结算单金额一致，请复核");
    await page.getByRole("button", { name: "提交复议" }).click();
    await page.getByText("复议中").first().waitFor();
    await suite.expectAccessible("counter-appealed");

    const appealed = await resident("GET", `/counter-claims/${caseId}`);
    expect(appealed.status).toBe("appealed");
    const inbox = await resident("GET", "/notifications");
    expect((inbox.notifications as { subject: string }[]).some((n) => n.subject === caseId)).toBe(true);
  });
});
