/**
 * Chooses the back end: DATABASE_URL → PostgreSQL server; otherwise embedded PGlite under ./data/.
 *
 * A PGlite data directory has one owner process (db/data-dir-lock.ts). Opening one that a running
 * `hmb serve` owns reaches that server's database through its local socket, like a PostgreSQL server
 * (`access: "through-owner"`, what CLI commands do); `hmb serve` itself insists on owning the directory
 * (`access: "own"`) and offers the socket (`offerSocket`). Any other live owner is refused in one line.
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireDataDirLock, DataDirBusyError, type DataDirOwner, LOCK_FILE } from "./data-dir-lock.js";
import type { Database } from "./database.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { LOCAL_SOCKET_PORT } from "./pglite-socket.js";
import { openPostgres, openPostgresPool } from "./postgres.js";

export interface OpenOptions {
  /** postgres://… ; when absent, PGlite. */
  url?: string | undefined;
  /** PGlite data directory; "memory" for an in-memory database. Default ./data/pgdata. */
  dataDir?: string | undefined;
  /** When another process owns the PGlite directory: go through its socket (default), or refuse ("own"). */
  access?: "through-owner" | "own";
  /** Offer this process's PGlite database to local commands over a Unix socket (hmb serve). */
  offerSocket?: boolean;
  /** Recorded in the lock, shown to whoever is refused: what this process is. */
  command?: string;
}

/** The PGlite data directory in use when no DATABASE_URL is set (HMB_DATA_DIR, default data/pgdata). */
export function pgliteDataDir(dataDir?: string): string {
  return resolve(dataDir || process.env.HMB_DATA_DIR || "data/pgdata");
}

/** Bytes per COPY over the embedded server's socket (it collects each COPY before running it). */
const SOCKET_COPY_BATCH = 8 << 20;
/** How long a command retries when the owner is between states (starting its socket, just exiting). */
const OWNER_SETTLE_MS = 5_000;

function busyMessage(dataDir: string, owner: DataDirOwner, access: "through-owner" | "own"): string {
  const who = `进程 ${owner.pid}（${owner.command}${owner.since === "" ? "" : `，${owner.since} 起`}）`;
  if (owner.host !== hostname())
    return `数据目录 ${dataDir} 已被主机 ${owner.host} 上的${who}锁定；若确认它已停止，删除 ${join(dataDir, LOCK_FILE)} 后重试`;
  if (access === "own")
    return `数据目录 ${dataDir} 正由${who}使用：同一数据目录只能由一个进程打开，请先停止它（或用 HMB_DATA_DIR 指定另一个目录）`;
  return `数据目录 ${dataDir} 正由${who}使用，它不接受本地连接：请等它结束后再运行`;
}

async function openPgliteDirectory(dataDir: string, options: OpenOptions): Promise<Database> {
  const access = options.access ?? "through-owner";
  const deadline = Date.now() + OWNER_SETTLE_MS;
  for (;;) {
    const got = acquireDataDirLock(dataDir, options.command ?? commandLine());
    if ("lock" in got) {
      const db = await openPglite(dataDir, got.lock);
      try {
        await migrate(db);
        if (options.offerSocket === true) got.lock.offerSocket(await db.serveSocket());
      } catch (e) {
        await db.close();
        throw e;
      }
      return db;
    }
    const owner = got.busy;
    if (access === "through-owner" && owner.socket !== null) {
      try {
        const db = await openPostgresPool(
          { host: owner.socket, port: LOCAL_SOCKET_PORT, user: "postgres", database: "postgres" },
          // One connection: the embedded database runs one statement at a time anyway.
          {
            poolSize: 1,
            namedStatements: false,
            copyBatchBytes: SOCKET_COPY_BATCH,
            cancelOnInterrupt: false,
          },
        );
        await migrate(db);
        return db;
      } catch (e) {
        // The owner may be shutting down (socket gone, lock about to go): look again, briefly.
        if (Date.now() > deadline) throw e;
        await sleep(100);
        continue;
      }
    }
    // A server still starting has the lock but not yet its socket.
    if (access === "through-owner" && owner.command.startsWith("hmb serve") && Date.now() < deadline) {
      await sleep(100);
      continue;
    }
    throw new DataDirBusyError(dataDir, owner, busyMessage(dataDir, owner, access));
  }
}

function commandLine(): string {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  return ["hmb", ...args.slice(0, 2)].join(" ");
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    const db = await openPostgres(url);
    await migrate(db);
    return db;
  }
  if (options.dataDir === "memory") {
    const db = await openPglite(undefined);
    await migrate(db);
    return db;
  }
  return openPgliteDirectory(pgliteDataDir(options.dataDir), options);
}
