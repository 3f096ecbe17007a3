/**
 * Payment orders and their outcome. A verified callback (or an operator's confirmation, or an offline /
 * charity payment) settles an order exactly once: the order row is locked, a replay finds it settled and
 * changes nothing. Settling issues the policies it pays for; when a personal-account deduction succeeds for a
 * policy already paid in cash, the cash is refunded automatically (seed 004); any other second payment of a
 * policy is refunded as a duplicate.
 *
 * An unpaid order reserves nobody: several unpaid policies of one person may exist (the person's own, a
 * relative's family order). The first payment to land issues its policy; a payment for another policy of a
 * person who by then has an issued one is refunded and that policy cancelled (unique index
 * policies_one_live_per_person is the last guard). Unpaid cash orders expire (expiry.ts); a payment for an
 * expired order is refunded, never applied.
 */
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../db/database.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { formatBusinessTime } from "../../domain/time.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { postJournal } from "../ledger.js";
import { notify } from "../notifications.js";
import { addPolicyEvent, issuePolicyTx } from "../policies.js";
import { countPaidPromotion } from "../promotions.js";
import { expireOrderTx, expiresAtFor, isDue } from "./expiry.js";
import type { CallbackEvent } from "./gateway.js";
import { type Channel, clearingAccount, processRefunds, requestRefund } from "./refunds.js";
import { gatewayByProvider, gatewaysOf } from "./registry.js";
import { SandboxGateway } from "./sandbox.js";

export { DEFAULT_ORDER_EXPIRY_MINUTES, ORDER_EXPIRY_ENV, orderExpiryMinutes } from "./expiry.js";
export type { Channel } from "./refunds.js";
export { processRefunds } from "./refunds.js";

/**
 * Seed of the transaction-scoped advisory lock on one person of one program (namespace of the other
 * hashtextextended locks: ledger 7263002, settle 7263005, special drugs 7263008, payout batches 7263009).
 * Enrollment and payment take it before deciding whether the person already has an issued policy, so two
 * payments for one person never both issue.
 */
export const PERSON_LOCK_SEED = 7263013;

export function newOrderNo(at: Date): string {
  const d = formatBusinessTime(at.getTime()).slice(0, 10).replaceAll("-", "");
  return `PO${d}${randomBytes(6).toString("hex").toUpperCase()}`;
}

export interface OrderRow {
  program_id: string;
  order_no: string;
  enrollment_id: string | null;
  channel: Channel;
  provider: string;
  pool_id: string | null;
  payer_psn_no: string | null;
  amount_fen: number;
  status: "created" | "preauthorized" | "paid" | "failed" | "cancelled" | "expired";
  provider_txn: string | null;
  /** When an unpaid cash order stops being payable; null when it does not expire. */
  expires_at: Date | null;
}

const ORDER_COLUMNS = `program_id, order_no, enrollment_id, channel, provider, pool_id, payer_psn_no, amount_fen,
  status, provider_txn, expires_at`;

export interface OrderView {
  order_no: string;
  channel: string;
  provider: string;
  amount_fen: number;
  /** created | preauthorized | paid | failed | cancelled | expired (an unpaid order past expires_at). */
  status: string;
  /** Beijing time "yyyy-MM-dd HH:mm:ss" after which the order can no longer be paid; null: no expiry. */
  expires_at: string | null;
  pay_url?: string | undefined;
}

/** The order as its payer and staff see it; `now` turns a due order 'expired' before the sweep records it. */
export function orderView(o: OrderRow, now: Date, payUrl?: string): OrderView {
  const expired = isDue(o, now);
  return {
    order_no: o.order_no,
    channel: o.channel === "charity" ? `charity:${o.pool_id}` : o.channel,
    provider: o.provider,
    amount_fen: Number(o.amount_fen),
    status: expired ? "expired" : o.status,
    expires_at: o.expires_at === null ? null : formatBusinessTime(new Date(o.expires_at).getTime()),
    ...(payUrl === undefined || expired ? {} : { pay_url: payUrl }),
  };
}

/** Above this many persons one transaction takes the program's lock instead of one lock per person. */
export const PERSON_LOCKS_MAX = 64;

