/**
 * Embedded PostgreSQL (PGlite, WebAssembly) — the default back end, data under ./data/ unless told
 * otherwise. A data directory is opened by one process at a time (db/data-dir-lock.ts, taken by
 * db/open.ts); the process that serves HTTP also offers the database to local CLI commands over a socket
 * (db/pglite-socket.ts). In-process work and those clients take turns on the one backend (SessionGate).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from "./copy-binary.js";
import type { DataDirLock } from "./data-dir-lock.js";
import { type Database, DatabaseError, type Queryable, type SqlParam } from "./database.js";
import { type PgliteSocketServer, servePgliteSocket } from "./pglite-socket.js";
import { ADMIN_SHUTDOWN, SessionGate } from "./session-gate.js";

/**
 * The embedded backend's memory settings. Its WebAssembly heap only ever grows (linear memory is never
 * given back), and PostgreSQL's shared memory sits inside it, touched at start: the stock 128 MB of
 * shared_buffers was about a third of the demo server's resident size (≈ 400 MB on a restart). The
 * operating system's page cache holds the data files anyway (PGlite reads them through ordinary file
 * calls), so a small buffer pool costs a system call per page missed, not a disk read. maintenance_work_mem
 * bounds what an index build may take into that heap for good; work_mem stays at PostgreSQL's 4 MB.
 */
export const PGLITE_MEMORY_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  maintenance_work_mem: "16MB",
  temp_buffers: "2MB",
};

const execFileAsync = promisify(execFile);

const START_PARAMS = [
  ...PGlite.defaultStartParams,
  ...Object.entries(PGLITE_MEMORY_SETTINGS).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
];

/** initdb of a new data directory, run by `node -e` (initDataDir); argv: PGlite module, directory, params. */
const INITDB_SCRIPT = `
const [pglite, dataDir, startParams] = process.argv.slice(1);
require(pglite).PGlite.create(dataDir, { startParams: JSON.parse(startParams) }).then((db) => db.close());`;

/**
 * Creates a new data directory (initdb) in a child process. PGlite's initdb runs two more WebAssembly
 * instances beside the one that serves, each with its own heap and compiled code, and leaves them to the
 * garbage collector — which an idle server never runs: a server's first start stayed at about 850 MB.
 * Even collected, the compilers' scratch memory stays with the C allocator; a process of its own gives
 * everything back when it exits.
 */
async function initDataDir(dataDir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  try {
    await execFileAsync(process.execPath, [
      "-e",
      INITDB_SCRIPT,
      pglite,
      dataDir,
      JSON.stringify(START_PARAMS),
    ]);
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? "";
    throw new Error(`initdb of ${dataDir} failed: ${stderr.trim() || String(e)}`);
  }
}

function wrap(q: { query: PGlite["query"] }, gate: SessionGate): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      // A transaction still running when the server shuts down stops at its next statement (rolled back).
      if (gate.closed) throw new DatabaseError("数据库正在关闭", ADMIN_SHUTDOWN);
      const result = await q.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
  };
}

export interface PgliteDatabase extends Database {
  readonly kind: "pglite";
  /** Offers the database on a Unix socket (in the data directory); returns the socket's directory. */
  serveSocket(): Promise<string>;
}

/** `dataDir` undefined = in memory (tests). `lock`: the directory's lock, released on close. */
export async function openPglite(dataDir?: string, lock?: DataDirLock): Promise<PgliteDatabase> {
  let db: PGlite;
  try {
    if (dataDir !== undefined) {
      mkdirSync(dataDir, { recursive: true });
      if (!existsSync(join(dataDir, "PG_VERSION"))) await initDataDir(dataDir);
    }
    db = await PGlite.create(dataDir, { startParams: START_PARAMS });
  } catch (e) {
    lock?.release();
    throw e;
  }
  const gate = new SessionGate();
  const base = wrap(db, gate);
  let socket: PgliteSocketServer | undefined;
  let closed: Promise<void> | undefined;
  const interrupt = async () => {
    gate.close();
    await socket?.close();
  };
  return {
    kind: "pglite",
    query<Row>(sql: string, params?: readonly SqlParam[]) {
      return gate.run(() => base.query<Row>(sql, params));
    },
    groupCommit<Row>(sql: string, params?: readonly SqlParam[]) {
      return gate.run(() => base.query<Row>(sql, params));
    },
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return gate.run(() => db.transaction(async (tx) => work(wrap(tx, gate))));
    },
    exec(sql: string) {
      return gate.run(async () => {
        await db.exec(sql);
      });
    },
    copyBinary(table, columns, chunks) {
      // PGlite reads COPY input from a Blob: one COPY per few MB of tuples keeps memory bounded. The gate is
      // taken per COPY, not while the caller produces the tuples (an upload may be slow).
      return (async () => {
        let total = 0;
        let pending: Uint8Array[] = [];
        let bytes = 0;
        const flush = async () => {
          if (pending.length === 0) return;
          const blob = new Blob([COPY_BINARY_HEADER, ...pending, COPY_BINARY_TRAILER]);
          pending = [];
          bytes = 0;
          const result = await gate.run(() =>
            db.query(`copy ${table} (${columns.join(", ")}) from '/dev/blob' with (format binary)`, [], {
              blob,
            }),
          );
          total += result.affectedRows ?? 0;
        };
        for await (const chunk of chunks) {
          if (chunk.length === 0) continue;
          pending.push(chunk);
          bytes += chunk.length;
          if (bytes >= 8 << 20) await flush();
        }
        await flush();
        return total;
      })();
    },
    async serveSocket() {
      if (dataDir === undefined) throw new Error("an in-memory database has no directory for a socket");
      socket ??= await servePgliteSocket(db, gate, dataDir);
      return socket.directory;
    },
    interrupt,
    close() {
      closed ??= (async () => {
        try {
          await interrupt();
          // The unit of work holding the session finishes its current statement first.
          await gate.whenIdle();
          await db.close();
        } finally {
          lock?.release();
        }
      })();
      return closed;
    },
  };
}
