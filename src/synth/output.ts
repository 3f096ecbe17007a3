/**
 * Writing synthetic settlements: one JSONL line per draft straight into a UTF-8 buffer (pre-encoded keys, no
 * JSON.stringify per line), the person's identity fields once per person, the statistics of what was
 * written, and the deliberately broken lines of `invalidRate`.
 */
import { certnoCheckChar } from "../domain/certno.js";
import { BEIJING_OFFSET_MS } from "../domain/time.js";
import { GIVEN_CHARS, SURNAMES } from "./clinical.js";
import { civilFromDays, encode, put, putAscii, putPadded, putYuan, type TimeFormatter } from "./format.js";
import { CORRUPTIONS, corrupt } from "./invalid.js";
import { DAY_MS, type Draft, type Person, YEAR_MS } from "./model.js";
import type { County } from "./regions.js";
import type { Rng } from "./rng.js";

export interface SynthStats {
  persons: number;
  personsWithEvents: number;
  lines: number;
  invalid: number;
  byMedType: Record<string, number>;
  employeeLines: number;
  outOfRegion: number;
  beforeCoverage: number;
  inCoverage: number;
  criticalIllnessPaid: number;
  criticalIllnessPaidBeforeCoverage: number;
  largeAmountPaid: number;
  medicalAssistancePaid: number;
  withCatalogItems: number;
  malignantDiagnosis: number;
  malignantBeforeCoverage: number;
  over300kYuan: number;
  /** Sums in fen over inpatient (21–24) lines, for the calibration table in the docs. */
  inpatientCost: number;
  inpatientInScope: number;
  inpatientFund: number;
  inpatientInCoverage: number;
}

export function emptyStats(): SynthStats {
  return {
    persons: 0,
    personsWithEvents: 0,
    lines: 0,
    invalid: 0,
    byMedType: {},
    employeeLines: 0,
    outOfRegion: 0,
    beforeCoverage: 0,
    inCoverage: 0,
    criticalIllnessPaid: 0,
    criticalIllnessPaidBeforeCoverage: 0,
    largeAmountPaid: 0,
    medicalAssistancePaid: 0,
    withCatalogItems: 0,
    malignantDiagnosis: 0,
    malignantBeforeCoverage: 0,
    over300kYuan: 0,
    inpatientCost: 0,
    inpatientInScope: 0,
    inpatientFund: 0,
    inpatientInCoverage: 0,
  };
}

const SURNAME_BYTES = SURNAMES.map((c) => encode(c));
const GIVEN_BYTES = GIVEN_CHARS.map((c) => encode(c));
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const decoder = new TextDecoder();

const K = {
  psnNo: encode('"psn_no":"'),
  certno: encode('","certno":"'),
  psnName: encode('","psn_name":"'),
  employee: encode('","insutype":"310"'),
  resident: encode('","insutype":"390"'),
  setlId: encode('{"setl_id":"'),
  afterSetlId: encode('",'),
  medType: encode(',"med_type":"'),
  begntime: encode('","begntime":"'),
  endtime: encode('","endtime":"'),
  setlTime: encode('","setl_time":"'),
  afterTime: encode('",'),
  diagnosis: encode(',"dise_codg":"'),
  medfee: encode('","medfee_sumamt":"'),
  medfeeNoDiagnosis: encode(',"medfee_sumamt":"'),
  fulamt: encode('","fulamt_ownpay_amt":"'),
  overlmt: encode('","overlmt_selfpay":"'),
  preselfpay: encode('","preselfpay_amt":"'),
  inscp: encode('","inscp_scp_amt":"'),
  dedc: encode('","act_pay_dedc":"'),
  hifp: encode('","hifp_pay":"'),
  hifmi: encode('","hifmi_pay":"'),
  hifob: encode('","hifob_pay":"'),
  cvlserv: encode('","cvlserv_pay":"'),
  maf: encode('","hifes_pay":"0.00","maf_pay":"'),
  fund: encode('","oth_pay":"0.00","fund_pay_sumamt":"'),
  psnPart: encode('","psn_part_amt":"'),
  acct: encode('","acct_pay":"'),
  cash: encode('","psn_cash_pay":"'),
  end: encode('"}\n'),
  feedetail: encode('","feedetail":[{"med_list_codg":'),
  itemAmount: encode(',"det_item_fee_sumamt":"'),
  feedetailEnd: encode('"}]}\n'),
};
/** Longest line the encoder can write, with room to spare (the real maximum is about 1.2 kB). */
const MAX_LINE_BYTES = 4096;
/** Digits of an ID number before its check character. */
const CERTNO_BODY_DIGITS = 17;
/** A person has a second given character this often. */
const TWO_GIVEN_CHARS_SHARE = 0.7;
/** A settlement of more than 300,000 yuan (fen), counted for the benchmarks' large cases. */
const LARGE_CASE_FEN = 30_000_000;
const NEWLINE = 10;
const CHAR_C = 67;
const CHAR_2 = 50;

