/**
 * The settlement contract (一站式结算, 特药) on the wire: the national settlement record hospitals and
 * pharmacies send (setlinfo + feedetail, DESIGN.md §3 and §10) with every field's Chinese meaning and an
 * example, and the adjudication they get back.
 *
 * The record is validated by `domain/settlement.ts parseSettlement` (precise Chinese errors naming the field,
 * the amount identities), not by ajv: these schemas document it (`parsedBody`). The field lists are the
 * domain's (`SETTLEMENT_FIELDS`, `FEE_DETAIL_FIELDS`): the `satisfies` below fails to compile when a field is
 * added there and not described here.
 *
 * `WireLine` and `WireResult` are engine/wire.ts's output types (`hmb adjudicate`, the settlement answer):
 * wire.ts imports them type-only from here, so there is one definition and the engine loads no zod.
 */
import { z } from "zod";
import {
  type FEE_DETAIL_FIELDS,
  MED_TYPES,
  type SETTLEMENT_AMOUNT_FIELDS,
  type SETTLEMENT_FIELDS,
} from "../domain/settlement.js";
import { Instant, NO_NUL, ProgramParams, Yuan } from "./common.js";

type SettlementField = (typeof SETTLEMENT_FIELDS)[number];
type AmountField = (typeof SETTLEMENT_AMOUNT_FIELDS)[number];
type FeeDetailField = (typeof FEE_DETAIL_FIELDS)[number];

/** A national amount: yuan, at most 2 decimals, never negative; a string as the platform writes it (a number is accepted). */
const amount = (description: string, example: string) =>
  z
    .union([z.string(), z.number()])
    .meta({ description: `${description}（元，最多两位小数，不可为负；字符串或数字）`, example });

const text = (description: string, example: string, max = 64) =>
  z.string().max(max).meta({ description, example });

/** What each setlinfo amount means, and a consistent example record (the sums below hold). */
const AMOUNTS = {
  medfee_sumamt: amount("医疗费总额", "12000.00"),
  fulamt_ownpay_amt: amount("全自费金额：医保目录外项目", "1500.00"),
  overlmt_selfpay: amount("超限价自费金额：超过目录限价的部分", "300.00"),
  preselfpay_amt: amount("先行自付金额：乙类项目个人先行负担部分", "400.00"),
  inscp_scp_amt: amount("符合政策范围金额", "10200.00"),
  act_pay_dedc: amount("实际支付起付线：本次实际支付的基本医保起付标准", "800.00"),
  hifp_pay: amount("基本医疗保险统筹基金支出", "6000.00"),
  hifmi_pay: amount("居民大病保险资金支出", "1200.00"),
  hifob_pay: amount("职工大额医疗费用补助基金支出", "0.00"),
  cvlserv_pay: amount("公务员医疗补助资金支出", "0.00"),
  hifes_pay: amount("企业补充医疗保险基金支出", "0.00"),
  maf_pay: amount("医疗救助基金支出", "0.00"),
  oth_pay: amount("其他支出", "0.00"),
  fund_pay_sumamt: amount("基金支付总额：以上各项基金支出之和", "7200.00"),
  psn_part_amt: amount("个人负担总金额 = medfee_sumamt − fund_pay_sumamt", "4800.00"),
  acct_pay: amount("个人账户支出", "800.00"),
  psn_cash_pay: amount("个人现金支出（acct_pay + psn_cash_pay = psn_part_amt）", "4000.00"),
} satisfies Record<AmountField, z.ZodType>;

