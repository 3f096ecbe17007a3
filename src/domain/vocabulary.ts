/**
 * Closed vocabularies that the database, the services and the wire contract all speak. One home each: the
 * contract (src/contract) builds its enums from these, the services validate against them.
 */

import { ACCOUNTS, type Account, type JournalKind } from "./ledger.js";

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
  employee: { zh: "单位职工", en: "Employee" },
};

/** A payment order's status as the console shows it (payment_orders.status, an expired order, none yet). */
export const PAY_STATUS_LABELS: Readonly<Record<string, Label>> = {
  created: { zh: "待支付", en: "Awaiting payment" },
  preauthorized: { zh: "已预约划扣", en: "Deduction scheduled" },
  paid: { zh: "已支付", en: "Paid" },
  failed: { zh: "支付失败", en: "Payment failed" },
  cancelled: { zh: "已取消", en: "Cancelled" },
  expired: { zh: "已过期", en: "Expired" },
  none: { zh: "无订单", en: "No order" },
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
  counter_guardian_verified: { zh: "监护关系证明已核验", en: "Guardianship proof checked" },
};

/** The claim channels (claims.kind): how a claim reached the platform. */
export const CLAIM_CHANNELS = ["one_stop", "online", "counter", "special_drug"] as const;
export type ClaimChannel = (typeof CLAIM_CHANNELS)[number];

export const CLAIM_CHANNEL_LABELS: Readonly<Record<ClaimChannel, Label>> = {
  one_stop: { zh: "一站式结算", en: "One-stop settlement" },
  online: { zh: "线上理赔", en: "Online claim" },
  counter: { zh: "柜面理赔", en: "Counter claim" },
  special_drug: { zh: "特药理赔", en: "Special-drug claim" },
};

/** A settled claim's outcome (claims.status) and whether it still stands (claims.state). */
export const CLAIM_STATUS_LABELS: Readonly<Record<string, Label>> = {
  paid: { zh: "已赔付", en: "Paid" },
  zero: { zh: "赔付为零", en: "Nothing payable" },
  not_covered: { zh: "不在保障范围", en: "Not covered" },
};
export const CLAIM_STATE_LABELS: Readonly<Record<string, Label>> = {
  settled: { zh: "有效", en: "Settled" },
  revoked: { zh: "已撤销", en: "Revoked" },
};

/** A counter claim case's status (counter_claims.status), as the review queue shows it. */
export const COUNTER_CASE_STATUS_LABELS: Readonly<Record<string, Label>> = {
  submitted: { zh: "待分配", en: "Submitted" },
  in_review: { zh: "审核中", en: "In review" },
  pending_second_approval: { zh: "待第二人复核", en: "Awaiting second approval" },
  resettling: { zh: "重新结算中", en: "Re-settling" },
  approved: { zh: "已批准赔付", en: "Approved" },
  adjusted: { zh: "已调整赔付", en: "Adjusted" },
  rejected: { zh: "已拒付", en: "Rejected" },
  appealed: { zh: "申诉中", en: "Appealed" },
};

/**
 * A counter claim's documents (counter_claim_documents.doc_kind). `guardianship` is the 监护关系证明 — 户口簿 or
 * 出生医学证明 — a parent attaches when claiming for a minor they did not pay for (issue 14).
 */
export const COUNTER_DOC_KINDS = ["invoice", "settlement_sheet", "other", "appeal", "guardianship"] as const;
export type CounterDocKind = (typeof COUNTER_DOC_KINDS)[number];
export const COUNTER_DOC_KIND_LABELS: Readonly<Record<CounterDocKind, Label>> = {
  invoice: { zh: "发票", en: "Invoice" },
  settlement_sheet: { zh: "结算单", en: "Settlement sheet" },
  other: { zh: "其他材料", en: "Other" },
  appeal: { zh: "申诉材料", en: "Appeal" },
  guardianship: { zh: "监护关系证明", en: "Proof of guardianship" },
};

/** The standing a resident declares when claiming for a minor they did not pay for (counter_claims.guardian_relation). */
export const GUARDIAN_RELATIONS = ["parent", "guardian"] as const;
export type GuardianRelation = (typeof GUARDIAN_RELATIONS)[number];
export const GUARDIAN_RELATION_LABELS: Readonly<Record<GuardianRelation, Label>> = {
  parent: { zh: "父母", en: "Parent" },
  guardian: { zh: "其他监护人", en: "Other guardian" },
};

