/**
 * One small interface over the two back ends (embedded PGlite, PostgreSQL server), so services and
 * migrations have a single code path. SQL is PostgreSQL's; parameters are $1, $2, …
 */
import { createHash } from "node:crypto";

export type SqlParam = string | number | boolean | null | Date | Uint8Array | bigint | readonly string[];

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
}

export type BackendKind = "pglite" | "postgres";

export interface Database extends Queryable {
  readonly kind: BackendKind;
  /**
   * One statement committed on its own, like `query` — except that on a PostgreSQL server the statements
   * submitted while an earlier one is committing go out together, in one transaction with one commit and one
   * round trip (group commit, db/group-commit.ts). Each still commits or fails on its own: a group with a
   * failing statement is rolled back and its statements run again alone. For short writes that need no
   * transaction of their own; PGlite (one session) runs it as `query`.
   */
  groupCommit<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads rows with COPY … FROM STDIN (FORMAT binary) on PostgreSQL, or PGlite's equivalent. `chunks`
   * hold whole tuples in the binary COPY format (db/copy-binary); the file header and trailer are added
   * here. Resolves to the number of rows loaded.
   */
  copyBinary(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<number>;
  /**
   * Streams the rows of `query` as `COPY (query) TO STDOUT` text (tab-separated, one row a line, `\N` for
   * null) on a connection of its own — PostgreSQL servers only (undefined elsewhere: callers fall back to
   * `query`). COPY takes no parameters, so `query` may hold only literals the caller has checked. `settings`
   * (e.g. work_mem for a sort) hold on that connection for the COPY only.
   */
  copyOut?(query: string, settings?: Readonly<Record<string, string>>): AsyncIterable<Buffer>;
  /**
   * Shutting down: cancels statements still running and refuses new work (it fails with SQLSTATE 57P01);
   * open transactions roll back. `close` afterwards does not wait for a request that hangs.
   */
  interrupt(): Promise<void>;
  close(): Promise<void>;
}

/** `db` as a Queryable whose statements go through `groupCommit` (each committed on its own, maybe with others). */
export function groupCommitted(db: Database): Queryable {
  return {
    query: <Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]) =>
      db.groupCommit<Row>(sql, params),
  };
}

export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** PostgreSQL SQLSTATE for a unique violation: callers turn it into 409 or an idempotent replay. */
export const UNIQUE_VIOLATION = "23505";
export const SERIALIZATION_FAILURE = "40001";

export function sqlStateOf(e: unknown): string | undefined {
  if (e instanceof DatabaseError) return e.code;
  if (
    typeof e === "object" &&
    e !== null &&
    "code" in e &&
    typeof (e as { code: unknown }).code === "string"
  ) {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Statement text → name, for statements run often enough that planning them each time would dominate. */
const preparedNames = new Map<string, string>();
const MAX_PREPARED = 500;

/**
 * Marks a statement to run as a named prepared statement on the PostgreSQL back end: each pooled
 * connection parses it once and, after a few executions, keeps a generic plan. A settlement's reads are
 * cheap to execute but cost more to plan than to run, so this is most of the database's work saved.
 * Returns the text unchanged (PGlite ignores the mark). For a bounded set of statement shapes only.
 */
export function prepared(sql: string): string {
  if (!preparedNames.has(sql) && preparedNames.size < MAX_PREPARED)
    preparedNames.set(sql, `hmb_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`);
  return sql;
}

/** The prepared-statement name of a statement marked with `prepared`, if any. */
export function preparedNameOf(sql: string): string | undefined {
  return preparedNames.get(sql);
}

/** Told each statement a Database runs (copyBinary as `copy <table> (<columns>) from stdin`). */
export type StatementObserver = (sql: string, params: readonly SqlParam[] | undefined) => void;

/**
 * The same database, telling `observer` every statement before it runs (test/scale-out.test.ts records a
 * whole integration run this way). Opt-in by wrapping: a database nobody wraps pays nothing.
 */
export function observeStatements<D extends Database>(db: D, observer: StatementObserver): D {
  const observed = (q: Queryable): Queryable => ({
    query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
      observer(sql, params);
      return q.query<Row>(sql, params);
    },
  });
  const wrapper: Database = {
    kind: db.kind,
    query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
      observer(sql, params);
      return db.query<Row>(sql, params);
    },
    groupCommit<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
      observer(sql, params);
      return db.groupCommit<Row>(sql, params);
    },
    transaction: (work) => db.transaction((tx) => work(observed(tx))),
    exec(sql) {
      observer(sql, undefined);
      return db.exec(sql);
    },
    copyBinary(table, columns, chunks) {
      observer(`copy ${table} (${columns.join(", ")}) from stdin`, undefined);
      return db.copyBinary(table, columns, chunks);
    },
    interrupt: () => db.interrupt(),
    close: () => db.close(),
  };
  const copyOut = db.copyOut?.bind(db);
  if (copyOut !== undefined)
    wrapper.copyOut = (query, settings) => {
      observer(`copy (${query}) to stdout`, undefined);
      return copyOut(query, settings);
    };
  // Back-end extras (PGlite's serveSocket) stay reachable through the prototype chain.
  return Object.setPrototypeOf(wrapper, db) as D;
}