/** One 费用明细 item (DESIGN.md §10): a catalog or fee-category liability pays on it. */
export const FeeDetailItem = z
  .object({
    med_list_codg: text("医保目录编码（医疗目录编码）", "XL01XC18B001010101445"),
    med_chrgitm_type: text(
      "收费项目类别：01 床位费、02 诊察费、03 检查费、04 化验费、05 治疗费、06 手术费、07 护理费、08 卫生材料费、09 西药费、10 中药饮片费、11 中成药费、12 一般诊疗费、13 挂号费、14 其他费",
      "09",
      2,
    ).optional(),
    chrgitm_lv: text("收费项目等级：01 甲类、02 乙类、03 自费", "02", 2).optional(),
    det_item_fee_sumamt: amount("明细项目费用总额", "3000.00"),
    fulamt_ownpay_amt: amount("本项全自费金额", "0.00").optional(),
    overlmt_selfpay: amount("本项超限价自费金额", "0.00").optional(),
    preselfpay_amt: amount("本项先行自付金额", "300.00").optional(),
  } satisfies Record<FeeDetailField, z.ZodType>)
  .meta({ description: "费用明细（feedetail）的一项" });
export type FeeDetailItem = z.infer<typeof FeeDetailItem>;

const MED_TYPE_LIST = Object.entries(MED_TYPES)
  .map(([code, name]) => `${code} ${name}`)
  .join("、");

const RECORD_FIELDS = {
  setl_id: text(
    "结算 ID：全国唯一，幂等键（同一 setl_id 同内容返回原结果，不同内容 409）",
    "S2024030100012345",
  ),
  psn_no: text("人员编号（医保）", "P53262100001234"),
  certno: text("身份证号码（GB 11643，校验位须正确，须与参保名单一致）", "532621198001011235", 18),
  psn_name: text("姓名", "张三", 128).optional(),
  insutype: z
    .enum(["310", "390"])
    .meta({ description: "险种类型：310 职工基本医疗保险、390 城乡居民基本医疗保险", example: "390" }),
  med_type: z
    .enum(Object.keys(MED_TYPES) as [keyof typeof MED_TYPES, ...(keyof typeof MED_TYPES)[]])
    .meta({ description: `医疗类别：${MED_TYPE_LIST}`, example: "21" }),
  begntime: text(
    "开始（入院）时间，北京时间 yyyy-MM-dd HH:mm:ss；缺省按结算时间",
    "2024-02-20 09:30:00",
  ).optional(),
  endtime: text("结束（出院）时间，北京时间 yyyy-MM-dd HH:mm:ss", "2024-02-29 10:00:00").optional(),
  setl_time: text("结算时间，北京时间 yyyy-MM-dd HH:mm:ss；不得晚于当前时间", "2024-03-01 10:30:00"),
  fixmedins_code: text("定点医药机构编号（须为签名机构本身）", "H53260100001"),
  fixmedins_name: text("定点医药机构名称", "文山州人民医院", 128).optional(),
  mdtrtarea_admvs: text("就医地医保区划（GB/T 2260，6 位数字）", "532621", 6),
  dise_codg: text("主要诊断编码（医保版 ICD-10）", "I63.900", 32).optional(),
  ...AMOUNTS,
  hifmi_pay: AMOUNTS.hifmi_pay.optional(),
  hifob_pay: AMOUNTS.hifob_pay.optional(),
  cvlserv_pay: AMOUNTS.cvlserv_pay.optional(),
  hifes_pay: AMOUNTS.hifes_pay.optional(),
  maf_pay: AMOUNTS.maf_pay.optional(),
  oth_pay: AMOUNTS.oth_pay.optional(),
  preselfpay_amt: AMOUNTS.preselfpay_amt.optional(),
  inscp_scp_amt: AMOUNTS.inscp_scp_amt.optional(),
  act_pay_dedc: AMOUNTS.act_pay_dedc.optional(),
  acct_pay: AMOUNTS.acct_pay.optional(),
  psn_cash_pay: AMOUNTS.psn_cash_pay.optional(),
  feedetail: z
    .array(FeeDetailItem)
    .max(500)
    .optional()
    .meta({
      description: "费用明细（最多 500 项）：特药、CAR-T 等按目录赔付的责任按明细理算",
      example: [{ med_list_codg: "XL01XC18B001010101445", det_item_fee_sumamt: "3000.00" }],
    }),
} satisfies Record<SettlementField, z.ZodType>;

/**
 * The settlement record (结算信息 setlinfo) as sent: national names; any other field is dropped, never
 * stored. Validated by domain/settlement.ts parseSettlement.
 */