export class LineWriter {
  /** The current person's lines (UTF-8), grown on demand. */
  private buf = new Uint8Array(1 << 16);
  private pos = 0;
  /** `"psn_no":…,"certno":…,"psn_name":…,"insutype":…` of the current person, UTF-8. */
  private readonly personBytes = new Uint8Array(1024);
  private personLength = 0;
  private setlSeq = 0;

  constructor(
    private readonly stats: SynthStats,
    private readonly time: TimeFormatter,
    private readonly regionCode: string,
    private readonly coverageStart: number,
    private readonly coverageEnd: number,
    private readonly invalidRate: number,
    private readonly invalidRng: Rng,
  ) {}

  /** Starts the next person's lines. */
  clear(): void {
    this.pos = 0;
  }

  /** The lines written since `clear` (a view, reused after the next `clear`). */
  bytes(): Uint8Array {
    return this.pos === 0 ? EMPTY : this.buf.subarray(0, this.pos);
  }

  /**
   * Writes `"psn_no":…,"certno":…,"psn_name":…,"insutype":…` for the person into `personBytes`: an ID number
   * (GB 11643) from the home county, birth date and sex, and a common surname with one or two given characters.
   */
  writeIdentity(rng: Rng, person: Person, home: County): void {
    const b = this.personBytes;
    const [year, month, day] = civilFromDays(
      Math.floor((this.coverageStart - (person.age + rng.float()) * YEAR_MS + BEIJING_OFFSET_MS) / DAY_MS),
    );
    const region =
      home.formerCode !== undefined && home.renamedIn !== undefined && year < home.renamedIn
        ? home.formerCode
        : home.code;
    let o = put(b, 0, K.psnNo);
    o = putPadded(b, putAscii(b, o, this.regionCode), person.index + 1, 10);
    o = put(b, o, K.certno);
    const certStart = o;
    o = putAscii(b, o, region);
    o = putPadded(b, o, year, 4);
    o = putPadded(b, o, month, 2);
    o = putPadded(b, o, day, 2);
    o = putPadded(b, o, 2 * rng.int(500) + (person.male ? 1 : 0), 3);
    const body = String.fromCharCode(...b.subarray(certStart, certStart + CERTNO_BODY_DIGITS));
    b[o++] = certnoCheckChar(body).charCodeAt(0);
    o = put(b, o, K.psnName);
    o = put(b, o, rng.pick(SURNAME_BYTES));
    o = put(b, o, rng.pick(GIVEN_BYTES));
    if (rng.chance(TWO_GIVEN_CHARS_SHARE)) o = put(b, o, rng.pick(GIVEN_BYTES));
    this.personLength = put(b, o, person.employee ? K.employee : K.resident);
  }

