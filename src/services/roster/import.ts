/**
 * Roster (参保人员名单) import.
 *
 * Import streams the bureau's file (CSV via csv-parse, XLSX via exceljs' streaming reader) record by
 * record: each row is validated (domain/roster), its certno encrypted (AES-256-GCM), blind-indexed
 * (HMAC-SHA256) and masked, and the result is COPYed into the unlogged roster_staging table. One
 * `insert … select … on conflict (program_id, psn_no) do update` then merges the import into
 * roster_persons, so re-importing a file is idempotent and changed rows are updated. Nothing is ever held
 * in memory beyond one COPY chunk, and the plaintext certno never reaches the database.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { maskCertno } from "../../domain/certno.js";
import {
  parseRosterRow,
  type RosterColumn,
  type RosterHeader,
  type RosterRow,
  resolveRosterHeader,
} from "../../domain/roster.js";
import { blindIndex, type DataKeys } from "../../platform/crypto.js";
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import type { SourceRecord } from "./files.js";
import { assertProgramExists } from "./lookup.js";

export interface RosterImportError {
  readonly line: number;
  readonly field: RosterColumn | "header";
  readonly message: string;
}

export interface RosterImportOptions {
  /** Called for every rejected field, as soon as it is found (the CLI prints them to stderr). */
  onError?: (error: RosterImportError) => void;
  /** Called every few thousand records with the number read so far. */
  onProgress?: (read: number) => void;
  /** How many errors to keep in the result (default 1000); the count of rejected rows is always exact. */
  maxErrors?: number;
  /** Recorded in the audit entry (a file name, "api"); never personal data. */
  source?: string;
  /**
   * Worker threads for validation + encryption (PostgreSQL back end, compiled code only). Default: 2 when
   * the machine has ≥ 4 cores, else 0 (in-thread).
   */
  workers?: number;
}

export interface RosterImportResult {
  /** Data records read (header and blank lines excluded). */
  readonly read: number;
  /** Rows now on the roster from this import (new + updated + unchanged). */
  readonly imported: number;
  /** Rows refused: invalid fields, or an earlier duplicate of a psn_no repeated later in the file. */
  readonly rejected: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly RosterImportError[];
  readonly errorsTruncated: boolean;
  readonly elapsedMs: number;
  /** Parse + validate + encrypt + COPY into staging (pipelined), then the merge into roster_persons. */
  readonly stageMs: number;
  readonly mergeMs: number;
}

