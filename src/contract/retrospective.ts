/**
 * 精算回溯 (issue 13 item 5): `GET /programs/{id}/reports/retrospective?format=pdf|xlsx|json`. Aggregates and
 * anonymized large claims only (sequential labels, no name, person number, ID number or settlement id).
 * Computed by src/services/retrospective.ts and src/actuarial/retrospective.ts; docs/retrospective.md.
 */
import { z } from "zod";
import { Day, Yuan } from "./common.js";

export const RetrospectiveQuery = z.strictObject({
  format: z.enum(["pdf", "xlsx", "json"]).default("pdf").describe("pdf（默认）、xlsx 或 json"),
  as_of: Day.optional().describe("评估日（北京时间当日末；默认今天与保险期间末日中较早者）"),
  target_loss_ratio: z
    .string()
    .regex(/^\d(\.\d{1,4})?$/)
    .optional()
    .describe("下年度方案的目标赔付率（小数，默认 0.85）"),
});
export type RetrospectiveQuery = z.infer<typeof RetrospectiveQuery>;

const Ratio = z.string().nullable().describe("比率（四位小数的字符串，如 0.8512）；分母为 0 时为 null");

const RetrospectiveGroup = z.object({
  key: z.string().describe("费率组键（机器用）"),
  label: z.string().describe("费率组名称（中文）"),
  persons: z.number().int().describe("参保人数"),
  exposure_years: z.string().describe("满期人年（两位小数）"),
  premium: Yuan.describe("实收保费"),
  expected_claims: Yuan.describe("定价预期赔款（保费 × 定价目标赔付率）"),
  hmb_pay: Yuan.describe("实际赔款（已结算未撤销）"),
  loss_ratio: Ratio.describe("赔付率 = 实际赔款 ÷ 实收保费"),
  actual_to_expected: Ratio.describe("实际 ÷ 预期"),
  claims: z.number().int().describe("结算件数"),
  paid_claims: z.number().int().describe("赔付件数"),
  frequency_per_mille: z.string().nullable().describe("千人（满期人年）赔付件数"),
  severity: Yuan.nullable().describe("件均赔款"),
});

const RuleSetStanding = z.object({
  rule_set_name: z.string().describe("规则集名称"),
  pass: z.number().int(),
  fail: z.number().int(),
  new_failures: z.array(z.string()).describe("现行产品没有、因调整新增的不合规项（中文）"),
});

const RetrospectiveCandidate = z.object({
  label: z.string().describe("调整内容（中文）"),
  deductible_change: Yuan.describe("免赔额变动（元，可为负）"),
  ratio_change_points: z.number().describe("医保范围内赔付比例变动（百分点）"),
  premium_change: z.string().describe("保费变动比例（小数，可为负）"),
  claims: z.number().int(),
  paid_claims: z.number().int(),
  hmb_pay: Yuan.describe("回放惠民保赔付"),
  beneficiaries: z.number().int().describe("受益人数"),
  premium: Yuan.describe("按该方案保费计的参保人群保费"),
  loss_ratio: Ratio.describe("回放赔付率"),
  burden_reduction: Ratio.describe("个人负担减轻比例"),
  projected_hmb_pay: Yuan.describe("按进展因子发展到最终的赔付"),
  projected_loss_ratio: Ratio.describe("预测赔付率"),
  compliant: z.boolean().describe("不新增任何不合规项"),
  compliance: z.array(RuleSetStanding),
});

export const RetrospectiveView = z.object({
  program_id: z.string(),
  program_name: z.string(),
  product_name: z.string(),
  product_version: z.number().int(),
  region: z.string(),
  plan_name: z.string().describe("调整方案所基于的保障方案"),
  coverage_from: z.string(),
  coverage_to: z.string(),
  as_of: z.string(),
  generated_at: z.string(),
  groups: z.array(RetrospectiveGroup).describe("各费率组（年龄段 × 性别 × 健康状况）"),
  total: RetrospectiveGroup.describe("合计（各组之和）"),
  reserve: z.object({
    method_name: z.string(),
    note: z.string().nullable(),
    paid: Yuan,
    ibnr: Yuan,
    ultimate: Yuan,
    ultimate_loss_ratio: Ratio,
    origins: z.array(z.string()),
    cumulative: z.array(z.array(Yuan.nullable())).describe("累计已付（评估对角线之后为 null）"),
    factors: z.array(z.string()).describe("链梯法逐月进展因子"),
  }),
  large_claims: z.array(
    z.object({
      label: z.string().describe("匿名编号（按赔付金额排序）"),
      group: z.string().describe("费率组"),
      diagnosis_category: z.string().describe("疾病类别（ICD-10 章）"),
      claims: z.number().int(),
      medical_cost: Yuan,
      burden: Yuan.describe("赔前个人负担"),
      hmb_pay: Yuan,
      burden_reduction: Ratio,
      share_of_paid: Ratio,
    }),
  ),
  proposal: z.object({
    target_loss_ratio: z.string(),
    development_factor: z.string(),
    recommended: z.number().int().nullable().describe("推荐方案在 candidates 中的下标；无合规方案时为 null"),
    reason: z.string().describe("推荐理由（中文）"),
    existing_failures: z.array(z.string()).describe("现行产品已有的不合规项"),
    candidates: z.array(RetrospectiveCandidate),
  }),
});
export type RetrospectiveView = z.infer<typeof RetrospectiveView>;
