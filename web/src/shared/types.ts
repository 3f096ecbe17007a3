/** The API's answers as the front ends read them (see the OpenAPI at /docs; amounts are yuan strings). */

export interface RatioView {
  ratio_percent: number;
  label: string | null;
  when: {
    pre_existing?: boolean;
    out_of_region?: boolean;
    cohorts?: string[];
    cost_from?: string;
    cost_to?: string | null;
  } | null;
}

export interface LiabilityView {
  id: string;
  name: string;
  base: "in_scope" | "out_of_scope" | "catalog";
  catalog: { id: string; name: string; items: number; sample: boolean } | null;
  med_types: { code: string; name: string }[];
  deductible: { name: string; amount: string } | null;
  ratios: RatioView[];
  cap: string | null;
  pre_existing_excluded: boolean;
}

export interface PlanView {
  id: string;
  name: string;
  tier: "basic" | "upgraded";
  premium: string;
  annual_total: string | null;
  deductibles: { id: string; name: string; amount: string }[];
  liabilities: LiabilityView[];
}

export interface ProductSheet {
  program_id: string;
  insurers: { code: string; name: string; lead: boolean }[];
  product_id: string;
  name: string;
  region: { code: string; name: string };
  coverage_start: string;
  coverage_end: string;
  enrollment_start: string;
  enrollment_end: string;
  family_enrollment: boolean;
  one_stop_settlement: boolean;
  refund: { before_effective: "full"; after_effective: "unearned_pro_rata_by_day" | "none" };
  pre_existing_conditions: { id: string; name: string }[];
  plans: PlanView[];
}

export interface WireLine {
  liability: string;
  eligible: string;
  deductible: string;
  ratio: string;
  payout: string;
  explanation: string;
}

export interface BenefitQuote {
  total: string;
  insurance_paid: string;
  out_of_scope: string;
  in_scope_self_pay: string;
  person_burden: string;
  assumptions: string;
  plans: {
    plan: string;
    plan_name: string;
    premium: string;
    status: "paid" | "zero" | "not_covered";
    hmb_pay: string;
    remaining: string;
    summary: string;
    lines: WireLine[];
  }[];
}

export interface Eligibility {
  eligible: boolean;
  psn_no: string | null;
  psn_name: string | null;
  certno: string;
  age: number | null;
  enrolled: boolean;
  policy_status: string | null;
  premiums: { plan: string; plan_name: string; premium: string }[];
  message: string;
}

export interface MyPolicy {
  policy_no: string;
  psn_no: string;
  psn_name: string;
  relation: string;
  plan: string;
  plan_name: string;
  status: "pending_payment" | "pending_effective" | "active" | "cancelled";
  premium: string;
  coverage_start: string;
  coverage_end: string;
  is_insured: boolean;
  is_payer: boolean;
  pending_order: { order_no: string; amount: string; status: string; pay_url: string | null } | null;
}

export interface ResidentOverview {
  program_id: string;
  psn_no: string;
  psn_name: string;
  certno: string;
  policies: MyPolicy[];
}

export interface EnrollmentResult {
  enrollment_id: string;
  plan: string;
  policies: { policy_no: string; psn_no: string; relation: string; premium: string; status: string }[];
  payment: {
    order_no: string;
    channel: string;
    provider: string;
    amount_fen: number;
    status: string;
    pay_url?: string;
  };
}

export interface PaymentOrder {
  order_no: string;
  channel: string;
  provider: string;
  amount_fen: number;
  status: string;
}

export interface PolicyView {
  policy_no: string;
  status: string;
  plan: string;
  plan_name: string;
  product_name: string;
  psn_no: string;
  psn_name: string;
  certno: string;
  relation: string;
  premium: string;
  coverage_start: string;
  coverage_end: string;
  issued_at: string | null;
  cancelled_at: string | null;
  refund: string | null;
  verification_code?: string;
}

export interface CancelQuote {
  policy_no: string;
  status: string;
  premium: string;
  refund: string;
  refund_fen: number;
  kind: string;
  total_days: number;
  remaining_days: number;
  explanation: string;
  channel: string | null;
}

export interface ClaimView {
  setl_id: string;
  policy_no: string | null;
  status: "paid" | "zero" | "not_covered";
  reason?: string;
  hmb_pay: string;
  psn_part_amt: string;
  psn_remaining: string;
  lines: WireLine[];
  kind: string;
  psn_no: string;
  fixmedins_code: string;
  state: "settled" | "revoked";
  settled_at: string;
  revoked_at: string | null;
  events: { event: string; at: string; data: unknown }[];
}

export interface ConsentView {
  consent_id: string;
  scope: string;
  from: string;
  to: string;
  granted_at: string;
  expires_at: string;
  revoked_at: string | null;
  state: "active" | "expired" | "revoked";
}

export interface ClaimableRecord {
  setl_id: string;
  fixmedins_code: string;
  med_type: string;
  settled_at: string;
  psn_part_amt: string;
}
