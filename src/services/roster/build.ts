/**
 * The database side of a roster import. Each program's roster is its own partition of roster_persons
 * (migration 010). An import never inserts into the live roster row by row; it builds the program's next
 * roster as a plain table and swaps it in:
 *
 *   1. COPY the staged rows into a build table with no index (as fast as a bare COPY);
 *   2. first import: that table is the next roster. Re-import: the rows that differ from the current
 *      roster (new or changed persons) are found in one join. If they are few (≤ IN_PLACE_MAX_SHARE of
 *      the roster, the usual monthly refresh) they are upserted into the live partition in one statement
 *      and nothing is swapped; otherwise the next roster is built in one pass from the build table joined
 *      to the current one (unchanged persons keep their imported_at; persons absent from the file are
 *      kept);
 *   3. build the three indexes with one sort each, concurrently;
 *   4. in one short transaction: detach the old partition, attach the new one, recompute the program's
 *      enrollment rollup. Readers see the old roster or the new one, never a mix.
 *
 * A psn_no repeated in the file (the last line wins, the earlier lines are reported): on a first import
 * the unique index finds it, and only then are duplicates removed and the index built again, so a clean
 * file pays nothing for the check; a re-import looks for them first (one aggregate over the build table).
 */
import { randomBytes } from "node:crypto";
import { type Database, type Queryable, sqlStateOf, UNIQUE_VIOLATION } from "../../db/database.js";
import { ServiceError } from "../context.js";

/** Memory for each index sort (per build, three run at once): a million-person roster sorts in memory. */
const INDEX_SORT_MEMORY = "256MB";

/** A re-import changing at most this share of the roster is applied in place instead of rebuilt. */
const IN_PLACE_MAX_SHARE = 0.2;

/** A build table left by an import that never finished (the process died) is dropped after this long. */
const ABANDONED_AFTER = "6 hours";

/** roster_persons' columns an import writes (imported_at is set by the database). */
export const ROSTER_TABLE_COLUMNS = [
  "program_id",
  "psn_no",
  "certno_enc",
  "certno_bidx",
  "certno_masked",
  "psn_name",
  "gend",
  "brdy",
  "insutype",
  "admdvs",
  "unit_code",
  "cohort",
] as const;

/** A file row `l` says the same about the person as the roster row `c` (the sealed certno differs per
 * encryption, so the blind index stands for it). */
const SAME_PERSON = `(c.certno_bidx, c.psn_name, c.gend, c.brdy, c.insutype, c.admdvs, c.unit_code, c.cohort)
  is not distinct from (l.certno_bidx, l.psn_name, l.gend, l.brdy, l.insutype, l.admdvs, l.unit_code, l.cohort)`;

/** A program id as an SQL literal, for DDL (which takes no parameters). Program ids are [a-z0-9-]
 * (services/programs.ts); anything else is refused rather than escaped. */
function quoteLiteralForDdl(programId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(programId)) throw new Error(`unexpected program id ${programId}`);
  return `'${programId}'`;
}

/** Where the program's roster is now: its partition (if it has one) and the swap generation. */
interface CurrentRoster {
  readonly tableName: string | null;
  readonly generation: number;
}

export interface BuildCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Persons on the roster afterwards (imported from this file + kept from before). */
  readonly persons: number;
}

export interface DuplicateLine {
  readonly line: number;
  readonly last: number;
}

/** Build tables are named after the import id (16 hex digits), never after user input. */
export class RosterBuild {
  readonly loadTable: string;
  private readonly nextTable: string;
  private readonly diffTable: string;
  private base: CurrentRoster = { tableName: null, generation: 0 };
  /** What prepare() decided: a built partition to swap in, or the diff table to apply in place. */
  private plan: { kind: "swap"; candidate: string } | { kind: "in_place" } | undefined;

  constructor(
    private readonly db: Database,
    readonly programId: string,
    readonly importId: string = randomBytes(8).toString("hex"),
  ) {
    if (!/^[0-9a-f]{16}$/.test(importId)) throw new Error("import id must be 16 hex digits");
    this.loadTable = `roster_load_${importId}`;
    this.nextTable = `roster_next_${importId}`;
    this.diffTable = `roster_diff_${importId}`;
  }