/**
 * What a registered institution is (institutions.kind, issue 15): a 定点医药机构 (hospital or pharmacy: settles
 * and files claims, signs as role `hospital`) or a health-service provider (redeems vouchers only, role
 * `provider`). Neither can call the other's routes.
 */
export const INSTITUTION_KINDS = ["medical", "service"] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

export const INSTITUTION_KIND_LABELS: Readonly<Record<InstitutionKind, Label>> = {
  medical: { zh: "定点医药机构", en: "Designated medical institution" },
  service: { zh: "健康服务机构", en: "Health-service provider" },
};

/** A 定点医药机构's level (institutions.level): the hospital grade, or a designated pharmacy. */
export const INSTITUTION_LEVELS = ["tertiary", "secondary", "primary", "pharmacy"] as const;
export type InstitutionLevel = (typeof INSTITUTION_LEVELS)[number];

export const INSTITUTION_LEVEL_LABELS: Readonly<Record<InstitutionLevel, Label>> = {
  tertiary: { zh: "三级医院", en: "Tertiary hospital" },
  secondary: { zh: "二级医院", en: "Secondary hospital" },
  primary: { zh: "一级及以下医疗机构", en: "Primary care" },
  pharmacy: { zh: "定点药店", en: "Designated pharmacy" },
};

/** Whether an institution's signed requests are accepted (institutions.status). */
export const INSTITUTION_STATUSES = ["active", "disabled"] as const;
export type InstitutionStatus = (typeof INSTITUTION_STATUSES)[number];

export const INSTITUTION_STATUS_LABELS: Readonly<Record<InstitutionStatus, Label>> = {
  active: { zh: "正常", en: "Active" },
  disabled: { zh: "已停用", en: "Disabled" },
};

/** Who a payout batch pays (payout_batches.payee). */
export const PAYEE_LABELS: Readonly<Record<string, Label>> = {
  hospital: { zh: "定点机构", en: "Institutions" },
  resident: { zh: "参保人", en: "Residents" },
};

/** Ledger accounts as screens show them: the Chinese names are domain/ledger.ts ACCOUNTS' own. */
export const ACCOUNT_LABELS: Readonly<Record<Account, Label>> = {
  "asset:gateway_clearing": { zh: ACCOUNTS["asset:gateway_clearing"], en: "Payment gateway clearing" },
  "asset:personal_account_clearing": {
    zh: ACCOUNTS["asset:personal_account_clearing"],
    en: "Personal account clearing",
  },
  "asset:charity_receivable": { zh: ACCOUNTS["asset:charity_receivable"], en: "Charity receivable" },
  "income:premium": { zh: ACCOUNTS["income:premium"], en: "Premium income" },
  "liability:refund_payable": { zh: ACCOUNTS["liability:refund_payable"], en: "Refunds payable" },
  "expense:claims": { zh: ACCOUNTS["expense:claims"], en: "Claims expense" },
  "liability:claims_payable_hospital": {
    zh: ACCOUNTS["liability:claims_payable_hospital"],
    en: "Payable to institutions (one-stop)",
  },
  "liability:claims_payable_resident": {
    zh: ACCOUNTS["liability:claims_payable_resident"],
    en: "Payable to residents (online / counter)",
  },
  "asset:claims_bank": { zh: ACCOUNTS["asset:claims_bank"], en: "Claims bank account (disbursements)" },
};

/** Ledger journal kinds (domain/ledger.ts JOURNAL_KINDS) as screens show them. */
export const JOURNAL_KIND_LABELS: Readonly<Record<JournalKind, Label>> = {
  premium_received: { zh: "保费收入", en: "Premium received" },
  premium_refund: { zh: "退保退费", en: "Premium refund" },
  refund_paid: { zh: "退费支付", en: "Refund paid" },
  charity_funding: { zh: "慈善资助", en: "Charity funding" },
  claim_payout: { zh: "赔付", en: "Claim payout" },
  claim_reversal: { zh: "赔付撤销", en: "Claim reversal" },
  claim_disbursement: { zh: "赔款划付", en: "Disbursement" },
};