/**
 * Serializes deciding "does this person already have an issued policy?" with issuing one. A transaction for
 * a few persons (a family, one payment order) takes the program's lock shared and each person's lock (sorted
 * by key, so overlapping sets never wait on each other in a cycle); a bulk one (a unit, a charity cohort)
 * takes the program's lock exclusively — one lock instead of thousands, which would exhaust the server's
 * lock table. Held until the transaction ends; taking them again in the same transaction is free.
 */
export async function lockPersonsTx(
  tx: Queryable,
  programId: string,
  psnNos: readonly string[],
): Promise<void> {
  const persons = [...new Set(psnNos)];
  if (persons.length === 0) return;
  if (persons.length > PERSON_LOCKS_MAX) {
    await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, ${PERSON_LOCK_SEED}))`, [programId]);
    return;
  }
  await tx.query(`select pg_advisory_xact_lock_shared(hashtextextended($1, ${PERSON_LOCK_SEED}))`, [
    programId,
  ]);
  await tx.query(
    `select pg_advisory_xact_lock(k) from (
       select distinct hashtextextended($1 || '/' || p, ${PERSON_LOCK_SEED}) as k from unnest($2::text[]) p
        order by k) keys`,
    [programId, persons],
  );
}

/**
 * The person's live policy (issued and not cancelled: in force or pending effect) other than `except`. A
 * cancelled policy does not count: its person may enroll again (issue 14; index policies_one_live_per_person).
 */
export async function issuedPolicyOf(
  tx: Queryable,
  programId: string,
  psnNo: string,
  except?: string,
): Promise<string | undefined> {
  const rows = await tx.query<{ policy_no: string }>(
    `select policy_no from policies
      where program_id = $1 and psn_no = $2 and issued_at is not null and status <> 'cancelled'
        and policy_no <> coalesce($3, '')`,
    [programId, psnNo, except ?? null],
  );
  return rows[0]?.policy_no;
}

export async function createOrderTx(
  tx: Queryable,
  o: {
    programId: string;
    orderNo: string;
    enrollmentId: string | null;
    channel: Channel;
    provider: string;
    poolId: string | null;
    payerPsnNo: string | null;
    status: OrderRow["status"];
    createdBy: string;
    at: Date;
    items: readonly { policyNo: string; psnNo: string; amount: Fen }[];
  },
): Promise<OrderRow> {
  const amount = o.items.reduce((s, i) => s + i.amount, 0);
  const expiresAt = expiresAtFor(o.channel, o.status, o.at);
  await tx.query(
    `insert into payment_orders (program_id, order_no, enrollment_id, channel, provider, pool_id, payer_psn_no,
       amount_fen, status, created_by, created_at, expires_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [
      o.programId,
      o.orderNo,
      o.enrollmentId,
      o.channel,
      o.provider,
      o.poolId,
      o.payerPsnNo,
      amount,
      o.status,
      o.createdBy,
      o.at,
      expiresAt,
    ],
  );
  for (const i of o.items) {
    await tx.query(
      "insert into payment_items (program_id, order_no, policy_no, psn_no, amount_fen) values ($1,$2,$3,$4,$5)",
      [o.programId, o.orderNo, i.policyNo, i.psnNo, i.amount],
    );
  }
  return {
    program_id: o.programId,
    order_no: o.orderNo,
    enrollment_id: o.enrollmentId,
    channel: o.channel,
    provider: o.provider,
    pool_id: o.poolId,
    payer_psn_no: o.payerPsnNo,
    amount_fen: amount,
    status: o.status,
    provider_txn: null,
    expires_at: expiresAt,
  };
}

/**
 * Marks a locked, unsettled order paid and applies it to its policies. Returns refunds requested (to be paid
 * by processRefunds after commit).
 */
