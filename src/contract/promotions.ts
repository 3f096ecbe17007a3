/** Distribution and promotion (推广渠道): codes per co-insurer, agent, unit and community, and their funnel. */
import { z } from "zod";
import { PROMOTION_KINDS, PROMOTION_STATUSES } from "../domain/vocabulary.js";
import { Day, Instant, ProgramParams } from "./common.js";

/** Eight characters without look-alikes (no I, O, 0, 1): it names a channel, never a person. */
export const PromoCode = z
  .string()
  .regex(/^[A-HJ-NP-Z2-9]{8}$/)
  .meta({ description: "推广码（8 位大写字母或数字，不含个人信息）", example: "K7MQ2XHD" });

export const PromotionKindSchema = z
  .enum(PROMOTION_KINDS)
  .describe("推广渠道类型：co_insurer 共保公司、agent 代理人、unit 单位、community 社区/村");

export const CreatePromotionBody = z.strictObject({
  kind: PromotionKindSchema,
  name: z.string().min(1).max(64).describe("渠道名称（如 某某社区、代理人工号 A103），不填个人身份信息"),
  insurer_code: z.string().min(1).max(32).optional().describe("所属共保公司编码（共保公司账号默认本公司）"),
  county: z
    .string()
    .regex(/^\d{6}$/)
    .optional()
    .describe("推广区县（行政区划代码）；不填为全市"),
});
export type CreatePromotionBody = z.infer<typeof CreatePromotionBody>;

export const PromotionParams = ProgramParams.extend({ code: PromoCode });
export type PromotionParams = z.infer<typeof PromotionParams>;

export const PromotionView = z.object({
  code: PromoCode,
  kind: PromotionKindSchema,
  name: z.string(),
  insurer_code: z.string(),
  insurer_name: z.string().describe("所属共保公司名称"),
  county: z.string().nullable(),
  county_name: z.string().nullable().describe("推广区县名称；null 为全市"),
  status: z.enum(PROMOTION_STATUSES).describe("active 使用中；disabled 已停用（扫码后提示重新获取）"),
  link: z.string().describe("居民端落地链接（相对路径，带推广码）：二维码即此链接"),
  created_at: Instant,
});
export type PromotionView = z.infer<typeof PromotionView>;

const Named = z.object({ code: z.string(), name: z.string() });

export const PromotionList = z.object({
  promotions: z.array(PromotionView),
  insurers: z.array(Named).describe("可选的所属共保公司（共保公司账号只有本公司）"),
  counties: z.array(Named).describe("本项目地区的区县，供选择推广区县"),
});
export type PromotionList = z.infer<typeof PromotionList>;

export const PromotionStatusBody = z.strictObject({
  status: z.enum(PROMOTION_STATUSES).describe("active 启用；disabled 停用"),
});
export type PromotionStatusBody = z.infer<typeof PromotionStatusBody>;

export const PromotionVisit = z.object({
  program_id: z.string(),
  program_name: z.string().describe("项目名称（落地页标题）"),
  promo_code: PromoCode,
});
export type PromotionVisit = z.infer<typeof PromotionVisit>;

export const FunnelQuery = z.strictObject({
  by: z
    .enum(["code", "kind", "county", "co_insurer"])
    .default("code")
    .describe("分组：code 推广码、kind 渠道类型、county 区县、co_insurer 共保公司"),
  from: Day.optional().describe("起始日（含）"),
  to: Day.optional().describe("截止日（含）"),
});
export type FunnelQuery = z.infer<typeof FunnelQuery>;

export const FunnelRowView = z.object({
  key: z.string().describe("分组键：推广码、类型、区县代码或共保公司编码（空串为不限区县）"),
  label: z.string().describe("分组名称"),
  visit: z.number().int().describe("访问次数"),
  eligibility: z.number().int().describe("资格查询次数"),
  order: z.number().int().describe("下单数"),
  paid: z.number().int().describe("缴费成功人数"),
  conversion_bps: z.number().int().nullable().describe("访问→缴费转化率（万分比）；无访问为 null"),
});
export type FunnelRowView = z.infer<typeof FunnelRowView>;

export const PromotionFunnel = z.object({
  by: z.enum(["code", "kind", "county", "co_insurer"]),
  rows: z.array(FunnelRowView),
  total: FunnelRowView,
});
export type PromotionFunnel = z.infer<typeof PromotionFunnel>;
