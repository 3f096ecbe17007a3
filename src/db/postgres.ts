/** PostgreSQL server back end (DATABASE_URL), via node-postgres with a connection pool. */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from "./copy-binary.js";
import { type Database, preparedNameOf, type Queryable, type SqlParam } from "./database.js";

// Keep int8 (bigint) columns as JS numbers: every amount is bounded far below 2^53 (see domain/money.ts).
pg.types.setTypeParser(20, (v: string) => Number(v));

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      const name = preparedNameOf(sql);
      const result =
        name === undefined
          ? await client.query(sql, params as unknown[])
          : await client.query({ name, text: sql, values: params as unknown[] });
      return result.rows as Row[];
    },
  };
}

/**
 * Connections per process: HMB_DB_POOL, default 10. On the 2-core benchmark machine 10 keeps enough
 * transactions in flight for the WAL flush to commit several at once (group commit) without the backends
 * taking turns on the CPUs (bench/settle.ts).
 */
function defaultPoolSize(): number {
  const n = Number(process.env.HMB_DB_POOL);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

export async function openPostgres(url: string, poolSize = defaultPoolSize()): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  await pool.query("select 1");
  const base = queryable(pool);
  return {
    kind: "postgres",
    query: base.query,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await work(queryable(client));
        await client.query("commit");
        return result;
      } catch (e) {
        await client.query("rollback").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async copyBinary(table, columns, chunks) {
      const client = await pool.connect();
      try {
        const stream = client.query(
          copyFrom(`copy ${table} (${columns.join(", ")}) from stdin with (format binary)`),
        );
        async function* framed() {
          yield COPY_BINARY_HEADER;
          for await (const chunk of chunks) if (chunk.length > 0) yield chunk;
          yield COPY_BINARY_TRAILER;
        }
        await pipeline(Readable.from(framed()), stream);
        return stream.rowCount ?? 0;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
