/**
 * Claims beyond the one-stop settlement: the bureau's record feed and the resident's consent and online
 * claims (线上理赔), counter claims (柜面理赔) with their documents and review, payout batches (赔款划付) and the
 * daily reconciliation (对账). Records inside these bodies are national settlement records
 * (settlement.ts SettlementRecord), validated one by one by domain/settlement.ts parseSettlement — ajv checks
 * only the envelope around them.
 */
import { z } from "zod";
import { GUARDIAN_RELATIONS } from "../domain/vocabulary.js";
import { Day, Instant, NO_NUL, ProgramId, ProgramParams, Yuan } from "./common.js";
import { PageFields, PageQueryShape } from "./paging.js";
import { ClaimView, SetlId, SettlementRecord, SettlementResponse } from "./settlement.js";

/** A Beijing wall-clock time as the platform writes it, "yyyy-MM-dd HH:mm:ss". */
const BeijingTime = z
  .string()
  .meta({ description: "北京时间 yyyy-MM-dd HH:mm:ss", example: "2024-03-01 10:30:00" });

const PsnNo = z
  .string()
  .min(1)
  .max(40)
  .regex(new RegExp(NO_NUL))
  .meta({ description: "人员编号（医保）", example: "P53262100001234" });

/** A refused item of a batch (a record of the feed, an id of an online claim): the error body's inner part. */
export const ItemProblem = z.object({
  code: z.string().meta({ description: "错误代码", example: "invalid_amount" }),
  message: z.string().meta({ description: "中文说明", example: "hifp_pay: 金额最多两位小数" }),
  field: z.string().nullable().meta({ description: "出错的字段", example: "hifp_pay" }),
});

// ---------------------------------------------------------------------------------------------------------
// The bureau's feed (医保局共享结算记录).

/** The feed's envelope as ajv checks it: 1–max records, each checked by parseSettlement. */
export const feedBody = (maxRecords: number) =>
  z.object({ records: z.array(z.unknown()).min(1).max(maxRecords) }).strict();

/** The feed as documented: the same envelope, each record a national settlement record. */
export const feedBodyDoc = (maxRecords: number) =>
  z
    .object({
      records: z
        .array(SettlementRecord)
        .min(1)
        .max(maxRecords)
        .meta({ description: "结算记录（逐条校验，无效记录按序号与字段报告且不保存）" }),
    })
    .strict();

export const FeedOutcome = z.object({
  stored: z.number().int().meta({ description: "新保存的记录数", example: 2 }),
  same: z.number().int().meta({ description: "已保存过且内容相同的记录数", example: 0 }),
  rejected: z.number().int().meta({ description: "被拒绝的记录数", example: 1 }),
  results: z
    .array(
      z.object({
        index: z.number().int().meta({ description: "记录在请求中的序号（从 0 起）", example: 0 }),
        setl_id: z.string().nullable(),
        status: z.enum(["stored", "same", "error"]),
        error: ItemProblem.optional(),
      }),
    )
    .meta({ description: "逐条结果，与请求顺序一致" }),
});
export type FeedOutcome = z.infer<typeof FeedOutcome>;

// ---------------------------------------------------------------------------------------------------------
// Consent (授权) and online claims (线上理赔).

export const consentBody = (scopes: readonly [string, ...string[]], maxDays: number) =>
  z
    .object({
      scope: z
        .enum(scopes)
        .meta({ description: "授权范围：settlement_records 本人结算记录", example: scopes[0] }),
      from: Day.meta({ description: "授权的结算记录起始日（北京时间，含当日）", example: "2024-01-01" }),
      to: Day.meta({ description: "授权的结算记录截止日（北京时间，含当日）", example: "2024-03-31" }),
      days_valid: z
        .number()
        .int()
        .min(1)
        .max(maxDays)
        .meta({ description: `授权有效天数（1–${maxDays}）`, example: 30 }),
    })
    .strict();

export const ConsentView = z.object({
  consent_id: z.string().meta({ description: "授权编号" }),
  psn_no: z.string(),
  scope: z.string().meta({ description: "授权范围", example: "settlement_records" }),
  from: Day,
  to: Day,
  granted_at: Instant,
  expires_at: Instant,
  revoked_at: Instant.nullable(),
  state: z
    .enum(["active", "expired", "revoked"])
    .meta({ description: "active 有效、expired 已过期、revoked 已撤回" }),
});
export type ConsentView = z.infer<typeof ConsentView>;

