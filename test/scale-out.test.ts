/**
 * Ready to scale out (issue 11 §5, docs/scale-out.md): the schema can be distributed by program_id on Citus.
 *
 * 1. From the catalog, on both back ends: every table outside the declared reference tables (src/db/distribution.ts)
 *    has program_id in its primary key, in every unique constraint and unique index (partial ones too), and in
 *    every foreign key to another distributed table; reference tables reference only reference tables.
 * 2. From the statements themselves: a representative integration run (demo seed with its roster import and
 *    enrollments, logins, cash enrollment and payment, one-stop settlement and revocation, counter claim, online
 *    claim, special drug, payout batch, reconciliation, oversight dashboards, reports) is recorded through the
 *    database seam (db/database.ts observeStatements) and every statement is parsed with PostgreSQL's own parser
 *    (libpg-query). A statement touching a distributed table must pin that table to program_id — by equality
 *    with a value, an IN list or ANY(array) of values, or a program_id = program_id join to a pinned table —
 *    else the test lists it. The declared program look-ups (PROGRAM_LOOKUPS) are the only exceptions.
 * 3. The same check over every statement written inline in src/ (also those no run reaches: a periodic purge).
 * 4. docs/scale-out.md distributes exactly the catalog's tables; an upgrade from the migrations before 016
 *    with data in the database ends in the same, checked catalog.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { loadModule, parseSync } from "libpg-query";
import ts from "typescript";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Queryable } from "../src/db/database.js";
import {
  DISTRIBUTION_COLUMN,
  PROGRAM_LOOKUPS,
  REFERENCE_TABLE_NAMES,
  REFERENCE_TABLES,
} from "../src/db/distribution.js";
import { migrate, migrationFiles, splitStatements } from "../src/db/migrate.js";
import { openPglite } from "../src/db/pglite.js";
import { openPostgres } from "../src/db/postgres.js";
import { DEMO_NOW, seedDemo } from "../src/services/demo-seed.js";
import { Y } from "./fixtures.js";
import {
  HOSPITAL,
  PHARMACY,
  postSettlement,
  recordFor,
  revokeSettlement,
  signHeaders,
} from "./support/claims.js";
import { runOversightScenario } from "./support/oversight.js";
import { API, CLAIMS_NOW, seedPersonalData } from "./support/personal-data.js";
import { BACKENDS, type BackendName, openTestPlatform } from "./support/platform.js";
import { authHeaders, PROGRAM } from "./support/roster.js";
import { createDatabase } from "./support/server-process.js";

/** Tests that open databases of their own: minutes on a loaded machine. */
const DATABASE_TEST_MS = 300_000;

/** The migration that made the schema distribution-ready: an upgrade starts from the one before. */
const FIRST_SCALE_OUT_MIGRATION = "016";

/** The lead co-insurer of the test program (support/roster.ts). */
const INSURER = "picc-wenshan";

/** Every statement run through a database opened while recording is on (migrations are not: they run first). */
const recording = vi.hoisted(() => ({ on: false, statements: new Set<string>() }));

vi.mock("../src/db/open.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/db/open.js")>();
  const { observeStatements } = await import("../src/db/database.js");
  return {
    ...real,
    openDatabase: async (options?: Parameters<typeof real.openDatabase>[0]) =>
      observeStatements(await real.openDatabase(options), (sql) => {
        if (recording.on) recording.statements.add(sql);
      }),
  };
});

// ---------------------------------------------------------------------------------------------------------
// 1. The catalog

interface TableRow {
  table: string;
  columns: string[];
}
interface ConstraintRow {
  table: string;
  name: string;
  type: "p" | "u" | "f";
  columns: string[];
  ref_table: string | null;
  ref_columns: string[] | null;
}
interface UniqueIndexRow {
  table: string;
  name: string;
  columns: (string | null)[];
}