  /** Records the import as running, drops abandoned build tables, creates the empty build table. */
  async start(source: string | null): Promise<void> {
    await dropAbandonedBuilds(this.db, this.programId);
    await this.db.query(
      `insert into roster_imports (program_id, import_id, status, started_at, source)
       values ($1, $2, 'running', now(), $3)`,
      [this.programId, this.importId, source],
    );
    await this.db.exec(
      `create table ${this.loadTable} (like roster_persons including defaults) with (autovacuum_enabled = false);
       alter table ${this.loadTable} add column line integer not null;`,
    );
  }

  /**
   * Turns the loaded rows into the program's next roster: a built partition with its indexes, or (a small
   * re-import) the set of rows to upsert in place. Duplicate psn_no lines are removed and returned;
   * `maybeRepeated: false` (the stage saw no psn_no twice) skips looking for them.
   */
  async prepare(staged: {
    maybeRepeated: boolean;
  }): Promise<{ counts: BuildCounts; duplicates: DuplicateLine[] }> {
    this.base = await currentRoster(this.db, this.programId);
    const [current] = await this.db.query<{ n: number }>(
      "select count(*)::int as n from roster_persons where program_id = $1",
      [this.programId],
    );
    const currentN = current?.n ?? 0;
    if (currentN === 0) return this.prepareFirst();
    // The planner needs the build table's size: without statistics it sorts both sides of the joins.
    await this.db.query(`analyze ${this.loadTable}`);
    const duplicates = staged.maybeRepeated ? await this.removeDuplicates() : [];
    if (this.base.tableName !== null) {
      const diff = await this.diffAgainstCurrent(currentN);
      if (diff !== undefined) {
        this.plan = { kind: "in_place" };
        return { counts: diff, duplicates };
      }
    }
    const counts = await this.mergeIntoNext();
    await this.buildIndexes(this.nextTable);
    this.plan = { kind: "swap", candidate: this.nextTable };
    return { counts, duplicates };
  }