export const SettlementRecord = z
  .object(RECORD_FIELDS)
  .meta({ description: "结算记录（国家医保信息平台 setlinfo 字段，DESIGN.md §3）；其他字段不保存" });
export type SettlementRecord = z.infer<typeof SettlementRecord>;

// ---------------------------------------------------------------------------------------------------------
// The adjudication on the wire.

export const NOT_COVERED_REASONS = {
  outside_coverage_period: "就诊不在保障期间内",
  med_type_not_covered: "该医疗类别不在保障范围",
  no_policy: "没有有效保单",
  excluded: "属于责任免除",
} as const;
const NotCoveredReason = z.enum(Object.keys(NOT_COVERED_REASONS) as [keyof typeof NOT_COVERED_REASONS]).meta({
  description: `不赔的原因（status 为 not_covered 时）：${Object.entries(NOT_COVERED_REASONS)
    .map(([k, v]) => `${k} ${v}`)
    .join("、")}`,
  example: "no_policy",
});

export const AdjudicationStatus = z
  .enum(["paid", "zero", "not_covered"])
  .meta({ description: "paid 有赔付、zero 在保障内但本次赔付为 0、not_covered 不在保障内", example: "paid" });

/** One liability's line of an adjudication. */
export const WireLine = z.object({
  liability: z.string().meta({ description: "保险责任编号", example: "inpatient_in_scope" }),
  eligible: Yuan.meta({ description: "可赔付基数（元）", example: "3000.00" }),
  deductible: Yuan.meta({ description: "本次扣除的免赔额（元）", example: "0.00" }),
  ratio: z.string().meta({ description: "赔付比例（最后一段）", example: "80%" }),
  payout: Yuan.meta({ description: "本责任赔付（元）", example: "2400.00" }),
  explanation: z
    .string()
    .meta({ description: "逐项计算说明", example: "住院医保范围内自付 3000.00 元 × 80% = 2400.00 元" }),
});
export type WireLine = z.infer<typeof WireLine>;

/** A record rejected by the domain parser (`hmb adjudicate` output). */
export const RecordError = z.object({
  code: z.string().meta({ description: "错误代码", example: "invalid_amount" }),
  field: z.string().meta({ description: "出错的字段", example: "hifp_pay" }),
  message: z.string().meta({ description: "中文说明", example: "hifp_pay: 金额最多两位小数" }),
});

/** engine/wire.ts's result: the engine's adjudication of one record, national names, yuan strings. */
export const WireResult = z.object({
  setl_id: z.string(),
  psn_no: z.string(),
  status: z.enum(["paid", "zero", "not_covered", "error"]),
  reason: NotCoveredReason.optional(),
  hmb_pay: Yuan,
  lines: z.array(WireLine),
  error: RecordError.optional(),
});
export type WireResult = z.infer<typeof WireResult>;

/** The settlement API's answer: what the counter nets off the bill. */
export const SettlementResponse = z.object({
  setl_id: z.string().meta({ description: "结算 ID", example: "S2024030100012345" }),
  policy_no: z
    .string()
    .nullable()
    .meta({ description: "适用的惠民保保单号；无保单时为 null", example: "WS2024000123" }),
  status: AdjudicationStatus,
  reason: NotCoveredReason.optional(),
  hmb_pay: Yuan.meta({ description: "惠民保赔付（元）：医院从个人负担中直接减免", example: "2400.00" }),
  psn_part_amt: Yuan.meta({ description: "结算记录的个人负担（元）", example: "4800.00" }),
  psn_remaining: Yuan.meta({ description: "惠民保赔付后个人仍需负担（元）", example: "2400.00" }),
  lines: z.array(WireLine).meta({ description: "各保险责任的计算" }),
});
export type SettlementResponse = z.infer<typeof SettlementResponse>;

export const SetlParams = ProgramParams.extend({
  setl_id: z.string().min(1).max(64).meta({ description: "结算 ID", example: "S2024030100012345" }),
});