export async function settlePaidTx(
  tx: Queryable,
  order: OrderRow,
  at: Date,
  actor: string,
  providerTxn: string | null,
): Promise<number> {
  await tx.query(
    "update payment_orders set status = 'paid', paid_at = $3, provider_txn = $4 where program_id = $1 and order_no = $2",
    [order.program_id, order.order_no, at, providerTxn],
  );
  const amount = Number(order.amount_fen);
  if (amount > 0) {
    await postJournal(tx, {
      programId: order.program_id,
      journalId: `premium:${order.order_no}`,
      kind: order.channel === "charity" ? "charity_funding" : "premium_received",
      ref: order.order_no,
      at,
      legs: [{ debit: clearingAccount(order.channel), credit: "income:premium", amount }],
    });
  }
  const items = await tx.query<{ policy_no: string; psn_no: string; amount_fen: number }>(
    "select policy_no, psn_no, amount_fen from payment_items where program_id = $1 and order_no = $2 order by policy_no",
    [order.program_id, order.order_no],
  );
  await lockPersonsTx(
    tx,
    order.program_id,
    items.map((i) => i.psn_no),
  );
  let refunds = 0;
  let issued = 0;
  for (const item of items) {
    const rows = await tx.query<{
      status: string;
      paid_order_no: string | null;
      paid_channel: Channel | null;
    }>(
      "select status, paid_order_no, paid_channel from policies where program_id = $1 and policy_no = $2 for update",
      [order.program_id, item.policy_no],
    );
    const policy = rows[0];
    if (policy === undefined) continue;
    const itemAmount = Number(item.amount_fen);
    const refundThis = async (event: string, data: Record<string, unknown> = {}) => {
      const no = await requestRefund(tx, {
        programId: order.program_id,
        orderNo: order.order_no,
        policyNo: item.policy_no,
        channel: order.channel,
        amount: itemAmount,
        reason: "duplicate_payment",
        at,
      });
      if (no !== undefined) refunds += 1;
      await addPolicyEvent(tx, order.program_id, item.policy_no, event, actor, at, {
        order_no: order.order_no,
        refund_no: no ?? null,
        amount_fen: itemAmount,
        ...data,
      });
    };
    if (policy.status === "cancelled") {
      await refundThis("duplicate_payment_refunded");
    } else if (policy.paid_order_no === null) {
      // Another payment for this person landed first (their own, or another payer's): it wins, this one
      // goes back and this never-issued policy is cancelled.
      const inForce = await issuedPolicyOf(tx, order.program_id, item.psn_no, item.policy_no);
      if (inForce === undefined) {
        await issuePolicyTx(tx, order.program_id, item.policy_no, order, at, actor);
        issued++;
      } else {
        await tx.query(
          `update policies set status = 'cancelled', cancelled_at = $3, refund_fen = 0
            where program_id = $1 and policy_no = $2`,
          [order.program_id, item.policy_no, at],
        );
        await refundThis("superseded_refunded", { issued_policy_no: inForce });
      }
    } else if (order.channel === "personal_account" && policy.paid_channel !== "personal_account") {
      // Seed 004: once the personal-account deduction succeeds, money paid through other channels goes back.
      const previous = await tx.query<{ amount_fen: number }>(
        "select amount_fen from payment_items where program_id = $1 and order_no = $2 and policy_no = $3",
        [order.program_id, policy.paid_order_no, item.policy_no],
      );
      const no = await requestRefund(tx, {
        programId: order.program_id,
        orderNo: policy.paid_order_no,
        policyNo: item.policy_no,
        channel: policy.paid_channel as Channel,
        amount: Number(previous[0]?.amount_fen ?? 0),
        reason: "superseded_by_personal_account",
        at,
      });
      if (no !== undefined) refunds += 1;
      await tx.query(
        "update policies set paid_order_no = $3, paid_channel = $4 where program_id = $1 and policy_no = $2",
        [order.program_id, item.policy_no, order.order_no, order.channel],
      );
      await addPolicyEvent(tx, order.program_id, item.policy_no, "paid_by_personal_account", actor, at, {
        order_no: order.order_no,
        refunded_order_no: policy.paid_order_no,
        refund_no: no ?? null,
      });
    } else {
      await refundThis("duplicate_payment_refunded");
    }
  }
  // Persons this payment actually covered (not a payment refunded as a duplicate) credit its channel.
  await countPaidPromotion(tx, order.program_id, order.enrollment_id, issued, at);
  return refunds;
}

