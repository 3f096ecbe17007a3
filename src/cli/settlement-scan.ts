/**
 * A fast path for `parseSettlementLine` (src/domain/settlement.ts) on the raw bytes of a JSONL line, for the
 * worker threads of `hmb adjudicate` / `hmb replay` (src/cli/parallel-worker.ts). It reads the common, fully
 * valid record straight from the bytes — amounts to fen without a string, only the text fields decoded, no
 * JSON.parse and no intermediate object — and answers `undefined` for anything it is not certain about, so the
 * caller decodes the line and runs `parseSettlementLine` on it: that one path words every error.
 *
 * Accepted here, and only here, is a line that is a single JSON object of string or null values without any
 * escape, whose keys are all among FIELDS below (each at most once), and that parseSettlementLine would accept:
 * every check it makes is made here, and a line failing one goes back to it. The settlement built is the one
 * parseSettlementLine builds (same fields, same order, same values); test/cli.settlement-scan.test.ts compares
 * the two over synthetic files and mutated lines. A record with feedetail, person facts (brdy, gend, hmb_*) or
 * any field this module does not list takes the general path, so a field parseRecord learns to read later
 * cannot be skipped here by mistake.
 */
import { isValidCertno } from "../domain/certno.js";
import { MAX_FEN } from "../domain/money.js";
import {
  FIRST_SETTLEMENT_YEAR,
  ICD10_CODE,
  LAST_SETTLEMENT_YEAR,
  MED_TYPES,
  type MedType,
  type Settlement,
} from "../domain/settlement.js";
import { type EpochMs, parseBusinessTime } from "../domain/time.js";

/** The fields read here, in the order of the slots below. */
const FIELDS = [
  "setl_id", // 0
  "psn_no", // 1
  "certno", // 2
  "psn_name", // 3
  "insutype", // 4
  "med_type", // 5
  "begntime", // 6
  "endtime", // 7
  "setl_time", // 8
  "fixmedins_code", // 9
  "fixmedins_name", // 10
  "mdtrtarea_admvs", // 11
  "dise_codg", // 12
  "medfee_sumamt", // 13
  "fulamt_ownpay_amt", // 14
  "overlmt_selfpay", // 15
  "preselfpay_amt", // 16
  "inscp_scp_amt", // 17
  "act_pay_dedc", // 18
  "hifp_pay", // 19
  "hifmi_pay", // 20
  "hifob_pay", // 21
  "cvlserv_pay", // 22
  "hifes_pay", // 23
  "maf_pay", // 24
  "oth_pay", // 25
  "fund_pay_sumamt", // 26
  "psn_part_amt", // 27
  "acct_pay", // 28
  "psn_cash_pay", // 29
  "feedetail", // 30: only null is taken here
] as const;
const FIELD_COUNT = FIELDS.length;
const FEEDETAIL = 30;

const TABLE_BITS = 8;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
/** Open addressing on the FNV-1a hash of a key's bytes: slot → field index + 1 (0 = empty). */
const table = new Int8Array(1 << TABLE_BITS);
const tableHash = new Int32Array(1 << TABLE_BITS);
const fieldBytes: Uint8Array[] = FIELDS.map((f) => new TextEncoder().encode(f));

function fnv(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h;
}

FIELDS.forEach((_, field) => {
  const bytes = fieldBytes[field] as Uint8Array;
  const h = fnv(bytes, 0, bytes.length);
  let slot = h & TABLE_MASK;
  while (table[slot] !== 0) slot = (slot + 1) & TABLE_MASK;
  table[slot] = field + 1;
  tableHash[slot] = h;
});

/** Per field of the line being read: value start/end (bytes, inside the quotes), and its state. */
const valueStart = new Int32Array(FIELD_COUNT);
const valueEnd = new Int32Array(FIELD_COUNT);
const ABSENT = 0;
const NULL = 1;
const ASCII = 2;
const TEXT = 3; // a string with bytes ≥ 0x80: decoded as UTF-8
const state = new Uint8Array(FIELD_COUNT);

