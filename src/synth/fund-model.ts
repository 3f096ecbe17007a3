/**
 * Who pays a synthetic settlement: a simplified model of basic insurance (deductible, pooled fund with a
 * yearly cap) and its layers — 大病保险 for residents, 职工大额 for employees, 公务员补助, 医疗救助 — with
 * per-person, per-calendar-year accumulators, then the person's burden split into personal account and cash.
 * Every parameter, with its source or the fact that it is an assumption, is in docs/synthetic-data.md.
 */
import type { TimeFormatter } from "./format.js";
import type { Draft, Person } from "./model.js";
import type { Rng } from "./rng.js";

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
const FULL_RATIO_BPS = 10_000;
/** An employee's personal account pays a pharmacy purchase in full this often (otherwise: its balance). */
const ACCOUNT_PAYS_PHARMACY_SHARE = 0.8;
/** An employee's personal-account balance at a settlement is drawn below this (fen). */
const ACCOUNT_BALANCE_MAX = 300_000;

/** What the funds paid on a draft (fen). */
export function fundsPaid(d: Draft): number {
  return d.pooled + d.critical + d.largeAmount + d.civilServant + d.assistance;
}

export class FundModel {
  // Per-person, per-calendar-year basic-insurance accumulators (fen), reset for every person.
  private readonly pooledPaid: Float64Array;
  private readonly criticalBase: Float64Array;
  private readonly criticalPaid: Float64Array;
  private readonly largeAmountPaid: Float64Array;
  private readonly assistancePaid: Float64Array;

  /** `years` calendar years from `firstYear` (Beijing), the years settlements can fall in. */
  constructor(
    private readonly time: TimeFormatter,
    private readonly firstYear: number,
    years: number,
  ) {
    this.pooledPaid = new Float64Array(years);
    this.criticalBase = new Float64Array(years);
    this.criticalPaid = new Float64Array(years);
    this.largeAmountPaid = new Float64Array(years);
    this.assistancePaid = new Float64Array(years);
  }

  /** A new person: nothing paid yet in any year. */
  reset(): void {
    this.pooledPaid.fill(0);
    this.criticalBase.fill(0);
    this.criticalPaid.fill(0);
    this.largeAmountPaid.fill(0);
    this.assistancePaid.fill(0);
  }

  /** An inpatient stay (or an inpatient therapy) at a hospital of `tier`: the scheme's deductible and ratio. */
  inpatient(p: Person, d: Draft, tier: number): void {
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    this.basic(p, d, scheme.deductible[tier] as number, scheme.ratioBps[tier] as number, true);
  }

  /** An outpatient visit: no deductible; a chronic-disease (门诊慢特病) visit also reaches the layers. */
  outpatient(p: Person, d: Draft, chronic: boolean): void {
    const scheme = p.employee ? EMPLOYEE : RESIDENT;
    this.basic(p, d, 0, chronic ? scheme.chronicRatioBps : scheme.outpatientRatioBps, chronic);
  }

  /** A special drug in the basic-insurance list (双通道): the outpatient special-drug ratio. */
  specialDrug(p: Person, d: Draft): void {
    this.basic(p, d, 0, (p.employee ? EMPLOYEE : RESIDENT).specialDrugRatioBps, true);
  }

  /** Totals of the draft once the funds are set: fund, the person's part, personal account and cash. */
  settle(rng: Rng, p: Person, d: Draft): void {
    d.fund = fundsPaid(d);
    d.burden = d.total - d.fund;
    if (p.employee && d.burden > 0) {
      const balance =
        d.medType === "41" && rng.chance(ACCOUNT_PAYS_PHARMACY_SHARE)
          ? d.burden
          : rng.int(ACCOUNT_BALANCE_MAX);
      d.account = Math.min(d.burden, balance);
    }
    d.cash = d.burden - d.account;
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
    const uncapped = Math.floor((base * ratioBps) / FULL_RATIO_BPS);
    const room = Math.max(0, scheme.pooledCap - (this.pooledPaid[y] as number));
    d.pooled = Math.min(uncapped, room);
    this.pooledPaid[y] = (this.pooledPaid[y] as number) + d.pooled;
    if (!layered) return;
    if (p.employee) {
      if (d.pooled < uncapped) {
        const excess = Math.max(0, base - Math.ceil((d.pooled * FULL_RATIO_BPS) / ratioBps));
        const left = Math.max(0, LARGE_AMOUNT_CAP - (this.largeAmountPaid[y] as number));
        d.largeAmount = Math.min(left, Math.floor((excess * LARGE_AMOUNT_RATIO_BPS) / FULL_RATIO_BPS));
        this.largeAmountPaid[y] = (this.largeAmountPaid[y] as number) + d.largeAmount;
      }
      if (p.civilServant) {
        d.civilServant = Math.floor(
          ((base - d.pooled - d.largeAmount) * CIVIL_SERVANT_RATIO_BPS) / FULL_RATIO_BPS,
        );
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
      d.critical = Math.min(left, Math.floor((over * ratio) / FULL_RATIO_BPS));
      this.criticalPaid[y] = (this.criticalPaid[y] as number) + d.critical;
    }
    if (p.assisted) {
      const left = Math.max(0, ASSISTANCE_CAP - (this.assistancePaid[y] as number));
      d.assistance = Math.min(
        left,
        Math.floor(((selfPay - d.critical) * ASSISTANCE_RATIO_BPS) / FULL_RATIO_BPS),
      );
      this.assistancePaid[y] = (this.assistancePaid[y] as number) + d.assistance;
    }
  }
}
