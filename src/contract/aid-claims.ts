/**
 * Aid on claims over the wire (issue 15; services/aid/burden.ts, match.ts, applications.ts): a claim's layered
 * bill (基本医保 → 大病保险 → 医疗救助 → 惠民保 → aid programs → what the person finally bears), the resident's
 * "我可申请的救助", and the 一事一议 applications the programs review. Amounts are yuan strings.
 */
import { z } from "zod";
import { Day, Instant, NO_NUL, ProgramParams, Yuan } from "./common.js";
import { PageFields, PageQueryShape, sortOf } from "./paging.js";

const text = (description: string, max = 500) => z.string().max(max).meta({ description });

export const BurdenParams = ProgramParams.extend({
  setl_id: z.string().min(1).max(64).regex(new RegExp(NO_NUL)).meta({ description: "结算编号 setl_id" }),
});
export type BurdenParams = z.infer<typeof BurdenParams>;

export const AID_LINE_STATES = ["paid", "revoked"] as const;
export const AID_MODES = ["automatic", "application"] as const;

export const AidLayerView = z.object({
  aid_program_id: z.string().meta({ description: "救助项目编号" }),
  version: z.number().int(),
  name: z.string().meta({ description: "救助项目名称" }),
  sponsor_name: z.string().meta({ description: "出资方" }),
  mode: z.enum(AID_MODES).meta({ description: "automatic 自动给付；application 申请审核后给付" }),
  amount: Yuan.meta({ description: "已支付的救助金额（元）" }),
  queued: Yuan.meta({ description: "额度不足、排队待付的金额（元）" }),
  state: z.enum(AID_LINE_STATES).meta({ description: "paid 已支付；revoked 结算撤销后已冲回" }),
});
export type AidLayerView = z.infer<typeof AidLayerView>;

export const LayeredBill = z.object({
  setl_id: z.string(),
  state: z.enum(["settled", "revoked"]).meta({ description: "settled 有效；revoked 已撤销（不计入年度）" }),
  settled_at: Instant,
  total_cost: Yuan.meta({ description: "医疗费总额 medfee_sumamt" }),
  basic: Yuan.meta({ description: "基本医保：hifp_pay + cvlserv_pay + hifes_pay + oth_pay" }),
  critical_illness: Yuan.meta({ description: "大病保险：hifmi_pay + hifob_pay" }),
  medical_assistance: Yuan.meta({ description: "医疗救助：maf_pay" }),
  person_burden: Yuan.meta({ description: "医保后个人负担 psn_part_amt" }),
  out_of_scope: Yuan.meta({ description: "其中医保范围外自费" }),
  hmb: Yuan.meta({ description: "惠民保赔付" }),
  aid: z.array(AidLayerView).meta({ description: "各救助项目，按给付顺序" }),
  aid_total: Yuan.meta({ description: "救助合计（已支付）" }),
  final_burden: Yuan.meta({ description: "个人最终负担 = psn_part_amt − 惠民保 − 救助合计" }),
});
export type LayeredBill = z.infer<typeof LayeredBill>;

export const PersonYearBurden = z.object({
  claims: z.number().int(),
  total_cost: Yuan,
  basic: Yuan,
  critical_illness: Yuan,
  medical_assistance: Yuan,
  person_burden: Yuan,
  hmb: Yuan,
  aid: Yuan,
  final_burden: Yuan,
});
export type PersonYearBurden = z.infer<typeof PersonYearBurden>;

export const APPLICATION_STATES = [
  "proposed",
  "submitted",
  "documents_requested",
  "approved",
  "rejected",
  "withdrawn",
] as const;

export const AidApplicationView = z.object({
  application_id: z.string(),
  setl_id: z.string(),
  psn_no: z.string().meta({ description: "参保人编号（非本人或监护人时脱敏）" }),
  aid_program_id: z.string(),
  version: z.number().int(),
  program_name: z.string(),
  sponsor_name: z.string(),
  proposed: Yuan.meta({ description: "平台预填的建议救助金额" }),
  approved: Yuan.nullable().meta({ description: "批准金额（批准后）" }),
  documents_required: z.array(z.string()).meta({ description: "需要的材料" }),
  documents: z.array(z.string()).meta({ description: "申请人已提供的材料" }),
  committee_required: z.boolean().meta({ description: "须记录评审委员会决定" }),
  state: z.enum(APPLICATION_STATES).meta({
    description:
      "proposed 待确认；submitted 已提交待审核；documents_requested 待补材料；approved 已批准并支付；rejected 未获批准；withdrawn 结算撤销已撤回",
  }),
  consent_relation: z.enum(["self", "guardian"]).nullable().meta({ description: "确认人：本人或监护人" }),
  consent_at: Instant.nullable(),
  review_note: z.string().nullable().meta({ description: "审核说明或不予救助理由" }),
  decided_at: Instant.nullable(),
  committee: z
    .object({ members: z.array(z.string()), minutes: z.string(), at: Instant })
    .nullable()
    .meta({ description: "评审委员会决定" }),
  created_at: Instant,
  updated_at: Instant,
});
export type AidApplicationView = z.infer<typeof AidApplicationView>;

