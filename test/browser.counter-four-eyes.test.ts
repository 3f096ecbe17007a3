/**
 * Issue 14 journey, desktop: a counter case above the four-eyes threshold. The first operator uploads the
 * invoice and the settlement sheet on the resident's behalf and proposes approval; approving again themself is
 * refused on screen; a second operator approves; the end state is checked through the API. The payout batch
 * pays it, the bureau reads the turnaround (理赔时效) page and the dashboard card, and the resident's H5 shows
 * where the claim stands: 已提交 → 已审核 → 已赔付 with their times. Screenshots go to test-results/browser/.
 */
import { describe, expect, it } from "vitest";
import type { TurnaroundReport } from "../src/contract/turnaround.js";
import { setCounterSettings } from "../src/services/claims/counter/settings.js";
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
import { browserAvailability, browserSuite, chooseOption, phonePage, screenshot } from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const { chromium, skip } = browserAvailability("browser.counter-four-eyes");

const PERSONS = 60;
const BASE = `/api/v1/programs/${DEMO_PROGRAM}`;
const CLAIMANT = { username: "four-eyes-claimant", password: "claimant-pass-2023" } as const;
const SECOND = { username: "counter-op2", password: "counter-op2-2023" } as const;
const claimant = demoPopulation(PERSONS).find(
  (p) => p.unitCode === "" && p.cohort === "" && p.household > 0,
) as DemoPerson;
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF scan")]);
const SETL_ID = "FOUR-EYES-1";