/** Who sponsors an aid program or fund (domain/aid.ts AID_SPONSOR_KINDS, whose Chinese names these are). */
export const AID_SPONSOR_KIND_LABELS: Readonly<Record<string, Label>> = {
  charity: { zh: "慈善组织", en: "Charity" },
  pharma: { zh: "药企患者援助项目", en: "Patient assistance (pharma)" },
  union: { zh: "工会", en: "Trade union" },
  civil_affairs: { zh: "民政", en: "Civil affairs" },
  medical_assistance: { zh: "医疗救助", en: "Medical assistance" },
};

/** The layers an aid program may follow (domain/aid.ts STATUTORY_LAYERS). */
export const AID_LAYER_LABELS: Readonly<Record<string, Label>> = {
  basic: { zh: "基本医保", en: "Basic medical insurance" },
  critical_illness: { zh: "大病保险", en: "Critical illness insurance" },
  medical_assistance: { zh: "医疗救助", en: "Medical assistance" },
  hmb: { zh: "惠民保", en: "Huiminbao" },
};

/** What an aid program does when its budget runs out (domain/aid.ts BUDGET_EXHAUSTION). */
export const AID_BUDGET_EXHAUSTION_LABELS: Readonly<Record<string, Label>> = {
  stop: { zh: "额度用尽即停止", en: "Stop when exhausted" },
  prorate: { zh: "按比例分摊", en: "Prorate" },
  queue: { zh: "排队待补", en: "Queue until topped up" },
};

/** An aid program version's state (aid_programs.status). */
export const AID_PROGRAM_STATUS_LABELS: Readonly<Record<string, Label>> = {
  published: { zh: "生效中", en: "Published" },
  withdrawn: { zh: "已撤回", en: "Withdrawn" },
};

/** Movements of a ring-fenced aid fund (aid_fund_journals.kind). */
export const AID_FUND_JOURNAL_KIND_LABELS: Readonly<Record<string, Label>> = {
  donation: { zh: "社会捐赠", en: "Donation" },
  top_up: { zh: "出资方注资", en: "Sponsor top-up" },
  aid_paid: { zh: "救助支出", en: "Aid paid" },
  aid_reversed: { zh: "救助冲回", en: "Aid reversed" },
};

/** The code's label in `lang`; the code itself only when no vocabulary knows it. */
/** An aid application's state (services/aid/applications.ts). */
export const AID_APPLICATION_STATE_LABELS: Readonly<Record<string, Label>> = {
  proposed: { zh: "待确认", en: "To confirm" },
  submitted: { zh: "待审核", en: "Under review" },
  documents_requested: { zh: "待补材料", en: "Documents requested" },
  approved: { zh: "已批准并支付", en: "Approved and paid" },
  rejected: { zh: "未获批准", en: "Rejected" },
  withdrawn: { zh: "已撤回（结算撤销）", en: "Withdrawn (claim revoked)" },
};

/** How an aid program gives (domain/aid.ts mode). */
export const AID_MODE_LABELS: Readonly<Record<string, Label>> = {
  automatic: { zh: "自动给付", en: "Automatic" },
  application: { zh: "申请审核", en: "By application" },
};

export function labelOf(
  labels: Readonly<Record<string, Label>>,
  code: string | null | undefined,
  lang: LabelLang = "zh",
): string {
  if (code === null || code === undefined) return "—";
  return labels[code]?.[lang] ?? code;
}

/** Who acts on the platform (users.role; the audit log's actor role). */
export const ROLE_LABELS: Readonly<Record<string, Label>> = {
  admin: { zh: "系统管理员", en: "Administrator" },
  operator: { zh: "经办人员", en: "Operator" },
  co_insurer: { zh: "共保体成员", en: "Co-insurer" },
  bureau: { zh: "医保局", en: "Medical insurance bureau" },
  regulator: { zh: "金融监管", en: "Regulator" },
  charity: { zh: "慈善组织", en: "Charity" },
  resident: { zh: "参保人", en: "Resident" },
  hospital: { zh: "定点医药机构", en: "Designated institution" },
  provider: { zh: "健康服务机构", en: "Health-service provider" },
  civil_affairs: { zh: "民政部门", en: "Civil affairs" },
};

