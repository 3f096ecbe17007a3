import { describe, expect, it } from "vitest";
import { makeCertno, maskCertno } from "../src/domain/certno.js";
import { blindIndex, encrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { browserAvailability, browserSuite } from "./support/browser.js";
import { BROWSER_BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const LAST = "ws-last";
const THIS = "ws-this";
/** In the 文山 product's enrollment window (2023-07-03 – 2023-08-31). */
const IN_WINDOW = "2023-08-01T10:00:00+08:00";
const REGION = "532621";
const PASSWORD = "renew-pass-1";
const FAMILY = [
  { last: "L001", this: "T001", name: "张三", brdy: "1980-05-01", relation: "self" as const },
  { last: "L002", this: "T002", name: "张小明", brdy: "2015-09-10", relation: "child" as const },
];

const { chromium, skip } = browserAvailability("browser.renewal");

describe.skipIf(skip).each(BROWSER_BACKENDS)("resident H5 renewal in Chromium on %s", (backend) => {
  let platform: TestPlatform;

  const suite = browserSuite({
    name: `renewal-${backend}`,
    chromium,
    viewport: "phone",
    setup: async () => {
      platform = await openTestPlatform(backend, { now: IN_WINDOW });
      const { ctx } = platform;
      await createProgram(ctx, CLI_ACTOR, { programId: LAST, productId: "wenshan-2023" });
      await createProgram(ctx, CLI_ACTOR, { programId: THIS, productId: "wenshan-2023", follows: LAST });
      for (const [i, p] of FAMILY.entries()) {
        const certno = makeCertno(REGION, p.brdy.replaceAll("-", ""), 900 + i);
        for (const [program, psnNo] of [
          [LAST, p.last],
          [THIS, p.this],
        ] as const) {
          await ctx.db.query(
            `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend,
               brdy, insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'1',$7,'390',$8)`,
            [
              program,
              psnNo,
              encrypt(ctx.keys, certno),
              blindIndex(ctx.keys, certno),
              maskCertno(certno),
              p.name,
              p.brdy,
              REGION,
            ],
          );
        }
      }
      await createUser(ctx, CLI_ACTOR, {
        programId: THIS,
        username: "zhangsan",
        role: "resident",
        password: PASSWORD,
        psnNo: "T001",
      });
      await enroll(ctx, CLI_ACTOR, {
        programId: LAST,
        kind: "family",
        payerPsnNo: "L001",
        members: FAMILY.map((p) => ({ psnNo: p.last, relation: p.relation })),
        channel: "offline",
      });
      return ctx;
    },
    teardown: async () => {
      await platform?.close();
    },
  });

  const url = suite.url;

  const expectAccessible = suite.expectAccessible;

  it("renews last year's household with one tap and pays", async () => {
    // The program is chosen by ?program= on the sign-in page (then remembered by the H5).
    await suite.page.goto(url(`/login?program=${THIS}&next=/renewal`));
    await suite.page.getByLabel("账号").fill("zhangsan");
    await suite.page.getByLabel("密码").fill(PASSWORD);
    await suite.page.getByLabel("密码").press("Enter");
    await suite.page.waitForURL(/\/renewal$/);
    const card = suite.page.getByRole("region", { name: "一键续保" });
    await card.waitFor();
    const members = card.getByRole("list", { name: "续保成员" });
    await expect
      .poll(() => members.getByRole("listitem").allTextContents())
      .toEqual(["张三（本人） · 连续参保第 2 年69.00 元", "张小明（子女） · 连续参保第 2 年69.00 元"]);
    // Two members at 69 元.
    expect(await card.textContent()).toContain("合计保费：138.00 元");
    await expectAccessible("offer");
    await card.getByRole("button", { name: "一键续保（在线支付）" }).click();
    await suite.page.waitForURL(/\/pay\/PO/);
    await suite.page.getByRole("button", { name: "支付 138.00 元" }).click();
    await suite.page.getByText("支付成功").waitFor();
  });

  it("shows the household insured, and turns 自动续保授权 on and off", async () => {
    await suite.page.goto(url("/renewal"));
    const card = suite.page.getByRole("region", { name: "一键续保" });
    await card.getByText("上一年度投保的成员均已在本年度投保").waitFor();
    expect(await card.getByRole("listitem").allTextContents()).toEqual([
      "张三（本人）本年度已投保",
      "张小明（子女）本年度已投保",
    ]);
    const auth = suite.page.getByRole("region", { name: "自动续保授权" });
    const toggle = auth.getByRole("switch", { name: "开通自动续保" });
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    expect(await auth.getByRole("status").textContent()).toBe("未开通");
    await expectAccessible("authorization-off");
    await toggle.click();
    await expect.poll(() => auth.getByRole("status").textContent()).toContain("已开通");
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    await expectAccessible("authorization-on");
    // Survives a reload: it is stored, not page state.
    await suite.page.reload();
    await expect.poll(() => auth.getByRole("status").textContent()).toContain("已开通");
    await toggle.click();
    await expect.poll(() => auth.getByRole("status").textContent()).toContain("关闭");
    const rows = await platform.ctx.db.query<{ action: string }>(
      "select action from audit_log where program_id = $1 and action in ('renewal.authorize', 'renewal.revoke') order by audit_id",
      [THIS],
    );
    expect(rows.map((r) => r.action)).toEqual(["renewal.authorize", "renewal.revoke"]);
  });
});