interface Slicer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** The field whose key is buf[start, end), or -1. */
function fieldOf(buf: Uint8Array, start: number, end: number, h: number): number {
  let slot = h & TABLE_MASK;
  for (;;) {
    const f = (table[slot] as number) - 1;
    if (f < 0) return -1;
    if (tableHash[slot] === h) {
      const bytes = fieldBytes[f] as Uint8Array;
      if (bytes.length === end - start) {
        let k = 0;
        while (k < bytes.length && bytes[k] === buf[start + k]) k++;
        if (k === bytes.length) return f;
      }
    }
    slot = (slot + 1) & TABLE_MASK;
  }
}

/**
 * Reads the object's keys and values into the slots; false when the line is not of the accepted form (the
 * general path then decides, including whether it is JSON at all).
 */
function scanObject(buf: Uint8Array, start: number, end: number): boolean {
  state.fill(ABSENT);
  let p = start;
  while (p < end && isSpace(buf[p] as number)) p++;
  if (buf[p] !== 0x7b) return false; // {
  p++;
  for (;;) {
    while (p < end && isSpace(buf[p] as number)) p++;
    if (p >= end || buf[p] !== 0x22) return false;
    const keyStart = ++p;
    let h = 0x811c9dc5 | 0;
    for (;;) {
      if (p >= end) return false;
      const c = buf[p] as number;
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20) return false;
      h = Math.imul(h ^ c, 0x01000193);
      p++;
    }
    const field = fieldOf(buf, keyStart, p, h);
    if (field < 0 || state[field] !== ABSENT) return false; // another field, or a key twice
    p++;
    while (p < end && isSpace(buf[p] as number)) p++;
    if (buf[p] !== 0x3a) return false; // :
    p++;
    while (p < end && isSpace(buf[p] as number)) p++;
    const c0 = buf[p];
    if (c0 === 0x22) {
      const from = ++p;
      let kind = ASCII;
      for (;;) {
        if (p >= end) return false;
        const c = buf[p] as number;
        if (c === 0x22) break;
        if (c === 0x5c || c < 0x20) return false;
        if (c >= 0x80) kind = TEXT;
        p++;
      }
      if (field === FEEDETAIL) return false;
      state[field] = kind;
      valueStart[field] = from;
      valueEnd[field] = p;
      p++;
    } else if (c0 === 0x6e && buf[p + 1] === 0x75 && buf[p + 2] === 0x6c && buf[p + 3] === 0x6c) {
      state[field] = NULL; // null
      p += 4;
    } else return false;
    while (p < end && isSpace(buf[p] as number)) p++;
    const sep = buf[p];
    p++;
    if (sep === 0x2c) continue; // ,
    if (sep !== 0x7d) return false; // }
    while (p < end && isSpace(buf[p] as number)) p++;
    return p === end;
  }
}

/** A non-empty string value (null and "" are absent). */
function has(field: number): boolean {
  const s = state[field] as number;
  return s >= ASCII && (valueEnd[field] as number) > (valueStart[field] as number);
}

/** The decoded text of a non-empty string field, or undefined when absent; null (the caller bails) when longer than max. */
function text(buf: Slicer, field: number, max: number): string | undefined | null {
  if (!has(field)) return undefined;
  const from = valueStart[field] as number;
  const to = valueEnd[field] as number;
  if (state[field] === ASCII) return to - from > max ? null : buf.latin1Slice(from, to);
  const t = buf.utf8Slice(from, to);
  return t.length > max ? null : t;
}

const INTERN_SLOTS = 1 << 12;
const internBytes: (Uint8Array | undefined)[] = new Array(INTERN_SLOTS).fill(undefined);
const internText: string[] = new Array(INTERN_SLOTS).fill("");

