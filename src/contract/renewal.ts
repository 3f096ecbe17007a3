/** Renewal (续保) and 自动续保授权 (issue 12 §4): what the resident H5 reads and writes, and the renewal job. */
import { z } from "zod";
import { Yuan } from "./common.js";

export const RenewalMember = z.object({
  psn_no: z.string().nullable().describe("本年度参保名单中的人员编号；不在名单中为 null"),
  psn_name: z.string().describe("姓名"),
  relation: z.enum(["self", "spouse", "child", "parent"]).describe("与投保人关系"),
  status: z
    .enum(["to_renew", "already_enrolled", "not_on_roster"])
    .describe("to_renew 待续保；already_enrolled 本年度已投保；not_on_roster 不在本年度参保名单中"),
  premium: Yuan.describe("本年度保费（元）；不续保为 0.00"),
  premium_fen: z.number().int(),
  insured_years: z.number().int().describe("续保后连续参保年数（含本年）"),
});

export const RenewalOffer = z.object({
  program_id: z.string(),
  follows_program_id: z.string().nullable().describe("上一年度项目"),
  available: z.boolean().describe("现在能否一键续保"),
  reason: z.string().nullable().describe("不能续保的原因（中文）"),
  plan: z.string().nullable().describe("续保方案（上一年度的方案）"),
  plan_name: z.string().nullable(),
  members: z.array(RenewalMember).describe("上一年度您投保的成员"),
  total: Yuan.describe("续保应缴保费合计（元）"),
  total_fen: z.number().int(),
  personal_account: z.boolean().describe("可否用医保个人账户缴费"),
  enrollment_start: z.string().describe("本年度投保开始时间"),
  enrollment_end: z.string().describe("本年度投保截止时间"),
});
export type RenewalOffer = z.infer<typeof RenewalOffer>;

export const RenewBody = z.strictObject({
  channel: z
    .enum(["cash", "personal_account"])
    .describe("缴费渠道：cash 现金支付；personal_account 医保个人账户"),
});
export type RenewBody = z.infer<typeof RenewBody>;

export const RenewalAuthorization = z.object({
  program_id: z.string().describe("授权所在项目：到其下一年度项目投保期开始时自动续保"),
  psn_no: z.string(),
  status: z.enum(["granted", "revoked", "none"]).describe("granted 已授权；revoked 已撤销；none 未授权"),
  granted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  renewed_into: z.string().nullable().describe("已自动续保到的项目"),
  enrollment_id: z.string().nullable().describe("自动续保的投保单号"),
  last_error: z.string().nullable().describe("上次自动续保失败的原因"),
});
export type RenewalAuthorization = z.infer<typeof RenewalAuthorization>;

export const RenewalRun = z.object({
  program_id: z.string(),
  follows_program_id: z.string(),
  window_open: z.boolean().describe("投保期是否已开始；未开始时什么都不做，投保期开始后再运行"),
  authorizations: z.number().int().describe("待处理的自动续保授权数"),
  renewed: z.array(z.object({ psn_no: z.string(), enrollment_id: z.string(), persons: z.number().int() })),
  skipped: z.array(z.object({ psn_no: z.string(), reason: z.string() })),
  failed: z.array(z.object({ psn_no: z.string(), reason: z.string() })),
});
export type RenewalRun = z.infer<typeof RenewalRun>;
