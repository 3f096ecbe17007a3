/**
 * The settlement record (结算信息 setlinfo) of the national medical insurance platform, DESIGN.md §3.
 * The wire keeps national field names; `parseSettlement` maps them once into `Settlement` (fen, epoch ms,
 * domain names) or rejects the record naming the field. Nothing downstream sees the wire shape, except the
 * record as kept (`SettlementParse.record`): the national fields as sent, every other field dropped.
 */
import { isValidCertno } from "./certno.js";
import { COHORTS } from "./cohort.js";
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

/** 收费项目等级 chrgitm_lv: 01 甲类, 02 乙类, 03 自费. */
export const CHARGE_ITEM_LEVELS = ["01", "02", "03"] as const;
export type ChargeItemLevel = (typeof CHARGE_ITEM_LEVELS)[number];
/** chrgitm_lv 03: the whole item is 自费 (outside the catalog) unless the item says otherwise. */
export const SELF_PAY_LEVEL: ChargeItemLevel = "03";

/**
 * One feedetail item with the national fee-detail fields (DESIGN.md §10), for fee-item liabilities (schema
 * v2). `selfPayPart` is derived once at parsing: the item's 医保范围外 part (fulamt_ownpay_amt +
 * overlmt_selfpay when either is given, else the whole item when chrgitm_lv is 03, else 0).
 */
export interface FeeItem {
  readonly code: string; // med_list_codg
  readonly category: string | undefined; // med_chrgitm_type
  readonly level: ChargeItemLevel | undefined; // chrgitm_lv
  readonly amount: Fen; // det_item_fee_sumamt
  readonly fullOwnPay: Fen | undefined;
  readonly overLimitSelfPay: Fen | undefined;
  readonly preSelfPay: Fen | undefined;
  readonly selfPayPart: Fen;
}

/**
 * Facts about the insured a file record may carry for `hmb adjudicate` (no database): the national `brdy`
 * (birth date) and `gend`, and the platform's extension fields `hmb_insured_years`, `hmb_claim_free_years`,
 * `hmb_cohort`, `hmb_family_key`, `hmb_services_redeemed` (an array of health-service ids used by the time of
 * care). Live routes take these from the policy (and the redeemed vouchers) instead and never read them.
 */
