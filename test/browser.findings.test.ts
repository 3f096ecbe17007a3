/**
 * Issue 14, findings 3 and 6 in a real Chromium at phone size: a revoked one-stop claim shows 已撤销 with its
 * amount struck through and what Huiminbao pays after it (0.00), the hospital by name; after the enrollment
 * window the enroll page says it has closed, with the window's dates. Screenshots go to test-results/browser/.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { revokeClaim } from "../src/services/claims/settle.js";
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
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 60;
const { chromium, skip } = browserAvailability("browser.findings");

describe.skipIf(skip).each(BROWSER_BACKENDS)("issue 14 findings in the H5 on %s", (backend) => {
  let platform: TestPlatform;
  let hospitalSecret: string;
  const self = demoPopulation(PERSONS).filter((p) => p.household === 0)[0];

  const suite = browserSuite({
    name: `findings-${backend}`,
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform(backend, { now: DEMO_NOW });
      const seeded = await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
      hospitalSecret = seeded.hospital.secret as string;
      // The demo resident insured (paid offline at the counter) inside the window.
      await enroll(platform.ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "individual",
        psnNo: self?.psnNo as string,
        channel: "offline",
      });
      return platform.ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  const url = suite.url;
  const expectAccessible = suite.expectAccessible;

  it("shows a revoked claim as 已撤销, its amount struck through, 0.00 paid, the hospital by name", async () => {
    platform.clock.set("2023-12-31T10:00:00+08:00");
    // 100000 in all, 60000 basic insurance, 10000 out of scope: (30000 − 12000) × 80% = 14400 (as the
    // resident suite works it out).
    const body = JSON.stringify({
      setl_id: "FINDINGS-S-1",
      psn_no: self?.psnNo,
      certno: self?.certno,
      insutype: self?.insutype,
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
    });
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
    await revokeClaim(platform.ctx, CLI_ACTOR, DEMO_PROGRAM, "FINDINGS-S-1", "医院冲正重结");

    await suite.page.goto(url("/claims"));
    await suite.page.waitForURL(/\/login\?next=/);
    await suite.page.getByLabel("账号").fill("demo-resident");
    await suite.page.getByLabel("密码").fill("demo-resident-2023");
    await suite.page.getByLabel("密码").press("Enter");
    await suite.page.waitForURL(/\/claims$/);
    const claim = suite.page.getByRole("list", { name: "我的理赔" }).locator(":scope > li");
    await expect.poll(() => claim.count()).toBe(1);
    const text = (await claim.textContent()) ?? "";
    expect(text).toContain("已撤销");
    expect(await claim.locator("del").textContent()).toContain("14,400.00");
    expect(await claim.locator(".big").count()).toBe(0); // no big green payout
    expect(text).toContain("撤销后惠民保实际赔付：0.00");
    // The net effect: the resident bears the whole 40000 burden again (25600 before the revocation).
    expect(text).toContain("惠民保赔付后您支付40,000.00");
    expect(text).not.toContain("25,600.00");
    expect(text).toContain("医院冲正重结");
    expect(text).toContain(DEMO_HOSPITAL.name);
    expect(text).not.toContain(DEMO_HOSPITAL.code);
    await expectAccessible("claim-revoked");
  });

  it("says the enrollment window has closed, with its dates, instead of a form that can only fail", async () => {
    // The clock is past wenshan-2023's window (2023-07-03 … 2023-08-31).
    await suite.page.goto(url("/enroll"));
    await suite.page.getByRole("heading", { name: "本期投保已结束" }).waitFor();
    const notice =
      (await suite.page.getByRole("status").filter({ hasText: "本期投保时间" }).textContent()) ?? "";
    expect(notice).toContain("2023-07-03");
    expect(notice).toContain("2023-08-31");
    expect(await suite.page.getByRole("button", { name: /确认投保/ }).count()).toBe(0);
    await expectAccessible("enroll-closed");
  });
});
