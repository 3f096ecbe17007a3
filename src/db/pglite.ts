/**
 * Embedded PostgreSQL (PGlite, WebAssembly) — the default back end, data under ./data/ unless told
 * otherwise. A data directory is opened by one process at a time (db/data-dir-lock.ts, taken by
 * db/open.ts); the process that serves HTTP also offers the database to local CLI commands over a socket
 * (db/pglite-socket.ts). In-process work and those clients take turns on the one backend (SessionGate).
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from "./copy-binary.js";
import type { DataDirLock } from "./data-dir-lock.js";
import { type Database, DatabaseError, type Queryable, type SqlParam } from "./database.js";
import { type PgliteSocketServer, servePgliteSocket } from "./pglite-socket.js";
import { ADMIN_SHUTDOWN, SessionGate } from "./session-gate.js";

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
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
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