export interface RecordPersonFacts {
  readonly birthDate: string | undefined; // yyyy-MM-dd
  readonly sex: "1" | "2" | undefined;
  readonly insuredYears: number | undefined;
  readonly claimFreeYears: number | undefined;
  readonly cohort: string | undefined;
  readonly familyKey: string | undefined;
  readonly servicesRedeemed: readonly string[] | undefined;
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
  /** The same feedetail items with their fee-detail fields; absent or empty = no feedetail. */
  readonly feeItems?: readonly FeeItem[];
  /** Offline files only (parseSettlementLine): see RecordPersonFacts. */
  readonly person?: RecordPersonFacts;
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

/** The wire record as the platform keeps it: the national fields below, values exactly as sent. */
export type WireRecord = Record<string, unknown>;

export type SettlementParse =
  | { ok: true; settlement: Settlement; record: WireRecord }
  | { ok: false; error: RecordError };

/** A line of a file (`hmb adjudicate`): adjudicated, never stored, so no record is kept. */
export type SettlementLineParse = { ok: true; settlement: Settlement } | { ok: false; error: RecordError };

export interface SettlementParseOptions {
  /**
   * The latest possible setl_time (live routes, see `latestPossibleSettlement`): a record settled after it
   * is impossible and refused. Files adjudicated offline (`hmb adjudicate`) have no clock and leave it out.
   */
  readonly notAfter?: EpochMs | undefined;
  /** Read the person facts (brdy, gend, hmb_*) — files adjudicated offline only. */
  readonly personFacts?: boolean;
}

/** How far a hospital's clock may run ahead of ours: the same window a request signature is fresh in. */
export const SETTLEMENT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The latest setl_time a live route accepts: now by the business clock, plus the skew a hospital's clock may
 * have. Only the business clock counts: a stay is settled when it ends, so a record dated after the platform's
 * now is impossible, also when HMB_NOW pins now (a demo or test must set its clock after the stays it settles,
 * as an operator would run a live program in its coverage year).
 */
export function latestPossibleSettlement(businessNow: EpochMs): EpochMs {
  return businessNow + SETTLEMENT_CLOCK_SKEW_MS;
}

/** The setlinfo amounts (yuan, at most 2 decimals, never negative). */
export const SETTLEMENT_AMOUNT_FIELDS = [
  "medfee_sumamt",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "preselfpay_amt",
  "inscp_scp_amt",
  "act_pay_dedc",
  "hifp_pay",
  "hifmi_pay",
  "hifob_pay",
  "cvlserv_pay",
  "hifes_pay",
  "maf_pay",
  "oth_pay",
  "fund_pay_sumamt",
  "psn_part_amt",
  "acct_pay",
  "psn_cash_pay",
] as const;

/** setlinfo fields (DESIGN.md §3) the platform reads or keeps; any other field is dropped, never stored. */
export const SETTLEMENT_FIELDS = [
  "setl_id",
  "psn_no",
  "certno",
  "psn_name",
  "insutype",
  "med_type",
  "begntime",
  "endtime",
  "setl_time",
  "fixmedins_code",
  "fixmedins_name",
  "mdtrtarea_admvs",
  "dise_codg",
  ...SETTLEMENT_AMOUNT_FIELDS,
  "feedetail",
] as const;

/** 费用明细 fields of one feedetail item (DESIGN.md §10) that are kept. */
export const FEE_DETAIL_FIELDS = [
  "med_list_codg",
  "med_chrgitm_type",
  "chrgitm_lv",
  "det_item_fee_sumamt",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "preselfpay_amt",
] as const;

/**
 * Main diagnosis as the 医保版 ICD-10 code table writes it: a letter and two digits (category, "I10"), then
 * optionally "." with one to three digits or x (subcategory and 医保 extension, "C34.9", "C34.900",
 * "I10.x00", "C56.x00"), then optionally the national 4-character extension code ("J18.900x001"), and at most
 * one dagger/asterisk mark of a combined code ("A17.000+"). Letters in either case (some feeds write
 * "c50.900"; the pre-existing rules compare case-insensitively); nothing else, not even a space.
 */
export const ICD10_CODE = /^[A-Za-z]\d{2}(?:\.[\dxX]{1,3}(?:[xX]\d{3})?)?[+*]?$/;

/**
 * Years a settlement's times may fall in. The national platform's records start long after 2000, and a
 * year such as 0000 is a placeholder a system wrote, never a date (JavaScript would read it as 1900).
 */
export const FIRST_SETTLEMENT_YEAR = 2000;
export const LAST_SETTLEMENT_YEAR = 2099;

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

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function amount(raw: Raw, field: string, required: boolean, name = field): Fen {
  const value = raw[field];
  if (value === undefined || value === null || value === "") {
    if (required) reject("missing_field", name, `缺少必填金额字段 ${name}`);
    return 0;
  }
  // parseYuan forgives surrounding blanks (typed input); a machine-written record never pads an amount. A
  // well-formed amount starts and ends with a digit, so only an odd one is looked at closer.
  if (typeof value === "string" && !(isDigitAt(value, 0) && isDigitAt(value, value.length - 1)))
    if (value.trim() !== value) reject("invalid_amount", name, `${name}: 金额前后不能有空格`);
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
  // Every accepted form starts with a 4-digit year; checked on the text, since Date maps 0000–0099 to 19xx.
  const year =
    (text.charCodeAt(0) - 48) * 1000 +
    (text.charCodeAt(1) - 48) * 100 +
    (text.charCodeAt(2) - 48) * 10 +
    (text.charCodeAt(3) - 48);
  if (year < FIRST_SETTLEMENT_YEAR || year > LAST_SETTLEMENT_YEAR)
    reject(
      "invalid_time",
      field,
      `${field} 的年份 ${text.slice(0, 4)} 不在 ${FIRST_SETTLEMENT_YEAR}–${LAST_SETTLEMENT_YEAR} 之间`,
    );
  return ms;
}

/** Admission ≤ discharge ≤ settlement ≤ now (when the caller has a clock): any other order is impossible. */
function checkTimeOrder(
  begun: EpochMs | undefined,
  ended: EpochMs | undefined,
  settledAt: EpochMs,
  notAfter: EpochMs | undefined,
): void {
  if (begun !== undefined && ended !== undefined && begun > ended)
    reject("invalid_time", "begntime", "入院时间 begntime 晚于出院时间 endtime");
  if (ended !== undefined && ended > settledAt)
    reject("invalid_time", "endtime", "出院时间 endtime 晚于结算时间 setl_time");
  if (begun !== undefined && begun > settledAt)
    reject("invalid_time", "begntime", "入院时间 begntime 晚于结算时间 setl_time");
  if (notAfter !== undefined && settledAt > notAfter)
    reject("invalid_time", "setl_time", "结算时间 setl_time 晚于当前时间，不可能已经结算");
}

/** A feedetail item with fee-detail classification: a 费用明细 line, not only a 特定药械 charge. */
function classified(item: FeeItem): boolean {
  return (
    item.category !== undefined ||
    item.level !== undefined ||
    item.fullOwnPay !== undefined ||
    item.overLimitSelfPay !== undefined ||
    item.preSelfPay !== undefined
  );
}

function optionalAmount(raw: Raw, field: string, name: string): Fen | undefined {
  return present(raw, field) ? amount(raw, field, false, name) : undefined;
}

function feeItems(raw: Raw): FeeItem[] {
  const value = raw.feedetail;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) reject("invalid_value", "feedetail", "feedetail 应为数组");
  if (value.length > 500) reject("invalid_value", "feedetail", "feedetail 最多 500 项");
  return value.map((item: unknown, i: number): FeeItem => {
    const field = `feedetail[${i}]`;
    if (typeof item !== "object" || item === null) reject("invalid_value", field, `${field} 应为对象`);
    const entry = item as Raw;
    const code = requiredText(entry, "med_list_codg", 64, `${field}.med_list_codg`);
    if (code.trim() !== code)
      reject("invalid_value", `${field}.med_list_codg`, `${field}.med_list_codg 前后不能有空格`);
    const total = amount(entry, "det_item_fee_sumamt", true, `${field}.det_item_fee_sumamt`);
    const category = optionalText(entry, "med_chrgitm_type", 8);
    if (category !== undefined && !/^\d{2}$/.test(category))
      reject(
        "invalid_value",
        `${field}.med_chrgitm_type`,
        `${field}.med_chrgitm_type 收费项目类别应为两位数字（01–14）`,
      );
    const levelText = optionalText(entry, "chrgitm_lv", 8);
    if (levelText !== undefined && !(CHARGE_ITEM_LEVELS as readonly string[]).includes(levelText))
      reject(
        "invalid_value",
        `${field}.chrgitm_lv`,
        `${field}.chrgitm_lv 收费项目等级应为 01（甲类）、02（乙类）或 03（自费）`,
      );
    const level = levelText as ChargeItemLevel | undefined;
    const fullOwnPay = optionalAmount(entry, "fulamt_ownpay_amt", `${field}.fulamt_ownpay_amt`);
    const overLimitSelfPay = optionalAmount(entry, "overlmt_selfpay", `${field}.overlmt_selfpay`);
    const preSelfPay = optionalAmount(entry, "preselfpay_amt", `${field}.preselfpay_amt`);
    const parts = (fullOwnPay ?? 0) + (overLimitSelfPay ?? 0) + (preSelfPay ?? 0);
    if (parts > total)
      reject(
        "inconsistent_amounts",
        `${field}.det_item_fee_sumamt`,
        `${field} 的全自费、超限价自费与先行自付之和超过明细金额 det_item_fee_sumamt`,
      );
    const split = fullOwnPay !== undefined || overLimitSelfPay !== undefined;
    const selfPayPart = split
      ? (fullOwnPay ?? 0) + (overLimitSelfPay ?? 0)
      : level === SELF_PAY_LEVEL
        ? total
        : 0;
    return { code, category, level, amount: total, fullOwnPay, overLimitSelfPay, preSelfPay, selfPayPart };
  });
}

