/** Enrollment (individual, family, unit, charity), 医保个人账户 pre-authorization and charity pools. */

import { z } from "zod";
import { ENROLLMENT_KINDS } from "../domain/vocabulary.js";
import { ProgramId, Yuan } from "./common.js";
import { OrderView } from "./payments.js";
import { Fen } from "./primitives.js";
import { PromoCode } from "./promotions.js";

const PsnNo = z.string().min(1).max(40).describe("人员编号（医保名单）");

export const RELATIONS = ["self", "spouse", "child", "parent"] as const;
export { ENROLLMENT_KINDS };

/**
 * A family member: `psn_no` (staff), or `certno` + `psn_name` (what a resident gives: ID number and name,
 * matched against the roster). A resident's own entry is `{relation: "self"}` (psn_no optional).
 */
export const FamilyMember = z.strictObject({
  psn_no: PsnNo.optional(),
  certno: z.string().min(1).max(32).optional().describe("身份证号（居民为家人投保时填写，与名单核对）"),
  psn_name: z.string().min(1).max(50).optional().describe("姓名（与 certno 一起填写）"),
  relation: z.enum(RELATIONS).describe("与投保人关系：self 本人、spouse 配偶、child 子女、parent 父母"),
});
export type FamilyMember = z.infer<typeof FamilyMember>;

export const EnrollBody = z.strictObject({
  kind: z
    .enum(ENROLLMENT_KINDS)
    .describe("投保方式：individual 个人、family 家庭、unit 单位、charity 慈善捐购"),
  plan: z.string().max(64).optional().describe("方案编号（默认基础版）"),
  psn_no: PsnNo.optional().describe("individual：被保险人"),
  payer_psn_no: PsnNo.optional().describe("family：投保人（居民默认本人）"),
  members: z.array(FamilyMember).min(1).max(20).optional().describe("family：家庭成员"),
  unit_code: z.string().min(1).max(64).optional().describe("unit：单位编码（名单中该单位的全部人员）"),
  psn_nos: z.array(PsnNo).min(1).max(10000).optional().describe("unit / charity：指定人员"),
  cohort: z.string().max(64).optional().describe("charity：资助人群（名单中该人群尚未投保的人员）"),
  channel: z
    .string()
    .min(1)
    .max(80)
    .describe("缴费渠道：cash 现金、personal_account 医保个人账户、offline 线下、charity:<资金池编号>"),
  promo_code: PromoCode.optional().describe("推广码：从推广二维码或链接进入时带上，计入该渠道的下单与缴费"),
});
export type EnrollBody = z.infer<typeof EnrollBody>;

export const EnrolledPolicy = z.object({
  policy_no: z.string().describe("保单号"),
  psn_no: z.string(),
  relation: z.string().describe("self、spouse、child、parent、employee、sponsored"),
  premium: Yuan.describe("保费（元）"),
  premium_fen: Fen.describe("保费（分）"),
  premium_rule: z.string().describe("保费规则（按人群、年龄段或统一保费）"),
  status: z.string().describe("pending_payment 待支付、pending_effective 待生效、active 有效"),
});
export type EnrolledPolicy = z.infer<typeof EnrolledPolicy>;

export const EnrollmentResult = z.object({
  enrollment_id: z.string().describe("投保单号"),
  kind: z.enum(ENROLLMENT_KINDS),
  plan: z.string().describe("方案编号"),
  policies: z.array(EnrolledPolicy),
  skipped: z
    .array(z.object({ psn_no: z.string(), reason: z.string().describe("already_enrolled：已投保") }))
    .describe("未投保的人员（单位、慈善批量投保时）"),
  payment: OrderView,
});
export type EnrollmentResult = z.infer<typeof EnrollmentResult>;

export const PreauthBody = z.strictObject({
  payer_psn_no: PsnNo.describe("投保人（个人账户所有人）"),
  psn_nos: z.array(PsnNo).min(1).max(20).describe("已投保、要改用个人账户缴费的人员"),
});
export type PreauthBody = z.infer<typeof PreauthBody>;

export const PreauthResult = z.object({
  payment: OrderView,
  policies: z.array(z.string()).describe("预约划扣的保单号"),
});
export type PreauthResult = z.infer<typeof PreauthResult>;

const PoolId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
  .describe("资金池编号（小写字母、数字、_ 与 -）");

/** A charity account's login (users.username), naming a pool's keeper. */
const CharityLogin = z.string().min(1).max(64);

/** Who keeps a pool, as answered (services/charity-keeper.ts). */
export const PoolKeeperAnswer = z
  .string()
  .nullable()
  .describe("管理该资金池的慈善机构账号；null 为项目公共资金池，各慈善机构共用");

export const CreatePoolBody = z.strictObject({
  pool_id: PoolId,
  name: z.string().min(1).max(200).describe("资金池名称"),
  keeper: CharityLogin.optional().describe(
    "管理该资金池的慈善机构账号（经办人员可指定；慈善机构账号开设的资金池由其自己管理；不指定则为项目公共资金池，各慈善机构均可见）",
  ),
});
export type CreatePoolBody = z.infer<typeof CreatePoolBody>;

export const PoolCreated = z.object({
  pool_id: z.string(),
  name: z.string(),
  balance_fen: Fen,
  keeper: PoolKeeperAnswer,
});
export type PoolCreated = z.infer<typeof PoolCreated>;

export const PoolKeeperBody = z.strictObject({
  keeper: CharityLogin.nullable().describe(
    "接管该资金池的慈善机构账号（本项目的慈善机构登录名）；null 交回项目，成为各慈善机构共用的公共资金池",
  ),
});
export type PoolKeeperBody = z.infer<typeof PoolKeeperBody>;

export const PoolKeeper = z.object({ pool_id: z.string(), keeper: PoolKeeperAnswer });
export type PoolKeeper = z.infer<typeof PoolKeeper>;

export const PoolParams = z.object({
  program_id: ProgramId,
  pool_id: z.string().max(64).describe("资金池编号"),
});

export const DonationBody = z.strictObject({
  // Converted, and refused with a Chinese message naming the field, by domain/money.ts parseYuan in the route.
  amount: z
    .union([z.string().max(32), z.number()])
    .describe("捐款金额（元，正数，最多两位小数；字符串或数字）"),
  donor: z.string().min(1).max(200).describe("捐款人"),
  ref: z.string().min(1).max(100).describe("捐款凭证号（幂等键：同一 ref 重复提交只入账一次）"),
});
export type DonationBody = z.infer<typeof DonationBody>;

export const DonationResult = z.object({
  pool_id: z.string(),
  balance_fen: Fen.describe("捐款后余额（分）"),
});
export type DonationResult = z.infer<typeof DonationResult>;

export const PoolBalance = z.object({
  pool_id: z.string(),
  name: z.string(),
  balance_fen: Fen,
  balance: Yuan.describe("余额（元）"),
});
export type PoolBalance = z.infer<typeof PoolBalance>;