async function catalog(q: Queryable) {
  // Partitions inherit their parent's keys (and are checked through it); roster build tables are transient.
  const tables = await q.query<TableRow>(
    `select c.relname as table,
            array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      order by 1`,
  );
  const constraints = await q.query<ConstraintRow>(
    `select c.conrelid::regclass::text as table, c.conname as name, c.contype as type,
            array(select a.attname::text from unnest(c.conkey) with ordinality k (n, i)
                    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
            case when c.contype = 'f' then c.confrelid::regclass::text end as ref_table,
            case when c.contype = 'f' then
              array(select a.attname::text from unnest(c.confkey) with ordinality k (n, i)
                      join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) end
              as ref_columns
       from pg_constraint c join pg_class t on t.oid = c.conrelid
      where c.connamespace = 'public'::regnamespace and c.contype in ('p', 'u', 'f') and not t.relispartition
      order by 1, 2`,
  );
  // Unique indexes, partial ones included; an expression column is null.
  const uniqueIndexes = await q.query<UniqueIndexRow>(
    `select t.relname as table, ic.relname as name,
            array(select a.attname::text from unnest(i.indkey::int2[]) with ordinality k (n, o)
                    left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as columns
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and i.indisunique and not t.relispartition
      order by 1, 2`,
  );
  return { tables, constraints, uniqueIndexes };
}

/** What keeps the catalog from being distributed by program_id; empty when it can be. */
function distributionProblems(c: Awaited<ReturnType<typeof catalog>>): string[] {
  const problems: string[] = [];
  const distributed = new Set(c.tables.map((t) => t.table).filter((t) => !REFERENCE_TABLE_NAMES.has(t)));
  for (const t of REFERENCE_TABLES)
    if (!c.tables.some((row) => row.table === t.table))
      problems.push(`reference table ${t.table} does not exist`);
  for (const t of c.tables) {
    if (!distributed.has(t.table)) continue;
    if (!t.columns.includes(DISTRIBUTION_COLUMN))
      problems.push(`${t.table}: no ${DISTRIBUTION_COLUMN} column`);
    if (!c.constraints.some((k) => k.table === t.table && k.type === "p"))
      problems.push(`${t.table}: no primary key`);
  }
  for (const k of c.constraints) {
    if (k.type === "f") {
      const target = k.ref_table as string;
      if (!distributed.has(k.table)) {
        if (distributed.has(target))
          problems.push(`${k.table}.${k.name}: a reference table references distributed ${target}`);
        continue;
      }
      if (!distributed.has(target)) continue; // distributed → reference: any columns
      const at = k.columns.indexOf(DISTRIBUTION_COLUMN);
      if (at < 0 || k.ref_columns?.[at] !== DISTRIBUTION_COLUMN)
        problems.push(
          `${k.table}.${k.name}: foreign key (${k.columns.join(", ")}) → ${target} (${k.ref_columns?.join(", ")}) does not pair ${DISTRIBUTION_COLUMN} with ${DISTRIBUTION_COLUMN}`,
        );
    } else if (distributed.has(k.table) && !k.columns.includes(DISTRIBUTION_COLUMN)) {
      problems.push(
        `${k.table}.${k.name}: ${k.type === "p" ? "primary key" : "unique constraint"} (${k.columns.join(", ")}) lacks ${DISTRIBUTION_COLUMN}`,
      );
    }
  }
  for (const i of c.uniqueIndexes)
    if (distributed.has(i.table) && !i.columns.includes(DISTRIBUTION_COLUMN))
      problems.push(
        `${i.table}.${i.name}: unique index (${i.columns.map((n) => n ?? "<expression>").join(", ")}) lacks ${DISTRIBUTION_COLUMN}`,
      );
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// 2. The statements

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** One FROM scope: its relations by the name queries use for them (alias, else the table name). */
interface Scope {
  parent: Scope | undefined;
  relations: Map<string, { key: string; table: string }>;
}

/** Union-find over relation occurrences, with a "pinned to program_id values" mark per class. */
class Pins {
  private readonly parentOf = new Map<string, string>();
  private readonly pinned = new Set<string>();
  find(k: string): string {
    let r = k;
    while ((this.parentOf.get(r) ?? r) !== r) r = this.parentOf.get(r) as string;
    return r;
  }
  join(a: string, b: string) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    this.parentOf.set(ra, rb);
    if (this.pinned.has(ra)) this.pinned.add(rb);
  }
  pin(k: string) {
    this.pinned.add(this.find(k));
  }
  isPinned(k: string): boolean {
    return this.pinned.has(this.find(k));
  }
}

function strings(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((f) => (isNode(f) && isNode(f.String) ? (f.String.sval as string) : "*"))
    : [];
}