export const AidApplicationList = z.object({
  applications: z.array(AidApplicationView),
  ...PageFields,
});
export type AidApplicationList = z.infer<typeof AidApplicationList>;

export const AidApplicationEvent = z.object({
  event: z.string().meta({
    description: "proposed / submitted / documents_requested / committee / approved / rejected / withdrawn",
  }),
  at: Instant,
  data: z.record(z.string(), z.unknown()),
});

export const AidApplicationDetail = z.object({
  application: AidApplicationView,
  bill: LayeredBill.nullable(),
  events: z.array(AidApplicationEvent),
  age: z.number().int().nullable().meta({ description: "就医时年龄（周岁）" }),
});
export type AidApplicationDetail = z.infer<typeof AidApplicationDetail>;

export const MatchedAidProgram = z.object({
  aid_program_id: z.string(),
  name: z.string(),
  sponsor_name: z.string(),
  mode: z.enum(AID_MODES),
  description: z.string().nullable(),
  paid: Yuan.meta({ description: "已向本人支付的救助合计" }),
});

export const ResidentAidView = z.object({
  psn_no: z.string(),
  matched: z.array(MatchedAidProgram).meta({ description: "已匹配的救助项目" }),
  applications: z.array(AidApplicationView).meta({ description: "本人及所监护未成年人的救助申请" }),
  bills: z.array(LayeredBill).meta({ description: "本人各次结算的分层负担" }),
  year: PersonYearBurden.meta({ description: "本年度合计（不含已撤销的结算）" }),
});
export type ResidentAidView = z.infer<typeof ResidentAidView>;

export const AidApplicationParams = ProgramParams.extend({
  application_id: z.string().min(1).max(64).regex(new RegExp(NO_NUL)).meta({ description: "救助申请编号" }),
});
export type AidApplicationParams = z.infer<typeof AidApplicationParams>;

export const AID_APPLICATION_SORTS = ["updated_at", "created_at", "submitted_at", "proposed"] as const;

export const AidApplicationsQuery = z.strictObject({
  state: z.enum(APPLICATION_STATES).optional().meta({ description: "只看某一状态" }),
  aid_program: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .optional()
    .meta({ description: "只看某一救助项目（救助项目编号）" }),
  submitted_from: Day.optional().meta({ description: "提交日起（北京时间，含）" }),
  submitted_to: Day.optional().meta({ description: "提交日止（北京时间，含）" }),
  updated_from: Day.optional().meta({ description: "更新日起（北京时间，含）" }),
  updated_to: Day.optional().meta({ description: "更新日止（北京时间，含）" }),
  sort: sortOf(AID_APPLICATION_SORTS, "updated_at"),
  ...PageQueryShape,
});
export type AidApplicationsQuery = z.infer<typeof AidApplicationsQuery>;
/** The queue's export: the same filters and order, without the page. */
export const AidApplicationsExportQuery = AidApplicationsQuery.omit({ page: true, page_size: true });

export const ConfirmAidApplicationBody = z
  .object({
    consent: z.boolean().meta({
      description: "同意授权：向救助项目提供本次就医的分层费用与申请材料（必须为 true）",
    }),
    documents: z.array(text("材料名称", 200)).max(20).optional().meta({ description: "已提供的材料" }),
  })
  .strict();
export type ConfirmAidApplicationBody = z.infer<typeof ConfirmAidApplicationBody>;

export const AidDecisionBody = z.discriminatedUnion("action", [
  z
    .object({
      action: z.literal("request_documents"),
      documents: z.array(text("材料名称", 200)).min(1).max(20),
      note: text("说明").optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal("approve"),
      amount: z.string().max(20).meta({ description: "批准金额（元，最多两位小数）", example: "5000.00" }),
      note: text("说明").optional(),
      committee: z
        .object({ members: z.array(text("成员", 100)).min(1).max(20), minutes: text("纪要") })
        .strict()
        .optional()
        .meta({ description: "评审委员会决定（项目要求时必填）" }),
    })
    .strict(),
  z.object({ action: z.literal("reject"), reason: text("不予救助理由") }).strict(),
]);
export type AidDecisionBody = z.infer<typeof AidDecisionBody>;
