/**
 * Synthetic settlement records (DESIGN.md §3 wire format) for a product's region: insured persons with an
 * age/sex/insurance-type mix like the region's population, their hospital stays, chronic-disease outpatient
 * visits and special-drug purchases over the product's coverage year and the `historyYears` before it, each
 * settled by a simplified model of basic insurance, 大病保险 / 职工大额, 公务员补助 and 医疗救助.
 *
 * Pure and deterministic: no I/O, no clock, no global state; the same options give the same lines.
 * Every parameter, its source or the fact that it is an assumption, is documented in docs/synthetic-data.md.
 */
import type { Catalog, Product } from "../domain/product.js";
import { BEIJING_OFFSET_MS, minusYears } from "../domain/time.js";
import {
  ADULT_INPATIENT,
  CANCER_TABLE,
  type Cancer,
  CHILD_INPATIENT,
  CHRONIC_OUTPATIENT,
  cancerRisk,
  GIVEN_CHARS,
  INJURY,
  OUTPATIENT,
  SURNAMES,
} from "./clinical.js";
import {
  beijingYear,
  civilFromDays,
  encode,
  put,
  putAscii,
  putPadded,
  putYuan,
  TimeFormatter,
} from "./format.js";
import { CORRUPTIONS, corrupt } from "./invalid.js";
import {
  type County,
  OUT_OF_PROVINCE,
  outsideRegion,
  type Place,
  PROTON_CENTRE,
  PROVINCIAL_CAPITAL,
  regionProfile,
} from "./regions.js";
import { cumulative, Rng } from "./rng.js";

export interface SynthOptions {
  readonly product: Product;
  /** Number of insured persons to simulate (output lines ≈ their events, most persons have none). */
  readonly persons: number;
  readonly seed: number;
  /** Fraction of output lines deliberately broken (0 … 1). */
  readonly invalidRate?: number;
  /** Years of history before coverage start (for pre-existing rules). Default 2. */
  readonly historyYears?: number;
  /** Stop after this many lines (the last person may be cut short). */
  readonly maxLines?: number;
}

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

const DAY_MS = 86_400_000;
const CERTNO_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CERTNO_CHECK = "10X98765432";
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
const YEAR_MS = 365.25 * DAY_MS;

// ---------------------------------------------------------------------------------------------------------
// Model parameters (fen, basis points, per-year rates). Each one is listed with its status in the docs.

/** Admissions per person-year by age band; calibrated to an overall rate of about 17 %. */
function inpatientRate(age: number): number {
  if (age < 5) return 0.22;
  if (age < 15) return 0.077;
  if (age < 45) return 0.11;
  if (age < 60) return 0.187;
  if (age < 70) return 0.33;
  if (age < 80) return 0.46;
  return 0.6;
}

/** Share of persons with a recognised 门诊慢特病 (chronic/special outpatient) condition. */
function chronicShare(age: number): number {
  if (age < 30) return 0.003;
  if (age < 45) return 0.015;
  if (age < 60) return 0.05;
  return 0.12;
}

/** Share of 职工医保 (insutype 310) among persons aged 18–59 and 60+ (retirees stay in the employee scheme). */
const EMPLOYEE_SHARE_WORKING_AGE = 0.25;
const EMPLOYEE_SHARE_60_PLUS = 0.18;
/** Share of resident-scheme persons in a 医疗救助 cohort (特困, 低保, 脱贫/监测 …). */
const ASSISTED_SHARE = 0.07;
/** Share of employees with 公务员医疗补助. */
const CIVIL_SERVANT_SHARE = 0.1;

const CHRONIC_VISITS_PER_YEAR = 1.5;
const OUTPATIENT_PER_YEAR = 0.025;
const PHARMACY_PER_YEAR = 0.02;
const CANCER_ADMISSIONS_PER_YEAR = 2;
const SPECIAL_DRUG_SHARE = 0.35;
const SPECIAL_DRUG_PURCHASES_PER_YEAR = 6;
const CAR_T_SHARE = 0.04; // of haematological cancers, when the product has a CAR-T catalog
const PROTON_SHARE = 0.01; // of solid tumours, when the product has a proton / heavy-ion catalog

/** Hospital tiers: 0 township (一级), 1 county (二级), 2 prefecture (三级), 3 Kunming, 4 other province. */
const LOCAL_TIER_WEIGHTS = cumulative([0.15, 0.6, 0.25]);
const MEDIAN_COST_YUAN = [1_800, 3_800, 7_500, 11_000, 15_000];
const COST_SIGMA = 0.7;
const FULL_OWN_PAY_SHARE = [0.03, 0.06, 0.1, 0.12, 0.15];

interface Scheme {
  readonly deductible: readonly number[]; // fen per admission, by tier
  readonly ratioBps: readonly number[]; // by tier
  readonly pooledCap: number; // fen of pooled-fund payment per calendar year
  readonly outpatientRatioBps: number;
  readonly chronicRatioBps: number;
  readonly specialDrugRatioBps: number;
}

