/**
 * Anti-selection scenarios (test/anti-selection.test.ts, test/browser.anti-selection.test.ts): a chain of three
 * program years on 楚雄 2023's terms, the same persons on every roster (psn_no differs per year), enrolled and
 * settled in-process. 带病体: a 2022 settlement with 大病保险 paid (楚雄's pre-existing rule), in the first
 * program year only — the later years find it across the chain.
 */
import { expect } from "vitest";
import { ANTI_SELECTION_AGE_BANDS } from "../../src/actuarial/anti-selection.js";
import { ratio4 } from "../../src/actuarial/replay.js";
import { makeCertno, maskCertno } from "../../src/domain/certno.js";
import { parseYuan } from "../../src/domain/money.js";
import { blindIndex, encrypt } from "../../src/platform/crypto.js";
import { settleClaim } from "../../src/services/claims/settle.js";
import { CLI_ACTOR, type PlatformContext } from "../../src/services/context.js";
import { enroll } from "../../src/services/enrollment.js";
import { createProgram } from "../../src/services/programs.js";
import { record } from "../fixtures.js";
import type { TestPlatform } from "./platform.js";

export const PRODUCT = "chuxiong-2023";
const REGION = "532301";
/** 楚雄 2023: enrollment 2022-09-16 – 2022-12-15, coverage the calendar year 2023. */
export const IN_WINDOW = "2022-11-01T10:00:00+08:00";
/** Before coverage: the sick's 2022 stay, 大病保险 paid (楚雄's pre-existing rule, 2 years back). */
const HISTORY_AT = "2022-10-20 10:00:00";
const IN_COVERAGE = "2023-06-30T10:00:00+08:00";
const STAY_AT = "2023-05-10 10:00:00";
/** The unit (单位) every roster person belongs to: the test enrolls each year in one go. */
const UNIT = "U-AS";
export const PREMIUM_FEN = 6_800;

