/**
 * 单位投保 from an uploaded Excel list (issue 14): a unit's clerk lists its people (姓名, 证件号码 or 个人编号,
 * 关系); every row is checked against the program's roster and the unit, each refused row named by its row
 * and column in Chinese, and the valid ones are enrolled in one unit enrollment (services/enrollment.ts).
 *
 * Idempotent: an upload is keyed by the file's SHA-256 per unit, and by the client's reference when it gives
 * one; the same file (or reference) again answers with the first report and enrolls no one twice. A file
 * with no valid row changes nothing and writes no upload. A dry run checks and reports only.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  UNIT_LIST_COLUMNS,
  UNIT_LIST_RELATIONS,
  type UnitListRelation,
} from "../contract/unit-enrollment.js";
import { isValidCertno } from "../domain/certno.js";
import { unitCodeProblem } from "../domain/roster.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { type EnrollmentResult, enroll } from "./enrollment.js";
import { maskName } from "./policies.js";
import { loadProgram } from "./programs.js";
import {
  findRosterPerson,
  findRosterPersonByCertno,
  type RosterPerson,
  type SourceRecord,
  xlsxRecords,
} from "./roster.js";

/** The most rows one upload may hold: a unit's list, not a roster (that is the roster import's job). */
export const UNIT_LIST_MAX_ROWS = 5000;
/** The largest file accepted (bytes); the route's body limit is the same. */
export const UNIT_LIST_MAX_BYTES = 5 * 1024 * 1024;
const UPLOAD_ID_BYTES = 8;
const PSN_NO = /^[A-Za-z0-9_-]{1,40}$/;

export type UnitChannel = "offline" | "cash";

export interface UnitUploadInput {
  readonly programId: string;
  readonly unitCode: string;
  readonly channel: UnitChannel;
  readonly plan?: string | undefined;
  readonly ref?: string | undefined;
  readonly dryRun: boolean;
  readonly file: Buffer;
  /** Told after each row is checked (rows checked, rejected so far, rows in the list), then when enrolling. */
  readonly onProgress?: ((p: UnitUploadProgress) => void) | undefined;
}

export type UnitUploadProgress =
  | {
      readonly phase: "checking";
      readonly checked: number;
      readonly rejected: number;
      readonly total: number;
    }
  | { readonly phase: "enrolling" };

export interface UnitUploadReject {
  row: number;
  column: string;
  message: string;
}

export interface UnitUploadRow {
  row: number;
  psn_no: string;
  psn_name: string;
  relation: UnitListRelation;
  outcome: "valid" | "enrolled" | "skipped";
  policy_no: string | null;
}

/** The upload's report; the enrollment's premiums in fen (the API adds yuan). */
export interface UnitUploadReport {
  upload_id: string | null;
  outcome: "checked" | "enrolled" | "rejected";
  replayed: boolean;
  unit_code: string;
  read: number;
  valid: number;
  rejected: number;
  enrolled: number;
  skipped: number;
  rejects: UnitUploadReject[];
  rows: UnitUploadRow[];
  enrollment: EnrollmentResult | null;
}

const bad = (message: string, field: string, code = "invalid_value") =>
  new ServiceError("invalid", code, message, field);

/** Names compare as the family enrollment compares them: compatibility-folded, without spaces. */
const normalizeName = (name: string) => name.normalize("NFKC").replace(/\s+/g, "");

interface Columns {
  name: number;
  certno: number | undefined;
  psnNo: number | undefined;
  relation: number | undefined;
  /** The header words as the file wrote them, for messages. */
  label: (i: number) => string;
}

function columnsOf(header: readonly string[]): Columns {
  const cells = header.map((c) => c.trim());
  const find = (names: readonly string[]) => {
    const i = cells.findIndex((c) => names.includes(c));
    return i < 0 ? undefined : i;
  };
  const name = find(UNIT_LIST_COLUMNS.name);
  if (name === undefined)
    throw bad("名单第 1 行（表头）缺少「姓名」列：请按模板填写表头后重新上传", "file", "missing_column");
  const certno = find(UNIT_LIST_COLUMNS.certno);
  const psnNo = find(UNIT_LIST_COLUMNS.psnNo);
  if (certno === undefined && psnNo === undefined) {
    throw bad(
      "名单第 1 行（表头）缺少「证件号码」或「个人编号」列：至少需要其中一列",
      "file",
      "missing_column",
    );
  }
  return {
    name,
    certno,
    psnNo,
    relation: find(UNIT_LIST_COLUMNS.relation),
    label: (i) => cells[i] ?? "",
  };
}

