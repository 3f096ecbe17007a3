/**
 * Console read models: the compliance check of a program's product, audit search, policy lists, charity
 * pools and their sponsored persons' claims.
 */
import { z } from "zod";
import { CLAIM_CHANNELS } from "../domain/vocabulary.js";
import { Day, Instant, Yuan } from "./common.js";
import { ENROLLMENT_KINDS, PoolKeeperAnswer } from "./enrollment.js";
import { PageQueryShape, sortOf } from "./paging.js";
import { POLICY_STATUSES } from "./policies.js";
import { digits } from "./primitives.js";

/** Audit and filter words: codes, user names, dotted actions (a trailing `*` or `.` for prefixes). */
const Word = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@:*-]+$/);
/** Any text but NUL (PostgreSQL text cannot hold it); may be empty, unlike common.ts NO_NUL. */
const ANY_BUT_NUL = "^[^\\u0000]*$";
const Limit = digits(4, "每页条数 1–200（默认 50）").optional();
const Offset = digits(9, "跳过的条数（默认 0）").optional();

export const ComplianceQuery = z.strictObject({
  rules: Word.default("yunnan-2023").describe("规则集（默认 yunnan-2023，云医保〔2023〕152号）"),
});

/** A measured value: yuan or percent text, a number (years, drug counts), "是"/"否", or why it was not measured. */
const Measure = z.union([z.string(), z.number()]);

export const ComplianceView = z.object({
  program_id: z.string(),
  product_id: z.string(),
  product_version: z.number().int(),
  rules: z.string().describe("规则集编号"),
  rules_name: z.string().describe("规则集名称"),
  source: z.string().describe("文件出处"),
  passed: z.number().int().describe("通过条数"),
  failed: z.number().int().describe("不通过条数"),
  findings: z.array(
    z.object({
      clause: z.string().describe("指导意见条款编号，如 九"),
      rule: z.string().describe("规则编号"),
      subject: z.string().describe("检查对象：方案/责任、方案或产品"),
      status: z
        .enum(["pass", "fail", "not_applicable"])
        .describe("pass 通过、fail 不通过、not_applicable 不适用"),
      value: Measure.describe("实际值"),
      limit: Measure.describe("限值"),
      note: z.string().nullable().describe("所测的变体或部分"),
      title: z.string().nullable().describe("规则标题"),
      subject_name: z.string().describe("检查对象的名称（方案名·责任名，或产品名）"),
      value_text: z.string().describe("实际值（中文）"),
      limit_text: z.string().describe("限值（中文）"),
    }),
  ),
});
export type ComplianceView = z.infer<typeof ComplianceView>;

export const AuditQuery = z.strictObject({
  action: Word.optional().describe("动作：精确匹配，或以 . 结尾作前缀"),
  actor: Word.optional().describe("操作者"),
  subject: z
    .string()
    .min(1)
    .max(128)
    .regex(new RegExp(ANY_BUT_NUL))
    .optional()
    .describe("对象（保单号、案件号、人员编号 …）"),
  from: Day.optional().describe("起始日期（北京时间，含）"),
  to: Day.optional().describe("截止日期（北京时间，含）"),
  limit: Limit,
  offset: Offset,
  ...PageQueryShape,
});
/** The audit export: the search's filters and order, without the page. */
export const AuditExportQuery = AuditQuery.omit({ limit: true, offset: true, page: true, page_size: true });

