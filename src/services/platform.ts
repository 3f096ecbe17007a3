/**
 * Opens the platform from the environment: DATABASE_URL / PGlite, HMB_NOW, HMB_DATA_KEY. A PGlite data
 * directory that a running `hmb serve` owns is reached through that server (db/open.ts).
 */
import { type OpenOptions, openDatabase } from "../db/open.js";
import { businessClockFromEnv, type Clock } from "../platform/clock.js";
import { type DataKeys, loadDataKeys } from "../platform/crypto.js";
import type { PlatformContext } from "./context.js";
import { publishShippedProducts } from "./products.js";

export async function openPlatform(
  options: OpenOptions & { clock?: Clock; keys?: DataKeys; env?: NodeJS.ProcessEnv } = {},
): Promise<PlatformContext> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? businessClockFromEnv(env);
  const keys = options.keys ?? loadDataKeys(env);
  const db = await openDatabase(options);
  const ctx: PlatformContext = { db, clock, keys };
  // The shipped products are published on first start (server and CLI alike), so every program pins a
  // stored version; afterwards this is one read of the small product_versions table.
  try {
    await publishShippedProducts(ctx);
  } catch (e) {
    await db.close();
    throw e;
  }
  return ctx;
}
