/**
 * The Node side of a roster import: validate each record (domain/roster), seal its certno (AES-256-GCM and
 * the keyed blind index, a whole batch per call) and write the COPY tuples for the build table. The
 * plaintext certno never leaves this module; the database only ever sees the sealed bytes and the mask.
 * Rows go out as binary COPY tuples: no per-row string, no hex text for the sealed bytes.
 */
import type { CopyTupleWriter } from "../../db/copy-binary.js";
import { maskCertno } from "../../domain/certno.js";
import { parseRosterRow, type RosterColumn, type RosterHeader, type RosterRow } from "../../domain/roster.js";
import { BLIND_INDEX_BYTES, type CertnoBatchSealer, SEALED_BYTES } from "../../platform/certno-sealer.js";
import { ROSTER_TABLE_COLUMNS } from "./build.js";
import type { SourceRecord } from "./files.js";

export interface RosterImportError {
  readonly line: number;
  readonly field: RosterColumn | "header";
  readonly message: string;
}

/** Columns of the build table in COPY order: the roster's, plus the source line (for duplicate reports). */
export const LOAD_COLUMNS = [...ROSTER_TABLE_COLUMNS, "line"] as const;

export interface StagedBatch {
  readonly read: number;
  readonly invalid: number;
  readonly errors: readonly RosterImportError[];
  /** Rows staged (valid records). */
  readonly rows: number;
  /** The rows as binary COPY tuples in LOAD_COLUMNS order (db/copy-binary). */
  readonly tuples: Buffer;
}

/**
 * Whether the file may repeat a psn_no, without keeping the psn_nos: a 52-bit hash of each (a number in a
 * Set, ~20 bytes per person). No repeat seen means none exists; a repeat seen may be a hash collision, which
 * the database then rules out. Lets a re-import skip the duplicate search over the whole build table.
 */
export class RepeatWatch {
  private readonly seen = new Set<number>();
  private repeated = false;

  get maybeRepeated(): boolean {
    return this.repeated;
  }

  see(psnNo: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < psnNo.length; i++) {
      const c = psnNo.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    const key = (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
    if (this.seen.has(key)) this.repeated = true;
    else this.seen.add(key);
  }
}

/** Validates, seals and writes one batch of data records as COPY tuples for the program's build table. */
export function stageBatch(
  sealer: CertnoBatchSealer,
  writer: CopyTupleWriter,
  programId: string,
  header: RosterHeader,
  records: readonly SourceRecord[],
  repeats?: RepeatWatch,
): StagedBatch {
  const valid: { line: number; row: RosterRow }[] = [];
  const errors: RosterImportError[] = [];
  let invalid = 0;
  for (const record of records) {
    const result = parseRosterRow(header, record.cells);
    if (!result.ok) {
      invalid++;
      for (const e of result.errors) errors.push({ line: record.line, field: e.field, message: e.message });
      continue;
    }
    valid.push({ line: record.line, row: result.row });
    repeats?.see(result.row.psnNo);
  }
  const { sealed, blindIndexes } = sealer.seal(valid.map((v) => v.row.certno));
  for (let i = 0; i < valid.length; i++) {
    const { line, row } = valid[i] as { line: number; row: RosterRow };
    writer
      .tuple(LOAD_COLUMNS.length)
      .text(programId)
      .text(row.psnNo)
      .bytes(sealed, i * SEALED_BYTES, (i + 1) * SEALED_BYTES)
      .bytes(blindIndexes, i * BLIND_INDEX_BYTES, (i + 1) * BLIND_INDEX_BYTES)
      .text(maskCertno(row.certno))
      .text(row.name)
      .text(row.gend)
      .date(row.birthDate)
      .text(row.insutype)
      .text(row.admdvs)
      .text(row.unitCode)
      .text(row.cohort)
      .int4(line);
  }
  return { read: records.length, invalid, errors, rows: valid.length, tuples: writer.take() };
}
