/** Embedded PostgreSQL (PGlite, WebAssembly) — the default back end, data under ./data/ unless told otherwise. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from "./copy-binary.js";
import type { Database, Queryable, SqlParam } from "./database.js";

function wrap(q: { query: PGlite["query"] }): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
  };
}

/** `dataDir` undefined = in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const base = wrap(db);
  return {
    kind: "pglite",
    query: base.query,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => work(wrap(tx)));
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async copyBinary(table, columns, chunks) {
      // PGlite reads COPY input from a Blob: one COPY per few MB of tuples keeps memory bounded.
      let total = 0;
      let pending: Uint8Array[] = [];
      let bytes = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const blob = new Blob([COPY_BINARY_HEADER, ...pending, COPY_BINARY_TRAILER]);
        const result = await db.query(
          `copy ${table} (${columns.join(", ")}) from '/dev/blob' with (format binary)`,
          [],
          { blob },
        );
        total += result.affectedRows ?? 0;
        pending = [];
        bytes = 0;
      };
      for await (const chunk of chunks) {
        if (chunk.length === 0) continue;
        pending.push(chunk);
        bytes += chunk.length;
        if (bytes >= 8 << 20) await flush();
      }
      await flush();
      return total;
    },
    async close() {
      await db.close();
    },
  };
}
