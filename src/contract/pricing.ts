/** Pricing by rate group (费率表, issue 13 item 4): a program's experience priced under a design; aggregates only. */
import { z } from "zod";
import { Yuan } from "./common.js";
import { DESIGN_FIELDS } from "./replay.js";

export const PricingBody = z
  .object({
    ...DESIGN_FIELDS,
    groups: z.string().max(32).meta({
      description: "费率分组维度：age、sex、health 中的一个或几个，逗号分隔",
      example: "age,sex,health",
    }),
    target_loss_ratio: z.number().optional().meta({ description: "目标赔付率（默认 0.85）", example: 0.85 }),
    expense: z
      .number()
      .optional()
      .meta({ description: "费用率（默认 0.10；目标赔付率 + 费用率 ≤ 1）", example: 0.1 }),
    trend: z.number().optional().meta({ description: "年医疗费用趋势（默认 0.05）", example: 0.05 }),
    trend_years: z
      .number()
      .int()
      .optional()
      .meta({ description: "经验年度到定价年度的年数（默认 1）", example: 1 }),
    ibnr_factor: z
      .number()
      .optional()
      .meta({ description: "IBNR 系数（不给则取项目准备金 ÷ 已付赔款）", example: 0.08 }),
    as_of: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional()
      .meta({ description: "准备金评估日 yyyy-MM-dd（默认今天）", example: "2024-03-31" }),
  })
  .strict();
export type PricingBody = z.infer<typeof PricingBody>;

const Rate = z.string().meta({ description: "比率（4 位小数的字符串）", example: "0.0123" });

const GroupFigures = {
  exposure: z.number().int().describe("参保人数（暴露数，每人一个保单年度）"),
  claimants: z.number().int().describe("出险人数（本设计下全年赔付 > 0）"),
  hmb_pay: Yuan.describe("赔付合计"),
  frequency: Rate.describe("出险率 = 出险人数 ÷ 参保人数"),
  severity: Yuan.describe("件均赔付 = 赔付合计 ÷ 出险人数"),
  pure_premium: Yuan.describe("纯保费 = 赔付合计 ÷ 参保人数"),
};

const PremiumWhen = z.object({
  ageFrom: z.number().int().optional(),
  ageTo: z.number().int().optional(),
  sex: z.enum(["1", "2"]).optional(),
  preExisting: z.boolean().optional(),
});

export const PricingView = z.object({
  program_id: z.string(),
  design: z.string().describe("设计（产品编号:方案）"),
  groups_by: z.array(z.enum(["age", "sex", "health"])),
  population: z.string().describe("参保人口来源：persons（项目有效保单）"),
  methods: z.object({
    credibility: z.string().describe("可信度方法：buhlmann_straub"),
    premium_formula: z.string(),
    ibnr: z.string(),
    trend: z.string(),
  }),
  assumptions: z.object({
    target_loss_ratio: Rate,
    expense: Rate,
    margin: Rate,
    trend: Rate,
    trend_years: z.number().int(),
    ibnr_factor: Rate,
  }),
  structure: z.object({
    within_variance_yuan2: z.string().describe("组内方差 s²（元²）"),
    between_variance_yuan2: z.string().describe("组间方差 a（元²）"),
    k: z.string().nullable().describe("k = s² ÷ a（a ≤ 0 时为 null）"),
    collective_mean: Yuan.describe("可信度加权的全体平均成本 μ̂"),
  }),
  groups: z.array(
    z.object({
      key: z.string(),
      label: z.string().describe("费率组（中文）"),
      ...GroupFigures,
      credibility: Rate.describe("可信度 Z"),
      credible_cost: Yuan.describe("可信成本 = Z × 纯保费 + (1 − Z) × μ̂"),
      projected_cost: Yuan.describe("预测成本 = 可信成本 × (1 + IBNR) × (1 + 趋势)^年数"),
      premium: Yuan.describe("保费 = 预测成本 ÷ 目标赔付率，向上取整到元"),
    }),
  ),
  pool: z.object({
    ...GroupFigures,
    projected_cost: Yuan,
    premium: Yuan.describe("基准保费（全体）"),
  }),
  premium: z
    .object({
      base: z.number(),
      variants: z.array(z.object({ when: PremiumWhen, amount: z.number(), label: z.string() })),
    })
    .describe("产品文件格式的保费（元）：分组为 premium.variants，先匹配者优先"),
  warnings: z.array(z.string()),
});
export type PricingView = z.infer<typeof PricingView>;