/**
 * A payment that arrived for an expired order: the money is taken in (journal as any premium) and every item
 * refunded in full through the same channel at once; no policy is issued. The order stays 'expired' with the
 * provider's transaction recorded, so a replay of the callback changes nothing.
 */
async function refundExpiredPaymentTx(
  tx: Queryable,
  order: OrderRow,
  at: Date,
  actor: string,
  providerTxn: string,
): Promise<number> {
  await tx.query(
    "update payment_orders set paid_at = $3, provider_txn = $4 where program_id = $1 and order_no = $2",
    [order.program_id, order.order_no, at, providerTxn],
  );
  const amount = Number(order.amount_fen);
  if (amount > 0) {
    await postJournal(tx, {
      programId: order.program_id,
      journalId: `premium:${order.order_no}`,
      kind: "premium_received",
      ref: order.order_no,
      at,
      legs: [{ debit: clearingAccount(order.channel), credit: "income:premium", amount }],
    });
  }
  const items = await tx.query<{ policy_no: string; amount_fen: number }>(
    "select policy_no, amount_fen from payment_items where program_id = $1 and order_no = $2 order by policy_no",
    [order.program_id, order.order_no],
  );
  let refunds = 0;
  for (const item of items) {
    const no = await requestRefund(tx, {
      programId: order.program_id,
      orderNo: order.order_no,
      policyNo: item.policy_no,
      channel: order.channel,
      amount: Number(item.amount_fen),
      reason: "order_expired",
      at,
    });
    if (no !== undefined) refunds += 1;
    await addPolicyEvent(tx, order.program_id, item.policy_no, "expired_order_payment_refunded", actor, at, {
      order_no: order.order_no,
      refund_no: no ?? null,
      amount_fen: Number(item.amount_fen),
    });
  }
  return refunds;
}

async function lockOrder(tx: Queryable, programId: string, orderNo: string): Promise<OrderRow> {
  const rows = await tx.query<OrderRow>(
    `select ${ORDER_COLUMNS} from payment_orders where program_id = $1 and order_no = $2 for update`,
    [programId, orderNo],
  );
  const o = rows[0];
  if (o === undefined) throw notFound(`支付订单 ${orderNo}`, "order_no");
  return o;
}

function assertAmount(event: CallbackEvent, order: OrderRow): void {
  if (event.amount !== Number(order.amount_fen)) {
    throw new ServiceError(
      "invalid",
      "amount_mismatch",
      `支付金额 ${event.amount} 分与订单金额 ${order.amount_fen} 分不符`,
      "amount_fen",
    );
  }
}

/**
 * Records the expiry of due orders (their own small transaction each, the order locked first like the
 * payment path; one being paid right now is left to that payment). `payerPsnNo` limits it to one payer's
 * orders, `orderNo` to one order. Returns how many expired. Views already show a due order as expired;
 * this makes it so in the database and cancels the policies it leaves unpaid.
 */
export async function expireDueOrders(
  ctx: PlatformContext,
  programId: string,
  scope: { payerPsnNo?: string; orderNo?: string; limit?: number } = {},
): Promise<number> {
  const now = ctx.clock.now();
  // status literal (PAYABLE_STATUSES) so the partial index payment_orders_due serves the look-up.
  const due = await ctx.db.query<{ order_no: string }>(
    `select order_no from payment_orders
      where program_id = $1 and status in ('created', 'failed') and expires_at <= $2
        and ($3::text is null or payer_psn_no = $3) and ($4::text is null or order_no = $4)
      order by expires_at, order_no limit $5`,
    [programId, now, scope.payerPsnNo ?? null, scope.orderNo ?? null, scope.limit ?? 1000],
  );
  let expired = 0;
  for (const { order_no } of due) {
    const done = await ctx.db.transaction(async (tx) => {
      const rows = await tx.query<OrderRow>(
        `select ${ORDER_COLUMNS} from payment_orders where program_id = $1 and order_no = $2 for update skip locked`,
        [programId, order_no],
      );
      const order = rows[0];
      if (order === undefined || !isDue(order, now)) return false;
      await expireOrderTx(tx, order, now, "system:order_expiry");
      return true;
    });
    if (done) expired += 1;
  }
  return expired;
}