function containsColumnRef(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsColumnRef);
  if (!isNode(v)) return false;
  if ("ColumnRef" in v) return true;
  if ("SubLink" in v) return true; // a subquery's value is not a constant
  return Object.values(v).some(containsColumnRef);
}

/** program_id column reference → the relation keys it may mean in `scope` (empty: not program_id). */
function programColumn(v: unknown, scope: Scope): string[] {
  let node = v;
  while (isNode(node) && isNode(node.TypeCast)) node = node.TypeCast.arg;
  if (!isNode(node) || !isNode(node.ColumnRef)) return [];
  const fields = strings(node.ColumnRef.fields);
  if (fields[fields.length - 1] !== DISTRIBUTION_COLUMN) return [];
  if (fields.length >= 2) {
    const qualifier = fields[fields.length - 2] as string;
    for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
      const r = s.relations.get(qualifier);
      if (r !== undefined) return [r.key];
    }
    return [];
  }
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent)
    if (s.relations.size > 0) return [...s.relations.values()].map((r) => r.key);
  return [];
}

/** The AND-ed terms of a condition (terms under OR or NOT restrict nothing for sure). */
function conjuncts(v: unknown): unknown[] {
  if (isNode(v) && isNode(v.BoolExpr) && v.BoolExpr.boolop === "AND_EXPR")
    return (v.BoolExpr.args as unknown[]).flatMap(conjuncts);
  return v === undefined ? [] : [v];
}

function applyCondition(term: unknown, scope: Scope, pins: Pins) {
  if (!isNode(term) || !isNode(term.A_Expr)) return;
  const e = term.A_Expr;
  if (strings(e.name)[0] !== "=") return;
  const rows = (x: unknown): unknown[] | undefined =>
    isNode(x) && isNode(x.RowExpr) ? (x.RowExpr.args as unknown[]) : undefined;
  if (e.kind === "AEXPR_OP") {
    const l = rows(e.lexpr);
    const r = rows(e.rexpr);
    const pairs: [unknown, unknown][] =
      l !== undefined && r !== undefined && l.length === r.length
        ? l.map((x, i) => [x, r[i]])
        : [[e.lexpr, e.rexpr]];
    for (const [a, b] of pairs) {
      const left = programColumn(a, scope);
      const right = programColumn(b, scope);
      if (left.length > 0 && right.length > 0) for (const x of left) for (const y of right) pins.join(x, y);
      else if (left.length > 0 && !containsColumnRef(b)) for (const x of left) pins.pin(x);
      else if (right.length > 0 && !containsColumnRef(a)) for (const x of right) pins.pin(x);
    }
  } else if (e.kind === "AEXPR_IN" || e.kind === "AEXPR_OP_ANY") {
    const left = programColumn(e.lexpr, scope);
    if (left.length > 0 && !containsColumnRef(e.rexpr)) for (const x of left) pins.pin(x);
  }
}

interface Walk {
  distributed: ReadonlySet<string>;
  pins: Pins;
  /** Every distributed relation occurrence: key → table. */
  seen: Map<string, string>;
  next: number;
}

function addRelation(rv: Node, scope: Scope, ctes: ReadonlySet<string>, w: Walk, pinnedByRows = false) {
  const table = rv.relname as string;
  if (ctes.has(table)) return;
  const alias = isNode(rv.alias) ? (rv.alias.aliasname as string) : table;
  const key = `${table}#${w.next++}`;
  scope.relations.set(alias, { key, table });
  if (w.distributed.has(table)) w.seen.set(key, table);
  if (pinnedByRows) w.pins.pin(key);
}

/** Collects a FROM item's relations into `scope` and its join conditions into `conditions`. */
function fromItem(v: unknown, scope: Scope, ctes: Set<string>, w: Walk, conditions: unknown[]) {
  if (!isNode(v)) return;
  if (isNode(v.RangeVar)) addRelation(v.RangeVar, scope, ctes, w);
  else if (isNode(v.JoinExpr)) {
    fromItem(v.JoinExpr.larg, scope, ctes, w, conditions);
    fromItem(v.JoinExpr.rarg, scope, ctes, w, conditions);
    if (v.JoinExpr.quals !== undefined) conditions.push(v.JoinExpr.quals);
  } else if (isNode(v.RangeSubselect)) {
    statement(v.RangeSubselect.subquery, scope, ctes, w);
  } else if (isNode(v.RangeFunction)) {
    visitExpressions(v.RangeFunction, scope, ctes, w);
  }
}

