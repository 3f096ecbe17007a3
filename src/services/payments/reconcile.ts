/**
 * Payment reconciliation: orders still waiting for their provider's callback are asked about with
 * `gateway.query`. A callback lost on the way (network, our restart) would otherwise leave a paid premium
 * without a policy. What the provider reports is applied through the same exactly-once path as a callback
 * (applyPaymentResult), so reconciling twice, or a late callback after reconciliation, changes nothing.
 * Refunds that failed or were left requested are paid in the same run. Orders recently expired without a
 * payment are asked about too (a payment the provider took before the callback got lost is refunded, as
 * for any expired order), and the expiry of every due order is recorded.
 */
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { applyPaymentResult, expireDueOrders, type OrderRow } from "./index.js";
import { processRefunds } from "./refunds.js";
import { gatewayByProvider } from "./registry.js";

export interface PaymentReconciliation {
  readonly program_id: string;
  /** Orders asked about (waiting longer than older_than_minutes). */
  readonly checked: number;
  readonly paid: number;
  readonly failed: number;
  /** Still open at the provider (or unknown to it): left as they are. */
  readonly pending: number;
  /** Paid at the provider with another amount than the order's: not applied, to be investigated. */
  readonly amount_mismatches: readonly { order_no: string; order_fen: number; provider_fen: number }[];
  readonly refunds_paid: number;
  /** Unpaid orders past their expiry recorded as expired in this run (their unpaid policies cancelled). */
  readonly expired: number;
}

/** Expired orders are still asked about for this long: a gateway settles a late payment within a day. */
const EXPIRED_RECHECK_MS = 7 * 24 * 3600_000;

export async function reconcilePayments(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  options: { olderThanMinutes?: number } = {},
): Promise<PaymentReconciliation> {
  const olderThan = options.olderThanMinutes ?? 10;
  if (!Number.isInteger(olderThan) || olderThan < 0 || olderThan > 60 * 24 * 366) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "older_than_minutes 应为 0 到 527040 的整数",
      "older_than_minutes",
    );
  }
  const programs = await ctx.db.query("select 1 from programs where program_id = $1", [programId]);
  if (programs.length === 0)
    throw new ServiceError("not_found", "not_found", `项目 ${programId} 不存在`, "program_id");
  const now = ctx.clock.now();
  const cutoff = new Date(now.getTime() - olderThan * 60_000);
  const open = await ctx.db.query<Pick<OrderRow, "order_no" | "provider" | "amount_fen">>(
    `select order_no, provider, amount_fen from payment_orders
      where program_id = $1 and created_at <= $2
        and (status in ('created', 'preauthorized')
             or (status = 'expired' and provider_txn is null and expires_at > $3))
      order by created_at, order_no`,
    [programId, cutoff, new Date(now.getTime() - EXPIRED_RECHECK_MS)],
  );
  let paid = 0;
  let failed = 0;
  let pending = 0;
  const mismatches: { order_no: string; order_fen: number; provider_fen: number }[] = [];
  for (const order of open) {
    const gateway = gatewayByProvider(ctx, order.provider);
    const seen = gateway === undefined ? { status: "unknown" as const } : await gateway.query(order.order_no);
    if (seen.status === "paid") {
      if (seen.amount !== Number(order.amount_fen)) {
        mismatches.push({
          order_no: order.order_no,
          order_fen: Number(order.amount_fen),
          provider_fen: seen.amount,
        });
        continue;
      }
      const outcome = await applyPaymentResult(
        ctx,
        {
          programId,
          orderNo: order.order_no,
          status: "paid",
          amount: seen.amount,
          providerTxn: seen.providerTxn,
        },
        `reconcile:${actor.id}`,
      );
      if (outcome.changed && outcome.status === "paid") paid++;
    } else if (seen.status === "failed") {
      const outcome = await applyPaymentResult(
        ctx,
        {
          programId,
          orderNo: order.order_no,
          status: "failed",
          amount: Number(order.amount_fen),
          providerTxn: "",
        },
        `reconcile:${actor.id}`,
      );
      if (outcome.changed && outcome.status === "failed") failed++;
    } else {
      pending++;
    }
  }
  const expired = await expireDueOrders(ctx, programId, { limit: 1_000_000 });
  const refundsPaid = await processRefunds(ctx, programId);
  const result: PaymentReconciliation = {
    program_id: programId,
    checked: open.length,
    paid,
    failed,
    pending,
    amount_mismatches: mismatches,
    refunds_paid: refundsPaid,
    expired,
  };
  await audit(ctx.db, actor, programId, "payment.reconcile", programId, {
    checked: result.checked,
    paid,
    failed,
    pending,
    amount_mismatches: mismatches.length,
    expired,
  });
  return result;
}
