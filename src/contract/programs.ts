/** Programs (a region × policy year): creation and the program card every front end reads first. */
import { z } from "zod";

export const CreateProgramBody = z.strictObject({
  program_id: z.string().max(64).describe("项目编号，如 wenshan-2023"),
  product_id: z.string().max(64).describe("产品编号（已导入的产品文件）"),
});
export type CreateProgramBody = z.infer<typeof CreateProgramBody>;

export const ProgramView = z.object({
  program_id: z.string(),
  product_id: z.string(),
  product_version: z.number().int().describe("产品版本号"),
  name: z.string().describe("产品名称"),
  region_code: z.string().describe("行政区划代码（GB/T 2260）"),
  insurers: z
    .array(
      z.object({
        code: z.string().describe("承保公司代码"),
        name: z.string(),
        share: z.number().describe("共保份额（0–1）"),
        lead: z.boolean().describe("是否首席承保人"),
      }),
    )
    .describe("共保体"),
});
export type ProgramView = z.infer<typeof ProgramView>;