/** A paper settlement sheet: 100000 in all, 60000 by basic insurance → 14,400.00, above the 10,000.00 threshold. */
function counterRecord(person: DemoPerson): Record<string, unknown> {
  return {
    setl_id: SETL_ID,
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

describe.skipIf(skip)(
  "console: a counter claim approved with four eyes, then the resident's timeline",
  () => {
    let platform: TestPlatform;
    const setClock = (beijing: string) => platform.clock.set(`${beijing}+08:00`);

    const suite = browserSuite({
      name: "four-eyes",
      chromium,
      viewport: "desktop",
      setup: async () => {
        platform = await openTestPlatform("pglite", { now: DEMO_NOW });
        await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
        await createUser(platform.ctx, CLI_ACTOR, {
          programId: DEMO_PROGRAM,
          role: "resident",
          psnNo: claimant.psnNo,
          ...CLAIMANT,
        });
        await createUser(platform.ctx, CLI_ACTOR, { programId: DEMO_PROGRAM, role: "operator", ...SECOND });
        await setCounterSettings(platform.ctx, CLI_ACTOR, DEMO_PROGRAM, { fourEyesThreshold: "10000.00" });
        return platform.ctx;
      },
      teardown: async () => {
        await platform?.close();
      },
    });

    async function signIn(username: string, password: string) {
      await suite.page.goto(`${suite.server.url}/console/login`);
      await suite.page.getByLabel("账号").fill(username);
      await suite.page.getByLabel("密码").fill(password);
      await suite.page.getByRole("button", { name: "登录" }).click();
    }
    const menu = () => suite.page.getByRole("navigation", { name: "控制台菜单" });

    async function apiAs(username: string, password: string) {
      const res = await fetch(`${suite.server.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ program_id: DEMO_PROGRAM, username, password }),
      });
      expect(res.status).toBe(200);
      const auth = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
      return async <T = Record<string, unknown>>(
        method: string,
        path: string,
        body?: unknown,
      ): Promise<T> => {
        const r = await fetch(`${suite.server.url}${BASE}${path}`, {
          method,
          headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(r.status, `${method} ${path}`).toBeLessThan(300);
        return (await r.json()) as T;
      };
    }

    /** Opens the case card in the review queue and waits for it. */
    async function openCase(caseId: string) {
      await menu().getByRole("link", { name: "理赔审核" }).click();
      await suite.page.getByRole("button", { name: `审核 ${caseId}` }).click();
      const card = suite.page.getByRole("region", { name: `案件 ${caseId}` });
      await card.waitFor();
      return card;
    }

    it("uploads for the resident, proposes, refuses the same operator, approves with a second one", async () => {
      // The resident brings the paper sheet to the counter; the first operator keys it in.
      setClock("2023-10-20T10:00:00");
      const op1 = await apiAs("demo-operator", "demo-operator-2023");
      const filed = await op1<{ case_id: string }>("POST", "/counter-claims", {
        psn_no: claimant.psnNo,
        record: counterRecord(claimant),
        note: "柜面录入纸质结算单",
      });
      const caseId = filed.case_id;

      setClock("2023-10-20T11:00:00");
      await signIn("demo-operator", "demo-operator-2023");
      const card = await openCase(caseId);
      // The counter scans both documents on the resident's behalf.
      await card.getByLabel("文件（PDF 或照片）").setInputFiles({
        name: "invoice.pdf",
        mimeType: "application/pdf",
        buffer: PDF,
      });
      await card.getByRole("button", { name: "上传单据" }).click();
      await card.getByText("已上传发票。").waitFor();
      await chooseOption(suite.page, card.getByLabel("单据类型"), "结算单");
      await card.getByLabel("文件（PDF 或照片）").setInputFiles({
        name: "sheet.jpg",
        mimeType: "image/jpeg",
        buffer: JPEG,
      });
      await card.getByRole("button", { name: "上传单据" }).click();
      await card.getByText("已上传结算单。").waitFor();

      await card.getByRole("button", { name: "分配给我" }).click();
      await card.getByText("已分配给你。").waitFor();
      await card.getByLabel("批准", { exact: true }).check();
      await card.getByRole("button", { name: "提交决定" }).click();
      await card.getByText("决定已提交。").waitFor();
      await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("待第二人复核");
      await card.getByText(/四眼复核/).waitFor();
      // The same operator cannot countersign: a Chinese error, and the case stays where it was.
      await card.getByRole("button", { name: "提交决定" }).click();
      await card.getByText("超过复核限额的赔付须由另一名经办人员复核批准").waitFor();
      await expect.poll(() => card.getByTestId("case-status").textContent()).toBe("待第二人复核");
      await suite.expectAccessible("proposed");
      await suite.page.getByRole("button", { name: "退出登录" }).click();
      await suite.page.waitForURL(/\/console\/login/);

      // The second operator approves that afternoon.
      setClock("2023-10-20T15:00:00");
      await signIn(SECOND.username, SECOND.password);
      const second = await openCase(caseId);
      await second.getByLabel("批准", { exact: true }).check();
      await second.getByRole("button", { name: "提交决定" }).click();
      await second.getByText("决定已提交。").waitFor();
      await expect.poll(() => second.getByTestId("case-status").textContent()).toBe("已批准赔付");
      expect(await second.getByTestId("case-payout").textContent()).toBe("14,400.00 元");
      await suite.expectAccessible("approved");

      // End state through the API: paid once, two distinct signatures, both documents by the counter.
      const view = await op1<{
        status: string;
        review: { decided_by: string | null; second_approver: string | null } | null;
        payout: { hmb_pay: string; state: string } | null;
        documents: { doc_kind: string }[];
      }>("GET", `/counter-claims/${caseId}`);
      expect(view.status).toBe("approved");
      expect(view.review).toMatchObject({ decided_by: "demo-operator", second_approver: SECOND.username });
      expect(view.payout).toMatchObject({ hmb_pay: "14400.00", state: "settled" });
      expect(view.documents.map((d) => d.doc_kind).sort()).toEqual(["invoice", "settlement_sheet"]);
      const uploads = await op1<{
        total: number;
        entries: { actor: string; detail: { doc_kind: string } }[];
      }>("GET", `/audit?action=counter_claim.document.upload&subject=${caseId}`);
      expect(uploads.entries.map((e) => [e.detail.doc_kind, e.actor]).sort()).toEqual([
        ["invoice", "demo-operator"],
        ["settlement_sheet", "demo-operator"],
      ]);
      await screenshot(suite.page, "four-eyes-end-state");
      await suite.page.getByRole("button", { name: "退出登录" }).click();
      await suite.page.waitForURL(/\/console\/login/);

      // The next morning's resident payout batch pays it.
      setClock("2023-10-21T09:00:00");
      const batch = await op1<{ items: { claims: { setl_id: string }[] }[] }>("POST", "/payout-batches", {
        payee: "resident",
        through: "2023-10-20",
      });
      expect(batch.items.flatMap((i) => i.claims.map((c) => c.setl_id))).toContain(SETL_ID);
    });

    it("shows the bureau the turnaround page and card as the API computes them", async () => {
      const bureau = await apiAs("demo-bureau", "demo-bureau-2023");
      const report = await bureau<TurnaroundReport>("GET", "/claims/turnaround");
      const day = await bureau<TurnaroundReport>("GET", "/claims/turnaround?from=2023-10-20&to=2023-10-20");
      const counter = day.channels.find((c) => c.channel === "counter");
      // Submitted 10:00, decided 15:00 the same day (5 hours), paid the next morning.
      expect(counter?.decided).toMatchObject({ count: 1, same_day: 1, median_hours: 5 });
      expect(counter?.paid).toMatchObject({ count: 1, same_day: 0, within_3_days: 1, median_hours: 23 });
      const pct = (bps: number | null) => (bps === null ? "—" : `${(bps / 100).toFixed(1)}%`);

      await signIn("demo-bureau", "demo-bureau-2023");
      await menu().getByRole("link", { name: "理赔时效", exact: true }).click();
      await suite.page.getByRole("heading", { name: "理赔时效", exact: true }).waitFor();
      await expect
        .poll(() => suite.page.getByTestId("ta-decided-same-day").textContent())
        .toBe(pct(report.total.decided.same_day_bps));
      expect(await suite.page.getByTestId("ta-paid-same-day").textContent()).toBe(
        pct(report.total.paid.same_day_bps),
      );
      await suite.page.getByRole("cell", { name: "柜面理赔" }).waitFor();
      await suite.expectAccessible("turnaround");

      await menu().getByRole("link", { name: "保费与赔付率", exact: true }).click();
      await expect
        .poll(() => suite.page.getByTestId("card-decided-same-day").textContent())
        .toBe(pct(report.total.decided.same_day_bps));
      await suite.page.getByRole("button", { name: "退出登录" }).click();
    });

    it("shows the resident where the claim stands on the H5", async () => {
      const phone = await phonePage(suite.browser);
      try {
        await phone.goto(`${suite.server.url}/login?next=%2Fclaims`);
        await phone.getByLabel("账号").fill(CLAIMANT.username);
        await phone.getByLabel("密码").fill(CLAIMANT.password);
        await phone.getByLabel("密码").press("Enter");
        await phone.waitForURL(/\/claims$/);
        const steps = phone.getByTestId(`timeline-${SETL_ID}`);
        await steps.waitFor();
        await expect
          .poll(async () => (await steps.getByRole("listitem").allTextContents()).map((t) => t.trim()))
          .toEqual(["已提交 · 2023-10-20 10:00", "已审核 · 2023-10-20 15:00", "已赔付 · 2023-10-21 09:00"]);
        await screenshot(phone, "four-eyes-resident-timeline");
      } finally {
        await phone.context().close();
      }
    });
  },
);
