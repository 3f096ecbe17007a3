/**
 * The settlement record (结算信息 setlinfo) of the national medical insurance platform, DESIGN.md §3.
 * The wire keeps national field names; `parseSettlement` maps them once into `Settlement` (fen, epoch ms,
 * domain names) or rejects the record naming the field. Nothing downstream sees the wire shape.
 */
import { isValidCertno } from "./certno.js";
import type { Fen } from "./money.js";
import { parseYuan } from "./money.js";
import type { EpochMs } from "./time.js";
import { parseBusinessTime } from "./time.js";

/** 医疗类别 med_type codes the engine knows. */
export const MED_TYPES = {
  "11": "普通门诊",
  "14": "门诊慢特病",
  "21": "普通住院",
  "22": "外伤住院",
  "23": "转外诊治住院",
  "24": "急诊转住院",
  "41": "定点药店购药",
} as const;
export type MedType = keyof typeof MED_TYPES;
export const INPATIENT_MED_TYPES: readonly MedType[] = ["21", "22", "23", "24"];

/** 险种类型: 310 职工基本医疗保险, 390 城乡居民基本医疗保险. */
export type Insutype = "310" | "390";

export interface FundPayments {
  readonly pooled: Fen; // hifp_pay 统筹基金
  readonly criticalIllness: Fen; // hifmi_pay 居民大病保险
  readonly largeAmount: Fen; // hifob_pay 职工大额医疗补助
  readonly civilServant: Fen; // cvlserv_pay 公务员医疗补助
  readonly enterpriseSupplementary: Fen; // hifes_pay 企业补充医疗保险
  readonly medicalAssistance: Fen; // maf_pay 医疗救助
  readonly other: Fen; // oth_pay
}

/** One line of 费用明细 that a catalog liability (special drug, CAR-T, proton) can claim. */
export interface CatalogItemCharge {
  readonly code: string; // med_list_codg
  readonly amount: Fen; // the person's own burden for this item
}

export interface Settlement {
  readonly setlId: string;
  readonly psnNo: string;
  readonly certno: string;
  readonly psnName: string | undefined;
  readonly insutype: Insutype;
  readonly medType: MedType;
  /** begntime, or setl_time when absent: decides coverage. */
  readonly admittedAt: EpochMs;
  readonly dischargedAt: EpochMs | undefined;
  /** setl_time: decides adjudication order and history windows. */
  readonly settledAt: EpochMs;
  readonly institutionCode: string;
  readonly institutionName: string | undefined;
  readonly treatmentRegion: string;
  readonly diagnosisCode: string | undefined;
  readonly totalCost: Fen;
  readonly fullOwnPay: Fen;
  readonly overLimitSelfPay: Fen;
  readonly preSelfPay: Fen;
  readonly inPolicyScope: Fen;
  readonly basicDeductiblePaid: Fen;
  readonly funds: FundPayments;
  readonly fundTotal: Fen;
  /** psn_part_amt: what the person still bears after every fund. */
  readonly personBurden: Fen;
  /** 医保范围外自费 = fulamt_ownpay_amt + overlmt_selfpay. */
  readonly outOfScope: Fen;
  /** 医保范围内自付 = psn_part_amt − out_of_scope. */
  readonly inScopeSelfPay: Fen;
  readonly accountPay: Fen;
  readonly cashPay: Fen;
  readonly catalogItems: readonly CatalogItemCharge[];
}

export type RecordErrorCode =
  | "invalid_json"
  | "missing_field"
  | "invalid_amount"
  | "invalid_value"
  | "invalid_time"
  | "invalid_certno"
  | "inconsistent_amounts"
  | "duplicate_setl_id";

export interface RecordError {
  readonly code: RecordErrorCode;
  readonly field: string;
  readonly message: string;
}

export type SettlementParse = { ok: true; settlement: Settlement } | { ok: false; error: RecordError };

class Rejection {
  constructor(readonly error: RecordError) {}
}

function reject(code: RecordErrorCode, field: string, message: string): never {
  throw new Rejection({ code, field, message });
}

type Raw = Record<string, unknown>;

function requiredText(raw: Raw, field: string, maxLength = 64, name = field): string {
  const value = raw[field];
  if (value === undefined || value === null || value === "")
    reject("missing_field", name, `缺少必填字段 ${name}`);
  if (typeof value !== "string" && typeof value !== "number") {
    reject("invalid_value", name, `${name} 应为字符串`);
  }
  const text = String(value);
  if (text.length > maxLength) reject("invalid_value", name, `${name} 超过 ${maxLength} 个字符`);
  return text;
}

function optionalText(raw: Raw, field: string, maxLength = 128): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" && typeof value !== "number")
    reject("invalid_value", field, `${field} 应为字符串`);
  const text = String(value);
  if (text.length > maxLength) reject("invalid_value", field, `${field} 超过 ${maxLength} 个字符`);
  return text;
}

function amount(raw: Raw, field: string, required: boolean, name = field): Fen {
  const value = raw[field];
  if (value === undefined || value === null || value === "") {
    if (required) reject("missing_field", name, `缺少必填金额字段 ${name}`);
    return 0;
  }
  const parsed = parseYuan(value);
  if (!parsed.ok) reject("invalid_amount", name, `${name}: ${parsed.problem}`);
  return parsed.fen;
}

function time(raw: Raw, field: string, required: boolean): EpochMs | undefined {
  const text = required ? requiredText(raw, field) : optionalText(raw, field);
  if (text === undefined) return undefined;
  const ms = parseBusinessTime(text);
  if (ms === undefined)
    reject("invalid_time", field, `${field} 不是有效时间 (yyyy-MM-dd HH:mm:ss): ${text.slice(0, 40)}`);
  return ms;
}

