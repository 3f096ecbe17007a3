/**
 * The field types every operator-written data file shares (products, aid programs, service catalogs): money in
 * yuan with at most two decimals (held as fen), ratios in percent (held as basis points), Beijing business times,
 * lower-case identifiers and ICD-10 ranges. One home, so a product and an aid program reject the same bad value
 * with the same message.
 */
import { z } from "zod";
import { type Bps, type Fen, yuan } from "./money.js";
import { type EpochMs, parseBusinessTime } from "./time.js";

export const slugId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "应为小写标识：小写字母、数字、_ 和 -，最长 64 个字符");

export const yuanAmount = z
  .number()
  .nonnegative()
  .refine((n) => Number.isInteger(Math.round(n * 100)) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, {
    message: "金额最多两位小数",
  })
  .transform((n): Fen => yuan(Math.round(n * 100) / 100));

export const percent = z
  .number()
  .min(0)
  .max(100)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, {
    message: "百分比最多两位小数",
  })
  .transform((n): Bps => Math.round(n * 100));

export const businessTime = z.string().transform((text, ctx): EpochMs => {
  const ms = parseBusinessTime(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `不是有效时间（yyyy-MM-dd HH:mm[:ss]，北京时间）：${text}` });
    return z.NEVER;
  }
  return ms;
});

export const icd10Range = z
  .object({ from: z.string().regex(/^[A-Z]\d{2}/), to: z.string().regex(/^[A-Z]\d{2}/) })
  .refine((r) => r.from <= r.to, { message: "ICD-10 范围的起点不能晚于终点", path: ["to"] });
