/**
 * How the schema spreads over a Citus cluster (docs/scale-out.md). Every table is distributed by
 * `program_id` and co-located with every other — a program's roster, policies, claims, ledger and rollups live
 * on one shard group, so every transaction of the platform runs on one worker — except the few small
 * reference tables below, which every worker holds a full copy of. test/scale-out.test.ts checks the catalog
 * and the statements the services run against this one list.
 */

/** The distribution column of every distributed table. */
export const DISTRIBUTION_COLUMN = "program_id";

export interface ReferenceTable {
  readonly table: string;
  /** Why it is a reference table and not distributed (docs/scale-out.md prints this). */
  readonly why: string;
}

/**
 * Small tables copied to every worker. A reference table's write goes to every worker (two-phase commit), so
 * only tables that are small and rarely written belong here; a distributed table may reference them by
 * foreign key, never the reverse.
 */
export const REFERENCE_TABLES: readonly ReferenceTable[] = [
  {
    table: "programs",
    why: "one row per program (a province has 16, a national operator hundreds); every distributed table's program_id references it, and program lists and log-in read it without knowing a program",
  },
  {
    table: "login_failures",
    why: "lock-out counts per login name across programs (a platform-wide account logs in through any program, so a per-program count would multiply its attempts); only names with recent failures have a row",
  },
  {
    table: "product_versions",
    why: "published product versions (issue 12): shared by programs, a handful of rows a year, never updated; read by id and version on a plan cache miss, so every worker keeps a copy",
  },
  {
    table: "schema_migrations",
    why: "which migrations ran: a handful of rows, read and written only by migrate() on the coordinator",
  },
];

export const REFERENCE_TABLE_NAMES: ReadonlySet<string> = new Set(REFERENCE_TABLES.map((t) => t.table));

/**
 * Statements that look a program up from an identifier that arrives without one — the only statements on a
 * distributed table allowed to run without a program_id filter. On Citus each reads every shard (through the
 * identifier's index there); they are rare beside settlements. A statement is one of them when its text
 * (whitespace collapsed) contains `from <table> <filter>` and that table is the only one it leaves unpinned.
 */
export const PROGRAM_LOOKUPS: readonly {
  readonly table: string;
  readonly filter: string;
  readonly why: string;
}[] = [
  {
    table: "payment_orders",
    filter: "where order_no = $1",
    why: "a payment provider's callback names only our order number (services/payments findOrder); everything after it filters by the order's program",
  },
  {
    table: "policies",
    filter: "where verification_code = $1 and issued_at is not null",
    why: "the public certificate check (GET /verify/:code) has only the verification code printed on the certificate",
  },
];
