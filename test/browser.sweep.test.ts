/**
 * Issue 14: every console page of every role and every resident H5 route, in Chinese, with the demo's data on
 * screen — no visible raw code (an English enum value such as `self`, `standard`, `cash`, a snake_case field
 * or status name such as `counter_submitted`, `roster_persons`, or a leaked `undefined` / `NaN`) and no error
 * in the browser console. The console's menu is read from the page itself, so a page added to the registry
 * is swept without touching this file. Screenshots of every page go to test-results/browser/.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { DEMO_NOW, DEMO_PROGRAM, demoPopulation, seedDemo } from "../src/services/demo-seed.js";
import { enroll } from "../src/services/enrollment.js";
import { browserAvailability, browserSuite, desktopPage, phonePage, screenshot } from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const PERSONS = 80;
const { chromium, skip } = browserAvailability("browser.sweep");

/**
 * Words that are raw codes when a person reads them on a Chinese screen: the platform's enum values and the
 * leftovers of a value rendered without its label. Product and method names written in Latin letters on
 * purpose (PDF, Excel, ICD-10, IBNR, Mack, B-F法) are not in it.
 */
const RAW_WORDS = [
  "self",
  "spouse",
  "child",
  "parent",
  "standard",
  "basic",
  "upgraded",
  "cash",
  "offline",
  "online",
  "charity",
  "individual",
  "family",
  "unit",
  "pending",
  "paid",
  "active",
  "cancelled",
  "refunded",
  "submitted",
  "approved",
  "rejected",
  "revoked",
  "operator",
  "resident",
  "regulator",
  "bureau",
  "true",
  "false",
  "null",
  "undefined",
  "NaN",
  "Invalid Date",
];
const RAW_WORD = new RegExp(`(?<![\\w-])(${RAW_WORDS.join("|")})(?![\\w-])`);
/** A snake_case identifier (`counter_submitted`, `roster_persons`, `psn_part_amt`) or an i18n key path. */
const IDENTIFIER = /(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])/;

/** Raw codes visible on the page (its rendered text, not attributes), with a little context each. */
async function rawCodesOn(page: Page): Promise<string[]> {
  const text = await page.evaluate<string>("document.body.innerText");
  const found: string[] = [];
  for (const line of text.split("\n")) {
    const m = RAW_WORD.exec(line) ?? IDENTIFIER.exec(line);
    if (m !== null) found.push(`「${m[0]}」 in: ${line.trim().slice(0, 80)}`);
  }
  return found;
}

/** Errors the page writes to the browser console or throws, collected from now on. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** How long no request may be in flight before a page counts as having fetched its data. */
const QUIET_MS = 150;
/** Requests in flight per page, counted from the page's own events (see `watchRequests`). */
const inFlight = new WeakMap<Page, { count: number }>();

/** Counts the page's requests in flight, so that `settled` need not wait Playwright's fixed 500 ms networkidle. */
function watchRequests(page: Page): void {
  const state = { count: 0 };
  inFlight.set(page, state);
  page.on("request", () => {
    state.count++;
  });
  const done = () => {
    state.count = Math.max(0, state.count - 1);
  };
  page.on("requestfinished", done);
  page.on("requestfailed", done);
}