export const ConsentList = z.object({ psn_no: z.string(), consents: z.array(ConsentView) });
export type ConsentList = z.infer<typeof ConsentList>;

export const ConsentParams = ProgramParams.extend({
  consent_id: z.string().min(1).max(64).regex(new RegExp(NO_NUL)).meta({ description: "授权编号" }),
});

/** `?psn_no=`: staff name the person; a resident may leave it out (or name themself). */
export const PsnQuery = z.object({ psn_no: PsnNo.optional() }).strict();

export const ClaimableRecord = z.object({
  setl_id: z.string(),
  fixmedins_code: z.string().meta({ description: "定点医疗机构编号" }),
  fixmedins_name: z.string().nullable().meta({ description: "定点医疗机构名称（未登记的机构为 null）" }),
  med_type: z.string().meta({ description: "医疗类别", example: "21" }),
  settled_at: BeijingTime,
  psn_part_amt: Yuan.meta({ description: "个人负担（元）", example: "4800.00" }),
});
export type ClaimableRecord = z.infer<typeof ClaimableRecord>;

export const ClaimableList = z.object({ psn_no: z.string(), records: z.array(ClaimableRecord) });
export type ClaimableList = z.infer<typeof ClaimableList>;

export const onlineClaimBody = (maxIds: number) =>
  z
    .object({
      setl_ids: z
        .array(SetlId)
        .min(1)
        .max(maxIds)
        .meta({
          description: `要申请理赔的本人结算记录（1–${maxIds} 个 setl_id）`,
          example: ["S2024030100012345"],
        }),
    })
    .strict();

export const OnlineClaimResult = z.object({
  setl_id: z.string(),
  replay: z.boolean().optional().meta({ description: "true：此前已线上理算，返回原结果" }),
  claim: SettlementResponse.optional().meta({ description: "理算结果（成功时）" }),
  error: ItemProblem.optional().meta({ description: "失败原因（并发撤回授权等，其他记录不受影响）" }),
});
export const OnlineClaimResults = z.object({ results: z.array(OnlineClaimResult) });
export type OnlineClaimResults = z.infer<typeof OnlineClaimResults>;

export const ClaimTrail = z.object({ psn_no: z.string(), claims: z.array(ClaimView) });
export type ClaimTrail = z.infer<typeof ClaimTrail>;

// ---------------------------------------------------------------------------------------------------------
// Counter claims (柜面理赔).

/** Case ids, assignees: what the service writes (letters, digits and `_.@-`). */
export const CaseRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/);

/** Free text may be empty, but never holds NUL (see common.ts NO_NUL). */
const NO_NUL_TEXT = new RegExp(NO_NUL.replace("+", "*"));

const note = (max: number, description: string) =>
  z.string().max(max).regex(NO_NUL_TEXT).meta({ description });

export const CaseParams = ProgramParams.extend({ case_id: CaseRef.meta({ description: "案件编号" }) });
export type CaseParams = z.infer<typeof CaseParams>;
export const documentParams = (kinds: readonly [string, ...string[]]) =>
  CaseParams.extend({
    doc_kind: z.enum(kinds).meta({
      description:
        "单据类型：invoice 发票、settlement_sheet 结算单、other 其他、appeal 申诉材料、guardianship 监护关系证明（户口簿或出生医学证明）",
      example: "invoice",
    }),
  });

/** The envelope as ajv checks it; the record itself is checked by parseSettlement. */
export const CounterSubmitBody = z
  .object({
    psn_no: PsnNo,
    record: z.record(z.string(), z.unknown()),
    note: note(500, "备注（不超过 500 字）").optional(),
    guardian: z
      .object({
        certno: z.string().min(1).max(32).meta({
          description: "未成年人（就诊人）的身份证号，与参保名单核对",
          example: "532621201906010012",
        }),
        relation: z
          .enum(GUARDIAN_RELATIONS)
          .meta({ description: "申请人与未成年人的关系：parent 父母、guardian 其他监护人" }),
      })
      .strict()
      .optional()
      .meta({
        description:
          "为未成年子女（单位或慈善投保，非本人缴费）申请时填写：申请人自述为监护人，须上传 guardianship 监护关系证明（户口簿或出生医学证明），审核批准时核验",
      }),
  })
  .strict();