export interface PaymentOutcome {
  readonly order_no: string;
  readonly status: string;
  /** False when the event was a replay and changed nothing. */
  readonly changed: boolean;
  readonly refunds_requested: number;
}

/** Applies a payment result (verified callback or operator confirmation) exactly once. */
export async function applyPaymentResult(
  ctx: PlatformContext,
  event: CallbackEvent & { provider?: string },
  actor: string,
): Promise<PaymentOutcome> {
  const outcome = await ctx.db.transaction(async (tx): Promise<PaymentOutcome> => {
    const order = await lockOrder(tx, event.programId, event.orderNo);
    if (event.provider !== undefined && order.provider !== event.provider) {
      throw new ServiceError(
        "invalid",
        "invalid_value",
        `订单 ${event.orderNo} 不属于 ${event.provider}`,
        "provider",
      );
    }
    if (order.status === "paid" || order.status === "cancelled") {
      return { order_no: order.order_no, status: order.status, changed: false, refunds_requested: 0 };
    }
    const at = ctx.clock.now();
    if (order.status === "expired" || isDue(order, at)) {
      // Past its expiry the order issues nothing: record the expiry if the sweep has not yet, and send back
      // any payment that still arrives for it.
      const expiring = order.status !== "expired";
      if (expiring) await expireOrderTx(tx, order, at, actor);
      const unchanged = { order_no: order.order_no, status: "expired", refunds_requested: 0 };
      if (event.status === "failed" || order.provider_txn !== null)
        return { ...unchanged, changed: expiring };
      assertAmount(event, order);
      const refunds = await refundExpiredPaymentTx(tx, order, at, actor, event.providerTxn);
      return { ...unchanged, changed: true, refunds_requested: refunds };
    }
    if (order.status === "failed" && event.status === "failed") {
      return { order_no: order.order_no, status: order.status, changed: false, refunds_requested: 0 };
    }
    if (event.status === "failed") {
      await tx.query("update payment_orders set status = 'failed' where program_id = $1 and order_no = $2", [
        order.program_id,
        order.order_no,
      ]);
      const items = await tx.query<{ policy_no: string }>(
        "select policy_no from payment_items where program_id = $1 and order_no = $2",
        [order.program_id, order.order_no],
      );
      for (const i of items) {
        await addPolicyEvent(tx, order.program_id, i.policy_no, "payment_failed", actor, at, {
          order_no: order.order_no,
          channel: order.channel,
        });
      }
      await notifyDeduction(tx, order, "failed", at);
      return { order_no: order.order_no, status: "failed", changed: true, refunds_requested: 0 };
    }
    assertAmount(event, order);
    const refunds = await settlePaidTx(tx, order, at, actor, event.providerTxn);
    await notifyDeduction(tx, order, "paid", at);
    return { order_no: order.order_no, status: "paid", changed: true, refunds_requested: refunds };
  });
  if (outcome.refunds_requested > 0) await processRefunds(ctx, event.programId);
  return outcome;
}

/**
 * A 医保个人账户 deduction is answered days after the resident asked for it (the bureau's batch): tell the payer
 * how it went, in the same transaction. Other channels answer while the payer waits on the pay page.
 */
async function notifyDeduction(tx: Queryable, order: OrderRow, status: "paid" | "failed", at: Date) {
  if (order.channel !== "personal_account" || order.payer_psn_no === null) return;
  const amount = formatYuan(Number(order.amount_fen));
  await notify(
    tx,
    status === "paid"
      ? {
          programId: order.program_id,
          psnNo: order.payer_psn_no,
          kind: "payment.personal_account_paid",
          subject: order.order_no,
          title: "医保个人账户划扣成功",
          body: `保费 ${amount} 元已从医保个人账户划扣，保单已生效或待生效；此前用其他方式缴纳的保费将原路退回。`,
          data: { order_no: order.order_no, amount },
        }
      : {
          programId: order.program_id,
          psnNo: order.payer_psn_no,
          kind: "payment.personal_account_failed",
          subject: order.order_no,
          title: "医保个人账户划扣未成功",
          body: `保费 ${amount} 元未能从医保个人账户划扣（常见原因：账户余额不足）。请在投保期内改用在线支付。`,
          data: { order_no: order.order_no, amount },
        },
    at,
  );
}