/** Finds subqueries (SubLinks) inside expressions and analyses them as inner scopes. */
function visitExpressions(v: unknown, scope: Scope, ctes: Set<string>, w: Walk) {
  if (Array.isArray(v)) {
    for (const x of v) visitExpressions(x, scope, ctes, w);
    return;
  }
  if (!isNode(v)) return;
  if (isNode(v.SubLink)) {
    visitExpressions(v.SubLink.testexpr, scope, ctes, w);
    statement(v.SubLink.subselect, scope, ctes, w);
    return;
  }
  for (const x of Object.values(v)) visitExpressions(x, scope, ctes, w);
}

function withClause(v: unknown, scope: Scope | undefined, ctes: Set<string>, w: Walk): Set<string> {
  if (!isNode(v) || !isNode(v.WithClause)) return ctes;
  const inner = new Set(ctes);
  for (const c of v.WithClause.ctes as unknown[]) {
    if (!isNode(c) || !isNode(c.CommonTableExpr)) continue;
    inner.add(c.CommonTableExpr.ctename as string);
    statement(c.CommonTableExpr.ctequery, scope, inner, w);
  }
  return inner;
}

/** Analyses one statement node (a SELECT, INSERT, UPDATE, DELETE, or anything else, which is skipped). */
function statement(v: unknown, parent: Scope | undefined, outerCtes: Set<string>, w: Walk) {
  if (!isNode(v)) return;
  const scope: Scope = { parent, relations: new Map() };
  const conditions: unknown[] = [];
  if (isNode(v.SelectStmt)) {
    const s = v.SelectStmt;
    const ctes = withClause(s.withClause, parent, outerCtes, w);
    if (s.op !== undefined && s.op !== "SETOP_NONE") {
      statement(s.larg ? { SelectStmt: s.larg } : undefined, parent, ctes, w);
      statement(s.rarg ? { SelectStmt: s.rarg } : undefined, parent, ctes, w);
      return;
    }
    for (const f of (s.fromClause as unknown[] | undefined) ?? []) fromItem(f, scope, ctes, w, conditions);
    conditions.push(s.whereClause, s.havingClause);
    for (const c of conditions) for (const t of conjuncts(c)) applyCondition(t, scope, w.pins);
    visitExpressions(
      [s.targetList, s.whereClause, s.havingClause, s.valuesLists, conditions],
      scope,
      ctes,
      w,
    );
  } else if (isNode(v.InsertStmt)) {
    const s = v.InsertStmt;
    const ctes = withClause(s.withClause, parent, outerCtes, w);
    // Each inserted row carries its program_id: Citus routes it to that program's shard.
    const cols = ((s.cols as unknown[] | undefined) ?? []).map((c) =>
      isNode(c) && isNode(c.ResTarget) ? (c.ResTarget.name as string) : "",
    );
    addRelation(s.relation as Node, scope, ctes, w, cols.includes(DISTRIBUTION_COLUMN));
    statement(s.selectStmt, scope, ctes, w);
    if (isNode(s.onConflictClause)) visitExpressions(s.onConflictClause, scope, ctes, w);
  } else if (isNode(v.UpdateStmt) || isNode(v.DeleteStmt)) {
    const s = (v.UpdateStmt ?? v.DeleteStmt) as Node;
    const ctes = withClause(s.withClause, parent, outerCtes, w);
    addRelation(s.relation as Node, scope, ctes, w);
    for (const f of ((s.fromClause ?? s.usingClause) as unknown[] | undefined) ?? [])
      fromItem(f, scope, ctes, w, conditions);
    conditions.push(s.whereClause);
    for (const c of conditions) for (const t of conjuncts(c)) applyCondition(t, scope, w.pins);
    visitExpressions([s.targetList, s.whereClause, conditions], scope, ctes, w);
  } else if (isNode(v.CopyStmt) && isNode(v.CopyStmt.relation)) {
    const cols = strings(v.CopyStmt.attlist);
    addRelation(v.CopyStmt.relation, scope, outerCtes, w, cols.includes(DISTRIBUTION_COLUMN));
  } else if (isNode(v.ExplainStmt)) {
    statement(v.ExplainStmt.query, parent, outerCtes, w);
  }
}

const normalized = (sql: string) => sql.replace(/\s+/g, " ").trim();

