/**
 * What a resident reads before and after enrolling: the public product sheet (plans side by side), the
 * benefit calculator (赔付试算), eligibility by ID number, and "my policies".
 */
import { z } from "zod";
import { ProgramId } from "./common.js";
import { POLICY_STATUSES } from "./policies.js";
import { PromoCode } from "./promotions.js";
import { AdjudicationStatus, WireLine } from "./settlement.js";

const BeijingTime = z
  .string()
  .meta({ description: "北京时间 yyyy-MM-dd HH:mm:ss", example: "2024-01-01 00:00:00" });
const Yuan = z.string().meta({ description: "金额（元，两位小数）", example: "99.00" });
const IdName = z.object({ id: z.string(), name: z.string() });

export const RatioView = z.object({
  ratio_percent: z.number().meta({ description: "赔付比例（%）", example: 80 }),
  label: z.string().nullable(),
  when: z
    .object({
      pre_existing: z.boolean().optional().meta({ description: "既往症人群" }),
      out_of_region: z.boolean().optional().meta({ description: "异地就医" }),
      cohorts: z.array(z.string()).optional().meta({ description: "适用人群" }),
      cost_from: Yuan.optional().meta({ description: "费用分段起点（元）" }),
      cost_to: Yuan.nullable().optional().meta({ description: "费用分段终点（元），null 为不封顶" }),
    })
    .nullable()
    .meta({ description: "适用条件；null 为一般情形" }),
});
export type RatioView = z.infer<typeof RatioView>;

export const LiabilityView = z.object({
  id: z.string(),
  name: z.string(),
  base: z.enum(["in_scope", "out_of_scope", "catalog", "fee_items", "diagnosis"]).meta({
    description:
      "in_scope 医保范围内自付、out_of_scope 医保范围外自费、catalog 特药/特定药械目录、fee_items 按费用明细（收费项目类别/等级/编码）、diagnosis 按诊断定额给付",
  }),
  base_description: z.string().meta({ description: "赔付基数的中文说明", example: "医保范围内个人自付" }),
  catalog: z
    .object({ id: z.string(), name: z.string(), items: z.number().int(), sample: z.boolean() })
    .nullable(),
  med_types: z.array(z.object({ code: z.string(), name: z.string() })),
  deductible: z.object({ name: z.string(), amount: Yuan }).nullable(),
  ratios: z.array(RatioView),
  cap: Yuan.nullable().meta({ description: "责任限额（元）" }),
  pre_existing_excluded: z.boolean().meta({ description: "既往症不赔" }),
});
export type LiabilityView = z.infer<typeof LiabilityView>;

export const PlanView = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.enum(["basic", "upgraded"]),
  premium: Yuan.meta({ description: "基础保费（元）" }),
  premium_variants: z.array(
    z.object({
      label: z.string().nullable(),
      amount: Yuan,
      cohorts: z.array(z.string()).nullable(),
      age_from: z.number().int().nullable(),
      age_to: z.number().int().nullable(),
    }),
  ),
  annual_total: Yuan.nullable().meta({ description: "年度总限额（元）" }),
  deductibles: z.array(z.object({ id: z.string(), name: z.string(), amount: Yuan })),
  liabilities: z.array(LiabilityView),
});
export type PlanView = z.infer<typeof PlanView>;

/** GET …/product: the program's insurers and its product sheet. */
export const ProductSheet = z.object({
  program_id: ProgramId,
  insurers: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      lead: z.boolean(),
      share_bps: z.number().int().describe("共保份额，万分之一（10000 = 100%）"),
    }),
  ),
  product_id: z.string(),
  product_version: z.number().int(),
  name: z.string(),
  region: z.object({ code: z.string(), name: z.string() }),
  coverage_start: BeijingTime,
  coverage_end: BeijingTime,
  enrollment_start: BeijingTime,
  enrollment_end: BeijingTime,
  enrollment_state: z
    .enum(["not_yet", "open", "closed"])
    .describe("投保期状态（按平台业务时钟）：not_yet 尚未开始、open 投保中、closed 已结束"),
  waiting_period_days: z.number().int(),
  family_enrollment: z.boolean(),
  one_stop_settlement: z.boolean(),
  personal_account_payment: z.boolean(),
  online_claims: z.boolean(),
  refund: z.object({
    before_effective: z.literal("full"),
    after_effective: z.enum(["unearned_pro_rata_by_day", "none"]),
  }),
  pre_existing_conditions: z.array(IdName),
  exclusions: z.array(IdName),
  plans: z.array(PlanView),
});
export type ProductSheet = z.infer<typeof ProductSheet>;