/**
 * `text` for fields of few distinct values (codes, regions, diagnoses, institution names): the same string
 * for the same bytes, from a small direct-mapped cache, so the settlements a batch holds share them instead of
 * each keeping its own copy (less memory to carry through the young generation).
 */
function shared(buf: Uint8Array & Slicer, field: number, max: number): string | undefined | null {
  if (!has(field)) return undefined;
  const from = valueStart[field] as number;
  const to = valueEnd[field] as number;
  const slot = fnv(buf, from, to) & (INTERN_SLOTS - 1);
  const bytes = internBytes[slot];
  let hit = bytes !== undefined && bytes.length === to - from;
  for (let k = 0; hit && k < to - from; k++) hit = (bytes as Uint8Array)[k] === buf[from + k];
  if (hit) {
    const t = internText[slot] as string;
    return t.length > max ? null : t;
  }
  const t = text(buf, field, max);
  if (typeof t === "string") {
    // A copy: the line's buffer may be a pooled read buffer, reused for later lines.
    const copy = new Uint8Array(to - from);
    copy.set(buf.subarray(from, to));
    internBytes[slot] = copy;
    internText[slot] = t;
  }
  return t;
}

/** Fen of an amount field exactly as parseYuan's fast scan reads "digits[.d[d]]"; 0 when absent; -1: bail. */
function fen(buf: Uint8Array, field: number, required: boolean): number {
  if (!has(field)) return required ? -1 : 0;
  const end = valueEnd[field] as number;
  let i = valueStart[field] as number;
  const from = i;
  let whole = 0;
  while (i < end) {
    const c = buf[i] as number;
    if (c < 48 || c > 57) break;
    whole = whole * 10 + (c - 48);
    i++;
  }
  if (i === from || i - from > 10) return -1;
  let cents = 0;
  if (i < end) {
    if (buf[i] !== 46 || end - i < 2 || end - i > 3) return -1;
    for (let k = i + 1; k < end; k++) {
      const c = buf[k] as number;
      if (c < 48 || c > 57) return -1;
      cents = cents * 10 + (c - 48);
    }
    if (end - i === 2) cents *= 10;
  }
  const value = whole * 100 + cents;
  return value > MAX_FEN ? -1 : value;
}

/** A time field as settlement.ts `time` reads it; undefined when absent; null: bail. */
function time(buf: Slicer, field: number, max: number): EpochMs | undefined | null {
  const t = text(buf, field, max);
  if (t === undefined || t === null) return t;
  const ms = parseBusinessTime(t);
  if (ms === undefined) return null;
  const year =
    (t.charCodeAt(0) - 48) * 1000 +
    (t.charCodeAt(1) - 48) * 100 +
    (t.charCodeAt(2) - 48) * 10 +
    (t.charCodeAt(3) - 48);
  if (!(year >= FIRST_SETTLEMENT_YEAR && year <= LAST_SETTLEMENT_YEAR)) return null;
  return ms;
}

const SIX_DIGITS = /^\d{6}$/;

/**
 * The settlement of the line buf[start, end) — the bytes of one line without its newline — when it is of the
 * accepted form and valid; undefined: decode the line and use parseSettlementLine.
 */