export const AuditEntry = z.object({
  audit_id: z.string(),
  at: Instant,
  actor: z.string().describe("操作者"),
  role: z.string().describe("角色"),
  action: z.string().describe("动作，如 policy.read"),
  subject: z.string().describe("对象"),
  detail: z.unknown().describe("详情"),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const page = {
  program_id: z.string(),
  total: z.number().int().describe("符合条件的总数"),
  limit: z.number().int(),
  offset: z.number().int(),
};

export const AuditPage = z.object({
  ...page,
  page: z.number().int().describe("页码（从 1 开始）"),
  page_size: z.number().int().describe("每页条数"),
  entries: z.array(AuditEntry),
});
export type AuditPage = z.infer<typeof AuditPage>;

export const PolicyListQuery = z.strictObject({
  status: z.enum(POLICY_STATUSES).optional().describe("保单状态"),
  kind: z.enum(ENROLLMENT_KINDS).optional().describe("投保方式"),
  pool: Word.optional().describe("慈善资金池"),
  policy_no: z
    .string()
    .min(1)
    .max(80)
    .regex(/^[A-Za-z0-9-]+$/)
    .optional()
    .describe("保单号（精确）"),
  psn_no: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .describe("人员编号（精确；经办人员）"),
  name: z
    .string()
    .min(1)
    .max(50)
    .regex(new RegExp(ANY_BUT_NUL))
    .optional()
    .describe("被保险人姓名（精确；经办人员）"),
  channel: z.enum(["cash", "personal_account", "offline", "charity"]).optional().describe("缴费渠道"),
  limit: Limit,
  offset: Offset,
});

export const PolicyListItem = z.object({
  policy_no: z.string(),
  psn_no: z.string().describe("人员编号（经办人员完整；共保公司、慈善机构脱敏）"),
  psn_name: z.string().describe("被保险人姓名（脱敏）"),
  plan_id: z.string(),
  plan_name: z.string().describe("方案名称"),
  enrollment_id: z.string(),
  enrollment_kind: z.string(),
  relation: z.string(),
  unit_code: z.string().nullable(),
  pool_id: z.string().nullable(),
  premium: Yuan,
  status: z.string(),
  paid_channel: z.string().nullable(),
  coverage_start: Instant,
  coverage_end: Instant,
  issued_at: Instant.nullable(),
  cancelled_at: Instant.nullable(),
});
export type PolicyListItem = z.infer<typeof PolicyListItem>;

export const PolicyPage = z.object({ ...page, policies: z.array(PolicyListItem) });
export type PolicyPage = z.infer<typeof PolicyPage>;

export const PoolSummary = z.object({
  pool_id: z.string(),
  name: z.string(),
  balance: Yuan.describe("余额"),
  donated: Yuan.describe("累计捐款"),
  sponsored: Yuan.describe("累计资助支出"),
  refunded: Yuan.describe("退回资金池"),
  donations: z.number().int().describe("捐款笔数"),
  sponsored_persons: z.number().int().describe("资助人数（有效保单）"),
  keeper: PoolKeeperAnswer,
});
export type PoolSummary = z.infer<typeof PoolSummary>;

export const PoolList = z.object({ program_id: z.string(), pools: z.array(PoolSummary) });
export type PoolList = z.infer<typeof PoolList>;

export const SPONSORED_CLAIM_SORTS = ["created_at", "hmb_pay", "remaining"] as const;

export const SponsoredClaimQuery = z.strictObject({
  pool: Word.optional().describe("慈善资金池"),
  kind: z
    .enum(CLAIM_CHANNELS)
    .optional()
    .describe("理赔方式：one_stop 一站式结算、online 线上、counter 柜面、special_drug 特药"),
  state: z.enum(["settled", "revoked"]).optional().describe("结算状态：settled 有效、revoked 已撤销"),
  from: Day.optional().describe("结算日起（北京时间，含）"),
  to: Day.optional().describe("结算日止（北京时间，含）"),
  sort: sortOf(SPONSORED_CLAIM_SORTS, "created_at"),
  limit: Limit,
  offset: Offset,
  ...PageQueryShape,
});
/** The export: the list's filters and order, without the page. */
export const SponsoredClaimExportQuery = SponsoredClaimQuery.omit({
  limit: true,
  offset: true,
  page: true,
  page_size: true,
});

export const SponsoredClaim = z.object({
  setl_id: z.string().describe("结算编号"),
  kind: z.string().describe("理赔方式"),
  psn_no: z.string().describe("脱敏人员编号"),
  pool_id: z.string(),
  pool_name: z.string().nullable().describe("资金池名称"),
  status: z.string().describe("paid、zero、not_covered"),
  state: z.string().describe("settled 或 revoked"),
  hmb_pay: Yuan.describe("惠民保赔付"),
  psn_part_amt: Yuan.describe("医保结算后个人负担"),
  remaining: Yuan.describe("惠民保赔付后个人仍须负担"),
  settled_at: Instant,
});
export type SponsoredClaim = z.infer<typeof SponsoredClaim>;

export const SponsoredClaimPage = z.object({
  ...page,
  page: z.number().int().describe("页码（从 1 开始）"),
  page_size: z.number().int().describe("每页条数"),
  claims: z.array(SponsoredClaim),
});
export type SponsoredClaimPage = z.infer<typeof SponsoredClaimPage>;