function catalogItems(raw: Raw): CatalogItemCharge[] {
  const value = raw.feedetail;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) reject("invalid_value", "feedetail", "feedetail 应为数组");
  if (value.length > 500) reject("invalid_value", "feedetail", "feedetail 最多 500 项");
  return value.map((item: unknown, i: number) => {
    const field = `feedetail[${i}]`;
    if (typeof item !== "object" || item === null) reject("invalid_value", field, `${field} 应为对象`);
    const entry = item as Raw;
    const code = requiredText(entry, "med_list_codg", 64, `${field}.med_list_codg`);
    return { code, amount: amount(entry, "det_item_fee_sumamt", true, `${field}.det_item_fee_sumamt`) };
  });
}

function parseRecord(raw: Raw): Settlement {
  const setlId = requiredText(raw, "setl_id");
  const psnNo = requiredText(raw, "psn_no");
  const certno = requiredText(raw, "certno");
  if (!isValidCertno(certno)) reject("invalid_certno", "certno", "身份证号码校验位错误或格式不符 (GB 11643)");
  const insutype = requiredText(raw, "insutype");
  if (insutype !== "310" && insutype !== "390") {
    reject("invalid_value", "insutype", "insutype 应为 310（职工）或 390（居民）");
  }
  const medType = requiredText(raw, "med_type");
  if (!(medType in MED_TYPES)) reject("invalid_value", "med_type", `未知的医疗类别 med_type: ${medType}`);
  const settledAt = time(raw, "setl_time", true) as EpochMs;
  const begun = time(raw, "begntime", false);
  const ended = time(raw, "endtime", false);
  const treatmentRegion = requiredText(raw, "mdtrtarea_admvs");
  if (!/^\d{6}$/.test(treatmentRegion))
    reject("invalid_value", "mdtrtarea_admvs", "就医地行政区划应为 6 位数字");
  const diagnosisCode = optionalText(raw, "dise_codg", 32);
  const totalCost = amount(raw, "medfee_sumamt", true);
  const fullOwnPay = amount(raw, "fulamt_ownpay_amt", true);
  const overLimitSelfPay = amount(raw, "overlmt_selfpay", true);
  const funds: FundPayments = {
    pooled: amount(raw, "hifp_pay", true),
    criticalIllness: amount(raw, "hifmi_pay", false),
    largeAmount: amount(raw, "hifob_pay", false),
    civilServant: amount(raw, "cvlserv_pay", false),
    enterpriseSupplementary: amount(raw, "hifes_pay", false),
    medicalAssistance: amount(raw, "maf_pay", false),
    other: amount(raw, "oth_pay", false),
  };
  const fundTotal = amount(raw, "fund_pay_sumamt", true);
  const personBurden = amount(raw, "psn_part_amt", true);
  const fundSum =
    funds.pooled +
    funds.criticalIllness +
    funds.largeAmount +
    funds.civilServant +
    funds.enterpriseSupplementary +
    funds.medicalAssistance +
    funds.other;
  if (fundSum !== fundTotal) {
    reject("inconsistent_amounts", "fund_pay_sumamt", "fund_pay_sumamt 不等于各项基金支付之和");
  }
  if (fundTotal > totalCost) {
    reject("inconsistent_amounts", "fund_pay_sumamt", "基金支付合计超过医疗费总额 medfee_sumamt");
  }
  if (personBurden !== totalCost - fundTotal) {
    reject("inconsistent_amounts", "psn_part_amt", "psn_part_amt 应等于 medfee_sumamt − fund_pay_sumamt");
  }
  const outOfScope = fullOwnPay + overLimitSelfPay;
  if (outOfScope > personBurden) {
    reject(
      "inconsistent_amounts",
      "fulamt_ownpay_amt",
      "医保范围外自费 (fulamt_ownpay_amt + overlmt_selfpay) 超过个人负担 psn_part_amt",
    );
  }
  const items = catalogItems(raw);
  let itemTotal = 0;
  for (const item of items) itemTotal += item.amount;
  if (itemTotal > personBurden) {
    reject("inconsistent_amounts", "feedetail", "特定药械费用合计超过个人负担 psn_part_amt");
  }
  return {
    setlId,
    psnNo,
    certno,
    psnName: optionalText(raw, "psn_name"),
    insutype,
    medType: medType as MedType,
    admittedAt: begun ?? settledAt,
    dischargedAt: ended,
    settledAt,
    institutionCode: requiredText(raw, "fixmedins_code"),
    institutionName: optionalText(raw, "fixmedins_name"),
    treatmentRegion,
    diagnosisCode,
    totalCost,
    fullOwnPay,
    overLimitSelfPay,
    preSelfPay: amount(raw, "preselfpay_amt", false),
    inPolicyScope: amount(raw, "inscp_scp_amt", false),
    basicDeductiblePaid: amount(raw, "act_pay_dedc", false),
    funds,
    fundTotal,
    personBurden,
    outOfScope,
    inScopeSelfPay: personBurden - outOfScope,
    accountPay: amount(raw, "acct_pay", false),
    cashPay: amount(raw, "psn_cash_pay", false),
    catalogItems: items,
  };
}

/** Validates and maps one wire record. A rejected record yields an error naming the field and nothing else. */
export function parseSettlement(raw: unknown): SettlementParse {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { code: "invalid_json", field: "", message: "结算记录应为 JSON 对象" } };
  }
  try {
    return { ok: true, settlement: parseRecord(raw as Raw) };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, error: e.error };
    throw e;
  }
}

/** Parses one JSONL line; JSON syntax errors are reported like any other rejection. */
export function parseSettlementLine(line: string): SettlementParse {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: { code: "invalid_json", field: "", message: "不是有效的 JSON" } };
  }
  return parseSettlement(raw);
}