/** The list's rows: the header (first non-empty row) and the data rows after it. */
async function readList(file: Buffer): Promise<{ columns: Columns; rows: SourceRecord[] }> {
  if (file.length === 0) throw bad("文件为空：请选择单位投保名单（Excel .xlsx）", "file", "invalid_xlsx");
  if (file.length > UNIT_LIST_MAX_BYTES)
    throw bad(`文件超过 ${UNIT_LIST_MAX_BYTES / 1024 / 1024} MB：请分成几份上传`, "file", "too_large");
  const records: SourceRecord[] = [];
  for await (const batch of xlsxRecords(Readable.from([file]))) {
    records.push(...batch);
    if (records.length > UNIT_LIST_MAX_ROWS + 1)
      throw bad(`名单超过 ${UNIT_LIST_MAX_ROWS} 行：请分成几份上传`, "file", "too_many_rows");
  }
  const [header, ...rows] = records;
  if (header === undefined) throw bad("名单是空的：第一个工作表没有内容", "file", "empty_file");
  const columns = columnsOf(header.cells);
  if (rows.length === 0) throw bad("名单只有表头，没有人员：请从第 2 行起每行填写一人", "file", "empty_file");
  return { columns, rows };
}

interface Candidate {
  row: number;
  person: RosterPerson;
  relation: UnitListRelation;
  /** The column that named the person (证件号码 or 个人编号). */
  idColumn: number | undefined;
}

/**
 * Checks one row against the roster and the unit: a reject naming the row and the column, or the person.
 * By ID number through the roster's keyed blind index (never the plaintext in SQL), else by roster number;
 * both given must be the same person; the name must match the roster's.
 */
async function checkRow(
  ctx: PlatformContext,
  input: UnitUploadInput,
  columns: Columns,
  record: SourceRecord,
): Promise<Candidate | UnitUploadReject> {
  const row = record.line;
  const cell = (i: number | undefined) => (i === undefined ? "" : (record.cells[i] ?? "").trim());
  const reject = (i: number | undefined, message: string): UnitUploadReject => ({
    row,
    column: i === undefined ? "" : columns.label(i),
    message: `第 ${row} 行「${i === undefined ? "" : columns.label(i)}」${message}`,
  });
  const name = cell(columns.name);
  if (name === "") return reject(columns.name, "为空：请填写姓名");
  const certno = cell(columns.certno).toUpperCase();
  const psnNo = cell(columns.psnNo);
  if (certno === "" && psnNo === "")
    return reject(columns.certno ?? columns.psnNo, "为空：请填写证件号码或个人编号");
  const relationText = cell(columns.relation);
  const relation =
    relationText === "" ? "employee" : UNIT_LIST_RELATIONS[relationText as keyof typeof UNIT_LIST_RELATIONS];
  if (relation === undefined) {
    return reject(
      columns.relation,
      `填写了「${relationText}」：应为 ${Object.keys(UNIT_LIST_RELATIONS).join("、")} 之一（空为职工）`,
    );
  }
  let person: RosterPerson | undefined;
  let idColumn = columns.certno;
  if (certno !== "") {
    if (!isValidCertno(certno))
      return reject(columns.certno, "不是有效的身份证号码：请核对 18 位号码（最后一位可能是 X）");
    person = await findRosterPersonByCertno(ctx, input.programId, certno);
    if (person === undefined) return reject(columns.certno, "对应的人不在本项目基本医保参保名单中：不能投保");
    if (psnNo !== "" && psnNo !== person.psnNo)
      return reject(columns.psnNo, "与证件号码不是同一人：请核对，或只填其中一项");
  } else {
    idColumn = columns.psnNo;
    if (!PSN_NO.test(psnNo)) return reject(columns.psnNo, "格式不正确：应为字母、数字、- 或 _");
    person = await findRosterPerson(ctx.db, input.programId, psnNo);
    if (person === undefined) return reject(columns.psnNo, "不在本项目基本医保参保名单中：不能投保");
  }
  if (normalizeName(person.name) !== normalizeName(name))
    return reject(columns.name, "与名单中该证件号码的姓名不一致：请核对姓名");
  if (person.unitCode !== input.unitCode)
    return reject(idColumn, `对应的人不属于单位 ${input.unitCode}：请核对，或到其所在单位投保`);
  return { row, person, relation, idColumn };
}

