/**
 * Group commit (db/group-commit.ts) on a PostgreSQL server: statements submitted while one is committing share
 * one transaction, yet each commits or fails on its own, and a group whose connection breaks commits nothing.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.js";
import { MAX_GROUP_STATEMENTS } from "../src/db/group-commit.js";
import { openPostgres } from "../src/db/postgres.js";
import { createDatabase } from "./support/server-process.js";

const server = process.env.TEST_DATABASE_URL;

describe.skipIf(server === undefined)("group commit on PostgreSQL", () => {
  let db: Database;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ url, drop } = await createDatabase());
    db = await openPostgres(url, 4);
    await db.exec("create table t (id int primary key, note text)");
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const insert = (id: number) =>
    db.groupCommit<{ tx: string }>(
      "insert into t (id, note) values ($1, 'x') returning txid_current()::text as tx",
      [id],
    );
  const count = async (ids: number[]) =>
    Number(
      (
        await db.query<{ n: number }>("select count(*)::int as n from t where id = any($1::int[])", [
          ids.map(String),
        ])
      )[0]?.n,
    );

  it("shares one transaction among the statements submitted while one commits", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => 1_000 + i);
    const rows = await Promise.all(ids.map(insert));
    // The first goes alone at once; the other nineteen wait for it and go together.
    const txs = rows.map((r) => r[0]?.tx);
    expect(new Set(txs).size).toBe(2);
    expect(new Set(txs.slice(1)).size).toBe(1);
    expect(await count(ids)).toBe(20);
    // Plain statements commit one by one: twenty transactions.
    const alone = await Promise.all(
      ids.map((id) =>
        db.query<{ tx: string }>(
          "update t set note = 'y' where id = $1 returning txid_current()::text as tx",
          [id],
        ),
      ),
    );
    expect(new Set(alone.map((r) => r[0]?.tx)).size).toBe(20);
  });

  it(`never puts more than ${MAX_GROUP_STATEMENTS} statements in one group`, async () => {
    const ids = Array.from({ length: 2 * MAX_GROUP_STATEMENTS + 1 }, (_, i) => 2_000 + i);
    const txs = (await Promise.all(ids.map(insert))).map((r) => r[0]?.tx as string);
    const sizes = new Map<string, number>();
    for (const tx of txs) sizes.set(tx, (sizes.get(tx) ?? 0) + 1);
    expect(Math.max(...sizes.values())).toBe(MAX_GROUP_STATEMENTS);
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(await count(ids)).toBe(ids.length);
  });

  it("a failing statement fails alone: the others of its group still commit", async () => {
    await db.query("insert into t (id, note) values (3005, 'taken')");
    const ids = Array.from({ length: 12 }, (_, i) => 3_000 + i);
    const outcomes = await Promise.allSettled(ids.map(insert));
    const failed = outcomes.flatMap((o, i) =>
      o.status === "rejected" ? [{ id: ids[i], reason: o.reason }] : [],
    );
    expect(failed.map((f) => f.id)).toEqual([3005]);
    expect((failed[0]?.reason as { code?: string } | undefined)?.code).toBe("23505");
    expect(await count(ids)).toBe(12);
    // The others were written once each, by their second run alone after the group rolled back.
    const notes = await db.query<{ note: string }>("select note from t where id = 3005");
    expect(notes).toEqual([{ note: "taken" }]);
  });

  it("a group whose connection breaks before its commit fails whole and commits nothing", async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // The first statement goes alone and holds the group back while the next three queue behind it.
      const first = db.groupCommit("select pg_sleep(0.3)");
      const group = [insert(4_000), db.groupCommit("select pg_sleep(30) as slept"), insert(4_001)].map((p) =>
        p.then(
          () => "committed",
          (e: unknown) => e,
        ),
      );
      await first;
      // Wait for the group's sleep, then end that session as an operator (or a crash) would.
      let terminated = false;
      for (let i = 0; i < 100 && !terminated; i++) {
        const r = await admin.query<{ t: boolean }>(
          "select pg_terminate_backend(pid) as t from pg_stat_activity where query = 'select pg_sleep(30) as slept' and state = 'active'",
        );
        terminated = r.rows.some((x) => x.t);
        if (!terminated) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(terminated).toBe(true);
      const outcomes = await Promise.all(group);
      for (const o of outcomes) expect(o).toBeInstanceOf(Error);
      expect(await count([4_000, 4_001])).toBe(0);
      // The next group gets a fresh connection.
      await expect(Promise.all([insert(4_002), insert(4_003), insert(4_004)])).resolves.toHaveLength(3);
      expect(await count([4_002, 4_003, 4_004])).toBe(3);
    } finally {
      await admin.end();
    }
  });
});
