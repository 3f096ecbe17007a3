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
import { type Browser, chromium, type Page } from "playwright-core";
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

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
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
