/**
 * Browser tests: the system Chromium (Debian's `chromium`, /usr/bin/chromium) driven by playwright-core,
 * a real server on a free loopback port, axe-core injected into each page for accessibility checks, and a
 * screenshot of every page under test-results/. Playwright's own browser download is not used.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { buildServer } from "../../src/api/server.js";
import type { PlatformContext } from "../../src/services/context.js";

const ROOT = resolve(import.meta.dirname, "../..");
export const RESULTS_DIR = join(ROOT, "test-results", "browser");

/**
 * The Chromium to drive: HMB_CHROMIUM when set (a path that does not exist means "none", to try the skip),
 * else the usual system locations; undefined when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.HMB_CHROMIUM;
  if (chosen !== undefined && chosen !== "") return existsSync(chosen) ? chosen : undefined;
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((c) =>
    existsSync(c),
  );
}

/**
 * Whether this run has browser tests: yes with a Chromium; without one they are skipped with a clear
 * message, unless HMB_REQUIRE_BROWSER=1 (CI), where a missing Chromium fails the run.
 */
export function browserAvailability(suite: string): { chromium: string | undefined; skip: boolean } {
  const found = findChromium();
  if (found === undefined && process.env.HMB_REQUIRE_BROWSER !== "1") {
    console.warn(
      `[${suite}] SKIPPED: no Chromium found (install Debian's chromium: apt-get install -y chromium, or set HMB_CHROMIUM).`,
    );
  }
  return { chromium: found, skip: found === undefined && process.env.HMB_REQUIRE_BROWSER !== "1" };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The front ends' build for this test run: dist/web, rebuilt when missing or older than a source file
 * (npm install builds it), then copied to a private directory so that a concurrent `npm run build` cannot
 * empty it under a running test. Returns that directory (give it to startServer).
 */
export async function webBuildForTest(): Promise<string> {
  const dist = join(ROOT, "dist", "web");
  const index = join(dist, "index.html");
  if (!existsSync(index) || statSync(index).mtimeMs < newestMtime(join(ROOT, "web"))) await buildWeb();
  const copy = mkdtempSync(join(tmpdir(), "hmb-web-"));
  cpSync(dist, copy, { recursive: true });
  return copy;
}

async function buildWeb(): Promise<void> {
  const { build } = await import("vite");
  // Vitest sets NODE_ENV=test, which Vite would honour with React's development build: build for production.
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: join(ROOT, "web", "vite.config.ts"), mode: "production", logLevel: "warn" });
  } finally {
    process.env.NODE_ENV = saved;
  }
}

export interface LiveServer {
  app: FastifyInstance;
  url: string;
}

/** The real server on a free port of 127.0.0.1, serving the front ends from `webDir`. */
export async function startServer(ctx: PlatformContext, webDir: string): Promise<LiveServer> {
  process.env.HMB_WEB_DIR = webDir; // this test file's process only (vitest pool: forks)
  const app = await buildServer(ctx, { publicRateLimit: 10_000 });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url: address };
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A phone-sized page (375 × 812, like an iPhone X), Chinese locale, Beijing time. */
export async function phonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  return context.newPage();
}

/** A desk-sized page for the console. */
export async function desktopPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  return context.newPage();
}

/** Removes this suite's screenshots of an earlier run, so test-results/ shows this run only. */
export function clearScreenshots(prefix: string): void {
  if (!existsSync(RESULTS_DIR)) return;
  for (const f of readdirSync(RESULTS_DIR)) if (f.startsWith(prefix)) rmSync(join(RESULTS_DIR, f));
}

export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage: boolean } = { fullPage: true },
): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage });
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's WCAG 2.1 A/AA rules on the current page; returns the violations (empty = pass). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, not as an inline <script>: the server's CSP (script-src 'self')
  // rightly refuses inline scripts, and the pages are tested under their real policy.
  if (!(await page.evaluate<boolean>('"axe" in window'))) await page.evaluate(AXE_SOURCE);
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  return page.evaluate<AxeViolation[]>(`(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
    }));
  })()`);
}

/** A readable summary of axe violations for an assertion message. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(", ")}`).join("\n");
}

/** Seeding a platform and starting Chromium: the demo seed on PostgreSQL takes a while on two busy cores. */
const SUITE_SETUP_TIMEOUT_MS = 300_000;

