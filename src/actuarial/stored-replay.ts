/**
 * A stored program's replay (`hmb replay --program`, POST /programs/{id}/replays; issue 13 items 1 and 2),
 * pure: the program's records and enrolled persons in, each design's figures out. services/replay.ts reads
 * them from the database.
 *
 * What the live settle path (services/claims/coverage.ts) knows about a person is what the replay uses, so
 * that under the program's own product and plan it pays exactly what the platform paid:
 *  - the years stored on the policy at issue (migration 018, services/program-years.ts): consecutive insured
 *    years, claim-free years, the pre-existing status locked at first enrollment;
 *  - the enrollment: when the policy was taken out (waiting periods), and — for a family enrollment — the
 *    family (its enrollment_id) whose members share a plan's family deductible pool (migration 020);
 *  - the roster's cohort, sex and birth date (age at the design's coverage start);
 *  - pre-existing status from the person's own records before the design's coverage start (revoked ones
 *    included: the platform's history reads every stored record).
 * Each person is insured for the design's coverage period; a family's members draw on one pool when the
 * design's plan has a family pool, each on their own otherwise. Events are adjudicated in setl_time order
 * (ties by setl_id) per person, or per family when pools are shared — the order `hmb adjudicate` uses.
 *
 * Records arrive as the few columns the engine reads (STORED_RECORD_COLUMNS, decoded by storedSettlement),
 * not as whole JSON records: a replay over a million claims must not parse a million documents.
 */
import { COHORTS, type Cohort } from "../domain/cohort.js";
import type { Fen } from "../domain/money.js";
import { parseYuan } from "../domain/money.js";
import { premiumFor } from "../domain/premium.js";
import { findPlan } from "../domain/product.js";
import type { FundPayments, MedType, Settlement } from "../domain/settlement.js";
import { parseBusinessTime } from "../domain/time.js";
import type { Adjudication } from "../engine/adjudicate.js";
import { type CompiledPlan, compilePlan } from "../engine/compile.js";
import { adjudicateEnrolled, type EnrolledEvent, type EnrolledPerson } from "../engine/enrolled.js";
import { FUND_OF } from "../engine/preexisting.js";
import {
  addReplayTotals,
  designReplay,
  payoutBands,
  type ReplayDesign,
  type ReplayResult,
  type ReplayTotals,
} from "./replay.js";

/**
 * The columns of a stored record the replay reads, in this order (services/replay.ts selects them; each as
 * text or null): the medical_records columns the platform stores beside the record, a few national fields of
 * the record, the whole record only when it has fee items (parsed as the platform parsed it), whether the
 * claim on it was revoked, then the funds pre-existing rules look at (fundColumns).
 */
export const STORED_RECORD_COLUMNS = [
  "setl_id",
  "psn_no",
  "med_type",
  "admitted_ms",
  "settled_ms",
  "fixmedins_code",
  "diagnosis_code",
  "psn_part_amt_fen",
  "insutype",
  "mdtrtarea_admvs",
  "endtime",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "preselfpay_amt",
  "record_with_fee_items",
  "revoked",
] as const;

/** Index of a column in a row of STORED_RECORD_COLUMNS. */
const C = Object.fromEntries(STORED_RECORD_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof STORED_RECORD_COLUMNS)[number],
  number
>;

/** The FundPayments keys the designs' pre-existing rules read (prior_fund_payment), in a fixed order. */
export function fundColumns(designs: readonly ReplayDesign[]): (keyof FundPayments)[] {
  const keys = new Set<keyof FundPayments>();
  for (const d of designs)
    for (const c of d.product.preExistingConditions)
      if (c.rule.kind === "prior_fund_payment")
        for (const f of c.rule.funds) {
          const key = FUND_OF[f];
          if (key !== undefined) keys.add(key);
        }
  return [...keys].sort();
}

const NO_FUNDS: FundPayments = {
  pooled: 0,
  criticalIllness: 0,
  largeAmount: 0,
  civilServant: 0,
  enterpriseSupplementary: 0,
  medicalAssistance: 0,
  other: 0,
};

/**
 * GB 11643's own example number: the platform keeps records without certno and the engine never reads it,
 * but a Settlement (and the parser) needs a well-formed one.
 */
export const PLACEHOLDER_CERTNO = "11010519491231002X";

/** A stored row decoded: the settlement, and whether its claim was revoked (then it is history only). */
export type StoredRecord = EnrolledEvent;