/** The same, documented: the record is a national settlement record. */
export const CounterSubmitBodyDoc = CounterSubmitBody.extend({
  record: SettlementRecord.meta({ description: "纸质结算单录入的结算记录（DESIGN.md §3 字段）" }),
});
export type CounterSubmitBody = z.infer<typeof CounterSubmitBodyDoc>;

export const counterQueueQuery = (statuses: readonly [string, ...string[]]) =>
  z
    .object({
      status: z.enum(statuses).optional().meta({ description: "案件状态" }),
      assignee: CaseRef.optional().meta({ description: "审核人用户名" }),
      psn_no: PsnNo.optional(),
      limit: z
        .string()
        .regex(/^[1-9][0-9]{0,2}$/)
        .optional()
        .meta({ description: "最多返回件数（默认 50）", example: "50" }),
      from: Day.optional().meta({ description: "提交日起（北京时间，含）" }),
      to: Day.optional().meta({ description: "提交日止（北京时间，含）" }),
      ...PageQueryShape,
    })
    .strict();

export const CounterSettingsView = z.object({
  program_id: z.string(),
  four_eyes_threshold: Yuan.meta({
    description: "四眼复核限额（元）：赔付超过即须第二名经办人员批准",
    example: "50000.00",
  }),
  appeal_window_days: z.number().int().meta({ description: "申诉期限（天）", example: 60 }),
  updated_by: z.string().nullable(),
  updated_at: Instant.nullable(),
});
export type CounterSettingsView = z.infer<typeof CounterSettingsView>;

export const CounterSettingsBody = z
  .object({
    four_eyes_threshold: z
      .string()
      .min(1)
      .max(20)
      .optional()
      .meta({ description: "四眼复核限额（元，字符串，最多 2 位小数）", example: "50000.00" }),
    appeal_window_days: z
      .number()
      .int()
      .min(1)
      .max(366)
      .optional()
      .meta({ description: "申诉期限（1–366 天）", example: 60 }),
  })
  .strict();
export type CounterSettingsBody = z.infer<typeof CounterSettingsBody>;

export const DocumentMeta = z.object({
  doc_kind: z.string().meta({ description: "单据类型", example: "invoice" }),
  content_type: z.string().meta({ description: "文件类型", example: "application/pdf" }),
  size: z.number().int().meta({ description: "字节数", example: 182044 }),
  sha256: z.string().meta({ description: "SHA-256（十六进制）" }),
  uploaded_at: Instant,
});

export const StoredDocument = DocumentMeta.extend({
  case_id: z.string(),
  outcome: z
    .enum(["stored", "same", "replaced"])
    .meta({ description: "stored 新上传、same 相同文件（幂等）、replaced 替换了同类单据" }),
});
export type StoredDocument = z.infer<typeof StoredDocument>;

const CaseClaim = z.object({
  setl_id: z.string(),
  status: z.string().meta({ description: "理算结果：paid、zero、not_covered" }),
  hmb_pay: Yuan,
  state: z.enum(["settled", "revoked"]),
});

const ClaimEvent = z.object({ event: z.string(), at: Instant, data: z.unknown() });