/** Until the page has fetched its data and drawn it: no request in flight for QUIET_MS, no loading indicator left. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState("load");
  const state = inFlight.get(page);
  if (state === undefined) await page.waitForLoadState("networkidle");
  else
    for (let quietSince = -1; ; ) {
      await page.waitForTimeout(25);
      const now = performance.now();
      if (state.count > 0) quietSince = -1;
      else if (quietSince < 0) quietSince = now;
      else if (now - quietSince >= QUIET_MS) break;
    }
  await page.getByRole("status").filter({ hasText: "正在加载" }).first().waitFor({ state: "detached" });
}

const CONSOLE_LOGINS = [
  ["admin", "demo-admin", "demo-admin-2023"],
  ["operator", "demo-operator", "demo-operator-2023"],
  ["co-insurer", "demo-insurer", "demo-insurer-2023"],
  ["bureau", "demo-bureau", "demo-bureau-2023"],
  ["regulator", "demo-regulator", "demo-regulator-2023"],
  ["charity", "demo-charity", "demo-charity-2023"],
] as const;

describe.skipIf(skip)("every screen in Chinese, no raw code, no console error", () => {
  let platform: TestPlatform;
  const self = demoPopulation(PERSONS).filter((p) => p.household === 0)[0];

  const suite = browserSuite({
    name: "sweep",
    chromium,
    viewport: "desktop",
    setup: async () => {
      // The screens, not the back end, are under test here: one back end is enough.
      platform = await openTestPlatform("pglite", { now: DEMO_NOW });
      await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
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

  it.each(CONSOLE_LOGINS)("console as %s: every menu page", async (role, username, password) => {
    const page = await desktopPage(suite.browser);
    const errors = watchErrors(page);
    watchRequests(page);
    try {
      await page.goto(suite.url("/console/login"));
      await page.getByLabel("账号").fill(username);
      await page.getByLabel("密码").fill(password);
      await page.getByRole("button", { name: "登录" }).click();
      const menu = page.getByRole("navigation", { name: "控制台菜单" });
      await menu.waitFor();
      const links = await menu.getByRole("link").allTextContents();
      expect(links.length).toBeGreaterThan(1);
      const problems: string[] = [];
      for (const [i, name] of links.entries()) {
        await menu.getByRole("link", { name, exact: true }).click();
        await settled(page);
        await screenshot(page, `sweep-console-${role}-${i}`, { fullPage: false });
        for (const p of await rawCodesOn(page)) problems.push(`${name}: ${p}`);
      }
      expect(problems).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("resident H5: every route", async () => {
    const page = await phonePage(suite.browser);
    const errors = watchErrors(page);
    watchRequests(page);
    try {
      const problems: string[] = [];
      const visit = async (path: string, shot: string) => {
        await page.goto(suite.url(path));
        await settled(page);
        await screenshot(page, `sweep-h5-${shot}`, { fullPage: false });
        for (const p of await rawCodesOn(page)) problems.push(`${path}: ${p}`);
      };
      await visit("/", "home");
      await visit("/calculator", "calculator");
      await visit("/login", "login");
      await page.getByLabel("账号").fill("demo-resident");
      await page.getByLabel("密码").fill("demo-resident-2023");
      await page.getByLabel("密码").press("Enter");
      await page.waitForURL(/\/policies$/);
      const policyLink = page.getByRole("link", { name: "电子保单" }).first();
      await policyLink.waitFor();
      const policyPath = (await policyLink.getAttribute("href")) as string;
      expect(policyPath).toMatch(/^\/policies\/[^/]+$/);
      for (const [path, shot] of [
        ["/eligibility", "eligibility"],
        ["/enroll", "enroll"],
        ["/policies", "policies"],
        [policyPath, "policy"],
        [`${policyPath}/cancel`, "cancel"],
        ["/claims", "claims"],
        ["/claims/online", "online-claim"],
        ["/renewal", "renewal"],
        ["/services", "services"],
        ["/aid", "aid"],
      ] as const)
        await visit(path, shot);
      expect(problems).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("the sweep sees a raw code when one is on screen", async () => {
    const page = await phonePage(suite.browser);
    try {
      await page.goto(suite.url("/"));
      await settled(page);
      expect(await rawCodesOn(page)).toEqual([]);
      await page.evaluate(
        "document.body.append(Object.assign(document.createElement('p'), { textContent: '与投保人关系 self' }))",
      );
      await page.evaluate(
        "document.body.append(Object.assign(document.createElement('p'), { textContent: '状态 counter_submitted' }))",
      );
      const found = await rawCodesOn(page);
      expect(found.join("\n")).toContain("「self」");
      expect(found.join("\n")).toContain("「counter_submitted」");
    } finally {
      await page.context().close();
    }
  });
});
