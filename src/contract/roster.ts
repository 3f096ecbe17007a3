/** The bureau's roster of basic-insurance enrollees: imports (CSV or XLSX) and one person's entry. */
import { z } from "zod";
import { OPTIONAL_ROSTER_COLUMNS, REQUIRED_ROSTER_COLUMNS } from "../domain/roster.js";
import { ProgramId } from "./common.js";

/** Both content types a roster import accepts; the body is the file itself. */
export const ROSTER_CSV_TYPE = "text/csv";
export const ROSTER_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** What the import body is, as the OpenAPI says it. */
export const ROSTER_FILE = `名单文件：首行为表头，必填列 ${REQUIRED_ROSTER_COLUMNS.join(",")}，可选列 ${OPTIONAL_ROSTER_COLUMNS.join(",")}；每行一人（UTF-8 CSV，或 xlsx 的第一个工作表）`;

export const RosterImportResult = z.object({
  import_id: z.string().describe("导入编号"),
  persons: z.number().int().describe("名单总人数（本次导入后）"),
  read: z.number().int().describe("读取的数据行（不含表头与空行）"),
  imported: z.number().int().describe("本次导入后在名单上的行（新增 + 更新 + 未变）"),
  rejected: z.number().int().describe("拒绝的行（字段无效，或同一 psn_no 在文件中重复）"),
  inserted: z.number().int().describe("新增"),
  updated: z.number().int().describe("更新"),
  unchanged: z.number().int().describe("未变"),
  errors: z
    .array(
      z.object({
        line: z.number().int().describe("文件行号（表头为第 1 行）"),
        field: z.string().describe("出错的列，或 header"),
        message: z.string().describe("原因"),
      }),
    )
    .describe("被拒绝的行及原因（最多 1000 条）"),
  errors_truncated: z.boolean().describe("是否还有未列出的错误"),
});
export type RosterImportResult = z.infer<typeof RosterImportResult>;

const count = z.number().int().nullable();

export const RosterImportRecord = z.object({
  import_id: z.string(),
  status: z.enum(["running", "done", "failed"]).describe("running 运行中，done 完成，failed 失败"),
  started_at: z.string().describe("开始时刻（ISO 8601，UTC）"),
  finished_at: z.string().nullable().describe("结束时刻；运行中为 null"),
  source: z.string().nullable().describe("来源：api、cli …"),
  read: count,
  imported: count,
  rejected: count,
  inserted: count,
  updated: count,
  unchanged: count,
  failure: z.string().nullable().describe("失败原因"),
});
export type RosterImportRecord = z.infer<typeof RosterImportRecord>;

export const RosterImportList = z.array(RosterImportRecord);
export type RosterImportList = z.infer<typeof RosterImportList>;

export const RosterPersonParams = z.object({
  program_id: ProgramId,
  psn_no: z.string().min(1).max(32).describe("人员编号"),
});

export const RosterPersonView = z.object({
  psn_no: z.string().describe("人员编号"),
  psn_name: z.string().describe("姓名"),
  certno: z.string().describe("脱敏身份证号"),
  gend: z.string().describe("性别：1 男，2 女"),
  brdy: z.string().describe("出生日期 yyyy-mm-dd"),
  insutype: z.string().describe("险种：310 职工基本医疗保险，390 城乡居民基本医疗保险"),
  admdvs: z.string().describe("参保地行政区划代码"),
  unit_code: z.string().nullable().describe("单位编码"),
  cohort: z.string().nullable().describe("人群（特困人员、低保对象等的代码）"),
});
export type RosterPersonView = z.infer<typeof RosterPersonView>;