const STAGING_COLUMNS = [
  "program_id",
  "import_id",
  "line",
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

const NEEDS_QUOTES = /[",\r\n]/;
function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * AES-256-GCM for certno in the layout of platform/crypto `encrypt` (version ‖ iv ‖ tag ‖ ciphertext,
 * so `decrypt` opens it), with IVs drawn from a pooled CSPRNG buffer: one `randomBytes` call per row costs
 * more than the cipher itself.
 */
export class CertnoSealer {
  private pool = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly keys: DataKeys) {}

  sealHex(certno: string): string {
    if (this.at + 12 > this.pool.length) {
      this.pool = randomBytes(12 * 8192);
      this.at = 0;
    }
    const body = Buffer.from(certno, "utf8");
    const out = Buffer.allocUnsafe(29 + body.length);
    out[0] = CIPHERTEXT_VERSION;
    this.pool.copy(out, 1, this.at, this.at + 12);
    this.at += 12;
    const cipher = createCipheriv("aes-256-gcm", this.keys.encryption, out.subarray(1, 13));
    const ct = cipher.update(body);
    cipher.final();
    cipher.getAuthTag().copy(out, 13);
    ct.copy(out, 29);
    return out.toString("hex");
  }
}
const CIPHERTEXT_VERSION = 1;

/** Text after the program and import ids for one staging row (bytea as \x hex, NULL as empty). */
function stagingTail(sealer: CertnoSealer, keys: DataKeys, line: number, row: RosterRow): string {
  return (
    `${line},${csvField(row.psnNo)},\\x${sealer.sealHex(row.certno)},` +
    `\\x${blindIndex(keys, row.certno).toString("hex")},${maskCertno(row.certno)},${csvField(row.name)},` +
    `${row.gend},${row.birthDate},${row.insutype},${row.admdvs},` +
    `${row.unitCode === null ? "" : csvField(row.unitCode)},${row.cohort ?? ""}`
  );
}

interface StagedBatch {
  read: number;
  invalid: number;
  errors: RosterImportError[];
  /** Staging rows joined by newlines (PostgreSQL), or "" when `lines` is used. */
  text: string;
  lines: string[];
}

/** Validates, encrypts and formats one batch of data records for COPY into roster_staging. */
function stageBatch(
  sealer: CertnoSealer,
  keys: DataKeys,
  header: RosterHeader,
  prefix: string,
  records: readonly SourceRecord[],
  joined: boolean,
): StagedBatch {
  const lines: string[] = [];
  const errors: RosterImportError[] = [];
  let invalid = 0;
  for (const record of records) {
    const result = parseRosterRow(header, record.cells);
    if (!result.ok) {
      invalid++;
      for (const e of result.errors) errors.push({ line: record.line, field: e.field, message: e.message });
      continue;
    }
    lines.push(prefix + stagingTail(sealer, keys, record.line, result.row));
  }
  return {
    read: records.length,
    invalid,
    errors,
    text: joined ? lines.join("\n") : "",
    lines: joined ? [] : lines,
  };
}

const COMPILED = import.meta.url.endsWith(".js");

/**
 * Measured on the 2-core reference machine, worker threads made the import slower (parser thread, workers
 * and the PostgreSQL backend contend for two cores), so they are used only where cores are to spare.
 */
function defaultWorkers(): number {
  return COMPILED && availableParallelism() >= 4 ? 2 : 0;
}

interface WorkerInit {
  hmbRosterStagingWorker: true;
  encryption: Uint8Array;
  blindIndex: Uint8Array;
  header: RosterHeader;
  prefix: string;
}

/**
 * Worker threads running `stageBatch` (this same module, started with a marker in workerData): the
 * per-row AES-GCM and HMAC dominate import CPU, so they run beside the thread that parses the file.
 */
class StagingWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly waiting: { resolve: (r: StagedBatch) => void; reject: (e: unknown) => void }[][] = [];
  private next = 0;
  private failure: unknown;
  private closing = false;

  constructor(size: number, keys: DataKeys, header: RosterHeader, prefix: string) {
    if (!COMPILED) throw new Error("roster staging workers need the compiled module");
    const init: WorkerInit = {
      hmbRosterStagingWorker: true,
      encryption: keys.encryption,
      blindIndex: keys.blindIndex,
      header,
      prefix,
    };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL(import.meta.url), { workerData: init });
      const queue: { resolve: (r: StagedBatch) => void; reject: (e: unknown) => void }[] = [];
      worker.on("message", (r: StagedBatch) => queue.shift()?.resolve(r));
      const fail = (e: unknown) => {
        this.failure ??= e;
        for (const w of queue.splice(0)) w.reject(e);
      };
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (code !== 0 && !this.closing) fail(new Error(`roster staging worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.waiting.push(queue);
    }
  }

  run(records: readonly SourceRecord[]): Promise<StagedBatch> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const i = this.next;
    this.next = (this.next + 1) % this.workers.length;
    const result = new Promise<StagedBatch>((resolve, reject) => {
      (this.waiting[i] as { resolve: (r: StagedBatch) => void; reject: (e: unknown) => void }[]).push({
        resolve,
        reject,
      });
      (this.workers[i] as Worker).postMessage(records);
    });
    // A batch abandoned because the import failed elsewhere must not become an unhandled rejection.
    result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.hmbRosterStagingWorker === true) {
  const init = workerData as WorkerInit;
  const keys: DataKeys = {
    encryption: Buffer.from(init.encryption),
    blindIndex: Buffer.from(init.blindIndex),
  };
  const sealer = new CertnoSealer(keys);
  parentPort?.on("message", (records: SourceRecord[]) => {
    parentPort?.postMessage(stageBatch(sealer, keys, init.header, init.prefix, records, true));
  });
}

/**
 * Imports records (the first one is the header) into a program's roster. Throws ServiceError for fatal
 * problems (unknown program, bad header, unreadable file); invalid rows are reported and skipped.
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
  let header: RosterHeader | undefined;
  const importId = randomBytes(8).toString("hex");
  const prefix = `${csvField(programId)},${importId},`;
  // PostgreSQL: hand COPY one chunk of many rows per batch (one stream write each); PGlite's copyCsv
  // counts and batches the items it is given, so it gets single rows.
  const perRow = ctx.db.kind !== "postgres";
  const workers = perRow ? 0 : (options.workers ?? defaultWorkers());
  const sealer = new CertnoSealer(ctx.keys);
  let pool: StagingWorkerPool | undefined;

  function take(r: StagedBatch): void {
    read += r.read;
    invalid += r.invalid;
    for (const e of r.errors) report(e);
    options.onProgress?.(read);
  }

  async function* stagingRows(): AsyncGenerator<string> {
    const inflight: Promise<StagedBatch>[] = [];
    for await (const batch of records) {
      let rows = batch;
      if (header === undefined) {
        const first = batch[0];
        if (first === undefined) continue;
        const h = resolveRosterHeader(first.cells);
        if (!h.ok) throw new ServiceError(400, "invalid_header", h.error.message, "header");
        header = h.header;
        rows = batch.slice(1);
        if (workers > 0) pool = new StagingWorkerPool(workers, ctx.keys, header, prefix);
      }
      if (rows.length === 0) continue;
      if (pool !== undefined) {
        inflight.push(pool.run(rows));
        while (inflight.length >= 2 * workers) {
          const r = await (inflight.shift() as Promise<StagedBatch>);
          take(r);
          if (r.text !== "") yield r.text;
        }
        continue;
      }
      const r = stageBatch(sealer, ctx.keys, header, prefix, rows, !perRow);
      take(r);
      if (perRow) yield* r.lines;
      else if (r.text !== "") yield r.text;
    }
    for (const p of inflight) {
      const r = await p;
      take(r);
      if (r.text !== "") yield r.text;
    }
    if (header === undefined) throw new ServiceError(400, "invalid_header", "文件为空，缺少表头", "header");
  }

  try {
    const staged = await ctx.db.copyCsv("roster_staging", STAGING_COLUMNS, stagingRows());
    const stagedAt = performance.now();
    options.onProgress?.(read);
    const merged = await ctx.db.transaction(async (tx) => {
      // The merge sorts the whole import once: give it memory rather than spill (this transaction only).
      await tx.query("set local work_mem = '256MB'");
      // A psn_no repeated in the file: the last occurrence wins; the earlier lines are reported.
      const [m] = await tx.query<{ affected: number; inserted: number; distinct_rows: number }>(
        `with src as materialized (
           select distinct on (psn_no) psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
             insutype, admdvs, unit_code, cohort
           from roster_staging where program_id = $1 and import_id = $2
           order by psn_no, line desc
         ), m as (
           insert into roster_persons as r (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name,
             gend, brdy, insutype, admdvs, unit_code, cohort)
           select $1, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy, insutype, admdvs,
             unit_code, cohort from src
           on conflict (program_id, psn_no) do update set certno_enc = excluded.certno_enc,
             certno_bidx = excluded.certno_bidx, certno_masked = excluded.certno_masked,
             psn_name = excluded.psn_name, gend = excluded.gend, brdy = excluded.brdy,
             insutype = excluded.insutype, admdvs = excluded.admdvs, unit_code = excluded.unit_code,
             cohort = excluded.cohort, imported_at = now()
           where (r.certno_bidx, r.psn_name, r.gend, r.brdy, r.insutype, r.admdvs, r.unit_code, r.cohort)
             is distinct from (excluded.certno_bidx, excluded.psn_name, excluded.gend, excluded.brdy,
               excluded.insutype, excluded.admdvs, excluded.unit_code, excluded.cohort)
           returning (r.xmax = 0) as inserted
         )
         select (select count(*) from m)::int as affected,
                (select count(*) from m where inserted)::int as inserted,
                (select count(*) from src)::int as distinct_rows`,
        [programId, importId],
      );
      const result = m ?? { affected: 0, inserted: 0, distinct_rows: 0 };
      let duplicates = 0;
      if (result.distinct_rows < staged) {
        const dups = await tx.query<{ line: number; last: number }>(
          `select line, last from (
             select line, max(line) over (partition by psn_no) as last
             from roster_staging where program_id = $1 and import_id = $2
           ) x where line < last order by line`,
          [programId, importId],
        );
        duplicates = dups.length;
        for (const d of dups) {
          report({ line: d.line, field: "psn_no", message: `与第 ${d.last} 行重复，以第 ${d.last} 行为准` });
        }
      }
      return { ...result, duplicates };
    });
    const imported = merged.distinct_rows;
    const result: RosterImportResult = {
      read,
      imported,
      rejected: invalid + merged.duplicates,
      inserted: merged.inserted,
      updated: merged.affected - merged.inserted,
      unchanged: imported - merged.affected,
      errors: errors.sort((a, b) => a.line - b.line),
      errorsTruncated: errorCount > errors.length,
      elapsedMs: performance.now() - started,
      stageMs: stagedAt - started,
      mergeMs: performance.now() - stagedAt,
    };
    await audit(ctx.db, actor, programId, "roster.import", programId, {
      source: options.source ?? null,
      read: result.read,
      imported: result.imported,
      rejected: result.rejected,
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
    });
    return result;
  } finally {
    await pool?.close();
    await ctx.db
      .query("delete from roster_staging where program_id = $1 and import_id = $2", [programId, importId])
      .catch(() => undefined);
  }
}