/** Files only: the person facts of RecordPersonFacts, each checked and named in Chinese when wrong. */
function personFacts(raw: Raw): RecordPersonFacts | undefined {
  const birthDate = optionalText(raw, "brdy", 32);
  const sex = optionalText(raw, "gend", 8);
  const insuredYears = wholeNumber(raw, "hmb_insured_years", 1, "连续参保年数（含本年）");
  const claimFreeYears = wholeNumber(raw, "hmb_claim_free_years", 0, "连续无理赔年数");
  const cohort = optionalText(raw, "hmb_cohort", 32);
  const familyKey = optionalText(raw, "hmb_family_key", 64);
  const servicesRedeemed = serviceIds(raw, "hmb_services_redeemed");
  if (
    birthDate === undefined &&
    sex === undefined &&
    insuredYears === undefined &&
    claimFreeYears === undefined &&
    cohort === undefined &&
    familyKey === undefined &&
    servicesRedeemed === undefined
  )
    return undefined;
  if (birthDate !== undefined && !isCalendarDate(birthDate))
    reject("invalid_value", "brdy", `出生日期 brdy 应为 yyyy-MM-dd 格式的日期: ${birthDate.slice(0, 32)}`);
  if (sex !== undefined && sex !== "1" && sex !== "2")
    reject("invalid_value", "gend", "性别 gend 应为 1（男）或 2（女）");
  if (cohort !== undefined && !Object.hasOwn(COHORTS, cohort))
    reject("invalid_value", "hmb_cohort", `人群 hmb_cohort 应为以下之一：${Object.keys(COHORTS).join("、")}`);
  return {
    birthDate,
    sex: sex as "1" | "2" | undefined,
    insuredYears,
    claimFreeYears,
    cohort,
    familyKey,
    servicesRedeemed,
  };
}