const RESIDENT: Scheme = {
  deductible: [20_000, 50_000, 80_000, 100_000, 120_000],
  ratioBps: [8_500, 7_500, 6_000, 5_500, 5_000],
  pooledCap: 15_000_000,
  outpatientRatioBps: 5_000,
  chronicRatioBps: 7_000,
  specialDrugRatioBps: 6_000,
};

const EMPLOYEE: Scheme = {
  deductible: [30_000, 60_000, 90_000, 100_000, 120_000],
  ratioBps: [9_000, 8_800, 8_500, 8_000, 7_500],
  pooledCap: 6_000_000,
  outpatientRatioBps: 6_000,
  chronicRatioBps: 8_500,
  specialDrugRatioBps: 7_000,
};

const CRITICAL_THRESHOLD = 1_000_000; // 大病保险: cumulative in-scope self-pay per year, fen
const CRITICAL_THRESHOLD_ASSISTED = 500_000;
const CRITICAL_RATIO_BPS = 6_000;
const CRITICAL_RATIO_ASSISTED_BPS = 6_500;
const CRITICAL_CAP = 40_000_000;
const LARGE_AMOUNT_RATIO_BPS = 9_000; // 职工大额: in-scope cost above the pooled-fund cap
const LARGE_AMOUNT_CAP = 40_000_000;
const CIVIL_SERVANT_RATIO_BPS = 5_000;
const ASSISTANCE_RATIO_BPS = 7_000; // 医疗救助 on what remains in scope
const ASSISTANCE_CAP = 6_000_000;

// ---------------------------------------------------------------------------------------------------------

interface Institution {
  readonly code: string;
  /** `"fixmedins_code":…,"fixmedins_name":…,"mdtrtarea_admvs":…` pre-encoded (UTF-8). */
  readonly fragment: Uint8Array;
  /** The 6-digit treatment region, which also prefixes the institution's setl_id. */
  readonly admvs: string;
  readonly local: boolean;
}

function institution(code: string, name: string, admvs: string, regionPrefix: string): Institution {
  return {
    code,
    fragment: encode(
      `"fixmedins_code":${JSON.stringify(code)},"fixmedins_name":${JSON.stringify(name)},"mdtrtarea_admvs":"${admvs}"`,
    ),
    admvs,
    local: admvs.startsWith(regionPrefix),
  };
}

/** JSON-quoted catalog item code, pre-encoded. */
type ItemCode = Uint8Array;

interface CatalogPlan {
  readonly items: readonly ItemCode[];
  readonly pharmacies: readonly Institution[];
  readonly hospitals: readonly Institution[];
}

