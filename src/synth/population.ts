/**
 * The insured population of the synthetic data: who a person is (home county, sex, age, insurance scheme,
 * 医疗救助 cohort, 公务员补助) and which care they have over the window (event kinds and times), drawn from
 * the region's profile. Rates and shares, with their sources or the fact that they are assumptions, are in
 * docs/synthetic-data.md.
 */
import { CANCER_TABLE, type Cancer, cancerRisk } from "./clinical.js";
import { DAY_MS, type ItemCode, Kind, type Person, YEAR_MS } from "./model.js";
import type { County, RegionProfile } from "./regions.js";
import { cumulative, type Rng } from "./rng.js";

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
/** Frail persons (10 %) have 3 × the admission rate; the others 0.7/0.9 × so that the mean stays 1. */
const FRAIL_SHARE = 0.1;
const FRAIL_FACTOR = 3;
const ROBUST_FACTOR = 0.7 / 0.9;

const CHRONIC_VISITS_PER_YEAR = 1.5;
const OUTPATIENT_PER_YEAR = 0.025;
const PHARMACY_PER_YEAR = 0.02;
const CANCER_ADMISSIONS_PER_YEAR = 2;
/** A cancer's onset is drawn from this many years before the window to its end. */
const CANCER_ONSET_YEARS_BEFORE = 3;
const SPECIAL_DRUG_SHARE = 0.35;
/** Share of special-drug users whose drug is in the basic-insurance list (双通道). */
const SPECIAL_DRUG_IN_SCOPE_SHARE = 0.5;
/** Special-drug purchases start this long after the diagnosis. */
const SPECIAL_DRUG_DELAY_MS = 30 * DAY_MS;
const SPECIAL_DRUG_PURCHASES_PER_YEAR = 6;
const CAR_T_SHARE = 0.04; // of haematological cancers, when the product has a CAR-T catalog
const PROTON_SHARE = 0.01; // of solid tumours, when the product has a proton / heavy-ion catalog

/** What the product's catalogs make possible for a cancer patient. */
export interface Therapies {
  /** Items of the special-drug catalog, if the product has one. */
  readonly drugItems: readonly ItemCode[] | undefined;
  readonly carT: boolean;
  readonly proton: boolean;
}

/** Initial capacity of the per-person event list (grown on demand). */
const EVENTS_INITIAL = 64;

export class Population {
  readonly counties: readonly County[];
  readonly countyCdf: Float64Array;
  private readonly ageCdf: Float64Array;
  private readonly maleShare: number;

  /** The current person, reused for every person. */
  readonly person: Person = {
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
  /** The current person's events (admission times and kinds) and their time order. */
  private times = new Float64Array(EVENTS_INITIAL);
  private kinds = new Uint8Array(EVENTS_INITIAL);
  private order = new Uint16Array(EVENTS_INITIAL);
  private eventCount = 0;

  constructor(
    profile: RegionProfile,
    private readonly spanStart: number,
    private readonly spanMs: number,
    private readonly therapies: Therapies,
  ) {
    this.counties = profile.counties;
    this.countyCdf = cumulative(profile.counties.map((c) => c.weight));
    this.ageCdf = ageTable(profile.ages);
    this.maleShare = profile.ages.maleShare;
  }

  /**
   * Draws person `index` into `person` and their events; returns the number of events, which `kindAt` and
   * `timeAt` give in time order.
   */
  draw(rng: Rng, index: number): number {
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
    const frailty = rng.chance(FRAIL_SHARE) ? FRAIL_FACTOR : ROBUST_FACTOR;
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
      const onset =
        spanStart -
        CANCER_ONSET_YEARS_BEFORE * YEAR_MS +
        rng.float() * (this.spanMs + CANCER_ONSET_YEARS_BEFORE * YEAR_MS);
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
      const { drugItems, carT, proton } = this.therapies;
      if (drugItems !== undefined && rng.chance(SPECIAL_DRUG_SHARE)) {
        person.drugItem = rng.pick(drugItems);
        person.drugInScope = rng.chance(SPECIAL_DRUG_IN_SCOPE_SHARE);
        const start = from + SPECIAL_DRUG_DELAY_MS;
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
      if (carT && cancer.haematological && rng.chance(CAR_T_SHARE)) {
        this.addEvents(rng, Kind.CarT, from, spanEnd, 1);
      }
      if (proton && !cancer.haematological && rng.chance(PROTON_SHARE)) {
        this.addEvents(rng, Kind.Proton, from, spanEnd, 1);
      }
    }
    const count = this.eventCount;
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
    return count;
  }

  /** The current person's home county. */
  homeCounty(): County {
    return this.counties[this.person.county] as County;
  }

  /** Kind of the k-th event in time order. */
  kindAt(k: number): Kind {
    return this.kinds[this.order[k] as number] as Kind;
  }

  /** Time (epoch ms) of the k-th event in time order. */
  timeAt(k: number): number {
    return this.times[this.order[k] as number] as number;
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
