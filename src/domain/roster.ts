/**
 * The bureau's roster (参保人员名单) file: header resolution and validation of one row. Pure: no I/O, so
 * every rule is unit-testable and the same code serves the CLI, the API and the benchmark.
 *
 * Columns (header row required, order free): psn_no, certno, psn_name, gend, brdy, insutype, admdvs,
 * unit_code?, cohort?
 */
import { isValidCertno } from "./certno.js";
import { COHORTS, type Cohort } from "./cohort.js";
import { hasForbiddenInLine } from "./text.js";

export const ROSTER_COLUMNS = [
  "psn_no",
  "certno",
  "psn_name",
  "gend",
  "brdy",
  "insutype",
  "admdvs",
  "unit_code",
  "cohort",
] as const;
export type RosterColumn = (typeof ROSTER_COLUMNS)[number];
export const OPTIONAL_ROSTER_COLUMNS: readonly RosterColumn[] = ["unit_code", "cohort"];
export const REQUIRED_ROSTER_COLUMNS: readonly RosterColumn[] = ROSTER_COLUMNS.filter(
  (c) => !OPTIONAL_ROSTER_COLUMNS.includes(c),
);

/** 310 职工基本医疗保险, 390 城乡居民基本医疗保险. */
export const INSUTYPES = ["310", "390"] as const;

/** Position of each column in the file's records; -1 when an optional column is absent. */
export type RosterHeader = Readonly<Record<RosterColumn, number>>;

export interface RosterRow {
  readonly psnNo: string;
  /** Normalized: 18 characters, check character upper-case. */
  readonly certno: string;
  readonly name: string;
  readonly gend: "1" | "2";
  /** yyyy-mm-dd */
  readonly birthDate: string;
  readonly insutype: string;
  readonly admdvs: string;
  readonly unitCode: string | null;
  readonly cohort: Cohort | null;
}

export interface RosterFieldError {
  readonly field: RosterColumn | "header";
  readonly message: string;
}

export type HeaderResult = { ok: true; header: RosterHeader } | { ok: false; error: RosterFieldError };
export type RowResult = { ok: true; row: RosterRow } | { ok: false; errors: RosterFieldError[] };

/** Header names are matched trimmed and case-insensitively; unknown columns are ignored. */
export function resolveRosterHeader(cells: readonly string[]): HeaderResult {
  const index: Record<string, number> = {};
  for (const c of ROSTER_COLUMNS) index[c] = -1;
  for (let i = 0; i < cells.length; i++) {
    const name = (cells[i] ?? "")
      .replace(/^\uFEFF/, "")
      .trim()
      .toLowerCase();
    // Own keys only: a column named "constructor" is an unknown column, not an inherited property.
    if (!Object.hasOwn(index, name)) continue;
    if (index[name] !== -1) {
      return { ok: false, error: { field: "header", message: `表头列 ${name} 重复` } };
    }
    index[name] = i;
  }
  const missing = REQUIRED_ROSTER_COLUMNS.filter((c) => index[c] === -1);
  if (missing.length > 0) {
    return { ok: false, error: { field: "header", message: `表头缺少列 ${missing.join(", ")}` } };
  }
  return { ok: true, header: index as RosterHeader };
}

/**
 * 单位编码 (unit_code): what a roster row may carry and what unit enrollment (kind "unit") asks for are the
 * same rule, so every unit on the roster can enroll and every accepted code can match the roster: 1–32
 * letters, digits, "_" or "-" (统一社会信用代码 is 18, an employer number fewer).
 */
export const UNIT_CODE = /^[A-Za-z0-9_-]{1,32}$/;
export const UNIT_CODE_RULE = "应为 1–32 位字母、数字、下划线或连字符";

/** undefined when `text` is a valid unit_code; otherwise what is wrong with it, for the person who sent it. */
export function unitCodeProblem(text: string): string | undefined {
  if (UNIT_CODE.test(text)) return undefined;
  return text.length > 32 ? "长度不能超过 32" : UNIT_CODE_RULE;
}

/** 人员编号: letters, digits, "_" and "-" (the national number is digits; test and demo rosters use P001). */
const PSN_NO = /^[A-Za-z0-9_-]+$/;

/**
 * A name (姓名) is one line of text without quotes: an ASCII double quote is never part of a name, and in a
 * CSV it is the mark of a field broken by a stray quote, so the row is refused rather than stored garbled.
 */
const NAME_QUOTE = '"';

const DIGITS6 = /^\d{6}$/;
const DATE_DASHED = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_PLAIN = /^(\d{4})(\d{2})(\d{2})$/;

