/** Oversight dashboards: aggregates only, no personal data (services/oversight defines every figure). */

import { z } from "zod";
import { ENROLLMENT_DIMENSIONS } from "../domain/vocabulary.js";
import { Day, Yuan } from "./common.js";
import { digits, Percent } from "./primitives.js";

const Bps = z.number().int().describe("基点（1/10000）");
const count = (description: string) => z.number().int().describe(description);

export const IbnrSource = z
  .enum(["reserve", "override"])
  .describe("IBNR 来源：reserve = 项目准备金评估（第四十九条选定），override = 人工设定比例");

export const AsOfQuery = z.strictObject({
  as_of: Day.optional().describe("截至日期（北京时间当日末，默认今天）"),
});

export const OversightSummary = z.object({
  program_id: z.string(),
  program_name: z.string(),
  as_of: z.string().describe("截至日期"),
  timezone: z.literal("Asia/Shanghai"),
  coverage: z.object({
    start: z.string().nullable().describe("保障开始日期"),
    end: z.string().nullable().describe("保障结束日期"),
    total_days: count("保障期总天数"),
    elapsed_days: count("已经过天数"),
    elapsed_share: Percent.nullable().describe("已经过比例"),
  }),
  enrollment: z.object({
    roster_persons: count("名单人数"),
    insured_persons: count("参保人数"),
    enrollment_rate: Percent.nullable().describe("参保率"),
    enrollment_rate_bps: Bps.nullable(),
    issued: count("出单数"),
    cancelled: count("退保数"),
  }),
  premium: z.object({
    written: Yuan.describe("承保保费"),
    refunds: Yuan.describe("退费"),
    net_written: Yuan.describe("净承保保费"),
    earned: Yuan.describe("满期保费"),
    unearned: Yuan.describe("未到期保费"),
    by_plan: z.array(
      z.object({
        plan: z.string(),
        plan_name: z.string(),
        insured_persons: count("参保人数"),
        written: Yuan,
        earned: Yuan,
      }),
    ),
  }),
  claims: z.object({
    settled: count("结算笔数"),
    revoked: count("撤销笔数"),
    covered: count("有赔付责任的笔数"),
    paid_claims: count("赔付笔数"),
    paid: Yuan.describe("已决赔款"),
    ibnr_bps: Bps.describe("IBNR 比例（基点）：人工设定时为设定值，否则为准备金 IBNR ÷ 已决赔款"),
    ibnr: Yuan.describe("已发生未报告赔款"),
    ibnr_source: IbnrSource,
    ibnr_method: z
      .string()
      .nullable()
      .describe(
        "准备金选定方法代码（chain_ladder、minimum_10_percent_of_year_paid、none…）；人工设定时为 null",
      ),
    ibnr_method_name: z
      .string()
      .describe("IBNR 的来源说明，如「链梯法（Mack）」或「人工设定 IBNR 比例 15%」"),
    pending_review_cases: count("柜面待审案件数"),
    pending_review_estimate: Yuan.describe("柜面待审估计"),
    incurred: Yuan.describe("已发生赔款"),
    incurred_method: z.string().describe("已发生赔款的算法"),
  }),
  loss_ratio: z.object({
    clause: z.literal("十一").describe("指导意见条款"),
    floor: Percent.describe("赔付率红线（70%）"),
    floor_bps: Bps,
    earned: Percent.nullable().describe("满期赔付率"),
    earned_bps: Bps.nullable(),
    below_floor: z.boolean().nullable().describe("是否低于红线"),
    projected_full_year: Percent.nullable().describe("全年预测赔付率"),
    projected_full_year_bps: Bps.nullable(),
    projected_incurred: Yuan.nullable().describe("全年预测已发生赔款"),
    projection_method: z.string().describe("预测方法"),
    alert: z.boolean().describe("预测低于红线时预警"),
  }),
  beneficiaries: z.object({
    persons: count("受益人数"),
    payout_per_beneficiary: Yuan.nullable().describe("人均赔付"),
    burden_before_per_beneficiary: Yuan.nullable().describe("赔付前人均个人负担"),
    burden_after_per_beneficiary: Yuan.nullable().describe("赔付后人均个人负担"),
  }),
  burden_reduction: z.object({
    covered_claims: count("有赔付责任的笔数"),
    covered_psn_part_amt: Yuan.describe("这些结算的个人负担"),
    hmb_pay: Yuan.describe("惠民保赔付"),
    reduction: Percent.nullable().describe("减负比例"),
    reduction_bps: Bps.nullable(),
    payout_per_insured: Yuan.nullable().describe("每位参保人平均赔付"),
  }),
});
export type OversightSummary = z.infer<typeof OversightSummary>;