const MAX_SERVICE_IDS = 50;
const SERVICE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** An array of health-service ids (lower-case identifiers, as in the service catalog); [] = none used. */
function serviceIds(raw: Raw, field: string): readonly string[] | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_SERVICE_IDS ||
    !value.every((v) => typeof v === "string" && SERVICE_ID.test(v))
  )
    reject(
      "invalid_value",
      field,
      `已使用的健康服务 ${field} 应为服务编号（小写标识）的数组，最多 ${MAX_SERVICE_IDS} 个`,
    );
  return value as string[];
}

const MAX_YEARS = 100;

function wholeNumber(raw: Raw, field: string, min: number, meaning: string): number | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > MAX_YEARS)
    reject("invalid_value", field, `${meaning} ${field} 应为 ${min}–${MAX_YEARS} 的整数`);
  return n;
}

function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && y >= 1900;
}

function parseRecord(raw: Raw, options: SettlementParseOptions): Settlement {
  const setlId = requiredText(raw, "setl_id");
  const psnNo = requiredText(raw, "psn_no");
  const certno = requiredText(raw, "certno");
  if (!isValidCertno(certno)) reject("invalid_certno", "certno", "身份证号码校验位错误或格式不符 (GB 11643)");
  const insutype = requiredText(raw, "insutype");
  if (insutype !== "310" && insutype !== "390") {
    reject("invalid_value", "insutype", "insutype 应为 310（职工）或 390（居民）");
  }
  const medType = requiredText(raw, "med_type");
  // Own keys only: `in` would also accept what every object inherits ("constructor", "__proto__").
  if (!Object.hasOwn(MED_TYPES, medType))
    reject("invalid_value", "med_type", `未知的医疗类别 med_type: ${medType}`);
  const settledAt = time(raw, "setl_time", true) as EpochMs;
  const begun = time(raw, "begntime", false);
  const ended = time(raw, "endtime", false);
  checkTimeOrder(begun, ended, settledAt, options.notAfter);
  const treatmentRegion = requiredText(raw, "mdtrtarea_admvs");
  if (!/^\d{6}$/.test(treatmentRegion))
    reject("invalid_value", "mdtrtarea_admvs", "就医地行政区划应为 6 位数字");
  const diagnosisCode = optionalText(raw, "dise_codg", 32);
  if (diagnosisCode !== undefined && !ICD10_CODE.test(diagnosisCode))
    reject(
      "invalid_value",
      "dise_codg",
      `主要诊断 dise_codg 应为 ICD-10 编码（如 I10、C34.900、J18.900x001）: ${diagnosisCode.slice(0, 32)}`,
    );
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
  const accountPay = amount(raw, "acct_pay", false);
  const cashPay = amount(raw, "psn_cash_pay", false);
  // How the person pays what they bear: when the record says it, it must add up.
  if ((present(raw, "acct_pay") || present(raw, "psn_cash_pay")) && accountPay + cashPay !== personBurden) {
    reject(
      "inconsistent_amounts",
      present(raw, "psn_cash_pay") ? "psn_cash_pay" : "acct_pay",
      "个人账户支付 acct_pay + 现金支付 psn_cash_pay 应等于个人负担 psn_part_amt",
    );
  }
  const fee = feeItems(raw);
  // A bare item (code and amount, as 特定药械 charges are sent) is the person's own burden, so bare items
  // together cannot exceed it; classified 费用明细 items also hold what the funds paid, so together they
  // cannot exceed the total cost. The engine caps what a liability takes by the record's own bases.
  let bareTotal = 0;
  let itemTotal = 0;
  for (const item of fee) {
    itemTotal += item.amount;
    if (!classified(item)) bareTotal += item.amount;
  }
  if (bareTotal > personBurden) {
    reject("inconsistent_amounts", "feedetail", "特定药械费用合计超过个人负担 psn_part_amt");
  }
  if (itemTotal > totalCost) {
    reject("inconsistent_amounts", "feedetail", "费用明细金额合计超过医疗费总额 medfee_sumamt");
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
    accountPay,
    cashPay,
    // A FeeItem is a CatalogItemCharge (code, amount): one array serves both, no copy per record.
    catalogItems: fee,
    // Always both keys (undefined when absent): one object shape for every record keeps the engine monomorphic.
    feeItems: fee,
    person: options.personFacts === true ? personFacts(raw) : undefined,
  };
}

