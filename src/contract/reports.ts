/** The public disclosure report (guidance clause 十四) as PDF or Excel. */
import { z } from "zod";

export const DISCLOSURE_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const DisclosureQuery = z.strictObject({
  period: z
    .string()
    .regex(/^\d{4}(-\d{2})?$/)
    .describe("报告期：yyyy-mm（月）或 yyyy（年）"),
  format: z.enum(["pdf", "xlsx"]).default("pdf").describe("pdf（默认）或 xlsx"),
});
