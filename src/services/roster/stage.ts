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
import type { SourceRecord } from "./files.js";

export interface RosterImportError {
  readonly line: number;
  readonly field: RosterColumn | "header";
  readonly message: string;
}

/** Columns of the build table in COPY order (the roster's columns plus the source line). */
export const LOAD_COLUMNS = [
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
  "line",
] as const;

export interface StagedBatch {
  readonly read: number;
  readonly invalid: number;
  readonly errors: readonly RosterImportError[];
  /** Rows staged (valid records). */
  readonly rows: number;
  /** The rows as binary COPY tuples in LOAD_COLUMNS order (db/copy-binary). */
  readonly tuples: Buffer;
}

/** Validates, seals and writes one batch of data records as COPY tuples for the program's build table. */
export function stageBatch(
  sealer: CertnoBatchSealer,
  writer: CopyTupleWriter,
  programId: string,
  header: RosterHeader,
  records: readonly SourceRecord[],
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
