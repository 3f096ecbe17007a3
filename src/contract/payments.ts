/** Payment orders (cash through a gateway, 医保个人账户 pre-authorization), their callbacks and reconciliation. */
import { z } from "zod";
import { ProgramId } from "./common.js";
import { BeijingTime, Fen } from "./primitives.js";

const OrderNo = z
  .string()
  .regex(/^[A-Z0-9]{4,40}$/)
  .describe("支付订单号");

export const OrderParams = z.object({ program_id: ProgramId, order_no: OrderNo });
export const SandboxOrderParams = z.object({ order_no: OrderNo });
export const ProviderParams = z.object({
  provider: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .describe("支付渠道，如 sandbox"),
});

export const OrderView = z.object({
  order_no: z.string().describe("支付订单号"),
  channel: z
    .string()
    .describe("cash 现金（支付渠道）、personal_account 医保个人账户、offline 线下、charity:<资金池>"),
  provider: z.string().describe("支付渠道"),
  amount_fen: Fen,
  status: z
    .string()
    .describe(
      "created 待支付、preauthorized 已预约、paid 已支付、failed 失败、cancelled 已取消、expired 已过期",
    ),
  expires_at: BeijingTime.nullable().describe("北京时间，过此时刻未支付即过期；null 为不过期"),
  pay_url: z.string().optional().describe("付款页地址（待支付的现金订单）"),
});
export type OrderView = z.infer<typeof OrderView>;

/** The result of applying a payment result (callback, sandbox, confirmation): exactly once. */
export const PaymentOutcome = z.object({
  order_no: z.string(),
  status: z.string().describe("订单处理后的状态：paid、failed、expired、cancelled …"),
  changed: z.boolean().describe("false：重放，未改变任何数据"),
  refunds_requested: z.number().int().describe("因此发起的退款笔数（如个人账户划扣成功后退回现金）"),
});
export type PaymentOutcome = z.infer<typeof PaymentOutcome>;

/** A provider's callback: its own JSON, signed over the raw bytes (the sandbox's fields shown). */
export const PaymentCallbackBody = z
  .looseObject({
    program_id: z.string().optional(),
    order_no: z.string().optional(),
    status: z.string().optional().describe("paid 或 failed"),
    amount_fen: z.number().optional(),
    provider_txn: z.string().optional().describe("渠道交易号"),
  })
  .describe("支付渠道的回调报文（原样签名校验；沙箱渠道的签名头为 X-Sandbox-Signature，HMAC-SHA256）");

export const SandboxPayBody = z.strictObject({
  status: z.enum(["paid", "failed"]).optional().describe("模拟结果，默认 paid"),
});
export type SandboxPayBody = z.infer<typeof SandboxPayBody>;

export const ReconcileBody = z.strictObject({
  older_than_minutes: z
    .number()
    .int()
    .min(0)
    .max(527040)
    .optional()
    .describe("只查询超过这么多分钟仍未回调的订单（默认 10）"),
});
export type ReconcileBody = z.infer<typeof ReconcileBody>;

export const PaymentReconciliation = z.object({
  program_id: z.string(),
  checked: z.number().int().describe("查询的订单数"),
  paid: z.number().int().describe("确认已付"),
  failed: z.number().int().describe("确认失败"),
  pending: z.number().int().describe("渠道仍未完成（保持不变）"),
  amount_mismatches: z
    .array(z.object({ order_no: z.string(), order_fen: Fen, provider_fen: Fen }))
    .describe("渠道金额与订单不符（未入账，待核查）"),
  refunds_paid: z.number().int().describe("本次支付的待退款笔数"),
  expired: z.number().int().describe("本次记为过期的未支付订单数"),
});
export type PaymentReconciliation = z.infer<typeof PaymentReconciliation>;

export const ConfirmPersonalAccountBody = z.strictObject({
  status: z.enum(["paid", "failed"]).describe("划扣结果"),
  provider_txn: z.string().min(1).max(80).describe("医保局批量文件中的交易号"),
});
export type ConfirmPersonalAccountBody = z.infer<typeof ConfirmPersonalAccountBody>;
