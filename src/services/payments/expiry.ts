/**
 * Unpaid orders expire. An order reserves nobody (any payment for the same person may land first), so
 * expiry is about the order itself: after `expires_at` it can no longer issue a policy, its still-unpaid
 * policies are cancelled (never having been in force), and a payment that arrives for it anyway is refunded
 * in full through the original channel (refund reason `order_expired`).
 *
 * Only gateway (cash) orders expire: a personal-account pre-authorization waits for the bureau's deduction
 * batch, and offline or charity orders are paid when they are created.
 */
import type { Queryable } from "../../db/database.js";
import { addPolicyEvent } from "../policies.js";
import type { Channel } from "./refunds.js";

/** How long a cash order stays payable when HMB_ORDER_EXPIRY_MINUTES is not set. */
export const DEFAULT_ORDER_EXPIRY_MINUTES = 30;
/** One week: longer than any gateway keeps a payment page open. */
export const MAX_ORDER_EXPIRY_MINUTES = 7 * 24 * 60;
export const ORDER_EXPIRY_ENV = "HMB_ORDER_EXPIRY_MINUTES";

/** Statuses an order can still be paid from (a failed attempt may be retried at the gateway). */
export const PAYABLE_STATUSES = ["created", "failed"] as const;

/**
 * Minutes an unpaid cash order stays payable: HMB_ORDER_EXPIRY_MINUTES (an integer 1 … 10080), default 30.
 * A malformed value is a configuration error, reported when the server or command starts.
 */
export function orderExpiryMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ORDER_EXPIRY_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_ORDER_EXPIRY_MINUTES;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_ORDER_EXPIRY_MINUTES) {
    throw new Error(
      `${ORDER_EXPIRY_ENV}=${raw} 无效：应为 1 到 ${MAX_ORDER_EXPIRY_MINUTES} 的整数（分钟） (must be an integer number of minutes, 1 … ${MAX_ORDER_EXPIRY_MINUTES})`,
    );
  }
  return n;
}

/** When an order created at `at` stops being payable, or null when it does not expire. */
export function expiresAtFor(channel: Channel, status: string, at: Date): Date | null {
  if (channel !== "cash" || status !== "created") return null;
  return new Date(at.getTime() + orderExpiryMinutes() * 60_000);
}

/** An unpaid order whose expiry time has come (whether or not the expiry has been recorded yet). */
export function isDue(order: { status: string; expires_at: Date | string | null }, now: Date): boolean {
  return (
    (PAYABLE_STATUSES as readonly string[]).includes(order.status) &&
    order.expires_at !== null &&
    new Date(order.expires_at).getTime() <= now.getTime()
  );
}

/**
 * Records the expiry of a locked, due order: the order becomes 'expired' and each of its policies that is
 * still unpaid and has no other open order (a pre-authorization, another unexpired order) is cancelled —
 * it was never in force, so nothing is refunded. Policies are locked in policy_no order, after the order,
 * like the payment path, so the two never wait on each other in a cycle.
 */
export async function expireOrderTx(
  tx: Queryable,
  order: { program_id: string; order_no: string },
  at: Date,
  actor: string,
): Promise<void> {
  await tx.query("update payment_orders set status = 'expired' where program_id = $1 and order_no = $2", [
    order.program_id,
    order.order_no,
  ]);
  const items = await tx.query<{ policy_no: string }>(
    "select policy_no from payment_items where program_id = $1 and order_no = $2 order by policy_no",
    [order.program_id, order.order_no],
  );
  for (const { policy_no } of items) {
    const rows = await tx.query<{ status: string; paid_order_no: string | null }>(
      "select status, paid_order_no from policies where program_id = $1 and policy_no = $2 for update",
      [order.program_id, policy_no],
    );
    const policy = rows[0];
    if (policy === undefined || policy.status !== "pending_payment" || policy.paid_order_no !== null)
      continue;
    const open = await tx.query(
      `select 1 from payment_items i
         join payment_orders o on o.program_id = i.program_id and o.order_no = i.order_no
        where i.program_id = $1 and i.policy_no = $2 and o.order_no <> $3
          and (o.status = 'preauthorized'
               or (o.status in ('created', 'failed') and (o.expires_at is null or o.expires_at > $4)))
        limit 1`,
      [order.program_id, policy_no, order.order_no, at],
    );
    if (open.length > 0) continue;
    await tx.query(
      `update policies set status = 'cancelled', cancelled_at = $3, refund_fen = 0
        where program_id = $1 and policy_no = $2`,
      [order.program_id, policy_no, at],
    );
    await addPolicyEvent(tx, order.program_id, policy_no, "order_expired", actor, at, {
      order_no: order.order_no,
    });
  }
}
