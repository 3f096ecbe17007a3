/**
 * Policies on the wire: services/policies answers in fen, the contract (src/contract/policies) carries yuan
 * strings beside the fen a client submits back. Fields keep the contract's order.
 */
import type { CancelQuote, CancelResult, PolicyView } from "../../contract/policies.js";
import { formatYuan } from "../../domain/money.js";
import type {
  CancelQuote as CancelQuoteView,
  PolicyView as PolicyViewModel,
} from "../../services/policies.js";

export function presentPolicy(p: PolicyViewModel): PolicyView {
  return {
    program_id: p.program_id,
    policy_no: p.policy_no,
    status: p.status,
    plan: p.plan,
    plan_name: p.plan_name,
    product_name: p.product_name,
    psn_no: p.psn_no,
    psn_name: p.psn_name,
    certno: p.certno,
    relation: p.relation,
    enrollment_kind: p.enrollment_kind,
    payer_psn_no: p.payer_psn_no,
    unit_code: p.unit_code,
    charity_pool: p.charity_pool,
    premium: formatYuan(p.premium_fen),
    premium_fen: p.premium_fen,
    premium_rule: p.premium_rule,
    coverage_start: p.coverage_start,
    coverage_end: p.coverage_end,
    paid_channel: p.paid_channel,
    issued_at: p.issued_at,
    cancelled_at: p.cancelled_at,
    refund: p.refund_fen === null ? null : formatYuan(p.refund_fen),
    ...(p.verification_code === undefined ? {} : { verification_code: p.verification_code }),
    ...(p.events === undefined ? {} : { events: p.events }),
  };
}

export function presentCancelQuote(q: CancelQuoteView): CancelQuote {
  return {
    policy_no: q.policy_no,
    status: q.status,
    premium: formatYuan(q.premium_fen),
    refund: formatYuan(q.refund_fen),
    refund_fen: q.refund_fen,
    kind: q.kind,
    total_days: q.total_days,
    remaining_days: q.remaining_days,
    explanation: q.explanation,
    channel: q.channel,
  };
}

export function presentCancelResult(r: CancelQuoteView & { refund_no: string | null }): CancelResult {
  return { ...presentCancelQuote(r), refund_no: r.refund_no };
}
