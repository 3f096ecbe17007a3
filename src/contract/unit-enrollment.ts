/**
 * 投保管理 in the console (issue 14): a unit's list uploaded as Excel and enrolled in one unit enrollment,
 * and the enrollments with their payment status and order expiry.
 */
import { z } from "zod";
import { ENROLLMENT_KINDS } from "../domain/vocabulary.js";
import { Day, Instant, Yuan } from "./common.js";
import { EnrollmentResult } from "./enrollment.js";
import { PageQueryShape, sortOf } from "./paging.js";
import { BeijingTime, digits } from "./primitives.js";
import { ProgressRef } from "./progress.js";

/** The upload body's content type: the .xlsx file itself. */
export const UNIT_LIST_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * The list's columns, by the header words a unit's clerk writes (first row of the first sheet). 姓名 and one
 * of 证件号码 / 个人编号 per row are required; 关系 may be left empty (职工).
 */
export const UNIT_LIST_COLUMNS = {
  name: ["姓名"],
  certno: ["证件号码", "身份证号码", "身份证号"],
  psnNo: ["个人编号", "人员编号"],
  relation: ["关系", "与职工关系"],
} as const;

/** What a 关系 cell may say, and the relation it records (empty: 职工). */
export const UNIT_LIST_RELATIONS = {
  职工: "employee",
  本人: "employee",
  配偶: "spouse",
  子女: "child",
  父母: "parent",
} as const;
export type UnitListRelation = (typeof UNIT_LIST_RELATIONS)[keyof typeof UNIT_LIST_RELATIONS];

/** The channels a unit pays by: offline (the unit's bank transfer, issued at once) or an online order. */
export const UNIT_CHANNELS = ["offline", "cash"] as const;

export const UNIT_LIST_FILE = `单位投保名单：xlsx 第一个工作表，首行为表头：${UNIT_LIST_COLUMNS.name[0]}（必填）、${UNIT_LIST_COLUMNS.certno[0]} 或 ${UNIT_LIST_COLUMNS.psnNo[0]}（至少一项）、${UNIT_LIST_COLUMNS.relation[0]}（${Object.keys(UNIT_LIST_RELATIONS).join("、")}，空为职工）；每行一人`;

export const UnitUploadQuery = z.strictObject({
  unit_code: z.string().min(1).max(64).describe("单位编码（名单中的单位）"),
  channel: z.enum(UNIT_CHANNELS).optional().describe("缴费方式：offline 单位线下转账（默认）、cash 在线支付"),
  plan: z.string().min(1).max(64).optional().describe("方案编号（默认基础版）"),
  ref: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .optional()
    .describe("客户端参考号（幂等键；不填时以文件内容的 SHA-256 为幂等键）"),
  dry_run: z.enum(["true", "false"]).optional().describe("true：只校验并报告，不投保"),
  progress: ProgressRef.optional(),
});
export type UnitUploadQuery = z.infer<typeof UnitUploadQuery>;

export const UnitUploadReject = z.object({
  row: z.number().int().describe("Excel 行号（表头为第 1 行）"),
  column: z.string().describe("出错的列（表头中的名称）"),
  message: z.string().describe("原因与改法"),
});
export type UnitUploadReject = z.infer<typeof UnitUploadReject>;

export const UnitUploadRow = z.object({
  row: z.number().int().describe("Excel 行号"),
  psn_no: z.string().describe("人员编号"),
  psn_name: z.string().describe("脱敏姓名"),
  relation: z.string().describe("employee 职工、spouse 配偶、child 子女、parent 父母"),
  outcome: z
    .enum(["valid", "enrolled", "skipped"])
    .describe("valid 校验通过、enrolled 已投保、skipped 已有保单"),
  policy_no: z.string().nullable().describe("投保后的保单号"),
});
export type UnitUploadRow = z.infer<typeof UnitUploadRow>;

export const UnitUploadReport = z.object({
  upload_id: z.string().nullable().describe("上传编号（只校验或整份被拒时为 null）"),
  outcome: z
    .enum(["checked", "enrolled", "rejected"])
    .describe("checked 只校验、enrolled 已投保、rejected 没有可投保的行（未做任何改动）"),
  replayed: z.boolean().describe("true：同一文件或参考号已上传过，返回第一次的结果，未重复投保"),
  unit_code: z.string(),
  read: z.number().int().describe("读取的数据行"),
  valid: z.number().int().describe("校验通过的行"),
  rejected: z.number().int().describe("被拒绝的行"),
  enrolled: z.number().int().describe("本次投保的人数"),
  skipped: z.number().int().describe("已有保单而跳过的人数"),
  rejects: z.array(UnitUploadReject).describe("被拒绝的行：行号、列与原因"),
  rows: z.array(UnitUploadRow).describe("校验通过的行"),
  enrollment: EnrollmentResult.nullable().describe("投保结果（含缴费订单）"),
});
export type UnitUploadReport = z.infer<typeof UnitUploadReport>;

export const PAY_STATUSES = [
  "created",
  "preauthorized",
  "paid",
  "failed",
  "cancelled",
  "expired",
  "none",
] as const;

export const EnrollmentListQuery = z.strictObject({
  kind: z.enum(ENROLLMENT_KINDS).optional().describe("投保方式"),
  pay_status: z.enum(PAY_STATUSES).optional().describe("缴费状态"),
  from: Day.optional().describe("投保日起（北京时间，含）"),
  to: Day.optional().describe("投保日止（北京时间，含）"),
  q: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .optional()
    .describe("查找：投保单号或单位编码的开头"),
  sort: sortOf(["created_at", "premium", "persons"], "created_at"),
  limit: digits(4, "每页条数 1–200（默认 50）").optional(),
  offset: digits(9, "跳过的条数（默认 0）").optional(),
  ...PageQueryShape,
});
export const EnrollmentExportQuery = EnrollmentListQuery.omit({
  limit: true,
  offset: true,
  page: true,
  page_size: true,
});

export const EnrollmentListItem = z.object({
  enrollment_id: z.string().describe("投保单号"),
  kind: z.enum(ENROLLMENT_KINDS),
  unit_code: z.string().nullable().describe("单位编码"),
  pool_id: z.string().nullable().describe("慈善资金池"),
  payer_psn_no: z.string().nullable().describe("投保人人员编号"),
  persons: z.number().int().describe("人数"),
  premium: Yuan.describe("保费合计（元）"),
  channel: z.string().describe("缴费渠道：cash、personal_account、offline、charity"),
  order_no: z.string().nullable().describe("最近的缴费订单"),
  pay_status: z.enum(PAY_STATUSES).describe("缴费状态（none：没有订单）"),
  expires_at: BeijingTime.nullable().describe("订单过期时刻（北京时间；未支付的在线订单）"),
  created_at: Instant,
});
export type EnrollmentListItem = z.infer<typeof EnrollmentListItem>;

export const EnrollmentPage = z.object({
  program_id: z.string(),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  page: z.number().int().describe("页码（从 1 开始）"),
  page_size: z.number().int().describe("每页条数"),
  enrollments: z.array(EnrollmentListItem),
});
export type EnrollmentPage = z.infer<typeof EnrollmentPage>;