  /** The build table becomes the roster; duplicates are looked for only if the unique index fails. */
  private async prepareFirst(): Promise<{ counts: BuildCounts; duplicates: DuplicateLine[] }> {
    let duplicates: DuplicateLine[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.buildIndexes(this.loadTable);
        break;
      } catch (e) {
        if (sqlStateOf(e) !== UNIQUE_VIOLATION || attempt > 0) throw e;
        await this.db.exec(
          `drop index if exists ${this.loadTable}_pkey; drop index if exists ${this.loadTable}_bidx;
           drop index if exists ${this.loadTable}_unit;`,
        );
        duplicates = await this.removeDuplicates();
      }
    }
    await this.db.exec(`alter table ${this.loadTable} drop column line`);
    this.plan = { kind: "swap", candidate: this.loadTable };
    return { counts: await this.loadedCounts(), duplicates };
  }

  /**
   * Persons new in the file or changed since the current roster, into the diff table. Undefined (diff
   * dropped) when they are too many to apply in place.
   */
  private async diffAgainstCurrent(currentN: number): Promise<BuildCounts | undefined> {
    const [row] = await this.db.transaction(async (tx) => {
      await tx.query(`set local work_mem = '${INDEX_SORT_MEMORY}'`);
      await tx.query(
        `create unlogged table ${this.diffTable} as
         select ${ROSTER_TABLE_COLUMNS.map((c) => `l.${c}`).join(", ")}, c.psn_no is null as is_new
           from ${this.loadTable} l
           left join (select * from roster_persons where program_id = ${quoteLiteralForDdl(this.programId)}) c
             on c.psn_no = l.psn_no
          where c.psn_no is null or not (${SAME_PERSON})`,
      );
      return tx.query<{ diff: number; fresh: number; file: number }>(
        `select (select count(*) from ${this.diffTable})::int as diff,
                (select count(*) from ${this.diffTable} where is_new)::int as fresh,
                (select count(*) from ${this.loadTable})::int as file`,
      );
    });
    const diff = row?.diff ?? 0;
    const fresh = row?.fresh ?? 0;
    if (diff > IN_PLACE_MAX_SHARE * currentN) {
      await this.db.exec(`drop table ${this.diffTable}`);
      return undefined;
    }
    return {
      inserted: fresh,
      updated: diff - fresh,
      unchanged: (row?.file ?? 0) - diff,
      persons: currentN + fresh,
    };
  }

  /**
   * Makes the prepared roster live. Swap: detach the old partition, attach the new one, recompute the
   * rollup. In place: one upsert of the diff (the roster's statement triggers keep the rollups). Refuses
   * (409) if another import finished since `prepare` looked.
   */
  async commit(persons: number): Promise<void> {
    const plan = this.plan;
    if (plan === undefined) throw new Error("prepare() before commit()");
    const partition = `roster_persons_${this.importId}`;
    await this.db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext('hmb.roster_import'), hashtext($1))", [
        this.programId,
      ]);
      const now = await currentRoster(tx, this.programId);
      if (now.generation !== this.base.generation) {
        throw new ServiceError(
          "conflict",
          "roster_import_conflict",
          "导入期间另一次名单导入已完成，请重新导入",
          "program_id",
        );
      }
      if (plan.kind === "in_place") {
        const cols = ROSTER_TABLE_COLUMNS.join(", ");
        const updates = ROSTER_TABLE_COLUMNS.filter((c) => c !== "program_id" && c !== "psn_no")
          .map((c) => `${c} = excluded.${c}`)
          .join(", ");
        await tx.query(
          `insert into roster_persons (${cols}, imported_at) select ${cols}, now() from ${this.diffTable}
           on conflict (program_id, psn_no) do update set ${updates}, imported_at = excluded.imported_at`,
        );
        await tx.query(
          `update roster_partitions set generation = generation + 1, persons = $2, swapped_at = now()
            where program_id = $1`,
          [this.programId, persons],
        );
        return;
      }
      // Enrollment rollups count insured persons by roster dimensions: hold policy writes still while the
      // rollup is recomputed against the new roster (reads go on).
      await tx.query("lock table policies in share mode");
      if (now.tableName !== null) {
        await tx.query(`alter table roster_persons detach partition ${now.tableName}`);
      } else {
        await tx.query("delete from roster_persons_default where program_id = $1", [this.programId]);
      }
      await tx.query(`alter table ${plan.candidate} rename to ${partition}`);
      await tx.query(`alter table ${partition} reset (autovacuum_enabled)`);
      await tx.query(
        `alter table roster_persons attach partition ${partition} for values in (${quoteLiteralForDdl(this.programId)})`,
      );
      if (now.tableName !== null) await tx.query(`drop table ${now.tableName}`);
      await tx.query(
        `insert into roster_partitions (program_id, table_name, generation, persons, swapped_at)
         values ($1, $2, $3, $4, now())
         on conflict (program_id) do update set table_name = excluded.table_name,
           generation = excluded.generation, persons = excluded.persons, swapped_at = excluded.swapped_at`,
        [this.programId, partition, now.generation + 1, persons],
      );
      await tx.query("select oversight_enrollment_rebuild($1)", [this.programId]);
    });
    this.plan = undefined;
  }

  async finish(result: {
    read: number;
    imported: number;
    rejected: number;
    inserted: number;
    updated: number;
    unchanged: number;
  }): Promise<void> {
    await this.db.query(
      `update roster_imports set status = 'done', finished_at = now(), read = $3, imported = $4, rejected = $5,
         inserted = $6, updated = $7, unchanged = $8
       where program_id = $1 and import_id = $2`,
      [
        this.programId,
        this.importId,
        result.read,
        result.imported,
        result.rejected,
        result.inserted,
        result.updated,
        result.unchanged,
      ],
    );
  }

  async fail(error: unknown): Promise<void> {
    const failure = error instanceof ServiceError ? error.code : "internal";
    await this.db
      .query(
        `update roster_imports set status = 'failed', finished_at = now(), failure = $3
         where program_id = $1 and import_id = $2 and status = 'running'`,
        [this.programId, this.importId, failure],
      )
      .catch(() => undefined);
  }

  /** Drops whatever build tables are left (after a swap only the unused one; after a failure, all). */
  async cleanUp(): Promise<void> {
    await this.db
      .exec(
        `drop table if exists ${this.loadTable}; drop table if exists ${this.nextTable};
         drop table if exists ${this.diffTable};`,
      )
      .catch(() => undefined);
  }

  private async loadedCounts(): Promise<BuildCounts> {
    const [row] = await this.db.query<{ n: number }>(`select count(*)::int as n from ${this.loadTable}`);
    const n = row?.n ?? 0;
    return { inserted: n, updated: 0, unchanged: 0, persons: n };
  }

  /**
   * next = this file's rows (imported_at kept where nothing changed) + current persons absent from it.
   * Counts follow from three numbers: current persons, rows from the file, and how many of those kept
   * their imported_at (unchanged): updated = current − unchanged − kept.
   */
  private async mergeIntoNext(): Promise<BuildCounts> {
    const cols = ROSTER_TABLE_COLUMNS.join(", ");
    const loadCols = ROSTER_TABLE_COLUMNS.map((c) => `l.${c}`).join(", ");
    await this.db.exec(
      `create table ${this.nextTable} (like roster_persons including defaults) with (autovacuum_enabled = false)`,
    );
    return this.db.transaction(async (tx) => {
      await tx.query(`set local work_mem = '${INDEX_SORT_MEMORY}'`);
      const [current] = await tx.query<{ n: number }>(
        "select count(*)::int as n from roster_persons where program_id = $1",
        [this.programId],
      );
      const [fromFile] = await tx.query<{ n: number; unchanged: number }>(
        `with ins as (
           insert into ${this.nextTable} (${cols}, imported_at)
           select ${loadCols}, case when c.psn_no is not null and ${SAME_PERSON} then c.imported_at else now() end
             from ${this.loadTable} l
             left join (select * from roster_persons where program_id = $1) c on c.psn_no = l.psn_no
           returning imported_at
         )
         select count(*)::int as n, count(*) filter (where imported_at < now())::int as unchanged from ins`,
        [this.programId],
      );
      const [kept] = await tx.query<{ n: number }>(
        `with ins as (
           insert into ${this.nextTable} (${cols}, imported_at)
           select ${ROSTER_TABLE_COLUMNS.map((c) => `c.${c}`).join(", ")}, c.imported_at
             from roster_persons c
            where c.program_id = $1
              and not exists (select 1 from ${this.loadTable} l where l.psn_no = c.psn_no)
           returning 1
         )
         select count(*)::int as n from ins`,
        [this.programId],
      );
      const currentN = current?.n ?? 0;
      const fileN = fromFile?.n ?? 0;
      const unchanged = fromFile?.unchanged ?? 0;
      const keptN = kept?.n ?? 0;
      const updated = currentN - unchanged - keptN;
      return { inserted: fileN - unchanged - updated, updated, unchanged, persons: fileN + keptN };
    });
  }

  /** The three indexes of a roster partition, built concurrently (each its own sort). */
  private async buildIndexes(table: string): Promise<void> {
    const builds = [
      `create unique index ${table}_pkey on ${table} (program_id, psn_no)`,
      `create index ${table}_bidx on ${table} (certno_bidx)`,
      `create index ${table}_unit on ${table} (unit_code) where unit_code is not null`,
    ].map((ddl) =>
      this.db.transaction(async (tx) => {
        await tx.query(`set local maintenance_work_mem = '${INDEX_SORT_MEMORY}'`);
        await tx.query(ddl);
      }),
    );
    const results = await Promise.allSettled(builds);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    await this.db.query(
      `alter table ${table} add constraint ${table}_pk primary key using index ${table}_pkey`,
    );
  }

  /** Keeps the last line of each repeated psn_no; returns the removed lines with the line that won. */
  private async removeDuplicates(): Promise<DuplicateLine[]> {
    return this.db.query<DuplicateLine>(
      `with last as (
         select psn_no, max(line) as last from ${this.loadTable} group by psn_no having count(*) > 1
       )
       delete from ${this.loadTable} l using last where l.psn_no = last.psn_no and l.line < last.last
       returning l.line, last.last`,
    );
  }
}

async function currentRoster(q: Queryable, programId: string): Promise<CurrentRoster> {
  const [row] = await q.query<{ table_name: string; generation: number }>(
    "select table_name, generation from roster_partitions where program_id = $1",
    [programId],
  );
  return { tableName: row?.table_name ?? null, generation: row?.generation ?? 0 };
}

/** Build tables of this program's imports that have been "running" too long: their process is gone. */
async function dropAbandonedBuilds(db: Database, programId: string): Promise<void> {
  const stale = await db.query<{ import_id: string }>(
    `update roster_imports set status = 'failed', finished_at = now(), failure = 'abandoned'
      where program_id = $1 and status = 'running' and started_at < now() - interval '${ABANDONED_AFTER}'
      returning import_id`,
    [programId],
  );
  for (const { import_id } of stale) {
    if (!/^[0-9a-f]{16}$/.test(import_id)) continue;
    await db.exec(
      `drop table if exists roster_load_${import_id}; drop table if exists roster_next_${import_id};`,
    );
  }
}
