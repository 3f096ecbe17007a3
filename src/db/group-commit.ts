/**
 * Group commit for short autocommitted writes on a PostgreSQL server (Database.groupCommit).
 *
 * A settlement's write is one statement committed on its own. Under load, hundreds of them a second each pay
 * a round trip, an executor's transaction start and a commit with its WAL flush. Here the writes submitted
 * while earlier ones are on their way wait and then go out together: `begin`, the statements, `commit`,
 * written to one pipelined connection (node-postgres `pipeline`) in one send and answered in one reply.
 *
 * Invariants, the reason this is equivalent to committing each statement alone, one after another:
 *  - a group is one transaction: all of its statements commit together, or none does;
 *  - when any statement of a group fails (or the commit does, with an ERROR), the server has rolled the whole
 *    group back, and each of its statements runs again alone (plain autocommit, the main pool), so each
 *    caller gets its own statement's outcome — a failing statement never takes another's write with it;
 *  - when the connection breaks, whether a commit happened is unknown: every statement of every group on it
 *    fails with that error, as a lone statement on a broken connection does (never re-run: it may have
 *    committed); the next group opens a new connection;
 *  - all groups run on one connection, one after another, so groups cannot deadlock on each other's locks.
 * A statement sent this way must not depend on running in a transaction of its own (no `begin`, no session
 * state) and should be short: it holds its locks until its whole group commits.
 */
import pg from "pg";
import { preparedNameOf, type SqlParam } from "./database.js";

/** Statements in one group: bounds the time the first of them holds its locks, and the reply's size. */
export const MAX_GROUP_STATEMENTS = 32;

/**
 * Groups written to the connection and not yet answered. Measured on the settlement benchmark, writing the
 * next group behind the running one (2) gained nothing and split the waiting statements into smaller groups
 * (more commits for the same work); on two connections it also costs more CPU per settlement.
 */
export const MAX_GROUPS_IN_FLIGHT = 1;

/** An error the server reports for a statement and survives (a FATAL one ends the session). */
const SEVERITY_ERROR = "ERROR";

interface Pending {
  readonly sql: string;
  readonly params: readonly SqlParam[];
  resolve(rows: unknown[]): void;
  reject(e: unknown): void;
}

export interface GroupCommitter {
  query<Row>(sql: string, params: readonly SqlParam[]): Promise<Row[]>;
  /** The server process of the groups' connection, if open: for interrupt() to cancel what it runs. */
  backendPid(): number | undefined;
  close(): Promise<void>;
}

/** `alone` runs one statement committed on its own (the main pool): the fallback after a failed group. */
export function groupCommitter(
  config: pg.ClientConfig,
  alone: (sql: string, params: readonly SqlParam[]) => Promise<unknown[]>,
): GroupCommitter {
  const waiting: Pending[] = [];
  let inFlight = 0;
  let current: { readonly client: pg.Client; readonly ready: Promise<pg.Client> } | undefined;
  let closing = false;

  /** The groups' connection, opened on first use and again after it broke. */
  function connect(): Promise<pg.Client> {
    if (current !== undefined) return current.ready;
    const client = new pg.Client({ ...config, pipeline: true } as pg.ClientConfig);
    const forget = () => {
      if (current?.client === client) current = undefined;
    };
    // A connection that breaks fails the queries on it (handled in runGroup); its events must not end the process.
    client.on("error", forget);
    client.on("end", forget);
    const ready = client.connect().then(
      () => client,
      (e: unknown) => {
        forget();
        throw e;
      },
    );
    current = { client, ready };
    return ready;
  }

  const named = (sql: string, params: readonly SqlParam[]) => {
    const name = preparedNameOf(sql);
    return name === undefined
      ? { text: sql, values: params as unknown[] }
      : { name, text: sql, values: params as unknown[] };
  };

  async function runGroup(group: Pending[]): Promise<void> {
    let client: pg.Client;
    try {
      client = await connect();
    } catch (e) {
      for (const p of group) p.reject(e);
      return;
    }
    if (group.length === 1) {
      const [only] = group as [Pending];
      try {
        only.resolve((await client.query(named(only.sql, only.params))).rows);
      } catch (e) {
        only.reject(e);
      }
      return;
    }
    // Everything in one send: the stream is corked around the queries the pipelined client writes at once.
    const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } })
      .connection.stream;
    stream.cork();
    const begin = client.query("begin");
    const statements = group.map((p) => client.query(named(p.sql, p.params)));
    const commit = client.query("commit");
    stream.uncork();
    const [, ...settled] = await Promise.allSettled([begin, ...statements, commit]);
    const committed = settled.pop() as PromiseSettledResult<pg.QueryResult>;
    if (committed.status === "fulfilled" && committed.value.command === "COMMIT") {
      // Committed: every statement that ran is in; one refused before it ran (a value the driver could not
      // send) failed alone, as it would have outside the group. (Had `begin` failed, each statement would
      // have committed on its own at its sync: its own outcome again.)
      group.forEach((p, i) => {
        const s = settled[i] as PromiseSettledResult<pg.QueryResult>;
        if (s.status === "fulfilled") p.resolve(s.value.rows);
        else p.reject(s.reason);
      });
      return;
    }
    // A statement failed (the commit then answers ROLLBACK), or the commit itself failed with an ERROR: the
    // server rolled the group back. Anything else (a broken connection, FATAL) leaves the outcome unknown.
    const rolledBack =
      committed.status === "fulfilled" ||
      (committed.reason as { severity?: unknown } | null)?.severity === SEVERITY_ERROR;
    if (!rolledBack) {
      for (const p of group) p.reject(committed.reason);
      return;
    }
    // Nothing of the group was committed: each statement again, alone, for its own outcome.
    await Promise.all(
      group.map(async (p) => {
        try {
          p.resolve(await alone(p.sql, p.params));
        } catch (e) {
          p.reject(e);
        }
      }),
    );
  }

  function pump(): void {
    while (inFlight < MAX_GROUPS_IN_FLIGHT && waiting.length > 0) {
      const group = waiting.splice(0, MAX_GROUP_STATEMENTS);
      inFlight++;
      void runGroup(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return {
    query<Row>(sql: string, params: readonly SqlParam[]) {
      return new Promise<Row[]>((resolve, reject) => {
        if (closing) throw new Error("group commit closed");
        waiting.push({ sql, params, resolve: resolve as (rows: unknown[]) => void, reject });
        pump();
      });
    },
    backendPid: () =>
      (current?.client as unknown as { processID?: number | null } | undefined)?.processID ?? undefined,
    async close() {
      closing = true;
      const client = await current?.ready.catch(() => undefined);
      await client?.end().catch(() => undefined);
    },
  };
}