/** 结算撤销 body: optional; naming the path's setl_id binds the signature to this settlement. */
export const RevokeBody = z
  .object({
    reason: z
      .string()
      .max(200)
      .optional()
      .meta({ description: "撤销原因（不超过 200 字）", example: "费用录入错误，更正后重新结算" }),
    setl_id: z
      .string()
      .optional()
      .meta({ description: "与路径一致的结算 ID：签名即绑定这笔结算", example: "S2024030100012345" }),
  })
  .strict()
  .nullable()
  .meta({ description: "可为空；只接受 reason、setl_id（由处理程序校验，错误为中文并指明字段）" });

export const RevokeOutcome = z.object({
  setl_id: z.string(),
  policy_no: z.string().nullable(),
  state: z.literal("revoked"),
  reversed: Yuan.meta({ description: "冲回的惠民保赔付（元）", example: "2400.00" }),
  revoked_at: Instant,
});
export type RevokeOutcome = z.infer<typeof RevokeOutcome>;

export const CLAIM_KINDS = ["one_stop", "online", "counter", "special_drug"] as const;

/** A claim's status trail entry; `data` is the event's own detail. */
export const ClaimEvent = z.object({
  event: z.string().meta({ description: "事件", example: "settled" }),
  at: Instant,
  data: z.unknown().meta({ description: "事件详情" }),
});

/** One settlement as read back (GET …/settlements/:setl_id). */
export const ClaimView = SettlementResponse.extend({
  kind: z
    .enum(CLAIM_KINDS)
    .meta({ description: "渠道：one_stop 一站式、online 线上、counter 柜面、special_drug 特药" }),
  psn_no: z.string(),
  fixmedins_code: z.string(),
  fixmedins_name: z.string().nullable().meta({ description: "定点医疗机构名称（未登记的机构为 null）" }),
  state: z.enum(["settled", "revoked"]),
  settled_at: Instant,
  revoked_at: Instant.nullable(),
  revoke_reason: z.string().nullable().meta({ description: "撤销原因" }),
  events: z.array(ClaimEvent).meta({ description: "状态轨迹" }),
});
export type ClaimView = z.infer<typeof ClaimView>;

// ---------------------------------------------------------------------------------------------------------
// Special drugs (特药).

/** The prescription behind a special-drug dispensing (validated by engine/special-drugs.ts parsePrescription). */
export const Prescription = z
  .object({
    rx_no: z
      .string()
      .min(1)
      .max(64)
      .meta({ description: "处方编号（1–64 位可见字符）", example: "RX-20240301-0001" }),
    prescriber_fixmedins_code: z
      .string()
      .meta({ description: "开方医疗机构编号（须为指定医疗机构）", example: "H53260100001" }),
    diagnosis_code: z
      .string()
      .meta({ description: "处方诊断（ICD-10），须符合药品适应症", example: "C34.900" }),
    issued_at: z.string().meta({
      description: "开方时间，北京时间 yyyy-MM-dd HH:mm:ss（须在处方时效内）",
      example: "2024-02-28 09:00:00",
    }),
    drugs: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .meta({
        description: "处方药品的医保目录编码（1–100 个，不重复）",
        example: ["XL01XC18B001010101445"],
      }),
  })
  .meta({ description: "处方" });

export const SpecialDrugClaimBody = z.object({
  record: SettlementRecord.meta({
    description: "购药结算记录（med_type 41，feedetail 列明药品；字段同一站式结算）",
  }),
  prescription: Prescription,
});
export type SpecialDrugClaimBody = z.infer<typeof SpecialDrugClaimBody>;

export const SpecialDrugResponse = SettlementResponse.extend({
  rx_no: z.string().meta({ description: "处方编号", example: "RX-20240301-0001" }),
});
export type SpecialDrugResponse = z.infer<typeof SpecialDrugResponse>;

/** NUL-free identifiers for the claim routes' paths and queries (see common.ts NO_NUL). */
export const SetlId = z.string().min(1).max(64).regex(new RegExp(NO_NUL));
