/** Residents' notifications (站内通知). */
import { z } from "zod";
import { NO_NUL } from "./common.js";

const text = (max: number) => z.string().min(1).max(max).regex(new RegExp(NO_NUL));

export const NotificationQuery = z.strictObject({
  psn_no: text(40).optional().describe("参保人（经办人员必填；参保人只能是本人）"),
  subject: text(64).optional().describe("按案件号、保单号筛选"),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/)
    .optional()
    .describe("条数（默认 50，最多 200）"),
});

export const NotificationView = z.object({
  notification_id: z.string(),
  psn_no: z.string(),
  kind: z.string().describe("类型，如 counter_claim.approved"),
  subject: z.string().describe("所涉案件号或保单号"),
  title: z.string(),
  body: z.string(),
  data: z.unknown().describe("结构化内容"),
  created_at: z.string().describe("时刻（ISO 8601，UTC）"),
});
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationList = z.object({
  psn_no: z.string(),
  notifications: z.array(NotificationView),
});
export type NotificationList = z.infer<typeof NotificationList>;
