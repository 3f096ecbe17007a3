/**
 * The anti-selection monitor (issue 13 item 6): `GET /programs/{id}/anti-selection`. Aggregates only (counts,
 * sums, ratios per program year); no person. Figures are computed by src/actuarial/anti-selection.ts on the
 * facts src/services/anti-selection.ts gathers; docs/anti-selection.md defines each one.
 */
import { z } from "zod";
import { Yuan } from "./common.js";

const Ratio = z
  .string()
  .nullable()
  .meta({ description: "比率（4 位小数的字符串，如 0.8123）；分母为 0 时为 null", example: "0.8123" });

const RateView = z.object({
  base: z.number().int().describe("分母人数"),
  count: z.number().int().describe("分子人数"),
  rate: Ratio,
});

const ShareView = z.object({
  persons: z.number().int().describe("该人群参保人数"),
  person_share: Ratio.describe("人数占比"),
  premium: Yuan.describe("该人群保费"),
  premium_share: Ratio.describe("保费占比"),
  claims: Yuan.describe("该人群已付赔款"),
  claims_share: Ratio.describe("赔付占比"),
  claims_to_premium: Ratio.describe("赔付占比 ÷ 保费占比"),
});

const YearView = z.object({
  program_id: z.string(),
  name: z.string().describe("项目名称"),
  coverage_start: z.string().describe("保障起期 yyyy-MM-dd"),
  health_rule_defined: z.boolean().describe("产品是否定义了既往症规则（否则无法区分带病人群）"),
  eligible: z.number().int().describe("名单内人数（可参保人数）"),
  enrolled: z.number().int().describe("参保人数（已出单、未退保）"),
  enrollment_rate: Ratio.describe("参保率"),
  premium: Yuan.describe("保费"),
  claims: Yuan.describe("已付赔款"),
  loss_ratio: Ratio.describe("赔付率（已付赔款 ÷ 保费）"),
  senior: ShareView.describe("60 岁及以上人群"),
  pre_existing: ShareView.describe("带病人群（既往症）"),
  persistence: z
    .object({
      from_program_id: z.string().describe("上一年度项目"),
      overall: RateView,
      healthy: RateView,
      pre_existing: RateView,
      by_age_band: z.array(RateView.extend({ band: z.string(), label: z.string().describe("年龄段") })),
      left_roster: z.number().int().describe("上一年度参保、本年度不在名单内（无法续保，不计入分母）的人数"),
    })
    .nullable()
    .describe("续保率（上一年度参保且在本年度名单内者中本年度参保的比例）；首年为 null"),
  persistence_3y: z
    .object({
      first_program_id: z.string(),
      overall: RateView,
      healthy: RateView,
      pre_existing: RateView,
    })
    .nullable()
    .describe("三年连续参保率；不足三个年度为 null"),
});

export const AntiSelectionView = z.object({
  program_id: z.string(),
  years: z.array(YearView).describe("各年度（最早在前，最后为所查项目）"),
  trend: z
    .object({
      from_program_id: z.string(),
      to_program_id: z.string(),
      enrollment_rate_change: z.string().nullable(),
      senior_person_share_change: z.string().nullable(),
      pre_existing_person_share_change: z.string().nullable(),
      loss_ratio_change: z.string().nullable(),
    })
    .nullable()
    .describe("首年到末年的变化（比率之差）；只有一个年度时为 null"),
  alerts: z.array(
    z.object({
      kind: z
        .enum(["healthy_leaving", "senior_claims_share", "pre_existing_claims_share", "death_spiral"])
        .describe(
          "healthy_leaving 健康人群流失快于带病人群；senior_claims_share 60岁以上赔付占比过高；pre_existing_claims_share 带病人群赔付占比过高；death_spiral 死亡螺旋特征",
        ),
      program_id: z.string(),
      message: z.string().describe("预警说明（中文）"),
    }),
  ),
  thresholds: z.object({
    healthy_persistence_gap: z.string().describe("健康与带病人群续保率之差的预警阈值"),
    claims_share_factor: z.string().describe("赔付占比 ÷ 保费占比的预警倍数"),
    death_spiral_healthy_3y: z.string().describe("健康人群三年连续参保率下限"),
    death_spiral_pre_existing_3y: z.string().describe("带病人群三年连续参保率上限"),
    min_group_persons: z.number().int().describe("触发预警的最少人数"),
  }),
});
export type AntiSelectionView = z.infer<typeof AntiSelectionView>;
