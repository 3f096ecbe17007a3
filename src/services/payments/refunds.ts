/**
 * Refunds go back through the original channel: gateway refund for cash, reversal for the personal account,
 * back into the pool for charity, paid out by the operator for offline. A refund is first *requested* inside
 * the business transaction (journal: income:premium → liability:refund_payable), then *paid* by
 * processRefunds after commit (journal: liability:refund_payable → the channel's clearing account).
 */
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../db/database.js";
import type { Account } from "../../domain/ledger.js";
import type { Fen } from "../../domain/money.js";
import type { PlatformContext } from "../context.js";
import { postJournal } from "../ledger.js";
import { gatewaysOf } from "./registry.js";

export type Channel = "cash" | "personal_account" | "offline" | "charity";
/** order_expired: a payment that arrived for an expired order (payments/expiry.ts), sent back in full. */
export type RefundReason =
  | "cancellation"
  | "superseded_by_personal_account"
  | "duplicate_payment"
  | "order_expired";

/** Offline receipts (counter, bank transfer recorded by the operator) clear through the gateway clearing account. */
export function clearingAccount(channel: Channel): Account {
  switch (channel) {
    case "cash":
    case "offline":
      return "asset:gateway_clearing";
    case "personal_account":
      return "asset:personal_account_clearing";
    case "charity":
      return "asset:charity_receivable";
  }
}

export function newRefundNo(): string {
  return `RF${randomBytes(8).toString("hex").toUpperCase()}`;
}

export async function requestRefund(
  tx: Queryable,
  r: {
    programId: string;
    orderNo: string;
    policyNo: string;
    channel: Channel;
    amount: Fen;
    reason: RefundReason;
    at: Date;
  },
): Promise<string | undefined> {
  if (r.amount <= 0) return undefined;
  const refundNo = newRefundNo();
  await tx.query(
    `insert into refunds (program_id, refund_no, order_no, policy_no, channel, amount_fen, reason, status, requested_at)
     values ($1,$2,$3,$4,$5,$6,$7,'requested',$8)`,
    [r.programId, refundNo, r.orderNo, r.policyNo, r.channel, r.amount, r.reason, r.at],
  );
  await postJournal(tx, {
    programId: r.programId,
    journalId: `refund:${refundNo}`,
    kind: "premium_refund",
    ref: r.policyNo,
    at: r.at,
    legs: [{ debit: "income:premium", credit: "liability:refund_payable", amount: r.amount }],
  });
  return refundNo;
}

interface RefundRow {
  refund_no: string;
  order_no: string;
  policy_no: string;
  channel: Channel;
  amount_fen: number;
}

/** Pays every requested refund of a program through its channel; safe to run again (idempotent per refund_no). */
export async function processRefunds(ctx: PlatformContext, programId: string): Promise<number> {
  const pending = await ctx.db.query<{ refund_no: string }>(
    "select refund_no from refunds where program_id = $1 and status in ('requested','failed') order by requested_at, refund_no",
    [programId],
  );
  let paid = 0;
  for (const { refund_no } of pending) {
    const done = await ctx.db.transaction(async (tx) => {
      const rows = await tx.query<RefundRow>(
        `select refund_no, order_no, policy_no, channel, amount_fen from refunds
          where program_id = $1 and refund_no = $2 and status in ('requested','failed') for update`,
        [programId, refund_no],
      );
      const r = rows[0];
      if (r === undefined) return false;
      const amount = Number(r.amount_fen);
      let providerRefundId: string;
      if (r.channel === "cash" || r.channel === "personal_account") {
        const g = gatewaysOf(ctx);
        const gateway = r.channel === "cash" ? g.cash : g.personalAccount;
        if (gateway === undefined) return false;
        const result = await gateway.refund({
          programId,
          orderNo: r.order_no,
          refundNo: r.refund_no,
          amount,
        });
        if (!result.ok) {
          await tx.query("update refunds set status = 'failed' where program_id = $1 and refund_no = $2", [
            programId,
            r.refund_no,
          ]);
          return false;
        }
        providerRefundId = result.providerRefundId;
      } else if (r.channel === "charity") {
        const pool = await tx.query<{ pool_id: string }>(
          "select pool_id from payment_orders where program_id = $1 and order_no = $2",
          [programId, r.order_no],
        );
        const poolId = pool[0]?.pool_id as string;
        await tx.query(
          "update charity_pools set balance_fen = balance_fen + $3 where program_id = $1 and pool_id = $2",
          [programId, poolId, amount],
        );
        await tx.query(
          `insert into charity_pool_movements (program_id, pool_id, kind, amount_fen, ref, at)
           values ($1,$2,'refund',$3,$4,$5)`,
          [programId, poolId, amount, r.refund_no, ctx.clock.now()],
        );
        providerRefundId = `POOL:${poolId}`;
      } else {
        providerRefundId = "OFFLINE";
      }
      const at = ctx.clock.now();
      await tx.query(
        "update refunds set status = 'paid', paid_at = $3, provider_refund_id = $4 where program_id = $1 and refund_no = $2",
        [programId, r.refund_no, at, providerRefundId],
      );
      await postJournal(tx, {
        programId,
        journalId: `refund_paid:${r.refund_no}`,
        kind: "refund_paid",
        ref: r.policy_no,
        at,
        legs: [{ debit: "liability:refund_payable", credit: clearingAccount(r.channel), amount }],
      });
      return true;
    });
    if (done) paid += 1;
  }
  return paid;
}