export { ENROLLMENT_DIMENSIONS };

export const EnrollmentQuery = z.strictObject({
  by: z
    .enum(ENROLLMENT_DIMENSIONS)
    .default("county")
    .describe("county 区县（admdvs）、unit 单位、cohort 人群"),
  limit: digits(6, "每页行数 1–1000（默认 100）").optional(),
  offset: digits(9, "跳过的行数").optional(),
});

const enrollmentFigures = {
  roster_persons: count("名单人数"),
  insured_persons: count("参保人数"),
  enrollment_rate: Percent.nullable().describe("参保率"),
  enrollment_rate_bps: Bps.nullable(),
  premium: Yuan.describe("保费"),
};

export const EnrollmentRow = z.object({
  value: z.string().nullable().describe("区县代码、单位编码或人群代码；未填为 null"),
  name: z.string().nullable().describe("名称"),
  ...enrollmentFigures,
});
export type EnrollmentRow = z.infer<typeof EnrollmentRow>;

export const EnrollmentBreakdown = z.object({
  program_id: z.string(),
  by: z.enum(ENROLLMENT_DIMENSIONS),
  as_of: z.string(),
  order: z.enum(["value", "roster_persons_desc"]).describe("行序：按代码，或按名单人数从多到少（单位）"),
  total_rows: count("该维度的总行数"),
  limit: z.number().int(),
  offset: z.number().int(),
  rows: z.array(EnrollmentRow),
  totals: z.object(enrollmentFigures).describe("全部行的合计（不只本页）"),
});
export type EnrollmentBreakdown = z.infer<typeof EnrollmentBreakdown>;

export const TrendsQuery = z.strictObject({
  from: Day.optional().describe("起始日期（默认投保开始）"),
  to: Day.optional().describe("截止日期（默认今天）"),
});

export const WeekTrend = z.object({
  week: z.string().describe("ISO 周，如 2023-W36"),
  start: z.string().describe("周一"),
  end: z.string().describe("周日"),
  enrollments: count("出单"),
  cancellations: count("退保"),
  written_premium: Yuan.describe("承保保费"),
  claims_settled: count("结算"),
  claims_paid: count("赔付笔数"),
  revocations: count("撤销"),
  paid: Yuan.describe("赔付"),
});
export type WeekTrend = z.infer<typeof WeekTrend>;

export const Trends = z.object({
  program_id: z.string(),
  from: z.string(),
  to: z.string(),
  weeks: z.array(WeekTrend),
});
export type Trends = z.infer<typeof Trends>;

export const PayoutDistribution = z.object({
  program_id: z.string(),
  as_of: z.string(),
  beneficiaries: count("受益人数"),
  paid: Yuan.describe("赔付合计"),
  buckets: z.array(
    z.object({
      bucket: z.number().int().describe("档次序号"),
      label: z.string().describe("档次名称"),
      above: Yuan.describe("下限（不含）"),
      up_to: Yuan.nullable().describe("上限（含）；最高档为 null"),
      persons: count("人数"),
      persons_share: Percent.nullable(),
      persons_share_bps: Bps.nullable(),
      paid: Yuan,
      paid_share: Percent.nullable(),
      paid_share_bps: Bps.nullable(),
    }),
  ),
});
export type PayoutDistribution = z.infer<typeof PayoutDistribution>;

export const OversightSettings = z.object({
  program_id: z.string(),
  ibnr_bps: z.number().int().describe("人工设定的 IBNR 比例（基点）；未设定时为 0，且 ibnr_source = reserve"),
  ibnr_source: IbnrSource,
});
export type OversightSettings = z.infer<typeof OversightSettings>;

export const OversightSettingsBody = z.strictObject({
  ibnr_bps: z
    .number()
    .int()
    .min(0)
    .max(100000)
    .nullable()
    .describe("人工设定：已发生未报告赔款 = 已决赔款 × ibnr_bps / 10000；null 取消设定，改用准备金评估"),
});
export type OversightSettingsBody = z.infer<typeof OversightSettingsBody>;