const fen = (text: string | null): Fen | undefined => {
  if (text === null) return 0;
  const parsed = parseYuan(text);
  return parsed.ok ? parsed.fen : undefined;
};

/**
 * One row of STORED_RECORD_COLUMNS (+ fund columns) as the Settlement the engine reads: the fields it uses
 * are exactly what parseSettlement made of the record when it was stored (amounts by parseYuan, times by
 * parseBusinessTime or the stored instants); the amounts no engine rule reads (medfee_sumamt, the fund
 * totals, account and cash) are 0. `fullRecord` parses a row that has fee items (its whole record); undefined
 * when a row does not decode as expected — the caller then reads and parses that record whole.
 */
export function storedSettlement(
  row: readonly (string | null)[],
  funds: readonly (keyof FundPayments)[],
  fullRecord: (json: string) => Settlement | undefined,
): StoredRecord | undefined {
  const revoked = row[C.revoked] === "t" || row[C.revoked] === "true";
  const whole = row[C.record_with_fee_items] ?? null;
  if (whole !== null) {
    const settlement = fullRecord(whole);
    return settlement === undefined ? undefined : { settlement, revoked };
  }
  const setlId = row[C.setl_id];
  const psnNo = row[C.psn_no];
  const medType = row[C.med_type];
  const insutype = row[C.insutype];
  const institutionCode = row[C.fixmedins_code];
  const treatmentRegion = row[C.mdtrtarea_admvs];
  if (
    setlId == null ||
    psnNo == null ||
    medType == null ||
    institutionCode == null ||
    treatmentRegion == null ||
    (insutype !== "310" && insutype !== "390")
  )
    return undefined;
  const admittedAt = Number(row[C.admitted_ms]);
  const settledAt = Number(row[C.settled_ms]);
  const personBurden = Number(row[C.psn_part_amt_fen]);
  const endtime = row[C.endtime] ?? null;
  const dischargedAt = endtime === null ? undefined : parseBusinessTime(endtime);
  const fullOwnPay = fen(row[C.fulamt_ownpay_amt] ?? null);
  const overLimitSelfPay = fen(row[C.overlmt_selfpay] ?? null);
  const preSelfPay = fen(row[C.preselfpay_amt] ?? null);
  if (
    !Number.isSafeInteger(admittedAt) ||
    !Number.isSafeInteger(settledAt) ||
    !Number.isSafeInteger(personBurden) ||
    (endtime !== null && dischargedAt === undefined) ||
    fullOwnPay === undefined ||
    overLimitSelfPay === undefined ||
    preSelfPay === undefined
  )
    return undefined;
  let fundPayments = NO_FUNDS;
  if (funds.length > 0) {
    const paid: Record<string, Fen> = { ...NO_FUNDS };
    for (let i = 0; i < funds.length; i++) {
      const text = row[STORED_RECORD_COLUMNS.length + i] ?? null;
      paid[funds[i] as string] = text === null ? 0 : Number(text);
    }
    fundPayments = paid as unknown as FundPayments;
  }
  const outOfScope = fullOwnPay + overLimitSelfPay;
  const settlement: Settlement = {
    setlId,
    psnNo,
    certno: PLACEHOLDER_CERTNO,
    psnName: undefined,
    insutype,
    medType: medType as MedType,
    admittedAt,
    dischargedAt,
    settledAt,
    institutionCode,
    institutionName: undefined,
    treatmentRegion,
    diagnosisCode: row[C.diagnosis_code] ?? undefined,
    totalCost: 0,
    fullOwnPay,
    overLimitSelfPay,
    preSelfPay,
    inPolicyScope: 0,
    basicDeductiblePaid: 0,
    funds: fundPayments,
    fundTotal: 0,
    personBurden,
    outOfScope,
    inScopeSelfPay: personBurden - outOfScope,
    accountPay: 0,
    cashPay: 0,
    catalogItems: NO_ITEMS,
    feeItems: NO_ITEMS,
    person: undefined,
  };
  return { settlement, revoked };
}

const NO_ITEMS: never[] = [];

/** The premium rules' cohorts numbered from 1 (0: none) for StoredReplay's premium keys. */
const COHORT_NUMBERS = new Map(Object.keys(COHORTS).map((c, i) => [c, i + 1]));

/** An enrolled person as the live settle path sees them (see the module comment). */
export type StoredPerson = EnrolledPerson;