export const CounterCaseView = z.object({
  case_id: z.string(),
  setl_id: z.string(),
  psn_no: z.string(),
  status: z.string().meta({
    description:
      "案件状态：submitted 已提交、in_review 审核中、pending_second_approval 待复核、resettling 重新结算中、approved 已批准、adjusted 已调整、rejected 已拒付、appealed 申诉中",
    example: "submitted",
  }),
  note: z.string().nullable(),
  record: z.record(z.string(), z.unknown()).meta({ description: "提交的结算记录（国家字段，原样）" }),
  adjusted_record: z.record(z.string(), z.unknown()).nullable().meta({ description: "调整后的结算记录" }),
  documents: z.array(DocumentMeta),
  decision: z
    .object({
      decision: z.enum(["approve", "adjust", "reject"]),
      reason: z.string().nullable(),
      decided_at: Instant.nullable(),
    })
    .nullable(),
  pending: z
    .object({
      decision: z.enum(["approve", "adjust"]),
      hmb_pay: Yuan.nullable(),
      since: Instant.nullable(),
    })
    .nullable()
    .meta({ description: "待第二名经办人员复核的决定及试算赔付" }),
  payout: CaseClaim.nullable().meta({ description: "当前赔付本案的理赔（批准前为 null）" }),
  claims: z.array(CaseClaim).meta({ description: "本案产生的全部理赔（申诉改判会撤销第一笔）" }),
  appeal: z
    .object({
      reason: z.string(),
      appealed_at: Instant.nullable(),
      from: z.enum(["rejected", "adjusted"]).nullable(),
      outcome: z.enum(["granted", "dismissed"]).nullable(),
      decision_reason: z.string().nullable(),
      decided_at: Instant.nullable(),
    })
    .nullable(),
  appeal_until: Instant.nullable().meta({ description: "申诉截止时间（仍可申诉时）" }),
  created_at: Instant,
  updated_at: Instant,
  events: z.array(ClaimEvent).meta({ description: "状态轨迹" }),
  guardian: z
    .object({
      relation: z.enum(GUARDIAN_RELATIONS).meta({ description: "parent 父母、guardian 其他监护人" }),
      verified: z.boolean().meta({ description: "false：待核验监护关系证明；true：审核人员已核验" }),
      verified_at: Instant.nullable(),
    })
    .nullable()
    .meta({
      description: "申请人自述为未成年就诊人的监护人时的申请资格（非本人缴费的单位或慈善投保）；否则 null",
    }),
  review: z
    .object({
      assignee: z.string().nullable(),
      submitted_by: z.string(),
      decided_by: z.string().nullable(),
      second_approver: z.string().nullable(),
      pending_by: z.string().nullable(),
      appeal_decided_by: z.string().nullable(),
      appeal_excluded: z.array(z.string()),
    })
    .optional()
    .meta({ description: "经办人员可见：谁做了什么" }),
});
export type CounterCaseView = z.infer<typeof CounterCaseView>;

/** A submission's answer: the case and what the engine would pay today (nothing committed before approval). */
export const CounterSubmitted = CounterCaseView.extend({
  preview: z
    .object({
      status: z.string(),
      reason: z.string().optional(),
      hmb_pay: Yuan,
      psn_part_amt: Yuan,
    })
    .meta({ description: "试算赔付（审核批准前不入账）" }),
});
export type CounterSubmitted = z.infer<typeof CounterSubmitted>;

export const QueueItem = z.object({
  case_id: z.string(),
  setl_id: z.string(),
  psn_no: z.string(),
  status: z.string(),
  psn_part_amt: Yuan,
  created_at: Instant,
  updated_at: Instant,
  assignee: z.string().nullable().optional().meta({ description: "审核人（经办人员可见）" }),
  fixmedins_code: z.string().nullable().optional().meta({ description: "结算记录的定点机构编码" }),
  institution_name: z.string().nullable().optional().meta({ description: "定点机构名称（已登记的）" }),
});
export const CounterQueue = z.object({ cases: z.array(QueueItem), ...PageFields });
export type CounterQueue = z.infer<typeof CounterQueue>;

export const AssignBody = z
  .object({ assignee: CaseRef.optional().meta({ description: "审核人用户名；缺省分配给自己" }) })
  .strict()
  .nullable();

export const DecisionBody = z
  .object({
    decision: z.enum(["approve", "adjust", "reject"]).meta({
      description: "approve 批准、adjust 调整（须填 record 与 reason）、reject 拒付（须填 reason）",
    }),
    reason: note(500, "理由").optional(),
    record: z.record(z.string(), z.unknown()).optional(),
    guardianship_checked: z.boolean().optional().meta({
      description:
        "监护人自述申请的案件：批准或调整前须为 true，表示审核人员已核验监护关系证明（户口簿或出生医学证明）",
    }),
  })
  .strict();
export const DecisionBodyDoc = DecisionBody.extend({
  record: SettlementRecord.partial()
    .optional()
    .meta({ description: "adjust 时更正的结算记录字段（其余沿用原记录），由 parseSettlement 校验" }),
});

export const AppealBody = z.object({ reason: note(500, "申诉理由") }).strict();

// ---------------------------------------------------------------------------------------------------------
// Payout batches (赔款划付) and reconciliation (对账).

export const PayoutBatchBody = z
  .object({
    payee: z
      .enum(["resident", "hospital"])
      .meta({ description: "收款方：resident 参保人、hospital 定点机构", example: "hospital" }),
    through: Day.meta({ description: "截至日（北京时间，含当日），不晚于今天", example: "2024-03-31" }),
  })
  .meta({ description: "由服务校验（中文错误并指明字段）" });

