/**
 * The built-in sandbox provider for tests and the demo. It signs callbacks with HMAC-SHA256 under a secret
 * that belongs to this instance only, and can be told to "pay" (or fail) an order. Refunds are recorded in
 * memory and are idempotent by refund_no.
 */
import { constantTimeEqualHex, hmacHex, randomToken } from "../../platform/crypto.js";
import type {
  CallbackEvent,
  GatewayOrder,
  GatewayOrderStatus,
  GatewayRefund,
  PaymentGateway,
} from "./gateway.js";

export const SANDBOX_SIGNATURE_HEADER = "x-sandbox-signature";

export class SandboxGateway implements PaymentGateway {
  readonly sandbox = true;
  readonly orders = new Map<
    string,
    GatewayOrder & { status: "created" | "paid" | "failed"; paid?: { amount: number; providerTxn: string } }
  >();
  readonly refunds = new Map<string, GatewayRefund & { providerRefundId: string }>();
  readonly #secret: string;

  constructor(
    readonly provider: string,
    secret: string = randomToken(),
  ) {
    this.#secret = secret;
  }

  async createOrder(order: GatewayOrder): Promise<{ payUrl: string }> {
    if (!this.orders.has(order.orderNo)) this.orders.set(order.orderNo, { ...order, status: "created" });
    return { payUrl: `/api/v1/sandbox/pay/${encodeURIComponent(order.orderNo)}` };
  }

  /** What the provider would POST to the callback route: the body and its signature header. */
  signCallback(event: CallbackEvent): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({
      program_id: event.programId,
      order_no: event.orderNo,
      status: event.status,
      amount_fen: event.amount,
      provider_txn: event.providerTxn,
    });
    return {
      body,
      headers: {
        "content-type": "application/json",
        [SANDBOX_SIGNATURE_HEADER]: hmacHex(this.#secret, body),
      },
    };
  }

  /** Simulates the payer completing (or failing) payment: the signed callback the provider would send. */
  pay(event: Omit<CallbackEvent, "providerTxn"> & { providerTxn?: string }): {
    body: string;
    headers: Record<string, string>;
  } {
    const providerTxn = event.providerTxn ?? `SBX${randomToken(9)}`;
    const known = this.orders.get(event.orderNo);
    if (known !== undefined) {
      known.status = event.status;
      if (event.status === "paid") known.paid = { amount: event.amount, providerTxn };
    }
    return this.signCallback({ ...event, providerTxn });
  }

  verifyCallback(
    rawBody: string,
    headers: Record<string, string | string[] | undefined>,
  ): CallbackEvent | undefined {
    const raw = headers[SANDBOX_SIGNATURE_HEADER];
    const signature = Array.isArray(raw) ? raw[0] : raw;
    if (signature === undefined || !constantTimeEqualHex(signature, hmacHex(this.#secret, rawBody)))
      return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const p = parsed as Record<string, unknown>;
    if (
      typeof p.program_id !== "string" ||
      typeof p.order_no !== "string" ||
      (p.status !== "paid" && p.status !== "failed") ||
      typeof p.amount_fen !== "number" ||
      !Number.isSafeInteger(p.amount_fen) ||
      typeof p.provider_txn !== "string" ||
      // A refund goes back through the provider's transaction: a payment without one cannot be refunded.
      p.provider_txn.trim() === ""
    ) {
      return undefined;
    }
    return {
      programId: p.program_id,
      orderNo: p.order_no,
      status: p.status,
      amount: p.amount_fen,
      providerTxn: p.provider_txn,
    };
  }

  async query(orderNo: string): Promise<GatewayOrderStatus> {
    const known = this.orders.get(orderNo);
    if (known === undefined) return { status: "unknown" };
    if (known.status === "paid" && known.paid !== undefined) {
      return { status: "paid", amount: known.paid.amount, providerTxn: known.paid.providerTxn };
    }
    return { status: known.status === "paid" ? "created" : known.status };
  }

  async refund(refund: GatewayRefund): Promise<{ ok: boolean; providerRefundId: string }> {
    const existing = this.refunds.get(refund.refundNo);
    if (existing !== undefined) return { ok: true, providerRefundId: existing.providerRefundId };
    const providerRefundId = `SBXR${randomToken(9)}`;
    this.refunds.set(refund.refundNo, { ...refund, providerRefundId });
    return { ok: true, providerRefundId };
  }
}
