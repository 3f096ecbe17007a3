/**
 * Aid programs (救助项目) and their ring-fenced funds (救助专户) on the wire: publishing a program file, its
 * versions, withdrawing it; opening a fund, recording donations, the fund's ledger. Money as yuan strings.
 */
import { z } from "zod";
import {
  AID_SPONSOR_KINDS,
  type AidSponsorKind,
  BUDGET_EXHAUSTION,
  type BudgetExhaustion,
} from "../domain/aid.js";
import { Instant, NO_NUL, ProgramParams, Yuan } from "./common.js";
import { BeijingTime, digits, Percent } from "./primitives.js";

const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);

export const AidSponsorKindSchema = z
  .enum(Object.keys(AID_SPONSOR_KINDS) as [AidSponsorKind, ...AidSponsorKind[]])
  .meta({
    description:
      "出资方类型：charity 慈善组织、pharma 药企患者援助、union 工会、civil_affairs 民政、medical_assistance 医疗救助",
  });

export const AID_PROGRAM_STATUS_VALUES = ["published", "withdrawn"] as const;

export const AidProgramParams = ProgramParams.extend({
  aid_program_id: Slug.meta({ description: "救助项目编号", example: "lymphoma-aid" }),
});
export type AidProgramParams = z.infer<typeof AidProgramParams>;

export const AidProgramQuery = z.object({
  version: digits(6, "版本号（缺省为当前版本）").optional(),
});
export type AidProgramQuery = z.infer<typeof AidProgramQuery>;

/** A program file as uploaded: any JSON object; domain/aid.ts parseAidProgram checks it and names the field. */
export const AidProgramFile = z
  .record(z.string(), z.unknown())
  .meta({ description: "救助项目文件（JSON，金额为元、比例为百分数；见 docs/aid.md）" });

export const AidProgramVersionInfo = z.object({
  version: z.number().int(),
  status: z.enum(AID_PROGRAM_STATUS_VALUES).meta({ description: "published 已发布；withdrawn 已撤回" }),
  published_at: Instant.meta({ description: "发布时间" }),
  withdrawn_at: Instant.nullable().meta({ description: "撤回时间" }),
});
export type AidProgramVersionInfo = z.infer<typeof AidProgramVersionInfo>;

export const AidProgramView = z
  .object({
    aid_program_id: z.string(),
    version: z.number().int(),
    name: z.string().meta({ description: "救助项目名称" }),
    status: z.enum(AID_PROGRAM_STATUS_VALUES),
    sponsor_kind: AidSponsorKindSchema,
    sponsor_name: z.string().meta({ description: "出资方名称" }),
    fund_id: z.string().meta({ description: "支付所用的救助基金编号" }),
    fund_name: z.string().meta({ description: "救助基金名称" }),
    priority: z.number().int().meta({ description: "救助项目之间的支付顺序（小者先付）" }),
    period_start: BeijingTime.meta({ description: "有效期起（北京时间）" }),
    period_end: BeijingTime.meta({ description: "有效期止（北京时间，不含）" }),
    eligibility: z.object({
      cohorts: z.array(z.string()).meta({ description: "限定人群编号（空为不限）" }),
      min_age: z.number().int().nullable(),
      max_age: z.number().int().nullable(),
      icd10: z
        .array(z.object({ from: z.string(), to: z.string() }))
        .meta({ description: "主诊断 ICD-10 范围" }),
      drugs: z.array(z.string()).meta({ description: "药品编码（医保药品目录）" }),
      regions: z.array(z.string()).meta({ description: "参保地区划编码前缀" }),
    }),
    covers: z.object({
      kind: z.enum(["residual", "drug_cost", "premium"]).meta({
        description: "residual 前序各层之后的个人负担；drug_cost 所列药品的个人负担；premium 资助参保保费",
      }),
      after: z.array(z.string()).meta({ description: "排在哪些层之后（法定层或其他救助项目编号）" }),
      in_scope_only: z.boolean().meta({ description: "仅医保范围内费用" }),
    }),
    benefit: z.object({
      kind: z.enum(["ratio_above_threshold", "fixed"]),
      threshold: Yuan.nullable().meta({ description: "起付线（元）" }),
      threshold_per: z.enum(["case", "year"]).nullable().meta({ description: "起付线按次或按年" }),
      ratio: Percent.nullable().meta({ description: "救助比例" }),
      amount: Yuan.nullable().meta({ description: "定额救助（元/次）" }),
    }),
    caps: z.object({ per_case: Yuan.nullable(), per_year: Yuan.nullable() }),
    budget: z.object({
      amount: Yuan.meta({ description: "预算总额（元）" }),
      when_exhausted: z
        .enum(Object.keys(BUDGET_EXHAUSTION) as [BudgetExhaustion, ...BudgetExhaustion[]])
        .meta({ description: "预算用尽时：stop 停止、prorate 按比例分摊、queue 排队待补" }),
    }),
    mode: z.object({
      kind: z
        .enum(["automatic", "application"])
        .meta({ description: "automatic 结算后自动救助；application 申请审核" }),
      documents: z.array(z.string()).meta({ description: "申请须附材料" }),
      committee: z.boolean().meta({ description: "须经评审委员会决定" }),
    }),
    description: z.string().nullable(),
    published_at: Instant,
    withdrawn_at: Instant.nullable(),
    versions: z.array(AidProgramVersionInfo).meta({ description: "全部版本，新版本在前" }),
  })
  .meta({ description: "一个救助项目（所示版本）及其版本历史" });
