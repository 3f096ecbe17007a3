/**
 * Settlement records as the platform keeps them (medical_records). The record is stored without certno and
 * name — psn_no names the person, the roster holds the sealed certno — and with a keyed hash of its
 * canonical JSON, so a resent record can be told apart from a changed one without keeping the original text.
 */
import { createHmac } from "node:crypto";
import type { Queryable, SqlParam } from "../../db/database.js";
import type { Settlement } from "../../domain/settlement.js";
import type { DataKeys } from "../../platform/crypto.js";
import { decrypt } from "../../platform/crypto.js";
import { ServiceError } from "../context.js";

export type RecordSource = "one_stop" | "bureau" | "counter" | "pharmacy";

/** JSON with object keys sorted at every level: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Keyed (blind-index key) so the stored hash cannot be used to confirm a guessed ID number: the record it
 * covers includes certno.
 */
export function contentHash(keys: DataKeys, record: unknown): string {
  return createHmac("sha256", keys.blindIndex).update(canonicalJson(record)).digest("hex");
}

const PERSONAL_FIELDS = new Set(["certno", "psn_name"]);

/** The wire record minus the fields the platform must not keep in the clear. */
export function storableRecord(record: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines properties, so a "__proto__" key in the record stays a field instead of a prototype.
  return Object.fromEntries(Object.entries(record).filter(([k]) => !PERSONAL_FIELDS.has(k)));
}

export interface StoredRecord {
  readonly setlId: string;
  readonly psnNo: string;
  readonly source: RecordSource;
  readonly contentHash: string;
  readonly record: Record<string, unknown>;
}

/**
 * Stores a record unless it is already there. Returns "stored" or "same"; a different record under the same
 * setl_id is a 409 naming setl_id. Runs inside the caller's transaction, which holds the setl_id lock.
 */
export async function storeMedicalRecord(
  tx: Queryable,
  keys: DataKeys,
  programId: string,
  raw: Record<string, unknown>,
  s: Settlement,
  source: RecordSource,
  at: Date,
): Promise<"stored" | "same"> {
  const hash = contentHash(keys, raw);
  const existing = await tx.query<{ content_hash: string }>(
    "select content_hash from medical_records where program_id = $1 and setl_id = $2",
    [programId, s.setlId],
  );
  if (existing[0] !== undefined) {
    if (existing[0].content_hash !== hash) throw setlIdConflict(s.setlId);
    return "same";
  }
  const { columns, values, params } = medicalRecordValues(programId, raw, s, source, hash, at);
  await tx.query(`insert into medical_records (${columns}) values ${values}`, params);
  return "stored";
}

export const MEDICAL_RECORD_COLUMNS =
  "program_id, setl_id, psn_no, fixmedins_code, source, med_type, admitted_at, settled_at, diagnosis_code, funds, psn_part_amt_fen, record, content_hash, received_at";

/**
 * The medical_records row of a record as an insert's column list and VALUES with parameters numbered from
 * `firstParam`: for callers that store the record as part of a larger statement (settleClaim).
 */
export function medicalRecordValues(
  programId: string,
  raw: Record<string, unknown>,
  s: Settlement,
  source: RecordSource,
  hash: string,
  at: Date,
  firstParam = 1,
): { columns: string; values: string; placeholders: string; params: SqlParam[] } {
  const params: SqlParam[] = [
    programId,
    s.setlId,
    s.psnNo,
    s.institutionCode,
    source,
    s.medType,
    new Date(s.admittedAt),
    new Date(s.settledAt),
    s.diagnosisCode ?? null,
    JSON.stringify(s.funds),
    s.personBurden,
    JSON.stringify(storableRecord(raw)),
    hash,
    at,
  ];
  const placeholders = params.map((_, i) => `$${firstParam + i}`).join(",");
  return {
    columns: MEDICAL_RECORD_COLUMNS,
    values: `(${placeholders})`,
    placeholders,
    params,
  };
}

export function setlIdConflict(setlId: string): ServiceError {
  return new ServiceError("conflict", "setl_id_conflict", `setl_id ${setlId} 已以不同内容提交`, "setl_id");
}

/**
 * A stored record made whole again for the engine: the roster's certno (decrypted) put back, so it parses
 * exactly like the record that was sent. Used by online and counter claims on records the bureau shared.
 */
export async function loadRecordForClaim(
  q: Queryable,
  keys: DataKeys,
  programId: string,
  setlId: string,
): Promise<StoredRecord & { wire: Record<string, unknown> }> {
  const rows = await q.query<{
    psn_no: string;
    source: RecordSource;
    content_hash: string;
    record: Record<string, unknown>;
    certno_enc: Uint8Array | null;
  }>(
    `select m.psn_no, m.source, m.content_hash, m.record, r.certno_enc
       from medical_records m left join roster_persons r on r.program_id = m.program_id and r.psn_no = m.psn_no
      where m.program_id = $1 and m.setl_id = $2`,
    [programId, setlId],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError("not_found", "not_found", `结算记录 ${setlId} 不存在`, "setl_id");
  if (row.certno_enc === null)
    throw new ServiceError(
      "unprocessable",
      "not_on_roster",
      `结算记录 ${setlId} 的参保人不在名单中`,
      "setl_id",
    );
  return {
    setlId,
    psnNo: row.psn_no,
    source: row.source,
    contentHash: row.content_hash,
    record: row.record,
    wire: { ...row.record, certno: decrypt(keys, row.certno_enc) },
  };
}
