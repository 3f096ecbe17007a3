/** Programs (a region × policy year): creation and the program card every front end reads first. */
import { z } from "zod";

export const CreateProgramBody = z.strictObject({
  program_id: z.string().max(64).describe("项目编号，如 wenshan-2023"),
  product_id: z
    .string()
    .max(80)
    .describe("已发布的产品：产品编号（取最新发布版本）或 产品编号@版本号，如 wenshan-2023@1"),
  product_version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("锁定的产品版本；product_id 未带 @版本号 时使用，缺省为最新发布版本"),
  follows_program_id: z
    .string()
    .max(64)
    .optional()
    .describe("接续的上一年度项目（同一地区），如 wenshan-2023：连续参保年数与续保由此而来"),
  insurers: z
    .array(
      z.strictObject({
        code: z.string().min(1).max(32).describe("承保公司代码，如 picc-wenshan"),
        name: z.string().min(1).max(64).describe("承保公司名称"),
        share_bps: z.number().int().min(1).max(10_000).describe("共保份额，万分之一（5000 = 50%）"),
        lead: z.boolean().optional().describe("是否首席承保人；都不写时第一家为首席"),
      }),
    )
    .min(1)
    .max(20)
    .optional()
    .describe("共保体：份额合计 10000（100%），首席一家；不写时取产品文件中的共保安排"),
});
export type CreateProgramBody = z.infer<typeof CreateProgramBody>;

/** PATCH /programs/{id}: pin another product version, only before enrollment opens (金办便函〔2025〕745号). */
export const AmendProgramBody = z.strictObject({
  product_id: z
    .string()
    .max(80)
    .describe("改为锁定的已发布产品：产品编号（取最新发布版本）或 产品编号@版本号"),
  product_version: z.number().int().min(1).optional().describe("产品版本；product_id 未带 @版本号 时使用"),
});
export type AmendProgramBody = z.infer<typeof AmendProgramBody>;

export const ProgramView = z.object({
  program_id: z.string(),
  product_id: z.string(),
  product_version: z.number().int().describe("产品版本号"),
  name: z.string().describe("产品名称"),
  region_code: z.string().describe("行政区划代码（GB/T 2260）"),
  follows_program_id: z.string().nullable().describe("接续的上一年度项目；首年项目为 null"),
  insurers: z
    .array(
      z.object({
        code: z.string().describe("承保公司代码"),
        name: z.string(),
        share: z.number().describe("共保份额（0–1）"),
        share_bps: z.number().int().describe("共保份额，万分之一（10000 = 100%）"),
        lead: z.boolean().describe("是否首席承保人"),
      }),
    )
    .describe("共保体"),
});
export type ProgramView = z.infer<typeof ProgramView>;
