/**
 * Roster (参保人员名单) import: the bureau's file in, the program's roster replaced by it.
 *
 * Records stream from the file (roster/files) in batches; each batch is validated, its certnos sealed and
 * formatted (roster/stage) and COPYed into a build table while the next batch is read. The database side
 * (roster/build) then turns the build table into the program's next roster partition and swaps it in. Only
 * one batch is in memory at a time, and the plaintext certno never reaches the database. Re-importing a
 * file is idempotent: unchanged persons keep their imported_at, changed ones are updated, persons absent
 * from the file stay on the roster.
 */
import { type RosterHeader, resolveRosterHeader } from "../../domain/roster.js";
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { RosterBuild } from "./build.js";
import type { SourceRecord } from "./files.js";
import { assertProgramExists } from "./lookup.js";
import { LOAD_COLUMNS, type RosterImportError, type StagedBatch } from "./stage.js";
import { createStager, type Stager } from "./stager.js";

/** Batches handed to the stager before the first answer is awaited. */
const STAGED_AHEAD = 2;

/**
 * Imports loading (COPY) at once in this process. Each holds a database connection for its COPY and keeps
 * a core busy staging; more at once would only take connections the other routes (and /healthz) need.
 * Further imports wait their turn without holding anything.
 */
const MAX_CONCURRENT_LOADS = 2;
let loading = 0;
const waitingToLoad: (() => void)[] = [];

async function loadSlot(): Promise<() => void> {
  if (loading >= MAX_CONCURRENT_LOADS) await new Promise<void>((resolve) => waitingToLoad.push(resolve));
  else loading++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = waitingToLoad.shift();
    if (next !== undefined) next();
    else loading--;
  };
}

/**
 * The first batch that holds a record, its first record being the header. Read before the COPY opens, so a
 * file that is empty, unreadable or without a valid header never holds a connection.
 */
async function firstRecords(
  source: AsyncIterator<readonly SourceRecord[]>,
): Promise<{ header: RosterHeader; rows: readonly SourceRecord[] }> {
  for (;;) {
    const next = await source.next();
    if (next.done === true)
      throw new ServiceError("invalid", "invalid_header", "文件为空，缺少表头", "header");
    const first = next.value[0];
    if (first === undefined) continue;
    const h = resolveRosterHeader(first.cells);
    if (!h.ok) throw new ServiceError("invalid", "invalid_header", h.error.message, "header");
    return { header: h.header, rows: next.value.slice(1) };
  }
}

export type { RosterImportError } from "./stage.js";

export interface RosterImportOptions {
  /** Called for every rejected field, as soon as it is found (the CLI prints them to stderr). */
  onError?: (error: RosterImportError) => void;
  /** Called every few thousand records with the numbers read and rejected so far. */
  onProgress?: (read: number, rejected: number) => void;
  /** How many errors to keep in the result (default 1000); the count of rejected rows is always exact. */
  maxErrors?: number;
  /** Recorded in the audit entry and the import history (a file name, "api"); never personal data. */
  source?: string;
  /** Stage in a worker thread (PostgreSQL, compiled code); default true. */
  thread?: boolean;
}

