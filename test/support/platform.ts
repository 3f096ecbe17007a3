/**
 * Test platforms on both back ends: PGlite in memory always; a fresh database on the PostgreSQL server
 * when TEST_DATABASE_URL is set (CI sets it). Integration suites run once per back end.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { buildServer } from "../../src/api/server.js";
import { type MovableClock, movableClock, systemClock } from "../../src/platform/clock.js";
import { deriveKeys } from "../../src/platform/crypto.js";
import type { PlatformContext } from "../../src/services/context.js";
import { openPlatform } from "../../src/services/platform.js";

export type BackendName = "pglite" | "postgres";

export const BACKENDS: BackendName[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

/**
 * Browser journeys run once, on the server database when there is one (PostgreSQL, as a city deploys it), else
 * on PGlite. What they check is the screens; the routes and services under them run on both back ends in the
 * API and service tests, so a second browser pass only doubled the suite's longest files.
 */
export const BROWSER_BACKENDS: BackendName[] = [BACKENDS[BACKENDS.length - 1] ?? "pglite"];

/**
 * The test suite's master key: fixed so that a child process (HMB_DATA_KEY) and the test share one key, and
 * random-looking because HMB_DATA_KEY refuses weak keys. Published here, so never a real deployment's key.
 */
export const TEST_DATA_KEY = "vFoq5CN7hP1/ypVsM8T7za+KnnElAisrHirfH9+pvp8=";

export const TEST_KEYS = deriveKeys(Buffer.from(TEST_DATA_KEY, "base64"));

export interface TestPlatform {
  ctx: PlatformContext;
  /**
   * ctx's business clock, which a test moves as an operator restarting with a later HMB_NOW would (e.g. from
   * the enrollment window into the coverage year before settling its stays). Without `now` it follows the
   * real time until first set.
   */
  clock: MovableClock;
  /** The PostgreSQL URL of this test's database (postgres back end only). */
  url: string | undefined;
  close(): Promise<void>;
}

/** The real time until a test pins it with set(). */
function followingSystemClock(): MovableClock {
  let pinned: MovableClock | undefined;
  return {
    now: () => (pinned ?? systemClock).now(),
    set(at) {
      pinned = movableClock(at);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function openTestPlatform(
  backend: BackendName,
  options: { now?: string } = {},
): Promise<TestPlatform> {
  const clock = options.now === undefined ? followingSystemClock() : movableClock(options.now);
  if (backend === "pglite") {
    const ctx = await openPlatform({ url: "", dataDir: "memory", clock, keys: TEST_KEYS });
    return { ctx, clock, url: undefined, close: () => ctx.db.close() };
  }
  const admin = process.env.TEST_DATABASE_URL as string;
  const name = `hmb_t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = withDatabase(admin, name);
  const ctx = await openPlatform({ url, clock, keys: TEST_KEYS });
  return {
    ctx,
    clock,
    url,
    async close() {
      await ctx.db.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function testServer(platform: TestPlatform) {
  return buildServer(platform.ctx, { publicRateLimit: 10_000 });
}