/**
 * What each audited action means (audit_log.action), for the 审计 page: the regulator reads who did what in
 * words; the raw entry stays one click away for an investigation. test/labels.test.ts fails on an action
 * written in src/ without a label here.
 */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, Label>> = {
  "aid_fund.create": { zh: "开设救助基金", en: "Opened an aid fund" },
  "aid_fund.donation": { zh: "救助基金接受捐赠", en: "Recorded a donation to an aid fund" },
  "aid_fund.read": { zh: "查看救助基金明细", en: "Read an aid fund's ledger" },
  "aid_fund.top_up": { zh: "救助基金注资", en: "Recorded a top-up of an aid fund" },
  "aid_program.publish": { zh: "发布救助项目", en: "Published an aid program" },
  "aid_program.withdraw": { zh: "撤回救助项目", en: "Withdrew an aid program" },
  "audit.search": { zh: "检索审计日志", en: "Searched the audit log" },
  "audit.export": { zh: "导出审计日志", en: "Exported the audit log" },
  "aid.application.propose": { zh: "预填救助申请", en: "Pre-filled an aid application" },
  "aid.application.confirm": { zh: "确认提交救助申请（授权）", en: "Confirmed an aid application (consent)" },
  "aid.application.list": { zh: "查看救助申请队列", en: "Viewed the aid application queue" },
  "aid.application.export": { zh: "导出救助申请队列", en: "Exported the aid application queue" },
  "aid.application.read": { zh: "查看救助申请", en: "Viewed an aid application" },
  "aid.application.request_documents": { zh: "要求补充救助申请材料", en: "Asked for aid documents" },
  "aid.application.approve": { zh: "批准救助申请", en: "Approved an aid application" },
  "aid.application.reject": { zh: "不予救助", en: "Rejected an aid application" },
  "aid.resident.read": { zh: "查看本人救助", en: "Viewed own aid" },
  "aid.burden.read": { zh: "查看结算分层负担", en: "Viewed a claim's layered bill" },
  "aid.match": { zh: "救助匹配（年初至今）", en: "Matched aid (year to date)" },
  "aid.paid": { zh: "支付救助", en: "Paid aid" },
  "aid.queue_paid": { zh: "支付排队的救助", en: "Paid queued aid" },
  "aid.reversed": { zh: "冲回救助（结算撤销）", en: "Reversed aid (claim revoked)" },
  "charity_claim.list": { zh: "查看受助人理赔", en: "Listed sponsored persons' claims" },
  "charity_claim.export": { zh: "导出受助人理赔", en: "Exported sponsored persons' claims" },
  "charity_pool.create": { zh: "创建慈善资金池", en: "Created a charity pool" },
  "charity_pool.keeper": { zh: "更换资金池管理机构", en: "Changed a charity pool's keeper" },
  "charity_pool.donate": { zh: "登记慈善捐赠", en: "Recorded a donation" },
  "charity_pool.list": { zh: "查看慈善资金池", en: "Listed charity pools" },
  "charity_pool.read": { zh: "查看慈善资金池明细", en: "Read a charity pool" },
  "claim.read": { zh: "查看理赔", en: "Read a claim" },
  "claim.list": { zh: "查看理赔清单", en: "Listed claims" },
  "claim.export": { zh: "导出理赔清单", en: "Exported the claim list" },
  "claim.trail.read": { zh: "查看理赔轨迹", en: "Read a claim's trail" },
  "claim.turnaround.read": { zh: "查看理赔时效", en: "Read claim turnaround" },
  "claim.timeline.read": { zh: "查看理赔进度", en: "Read a claim timeline" },
  "claims.reconciliation": { zh: "理赔对账", en: "Claims reconciliation" },
  "consent.grant": { zh: "授权使用医保数据", en: "Granted a data consent" },
  "consent.read": { zh: "查看数据授权", en: "Read data consents" },
  "consent.revoke": { zh: "撤回数据授权", en: "Revoked a data consent" },
  "counter_claim.appeal": { zh: "柜面理赔申请复议", en: "Appealed a counter claim" },
  "counter_claim.assign": { zh: "分派柜面理赔审核", en: "Assigned a counter claim" },
  "counter_claim.decide": { zh: "审核柜面理赔", en: "Decided a counter claim" },
  "counter_claim.document.read": { zh: "查看理赔单据", en: "Read a claim document" },
  "counter_claim.document.upload": { zh: "上传理赔单据", en: "Uploaded a claim document" },
  "counter_claim.list": { zh: "查看柜面理赔队列", en: "Listed counter claims" },
  "counter_claim.export": { zh: "导出柜面理赔队列", en: "Exported the counter-claim queue" },
  "counter_claim.read": { zh: "查看柜面理赔案件", en: "Read a counter claim" },
  "counter_claim.settings": { zh: "修改柜面理赔审核设置", en: "Changed counter-claim settings" },
  "counter_claim.submit": { zh: "代为提交柜面理赔", en: "Submitted a counter claim" },
  "counter_claim.submit_on_behalf": {
    zh: "监护人/家庭投保人代为申请理赔",
    en: "Claimed on behalf of a member",
  },
  "enrollment.create": { zh: "投保", en: "Enrolled" },
  "enrollment.list": { zh: "查看投保记录", en: "Listed enrollments" },
  "enrollment.export": { zh: "导出投保记录", en: "Exported the enrollment list" },
  "enrollment.unit_upload": { zh: "上传单位投保名单", en: "Uploaded a unit's enrollment list" },
  "institution.add": { zh: "登记定点医药机构", en: "Registered an institution" },
  "institution.rotate_secret": { zh: "更换机构接入密钥", en: "Rotated an institution's secret" },
  "institution.status": { zh: "启用/停用定点医药机构", en: "Enabled or disabled an institution" },
  "ledger.statement": { zh: "查看共保对账单", en: "Read a co-insurer statement" },
  "ledger.summary": { zh: "查看账本汇总", en: "Read the ledger summary" },
  "medical_records.feed": { zh: "医保局共享结算记录", en: "Bureau shared settlement records" },
  "medical_records.read": { zh: "查看医保结算记录", en: "Read settlement records" },
  "notifications.read": { zh: "查看参保人通知", en: "Read a person's notifications" },
  "oversight.settings": { zh: "修改监管设置", en: "Changed oversight settings" },
  "payment.confirm_personal_account": {
    zh: "确认医保个人账户划扣结果",
    en: "Confirmed a personal-account deduction",
  },
  "payment.preauthorize": { zh: "预约医保个人账户划扣", en: "Scheduled a personal-account deduction" },
  "payment.read": { zh: "查看缴费订单", en: "Read a payment order" },
  "payment.reconcile": { zh: "缴费对账", en: "Reconciled payments" },
  "payout_batch.create": { zh: "生成赔款划付批次", en: "Created a payout batch" },
  "payout_batch.list": { zh: "查看赔款划付批次", en: "Listed payout batches" },
  "payout_batch.export": { zh: "导出划付批次", en: "Exported the payout batches" },
  "payout_batch.read": { zh: "查看划付批次明细", en: "Read a payout batch" },
  "policy.cancel": { zh: "退保", en: "Cancelled a policy" },
  "policy.cancel_quote": { zh: "退保试算", en: "Quoted a cancellation" },
  "policy.certificate": { zh: "查看电子保单", en: "Read an e-policy" },
  "policy.export": { zh: "导出保单清单", en: "Exported the policy list" },
  "policy.list": { zh: "查询保单", en: "Searched policies" },
  "policy.read": { zh: "查看保单", en: "Read a policy" },
  "promotion.create": { zh: "创建推广码", en: "Created a promotion code" },
  "promotion.status": { zh: "停用或启用推广码", en: "Disabled or enabled a promotion code" },
  "product.publish": { zh: "发布产品版本", en: "Published a product version" },
  "program.amend_product": { zh: "变更项目产品版本", en: "Changed the program's product version" },
  "program.create": { zh: "创建项目", en: "Created a program" },
  "renewal.authorization.read": { zh: "查看自动续保授权", en: "Read a renewal authorization" },
  "renewal.authorize": { zh: "开通自动续保", en: "Authorized automatic renewal" },
  "renewal.auto": { zh: "执行自动续保", en: "Renewed automatically" },
  "renewal.offer": { zh: "查看续保方案", en: "Read a renewal offer" },
  "renewal.revoke": { zh: "关闭自动续保", en: "Revoked automatic renewal" },
  "report.disclosure": { zh: "生成信息披露报告", en: "Generated the disclosure report" },
  "report.retrospective": { zh: "生成精算回溯报告", en: "Generated the retrospective report" },
  "report.charity": { zh: "生成慈善信息披露", en: "Generated a charity disclosure" },
  "aid_watch.settings": { zh: "设置因病致贫监测参数", en: "Set the catastrophic-cost watch settings" },
  "aid_watch.household_import": { zh: "导入家庭收入", en: "Imported household incomes" },
  "aid_watch.list": { zh: "查看因病致贫监测名单", en: "Read the catastrophic-cost list" },
  "aid_watch.summary": { zh: "查看因病致贫监测汇总", en: "Read the catastrophic-cost summary" },
  "resident.overview": { zh: "查看本人概况", en: "Read own overview" },
  "roster.eligibility": { zh: "查询参保资格", en: "Checked eligibility" },
  "roster.import": { zh: "导入参保名单", en: "Imported the roster" },
  "roster.read": { zh: "查看参保名单", en: "Read the roster" },
  "roster.reveal_certno": { zh: "查看完整身份证号", en: "Revealed an ID number" },
  "user.remove": { zh: "删除账号", en: "Removed an account" },
  "user.upsert": { zh: "创建或修改账号", en: "Created or changed an account" },
  "health_services.publish": { zh: "发布健康服务目录", en: "Published the health-service catalog" },
  "health_voucher.issue": { zh: "发放健康服务券", en: "Issued health-service vouchers" },
  "health_voucher.list_own": { zh: "查看本人服务券", en: "Read own vouchers" },
  "health_voucher.check": { zh: "服务机构查验服务券", en: "A provider checked a voucher" },
  "health_voucher.redeem": { zh: "服务机构核销服务券", en: "A provider redeemed a voucher" },
  "health_voucher.redemptions": { zh: "查看服务券核销记录", en: "Listed voucher redemptions" },
};