/** Event kinds, as small integers for the per-person event list. */
const Kind = {
  Inpatient: 0,
  CancerInpatient: 1,
  Chronic: 2,
  Outpatient: 3,
  Pharmacy: 4,
  SpecialDrug: 5,
  CarT: 6,
  Proton: 7,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Person {
  index: number;
  county: number;
  male: boolean;
  age: number;
  employee: boolean;
  assisted: boolean;
  civilServant: boolean;
  cancer: Cancer | undefined;
  drugItem: ItemCode | undefined;
  drugInScope: boolean;
}

/** One settlement before rendering (fen, epoch ms). */
interface Draft {
  medType: string;
  begin: number;
  end: number;
  settled: number;
  inst: Institution;
  diagnosis: string | undefined;
  total: number;
  fullOwnPay: number;
  overLimit: number;
  preSelfPay: number;
  inScope: number;
  deductible: number;
  pooled: number;
  critical: number;
  largeAmount: number;
  civilServant: number;
  assistance: number;
  fund: number;
  burden: number;
  account: number;
  cash: number;
  /** Catalog item in 费用明细 and its amount (fen). */
  itemCode: ItemCode | undefined;
  itemAmount: number;
}

function emptyStats(): SynthStats {
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

export class SettlementSynthesizer {
  readonly stats: SynthStats = emptyStats();
  private readonly seed: number;
  private readonly persons: number;
  private readonly invalidRate: number;
  private readonly maxLines: number;
  private readonly invalidRng: Rng;
  private readonly time = new TimeFormatter();

  private readonly regionCode: string;
  private readonly counties: readonly County[];
  private readonly countyCdf: Float64Array;
  private readonly ageCdf: Float64Array;
  private readonly maleShare: number;
  private readonly coverageStart: number;
  private readonly coverageEnd: number;
  private readonly spanStart: number;
  private readonly spanMs: number;
  private readonly firstYear: number;

  private readonly prefectureHospitals: Institution[];
  private readonly countyHospitals: Institution[][];
  private readonly townshipClinics: Institution[][];
  private readonly pharmacies: Institution[][];
  private readonly provincialHospitals: Institution[];
  private readonly outOfProvinceHospitals: Institution[];
  private readonly protonHospital: Institution;
  private readonly drugCatalog: CatalogPlan | undefined;
  private readonly carTItems: readonly ItemCode[] | undefined;
  private readonly protonItems: readonly ItemCode[] | undefined;

  // Per-person, per-calendar-year basic-insurance accumulators (fen), reset for every person.
  private readonly pooledPaid: Float64Array;
  private readonly criticalBase: Float64Array;
  private readonly criticalPaid: Float64Array;
  private readonly largeAmountPaid: Float64Array;
  private readonly assistancePaid: Float64Array;

  private nextIndex = 0;
  private setlSeq = 0;
  /** The current person's events (admission times and kinds) and their time order. */
  private times = new Float64Array(64);
  private kinds = new Uint8Array(64);
  private order = new Uint16Array(64);
  private eventCount = 0;
  private readonly person: Person = {
    index: 0,
    county: 0,
    male: false,
    age: 0,
    employee: false,
    assisted: false,
    civilServant: false,
    cancer: undefined,
    drugItem: undefined,
    drugInScope: false,
  };
  /** The current person's lines (UTF-8), grown on demand. */
  private buf = new Uint8Array(1 << 16);
  private pos = 0;
  /** `"psn_no":…,"certno":…,"psn_name":…,"insutype":…` of the current person, UTF-8. */
  private readonly personBytes = new Uint8Array(1024);
  private personLength = 0;

  constructor(options: SynthOptions) {
    const { product } = options;
    if (!Number.isSafeInteger(options.persons) || options.persons < 0)
      throw new Error("persons must be a whole number ≥ 0");
    if (!Number.isSafeInteger(options.seed) || options.seed < 0)
      throw new Error("seed must be a whole number ≥ 0");
    const invalidRate = options.invalidRate ?? 0;
    if (!(invalidRate >= 0 && invalidRate <= 1)) throw new Error("invalid rate must be between 0 and 1");
    const historyYears = options.historyYears ?? 2;
    if (!Number.isInteger(historyYears) || historyYears < 0 || historyYears > 10) {
      throw new Error("history years must be a whole number from 0 to 10");
    }
    this.seed = options.seed;
    this.persons = options.persons;
    this.invalidRate = invalidRate;
    this.maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;
    this.invalidRng = new Rng(options.seed, -1);

    const profile = regionProfile(product.region.code);
    const prefix = product.region.code.slice(0, 4);
    this.regionCode = product.region.code;
    this.counties = profile.counties;
    this.countyCdf = cumulative(profile.counties.map((c) => c.weight));
    this.ageCdf = ageTable(profile.ages);
    this.maleShare = profile.ages.maleShare;

    this.coverageStart = product.coverage.start;
    this.coverageEnd = product.coverage.end;
    this.spanStart = minusYears(product.coverage.start, historyYears);
    this.spanMs = this.coverageEnd - this.spanStart;
    this.firstYear = beijingYear(this.spanStart);
    const years = beijingYear(this.coverageEnd + 400 * DAY_MS) - this.firstYear + 1;
    this.pooledPaid = new Float64Array(years);
    this.criticalBase = new Float64Array(years);
    this.criticalPaid = new Float64Array(years);
    this.largeAmountPaid = new Float64Array(years);
    this.assistancePaid = new Float64Array(years);

    const seat = profile.counties[0] as County;
    this.prefectureHospitals = [
      institution(`H${seat.code}00001`, `${profile.shortName}人民医院`, seat.code, prefix),
      institution(`H${seat.code}00002`, `${profile.shortName}中医医院`, seat.code, prefix),
    ];
    this.countyHospitals = profile.counties.map((c) => [
      institution(`H${c.code}00011`, `${c.name}人民医院`, c.code, prefix),
      institution(`H${c.code}00012`, `${c.name}中医医院`, c.code, prefix),
    ]);
    this.townshipClinics = profile.counties.map((c) =>
      [1, 2, 3, 4].map((k) => institution(`H${c.code}0010${k}`, `${c.name}第${k}乡镇卫生院`, c.code, prefix)),
    );
    this.pharmacies = profile.counties.map((c) =>
      [1, 2, 3].map((k) => institution(`P${c.code}0001${k}`, `${c.name}第${k}定点零售药店`, c.code, prefix)),
    );
    const hospitals = (places: readonly Place[]) =>
      places.flatMap((p) =>
        [1, 2].map((k) => institution(`H${p.code}0000${k}`, `${p.name}三级医院${k}号`, p.code, prefix)),
      );
    this.provincialHospitals = hospitals(outsideRegion(PROVINCIAL_CAPITAL, product.region.code));
    this.outOfProvinceHospitals = hospitals(outsideRegion(OUT_OF_PROVINCE, product.region.code));
    this.protonHospital = institution(
      `H${PROTON_CENTRE.code}00009`,
      `${PROTON_CENTRE.name}质子重离子医院`,
      PROTON_CENTRE.code,
      prefix,
    );

    const known = new Map<string, Institution>(this.prefectureHospitals.map((i) => [i.code, i]));
    let drugCatalog: CatalogPlan | undefined;
    let carT: ItemCode[] | undefined;
    let proton: ItemCode[] | undefined;
    for (const catalog of product.catalogs) {
      const items = catalog.items.map((i) => encode(JSON.stringify(i.code)));
      const label = `${catalog.id} ${catalog.name}`;
      if (/car-?t/i.test(label)) carT ??= items;
      else if (/proton|heavy|质子|重离子/i.test(label)) proton ??= items;
      else drugCatalog ??= this.catalogPlan(catalog, items, known, seat, prefix);
    }
    this.drugCatalog = drugCatalog;
    this.carTItems = carT;
    this.protonItems = proton;
  }

  private catalogPlan(
    catalog: Catalog,
    items: ItemCode[],
    known: Map<string, Institution>,
    seat: County,
    prefix: string,
  ): CatalogPlan {
    const designated = catalog.designatedInstitutions;
    if (designated === undefined) {
      return {
        items,
        pharmacies: this.pharmacies[0] as Institution[],
        hospitals: this.prefectureHospitals,
      };
    }
    const outlets = designated.map((code) => {
      const existing = known.get(code);
      if (existing !== undefined) return existing;
      const admvs = /^[A-Z](\d{6})/.exec(code)?.[1] ?? seat.code;
      const kind = code.startsWith("P") ? "药店" : "医院";
      return institution(
        code,
        `特药定点${kind}（${code}）`,
        /^\d{6}$/.test(admvs) ? admvs : seat.code,
        prefix,
      );
    });
    const pharmacies = outlets.filter((i) => i.code.startsWith("P"));
    const hospitals = outlets.filter((i) => !i.code.startsWith("P"));
    return {
      items,
      pharmacies: pharmacies.length > 0 ? pharmacies : outlets,
      hospitals: hospitals.length > 0 ? hospitals : outlets,
    };
  }

  get done(): boolean {
    return this.nextIndex >= this.persons || this.stats.lines >= this.maxLines;
  }

  /**
   * Simulates the next person and returns their settlements as UTF-8 JSONL, one line per settlement, each
   * ending with a newline (empty for the many persons without any). The view is reused by the next call.
   */
  nextPersonBytes(): Uint8Array {
    this.pos = 0;
    this.simulate();
    return this.pos === 0 ? EMPTY : this.buf.subarray(0, this.pos);
  }

  /** Same as `nextPersonBytes`, decoded: appends one string per line (without newline) to `out`. */
  nextPerson(out: string[]): void {
    const bytes = this.nextPersonBytes();
    if (bytes.length === 0) return;
    const text = decoder.decode(bytes);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      out.push(text.slice(start, nl));
      start = nl + 1;
    }
  }

  private simulate(): void {
    if (this.done) return;
    const index = this.nextIndex++;
    this.stats.persons++;
    const rng = new Rng(this.seed, index);
    const county = rng.weighted(this.countyCdf);
    const male = rng.chance(this.maleShare);
    const age = rng.weighted(this.ageCdf);
    const employee = age >= 18 && rng.chance(age < 60 ? EMPLOYEE_SHARE_WORKING_AGE : EMPLOYEE_SHARE_60_PLUS);
    const person = this.person;
    person.index = index;
    person.county = county;
    person.male = male;
    person.age = age;
    person.employee = employee;
    person.assisted = !employee && rng.chance(ASSISTED_SHARE);
    person.civilServant = employee && rng.chance(CIVIL_SERVANT_SHARE);
    person.cancer = undefined;
    person.drugItem = undefined;
    person.drugInScope = false;
    const frailty = rng.chance(0.1) ? 3 : 0.7 / 0.9;
    const spanYears = this.spanMs / YEAR_MS;
    const spanStart = this.spanStart;
    const spanEnd = spanStart + this.spanMs;
    this.eventCount = 0;

    this.addEvents(
      rng,
      Kind.Inpatient,
      spanStart,
      spanEnd,
      rng.poisson(inpatientRate(age) * frailty * spanYears),
    );
    if (rng.chance(chronicShare(age))) {
      this.addEvents(rng, Kind.Chronic, spanStart, spanEnd, rng.poisson(CHRONIC_VISITS_PER_YEAR * spanYears));
    }
    this.addEvents(rng, Kind.Outpatient, spanStart, spanEnd, rng.poisson(OUTPATIENT_PER_YEAR * spanYears));
    this.addEvents(rng, Kind.Pharmacy, spanStart, spanEnd, rng.poisson(PHARMACY_PER_YEAR * spanYears));

    if (rng.chance(cancerRisk(age))) {
      const table = male ? CANCER_TABLE.M : CANCER_TABLE.F;
      const cancer = table.list[rng.weighted(table.cdf)] as Cancer;
      person.cancer = cancer;
      // Onset anywhere from 3 years before the window to its end: some are known long before coverage.
      const onset = spanStart - 3 * YEAR_MS + rng.float() * (this.spanMs + 3 * YEAR_MS);
      const from = Math.max(onset, spanStart);
      const activeYears = (spanEnd - from) / YEAR_MS;
      if (onset >= spanStart) this.addEvents(rng, Kind.CancerInpatient, onset, onset, 1);
      this.addEvents(
        rng,
        Kind.CancerInpatient,
        from,
        spanEnd,
        rng.poisson(CANCER_ADMISSIONS_PER_YEAR * activeYears),
      );
      if (this.drugCatalog !== undefined && rng.chance(SPECIAL_DRUG_SHARE)) {
        person.drugItem = rng.pick(this.drugCatalog.items);
        person.drugInScope = rng.chance(0.5);
        const start = from + 30 * DAY_MS;
        if (start < spanEnd) {
          this.addEvents(
            rng,
            Kind.SpecialDrug,
            start,
            spanEnd,
            rng.poisson(SPECIAL_DRUG_PURCHASES_PER_YEAR * activeYears),
          );
        }
      }
      if (this.carTItems !== undefined && cancer.haematological && rng.chance(CAR_T_SHARE)) {
        this.addEvents(rng, Kind.CarT, from, spanEnd, 1);
      }
      if (this.protonItems !== undefined && !cancer.haematological && rng.chance(PROTON_SHARE)) {
        this.addEvents(rng, Kind.Proton, from, spanEnd, 1);
      }
    }
    const count = this.eventCount;
    if (count === 0) return;
    this.stats.personsWithEvents++;
    this.writeIdentity(rng, person);

    // Events in time order (insertion sort: a person has a handful).
    const times = this.times;
    const order = this.order;
    for (let i = 0; i < count; i++) {
      let j = i;
      while (j > 0 && (times[order[j - 1] as number] as number) > (times[i] as number)) {
        order[j] = order[j - 1] as number;
        j--;
      }
      order[j] = i;
    }
    this.pooledPaid.fill(0);
    this.criticalBase.fill(0);
    this.criticalPaid.fill(0);
    this.largeAmountPaid.fill(0);
    this.assistancePaid.fill(0);
    for (let k = 0; k < count; k++) {
      if (this.stats.lines >= this.maxLines) return;
      const i = order[k] as number;
      this.emit(this.draft(rng, person, this.kinds[i] as Kind, times[i] as number), person);
    }
  }

  /**
   * Writes `"psn_no":…,"certno":…,"psn_name":…,"insutype":…` for the person into `personBytes`: an ID number
   * (GB 11643) from the home county, birth date and sex, and a common surname with one or two given characters.
   */
  private writeIdentity(rng: Rng, person: Person): void {
    const b = this.personBytes;
    const [year, month, day] = civilFromDays(
      Math.floor((this.coverageStart - (person.age + rng.float()) * YEAR_MS + BEIJING_OFFSET_MS) / DAY_MS),
    );
    const home = this.counties[person.county] as County;
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
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += ((b[certStart + i] as number) - 48) * (CERTNO_WEIGHTS[i] as number);
    b[o++] = CERTNO_CHECK.charCodeAt(sum % 11);
    o = put(b, o, K.psnName);
    o = put(b, o, rng.pick(SURNAME_BYTES));
    o = put(b, o, rng.pick(GIVEN_BYTES));
    if (rng.chance(0.7)) o = put(b, o, rng.pick(GIVEN_BYTES));
    this.personLength = put(b, o, person.employee ? K.employee : K.resident);
  }

  private addEvents(rng: Rng, kind: Kind, from: number, to: number, count: number): void {
    if (this.eventCount + count > this.times.length) {
      const size = 2 * (this.eventCount + count);
      const times = new Float64Array(size);
      times.set(this.times);
      const kinds = new Uint8Array(size);
      kinds.set(this.kinds);
      this.times = times;
      this.kinds = kinds;
      this.order = new Uint16Array(size);
    }
    for (let i = 0; i < count; i++) {
      this.times[this.eventCount] = Math.floor(from + rng.float() * (to - from));
      this.kinds[this.eventCount++] = kind;
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private draft(rng: Rng, p: Person, kind: Kind, at: number): Draft {
    const d: Draft = {
      medType: "21",
      begin: at - (at % 1000),
      end: 0,
      settled: 0,
      inst: this.prefectureHospitals[0] as Institution,
      diagnosis: undefined,
      total: 0,
      fullOwnPay: 0,
      overLimit: 0,
      preSelfPay: 0,
      inScope: 0,
      deductible: 0,
      pooled: 0,
      critical: 0,
      largeAmount: 0,
      civilServant: 0,
      assistance: 0,
      fund: 0,
      burden: 0,
      account: 0,
      cash: 0,
      itemCode: undefined,
      itemAmount: 0,
    };
    switch (kind) {
      case Kind.Inpatient:
      case Kind.CancerInpatient:
        this.inpatient(rng, p, d, kind === Kind.CancerInpatient);
        break;
      case Kind.Chronic:
        this.outpatient(rng, p, d, "14");
        break;
      case Kind.Outpatient:
        this.outpatient(rng, p, d, "11");
        break;
      case Kind.Pharmacy:
        this.pharmacy(rng, p, d);
        break;
      case Kind.SpecialDrug:
        this.specialDrug(rng, p, d);
        break;
      case Kind.CarT:
      case Kind.Proton:
        this.catalogTherapy(rng, p, d, kind === Kind.CarT);
        break;
    }
    d.fund = d.pooled + d.critical + d.largeAmount + d.civilServant + d.assistance;
    d.burden = d.total - d.fund;
    if (p.employee && d.burden > 0) {
      const balance = d.medType === "41" && rng.chance(0.8) ? d.burden : rng.int(300_000);
      d.account = Math.min(d.burden, balance);
    }
    d.cash = d.burden - d.account;
    return d;
  }

  private localInstitution(rng: Rng, p: Person, tier: number): Institution {
    const county = rng.chance(0.9) ? p.county : rng.weighted(this.countyCdf);
    if (tier === 0) return rng.pick(this.townshipClinics[county] as Institution[]);
    if (tier === 1) return rng.pick(this.countyHospitals[county] as Institution[]);
    return rng.pick(this.prefectureHospitals);
  }

  private inpatient(rng: Rng, p: Person, d: Draft, cancerStay: boolean): void {
    const r = rng.float();
    d.medType = cancerStay ? "21" : r < 0.07 ? "22" : r < 0.12 ? "24" : r < 0.15 ? "23" : "21";
    const tail = rng.chance(cancerStay ? 0.08 : 0.015);
    const away = d.medType === "23" || rng.chance(tail ? 0.35 : 0.06);
    let tier: number;
    if (away) {
      tier = rng.chance(0.85) ? 3 : 4;
      d.inst = rng.pick(tier === 3 ? this.provincialHospitals : this.outOfProvinceHospitals);
    } else {
      tier = tail || cancerStay ? (rng.chance(0.7) ? 2 : 1) : rng.weighted(LOCAL_TIER_WEIGHTS);
      d.inst = this.localInstitution(rng, p, tier);
    }
    if (cancerStay) d.diagnosis = p.cancer?.code;
    else if (d.medType === "22") d.diagnosis = INJURY.codes[rng.weighted(INJURY.cdf)];
    else if (p.age < 15) d.diagnosis = CHILD_INPATIENT.codes[rng.weighted(CHILD_INPATIENT.cdf)];
    else d.diagnosis = ADULT_INPATIENT.codes[rng.weighted(ADULT_INPATIENT.cdf)];

    let yuan: number;
    if (tail) {
      yuan = Math.min(3_000_000, rng.pareto(tier >= 3 ? 60_000 : 40_000, 1.7));
    } else {
      let factor = p.age < 15 ? 0.6 : p.age >= 60 ? 1.15 : 1;
      if (p.employee) factor *= 1.1;
      if (cancerStay) factor *= 1.6;
      if (d.medType === "22") factor *= 1.3;
      yuan = rng.lognormal((MEDIAN_COST_YUAN[tier] as number) * factor, COST_SIGMA);
    }
    d.total = Math.max(10_000, Math.round(yuan * 100));
    const fullShare = Math.min(
      0.6,
      (FULL_OWN_PAY_SHARE[tier] as number) * rng.between(0.3, 1.7) + (tail ? 0.05 : 0),
    );
    this.split(d, fullShare, rng.chance(0.3) ? rng.float() * 0.02 : 0, rng.between(0.02, 0.08));

    const los = Math.max(1, Math.round(rng.lognormal(6, 0.55) * (tail ? 2.5 : 1) * (cancerStay ? 1.3 : 1)));
    d.end = d.begin + los * DAY_MS + Math.floor(rng.float() * 8 * 3600) * 1000;
    d.settled = d.end + Math.floor(rng.float() * 1800) * 1000;
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    this.basic(p, d, scheme.deductible[tier] as number, scheme.ratioBps[tier] as number, true);
  }

  private outpatient(rng: Rng, p: Person, d: Draft, medType: "11" | "14"): void {
    d.medType = medType;
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    let yuan: number;
    if (medType === "14") {
      const cancerCare = p.cancer !== undefined && rng.chance(0.3);
      d.diagnosis = cancerCare
        ? p.cancer?.code
        : CHRONIC_OUTPATIENT.codes[rng.weighted(CHRONIC_OUTPATIENT.cdf)];
      yuan = rng.lognormal(cancerCare ? 3_000 : d.diagnosis === "N18.500" ? 1_500 : 450, 0.8);
      d.inst = rng.chance(0.03)
        ? rng.pick(this.provincialHospitals)
        : this.localInstitution(rng, p, rng.chance(0.7) ? 1 : 2);
    } else {
      d.diagnosis = OUTPATIENT.codes[rng.weighted(OUTPATIENT.cdf)];
      yuan = rng.lognormal(120, 0.6);
      d.inst = this.localInstitution(rng, p, rng.chance(0.6) ? 0 : 1);
    }
    d.total = Math.max(500, Math.round(yuan * 100));
    this.split(d, rng.between(0.01, 0.05), 0, rng.between(0, 0.03));
    d.end = d.begin + (10 + rng.int(110)) * 60_000;
    d.settled = d.end;
    this.basic(
      p,
      d,
      0,
      medType === "14" ? scheme.chronicRatioBps : scheme.outpatientRatioBps,
      medType === "14",
    );
  }

  private pharmacy(rng: Rng, p: Person, d: Draft): void {
    d.medType = "41";
    d.inst = rng.pick(this.pharmacies[p.county] as Institution[]);
    d.total = Math.max(500, Math.round(rng.lognormal(90, 0.7) * 100));
    d.fullOwnPay = Math.floor(d.total * rng.between(0, 0.4));
    d.inScope = d.total - d.fullOwnPay;
    d.end = d.begin + 5 * 60_000;
    d.settled = d.end;
  }

  private specialDrug(rng: Rng, p: Person, d: Draft): void {
    const catalog = this.drugCatalog as CatalogPlan;
    const r = rng.float();
    if (r < 0.1) {
      d.medType = "41";
      d.inst = rng.pick(this.pharmacies[p.county] as Institution[]); // not a designated outlet
    } else if (r < 0.25) {
      d.medType = "14";
      d.inst = rng.pick(catalog.hospitals);
    } else {
      d.medType = "41";
      d.inst = rng.pick(catalog.pharmacies);
    }
    d.diagnosis = p.cancer?.code;
    d.total = Math.round(rng.lognormal(9_000, 0.45) * 100);
    d.end = d.begin + 20 * 60_000;
    d.settled = d.end;
    if (p.drugInScope) {
      // 双通道 national-negotiation drug: 乙类 with 10 % 先行自付, then the outpatient special-drug ratio.
      d.preSelfPay = Math.floor(d.total * 0.1);
      d.inScope = d.total - d.preSelfPay;
      this.basic(p, d, 0, (p.employee ? EMPLOYEE : RESIDENT).specialDrugRatioBps, true);
    } else {
      d.fullOwnPay = d.total;
    }
    const fund = d.pooled + d.critical + d.largeAmount + d.civilServant + d.assistance;
    d.itemCode = p.drugItem;
    d.itemAmount = d.total - fund; // the person's own burden for the drug
  }

  private catalogTherapy(rng: Rng, p: Person, d: Draft, carT: boolean): void {
    const items = (carT ? this.carTItems : this.protonItems) as readonly ItemCode[];
    d.medType = "21";
    d.diagnosis = p.cancer?.code;
    let tier: number;
    if (carT) {
      tier = rng.chance(0.6) ? 3 : 4;
      d.inst = rng.pick(tier === 3 ? this.provincialHospitals : this.outOfProvinceHospitals);
    } else {
      tier = 4;
      d.inst = this.protonHospital;
    }
    const therapy = Math.round(
      (carT ? rng.between(1_100_000, 1_300_000) : rng.between(270_000, 300_000)) * 100,
    );
    const stay = Math.round(rng.lognormal(carT ? 80_000 : 30_000, 0.4) * 100);
    d.total = stay;
    this.split(d, 0.12, 0, rng.between(0.02, 0.08));
    d.total += therapy;
    d.fullOwnPay += therapy; // not in the basic-insurance list: wholly self-paid
    d.itemCode = rng.pick(items);
    d.itemAmount = therapy;
    const los = Math.round(rng.lognormal(carT ? 25 : 40, 0.3));
    d.end = d.begin + los * DAY_MS;
    d.settled = d.end + Math.floor(rng.float() * 1800) * 1000;
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    this.basic(p, d, scheme.deductible[tier] as number, scheme.ratioBps[tier] as number, true);
  }

  /** Splits `d.total` into 全自费, 超限价, 先行自付 and 符合政策范围 by the given shares. */
  private split(d: Draft, fullShare: number, overShare: number, preShare: number): void {
    d.fullOwnPay = Math.floor(d.total * fullShare);
    d.overLimit = Math.floor(d.total * overShare);
    d.preSelfPay = Math.floor(d.total * preShare);
    d.inScope = d.total - d.fullOwnPay - d.overLimit - d.preSelfPay;
  }

  /**
   * Basic insurance and its layers on the in-scope amount, in settlement order: deductible, pooled fund up
   * to the yearly cap, 职工大额 above the cap (employees) or 大病保险 above the yearly threshold
   * (residents), 公务员补助, 医疗救助. Every fund is paid out of what the previous ones left in scope, so
   * the funds never exceed the in-scope amount and out-of-scope ≤ psn_part_amt holds by construction.
   */
  private basic(p: Person, d: Draft, deductible: number, ratioBps: number, layered: boolean): void {
    const y = this.time.year(d.settled) - this.firstYear;
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    d.deductible = Math.min(d.inScope, deductible);
    const base = d.inScope - d.deductible;
    const uncapped = Math.floor((base * ratioBps) / 10_000);
    const room = Math.max(0, scheme.pooledCap - (this.pooledPaid[y] as number));
    d.pooled = Math.min(uncapped, room);
    this.pooledPaid[y] = (this.pooledPaid[y] as number) + d.pooled;
    if (!layered) return;
    if (p.employee) {
      if (d.pooled < uncapped) {
        const excess = Math.max(0, base - Math.ceil((d.pooled * 10_000) / ratioBps));
        const left = Math.max(0, LARGE_AMOUNT_CAP - (this.largeAmountPaid[y] as number));
        d.largeAmount = Math.min(left, Math.floor((excess * LARGE_AMOUNT_RATIO_BPS) / 10_000));
        this.largeAmountPaid[y] = (this.largeAmountPaid[y] as number) + d.largeAmount;
      }
      if (p.civilServant) {
        d.civilServant = Math.floor(((base - d.pooled - d.largeAmount) * CIVIL_SERVANT_RATIO_BPS) / 10_000);
      }
      return;
    }
    const selfPay = d.inScope - d.pooled;
    const before = this.criticalBase[y] as number;
    const after = before + selfPay;
    this.criticalBase[y] = after;
    const threshold = p.assisted ? CRITICAL_THRESHOLD_ASSISTED : CRITICAL_THRESHOLD;
    const over = Math.max(0, after - Math.max(before, threshold));
    if (over > 0) {
      const ratio = p.assisted ? CRITICAL_RATIO_ASSISTED_BPS : CRITICAL_RATIO_BPS;
      const left = Math.max(0, CRITICAL_CAP - (this.criticalPaid[y] as number));
      d.critical = Math.min(left, Math.floor((over * ratio) / 10_000));
      this.criticalPaid[y] = (this.criticalPaid[y] as number) + d.critical;
    }
    if (p.assisted) {
      const left = Math.max(0, ASSISTANCE_CAP - (this.assistancePaid[y] as number));
      d.assistance = Math.min(left, Math.floor(((selfPay - d.critical) * ASSISTANCE_RATIO_BPS) / 10_000));
      this.assistancePaid[y] = (this.assistancePaid[y] as number) + d.assistance;
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private emit(d: Draft, p: Person): void {
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
    if (d.diagnosis !== undefined && d.diagnosis.charCodeAt(0) === 67 /* C */) {
      s.malignantDiagnosis++;
      if (before) s.malignantBeforeCoverage++;
    }
    if (d.total > 30_000_000) s.over300kYuan++;
    if (d.medType.charCodeAt(0) === 50 /* "2" */) {
      s.inpatientCost += d.total;
      s.inpatientInScope += d.inScope;
      s.inpatientFund += d.fund;
      if (!before && d.begin < this.coverageEnd) s.inpatientInCoverage++;
    }

    if (this.invalidRate > 0 && this.invalidRng.float() < this.invalidRate) {
      s.invalid++;
      const kind = CORRUPTIONS[this.invalidRng.int(CORRUPTIONS.length)] as (typeof CORRUPTIONS)[number];
      const line = decoder.decode(b.subarray(start, o - 1));
      const broken = corrupt(line, kind, { fund: d.fund, burden: d.burden }, this.invalidRng);
      const written = utf8.encodeInto(broken, b.subarray(start, b.length - 1)).written;
      b[start + written] = 10;
      this.pos = start + written + 1;
    }
  }
}

/** Cumulative weights over ages 0–99 from the census shares (within-band shape: see docs). */
function ageTable(a: { under15: number; from15to59: number; over60: number; over65: number }): Float64Array {
  const weights: number[] = [];
  for (let age = 0; age < 15; age++) weights.push(a.under15 / 15);
  // Working ages: slightly fewer people at the top of the band.
  let sum = 0;
  const shape: number[] = [];
  for (let age = 15; age < 60; age++) {
    const w = 1.1 - (0.2 * (age - 15)) / 44;
    shape.push(w);
    sum += w;
  }
  for (const w of shape) weights.push((a.from15to59 * w) / sum);
  for (let age = 60; age < 65; age++) weights.push((a.over60 - a.over65) / 5);
  // 65+: geometric decline, 7 % fewer people per year of age.
  let tail = 0;
  const tailShape: number[] = [];
  for (let age = 65; age < 100; age++) {
    const w = 0.93 ** (age - 65);
    tailShape.push(w);
    tail += w;
  }
  for (const w of tailShape) weights.push((a.over65 * w) / tail);
  return cumulative(weights);
}

/**
 * Generates JSONL text in chunks of about `linesPerChunk` lines, each chunk ending with a newline; returns the
 * statistics when done. For tests and small files; the CLI writes `nextPersonBytes()` straight to its output.
 */
export function* synthesizeSettlements(
  options: SynthOptions,
  linesPerChunk = 4096,
): Generator<string, SynthStats> {
  const synth = new SettlementSynthesizer(options);
  let lines: string[] = [];
  while (!synth.done) {
    synth.nextPerson(lines);
    if (lines.length >= linesPerChunk) {
      yield `${lines.join("\n")}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join("\n")}\n`;
  return synth.stats;
}