interface PersonEvents {
  readonly person: StoredPerson;
  readonly events: StoredRecord[];
}

/** Per design: the compiled plan, the premium, the totals and each person's yearly payout. */
interface DesignState {
  readonly design: ReplayDesign;
  readonly plan: CompiledPlan;
  premium: Fen;
  readonly totals: ReplayTotals;
  /** Yearly payout of each person with a record. */
  readonly payouts: Fen[];
}

const byTimeThenId = (x: StoredRecord, y: StoredRecord): number => {
  const a = x.settlement;
  const b = y.settlement;
  return a.settledAt - b.settledAt || (a.setlId < b.setlId ? -1 : a.setlId > b.setlId ? 1 : 0);
};

/**
 * Persons (addPerson) and records (addRecord) in any order, then finish(); addPersonRecords may adjudicate a person
 * whose records are all in early. Records of persons who are not enrolled are left out (they were never
 * insured); the claims counted are the records not revoked.
 */
export class StoredReplay {
  private readonly states: DesignState[];
  private readonly persons = new Map<string, StoredPerson>();
  private readonly records = new Map<string, StoredRecord[]>();

  /**
   * `onClaim`, when given, is told every claim's adjudication under each design (its index in `designs`):
   * tests compare them with what the platform paid, claim by claim.
   */
  constructor(
    designs: readonly ReplayDesign[],
    private readonly onClaim?: (design: number, a: Adjudication) => void,
  ) {
    this.states = designs.map((design) => ({
      design,
      plan: compilePlan(design.product, design.planId),
      premium: 0,
      totals: {
        claims: 0,
        paidClaims: 0,
        hmbPay: 0,
        coveredBurden: 0,
        beneficiaries: 0,
        bandPersons: [],
        bandPay: [],
      },
      payouts: [],
    }));
  }

  get insured(): number {
    return this.persons.size;
  }

  /** An enrolled person; their premium under each design's plan is counted at finish(). */
  addPerson(p: StoredPerson): void {
    this.persons.set(p.psnNo, p);
    const key = this.premiumKey(p);
    const same = this.premiumSubjects.get(key);
    if (same === undefined) this.premiumSubjects.set(key, { person: p, count: 1 });
    else same.count++;
  }

  /**
   * Persons by what their premium depends on (birth date, cohort, sex): one premium per design each. The key is
   * a number (a string built per person and hashed cost a second per half million persons).
   */
  private readonly premiumSubjects = new Map<number, { person: StoredPerson; count: number }>();
  /**
   * Birth date digits, cohort and sex in one number; persons with equal keys pay equal premiums. A cohort the
   * premium rules do not know is priced as none (addPremiums), so it is keyed as none.
   */
  private premiumKey(p: StoredPerson): number {
    const cohort = p.cohort === undefined ? 0 : (COHORT_NUMBERS.get(p.cohort) ?? 0);
    // Any sex code but 1 and 2 is passed to the premium rule as unknown (addPremiums): keyed as none.
    const sex = p.sex === "1" ? 1 : p.sex === "2" ? 2 : 0;
    // yyyy-MM-dd as the number yyyyMMdd (0 when unknown); anything else gets a key of its own below.
    const b = p.birthDate;
    let date = 0;
    if (b !== undefined) {
      date = Number(b.slice(0, 4)) * 10_000 + Number(b.slice(5, 7)) * 100 + Number(b.slice(8, 10));
      if (b.length !== 10 || !Number.isSafeInteger(date)) date = -1 - this.premiumSubjects.size;
    }
    return (date * (COHORT_NUMBERS.size + 1) + cohort) * 3 + sex;
  }

  private addPremiums(): void {
    for (const s of this.states) {
      const plan = findPlan(s.design.product, s.design.planId);
      for (const { person: p, count } of this.premiumSubjects.values()) {
        let amount = plan.premium.base;
        if (p.birthDate !== undefined) {
          const cohort = p.cohort !== undefined && Object.hasOwn(COHORTS, p.cohort) ? p.cohort : undefined;
          const sex = p.sex === "1" || p.sex === "2" ? p.sex : undefined;
          amount = premiumFor(
            plan,
            { birthDate: p.birthDate, cohort: cohort as Cohort | undefined, sex },
            s.design.product.coverage.start,
          ).amount;
        }
        s.premium += amount * count;
      }
    }
  }