  /** Appends the draft's line (perhaps broken, at `invalidRate`) and counts it. */
  emit(d: Draft, p: Person): void {
    if (this.pos + MAX_LINE_BYTES > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(0, this.pos));
      this.buf = bigger;
    }
    const b = this.buf;
    const start = this.pos;
    const time = this.time;
    let o = putAscii(b, put(b, start, K.setlId), d.inst.admvs);
    o = putPadded(b, time.putCompactDate(b, o, d.settled), ++this.setlSeq, 10);
    o = put(b, o, K.afterSetlId);
    b.set(this.personBytes.subarray(0, this.personLength), o);
    o = putAscii(b, put(b, o + this.personLength, K.medType), d.medType);
    o = time.put(b, put(b, o, K.begntime), d.begin);
    o = time.put(b, put(b, o, K.endtime), d.end);
    o = time.put(b, put(b, o, K.setlTime), d.settled);
    o = put(b, put(b, o, K.afterTime), d.inst.fragment);
    if (d.diagnosis === undefined) o = put(b, o, K.medfeeNoDiagnosis);
    else o = put(b, putAscii(b, put(b, o, K.diagnosis), d.diagnosis), K.medfee);
    o = putYuan(b, o, d.total);
    o = putYuan(b, put(b, o, K.fulamt), d.fullOwnPay);
    o = putYuan(b, put(b, o, K.overlmt), d.overLimit);
    o = putYuan(b, put(b, o, K.preselfpay), d.preSelfPay);
    o = putYuan(b, put(b, o, K.inscp), d.inScope);
    o = putYuan(b, put(b, o, K.dedc), d.deductible);
    o = putYuan(b, put(b, o, K.hifp), d.pooled);
    o = putYuan(b, put(b, o, K.hifmi), d.critical);
    o = putYuan(b, put(b, o, K.hifob), d.largeAmount);
    o = putYuan(b, put(b, o, K.cvlserv), d.civilServant);
    o = putYuan(b, put(b, o, K.maf), d.assistance);
    o = putYuan(b, put(b, o, K.fund), d.fund);
    o = putYuan(b, put(b, o, K.psnPart), d.burden);
    o = putYuan(b, put(b, o, K.acct), d.account);
    o = putYuan(b, put(b, o, K.cash), d.cash);
    if (d.itemCode === undefined) {
      o = put(b, o, K.end);
    } else {
      o = put(b, put(b, o, K.feedetail), d.itemCode);
      o = put(b, putYuan(b, put(b, o, K.itemAmount), d.itemAmount), K.feedetailEnd);
    }
    this.pos = o;
    this.count(d, p);

    if (this.invalidRate > 0 && this.invalidRng.float() < this.invalidRate) {
      this.stats.invalid++;
      const kind = CORRUPTIONS[this.invalidRng.int(CORRUPTIONS.length)] as (typeof CORRUPTIONS)[number];
      const line = decoder.decode(b.subarray(start, o - 1));
      const broken = corrupt(line, kind, { fund: d.fund, burden: d.burden }, this.invalidRng);
      const written = utf8.encodeInto(broken, b.subarray(start, b.length - 1)).written;
      b[start + written] = NEWLINE;
      this.pos = start + written + 1;
    }
  }

  private count(d: Draft, p: Person): void {
    const s = this.stats;
    s.lines++;
    s.byMedType[d.medType] = (s.byMedType[d.medType] ?? 0) + 1;
    if (p.employee) s.employeeLines++;
    if (!d.inst.local) s.outOfRegion++;
    const before = d.begin < this.coverageStart;
    if (before) s.beforeCoverage++;
    else if (d.begin < this.coverageEnd) s.inCoverage++;
    if (d.critical > 0) {
      s.criticalIllnessPaid++;
      if (d.settled < this.coverageStart) s.criticalIllnessPaidBeforeCoverage++;
    }
    if (d.largeAmount > 0) s.largeAmountPaid++;
    if (d.assistance > 0) s.medicalAssistancePaid++;
    if (d.itemCode !== undefined) s.withCatalogItems++;
    if (d.diagnosis !== undefined && d.diagnosis.charCodeAt(0) === CHAR_C) {
      s.malignantDiagnosis++;
      if (before) s.malignantBeforeCoverage++;
    }
    if (d.total > LARGE_CASE_FEN) s.over300kYuan++;
    if (d.medType.charCodeAt(0) === CHAR_2 /* inpatient: 21–24 */) {
      s.inpatientCost += d.total;
      s.inpatientInScope += d.inScope;
      s.inpatientFund += d.fund;
      if (!before && d.begin < this.coverageEnd) s.inpatientInCoverage++;
    }
  }
}
