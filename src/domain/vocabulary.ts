/**
 * Closed vocabularies that the database, the services and the wire contract all speak. One home each: the
 * contract (src/contract) builds its enums from these, the services validate against them.
 */

/** A policy's life: unpaid → issued and waiting for coverage start → in force → cancelled (with refund). */
export const POLICY_STATUSES = ["pending_payment", "pending_effective", "active", "cancelled"] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

/** How a policy was bought: for oneself, for family members, by an employer for its staff, or by a charity. */
export const ENROLLMENT_KINDS = ["individual", "family", "unit", "charity"] as const;
export type EnrollmentKind = (typeof ENROLLMENT_KINDS)[number];

/** The oversight dashboard's enrollment breakdowns: by county (区县), by unit (单位), by cohort (人群). */
export const ENROLLMENT_DIMENSIONS = ["county", "unit", "cohort"] as const;
export type EnrollmentDimension = (typeof ENROLLMENT_DIMENSIONS)[number];

/*
 * Labels: what a screen, a certificate or a report shows for each code, in Chinese and in English — one
 * place, so no raw code reaches a person (issue 14). `labelOf` falls back to the code itself only for a code
 * no vocabulary knows (a product's own plan id, say), which a test of the screens would catch.
 */

/** A code's words in each language the screens speak. */
export interface Label {
  readonly zh: string;
  readonly en: string;
}
export type LabelLang = keyof Label;

export const POLICY_STATUS_LABELS: Readonly<Record<PolicyStatus, Label>> = {
  pending_payment: { zh: "待缴费", en: "Awaiting payment" },
  pending_effective: { zh: "待生效", en: "Not yet in force" },
  active: { zh: "保障中", en: "In force" },
  cancelled: { zh: "已退保", en: "Cancelled" },
};

export const ENROLLMENT_KIND_LABELS: Readonly<Record<EnrollmentKind, Label>> = {
  individual: { zh: "个人投保", en: "Individual" },
  family: { zh: "家庭投保", en: "Family" },
  unit: { zh: "单位投保", en: "Unit" },
  charity: { zh: "慈善捐购", en: "Charity" },
};

/** The insured's relation to the payer (policies.relation); `sponsored`: paid by a charity pool. */
export const RELATION_LABELS: Readonly<Record<string, Label>> = {
  self: { zh: "本人", en: "Self" },
  spouse: { zh: "配偶", en: "Spouse" },
  child: { zh: "子女", en: "Child" },
  parent: { zh: "父母", en: "Parent" },
  sponsored: { zh: "慈善资助", en: "Sponsored" },
};

/** How a premium was paid (policies.paid_channel, payment_orders.channel). */
export const PAYMENT_CHANNEL_LABELS: Readonly<Record<string, Label>> = {
  cash: { zh: "在线支付", en: "Online payment" },
  personal_account: { zh: "医保个人账户", en: "Medical insurance personal account" },
  offline: { zh: "线下缴费", en: "Paid offline" },
  charity: { zh: "慈善资金池", en: "Charity pool" },
};

/** A claim's history (claim_events.event). */
export const CLAIM_EVENT_LABELS: Readonly<Record<string, Label>> = {
  settled: { zh: "理算完成", en: "Settled" },
  revoked: { zh: "已撤销", en: "Revoked" },
  consent_used: { zh: "使用理赔授权调取结算记录", en: "Consent used to fetch the record" },
  counter_submitted: { zh: "柜面受理", en: "Submitted at the counter" },
  counter_assigned: { zh: "分派审核", en: "Assigned for review" },
  counter_document: { zh: "补充材料", en: "Document added" },
  counter_pending_second_approval: { zh: "待复核（双人审批）", en: "Awaiting second approval" },
  counter_resettling: { zh: "重新理算中", en: "Re-settling" },
  counter_approved: { zh: "审核通过", en: "Approved" },
  counter_adjusted: { zh: "调整后通过", en: "Approved with adjustment" },
  counter_rejected: { zh: "审核不通过", en: "Rejected" },
  counter_appealed: { zh: "申请复议", en: "Appealed" },
  counter_appeal_dismissed: { zh: "复议驳回", en: "Appeal dismissed" },
  counter_on_behalf: { zh: "监护人/家庭投保人代为申请", en: "Filed by a guardian or family payer" },
};

/** The code's label in `lang`; the code itself only when no vocabulary knows it. */
export function labelOf(
  labels: Readonly<Record<string, Label>>,
  code: string | null | undefined,
  lang: LabelLang = "zh",
): string {
  if (code === null || code === undefined) return "—";
  return labels[code]?.[lang] ?? code;
}