/** An amount a resident types: yuan as text or a number (the service parses it, naming the field). */
const typedAmount = (description: string, example: string) =>
  z.union([z.string().max(20), z.number()]).meta({ description, example });

export const BenefitQuoteBody = z
  .object({
    plan: z.string().max(64).optional().meta({ description: "方案编号；缺省试算全部方案", example: "basic" }),
    total: typedAmount("住院总费用（元）", "100000"),
    insurance_paid: typedAmount("医保报销合计（统筹、大病、医疗救助等，元）", "60000"),
    out_of_scope: typedAmount("其中医保目录外自费（元），默认 0", "15000").optional(),
    out_of_region: z.boolean().optional().meta({ description: "异地就医" }),
    pre_existing: z.boolean().optional().meta({ description: "患有既往症" }),
    lang: z.enum(["zh", "en"]).optional().meta({ description: "说明的语言" }),
  })
  .strict();
export type BenefitQuoteBody = z.infer<typeof BenefitQuoteBody>;

export const BenefitQuote = z.object({
  total: Yuan,
  insurance_paid: Yuan,
  out_of_scope: Yuan,
  in_scope_self_pay: Yuan.meta({ description: "医保范围内自付（元）" }),
  person_burden: Yuan.meta({ description: "个人负担（元）" }),
  assumptions: z.string().meta({ description: "试算假设" }),
  plans: z.array(
    z.object({
      plan: z.string(),
      plan_name: z.string(),
      premium: Yuan,
      status: AdjudicationStatus,
      reason: z.string().optional(),
      hmb_pay: Yuan.meta({ description: "惠民保赔付（元）" }),
      remaining: Yuan.meta({ description: "医保与惠民保之后个人仍需负担（元）" }),
      summary: z.string(),
      lines: z.array(WireLine),
    }),
  ),
});
export type BenefitQuote = z.infer<typeof BenefitQuote>;

export const EligibilityBody = z
  .object({
    certno: z.string().min(1).max(32).meta({ description: "身份证号码", example: "532621198001011235" }),
    promo_code: PromoCode.optional().describe("推广码：从推广二维码或链接进入时带上，计入该渠道的资格查询"),
  })
  .strict();
export type EligibilityBody = z.infer<typeof EligibilityBody>;

const PolicyStatus = z.enum(POLICY_STATUSES);

export const Eligibility = z.object({
  eligible: z.boolean().meta({ description: "在基本医保参保名单中，可以投保" }),
  psn_no: z.string().nullable().meta({ description: "人员编号（可投保时），投保时使用" }),
  psn_name: z.string().nullable().meta({ description: "脱敏姓名" }),
  certno: z.string(),
  age: z.number().int().nullable(),
  enrolled: z.boolean().meta({ description: "已在本项目投保（已出单）" }),
  policy_status: PolicyStatus.nullable(),
  premiums: z.array(z.object({ plan: z.string(), plan_name: z.string(), premium: Yuan })),
  message: z.string().meta({ description: "中文说明" }),
});
export type Eligibility = z.infer<typeof Eligibility>;

export const MyPolicy = z.object({
  policy_no: z.string(),
  psn_no: z.string(),
  psn_name: z.string(),
  relation: z.string(),
  plan: z.string(),
  plan_name: z.string(),
  status: PolicyStatus,
  premium: Yuan,
  coverage_start: BeijingTime,
  coverage_end: BeijingTime,
  is_insured: z.boolean().meta({ description: "本人是被保险人" }),
  is_payer: z.boolean().meta({ description: "本人是投保人（缴费人）" }),
  pending_order: z
    .object({
      order_no: z.string(),
      amount: Yuan,
      status: z.string(),
      pay_url: z.string().nullable().meta({ description: "支付链接（仅沙箱支付）" }),
      expires_at: BeijingTime.nullable().meta({ description: "订单失效时间；null 为不失效" }),
    })
    .nullable()
    .meta({ description: "未支付保单的待支付订单" }),
});
export type MyPolicy = z.infer<typeof MyPolicy>;

export const ResidentOverview = z.object({
  program_id: ProgramId,
  psn_no: z.string(),
  psn_name: z.string(),
  certno: z.string(),
  policies: z.array(MyPolicy),
});
export type ResidentOverview = z.infer<typeof ResidentOverview>;

/** GET /healthz (hidden from the docs): the database answers. */
export const Health = z.object({
  status: z.literal("ok"),
  database: z.string().meta({ description: "pglite 或 postgres" }),
  business_time: z.string().meta({ description: "业务时钟（ISO 8601）" }),
});
