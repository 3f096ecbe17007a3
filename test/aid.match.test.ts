/**
 * Matching on a synthetic city-year: a few thousand persons (cohorts, ages, regions varied) and their claims in
 * 2025 (diagnoses, 自费, 惠民保, drugs varied), generated with a seeded PRNG. The engine (`allocateAid`, claims in
 * settlement order, usage and budgets carried like the nightly match does) must find exactly the persons an
 * independent brute-force check finds: the check below reads the program files as written (yuan, percent), tests
 * each condition plainly on strings and numbers, and redoes the layer arithmetic without the engine's code.
 */
import { describe, expect, it } from "vitest";
import { EXAMPLE_AID_PROGRAM_FILES } from "../src/aid-programs/index.js";
import { parseAidProgram } from "../src/domain/aid.js";
import type { Cohort } from "../src/domain/cohort.js";
import type { FundPayments } from "../src/domain/settlement.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import { type AidClaim, type AidPerson, aidYear, allocateAid } from "../src/engine/aid.js";

const PERSONS = 3000;
const CLAIMS = 6000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** mulberry32: the same city on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sixth program besides the examples: children in two counties, second half of 2025, fixed 500, small budget. */
const CHILDREN_FILE = {
  schemaVersion: 1,
  id: "children-aid",
  version: 1,
  name: "儿童大病救助（测试）",
  sponsor: { kind: "charity", name: "测试基金会" },
  fund: "children-fund",
  priority: 35,
  period: { start: "2025-07-01 00:00:00", end: "2026-01-01 00:00:00" },
  eligibility: { maxAge: 17, regions: ["532621", "532622"] },
  covers: { kind: "residual", after: ["hmb", "lymphoma-aid"], inScopeOnly: false },
  benefit: { kind: "fixed", amount: 500 },
  caps: { perYear: 1500 },
  budget: { amount: 50000, whenExhausted: "stop" },
  mode: { kind: "automatic" },
};

/** The example files with budgets set to about 90 % of what the synthetic year asks, so money runs out late in it. */
const FILES = [...EXAMPLE_AID_PROGRAM_FILES, CHILDREN_FILE].map((f) => {
  const file = structuredClone(f) as Record<string, unknown> & { id: string; budget: { amount: number } };
  const budgets: Record<string, number> = {
    "sma-drug-assistance": 1_900_000,
    "civil-affairs-illness-aid": 4_500_000,
    "lymphoma-aid": 1_700_000,
    "hardship-worker-aid": 700_000,
  };
  if (budgets[file.id] !== undefined) file.budget.amount = budgets[file.id] as number;
  return file;
});
const PROGRAMS = FILES.map((f) => parseAidProgram(f));

interface Synthetic {
  persons: AidPerson[];
  claims: AidClaim[];
}

