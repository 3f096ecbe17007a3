/**
 * Wire pieces every area shares: identifiers, yuan strings, days and times, the program path parameter.
 * zod only, so the web may import the types (type-only) without pulling server code.
 */
import { z } from "zod";

/** A program's id in every path: lower-case letters, digits and hyphens. */
export const PROGRAM_ID_PATTERN = "^[a-z0-9][a-z0-9-]{1,62}$";

export const ProgramId = z
  .string()
  .regex(new RegExp(PROGRAM_ID_PATTERN))
  .meta({ description: "惠民保项目编号", example: "wenshan-2023" });

export const ProgramParams = z.object({ program_id: ProgramId });
export type ProgramParams = z.infer<typeof ProgramParams>;

/** Identifiers reach SQL as text: NUL is refused by the schema rather than by PostgreSQL (a 500). */
export const NO_NUL = "^[^\\u0000]+$";

/** An amount on the wire: yuan as a string with two decimals (inside the platform, integer fen). */
export const Yuan = z.string().meta({ description: "金额（元，两位小数的字符串）", example: "1234.50" });

/** A calendar day, Beijing time. */
export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .meta({ description: "日期（北京时间，yyyy-mm-dd）", example: "2024-03-01" });

/** An instant as the API writes it: ISO 8601 in UTC. */
export const Instant = z
  .string()
  .meta({ description: "时间（ISO 8601，UTC）", example: "2024-03-01T02:30:00.000Z" });

/** The signed-request headers of institution routes (docs/claims.md). */
export const SignedHeaders = z.object({
  "x-hmb-institution": z.string().optional().meta({ description: "机构编码（定点医药机构 fixmedins_code）" }),
  "x-hmb-timestamp": z.string().optional().meta({ description: "签名时间（毫秒时间戳）" }),
  "x-hmb-signature": z.string().optional().meta({ description: "HMAC-SHA256 签名（十六进制）" }),
  // 1 (default) or 2, whose signed text names method and URL too.
  "x-hmb-signature-version": z
    .enum(["1", "2"])
    .optional()
    .meta({ description: "签名版本：1（默认）或 2（签名串含请求方法与路径）" }),
});
