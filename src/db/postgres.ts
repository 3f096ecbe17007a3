/** PostgreSQL server back end (DATABASE_URL), via node-postgres with a connection pool. */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from "./copy-binary.js";
import { type Database, DatabaseError, preparedNameOf, type Queryable, type SqlParam } from "./database.js";
import { groupCommitter } from "./group-commit.js";
import { ADMIN_SHUTDOWN } from "./session-gate.js";

// Keep int8 (bigint) columns as JS numbers: every amount is bounded far below 2^53 (see domain/money.ts).
pg.types.setTypeParser(20, (v: string) => Number(v));

const closingError = () => new DatabaseError("数据库正在关闭", ADMIN_SHUTDOWN);

function queryable(
  client: pg.Pool | pg.PoolClient,
  state: { closing: boolean; namedStatements: boolean },
): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      // After interrupt() a transaction still running stops at its next statement (and rolls back).
      if (state.closing) throw closingError();
      const name = state.namedStatements ? preparedNameOf(sql) : undefined;
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

export interface PostgresOptions {
  /** Connections in the pool. */
  poolSize?: number;
  /**
   * Named prepared statements (`prepared()`); off for the local socket of an embedded database, whose one
   * session is shared by every client (two clients preparing the same name would collide).
   */
  namedStatements?: boolean;
  /** Splits copyBinary into COPYs of about this many bytes (the embedded database's socket holds each). */
  copyBatchBytes?: number;
  /**
   * Group commit for Database.groupCommit (db/group-commit.ts); off for the local socket of an embedded
   * database (its one session cannot hold a group's transaction beside other clients' statements).
   */
  groupCommit?: boolean;
  /** Whether interrupt() cancels this pool's running statements (pg_cancel_backend). */
  cancelOnInterrupt?: boolean;
}

export async function openPostgres(url: string, poolSize = defaultPoolSize()): Promise<Database> {
  return openPostgresPool({ connectionString: url }, { poolSize });
}

export async function openPostgresPool(
  config: pg.PoolConfig,
  options: PostgresOptions = {},
): Promise<Database> {
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? defaultPoolSize() });
  // An idle connection that breaks (server restart, the embedded server stopping) must not end the process;
  // the next query gets its own error.
  pool.on("error", () => undefined);
  // Connections handed out, for interrupt() to cancel what they run.
  const busy = new Set<pg.PoolClient>();
  pool.on("acquire", (c) => busy.add(c));
  pool.on("release", (_e, c) => busy.delete(c));
  pool.on("remove", (c) => busy.delete(c as pg.PoolClient));
  await pool.query("select 1");
  const state = { closing: false, namedStatements: options.namedStatements ?? true };
  const base = queryable(pool, state);
  const groups =
    (options.groupCommit ?? state.namedStatements)
      ? groupCommitter(config, (sql, params) => base.query(sql, params))
      : undefined;
  const copyBatchBytes = options.copyBatchBytes ?? Number.POSITIVE_INFINITY;
  let ended: Promise<void> | undefined;

  async function copyOnce(table: string, columns: readonly string[], tuples: AsyncIterable<Uint8Array>) {
    if (state.closing) throw closingError();
    const client = await pool.connect();
    try {
      const stream = client.query(
        copyFrom(`copy ${table} (${columns.join(", ")}) from stdin with (format binary)`),
      );
      async function* framed() {
        yield COPY_BINARY_HEADER;
        for await (const chunk of tuples) if (chunk.length > 0) yield chunk;
        yield COPY_BINARY_TRAILER;
      }
      await pipeline(Readable.from(framed()), stream);
      return stream.rowCount ?? 0;
    } finally {
      client.release();
    }
  }

  /** COPY … TO STDOUT; not through the embedded database's socket (copyBatchBytes set), which takes COPY FROM only. */
  async function* copyOut(
    query: string,
    settings: Readonly<Record<string, string>> = {},
  ): AsyncIterable<Buffer> {
    if (state.closing) throw closingError();
    const client = await pool.connect();
    let done = false;
    try {
      for (const [name, value] of Object.entries(settings))
        await client.query("select set_config($1, $2, false)", [name, value]);
      for await (const chunk of client.query(copyTo(`copy (${query}) to stdout`))) yield chunk as Buffer;
      for (const name of Object.keys(settings))
        if (/^[a-z_]+$/.test(name)) await client.query(`reset ${name}`);
      done = true;
    } finally {
      // A COPY left unread (the caller stopped early or it failed) leaves the connection unusable: drop it.
      client.release(done ? undefined : true);
    }
  }

  return {
    kind: "postgres",
    query: base.query,
    async groupCommit<Row>(sql: string, params: readonly SqlParam[] = []) {
      if (state.closing) throw closingError();
      return groups === undefined ? base.query<Row>(sql, params) : groups.query<Row>(sql, params);
    },
    ...(Number.isFinite(copyBatchBytes) ? {} : { copyOut }),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      if (state.closing) throw closingError();
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await work(queryable(client, state));
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
      if (state.closing) throw closingError();
      await pool.query(sql);
    },
    async copyBinary(table, columns, chunks) {
      if (!Number.isFinite(copyBatchBytes)) return copyOnce(table, columns, toAsync(chunks));
      // Chunks hold whole tuples, so a batch boundary between chunks is a valid end of one COPY's data.
      const source = toAsync(chunks)[Symbol.asyncIterator]();
      let total = 0;
      let more = true;
      while (more) {
        let bytes = 0;
        more = false;
        const batch: AsyncIterable<Uint8Array> = {
          async *[Symbol.asyncIterator]() {
            while (bytes < copyBatchBytes) {
              const next = await source.next();
              if (next.done === true) return;
              bytes += next.value.length;
              yield next.value;
            }
            more = true;
          },
        };
        total += await copyOnce(table, columns, batch);
      }
      return total;
    },
    async interrupt() {
      if (state.closing) return;
      state.closing = true;
      const pids = [...busy].map((c) => (c as unknown as { processID: number | null }).processID);
      const running = [...pids, groups?.backendPid()].filter((p): p is number => typeof p === "number");
      if (options.cancelOnInterrupt === false || running.length === 0) return;
      // Cancel on a connection of its own: the pool's may all be busy with the statements to cancel.
      const admin = new pg.Client(config);
      try {
        await admin.connect();
        await admin.query("select pg_cancel_backend(pid) from unnest($1::int[]) as pid", [running]);
      } catch {
        // The server went away: nothing is running on it any more.
      } finally {
        await admin.end().catch(() => undefined);
      }
    },
    close() {
      ended ??= Promise.all([pool.end(), groups?.close()]).then(() => undefined);
      return ended;
    },
  };
}

async function* toAsync(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* chunks;
}