function present(raw: Raw, field: string): boolean {
  const v = raw[field];
  return v !== undefined && v !== null && v !== "";
}

/** The national fields of a record, values as sent; unknown fields (any size, any content) are dropped. */
export function keptRecord(raw: Raw): WireRecord {
  const kept: WireRecord = {};
  for (const field of SETTLEMENT_FIELDS) {
    if (!Object.hasOwn(raw, field)) continue;
    const value = raw[field];
    kept[field] =
      field === "feedetail" && Array.isArray(value)
        ? value.map((item: unknown) => {
            if (typeof item !== "object" || item === null) return item;
            const out: WireRecord = {};
            for (const f of FEE_DETAIL_FIELDS) if (Object.hasOwn(item, f)) out[f] = (item as Raw)[f];
            return out;
          })
        : value;
  }
  return kept;
}

/**
 * Validates and maps one wire record. A rejected record yields an error naming the field and nothing else.
 * `record` is what may be stored: the national fields only.
 */
export function parseSettlement(raw: unknown, options: SettlementParseOptions = {}): SettlementParse {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { code: "invalid_json", field: "", message: "结算记录应为 JSON 对象" } };
  }
  try {
    const settlement = parseRecord(raw as Raw, options);
    return { ok: true, settlement, record: keptRecord(raw as Raw) };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, error: e.error };
    throw e;
  }
}

/**
 * Parses one JSONL line (no clock: a file's records are checked against each other, not against now); JSON
 * syntax errors are reported like any other rejection.
 */
export function parseSettlementLine(line: string): SettlementLineParse {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: { code: "invalid_json", field: "", message: "不是有效的 JSON" } };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { code: "invalid_json", field: "", message: "结算记录应为 JSON 对象" } };
  }
  try {
    return { ok: true, settlement: parseRecord(raw as Raw, { personFacts: true }) };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, error: e.error };
    throw e;
  }
}