function city(seed: number): Synthetic {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const cohorts: (Cohort | undefined)[] = [
    "dibao",
    "dibao",
    "tekun",
    "hardship_worker",
    "hardship_worker",
    "dibao_edge",
    "tuopin",
    ...Array<undefined>(9).fill(undefined),
  ];
  const regions = ["532621", "532622", "532623", "532625", "532628", "532301", "530102"];
  const persons: AidPerson[] = [];
  for (let i = 0; i < PERSONS; i++) {
    const year = 1935 + Math.floor(r() * 90);
    const birthDate = `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`;
    const cohort = pick(cohorts);
    persons.push({
      psnNo: `P${String(i).padStart(5, "0")}`,
      region: pick(regions),
      ...(cohort !== undefined ? { cohort } : {}),
      ...(r() < 0.97 ? { birthDate } : {}),
    });
  }
  const diagnoses = [
    "C81.1",
    "C83.3",
    "C85.9",
    "C86.0",
    "C87",
    "C88.0",
    "C90.0",
    "C91.0",
    "G12.1",
    "G12.1",
    "I21.9",
    "J18.9",
    "E11.9",
    "",
  ];
  const yearStart = mustParseBusinessTime("2025-01-01 00:00:00");
  const fen = (maxYuan: number) => Math.floor(r() * maxYuan * 100);
  const claims: AidClaim[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    // A third of the claims fall on a few persons (chronic patients), so per-year thresholds and caps accumulate.
    const person = r() < 0.33 ? (persons[Math.floor(r() * 60)] as AidPerson) : pick(persons);
    const careAt = yearStart + Math.floor(r() * 365 * DAY_MS);
    const diagnosis = pick(diagnoses);
    const personBurden = fen(60_000);
    const outOfScope = r() < 0.5 ? 0 : Math.floor(r() * personBurden);
    const hmbPay = r() < 0.5 ? 0 : Math.floor(r() * personBurden);
    const funds: FundPayments = {
      pooled: fen(80_000),
      criticalIllness: r() < 0.2 ? fen(30_000) : 0,
      largeAmount: 0,
      civilServant: 0,
      enterpriseSupplementary: 0,
      medicalAssistance: person.cohort === "dibao" || person.cohort === "tekun" ? fen(5_000) : 0,
      other: 0,
    };
    const totalCost = Object.values(funds).reduce((a, b) => a + b, 0) + personBurden;
    const drugCharges =
      diagnosis === "G12.1" && r() < 0.7
        ? [{ code: "SAMPLE-WS-D15", amount: Math.floor(r() * personBurden) }]
        : r() < 0.1
          ? [{ code: "SAMPLE-WS-D01", amount: Math.floor(r() * personBurden) }]
          : [];
    claims.push({
      setlId: `S${String(i).padStart(6, "0")}`,
      psnNo: person.psnNo,
      careAt,
      // Up to 20 days after care: some December stays settle in 2026 and count in the next aid year.
      settledAt: careAt + Math.floor(r() * 20 * DAY_MS),
      ...(diagnosis !== "" ? { diagnosisCode: diagnosis } : {}),
      totalCost,
      funds,
      personBurden,
      outOfScope,
      hmbPay,
      drugCharges,
    });
  }
  claims.sort((a, b) => a.settledAt - b.settledAt || (a.setlId < b.setlId ? -1 : 1));
  return { persons, claims };
}

type Outcome = Map<string, Map<string, number>>; // program id → psn_no → Σ (paid + queued + proposed)

function add(out: Outcome, id: string, psnNo: string, amount: number) {
  if (amount === 0) return;
  let m = out.get(id);
  if (m === undefined) {
    m = new Map();
    out.set(id, m);
  }
  m.set(psnNo, (m.get(psnNo) ?? 0) + amount);
}

/** The engine, run like the nightly match: usage per person-program-year and budgets carried claim to claim. */
function engineMatch({ persons, claims }: Synthetic): { out: Outcome; budgetStops: number; queued: number } {
  const byNo = new Map(persons.map((p) => [p.psnNo, p]));
  const usage = new Map<string, { yearPaid: number; yearThresholdUsed: number }>();
  const remaining = new Map(PROGRAMS.map((p) => [`${p.id}@${p.version}`, p.budget.amount]));
  const out: Outcome = new Map();
  let budgetStops = 0;
  let queued = 0;
  for (const c of claims) {
    const key = (ref: string) => `${c.psnNo}|${ref}|${aidYear(c)}`;
    const a = allocateAid(
      c,
      byNo.get(c.psnNo) as AidPerson,
      PROGRAMS,
      (ref) => usage.get(key(ref)) ?? { yearPaid: 0, yearThresholdUsed: 0 },
      (ref) => ({ remaining: remaining.get(ref) as number }),
    );
    for (const l of a.lines) {
      if (!l.eligible) continue;
      // The simulation grants every application as proposed (yearPaid counts it; the budget pays it).
      const u = usage.get(key(l.ref)) ?? { yearPaid: 0, yearThresholdUsed: 0 };
      usage.set(key(l.ref), {
        yearPaid: u.yearPaid + l.amount + l.queued,
        yearThresholdUsed: u.yearThresholdUsed + l.thresholdUsed,
      });
      remaining.set(l.ref, (remaining.get(l.ref) as number) - l.amount);
      if (l.amount < l.wanted) budgetStops++;
      queued += l.queued;
      add(out, l.programId, c.psnNo, l.amount + l.queued);
    }
  }
  return { out, budgetStops, queued };
}