export type AidProgramView = z.infer<typeof AidProgramView>;

export const AidProgramList = z.object({
  aid_programs: z.array(AidProgramView).meta({ description: "各救助项目的当前版本" }),
});
export type AidProgramList = z.infer<typeof AidProgramList>;

export const AidPublishView = z.object({
  outcome: z
    .enum(["published", "unchanged"])
    .meta({ description: "published 已发布新版本；unchanged 相同内容此前已发布，未做任何改变" }),
  aid_program: AidProgramView,
});
export type AidPublishView = z.infer<typeof AidPublishView>;

/* ------------------------------------------------------------------------------------------------------------
 * Funds
 * ---------------------------------------------------------------------------------------------------------- */

export const AidFundParams = ProgramParams.extend({
  fund_id: Slug.meta({ description: "救助基金编号", example: "lymphoma-fund" }),
});
export type AidFundParams = z.infer<typeof AidFundParams>;

export const CreateAidFundBody = z.strictObject({
  fund_id: Slug.meta({ description: "救助基金编号（小写字母、数字、_ 与 -）" }),
  name: z.string().min(1).max(200).meta({ description: "基金名称" }),
  sponsor_kind: AidSponsorKindSchema,
  sponsor_name: z.string().min(1).max(200).meta({ description: "出资方名称" }),
  keeper: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: "管理该基金的慈善机构账号（登录名）；慈善机构自己开设时即为本人" }),
});
export type CreateAidFundBody = z.infer<typeof CreateAidFundBody>;

export const AidFundView = z.object({
  fund_id: z.string(),
  name: z.string(),
  sponsor_kind: AidSponsorKindSchema,
  sponsor_name: z.string(),
  keeper: z.string().nullable().meta({ description: "管理该基金的慈善机构账号" }),
  balance: Yuan.meta({ description: "余额（元）" }),
  created_at: Instant,
});
export type AidFundView = z.infer<typeof AidFundView>;

export const AidFundList = z.object({ funds: z.array(AidFundView) });
export type AidFundList = z.infer<typeof AidFundList>;

export const AID_CONTRIBUTION_KINDS = ["donation", "top_up"] as const;

export const AidDonationBody = z.strictObject({
  // Converted, and refused with a Chinese message naming the field, by domain/money.ts parseYuan in the route.
  amount: z
    .union([z.string().max(32), z.number()])
    .meta({ description: "金额（元，正数，最多两位小数；字符串或数字）" }),
  kind: z
    .enum(AID_CONTRIBUTION_KINDS)
    .optional()
    .meta({ description: "donation 社会捐赠（缺省）；top_up 出资方注资" }),
  donor: z
    .string()
    .max(200)
    .nullable()
    .optional()
    .meta({ description: "捐款人名称；缺省、空或 null 为匿名捐赠" }),
  ref: z
    .string()
    .min(1)
    .max(100)
    .regex(new RegExp(NO_NUL))
    .meta({ description: "捐款凭证号（幂等键：同一凭证号重复提交只入账一次）" }),
});
export type AidDonationBody = z.infer<typeof AidDonationBody>;

export const AidDonationResult = z.object({
  outcome: z
    .enum(["posted", "unchanged"])
    .meta({ description: "posted 已入账；unchanged 同一凭证此前已入账" }),
  fund_id: z.string(),
  balance: Yuan.meta({ description: "入账后余额（元）" }),
});
export type AidDonationResult = z.infer<typeof AidDonationResult>;

export const AID_FUND_JOURNAL_KIND_VALUES = ["donation", "top_up", "aid_paid", "aid_reversed"] as const;

export const AidFundLedgerLine = z.object({
  kind: z
    .enum(AID_FUND_JOURNAL_KIND_VALUES)
    .meta({ description: "donation 捐赠；top_up 注资；aid_paid 救助支出；aid_reversed 救助冲回" }),
  ref: z.string().meta({ description: "凭证号" }),
  amount: Yuan.meta({ description: "金额（元；流入为正，流出为负）" }),
  balance_after: Yuan.meta({ description: "本笔后余额（元）" }),
  donor: z.string().nullable().meta({ description: "捐款人（匿名为 null）" }),
  aid_program_id: z.string().nullable(),
  aid_program_name: z.string().nullable().meta({ description: "救助项目名称" }),
  version: z.number().int().nullable(),
  at: Instant,
});
export type AidFundLedgerLine = z.infer<typeof AidFundLedgerLine>;

export const AidFundLedger = z.object({
  fund: AidFundView,
  lines: z.array(AidFundLedgerLine).meta({ description: "按入账顺序" }),
  contributions: Yuan.meta({ description: "累计捐赠与注资（元）" }),
  aid_paid: Yuan.meta({ description: "累计救助支出（元）" }),
  aid_reversed: Yuan.meta({ description: "累计救助冲回（元）" }),
  reconciled: z.boolean().meta({ description: "余额与分录合计一致（专户对账）" }),
});
export type AidFundLedger = z.infer<typeof AidFundLedger>;
