/**
 * The payment-gateway interface. Cash goes through a gateway (WeChat Pay, Alipay, UnionPay … behind this
 * interface); the 医保个人账户 (personal account) system speaks the same interface: createOrder is its
 * pre-authorization (预约), the callback is the deduction result (划扣), refund is a reversal.
 */
import type { Fen } from "../../domain/money.js";

export interface GatewayOrder {
  readonly programId: string;
  readonly orderNo: string;
  readonly amount: Fen;
  readonly description: string;
  /**
   * When the platform stops accepting payment for this order (cash orders only). A real gateway passes it on
   * (e.g. WeChat Pay's time_expire) so the payer cannot pay later; a payment that still arrives is refunded.
   */
  readonly expiresAt?: Date;
}

/** A verified callback from the provider. */
export interface CallbackEvent {
  readonly programId: string;
  readonly orderNo: string;
  readonly status: "paid" | "failed";
  readonly amount: Fen;
  readonly providerTxn: string;
}

export interface GatewayRefund {
  readonly programId: string;
  readonly orderNo: string;
  /** Idempotency key at the provider: refunding the same refund_no twice refunds once. */
  readonly refundNo: string;
  readonly amount: Fen;
}

export type GatewayOrderStatus =
  | { readonly status: "unknown" | "created" | "failed" }
  | { readonly status: "paid"; readonly amount: Fen; readonly providerTxn: string };

export interface PaymentGateway {
  /** The `:provider` of `POST /api/v1/payments/callback/:provider`. */
  readonly provider: string;
  readonly sandbox: boolean;
  createOrder(order: GatewayOrder): Promise<{ payUrl: string }>;
  /** The event when the signature over the raw body is valid; undefined when it is not (forged, tampered). */
  verifyCallback(
    rawBody: string,
    headers: Record<string, string | string[] | undefined>,
  ): CallbackEvent | undefined;
  /**
   * The provider's view of an order, for reconciliation when a callback never arrived. For a paid order the
   * provider reports the amount it collected and its transaction id.
   */
  query(orderNo: string): Promise<GatewayOrderStatus>;
  refund(refund: GatewayRefund): Promise<{ ok: boolean; providerRefundId: string }>;
}