export interface Person {
  readonly key: string;
  readonly brdy: string;
  readonly sick: boolean;
  /** Program years (1, 2, 3) whose roster lists them. */
  readonly rosters: readonly number[];
  /** Program years they are insured in. */
  readonly insured: readonly number[];
  /** Program years with a paying stay. */
  readonly claims: readonly number[];
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const ALL_YEARS = [1, 2, 3];

/** A: the healthy leave, the sick stay; the old sick claim. */
export function spiral(): Person[] {
  const out: Person[] = [];
  for (const [i, key] of range("H", 20).entries()) {
    const n = i + 1;
    out.push({
      key,
      brdy: n <= 4 ? "1955-06-01" : "1985-06-01",
      sick: false,
      rosters: ALL_YEARS,
      insured: n <= 2 ? [1, 2, 3] : n <= 6 ? [1, 2] : [1],
      claims: n === 5 ? [1] : [],
    });
  }
  for (const [i, key] of range("S", 10).entries()) {
    const n = i + 1;
    out.push({
      key,
      brdy: n <= 6 ? "1950-06-01" : "1975-06-01",
      sick: true,
      rosters: ALL_YEARS,
      insured: n <= 9 ? [1, 2, 3] : [1, 2],
      claims: n <= 3 ? [1] : n <= 5 ? [2] : [],
    });
  }
  for (const key of range("N", 10))
    out.push({ key, brdy: "1990-06-01", sick: false, rosters: ALL_YEARS, insured: [], claims: [] });
  // Moved away after year 1: not on the later rosters, so outside every persistence base.
  out.push({ key: "M1", brdy: "1980-06-01", sick: false, rosters: [1], insured: [1], claims: [] });
  return out;
}

/** B: 80 % of each group renew, 70 % of each stay three years; one young healthy claim. */
export function balanced(): Person[] {
  const out: Person[] = [];
  for (const [i, key] of range("H", 20).entries()) {
    const n = i + 1;
    out.push({
      key,
      brdy: n <= 4 ? "1955-06-01" : "1985-06-01",
      sick: false,
      rosters: ALL_YEARS,
      insured: n <= 14 ? [1, 2, 3] : n <= 16 ? [1, 2] : [1],
      claims: n === 5 ? [1] : [],
    });
  }
  for (const [i, key] of range("S", 10).entries()) {
    const n = i + 1;
    out.push({
      key,
      brdy: "1975-06-01",
      sick: true,
      rosters: ALL_YEARS,
      insured: n <= 7 ? [1, 2, 3] : n <= 8 ? [1, 2] : [1],
      claims: [],
    });
  }
  for (const key of range("N", 10))
    out.push({ key, brdy: "1990-06-01", sick: false, rosters: ALL_YEARS, insured: [], claims: [] });
  return out;
}

/** Age in whole years at 2023-01-01 (all birthdays are 1 June). */
export const ageIn2023 = (p: Person) => 2023 - Number(p.brdy.slice(0, 4)) - 1;

export interface Chain {
  readonly programs: readonly string[];
  readonly people: readonly Person[];
  /** hmb_pay in fen per person key per year, as settleClaim answered. */
  readonly paid: Map<string, number>;
}

const psnNo = (chain: string, year: number, key: string) => `${chain}${year}-${key}`;

async function addRoster(ctx: PlatformContext, programId: string, psn: string, certno: string, brdy: string) {
  await ctx.db.query(
    `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
       insutype, admdvs, unit_code) values ($1,$2,$3,$4,$5,'测试','1',$6,'390',$7,$8)`,
    [
      programId,
      psn,
      encrypt(ctx.keys, certno),
      blindIndex(ctx.keys, certno),
      maskCertno(certno),
      brdy,
      REGION,
      UNIT,
    ],
  );
}

/** Programs `${tag}-1..3` (each following the one before), rosters, enrollments and 2022 history. */
export async function buildChain(
  tp: TestPlatform,
  tag: string,
  people: Person[],
  seqBase: number,
): Promise<Chain> {
  const { ctx } = tp;
  const programs = ALL_YEARS.map((y) => `${tag}-${y}`);
  tp.clock.set(IN_WINDOW);
  for (const [i, id] of programs.entries())
    await createProgram(ctx, CLI_ACTOR, {
      programId: id,
      productId: PRODUCT,
      ...(i === 0 ? {} : { follows: programs[i - 1] as string }),
    });
  const certnos = new Map<string, string>();
  for (const [i, p] of people.entries()) {
    const certno = makeCertno(REGION, p.brdy.replaceAll("-", ""), seqBase + i);
    certnos.set(p.key, certno);
    for (const y of p.rosters)
      await addRoster(ctx, programs[y - 1] as string, psnNo(tag, y, p.key), certno, p.brdy);
  }
  // One unit enrollment per year (every roster person is in the unit): far fewer transactions than one each.
  for (const y of ALL_YEARS)
    await enroll(ctx, CLI_ACTOR, {
      programId: programs[y - 1] as string,
      kind: "unit",
      unitCode: UNIT,
      psnNos: people.filter((p) => p.insured.includes(y)).map((p) => psnNo(tag, y, p.key)),
      channel: "offline",
    });
  const stay = (y: number, p: Person, setlId: string, at: string, criticalIllness: number) =>
    settleClaim(ctx, CLI_ACTOR, {
      programId: programs[y - 1] as string,
      record: {
        ...record({
          setlId,
          psnNo: psnNo(tag, y, p.key),
          inScope: 3_000_000,
          criticalIllness,
          setlTime: at,
          region: REGION,
          institution: "H53230100001",
        }),
        certno: certnos.get(p.key),
      },
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
    });
  // The sick's history: one 2022 stay each, in the first program year only.
  for (const p of people.filter((x) => x.sick)) {
    const h = await stay(1, p, `${tag}-HIST-${p.key}`, HISTORY_AT, 500_000);
    expect(h.response.hmb_pay).toBe("0.00");
  }
  tp.clock.set(IN_COVERAGE);
  const paid = new Map<string, number>();
  for (const p of people)
    for (const y of p.claims) {
      const out = await stay(y, p, `${tag}-${y}-${p.key}`, STAY_AT, 0);
      const fen = parseYuan(out.response.hmb_pay);
      if (!fen.ok) throw new Error(out.response.hmb_pay);
      expect(fen.fen).toBeGreaterThan(0);
      paid.set(`${y}:${p.key}`, fen.fen);
    }
  return { programs, people, paid };
}

/** The figures of year `y`, computed from the scenario lists. */
export function expected(c: Chain, y: number) {
  const insured = (yy: number) => c.people.filter((p) => p.insured.includes(yy));
  const onRoster = (yy: number) => (p: Person) => p.rosters.includes(yy);
  const claimsOf = (p: Person) => c.paid.get(`${y}:${p.key}`) ?? 0;
  const sum = (ps: Person[], f: (p: Person) => number) => ps.reduce((n, p) => n + f(p), 0);
  const now = insured(y);
  const totalClaims = sum(now, claimsOf);
  const share = (g: Person[]) => ({
    persons: g.length,
    premium_share: ratio4(g.length * PREMIUM_FEN, now.length * PREMIUM_FEN) ?? null,
    claims_share: ratio4(sum(g, claimsOf), totalClaims) ?? null,
  });
  const rate = (ps: Person[], kept: (p: Person) => boolean) => ({
    base: ps.length,
    count: ps.filter(kept).length,
    rate: ratio4(ps.filter(kept).length, ps.length) ?? null,
  });
  const base = y >= 2 ? insured(y - 1).filter(onRoster(y)) : [];
  const renewed = (p: Person) => p.insured.includes(y);
  const base3 = y >= 3 ? insured(y - 2).filter(onRoster(y)) : [];
  const stayed = (p: Person) => p.insured.includes(y - 1) && p.insured.includes(y);
  return {
    eligible: c.people.filter(onRoster(y)).length,
    enrolled: now.length,
    claimsFen: totalClaims,
    senior: share(now.filter((p) => ageIn2023(p) >= 60)),
    preExisting: share(now.filter((p) => p.sick)),
    persistence: {
      overall: rate(base, renewed),
      healthy: rate(
        base.filter((p) => !p.sick),
        renewed,
      ),
      pre_existing: rate(
        base.filter((p) => p.sick),
        renewed,
      ),
      byBand: ANTI_SELECTION_AGE_BANDS.map((b) =>
        rate(
          base.filter((p) => ageIn2023(p) >= b.min && (b.max === null || ageIn2023(p) <= b.max)),
          renewed,
        ),
      ),
      left: y >= 2 ? insured(y - 1).length - base.length : 0,
    },
    persistence3: {
      healthy: rate(
        base3.filter((p) => !p.sick),
        stayed,
      ),
      pre_existing: rate(
        base3.filter((p) => p.sick),
        stayed,
      ),
    },
  };
}
