/** Policies: the policy view, the e-policy certificate, cancellation (quote, then cancel), public verification. */

import { z } from "zod";
import { POLICY_STATUSES } from "../domain/vocabulary.js";
import { ProgramId, Yuan } from "./common.js";
import { BeijingTime, Fen } from "./primitives.js";

export { POLICY_STATUSES };

const PolicyStatus = z
  .enum(POLICY_STATUSES)
  .describe("pending_payment 待支付、pending_effective 待生效、active 有效、cancelled 已退保");

export const PolicyParams = z.object({
  program_id: ProgramId,
  policy_no: z
    .string()
    .regex(/^[a-z0-9-]{4,80}$/)
    .describe("保单号"),
});

export const PolicyEvent = z.object({
  seq: z.number().int().describe("序号"),
  event: z.string().describe("事件：created、paid、issued、cancelled、payment_failed …"),
  actor: z.string().describe("操作者"),
  at: BeijingTime,
  data: z.unknown().describe("事件数据"),
});

export const PolicyView = z.object({
  program_id: z.string(),
  policy_no: z.string(),
  status: PolicyStatus,
  plan: z.string().describe("方案编号"),
  plan_name: z.string().describe("方案名称"),
  product_name: z.string().describe("产品名称"),
  psn_no: z.string().describe("人员编号（共保体、医保局看到脱敏）"),
  psn_name: z.string().describe("被保险人姓名（共保体、医保局看到脱敏）"),
  certno: z.string().describe("身份证号（仅本人完整，其他人脱敏）"),
  relation: z.string().describe("与投保人关系"),
  enrollment_kind: z.string().describe("投保方式：individual、family、unit、charity"),
  payer_psn_no: z.string().nullable().describe("投保人人员编号"),
  unit_code: z.string().nullable().describe("单位编码（单位投保）"),
  charity_pool: z.string().nullable().describe("资助的慈善资金池"),
  premium: Yuan.describe("保费（元）"),
  premium_fen: Fen.describe("保费（分）"),
  premium_rule: z.string().describe("保费规则"),
  coverage_start: BeijingTime.describe("保障开始（北京时间）"),
  coverage_end: BeijingTime.describe("保障结束（北京时间）"),
  paid_channel: z.string().nullable().describe("缴费渠道"),
  issued_at: BeijingTime.nullable().describe("出单时间"),
  cancelled_at: BeijingTime.nullable().describe("退保时间"),
  refund: Yuan.nullable().describe("退费（元）"),
  verification_code: z.string().optional().describe("电子保单验证码（已出单，非脱敏视图）"),
  events: z.array(PolicyEvent).optional().describe("保单事件（非脱敏视图）"),
});
export type PolicyView = z.infer<typeof PolicyView>;

export const CancelQuote = z.object({
  policy_no: z.string(),
  status: PolicyStatus,
  premium: Yuan.describe("保费（元）"),
  refund: Yuan.describe("退费（元）"),
  refund_fen: Fen.describe("退费（分）；确认退保时作为 expected_refund_fen 提交"),
  kind: z
    .enum(["full", "pro_rata", "none", "unpaid"])
    .describe("full 全额（生效前）、pro_rata 按日未到期保费、none 不退、unpaid 未支付"),
  total_days: z.number().int().describe("保障期总天数"),
  remaining_days: z.number().int().describe("剩余天数"),
  explanation: z.string().describe("计算说明"),
  channel: z.string().nullable().describe("原路退回的渠道"),
});
export type CancelQuote = z.infer<typeof CancelQuote>;

export const CancelBody = z.strictObject({
  reason: z.string().max(500).optional().describe("退保原因"),
  expected_refund_fen: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("试算时展示的退费（分）：与当前计算不符时拒绝（409 quote_changed）"),
});
export type CancelBody = z.infer<typeof CancelBody>;

export const CancelResult = CancelQuote.extend({
  refund_no: z.string().nullable().describe("退款单号（无退费时为 null）"),
});
export type CancelResult = z.infer<typeof CancelResult>;

export const VerifyParams = z.object({ code: z.string().max(64).describe("电子保单上的验证码") });

export const CertificateCheck = z.object({
  valid: z.literal(true),
  policy: z
    .object({
      program_id: z.string(),
      product_name: z.string(),
      policy_no: z.string(),
      status: PolicyStatus,
      plan_name: z.string(),
      psn_name: z.string().describe("脱敏姓名"),
      certno: z.string().describe("脱敏身份证号"),
      coverage_start: BeijingTime,
      coverage_end: BeijingTime,
    })
    .describe("脱敏的保单信息"),
});
export type CertificateCheck = z.infer<typeof CertificateCheck>;
