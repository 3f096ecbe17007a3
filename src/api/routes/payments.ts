import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import {
  ConfirmPersonalAccountBody,
  OrderParams,
  OrderView,
  PaymentCallbackBody,
  PaymentOutcome,
  PaymentReconciliation,
  ProviderParams,
  ReconcileBody,
  SandboxOrderParams,
  SandboxPayBody,
} from "../../contract/payments.js";
import { audit } from "../../services/audit.js";
import { notFound, type PlatformContext } from "../../services/context.js";
import {
  confirmPersonalAccount,
  expireDueOrders,
  getOrder,
  handleCallback,
  orderExpiryMinutes,
  orderView,
  sandboxPay,
} from "../../services/payments/index.js";
import { reconcilePayments } from "../../services/payments/reconcile.js";
import { sandboxActive } from "../../services/payments/registry.js";
import { requireActor } from "../auth.js";

export const paymentRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    // A malformed HMB_ORDER_EXPIRY_MINUTES stops the server at start, not the first enrollment.
    orderExpiryMinutes();

    app.post<{ Params: { provider: string } }>(
      "/payments/callback/:provider",
      {
        // Public: authenticated by the provider's signature over the raw body.
        schema: {
          tags: ["payments"],
          summary: "支付渠道回调（签名校验；重放不改变任何数据）",
          params: request(ProviderParams),
          body: request(PaymentCallbackBody),
          response: { 200: reply(PaymentOutcome), ...errors() },
        },
      },
      async (request) =>
        handleCallback(
          ctx,
          request.params.provider,
          request.rawBody ?? "",
          request.headers as Record<string, string | string[] | undefined>,
        ),
    );

    if (sandboxActive(ctx)) {
      app.post<{ Params: { order_no: string }; Body: SandboxPayBody | null | undefined }>(
        "/sandbox/pay/:order_no",
        {
          schema: {
            tags: ["payments"],
            summary: "沙箱：模拟付款或个人账户划扣结果（仅沙箱网关启用时存在）",
            params: request(SandboxOrderParams),
            body: request(SandboxPayBody.nullable()),
            response: { 200: reply(PaymentOutcome), ...errors() },
          },
        },
        async (request) => sandboxPay(ctx, request.params.order_no, request.body?.status ?? "paid"),
      );
    }

    app.get<{ Params: { program_id: string; order_no: string } }>(
      "/programs/:program_id/payments/:order_no",
      {
        config: { roles: ["resident", "operator", "admin", "co_insurer"] },
        schema: {
          tags: ["payments"],
          summary: "支付订单（未支付的现金订单到 expires_at 即过期，status 为 expired）",
          params: request(OrderParams),
          response: { 200: reply(OrderView), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const { program_id, order_no } = request.params;
        const found = await getOrder(ctx, program_id, order_no);
        if (actor.role === "resident" && (actor.psnNo === undefined || actor.psnNo !== found.payer_psn_no)) {
          throw notFound(`支付订单 ${order_no}`, "order_no");
        }
        const expired = await expireDueOrders(ctx, program_id, { orderNo: order_no });
        const o = expired > 0 ? await getOrder(ctx, program_id, order_no) : found;
        await audit(ctx.db, actor, program_id, "payment.read", o.order_no);
        return orderView(o, ctx.clock.now());
      },
    );

    app.post<{ Params: { program_id: string }; Body: ReconcileBody | null | undefined }>(
      "/programs/:program_id/payments/reconcile",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["payments"],
          summary:
            "支付对账：向支付渠道查询超过 older_than_minutes（默认 10）仍未回调的订单，已付/失败的按回调同一路径入账（只入一次），并支付待退款",
          params: request(ProgramParams),
          body: request(ReconcileBody.nullable()),
          response: { 200: reply(PaymentReconciliation), ...errors() },
        },
      },
      async (request) =>
        reconcilePayments(ctx, requireActor(request), request.params.program_id, {
          ...(request.body?.older_than_minutes === undefined
            ? {}
            : { olderThanMinutes: request.body.older_than_minutes }),
        }),
    );

    app.post<{
      Params: { program_id: string; order_no: string };
      Body: ConfirmPersonalAccountBody;
    }>(
      "/programs/:program_id/payments/:order_no/confirm",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["payments"],
          summary: "人工确认医保个人账户划扣结果（来自医保局批量文件）",
          params: request(OrderParams),
          body: request(ConfirmPersonalAccountBody),
          response: { 200: reply(PaymentOutcome), ...errors() },
        },
      },
      async (request) =>
        confirmPersonalAccount(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.order_no,
          {
            status: request.body.status,
            providerTxn: request.body.provider_txn,
          },
        ),
    );
  };