/** The declared program look-up a statement is, if any (given the tables it leaves unpinned). */
const lookupOf = (sql: string, unpinned: readonly string[]) =>
  PROGRAM_LOOKUPS.find(
    (l) =>
      unpinned.length === 1 &&
      unpinned[0] === l.table &&
      normalized(sql).includes(`from ${l.table} ${l.filter}`),
  );

/** The distributed tables a statement reads or writes without pinning them to program_id. */
function unpinnedTables(sql: string, distributed: ReadonlySet<string>): string[] {
  const w: Walk = { distributed, pins: new Pins(), seen: new Map(), next: 0 };
  for (const s of parseSync(sql).stmts ?? []) statement(s.stmt, undefined, new Set(), w);
  return [...new Set([...w.seen].filter(([key]) => !w.pins.isPinned(key)).map(([, table]) => table))];
}

// ---------------------------------------------------------------------------------------------------------

describe("the statement check itself (pure)", () => {
  const distributed = new Set(["policies", "claims", "roster_persons"]);
  beforeAll(async () => loadModule());
  it.each([
    ["select * from policies where program_id = $1 and psn_no = $2", []],
    ["select * from policies p where p.program_id = any($1::text[])", []],
    ["select * from policies where program_id in ($1, '*')", []],
    ["select * from policies where (program_id, policy_no) = ($1, $2)", []],
    [
      "select c.* from claims c join policies p on p.program_id = c.program_id and p.policy_no = c.policy_no where c.program_id = $1",
      [],
    ],
    ["select * from policies where psn_no = $1", ["policies"]],
    ["select * from policies where program_id = $1 or psn_no = $2", ["policies"]],
    [
      "select * from claims c join policies p on p.policy_no = c.policy_no where c.program_id = $1",
      ["policies"],
    ],
    [
      "select * from claims c where c.program_id = $1 and exists (select 1 from policies p where p.program_id = c.program_id)",
      [],
    ],
    ["select * from claims c where exists (select 1 from policies p where p.program_id = $1)", ["claims"]],
    ["insert into policies (program_id, policy_no) values ($1, $2) on conflict do nothing", []],
    ["insert into claims (setl_id) select setl_id from policies where program_id = $1", ["claims"]],
    ["update policies set status = 'x' where program_id = $1 and policy_no = $2", []],
    ["delete from claims where created_at < now()", ["claims"]],
    ["with x as (select * from claims where program_id = $1) select * from x", []],
    ["select * from users where username = $1", []], // not a distributed table here
  ])("%s → %j", (sql, expected) => {
    expect(unpinnedTables(sql, distributed)).toEqual(expected);
  });
});

/** A SQL statement written in the sources: `${…}` holes are `x__`; `holeAfterFrom` when one follows FROM. */
interface SourceStatement {
  where: string;
  sql: string;
  holeAfterFrom: boolean;
}

/**
 * The statements written inline as the first argument of a `query`, `exec` or `prepared` call anywhere in
 * src/ — also those no integration run reaches (a periodic purge, a start-up check). SQL fragments kept in
 * constants (column lists, a SELECT completed elsewhere) are checked where the run completes them.
 */
