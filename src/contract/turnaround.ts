/**
 * 理赔时效 (claim turnaround), issue 14: how fast each claim channel decides and pays, per channel, per
 * institution and per month — aggregates only, no personal data — and one resident's own claims as a
 * timeline (已提交 → 已审核 → 已赔付). services/claims/turnaround.ts defines every figure.
 */
import { z } from "zod";
import { CLAIM_CHANNELS } from "../domain/vocabulary.js";
import { Day, Instant } from "./common.js";

const count = (description: string) => z.number().int().describe(description);
const Bps = (description: string) =>
  z.number().int().nullable().describe(`${description}（基点 1/10000；无件数时为空）`);

export const ClaimChannel = z
  .enum(CLAIM_CHANNELS)
  .describe("理赔渠道：one_stop 一站式结算，online 线上理赔，counter 柜面理赔，special_drug 特药理赔");

export const TurnaroundQuery = z.strictObject({
  from: Day.optional().describe("提交日期起（北京时间，含；默认投保开始日）"),
  to: Day.optional().describe("提交日期止（北京时间，含；默认今天）"),
});
export type TurnaroundQuery = z.infer<typeof TurnaroundQuery>;

/** One leg of the turnaround (submitted → decided, or submitted → paid). */
export const TurnaroundLeg = z.object({
  count: count("应计件数（审核：提交件数；赔付：有赔款应付的件数）"),
  done: count("已完成件数（已审核 / 已赔付）"),
  same_day: count("提交当日（北京时间同一日历日）完成的件数"),
  within_3_days: count("提交后 3 天（72 小时）内完成的件数"),
  within_10_days: count("提交后 10 天（240 小时）内完成的件数"),
  same_day_bps: Bps("当日完成占比"),
  within_3_days_bps: Bps("3 天内完成占比"),
  within_10_days_bps: Bps("10 天内完成占比"),
  median_hours: z
    .number()
    .nullable()
    .describe("已完成件数的用时中位数（小时，一位小数；无已完成件数时为空）"),
});
export type TurnaroundLeg = z.infer<typeof TurnaroundLeg>;

export const TurnaroundRow = z.object({
  decided: TurnaroundLeg.describe("提交 → 审核（理算或人工决定，含拒赔）"),
  paid: TurnaroundLeg.describe("提交 → 赔付（一站式与特药直付为结算当时；其余为划付批次生成时）"),
});

export const TurnaroundChannelRow = TurnaroundRow.extend({ channel: ClaimChannel });
export const TurnaroundInstitutionRow = TurnaroundRow.extend({
  fixmedins_code: z.string().describe("定点机构代码"),
  fixmedins_name: z.string().nullable().describe("定点机构名称（未登记时为空）"),
});
export const TurnaroundMonthRow = TurnaroundRow.extend({
  month: z.string().describe("提交月份（北京时间 yyyy-mm）"),
});

export const TurnaroundReport = z.object({
  program_id: z.string(),
  from: z.string().describe("提交日期起（含）"),
  to: z.string().describe("提交日期止（含）"),
  total: TurnaroundRow,
  channels: z.array(TurnaroundChannelRow).describe("四个渠道，固定顺序"),
  institutions: z.array(TurnaroundInstitutionRow).describe("按提交件数从多到少"),
  months: z.array(TurnaroundMonthRow).describe("按月份先后"),
});
export type TurnaroundReport = z.infer<typeof TurnaroundReport>;

export const TIMELINE_OUTCOMES = [
  "in_review",
  "awaiting_payout",
  "paid",
  "nothing_payable",
  "rejected",
  "revoked",
] as const;

export const ClaimTimelineItem = z.object({
  setl_id: z.string().describe("结算编号（柜面案件为申请时的结算编号）"),
  paid_setl_id: z.string().nullable().describe("实际赔付的结算编号（柜面申诉改判后可能不同）"),
  case_id: z.string().nullable().describe("柜面案件编号"),
  channel: ClaimChannel,
  fixmedins_name: z.string().nullable().describe("定点机构名称"),
  submitted_at: Instant.describe("提交时间"),
  decided_at: Instant.nullable().describe("审核完成时间"),
  paid_at: Instant.nullable().describe("赔付时间"),
  outcome: z
    .enum(TIMELINE_OUTCOMES)
    .describe(
      "进度：in_review 审核中，awaiting_payout 已审核待划付，paid 已赔付，nothing_payable 无赔款，rejected 未予赔付，revoked 已撤销",
    ),
});
export type ClaimTimelineItem = z.infer<typeof ClaimTimelineItem>;

export const ClaimTimeline = z.object({
  items: z.array(ClaimTimelineItem).describe("最新提交的在前"),
});
export type ClaimTimeline = z.infer<typeof ClaimTimeline>;