async function storedReport(
  ctx: PlatformContext,
  input: UnitUploadInput,
  sha256: string,
): Promise<UnitUploadReport | undefined> {
  const rows = await ctx.db.query<{
    status: string;
    file_sha256: string;
    unit_code: string;
    report: UnitUploadReport | null;
  }>(
    `select status, file_sha256, unit_code, report from unit_enrollment_uploads
      where program_id = $1 and ((unit_code = $2 and file_sha256 = $3) or client_ref = $4)
      order by (client_ref = $4) desc nulls last limit 1`,
    [input.programId, input.unitCode, sha256, input.ref ?? null],
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  if (r.file_sha256 !== sha256 || r.unit_code !== input.unitCode) {
    throw new ServiceError(
      "conflict",
      "ref_reused",
      "这个参考号已用于另一份名单：请换一个参考号，或上传原来的文件",
      "ref",
    );
  }
  if (r.status !== "done" || r.report === null) {
    throw new ServiceError(
      "conflict",
      "upload_running",
      "这份名单正在投保中：请稍候刷新查看结果，不要重复上传",
      "file",
    );
  }
  const report = typeof r.report === "string" ? (JSON.parse(r.report) as UnitUploadReport) : r.report;
  return { ...report, replayed: true };
}

function assertStaff(actor: Actor): void {
  if (actor.role !== "operator" && actor.role !== "admin")
    throw new ServiceError("forbidden", "forbidden", "只有经办人员可以上传单位投保名单", undefined);
}

/** Checks an uploaded unit list and, unless a dry run, enrolls its valid rows (see the module comment). */
export async function uploadUnitList(
  ctx: PlatformContext,
  actor: Actor,
  input: UnitUploadInput,
): Promise<UnitUploadReport> {
  assertStaff(actor);
  const unitProblem = unitCodeProblem(input.unitCode);
  if (unitProblem !== undefined) throw bad(`单位编码${unitProblem}`, "unit_code");
  await loadProgram(ctx, input.programId);
  const sha256 = createHash("sha256").update(input.file).digest("hex");
  const replay = await storedReport(ctx, input, sha256);
  if (replay !== undefined) return replay;

  const { columns, rows } = await readList(input.file);
  const rejects: UnitUploadReject[] = [];
  const valid: Candidate[] = [];
  const firstRowOf = new Map<string, number>();
  // A person listed twice: the later row is refused, naming the first.
  const repeatOf = (c: Candidate): UnitUploadReject | undefined => {
    const earlier = firstRowOf.get(c.person.psnNo);
    if (earlier === undefined) return undefined;
    const column = c.idColumn === undefined ? "" : columns.label(c.idColumn);
    return {
      row: c.row,
      column,
      message: `第 ${c.row} 行「${column}」与第 ${earlier} 行是同一人：每人只需填写一行`,
    };
  };
  for (const [index, record] of rows.entries()) {
    const checked = await checkRow(ctx, input, columns, record);
    const reject = "person" in checked ? repeatOf(checked) : checked;
    if (reject !== undefined) rejects.push(reject);
    else if ("person" in checked) {
      firstRowOf.set(checked.person.psnNo, checked.row);
      valid.push(checked);
    }
    input.onProgress?.({
      phase: "checking",
      checked: index + 1,
      rejected: rejects.length,
      total: rows.length,
    });
  }
  const report: UnitUploadReport = {
    upload_id: null,
    outcome: input.dryRun ? "checked" : valid.length === 0 ? "rejected" : "enrolled",
    replayed: false,
    unit_code: input.unitCode,
    read: rows.length,
    valid: valid.length,
    rejected: rejects.length,
    enrolled: 0,
    skipped: 0,
    rejects,
    rows: valid.map((c) => ({
      row: c.row,
      psn_no: c.person.psnNo,
      psn_name: maskName(c.person.name),
      relation: c.relation,
      outcome: "valid",
      policy_no: null,
    })),
    enrollment: null,
  };
  const detail = { unit_code: input.unitCode, read: report.read, rejected: report.rejected };
  if (report.outcome !== "enrolled") {
    await audit(ctx.db, actor, input.programId, "enrollment.unit_upload", input.unitCode, {
      ...detail,
      outcome: report.outcome,
    });
    return report;
  }
  return enrollValid(ctx, actor, input, sha256, report, valid);
}

/** Holds the upload's key, enrolls, and stores the report; a failed enrollment releases the key. */
async function enrollValid(
  ctx: PlatformContext,
  actor: Actor,
  input: UnitUploadInput,
  sha256: string,
  report: UnitUploadReport,
  valid: readonly Candidate[],
): Promise<UnitUploadReport> {
  const uploadId = `UU${randomBytes(UPLOAD_ID_BYTES).toString("hex").toUpperCase()}`;
  const held = await ctx.db.query(
    `insert into unit_enrollment_uploads (program_id, upload_id, unit_code, file_sha256, client_ref, status,
       rows_read, rows_rejected, actor, created_at)
     values ($1,$2,$3,$4,$5,'running',$6,$7,$8,$9) on conflict do nothing returning upload_id`,
    [
      input.programId,
      uploadId,
      input.unitCode,
      sha256,
      input.ref ?? null,
      report.read,
      report.rejected,
      actor.id,
      ctx.clock.now(),
    ],
  );
  if (held.length === 0) {
    // A concurrent upload of the same file took the key first: answer with its report.
    const replay = await storedReport(ctx, input, sha256);
    if (replay !== undefined) return replay;
  }
  let enrollment: EnrollmentResult | null = null;
  input.onProgress?.({ phase: "enrolling" });
  try {
    enrollment = await enroll(ctx, actor, {
      programId: input.programId,
      kind: "unit",
      plan: input.plan,
      unitCode: input.unitCode,
      psnNos: valid.map((c) => c.person.psnNo),
      channel: input.channel,
    });
  } catch (e) {
    // Everyone listed already has a policy: nothing to enroll, which the report says row by row.
    if (!(e instanceof ServiceError && e.code === "nothing_to_enroll")) {
      await ctx.db.query("delete from unit_enrollment_uploads where program_id = $1 and upload_id = $2", [
        input.programId,
        uploadId,
      ]);
      throw e;
    }
  }
  const policyOf = new Map((enrollment?.policies ?? []).map((p) => [p.psn_no, p.policy_no]));
  const done: UnitUploadReport = {
    ...report,
    upload_id: uploadId,
    enrolled: policyOf.size,
    skipped: valid.length - policyOf.size,
    rows: report.rows.map((r) => {
      const policyNo = policyOf.get(r.psn_no);
      return {
        ...r,
        outcome: policyNo === undefined ? "skipped" : "enrolled",
        policy_no: policyNo ?? null,
      };
    }),
    enrollment,
  };
  await ctx.db.query(
    `update unit_enrollment_uploads set status = 'done', enrollment_id = $3, report = $4
      where program_id = $1 and upload_id = $2`,
    [input.programId, uploadId, enrollment?.enrollment_id ?? null, JSON.stringify(done)],
  );
  await audit(ctx.db, actor, input.programId, "enrollment.unit_upload", input.unitCode, {
    unit_code: input.unitCode,
    read: done.read,
    rejected: done.rejected,
    outcome: done.outcome,
    enrollment_id: enrollment?.enrollment_id ?? null,
  });
  return done;
}
