/**
 * The console's read models on the wire: services/console answers in fen, the console reads yuan strings
 * (src/contract/console). Fields keep the contract's order.
 */
import type {
  PolicyListItem,
  PolicyPage,
  PoolList,
  PoolSummary,
  SponsoredClaim,
  SponsoredClaimPage,
} from "../../contract/console.js";
import { formatYuan } from "../../domain/money.js";
import type {
  PolicyListItem as PolicyListItemView,
  PoolSummary as PoolSummaryView,
  SponsoredClaim as SponsoredClaimView,
} from "../../services/console.js";

interface Page {
  program_id: string;
  total: number;
  limit: number;
  offset: number;
}

function presentPolicy(p: PolicyListItemView): PolicyListItem {
  return {
    policy_no: p.policy_no,
    psn_no: p.psn_no,
    psn_name: p.psn_name,
    plan_id: p.plan_id,
    plan_name: p.plan_name,
    enrollment_id: p.enrollment_id,
    enrollment_kind: p.enrollment_kind,
    relation: p.relation,
    unit_code: p.unit_code,
    pool_id: p.pool_id,
    premium: formatYuan(p.premium_fen),
    status: p.status,
    paid_channel: p.paid_channel,
    coverage_start: p.coverage_start,
    coverage_end: p.coverage_end,
    issued_at: p.issued_at,
    cancelled_at: p.cancelled_at,
  };
}

export function presentPolicyPage(v: Page & { policies: PolicyListItemView[] }): PolicyPage {
  return { ...v, policies: v.policies.map(presentPolicy) };
}

function presentPool(p: PoolSummaryView): PoolSummary {
  return {
    pool_id: p.pool_id,
    name: p.name,
    balance: formatYuan(p.balance_fen),
    donated: formatYuan(p.donated_fen),
    sponsored: formatYuan(p.sponsored_fen),
    refunded: formatYuan(p.refunded_fen),
    donations: p.donations,
    sponsored_persons: p.sponsored_persons,
    keeper: p.keeper,
  };
}

export function presentPoolList(v: { program_id: string; pools: PoolSummaryView[] }): PoolList {
  return { program_id: v.program_id, pools: v.pools.map(presentPool) };
}

function presentSponsoredClaim(c: SponsoredClaimView): SponsoredClaim {
  return {
    setl_id: c.setl_id,
    kind: c.kind,
    psn_no: c.psn_no,
    pool_id: c.pool_id,
    pool_name: c.pool_name,
    status: c.status,
    state: c.state,
    hmb_pay: formatYuan(c.hmb_pay_fen),
    psn_part_amt: formatYuan(c.psn_part_amt_fen),
    remaining: formatYuan(c.remaining_fen),
    settled_at: c.settled_at,
  };
}

export function presentSponsoredClaimPage(
  v: Page & { page: number; page_size: number; claims: SponsoredClaimView[] },
): SponsoredClaimPage {
  return { ...v, claims: v.claims.map(presentSponsoredClaim) };
}
