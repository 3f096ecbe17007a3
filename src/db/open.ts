/** Chooses the back end: DATABASE_URL → PostgreSQL server; otherwise embedded PGlite under ./data/. */
import { resolve } from "node:path";
import type { Database } from "./database.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

export interface OpenOptions {
  /** postgres://… ; when absent, PGlite. */
  url?: string | undefined;
  /** PGlite data directory; "memory" for an in-memory database. Default ./data/pgdata. */
  dataDir?: string | undefined;
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL;
  const db =
    url !== undefined && url !== ""
      ? await openPostgres(url)
      : await openPglite(
          options.dataDir === "memory"
            ? undefined
            : resolve(options.dataDir ?? process.env.HMB_DATA_DIR ?? "data/pgdata"),
        );
  await migrate(db);
  return db;
}