export function scanSettlementLine(buffer: Uint8Array, start: number, end: number): Settlement | undefined {
  if (!scanObject(buffer, start, end)) return undefined;
  const buf = buffer as Uint8Array & Slicer;
  const setlId = text(buf, 0, 64);
  const psnNo = text(buf, 1, 64);
  const certno = text(buf, 2, 64);
  if (setlId == null || psnNo == null || certno == null || !isValidCertno(certno)) return undefined;
  const insutype = shared(buf, 4, 64);
  if (insutype !== "310" && insutype !== "390") return undefined;
  const medType = shared(buf, 5, 64);
  if (medType == null || !Object.hasOwn(MED_TYPES, medType)) return undefined;
  const settledAt = time(buf, 8, 64);
  const begun = time(buf, 6, 128);
  const ended = time(buf, 7, 128);
  if (settledAt == null || begun === null || ended === null) return undefined;
  if (begun !== undefined && ended !== undefined && begun > ended) return undefined;
  if (ended !== undefined && ended > settledAt) return undefined;
  if (begun !== undefined && begun > settledAt) return undefined;
  const treatmentRegion = shared(buf, 11, 64);
  if (treatmentRegion == null || !SIX_DIGITS.test(treatmentRegion)) return undefined;
  const diagnosisCode = shared(buf, 12, 32);
  if (diagnosisCode === null || (diagnosisCode !== undefined && !ICD10_CODE.test(diagnosisCode)))
    return undefined;
  const totalCost = fen(buf, 13, true);
  const fullOwnPay = fen(buf, 14, true);
  const overLimitSelfPay = fen(buf, 15, true);
  const pooled = fen(buf, 19, true);
  const criticalIllness = fen(buf, 20, false);
  const largeAmount = fen(buf, 21, false);
  const civilServant = fen(buf, 22, false);
  const enterpriseSupplementary = fen(buf, 23, false);
  const medicalAssistance = fen(buf, 24, false);
  const other = fen(buf, 25, false);
  const fundTotal = fen(buf, 26, true);
  const personBurden = fen(buf, 27, true);
  const accountPay = fen(buf, 28, false);
  const cashPay = fen(buf, 29, false);
  const preSelfPay = fen(buf, 16, false);
  const inPolicyScope = fen(buf, 17, false);
  const basicDeductiblePaid = fen(buf, 18, false);
  if (
    totalCost < 0 ||
    fullOwnPay < 0 ||
    overLimitSelfPay < 0 ||
    pooled < 0 ||
    criticalIllness < 0 ||
    largeAmount < 0 ||
    civilServant < 0 ||
    enterpriseSupplementary < 0 ||
    medicalAssistance < 0 ||
    other < 0 ||
    fundTotal < 0 ||
    personBurden < 0 ||
    accountPay < 0 ||
    cashPay < 0 ||
    preSelfPay < 0 ||
    inPolicyScope < 0 ||
    basicDeductiblePaid < 0
  )
    return undefined;
  const fundSum =
    pooled +
    criticalIllness +
    largeAmount +
    civilServant +
    enterpriseSupplementary +
    medicalAssistance +
    other;
  if (fundSum !== fundTotal || fundTotal > totalCost || personBurden !== totalCost - fundTotal)
    return undefined;
  const outOfScope = fullOwnPay + overLimitSelfPay;
  if (outOfScope > personBurden) return undefined;
  if ((has(28) || has(29)) && accountPay + cashPay !== personBurden) return undefined;
  const psnName = text(buf, 3, 128);
  const institutionCode = shared(buf, 9, 64);
  const institutionName = shared(buf, 10, 128);
  if (psnName === null || institutionCode == null || institutionName === null) return undefined;
  const fee: never[] = [];
  // The object literal of settlement.ts parseRecord, key for key, so both paths give one object shape.
  return {
    setlId,
    psnNo,
    certno,
    psnName,
    insutype,
    medType: medType as MedType,
    admittedAt: begun ?? settledAt,
    dischargedAt: ended,
    settledAt,
    institutionCode,
    institutionName,
    treatmentRegion,
    diagnosisCode,
    totalCost,
    fullOwnPay,
    overLimitSelfPay,
    preSelfPay,
    inPolicyScope,
    basicDeductiblePaid,
    funds: {
      pooled,
      criticalIllness,
      largeAmount,
      civilServant,
      enterpriseSupplementary,
      medicalAssistance,
      other,
    },
    fundTotal,
    personBurden,
    outOfScope,
    inScopeSelfPay: personBurden - outOfScope,
    accountPay,
    cashPay,
    catalogItems: fee,
    feeItems: fee,
    person: undefined,
  };
}