export interface BrowserSuiteOptions {
  /** Screenshot prefix, e.g. `console-pglite`: this suite's earlier screenshots are removed first. */
  name: string;
  chromium: string | undefined;
  viewport: "phone" | "desktop";
  /** Opens and seeds the platform; returns the context the server serves. */
  setup: () => Promise<PlatformContext>;
  /** Closes what `setup` opened (after the browser and the server). */
  teardown: () => Promise<void>;
}

/** What a browser test file works with, ready once its `beforeAll` has run. */
export interface BrowserSuite {
  readonly server: LiveServer;
  readonly browser: Browser;
  /** The suite's page (phone or desktop, per the options). */
  readonly page: Page;
  url(path: string): string;
  /** Screenshot under `name`, then axe: no WCAG 2.1 A/AA violation; on a phone, nothing wider than the screen. */
  expectAccessible(name: string): Promise<void>;
}

/**
 * Registers one browser suite's lifecycle in the calling `describe`: the front-end build, the seeded platform,
 * the real server, Chromium and a page; a failed test leaves a screenshot named after it; everything is closed
 * afterwards. The one copy of what every browser test file used to write out for itself.
 */
export function browserSuite(options: BrowserSuiteOptions): BrowserSuite {
  let server: LiveServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let webDir: string | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`browser suite ${options.name}: no ${what} (beforeAll failed)`);
    return value;
  };

  beforeAll(async () => {
    if (options.chromium === undefined)
      throw new Error("HMB_REQUIRE_BROWSER=1 but no Chromium: apt-get install -y chromium");
    clearScreenshots(`${options.name}-`);
    webDir = await webBuildForTest();
    const ctx = await options.setup();
    server = await startServer(ctx, webDir);
    browser = await launchChromium(options.chromium);
    page = options.viewport === "phone" ? await phonePage(browser) : await desktopPage(browser);
  }, SUITE_SETUP_TIMEOUT_MS);

  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page !== undefined)
      await screenshot(page, `${options.name}-FAILED-${task.name.slice(0, 40).replaceAll(/\W+/g, "-")}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await options.teardown();
    if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  });

  return {
    get server() {
      return ready(server, "server");
    },
    get browser() {
      return ready(browser, "browser");
    },
    get page() {
      return ready(page, "page");
    },
    url: (path) => `${ready(server, "server").url}${path}`,
    async expectAccessible(name) {
      const p = ready(page, "page");
      await screenshot(p, `${options.name}-${name}`);
      const violations = await axeViolations(p);
      expect(violations, formatViolations(violations)).toEqual([]);
      if (options.viewport === "phone") {
        // Works at 375 px: nothing wider than the screen.
        const overflow = await p.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
        expect(overflow).toBeLessThanOrEqual(0);
      }
    },
  };
}

/** How long an antd Select gets to show the chosen value and fold its list away. */
const SELECT_SETTLE_MS = 5_000;
const SELECT_ATTEMPTS = 3;

/**
 * Chooses `title` in an antd Select. A click that lands while the list is still animating in is dropped by
 * antd and leaves the list open over the form (it then swallows the next click), so the choice is checked on
 * the select itself, retried, and the list is closed before returning.
 */
export async function chooseOption(page: Page, select: Locator, title: string): Promise<void> {
  const shown = select.locator("xpath=ancestor-or-self::*[contains(@class,'ant-select ')][1]");
  for (let attempt = 1; ; attempt++) {
    if (!(await page.locator(".ant-select-dropdown:visible").count())) await select.click();
    const option = page.locator(`.ant-select-item-option[title="${title}"]:visible`);
    await option.waitFor();
    await option.click();
    try {
      await expect.poll(() => shown.textContent(), { timeout: SELECT_SETTLE_MS }).toContain(title);
      break;
    } catch (error) {
      if (attempt >= SELECT_ATTEMPTS) throw error;
    }
  }
  const open = page.locator(".ant-select-dropdown:visible");
  if (await open.count()) await page.keyboard.press("Escape");
  await open
    .first()
    .waitFor({ state: "hidden", timeout: SELECT_SETTLE_MS })
    .catch(() => undefined);
}