function sourceStatements(): SourceStatement[] {
  const out: SourceStatement[] = [];
  const root = fileURLToPath(new URL("../src/", import.meta.url));
  for (const file of readdirSync(root, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    const path = join(root, file);
    const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && n.arguments.length > 0) {
        const callee = n.expression.getText(source);
        const arg = n.arguments[0] as ts.Expression;
        if (/(\.query|\.exec|^prepared)$/.test(callee)) {
          let sql: string | undefined;
          let holeAfterFrom = false;
          if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) sql = arg.text;
          else if (ts.isTemplateExpression(arg)) {
            let text = arg.head.text;
            for (const span of arg.templateSpans) {
              if (/\bfrom\b/i.test(text)) holeAfterFrom = true;
              text += `x__${span.literal.text}`;
            }
            sql = text;
          }
          if (sql !== undefined && /^\s*(with|select|insert|update|delete)\b/i.test(sql)) {
            const line = source.getLineAndCharacterOfPosition(arg.getStart(source)).line + 1;
            out.push({ where: `src/${file}:${line}`, sql, holeAfterFrom });
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return out;
}

describe("statements written in the sources", () => {
  it(
    "leave no distributed table unfiltered",
    async () => {
      await loadModule();
      const platform = await openTestPlatform("pglite");
      let distributed: Set<string>;
      try {
        distributed = new Set(
          (await catalog(platform.ctx.db)).tables
            .map((t) => t.table)
            .filter((t) => !REFERENCE_TABLE_NAMES.has(t)),
        );
      } finally {
        await platform.close();
      }
      const statements = sourceStatements();
      expect(statements.length).toBeGreaterThan(150);
      const offending: string[] = [];
      for (const s of statements) {
        let unpinned: string[];
        try {
          unpinned = unpinnedTables(s.sql, distributed);
        } catch {
          continue; // a hole stands for more than a name or a value: the run checks its completed text
        }
        if (unpinned.length > 0 && !s.holeAfterFrom && lookupOf(s.sql, unpinned) === undefined)
          offending.push(`${s.where} [${unpinned.join(", ")}] ${normalized(s.sql)}`);
      }
      expect(offending, offending.join("\n\n")).toEqual([]);
    },
    DATABASE_TEST_MS,
  );
});

describe.each(BACKENDS)("scale-out readiness on %s", (backend: BackendName) => {
  it(
    "every table is a reference table or carries program_id in its primary key, unique keys and foreign keys",
    async () => {
      const platform = await openTestPlatform(backend);
      try {
        const c = await catalog(platform.ctx.db);
        expect(c.tables.length).toBeGreaterThan(30);
        expect(distributionProblems(c)).toEqual([]);
        // docs/scale-out.md distributes exactly these tables.
        const doc = readFileSync(fileURLToPath(new URL("../docs/scale-out.md", import.meta.url)), "utf8");
        const called = (fn: string) =>
          [...doc.matchAll(new RegExp(`${fn}\\('([a-z_]+)'`, "g"))].map((m) => m[1] as string).sort();
        const tables = c.tables.map((t) => t.table);
        expect(called("create_reference_table")).toEqual([...REFERENCE_TABLE_NAMES].sort());
        expect(called("create_distributed_table")).toEqual(
          tables.filter((t) => !REFERENCE_TABLE_NAMES.has(t)).sort(),
        );
      } finally {
        await platform.close();
      }
    },
    DATABASE_TEST_MS,
  );

  it(
    "upgrades a database that holds data from the earlier migrations",
    async () => {
      const fresh = backend === "postgres" ? await createDatabase() : undefined;
      const db = fresh === undefined ? await openPglite(undefined) : await openPostgres(fresh.url);
      try {
        // The schema as it was before this issue, with data in it.
        await db.exec(
          "create table schema_migrations (version text primary key, applied_at timestamptz not null default now())",
        );
        for (const m of migrationFiles().filter((f) => f.version < FIRST_SCALE_OUT_MIGRATION))
          await db.transaction(async (tx) => {
            for (const statement of splitStatements(m.sql)) await tx.query(statement);
            await tx.query("insert into schema_migrations (version) values ($1)", [m.version]);
          });
        await db.query(
          `insert into programs (program_id, product_id, product_version, name, region_code, created_by)
         values ('p1', 'wenshan-2023', 1, '甲', '532600', 'test'), ('p2', 'wenshan-2023', 1, '乙', '532600', 'test')`,
        );
        await db.query(
          `insert into institution_signatures (program_id, fixmedins_code, signature, request, seen_at)
         values ('p1', 'H1', 'aa', 'POST /a', now() - interval '1 hour'), ('p2', 'H1', 'aa', 'POST /a', now())`,
        );
        const applied = await migrate(db);
        expect(applied).toContain("016_distribution_ready");
        expect(await db.query("select program_id from institution_signatures order by program_id")).toEqual([
          { program_id: "p1" },
          { program_id: "p2" },
        ]);
        const [index] = await db.query<{ def: string }>(
          "select pg_get_indexdef('institution_signatures_seen'::regclass) as def",
        );
        expect(index?.def).toMatch(/\(program_id, seen_at\)/);
        expect(distributionProblems(await catalog(db))).toEqual([]);
      } finally {
        await db.close();
        await fresh?.drop();
      }
    },
    DATABASE_TEST_MS,
  );

  describe("every statement of an integration run filters distributed tables by program_id", () => {
    let distributed: Set<string>;
    let failures: string[] = [];
    beforeAll(async () => {
      await loadModule();
      recording.statements.clear();
      recording.on = true;
      try {
        failures = await integrationRun(backend);
      } finally {
        recording.on = false;
      }
      const platform = await openTestPlatform(backend);
      try {
        distributed = new Set(
          (await catalog(platform.ctx.db)).tables
            .map((t) => t.table)
            .filter((t) => !REFERENCE_TABLE_NAMES.has(t)),
        );
      } finally {
        await platform.close();
      }
    }, 900_000);

    it("runs every scenario to its end", () => {
      expect(failures).toEqual([]);
    });

    it("records the run's statements on every kind of table", () => {
      const touched = new Set<string>();
      for (const sql of recording.statements)
        for (const t of distributed) if (new RegExp(`\\b${t}\\b`).test(sql)) touched.add(t);
      for (const t of [
        "roster_persons",
        "policies",
        "payment_orders",
        "claims",
        "medical_records",
        "counter_claims",
        "claim_consents",
        "special_drug_dispensings",
        "payout_batches",
        "ledger_transfers",
        "oversight_claim_days",
        "sessions",
        "audit_log",
      ])
        expect(touched, t).toContain(t);
    });

    it("has no statement on a distributed table without a program_id filter", () => {
      const offending: string[] = [];
      for (const sql of recording.statements) {
        let unpinned: string[];
        try {
          unpinned = unpinnedTables(sql, distributed);
        } catch (e) {
          offending.push(`(unparsable: ${(e as Error).message}) ${normalized(sql)}`);
          continue;
        }
        if (unpinned.length > 0 && lookupOf(sql, unpinned) === undefined)
          offending.push(`[${unpinned.join(", ")}] ${normalized(sql)}`);
      }
      expect(offending.sort(), offending.join("\n\n")).toEqual([]);
    });

    it("declares only program look-ups that the run still makes", () => {
      const used = new Set(
        [...recording.statements].map((sql) => lookupOf(sql, unpinnedTables(sql, distributed))?.table),
      );
      for (const l of PROGRAM_LOOKUPS) expect(used, `${l.table} ${l.filter}`).toContain(l.table);
    });
  });
});

/**
 * One of most things the platform does, on a fresh database per scenario (recording is on meanwhile). Each
 * scenario runs to its end or to its first failure, which is returned: the statements recorded up to there
 * are checked all the same.
 */
async function integrationRun(backend: BackendName): Promise<string[]> {
  const failures: string[] = [];
  const scenario = async (name: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  };
  // The demo: program, roster import (CSV through the real import), logins, family/unit/charity enrollments.
  await scenario("demo seed", async () => {
    const demo = await openTestPlatform(backend, { now: DEMO_NOW });
    try {
      await seedDemo(demo.ctx, { secretsPath: null, persons: 120 });
    } finally {
      await demo.close();
    }
  });
  // Residents, enrollment and cash payment, one-stop settlement, counter claim, online claim, payout batch.
  await scenario("personal data and claims", () => claimsScenario(backend));
  await scenario("oversight", () => oversightScenario(backend));
  return failures;
}

async function claimsScenario(backend: BackendName): Promise<void> {
  const d = await seedPersonalData(backend);
  try {
    const app = d.app;
    const as = (user: string) => d.headers.get(user) as Record<string, string>;
    const get = async (path: string, user: string) => {
      const res = await app.inject({ method: "GET", url: `${API}${path}`, headers: as(user) });
      expect(res.statusCode, `GET ${path} as ${user}: ${res.body.slice(0, 200)}`).toBeLessThan(300);
      return res;
    };
    const post = async (path: string, user: string, payload: unknown) => {
      const res: LightMyRequestResponse = await app.inject({
        method: "POST",
        url: `${API}${path}`,
        headers: as(user),
        payload: payload as Record<string, unknown>,
      });
      expect(res.statusCode, `POST ${path} as ${user}: ${res.body.slice(0, 200)}`).toBeLessThan(300);
      return res;
    };
    d.setNow(CLAIMS_NOW);
    // Reads of every kind.
    await get("", "op1");
    await get("/me", "res1");
    await get("/policies", "op1");
    await get(`/policies/${d.a.policyNo}`, "res1");
    await get(`/policies/${d.a.policyNo}/certificate.html`, "res1");
    await get(`/policies/${d.a.policyNo}/cancel/quote`, "op1");
    await get(`/payments/${d.a.orderNo}`, "res1");
    await get("/notifications", "res1");
    await get("/consents", "res1");
    await get("/online-claims/claimable", "res1");
    await get("/counter-claims", "op1");
    await get(`/counter-claims/${d.a.caseId}`, "res1");
    await get(`/counter-claims/${d.a.caseId}/documents/invoice`, "op1");
    await get("/counter-claims/settings", "op1");
    await get("/payout-batches", "op1");
    await get(`/payout-batches/${d.batchId}`, "op1");
    await get(`/roster/${d.a.psnNo}`, "op1");
    await get("/charity-pools/sec-pool", "ch1");
    await post("/charity-pools/sec-pool/donations", "ch1", {
      amount: "500.00",
      donor: "测试",
      ref: "DON-SCALE-1",
    });
    await get("/ledger/summary", "op1");
    await get(`/ledger/statement?insurer=${INSURER}&from=2023-08-01&to=2023-12-01`, "op1");
    await get("/reconciliation?date=2023-10-10", "op1");
    await get("/audit", "admin");
    await get("/reports/disclosure?period=2023-10&format=xlsx", "op1");
    for (const view of [
      "summary",
      "enrollment?by=county",
      "enrollment?by=unit",
      "trends",
      "payout-distribution",
    ])
      await get(`/oversight/${view}`, "reg1");
    await post("/benefit-quote", "res1", { total: "30000.00", insurance_paid: "12000.00" });
    const verify = await app.inject({ method: "GET", url: `/api/v1/verify/${d.a.verificationCode}` });
    expect(verify.statusCode, verify.body).toBe(200);

    // Writes: a revocation and a corrected one-stop settlement, an appeal, a special-drug dispensing.
    expect((await revokeSettlement(app, d.fx, d.a.setlId)).statusCode).toBe(200);
    const corrected = await postSettlement(
      app,
      d.fx,
      await recordFor(d.fx, {
        setlId: `${d.a.setlId}C`,
        psnNo: d.a.psnNo,
        inScope: Y(18_000),
        setlTime: "2023-10-10 10:00:00",
      }),
    );
    expect(corrected.statusCode, corrected.body).toBe(200);
    await post(`/counter-claims/${d.a.caseId}/appeal`, "res1", { reason: "补交结算单" });
    const record = await recordFor(d.fx, {
      setlId: "SD-SCALE-1",
      psnNo: "P002",
      medType: "41",
      institution: PHARMACY,
      setlTime: "2023-10-10 10:00:00",
      diagnosis: "C34.900",
      fullOwnPay: Y(10_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(10_000) }],
    });
    const text = JSON.stringify({
      record,
      prescription: {
        rx_no: "RX-SCALE-1",
        prescriber_fixmedins_code: HOSPITAL,
        diagnosis_code: "C34.900",
        issued_at: "2023-10-05 09:00:00",
        drugs: ["SAMPLE-WS-D01"],
      },
    });
    const dispensed = await app.inject({
      method: "POST",
      url: `${API}/special-drug-claims`,
      headers: signHeaders(d.fx.secrets.get(PHARMACY) as string, text, PHARMACY),
      payload: text,
    });
    expect(dispensed.statusCode, dispensed.body).toBe(200);
    await post("/payout-batches", "op1", { payee: "resident", through: "2023-12-01" });
    await post("/payments/reconcile", "op1", {});
    const logout = await app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: as("res5") });
    expect(logout.statusCode).toBeLessThan(300);
  } finally {
    await d.close();
  }
}

/** Enrollments over several days, cancellations, settlements, a revocation; the dashboards. */
async function oversightScenario(backend: BackendName): Promise<void> {
  const o = await openTestPlatform(backend);
  let app: FastifyInstance | undefined;
  try {
    const scenario = await runOversightScenario(o);
    app = scenario.app;
    const headers = await authHeaders(app, "bureau1");
    for (const view of [
      "summary?as_of=2023-11-30",
      "enrollment?by=cohort",
      "trends",
      "payout-distribution",
    ]) {
      const res = await app.inject({
        method: "GET",
        url: `/api/v1/programs/${PROGRAM}/oversight/${view}`,
        headers,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
  } finally {
    await app?.close();
    await o.close();
  }
}