// ---------------------------------------------------------------------------------------------------------------
// Brute force, written plainly from the files as written (yuan, percent) and the rules in docs/aid.md.

/** The program file as written: only the fields the brute force reads. */
interface File {
  id: string;
  priority: number;
  period: { start: string; end: string };
  eligibility: {
    cohorts?: string[];
    minAge?: number;
    maxAge?: number;
    icd10?: { from: string; to: string }[];
    drugs?: string[];
    regions?: string[];
  };
  covers:
    | { kind: "residual"; after: string[]; inScopeOnly?: boolean }
    | { kind: "drug_cost" }
    | { kind: "premium" };
  benefit:
    | { kind: "fixed"; amount: number }
    | { kind: "ratio_above_threshold"; threshold: { amount: number; per: "case" | "year" }; ratio: number };
  caps?: { perCase?: number; perYear?: number };
  budget: { amount: number; whenExhausted: "stop" | "prorate" | "queue" };
}

const beijing = (ms: number) => new Date(ms + 8 * HOUR_MS).toISOString().replace("T", " ").slice(0, 19);
const toFen = (yuanAmount: number) => Math.round(yuanAmount * 100);
const roundHalfUp = (fenAmount: number, percentValue: number) =>
  Math.floor((fenAmount * percentValue + 50) / 100);

function eligibleByHand(f: File, person: AidPerson, c: AidClaim): boolean {
  const care = beijing(c.careAt); // "yyyy-MM-dd HH:mm:ss": compares as a string
  if (!(care >= f.period.start && care < f.period.end)) return false;
  const e = f.eligibility;
  if (e.regions && !e.regions.some((p) => person.region.slice(0, p.length) === p)) return false;
  if (e.cohorts && !e.cohorts.includes(person.cohort ?? "")) return false;
  if (e.minAge !== undefined || e.maxAge !== undefined) {
    if (!person.birthDate) return false;
    const day = care.slice(0, 10);
    let age = Number(day.slice(0, 4)) - Number(person.birthDate.slice(0, 4));
    if (day.slice(5) < person.birthDate.slice(5)) age -= 1;
    if (e.minAge !== undefined && age < e.minAge) return false;
    if (e.maxAge !== undefined && age > e.maxAge) return false;
  }
  if (e.icd10) {
    const cat = (c.diagnosisCode ?? "").slice(0, 3);
    if (!e.icd10.some((rg) => cat !== "" && cat >= rg.from && cat <= rg.to)) return false;
  }
  const drugs = e.drugs;
  if (drugs && !c.drugCharges.some((d) => drugs.includes(d.code))) return false;
  return true;
}

