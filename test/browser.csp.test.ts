/**
 * The Content-Security-Policy in a real Chromium (issue 10, finding 6): the resident H5 at `/`, the console
 * at `/console` (signed in, with its ECharts dashboard) and Swagger UI at `/docs` render and work under the
 * policy the server sends, with no CSP violation reported; and a page of this server cannot be framed.
 */
import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import {
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
  desktopPage,
  type LiveServer,
  launchChromium,
  phonePage,
  startServer,
  webBuildForTest,
} from "./support/browser.js";
import { openTestPlatform, type TestPlatform } from "./support/platform.js";

const { chromium, skip } = browserAvailability("browser.csp");

const PERSONS = 60;
/** A resident who paid cash in the demo seed (an active policy), with a login made by this suite. */
const HOLDER = { username: "csp-holder", password: "csp-holder-2023" } as const;
// Swagger UI draws a long list as you scroll: 600 px a step reaches the end of ~140 operations well within this.
const MAX_SCROLL_STEPS = 400;
const holder = demoPopulation(PERSONS).find(
  (p) => p.unitCode === "" && p.cohort === "" && p.household > 0,
) as DemoPerson;

/** Collects every CSP violation a page reports (the DOM event, and Chromium's console line). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__cspViolation", (text: string) => seen.push(text));
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (e) =>
    window.__cspViolation(e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber));`);
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

// PGlite only: the policy is the server's, whatever the database behind it.
describe.skipIf(skip)("Content-Security-Policy in Chromium", () => {
  let platform: TestPlatform;
  let server: LiveServer;
  let browser: Browser;
  let webDir: string | undefined;

  beforeAll(async () => {
    if (chromium === undefined)
      throw new Error("HMB_REQUIRE_BROWSER=1 but no Chromium: apt-get install -y chromium");
    webDir = await webBuildForTest();
    platform = await openTestPlatform("pglite", { now: DEMO_NOW });
    await seedDemo(platform.ctx, { secretsPath: null, persons: PERSONS });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      role: "resident",
      psnNo: holder.psnNo,
      ...HOLDER,
    });
    server = await startServer(platform.ctx, webDir);
    browser = await launchChromium(chromium);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await platform?.close();
    if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  });

  it("renders the resident H5 with no violation, and axe still runs under the policy", async () => {
    const page = await phonePage(browser);
    const violations = await watchViolations(page);
    const res = await page.goto(`${server.url}/`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByRole("heading", { name: "2023年度文山惠民保" }).waitFor();
    expect(await axeViolations(page)).toBeInstanceOf(Array);
    expect(violations).toEqual([]);
    // The watch sees a violation when there is one: an injected inline script is refused and reported.
    await page.evaluate(
      "{ const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }",
    );
    await expect.poll(() => violations.join("\n")).toMatch(/script-src/);
    expect(await page.evaluate<boolean>("window.__ran === 1")).toBe(false);
    await page.context().close();
  });

  it("shows the e-policy certificate (a sandboxed srcdoc frame) under the policy", async () => {
    const page = await phonePage(browser);
    const violations = await watchViolations(page);
    await page.goto(`${server.url}/login`);
    await page.getByLabel("账号").fill(HOLDER.username);
    await page.getByLabel("密码").fill(HOLDER.password);
    await page.getByLabel("密码").press("Enter");
    await page.waitForURL(/\/policies$/);
    await page.getByRole("link", { name: "电子保单" }).first().click();
    await page.getByRole("heading", { name: "电子保单凭证" }).waitFor();
    const certificate = page.frameLocator('iframe[title="电子保单凭证"]');
    await expect.poll(() => certificate.locator("body").textContent()).toContain(holder.name);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it("renders the console, signs in and draws the dashboard chart with no violation", async () => {
    const page = await desktopPage(browser);
    const violations = await watchViolations(page);
    await page.goto(`${server.url}/console/login`);
    await page.getByLabel("账号").fill("demo-regulator");
    await page.getByLabel("密码").fill("demo-regulator-2023");
    await page.getByRole("button", { name: "登录" }).click();
    await page
      .getByRole("navigation", { name: "控制台菜单" })
      .getByRole("link", { name: "保费与赔付率" })
      .click();
    // ECharts draws into a canvas; antd injects its styles as <style> elements (style-src 'unsafe-inline').
    await page.getByRole("img", { name: /满期赔付率/ }).waitFor({ timeout: 30_000 });
    await page.locator("canvas").first().waitFor({ timeout: 30_000 });
    expect(await page.evaluate<number>("document.querySelectorAll('style').length")).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it("renders Swagger UI at /docs with the operations of the API, with no violation", async () => {
    const page = await desktopPage(browser);
    const violations = await watchViolations(page);
    await page.goto(`${server.url}/docs`);
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 30_000 });
    expect(await page.locator(".swagger-ui .info .title").textContent()).toContain("惠民保平台 API");
    await page.locator(".opblock").first().waitFor();
    // Swagger UI virtualises a long list: only the tags near the viewport are in the page. Scroll to the end and
    // collect every tag heading that came into view; each tag of the document must have been drawn.
    const spec = (await (await fetch(`${server.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const tags = new Set(
      Object.values(spec.paths).flatMap((operations) =>
        Object.values(operations).flatMap((o) => o.tags ?? []),
      ),
    );
    expect(tags.size).toBeGreaterThan(10);
    const drawn = new Set<string>();
    for (let step = 0; step < MAX_SCROLL_STEPS; step++) {
      for (const heading of await page.locator(".opblock-tag").allTextContents())
        drawn.add(heading.trim().split(/\s/)[0] ?? "");
      const atEnd = await page.evaluate<boolean>(
        "window.scrollBy(0, 600), window.innerHeight + window.scrollY >= document.body.scrollHeight - 2",
      );
      await page.waitForTimeout(100);
      if (atEnd && [...tags].every((tag) => drawn.has(tag))) break;
    }
    expect([...tags].filter((tag) => !drawn.has(tag))).toEqual([]);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it("cannot be framed by another site (frame-ancestors 'none', X-Frame-Options: DENY)", async () => {
    const page = await desktopPage(browser);
    // A page of another origin that frames the console (what a clickjacking page does).
    await page.route("http://attacker.test/", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><iframe id="f" src="${server.url}/console/login"></iframe>`,
      }),
    );
    await page.goto("http://attacker.test/");
    const child = page.frames().find((f) => f !== page.mainFrame());
    // Chromium replaces a refused frame with its error page: the console never loads inside it.
    expect(child?.url()).toMatch(/^chrome-error:/);
    await page.context().close();
  });
});
