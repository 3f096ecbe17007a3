/**
 * Builders for settlement records in the national wire format. Amounts are given in fen and written as
 * yuan strings, so every record is internally consistent unless a test overrides a field on purpose.
 */
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";

export interface RecordSpec {
  setlId: string;
  psnNo?: string;
  /** 医保范围内自付, fen */
  inScope?: number;
  /** 全自费, fen (part of 医保范围外) */
  fullOwnPay?: number;
  /** 超限价自费, fen (part of 医保范围外) */
  overLimit?: number;
  /** 统筹基金 paid, fen */
  pooled?: number;
  criticalIllness?: number;
  largeAmount?: number;
  medType?: string;
  setlTime?: string;
  begntime?: string | null;
  region?: string;
  institution?: string;
  diagnosis?: string;
  items?: { code: string; amount: number }[];
  extra?: Record<string, unknown>;
}

export const TEST_CERTNO = makeCertno("532621", "19800101", 123);

export function record(spec: RecordSpec): Record<string, unknown> {
  const inScope = spec.inScope ?? 0;
  const fullOwnPay = spec.fullOwnPay ?? 0;
  const overLimit = spec.overLimit ?? 0;
  const pooled = spec.pooled ?? 100_000;
  const criticalIllness = spec.criticalIllness ?? 0;
  const largeAmount = spec.largeAmount ?? 0;
  const burden = inScope + fullOwnPay + overLimit;
  const fund = pooled + criticalIllness + largeAmount;
  const setlTime = spec.setlTime ?? "2023-10-10 10:00:00";
  const rec: Record<string, unknown> = {
    setl_id: spec.setlId,
    psn_no: spec.psnNo ?? "P0001",
    certno: TEST_CERTNO,
    psn_name: "测试",
    insutype: "390",
    med_type: spec.medType ?? "21",
    setl_time: setlTime,
    fixmedins_code: spec.institution ?? "H53260100001",
    mdtrtarea_admvs: spec.region ?? "532621",
    dise_codg: spec.diagnosis ?? "I63.900",
    medfee_sumamt: formatYuan(burden + fund),
    fulamt_ownpay_amt: formatYuan(fullOwnPay),
    overlmt_selfpay: formatYuan(overLimit),
    hifp_pay: formatYuan(pooled),
    hifmi_pay: formatYuan(criticalIllness),
    hifob_pay: formatYuan(largeAmount),
    fund_pay_sumamt: formatYuan(fund),
    psn_part_amt: formatYuan(burden),
  };
  if (spec.begntime !== null) rec.begntime = spec.begntime ?? setlTime;
  if (spec.items !== undefined) {
    rec.feedetail = spec.items.map((i) => ({ med_list_codg: i.code, det_item_fee_sumamt: formatYuan(i.amount) }));
  }
  return { ...rec, ...spec.extra };
}

export const yuanToFen = (y: number) => Math.round(y * 100);