function bruteMatch({ persons, claims }: Synthetic): Outcome {
  const byNo = new Map(persons.map((p) => [p.psnNo, p]));
  const files = ([...FILES] as unknown as File[]).sort((a, b) => a.priority - b.priority);
  const paidInYear = new Map<string, number>();
  const thresholdInYear = new Map<string, number>();
  const budgetLeft = new Map(files.map((f) => [f.id, toFen(f.budget.amount)]));
  const out: Outcome = new Map();
  for (const c of claims) {
    const person = byNo.get(c.psnNo) as AidPerson;
    const year = beijing(c.settledAt).slice(0, 4);
    const inScope = c.personBurden - c.outOfScope;
    // 惠民保 first from the in-scope part.
    const hmbIn = Math.min(c.hmbPay, inScope);
    const took: Record<string, [number, number]> = { hmb: [hmbIn, c.hmbPay - hmbIn] };
    let leftIn = inScope - hmbIn;
    let leftOut = c.outOfScope - (c.hmbPay - hmbIn);
    for (const f of files) {
      if (f.covers.kind === "premium" || !eligibleByHand(f, person, c)) continue;
      const k = `${c.psnNo}|${f.id}|${year}`;
      const inScopeOnly = f.covers.kind === "residual" && f.covers.inScopeOnly === true;
      let covered: number;
      if (f.covers.kind === "drug_cost") {
        let drug = 0;
        for (const d of c.drugCharges) if (f.eligibility.drugs?.includes(d.code)) drug += d.amount;
        const aidBefore = c.personBurden - c.hmbPay - leftIn - leftOut;
        covered = Math.max(0, drug - c.hmbPay - aidBefore);
      } else {
        let i = inScope;
        let o = c.outOfScope;
        for (const name of new Set<string>(f.covers.after)) {
          i -= took[name]?.[0] ?? 0;
          o -= took[name]?.[1] ?? 0;
        }
        covered = inScopeOnly ? i : i + o;
      }
      let pay: number;
      if (f.benefit.kind === "fixed") pay = Math.min(toFen(f.benefit.amount), covered);
      else {
        let threshold = toFen(f.benefit.threshold.amount);
        if (f.benefit.threshold.per === "year") {
          threshold = Math.max(0, threshold - (thresholdInYear.get(k) ?? 0));
          thresholdInYear.set(k, (thresholdInYear.get(k) ?? 0) + Math.min(covered, threshold));
        }
        pay = roundHalfUp(Math.max(0, covered - threshold), f.benefit.ratio);
      }
      if (f.caps?.perCase !== undefined) pay = Math.min(pay, toFen(f.caps.perCase));
      if (f.caps?.perYear !== undefined)
        pay = Math.min(pay, Math.max(0, toFen(f.caps.perYear) - (paidInYear.get(k) ?? 0)));
      pay = Math.min(pay, inScopeOnly ? leftIn : leftIn + leftOut);
      const fromBudget = Math.min(pay, budgetLeft.get(f.id) as number);
      budgetLeft.set(f.id, (budgetLeft.get(f.id) as number) - fromBudget);
      const reserved = f.budget.whenExhausted === "queue" ? pay : fromBudget;
      paidInYear.set(k, (paidInYear.get(k) ?? 0) + reserved);
      const takeIn = Math.min(reserved, leftIn);
      took[f.id] = [takeIn, reserved - takeIn];
      leftIn -= takeIn;
      leftOut -= reserved - takeIn;
      add(out, f.id, c.psnNo, reserved);
    }
  }
  return out;
}

describe("matching on a synthetic city-year", () => {
  const data = city(2025);
  const engine = engineMatch(data);
  const brute = bruteMatch(data);

  it("the engine matches exactly the persons (and amounts) the brute-force check finds, per program", () => {
    for (const f of FILES) {
      const e = engine.out.get(f.id) ?? new Map<string, number>();
      const b = brute.get(f.id) ?? new Map<string, number>();
      expect([...e.keys()].sort(), f.id).toEqual([...b.keys()].sort());
      expect(Object.fromEntries(e), f.id).toEqual(Object.fromEntries(b));
    }
  });

  it("the synthetic year is not trivial: every program matches some persons and leaves out near-misses", () => {
    const byNo = new Map(data.persons.map((p) => [p.psnNo, p]));
    for (const f of FILES) {
      const matched = engine.out.get(f.id) ?? new Map<string, number>();
      expect(matched.size, f.id).toBeGreaterThan(2);
      // Near-misses: persons with a claim that satisfies the program's cohort rule but were not matched.
      const cohorts = (f as unknown as File).eligibility.cohorts;
      const nearMisses = data.claims.filter(
        (c) =>
          !matched.has(c.psnNo) &&
          (cohorts === undefined || cohorts.includes(byNo.get(c.psnNo)?.cohort as string)),
      );
      expect(nearMisses.length, f.id).toBeGreaterThan(0);
    }
    // Budgets ran out within the year (stop and pro-rate programs stopped, the 民政 line queued).
    expect(engine.budgetStops).toBeGreaterThan(0);
    expect(engine.queued).toBeGreaterThan(0);
    // Some stays settle in the next aid year.
    expect(data.claims.some((c) => aidYear(c) === 2026)).toBe(true);
  });
});