/** Who a promotion code (推广码) belongs to: a co-insurer's own channel, one of its agents, a unit, a community. */
export const PROMOTION_KINDS = ["co_insurer", "agent", "unit", "community"] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

export const PROMOTION_KIND_LABELS: Readonly<Record<PromotionKind, Label>> = {
  co_insurer: { zh: "共保公司", en: "Co-insurer" },
  agent: { zh: "代理人", en: "Agent" },
  unit: { zh: "单位", en: "Employer" },
  community: { zh: "社区/村", en: "Community" },
};

/** The enrollment funnel a promotion code feeds, in order. */
export const PROMOTION_STAGES = ["visit", "eligibility", "order", "paid"] as const;
export type PromotionStage = (typeof PROMOTION_STAGES)[number];

export const PROMOTION_STAGE_LABELS: Readonly<Record<PromotionStage, Label>> = {
  visit: { zh: "访问", en: "Visits" },
  eligibility: { zh: "资格查询", en: "Eligibility checks" },
  order: { zh: "下单", en: "Orders" },
  paid: { zh: "缴费成功（人）", en: "Paid (persons)" },
};

export const PROMOTION_STATUSES = ["active", "disabled"] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

export const PROMOTION_STATUS_LABELS: Readonly<Record<PromotionStatus, Label>> = {
  active: { zh: "使用中", en: "Active" },
  disabled: { zh: "已停用", en: "Disabled" },
};

/** Health services (增值服务, domain/health-services.ts): what kind of service, and a voucher's state. */
export const HEALTH_SERVICE_KIND_LABELS: Readonly<Record<string, Label>> = {
  health_check: { zh: "健康体检", en: "Health check" },
  cancer_screening: { zh: "癌症筛查", en: "Cancer screening" },
  chronic_disease: { zh: "慢病管理", en: "Chronic-disease care" },
  green_channel: { zh: "就医绿色通道", en: "Green-channel appointment" },
  second_opinion: { zh: "专家二次诊疗意见", en: "Second opinion" },
  consultation: { zh: "健康咨询", en: "Consultation" },
  drug_delivery: { zh: "药品配送", en: "Drug delivery" },
  vaccination: { zh: "疫苗预约", en: "Vaccination booking" },
};

export const VOUCHER_STATE_LABELS: Readonly<Record<string, Label>> = {
  available: { zh: "可使用", en: "Available" },
  not_yet_valid: { zh: "未到使用期", en: "Not yet valid" },
  redeemed: { zh: "已使用", en: "Used" },
  expired: { zh: "已过期", en: "Expired" },
  cancelled: { zh: "已作废（退保）", en: "Void (policy cancelled)" },
};
