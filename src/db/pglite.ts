/** Embedded PostgreSQL (PGlite, WebAssembly) — the default back end, data under ./data/ unless told otherwise. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
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
    async copyCsv(table, columns, rows) {
      // PGlite reads COPY input from a Blob; batch rows so memory stays bounded on large files.
      let total = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const blob = new Blob([`${batch.join("\n")}\n`]);
        await db.query(`copy ${table} (${columns.join(", ")}) from '/dev/blob' with (format csv)`, [], {
          blob,
        });
        total += batch.length;
        batch = [];
      };
      for await (const row of rows as AsyncIterable<string>) {
        batch.push(row);
        if (batch.length >= 50_000) await flush();
      }
      await flush();
      return total;
    },
    async close() {
      await db.close();
    },
  };
}