export const BatchParams = ProgramParams.extend({
  batch_id: z.string().min(1).max(64).meta({ description: "划付批次号" }),
});

const PayoutBatchSummaryShape = {
  batch_id: z.string(),
  program_id: z.string(),
  payee: z.enum(["resident", "hospital"]),
  through: Day,
  total: Yuan.meta({ description: "本批划付合计（元）" }),
  payees: z.number().int().meta({ description: "收款方数" }),
  claims: z.number().int().meta({ description: "理赔笔数" }),
  created_by: z.string(),
  created_at: Instant,
};
export const PayoutBatchSummary = z.object(PayoutBatchSummaryShape);
export const PayoutBatchList = z.object({ batches: z.array(PayoutBatchSummary), ...PageFields });
export const PayoutBatchListQuery = z
  .object({
    payee: z.enum(["resident", "hospital"]).optional().meta({ description: "收款方" }),
    from: Day.optional().meta({ description: "生成日起（北京时间，含）" }),
    to: Day.optional().meta({ description: "生成日止（北京时间，含）" }),
    ...PageQueryShape,
  })
  .strict();
export const PayoutBatchExportQuery = PayoutBatchListQuery.omit({ page: true, page_size: true });
export type PayoutBatchList = z.infer<typeof PayoutBatchList>;

export const PayoutBatchView = z.object({
  ...PayoutBatchSummaryShape,
  journal_id: z.string().meta({ description: "总账分录号" }),
  items: z.array(
    z.object({
      fixmedins_code: z.string().optional().meta({ description: "收款机构（hospital 批次）" }),
      psn_no: z.string().optional().meta({ description: "收款参保人（resident 批次）" }),
      amount: Yuan.meta({ description: "划付净额 = paid_out − recovered" }),
      paid_out: Yuan,
      recovered: Yuan.meta({ description: "扣回的撤销应退款" }),
      claims: z.array(
        z.object({ setl_id: z.string(), direction: z.enum(["payout", "recovery"]), amount: Yuan }),
      ),
    }),
  ),
});
export type PayoutBatchView = z.infer<typeof PayoutBatchView>;

export const CreatedPayoutBatch = PayoutBatchView.extend({
  held: z
    .array(z.object({ payee_ref: z.string(), owed: Yuan, claims: z.number().int() }))
    .meta({ description: "应退款不少于应付款而暂不划付的收款方" }),
});
export type CreatedPayoutBatch = z.infer<typeof CreatedPayoutBatch>;

export const ReconciliationQuery = z
  .object({
    date: Day.meta({ description: "对账日（北京时间）", example: "2024-03-01" }),
    institution: z.string().min(1).max(32).optional().meta({ description: "机构编号（经办人员可指定）" }),
    format: z
      .enum(["csv", "json", "xlsx"])
      .default("json")
      .meta({ description: "文件格式：json（默认）、csv 或 xlsx（Excel，机构名称与中文表头）" }),
  })
  .strict();
export type ReconciliationQuery = z.infer<typeof ReconciliationQuery>;

export const Reconciliation = z.object({
  program_id: ProgramId,
  date: Day,
  timezone: z.literal("Asia/Shanghai"),
  from: Instant,
  to: Instant,
  institution: z.string().nullable(),
  institutions: z.array(
    z.object({
      fixmedins_code: z.string(),
      settlements: z.number().int().meta({ description: "结算笔数" }),
      paid: z.number().int().meta({ description: "有赔付的笔数" }),
      hmb_pay: Yuan.meta({ description: "赔付合计" }),
      revoked: z.number().int().meta({ description: "撤销笔数" }),
      revoked_amount: Yuan,
      net_payable: Yuan.meta({ description: "应付净额" }),
      disbursed: Yuan.meta({ description: "已划付" }),
      recovered: Yuan.meta({ description: "已扣回" }),
      ledger: z.object({ payouts: Yuan, reversals: Yuan, net: Yuan }).meta({ description: "总账同口径金额" }),
      matches: z.boolean().meta({ description: "与总账逐笔一致" }),
      mismatches: z.array(z.string()).meta({ description: "不一致的 setl_id" }),
    }),
  ),
  matches: z.boolean(),
  unknown_ledger_refs: z.array(z.string()).meta({ description: "总账中找不到结算的分录" }),
});
export type Reconciliation = z.infer<typeof Reconciliation>;