/** `POST /api/v1/payments/callback/:provider`: signature first; a forged or tampered callback changes nothing. */
export async function handleCallback(
  ctx: PlatformContext,
  provider: string,
  rawBody: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<PaymentOutcome> {
  const gateway = gatewayByProvider(ctx, provider);
  if (gateway === undefined)
    throw new ServiceError("not_found", "not_found", `未知支付渠道 ${provider}`, "provider");
  const event = gateway.verifyCallback(rawBody, headers);
  if (event === undefined)
    throw new ServiceError("unauthenticated", "invalid_signature", "回调签名无效", "signature");
  return applyPaymentResult(ctx, { ...event, provider }, `provider:${provider}`);
}

async function findOrder(ctx: PlatformContext, orderNo: string): Promise<OrderRow> {
  const rows = await ctx.db.query<OrderRow>(
    `select ${ORDER_COLUMNS} from payment_orders where order_no = $1`,
    [orderNo],
  );
  const o = rows[0];
  if (o === undefined) throw notFound(`支付订单 ${orderNo}`, "order_no");
  return o;
}

/**
 * Sandbox only: the payer "pays" (or the personal account deduction succeeds / fails). Produces the signed
 * callback the provider would send and feeds it through the same verified callback path.
 */
export async function sandboxPay(
  ctx: PlatformContext,
  orderNo: string,
  status: "paid" | "failed" = "paid",
): Promise<PaymentOutcome> {
  const order = await findOrder(ctx, orderNo);
  const gateway = gatewayByProvider(ctx, order.provider);
  if (!(gateway instanceof SandboxGateway)) {
    throw new ServiceError("not_found", "not_found", "沙箱支付未启用", "order_no");
  }
  const signed = gateway.pay({
    programId: order.program_id,
    orderNo: order.order_no,
    status,
    amount: Number(order.amount_fen),
  });
  return handleCallback(ctx, gateway.provider, signed.body, signed.headers);
}

/** Operator confirms a personal-account deduction result received out of band (e.g. a bureau batch file). */
export async function confirmPersonalAccount(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  orderNo: string,
  input: { status: "paid" | "failed"; providerTxn: string },
): Promise<PaymentOutcome> {
  const rows = await ctx.db.query<OrderRow>(
    "select channel, amount_fen from payment_orders where program_id = $1 and order_no = $2",
    [programId, orderNo],
  );
  const o = rows[0];
  if (o === undefined) throw notFound(`支付订单 ${orderNo}`, "order_no");
  if (o.channel !== "personal_account") {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "只有医保个人账户订单可以人工确认划扣结果",
      "order_no",
    );
  }
  const outcome = await applyPaymentResult(
    ctx,
    {
      programId,
      orderNo,
      status: input.status,
      amount: Number(o.amount_fen),
      providerTxn: input.providerTxn,
    },
    actor.id,
  );
  await audit(ctx.db, actor, programId, "payment.confirm_personal_account", orderNo, {
    status: input.status,
  });
  return outcome;
}

export async function getOrder(ctx: PlatformContext, programId: string, orderNo: string): Promise<OrderRow> {
  const rows = await ctx.db.query<OrderRow>(
    `select ${ORDER_COLUMNS} from payment_orders where program_id = $1 and order_no = $2`,
    [programId, orderNo],
  );
  const o = rows[0];
  if (o === undefined) throw notFound(`支付订单 ${orderNo}`, "order_no");
  return o;
}

/** Registers the order with its provider (cash: gateway order; personal account: pre-authorization). */
export async function registerWithProvider(
  ctx: PlatformContext,
  order: OrderRow,
  description: string,
): Promise<string | undefined> {
  const g = gatewaysOf(ctx);
  const gateway =
    order.channel === "cash" ? g.cash : order.channel === "personal_account" ? g.personalAccount : undefined;
  if (gateway === undefined) return undefined;
  const r = await gateway.createOrder({
    programId: order.program_id,
    orderNo: order.order_no,
    amount: Number(order.amount_fen),
    description,
    ...(order.expires_at === null ? {} : { expiresAt: new Date(order.expires_at) }),
  });
  return r.payUrl;
}