  addRecord(r: StoredRecord): void {
    const psnNo = r.settlement.psnNo;
    const list = this.records.get(psnNo);
    if (list === undefined) this.records.set(psnNo, [r]);
    else list.push(r);
  }

  /**
   * All of one person's records at once (records streamed in psn_no order, none read whole later): adjudicated
   * now unless the person is of a family enrollment (then they wait for finish(), like addRecord's); records
   * of a person not enrolled are left out, as finish() leaves them out.
   */
  addPersonRecords(psnNo: string, events: StoredRecord[]): void {
    const person = this.persons.get(psnNo);
    if (person === undefined) return;
    if (person.familyKey !== undefined) {
      for (const e of events) this.addRecord(e);
      return;
    }
    if (events.some((e) => !e.revoked)) this.adjudicateGroup([{ person, events }]);
  }

  finish(): ReplayResult {
    return storedReplayResult(
      this.states.map((s) => s.design),
      [this.partial()],
    );
  }

  /**
   * What this replay saw, summed: the insured count and, per design, the totals and the premium. Replays over
   * disjoint sets of persons (whole families) add up (storedReplayResult): the parallel replay's workers each
   * send theirs. Once, after the last record: it adjudicates the families and counts the premiums.
   */
  partial(): StoredReplayPartial {
    // Groups adjudicated together: a family enrollment's members, else one person.
    const families = new Map<string, PersonEvents[]>();
    for (const [psnNo, events] of this.records) {
      const person = this.persons.get(psnNo);
      if (person === undefined) continue;
      if (!events.some((e) => !e.revoked)) continue;
      const entry = { person, events };
      if (person.familyKey === undefined) {
        this.adjudicateGroup([entry]);
        continue;
      }
      const members = families.get(person.familyKey);
      if (members === undefined) families.set(person.familyKey, [entry]);
      else members.push(entry);
    }
    for (const members of families.values()) this.adjudicateGroup(members);
    this.records.clear();
    this.addPremiums();
    return {
      insured: this.persons.size,
      designs: this.states.map((s) => {
        const bands = payoutBands(s.payouts);
        let beneficiaries = 0;
        for (const p of s.payouts) if (p > 0) beneficiaries++;
        return {
          premium: s.premium,
          totals: {
            ...s.totals,
            beneficiaries,
            bandPersons: bands.map((b) => b.persons),
            bandPay: bands.map((b) => b.hmbPay),
          },
        };
      }),
    };
  }

  private adjudicateGroup(members: readonly PersonEvents[]): void {
    for (const m of members) m.events.sort(byTimeThenId);
    // A family's events in one setl_time order, made once for every design whose plan shares a pool.
    let merged: StoredRecord[] | undefined;
    const mergedEvents = () => {
      merged ??= members.flatMap((m) => m.events).sort(byTimeThenId);
      return merged;
    };
    for (const [index, s] of this.states.entries()) {
      const paid = adjudicateEnrolled(s.plan, members, mergedEvents, (a) => {
        s.totals.claims++;
        if (a.hmbPay > 0) s.totals.paidClaims++;
        s.totals.hmbPay += a.hmbPay;
        if (a.status !== "not_covered") s.totals.coveredBurden += a.personBurden;
        this.onClaim?.(index, a);
      });
      for (const p of paid) s.payouts.push(p);
    }
  }
}

/** A replay's sums over its persons (StoredReplay.partial), per design in the order of its designs. */
export interface StoredReplayPartial {
  readonly insured: number;
  readonly designs: readonly { readonly totals: ReplayTotals; readonly premium: Fen }[];
}

/** The figures of `designs` from the partials of replays over disjoint sets of persons (whole families). */
export function storedReplayResult(
  designs: readonly ReplayDesign[],
  partials: readonly StoredReplayPartial[],
): Extract<ReplayResult, { ok: true }> {
  return {
    ok: true,
    designs: designs.map((design, i) => {
      const parts = partials.map((p) => p.designs[i] as StoredReplayPartial["designs"][number]);
      const [first, ...others] = parts;
      if (first === undefined) throw new Error("storedReplayResult: no partial");
      let totals = first.totals;
      let premium = first.premium;
      for (const o of others) {
        totals = addReplayTotals(totals, o.totals);
        premium += o.premium;
      }
      return designReplay(design, totals, premium);
    }),
  };
}

/** The stored result of a replay with no errors (stored records were valid when they came in). */
export type StoredReplayResult = Extract<ReplayResult, { ok: true }>;
