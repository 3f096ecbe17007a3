/**
 * The resident's reads on the wire: services/resident answers in fen, the H5 reads yuan strings
 * (src/contract/product). Fields keep the contract's order.
 */
import type { Eligibility, MyPolicy, ResidentOverview } from "../../contract/product.js";
import { formatYuan } from "../../domain/money.js";
import type {
  EligibilityView,
  MyPolicy as MyPolicyView,
  ResidentOverview as ResidentOverviewView,
} from "../../services/resident.js";

export function presentEligibility(v: EligibilityView): Eligibility {
  return {
    ...v,
    premiums: v.premiums.map((p) => ({
      plan: p.plan,
      plan_name: p.plan_name,
      premium: formatYuan(p.premium_fen),
    })),
  };
}

function presentMyPolicy(p: MyPolicyView): MyPolicy {
  const { pending_order } = p;
  return {
    policy_no: p.policy_no,
    psn_no: p.psn_no,
    psn_name: p.psn_name,
    relation: p.relation,
    plan: p.plan,
    plan_name: p.plan_name,
    status: p.status,
    premium: formatYuan(p.premium_fen),
    coverage_start: p.coverage_start,
    coverage_end: p.coverage_end,
    is_insured: p.is_insured,
    is_payer: p.is_payer,
    pending_order:
      pending_order === null
        ? null
        : {
            order_no: pending_order.order_no,
            amount: formatYuan(pending_order.amount_fen),
            status: pending_order.status,
            pay_url: pending_order.pay_url,
            expires_at: pending_order.expires_at,
          },
  };
}

export function presentResidentOverview(v: ResidentOverviewView): ResidentOverview {
  return { ...v, policies: v.policies.map(presentMyPolicy) };
}
