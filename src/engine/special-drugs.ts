/**
 * Special-drug dispensing (特药): the checks a pharmacy's dispensing must pass before the benefit engine
 * prices it. Seed 004 (责任二): "由指定医院的专科医生开具处方，在指定医院或指定药店购买符合目录支付范围内的药械"
 * — prescribed at a designated hospital, dispensed at a designated hospital or pharmacy, within the catalog.
 * Pure: the product, the parsed record and the parsed prescription in; the first failed rule out, naming the
 * request field it is about. Prices, caps and pre-existing exclusions stay with the engine (adjudicate.ts).
 */
import { type Catalog, catalogIdOf, icd10InRanges, type Product } from "../domain/product.js";
import type { Settlement } from "../domain/settlement.js";
import { type EpochMs, parseBusinessTime } from "../domain/time.js";

/** A prescription older than this (issued_at to setl_time) is stale: 处方一般当日有效，特药长处方不超过 30 天. */
export const PRESCRIPTION_VALID_DAYS = 30;
const DAY_MS = 24 * 3600_000;

export interface Prescription {
  readonly rxNo: string;
  /** fixmedins_code of the hospital whose doctor wrote it. */
  readonly prescriber: string;
  /** ICD-10 of the diagnosis the drug is prescribed for. */
  readonly diagnosisCode: string;
  readonly issuedAt: EpochMs;
  /** med_list_codg of every drug prescribed. */
  readonly drugs: readonly string[];
}

export type DispensingRule =
  | "not_pharmacy_dispensing"
  | "no_dispensed_items"
  | "institution_mismatch"
  | "drug_not_in_catalog"
  | "pharmacy_not_designated"
  | "prescriber_not_designated"
  | "drug_not_prescribed"
  | "indication_mismatch"
  | "prescription_after_dispensing"
  | "prescription_expired";

export interface DispensingFailure {
  readonly code: DispensingRule;
  /** The request field at fault: `record.…` or `prescription.…`. */
  readonly field: string;
  readonly message: string;
}

export type DispensingCheck =
  | { readonly ok: true; readonly catalogs: readonly string[] }
  | { readonly ok: false; readonly failure: DispensingFailure };

/**
 * The catalogs a pharmacy purchase (med_type 41) can be paid from: those of liabilities, in any plan of the
 * product, that list med_type 41. A plan without such a liability still gets its dispensings checked (the
 * engine then answers med_type_not_covered), so the catalog does not depend on the person's plan.
 */
export function dispensingCatalogs(product: Product): Catalog[] {
  const ids = new Set<string>();
  for (const plan of product.plans) {
    for (const l of plan.liabilities) {
      const id = catalogIdOf(l.eligible);
      if (id !== undefined && l.medTypes.includes("41")) ids.add(id);
    }
  }
  return product.catalogs.filter((c) => ids.has(c.id));
}

/**
 * National 定点医药机构 codes: H… for medical institutions, P… for retail pharmacies. Only a medical institution
 * has doctors who prescribe.
 */
function isMedicalInstitution(code: string): boolean {
  return code.startsWith("H");
}

const designates = (catalog: Catalog, code: string) =>
  catalog.designatedInstitutions === undefined || catalog.designatedInstitutions.includes(code);

/**
 * Checks one dispensing, first failure wins, in the order a pharmacist would: is this a pharmacy purchase by
 * the signing pharmacy; is every dispensed item a catalog item; may this pharmacy dispense it and this
 * hospital prescribe it; was it prescribed, for an indication the catalog covers, recently enough.
 */
