/**
 * Versioned migrations: `src/db/migrations/NNN_name.sql`, applied in order, each once, each in its own
 * transaction, recorded in schema_migrations. The same files run on PGlite and PostgreSQL.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.js";

// Migrations live beside the sources; dist/ code finds them by walking back to src/.
const here = dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = here.includes(`${join("dist", "src")}`)
  ? join(here, "..", "..", "..", "src", "db", "migrations")
  : join(here, "migrations");

export function migrationFiles(): { version: string; sql: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ""), sql: readFileSync(join(MIGRATIONS_DIR, f), "utf8") }));
}

export async function migrate(db: Database): Promise<string[]> {
  // An advisory lock keeps two processes starting at once from racing (a no-op cost on PGlite).
  await db.exec(`create table if not exists schema_migrations (
    version text primary key,
    applied_at timestamptz not null default now()
  )`);
  const applied = new Set(
    (await db.query<{ version: string }>("select version from schema_migrations")).map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of migrationFiles()) {
    if (applied.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(7263001)");
      const again = await tx.query("select 1 from schema_migrations where version = $1", [m.version]);
      if (again.length > 0) return;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query("insert into schema_migrations (version) values ($1)", [m.version]);
      done.push(m.version);
    });
  }
  return done;
}

/** Splits a migration on semicolons at line ends, keeping $$-quoted function bodies whole. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = "";
  let inDollar = false;
  for (const line of sql.split("\n")) {
    if (line.trim().startsWith("--") && !inDollar) continue;
    current += `${line}\n`;
    const dollars = line.split("$$").length - 1;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && line.trimEnd().endsWith(";")) {
      if (current.trim() !== "") out.push(current.trim());
      current = "";
    }
  }
  if (current.trim() !== "") out.push(current.trim());
  return out;
}