/** "1990-01-31" or "19900131" → "1990-01-31" when it is a real calendar date; undefined otherwise. */
export function normalizeBirthDate(text: string): string | undefined {
  const m = DATE_DASHED.exec(text) ?? DATE_PLAIN.exec(text);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1850 || mo < 1 || mo > 12 || d < 1) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  if (d > days) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function cell(cells: readonly string[], i: number): string {
  if (i < 0) return "";
  const v = cells[i];
  return v === undefined ? "" : v.trim();
}

/** Reports a value holding a character no roster field may carry (domain/text); true when it is clean. */
function readable(errors: RosterFieldError[], field: RosterColumn, value: string): boolean {
  if (!hasForbiddenInLine(value)) return true;
  errors.push({ field, message: "含有控制字符、NUL 或无法识别的字符（文件应为 UTF-8 编码的纯文本）" });
  return false;
}

/**
 * Validates one data record against the header; every failing field is reported, not only the first. A
 * field holding a control character, NUL or U+FFFD (domain/text) is reported for that alone. Surrounding
 * blanks are trimmed first, as always (exports often prefix an ID number with a TAB to keep it text).
 */
export function parseRosterRow(header: RosterHeader, cells: readonly string[]): RowResult {
  const errors: RosterFieldError[] = [];
  // Fields with a strict pattern (psn_no, certno, gend, brdy, insutype, admdvs, unit_code) refuse control
  // characters through it; free text (the name) and an unknown cohort are scanned for them.
  const psnNo = cell(cells, header.psn_no);
  if (psnNo === "") errors.push({ field: "psn_no", message: "不能为空" });
  else if (psnNo.length > 32) errors.push({ field: "psn_no", message: "长度不能超过 32" });
  else if (!PSN_NO.test(psnNo)) errors.push({ field: "psn_no", message: "应为字母、数字、下划线或连字符" });

  let certno = cell(cells, header.certno);
  if (certno.length === 18 && certno.charCodeAt(17) === 120) certno = `${certno.slice(0, 17)}X`;
  let certnoOk = false;
  if (certno === "") errors.push({ field: "certno", message: "不能为空" });
  else if (certno.length !== 18 || !/^\d{17}[\dX]$/.test(certno))
    errors.push({ field: "certno", message: "应为 18 位公民身份号码" });
  else if (!isValidCertno(certno)) errors.push({ field: "certno", message: "校验位错误" });
  else certnoOk = true;

  const name = cell(cells, header.psn_name);
  if (readable(errors, "psn_name", name)) {
    if (name === "") errors.push({ field: "psn_name", message: "不能为空" });
    else if (name.length > 128) errors.push({ field: "psn_name", message: "长度不能超过 128" });
    else if (name.includes(NAME_QUOTE))
      errors.push({ field: "psn_name", message: "不能含有双引号（CSV 字段中间的引号会使该行错位）" });
  }

  const gendText = cell(cells, header.gend);
  const gend =
    gendText === "1" || gendText === "男" ? "1" : gendText === "2" || gendText === "女" ? "2" : null;
  if (gend === null) errors.push({ field: "gend", message: "应为 1（男）或 2（女）" });

  const brdyText = cell(cells, header.brdy);
  const birthDate = normalizeBirthDate(brdyText);
  if (birthDate === undefined) {
    errors.push({ field: "brdy", message: "应为有效日期 yyyy-mm-dd 或 yyyymmdd" });
  } else if (certnoOk && birthDate.replaceAll("-", "") !== certno.slice(6, 14)) {
    errors.push({ field: "brdy", message: "与身份证号中的出生日期不一致" });
  }

  const insutype = cell(cells, header.insutype);
  if (insutype !== "310" && insutype !== "390")
    errors.push({ field: "insutype", message: "应为 310（职工医保）或 390（居民医保）" });

  const admdvs = cell(cells, header.admdvs);
  if (!DIGITS6.test(admdvs)) errors.push({ field: "admdvs", message: "应为 6 位行政区划代码" });

  const unitText = cell(cells, header.unit_code);
  const unitProblem = unitText === "" ? undefined : unitCodeProblem(unitText);
  if (unitProblem !== undefined) errors.push({ field: "unit_code", message: unitProblem });

  const cohortText = cell(cells, header.cohort);
  const cohortOk = cohortText === "" || Object.hasOwn(COHORTS, cohortText);
  if (!cohortOk && readable(errors, "cohort", cohortText))
    errors.push({ field: "cohort", message: `未知人群 ${cohortText.slice(0, 32)}` });

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    row: {
      psnNo,
      certno,
      name,
      gend: gend as "1" | "2",
      birthDate: birthDate as string,
      insutype,
      admdvs,
      unitCode: unitText === "" ? null : unitText,
      cohort: cohortText === "" ? null : (cohortText as Cohort),
    },
  };
}