export function checkDispensing(
  product: Product,
  record: Settlement,
  rx: Prescription,
  pharmacy: string,
): DispensingCheck {
  const fail = (code: DispensingRule, field: string, message: string): DispensingCheck => ({
    ok: false,
    failure: { code, field, message },
  });
  if (record.medType !== "41")
    return fail("not_pharmacy_dispensing", "record.med_type", "特药购药记录的 med_type 应为 41（药店购药）");
  if (record.catalogItems.length === 0)
    return fail("no_dispensed_items", "record.feedetail", "特药购药记录应在 feedetail 中列明所购药品");
  if (record.institutionCode !== pharmacy)
    return fail(
      "institution_mismatch",
      "record.fixmedins_code",
      `记录的 fixmedins_code ${record.institutionCode} 不是签名药店 ${pharmacy}`,
    );
  const catalogs = dispensingCatalogs(product);
  const used = new Set<string>();
  const prescribed = new Set(rx.drugs);
  for (const [i, charge] of record.catalogItems.entries()) {
    const field = `record.feedetail[${i}].med_list_codg`;
    const catalog = catalogs.find((c) => c.items.some((it) => it.code === charge.code));
    const item = catalog?.items.find((it) => it.code === charge.code);
    if (catalog === undefined || item === undefined)
      return fail("drug_not_in_catalog", field, `${charge.code} 不在本产品的特药目录中`);
    used.add(catalog.id);
    if (!designates(catalog, pharmacy))
      return fail(
        "pharmacy_not_designated",
        "record.fixmedins_code",
        `${pharmacy} 不是《${catalog.name}》的指定药店或医院`,
      );
    if (!isMedicalInstitution(rx.prescriber) || !designates(catalog, rx.prescriber))
      return fail(
        "prescriber_not_designated",
        "prescription.prescriber_fixmedins_code",
        `处方机构 ${rx.prescriber} 不是《${catalog.name}》的指定医院`,
      );
    if (!prescribed.has(charge.code))
      return fail("drug_not_prescribed", field, `${item.name}（${charge.code}）不在处方 ${rx.rxNo} 中`);
    if (item.indicationIcd10 !== undefined && !icd10InRanges(rx.diagnosisCode, item.indicationIcd10))
      return fail(
        "indication_mismatch",
        "prescription.diagnosis_code",
        `诊断 ${rx.diagnosisCode} 不在 ${item.name} 的目录适应症（${item.indication ?? "ICD-10 范围"}）内`,
      );
  }
  if (rx.issuedAt > record.settledAt)
    return fail("prescription_after_dispensing", "prescription.issued_at", "处方开具时间晚于购药结算时间");
  if (record.settledAt - rx.issuedAt > PRESCRIPTION_VALID_DAYS * DAY_MS)
    return fail(
      "prescription_expired",
      "prescription.issued_at",
      `处方开具超过 ${PRESCRIPTION_VALID_DAYS} 天，已失效`,
    );
  return { ok: true, catalogs: [...used] };
}

export type PrescriptionParse =
  | { readonly ok: true; readonly prescription: Prescription }
  | { readonly ok: false; readonly field: string; readonly message: string };

const RX_NO = /^[\x21-\x7e]{1,64}$/;
const INSTITUTION = /^[A-Z0-9]{4,32}$/;
/** An ICD-10 code as the national platform writes it: category, then optional subdivision and extension. */
const ICD10 = /^[A-Z]\d{2}[0-9A-Za-z.+-]{0,17}$/;
const MAX_DRUGS = 100;

/** The wire prescription (`rx_no`, `prescriber_fixmedins_code`, `diagnosis_code`, `issued_at`, `drugs`). */
export function parsePrescription(raw: unknown): PrescriptionParse {
  const bad = (field: string, message: string): PrescriptionParse => ({
    ok: false,
    field: `prescription${field === "" ? "" : `.${field}`}`,
    message,
  });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return bad("", "prescription 应为处方对象");
  const r = raw as Record<string, unknown>;
  const text = (name: string) => (typeof r[name] === "string" ? (r[name] as string) : undefined);
  const rxNo = text("rx_no");
  if (rxNo === undefined || !RX_NO.test(rxNo)) return bad("rx_no", "rx_no 应为 1–64 位可见字符");
  const prescriber = text("prescriber_fixmedins_code");
  if (prescriber === undefined || !INSTITUTION.test(prescriber))
    return bad("prescriber_fixmedins_code", "prescriber_fixmedins_code 应为 4–32 位大写字母或数字");
  const diagnosis = text("diagnosis_code");
  if (diagnosis === undefined || !ICD10.test(diagnosis))
    return bad("diagnosis_code", "diagnosis_code 应为 ICD-10 编码，如 C34.900");
  const issued = text("issued_at");
  const issuedAt =
    issued !== undefined && issued.length === 19 && issued[10] === " "
      ? parseBusinessTime(issued)
      : undefined;
  if (issuedAt === undefined) return bad("issued_at", "issued_at 应为 yyyy-MM-dd HH:mm:ss（北京时间）");
  const drugs = r.drugs;
  if (!Array.isArray(drugs) || drugs.length === 0 || drugs.length > MAX_DRUGS)
    return bad("drugs", `drugs 应为 1–${MAX_DRUGS} 个药品编码`);
  const seen = new Set<string>();
  for (const [i, d] of drugs.entries()) {
    if (typeof d !== "string" || d.length === 0 || d.length > 64)
      return bad(`drugs[${i}]`, "药品编码应为 1–64 位字符串");
    if (seen.has(d)) return bad(`drugs[${i}]`, `药品编码 ${d} 重复`);
    seen.add(d);
  }
  return {
    ok: true,
    prescription: { rxNo, prescriber, diagnosisCode: diagnosis, issuedAt, drugs: drugs as string[] },
  };
}
