/**
 * 理赔清单 (issue 14): every settled claim of a program as a server-side table (contract/paging.ts) — its
 * query (filters, sort, page), its page, and the same query without the page for the Excel export.
 */
import { z } from "zod";
import { CLAIM_CHANNELS } from "../domain/vocabulary.js";
import { Day, Instant, Yuan } from "./common.js";
import { PageQueryShape, pagedOf, sortOf } from "./paging.js";

export const CLAIM_LIST_SORTS = ["created_at", "hmb_pay", "psn_part_amt"] as const;

export const ClaimListQuery = z.strictObject({
  kind: z
    .enum(CLAIM_CHANNELS)
    .optional()
    .describe("理赔方式：one_stop 一站式结算、online 线上、counter 柜面、special_drug 特药"),
  status: z
    .enum(["paid", "zero", "not_covered"])
    .optional()
    .describe("赔付结果：paid 已赔付、zero 赔付为零、not_covered 不在保障范围"),
  state: z.enum(["settled", "revoked"]).optional().describe("结算状态：settled 有效、revoked 已撤销"),
  institution: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional()
    .describe("定点机构编码"),
  from: Day.optional().describe("结算日起（北京时间，含）"),
  to: Day.optional().describe("结算日止（北京时间，含）"),
  q: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .optional()
    .describe("查找：结算编号开头；经办人员还可输入完整的人员编号或保单号"),
  sort: sortOf(CLAIM_LIST_SORTS, "created_at"),
  ...PageQueryShape,
});
export type ClaimListQuery = z.infer<typeof ClaimListQuery>;
export const ClaimExportQuery = ClaimListQuery.omit({ page: true, page_size: true });

export const ClaimListItem = z.object({
  setl_id: z.string().describe("结算编号"),
  kind: z.string().describe("理赔方式"),
  psn_no: z.string().describe("人员编号（经办人员完整；共保公司、医保局脱敏）"),
  policy_no: z.string().nullable().describe("保单号（经办人员可见）"),
  fixmedins_code: z.string().describe("定点机构编码"),
  institution_name: z.string().nullable().describe("定点机构名称"),
  status: z.string().describe("赔付结果"),
  state: z.string().describe("结算状态"),
  hmb_pay: Yuan.describe("惠民保赔付"),
  psn_part_amt: Yuan.describe("医保结算后个人负担"),
  created_at: Instant.describe("结算时间"),
  revoked_at: Instant.nullable().describe("撤销时间"),
});
export type ClaimListItem = z.infer<typeof ClaimListItem>;

export const ClaimListPage = pagedOf(ClaimListItem);
export type ClaimListPage = z.infer<typeof ClaimListPage>;