export interface RosterImportResult {
  readonly importId: string;
  /** Data records read (header and blank lines excluded). */
  readonly read: number;
  /** Rows now on the roster from this import (new + updated + unchanged). */
  readonly imported: number;
  /** Rows refused: invalid fields, or an earlier duplicate of a psn_no repeated later in the file. */
  readonly rejected: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Persons on the roster after the import (this file's + those kept from before). */
  readonly persons: number;
  readonly errors: readonly RosterImportError[];
  readonly errorsTruncated: boolean;
  readonly elapsedMs: number;
  /** Read + validate + seal + COPY into the build table (pipelined). */
  readonly stageMs: number;
  /** Next roster built with its indexes, or (small re-import) the changed rows found. */
  readonly buildMs: number;
  /** Old partition out and new one in with the rollups recomputed, or the changed rows upserted. */
  readonly swapMs: number;
}

/** The counts every report of an import shows (audit entry, API answer, CLI report), in this order. */
export function rosterImportCounts(r: RosterImportResult) {
  return {
    read: r.read,
    imported: r.imported,
    rejected: r.rejected,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
  };
}

/**
 * Imports records (the first one is the header) into a program's roster. Throws ServiceError for fatal
 * problems (unknown program, bad header, unreadable file, another import finishing first); invalid rows
 * are reported and skipped.
 */
export async function importRoster(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  records: AsyncIterable<readonly SourceRecord[]>,
  options: RosterImportOptions = {},
): Promise<RosterImportResult> {
  const started = performance.now();
  await assertProgramExists(ctx.db, programId);
  const maxErrors = options.maxErrors ?? 1000;
  const errors: RosterImportError[] = [];
  let errorCount = 0;
  const report = (e: RosterImportError) => {
    errorCount++;
    if (errors.length < maxErrors) errors.push(e);
    options.onError?.(e);
  };
  let read = 0;
  let invalid = 0;
  // A first import finds repeated psn_nos through its unique index for free; only a re-import needs the watch.
  const current = await ctx.db.query("select 1 from roster_persons where program_id = $1 limit 1", [
    programId,
  ]);
  let stager: Stager | undefined;
  let maybeRepeated: boolean | undefined;
  const source = records[Symbol.asyncIterator]();

  function take(r: StagedBatch): void {
    read += r.read;
    invalid += r.invalid;
    for (const e of r.errors) report(e);
    options.onProgress?.(read, invalid);
  }

  async function* stagedTuples(into: Stager, firstRows: readonly SourceRecord[]): AsyncGenerator<Buffer> {
    // Batches staged ahead of COPY: enough to keep the stager busy while the main thread parses.
    const inflight: Promise<StagedBatch>[] = [];
    for (let batch = firstRows; ; ) {
      if (batch.length > 0) inflight.push(into.stage(batch));
      while (inflight.length > STAGED_AHEAD) {
        const r = await (inflight.shift() as Promise<StagedBatch>);
        take(r);
        if (r.rows > 0) yield r.tuples;
      }
      const next = await source.next();
      if (next.done === true) break;
      batch = next.value;
    }
    for (const p of inflight.splice(0)) {
      const r = await p;
      take(r);
      if (r.rows > 0) yield r.tuples;
    }
    maybeRepeated = await into.maybeRepeated();
  }

  const build = new RosterBuild(ctx.db, programId);
  await build.start(options.source ?? null);
  let releaseSlot: (() => void) | undefined;
  try {
    const { header, rows } = await firstRecords(source);
    stager = createStager(
      { keys: ctx.keys, programId, header, watchRepeats: current.length > 0 },
      { thread: ctx.db.kind === "postgres" && options.thread !== false },
    );
    releaseSlot = await loadSlot();
    try {
      await ctx.db.copyBinary(build.loadTable, LOAD_COLUMNS, stagedTuples(stager, rows));
    } finally {
      releaseSlot();
    }
    const stagedAt = performance.now();
    options.onProgress?.(read, invalid);
    const { counts, duplicates } = await build.prepare({ maybeRepeated: maybeRepeated ?? true });
    for (const d of duplicates.sort((a, b) => a.line - b.line)) {
      report({ line: d.line, field: "psn_no", message: `与第 ${d.last} 行重复，以第 ${d.last} 行为准` });
    }
    const builtAt = performance.now();
    await build.commit(counts.persons);
    const swappedAt = performance.now();
    const result: RosterImportResult = {
      importId: build.importId,
      read,
      imported: counts.inserted + counts.updated + counts.unchanged,
      rejected: invalid + duplicates.length,
      inserted: counts.inserted,
      updated: counts.updated,
      unchanged: counts.unchanged,
      persons: counts.persons,
      errors: errors.sort((a, b) => a.line - b.line),
      errorsTruncated: errorCount > errors.length,
      elapsedMs: swappedAt - started,
      stageMs: stagedAt - started,
      buildMs: builtAt - stagedAt,
      swapMs: swappedAt - builtAt,
    };
    await build.finish(result);
    await audit(ctx.db, actor, programId, "roster.import", programId, {
      source: options.source ?? null,
      import_id: result.importId,
      ...rosterImportCounts(result),
    });
    return result;
  } catch (e) {
    await build.fail(e);
    throw e;
  } finally {
    releaseSlot?.();
    // The file's reader is done with, read to the end or not (its stream is released).
    source.return?.(undefined)?.catch(() => undefined);
    await stager?.close();
    await build.cleanUp();
  }
}

/** One import in the program's history (no personal data: counts and the source's name only). */
export interface RosterImportRecord {
  readonly import_id: string;
  readonly status: "running" | "done" | "failed";
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly source: string | null;
  readonly read: number | null;
  readonly imported: number | null;
  readonly rejected: number | null;
  readonly inserted: number | null;
  readonly updated: number | null;
  readonly unchanged: number | null;
  readonly failure: string | null;
}

/** The program's imports, newest first: what ran, when, with what result (and which are still running). */
export async function listRosterImports(
  ctx: PlatformContext,
  programId: string,
  limit = 50,
): Promise<RosterImportRecord[]> {
  await assertProgramExists(ctx.db, programId);
  return ctx.db.query<RosterImportRecord>(
    `select import_id, status, to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at,
            to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as finished_at, source,
            read::int, imported::int, rejected::int, inserted::int, updated::int, unchanged::int, failure
       from roster_imports where program_id = $1 order by started_at desc, import_id limit $2`,
    [programId, limit],
  );
}
