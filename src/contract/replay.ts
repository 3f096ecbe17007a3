/** Replay (精算回放, issue 13 item 1): a program's stored claims under candidate designs; aggregates only. */
import { z } from "zod";
import { Yuan } from "./common.js";

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);

/**
 * A candidate design on the wire: a product from the library or a product file, and one of its plans. The one
 * shape for every route that adjudicates under a design (replays, pricing).
 */
export const DESIGN_FIELDS = {
  product_id: Id.optional().meta({
    description: "产品库中的产品编号（与 product 二选一）",
    example: "wenshan-2023",
  }),
  product: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: "候选产品文件（JSON，任一受支持的格式版本；与 product_id 二选一）" }),
  plan: Id.meta({ description: "方案编号", example: "standard" }),
};

export const ReplayDesignBody = z
  .object({
    ...DESIGN_FIELDS,
    label: z.string().min(1).max(128).optional().meta({ description: "列名（默认 产品编号:方案）" }),
  })
  .strict();

export const ReplayBody = z
  .object({
    designs: z.array(ReplayDesignBody).min(1).max(10).meta({ description: "要并列比较的设计（1–10 个）" }),
  })
  .strict();
export type ReplayBody = z.infer<typeof ReplayBody>;

const Ratio = z
  .string()
  .nullable()
  .meta({ description: "比率（4 位小数，四舍五入；除数为 0 时为 null）", example: "0.8123" });

export const ReplayDesignView = z.object({
  design: z.string().describe("设计（产品编号:方案 或 label）"),
  claims: z.number().int().describe("结算记录数"),
  paid_claims: z.number().int().describe("赔付件数（惠民保赔付 > 0）"),
  hmb_pay: Yuan.describe("惠民保赔付合计"),
  beneficiaries: z.number().int().describe("受益人数（全年赔付 > 0 的人）"),
  premium: Yuan.describe("保费：参保人按该方案的保费合计"),
  loss_ratio: Ratio.describe("赔付率 = 赔付 ÷ 保费"),
  burden_reduction: Ratio.describe("减负率 = 赔付 ÷ 保障范围内记录的个人负担（psn_part_amt）"),
  payout_distribution: z
    .array(
      z.object({
        band: z.string().describe("每人全年赔付档位（元，含上限）：0、(0,10000]、…、>500000"),
        persons: z.number().int().describe("人数"),
        hmb_pay: Yuan.describe("该档赔付合计"),
      }),
    )
    .describe("赔付分布"),
  compliance: z
    .record(z.string(), z.object({ pass: z.number().int(), fail: z.number().int() }))
    .describe("规则集编号 → 通过/不符合条数"),
});

export const ReplayView = z.object({
  program_id: z.string(),
  insured: z.number().int().describe("参保人数（已出单、未退保）"),
  designs: z.array(ReplayDesignView),
});
export type ReplayView = z.infer<typeof ReplayView>;
