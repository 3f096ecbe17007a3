/**
 * Wire pieces of the staff areas beyond common.ts: fen, Beijing wall-clock times, percent texts, digit
 * query strings. zod only (the web imports these).
 */
import { z } from "zod";

/** Integer fen where the wire carries fen (payment orders, refunds, pools). */
export const Fen = z.number().int().meta({ description: "金额（分，整数）", example: 12000 });

/** Beijing wall-clock time "yyyy-MM-dd HH:mm:ss". */
export const BeijingTime = z
  .string()
  .meta({ description: "北京时间 yyyy-MM-dd HH:mm:ss", example: "2024-03-01 10:30:00" });

/** A percentage as text ("65.43%"). */
export const Percent = z.string().meta({ description: "百分比文本", example: "65.43%" });

/** Query strings are not coerced (server ajv options): a count is digits, its range checked by the service. */
export const digits = (max: number, description: string) =>
  z
    .string()
    .regex(new RegExp(`^\\d{1,${max}}$`))
    .meta({ description });
