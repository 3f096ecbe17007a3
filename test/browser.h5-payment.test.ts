/**
 * Issue 14, the resident pays from the 医保个人账户 on the phone (375 px), each journey ending in a state checked
 * through the API: (1) a resident enrolls choosing the personal account — the order is a pre-authorization, the
 * bureau's deduction (the sandbox's, here) issues the policy; (2) a resident who paid online switches to the
 * personal account — once the deduction succeeds the online payment goes back (seed 004), and the policy's
 * payment history says so; the deduction's result arrives as a message (badge, list). Screenshots of each end state go to test-results/browser/.
 */
import { describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { DEMO_NOW, DEMO_PROGRAM, demoPopulation, seedDemo } from "../src/services/demo-seed.js";
import { enroll } from "../src/services/enrollment.js";
import { sandboxPay } from "../src/services/payments/index.js";
import { createUser } from "../src/services/users.js";
import { browserAvailability, browserSuite, phonePage, screenshot } from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 60;
const { chromium, skip } = browserAvailability("browser.h5-payment");
const BASE = `/api/v1/programs/${DEMO_PROGRAM}`;
/** A resident of the demo roster outside the demo login's household, who pays online first. */
const SWITCHER = { username: "h5-switcher", password: "switcher-pass-2023" } as const;

describe.skipIf(skip)("resident H5: paying from the 医保个人账户", () => {
  let platform: TestPlatform;
  // The demo seed pays online for the first five such persons: take one after them.
  const switcher = demoPopulation(PERSONS)
    .filter((p) => p.household > 0 && p.unitCode === "" && p.cohort === "")
    .at(-1);
  let switcherPolicy = "";

  const suite = browserSuite({
    name: "h5-payment",
    chromium,
    viewport: "phone",
    setup: async () => {
      // The screens are under test; the payment services run on both back ends in payments.test.ts.
      platform = await openTestPlatform("pglite", { now: DEMO_NOW });
      await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
      const psnNo = switcher?.psnNo as string;
      await createUser(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        role: "resident",
        psnNo,
        ...SWITCHER,
      });
      const paidOnline = await enroll(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "individual",
        psnNo,
        channel: "cash",
      });
      await sandboxPay(platform.ctx, paidOnline.payment.order_no);
      switcherPolicy = paidOnline.policies[0]?.policy_no as string;
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  async function signIn(page: import("playwright-core").Page, username: string, password: string) {
    await page.goto(suite.url("/login"));
    await page.getByLabel("账号").fill(username);
    await page.getByLabel("密码").fill(password);
    await page.getByLabel("密码").press("Enter");
    await page.waitForURL(/\/policies$/);
  }

  /** The API as a resident, for the end state. */
  async function apiAs(username: string, password: string) {
    const res = await fetch(suite.url("/api/v1/auth/login"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ program_id: DEMO_PROGRAM, username, password }),
    });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { token: string }).token;
    return async (path: string) => {
      const r = await fetch(suite.url(`${BASE}${path}`), { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(200);
      return r.json() as Promise<Record<string, unknown>>;
    };
  }

  it("enrolls choosing the personal account: a scheduled deduction, then the policy", async () => {
    const page = suite.page;
    await signIn(page, "demo-resident", "demo-resident-2023");
    await page.goto(suite.url("/enroll"));
    await page.getByRole("group", { name: "缴费方式" }).waitFor();
    await page.getByLabel("医保个人账户（预约划扣）").check();
    await page.getByText("划扣成功后保单生效").waitFor();
    await page.getByRole("button", { name: /确认投保并预约医保个人账户划扣/ }).click();
    await page.getByText("已预约医保个人账户划扣").first().waitFor();
    await suite.expectAccessible("account-preauthorized");
    const orderNo = /\/pay\/([^/?]+)/.exec(page.url())?.[1] as string;
    const api = await apiAs("demo-resident", "demo-resident-2023");
    expect((await api(`/payments/${orderNo}`)).status).toBe("preauthorized");

    await page.getByRole("button", { name: "模拟医保局划扣成功（演示环境）" }).click();
    await page.getByText("支付成功").waitFor();
    await suite.expectAccessible("account-paid");
    const order = await api(`/payments/${orderNo}`);
    expect(order.status).toBe("paid");
    expect(order.channel).toBe("personal_account");

    // The deduction's result is a message: a badge on the tab bar, the list, then no badge.
    const tabs = page.getByRole("navigation", { name: "主导航" });
    await page.goto(suite.url("/policies"));
    await tabs.getByRole("status", { name: "1 条未读消息" }).waitFor();
    await tabs.getByRole("link", { name: /消息/ }).click();
    await page.getByRole("heading", { name: "医保个人账户划扣成功" }).waitFor();
    await suite.expectAccessible("messages");
    await expect.poll(() => tabs.getByRole("status").count()).toBe(0);
    const inbox = await api("/notifications");
    expect((inbox.notifications as { kind: string }[]).map((n) => n.kind)).toContain(
      "payment.personal_account_paid",
    );
  });

  it("switches an online-paid policy to the personal account; the online payment goes back", async () => {
    const page = await phonePage(suite.browser);
    try {
      await signIn(page, SWITCHER.username, SWITCHER.password);
      await page.goto(suite.url(`/policies/${switcherPolicy}`));
      await page.getByRole("heading", { name: "缴费记录" }).waitFor();
      await page.getByText("缴费成功，保单出单（在线支付）").waitFor();
      await page.getByRole("button", { name: "改用医保个人账户缴费" }).click();
      await page.getByText("已预约医保个人账户划扣").first().waitFor();
      await page.getByRole("button", { name: "模拟医保局划扣成功（演示环境）" }).click();
      await page.getByText("支付成功").waitFor();

      await page.goto(suite.url(`/policies/${switcherPolicy}`));
      const history = page.getByRole("region", { name: "缴费记录" });
      await history.getByText(/医保个人账户划扣成功；此前已缴的 .* 元原路退回/).waitFor();
      // Switching again is not offered once the account has paid.
      expect(await page.getByRole("button", { name: "改用医保个人账户缴费" }).count()).toBe(0);
      await screenshot(page, "h5-payment-switched");

      const api = await apiAs(SWITCHER.username, SWITCHER.password);
      const policy = await api(`/policies/${switcherPolicy}`);
      expect(policy.paid_channel).toBe("personal_account");
      const events = (policy.events as { event: string }[]).map((e) => e.event);
      expect(events).toContain("paid_by_personal_account");
    } finally {
      await page.context().close();
    }
  });
});
