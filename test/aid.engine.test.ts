/**
 * The aid engine (src/engine/aid.ts) on hand-worked cases: every expected amount is worked out in the comment
 * above it, in yuan, from the rules in docs/aid.md ("分层负担与救助计算"). Money in the code is fen (`yuan(…)`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exampleAidProgram, exampleAidPrograms } from "../src/aid-programs/index.js";
import { type AidProgram, parseAidProgram } from "../src/domain/aid.js";
import { yuan } from "../src/domain/money.js";
import type { FundPayments } from "../src/domain/settlement.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import {
  type AidBudget,
  type AidClaim,
  AidInvariantError,
  type AidPerson,
  type AidUsage,
  aidEligibility,
  aidYear,
  allocateAid,
  catastrophicShare,
  claimLayers,
  isCatastrophic,
  MAX_CATASTROPHIC_SHARE_BPS,
  orderAidPrograms,
  prorateRound,
  WHO_CATASTROPHIC_BPS,
} from "../src/engine/aid.js";

const must = <T>(v: T | undefined): T => {
  if (v === undefined) throw new Error("missing example");
  return v;
};
const SMA = must(exampleAidProgram("sma-drug-assistance"));
const CIVIL = must(exampleAidProgram("civil-affairs-illness-aid"));
const LYMPHOMA = must(exampleAidProgram("lymphoma-aid"));
const UNION = must(exampleAidProgram("hardship-worker-aid"));

const NO_FUNDS: FundPayments = {
  pooled: 0,
  criticalIllness: 0,
  largeAmount: 0,
  civilServant: 0,
  enterpriseSupplementary: 0,
  medicalAssistance: 0,
  other: 0,
};

/** A claim in yuan: funds and burden given, medfee_sumamt derived so the settlement identity holds. */
function claim(c: {
  setlId?: string;
  psnNo?: string;
  care?: string;
  diagnosis?: string;
  funds?: Partial<Record<keyof FundPayments, number>>;
  burden: number;
  outOfScope?: number;
  hmb?: number;
  drugs?: { code: string; amount: number }[];
}): AidClaim {
  const given: Record<string, number> = { ...NO_FUNDS };
  for (const [k, v] of Object.entries(c.funds ?? {})) given[k] = yuan(v);
  const funds = given as unknown as FundPayments;
  const fundTotal = Object.values(funds).reduce((a, b) => a + b, 0);
  const at = mustParseBusinessTime(c.care ?? "2025-05-10 09:00:00");
  return {
    setlId: c.setlId ?? "S-1",
    psnNo: c.psnNo ?? "P-1",
    careAt: at,
    settledAt: at + 5 * 86_400_000,
    ...(c.diagnosis !== undefined ? { diagnosisCode: c.diagnosis } : {}),
    totalCost: fundTotal + yuan(c.burden),
    funds,
    personBurden: yuan(c.burden),
    outOfScope: yuan(c.outOfScope ?? 0),
    hmbPay: yuan(c.hmb ?? 0),
    drugCharges: (c.drugs ?? []).map((d) => ({ code: d.code, amount: yuan(d.amount) })),
  };
}

const DIBAO: AidPerson = { psnNo: "P-1", cohort: "dibao", birthDate: "1970-06-01", region: "532621" };
const NO_USAGE = (): AidUsage => ({ yearPaid: 0, yearThresholdUsed: 0 });
const PLENTY = (): AidBudget => ({ remaining: yuan(10_000_000) });
const usageOf =
  (m: Record<string, { yearPaid?: number; yearThresholdUsed?: number }>) =>
  (ref: string): AidUsage => ({
    yearPaid: yuan(m[ref]?.yearPaid ?? 0),
    yearThresholdUsed: yuan(m[ref]?.yearThresholdUsed ?? 0),
  });
const budgetOf =
  (m: Record<string, number>) =>
  (ref: string): AidBudget => ({ remaining: yuan(m[ref] ?? 10_000_000) });

/** A synthetic program file in yuan/percent, parsed like a real one. */
function program(id: string, over: Record<string, unknown> = {}): AidProgram {
  return parseAidProgram({
    schemaVersion: 1,
    id,
    version: 1,
    name: `测试项目 ${id}`,
    sponsor: { kind: "charity", name: "测试基金会" },
    fund: `${id}-fund`,
    priority: 50,
    period: { start: "2025-01-01 00:00:00", end: "2026-01-01 00:00:00" },
    eligibility: {},
    covers: { kind: "residual", after: ["hmb"] },
    benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 100 },
    budget: { amount: 1_000_000, whenExhausted: "stop" },
    mode: { kind: "automatic" },
    ...over,
  });
}

const line = (a: ReturnType<typeof allocateAid>, programId: string) =>
  must(a.lines.find((l) => l.programId === programId));

describe("example aid program files", () => {
  it("parse, and order 药企 → 民政 → 基金会 → 工会 by priority", () => {
    expect(orderAidPrograms(exampleAidPrograms()).map((p) => p.id)).toEqual([
      "sma-drug-assistance",
      "civil-affairs-illness-aid",
      "lymphoma-aid",
      "hardship-worker-aid",
    ]);
    expect(CIVIL.benefit).toEqual({
      kind: "ratio_above_threshold",
      threshold: { amount: yuan(1000), per: "year" },
      ratio: 7000,
    });
  });
});

describe("claimLayers", () => {
  it("groups the national fund fields and takes 惠民保 from the in-scope part first", () => {
    // funds: 统筹 40000 + 公务员 1000 + 企业补充 2000 + 其他 500 = 基本 43500; 大病 8000 + 职工大额 1000 = 9000; 救助 3000.
    // psn_part_amt 20000 of which 自费 5000 → in scope 15000. 惠民保 16000: 15000 from in scope, 1000 from 自费.
    // residual = 20000 − 16000 = 4000, in scope max(0, 15000 − 16000) = 0.
    const c = claim({
      funds: {
        pooled: 40000,
        civilServant: 1000,
        enterpriseSupplementary: 2000,
        other: 500,
        criticalIllness: 8000,
        largeAmount: 1000,
        medicalAssistance: 3000,
      },
      burden: 20000,
      outOfScope: 5000,
      hmb: 16000,
    });
    expect(claimLayers(c)).toEqual({
      basic: yuan(43500),
      criticalIllness: yuan(9000),
      medicalAssistance: yuan(3000),
      hmb: yuan(16000),
      residual: yuan(4000),
      residualInScope: 0,
    });
  });
});

describe("allocateAid: one claim through all layers", () => {
  // A 低保 resident of 文山 (532621) with a lymphoma stay (C83.3), the demo's Done-when story:
  //   medfee_sumamt 100000 = 基本 50000 + 大病 15000 + 救助 5000 + psn_part_amt 30000 (自费 6000, in scope 24000).
  //   惠民保 (文山 责任一): (24000 − 12000) × 80% = 9600, all from the in-scope part → left: in 14400, 自费 6000.
  const c = claim({
    diagnosis: "C83.3",
    funds: { pooled: 50000, criticalIllness: 15000, medicalAssistance: 5000 },
    burden: 30000,
    outOfScope: 6000,
    hmb: 9600,
  });

  it("pays 民政 and the foundation, and names why the others do not apply", () => {
    const a = allocateAid(c, DIBAO, exampleAidPrograms(), NO_USAGE, PLENTY);
    // 药企 (priority 10): C83 is not G12.
    expect(line(a, "sma-drug-assistance")).toMatchObject({
      eligible: false,
      amount: 0,
      reason: "主要诊断不在项目救助病种之内",
    });
    // 民政 (20, in scope only, after 惠民保 and 药企 (took 0)): covered 24000 − 9600 = 14400;
    //   yearly threshold 1000 not used yet: (14400 − 1000) × 70% = 9380; the year cap 30000 does not bite.
    //   Taken from the in-scope part → left: in 5020, 自费 6000.
    expect(line(a, "civil-affairs-illness-aid")).toMatchObject({
      eligible: true,
      mode: "automatic",
      covered: yuan(14400),
      thresholdUsed: yuan(1000),
      wanted: yuan(9380),
      amount: yuan(9380),
      queued: 0,
      explanation: "（14400.00 − 1000.00）× 70% = 9380.00",
    });
    // 基金会 (30, after 惠民保 and 民政): covered (24000 − 9600 − 9380) + 6000 = 5020 + 6000 = 11020;
    //   × 50% = 5510 (per case 20000 does not bite). Takes 5020 in scope, then 490 自费.
    expect(line(a, "lymphoma-aid")).toMatchObject({
      eligible: true,
      covered: yuan(11020),
      amount: yuan(5510),
      thresholdUsed: 0,
    });
    // 工会 (40): a 低保 person is not a 困难职工.
    expect(line(a, "hardship-worker-aid")).toMatchObject({
      eligible: false,
      reason: "低保对象不在项目救助人群（困难职工）之内",
    });
    // Final burden: 30000 − 9600 − 9380 − 5510 = 5510; nothing pending.
    expect(a.finalBurden).toBe(yuan(5510));
    expect(a.pending).toBe(0);
    // Σ layers + final burden = 50000 + 15000 + 5000 + 9600 + 9380 + 5510 + 5510 = 100000 = medfee_sumamt.
    const paid = a.lines.reduce((s, l) => s + l.amount, 0);
    expect(a.layers.basic + a.layers.criticalIllness + a.layers.medicalAssistance + a.layers.hmb + paid).toBe(
      c.totalCost - a.finalBurden,
    );
  });

  it("gives the same result whatever order the programs are passed in", () => {
    const forward = allocateAid(c, DIBAO, exampleAidPrograms(), NO_USAGE, PLENTY);
    const backward = allocateAid(c, DIBAO, [...exampleAidPrograms()].reverse(), NO_USAGE, PLENTY);
    expect(backward).toEqual(forward);
  });

  it("without a program in `after`, the base is not reduced by it, but the payment is still capped by what is left", () => {
    // Foundation-like program after 惠民保 only, ratio 100 %, priority 60 (after 民政):
    //   covered = 14400 + 6000 = 20400 (民政's 9380 not subtracted from the base), wanted min(20400, left 11020) = 11020.
    const greedy = program("greedy", { priority: 60, covers: { kind: "residual", after: ["hmb"] } });
    const a = allocateAid(c, DIBAO, [CIVIL, greedy], NO_USAGE, PLENTY);
    expect(line(a, "greedy")).toMatchObject({
      covered: yuan(20400),
      wanted: yuan(11020),
      amount: yuan(11020),
      reason: "前序各层已无剩余负担",
    });
    expect(a.finalBurden).toBe(0);
  });
});

describe("allocateAid: per-year threshold across two claims", () => {
  // 民政 line: yearly threshold 1000, 70 %. Person 低保, no 惠民保 on either claim, no 自费.
  it("absorbs the threshold on the first claim and pays above it on the second", () => {
    // Claim 1: in scope 600 ≤ 1000 → pays 0, absorbs 600 of the threshold.
    const first = allocateAid(claim({ setlId: "S-1", burden: 600 }), DIBAO, [CIVIL], NO_USAGE, PLENTY);
    expect(line(first, "civil-affairs-illness-aid")).toMatchObject({
      amount: 0,
      thresholdUsed: yuan(600),
      reason: "未超过起付线",
    });
    // Claim 2: in scope 2000; threshold left 1000 − 600 = 400 → (2000 − 400) × 70% = 1120; absorbs 400.
    const second = allocateAid(
      claim({ setlId: "S-2", burden: 2000 }),
      DIBAO,
      [CIVIL],
      usageOf({ "civil-affairs-illness-aid@1": { yearThresholdUsed: 600 } }),
      PLENTY,
    );
    expect(line(second, "civil-affairs-illness-aid")).toMatchObject({
      amount: yuan(1120),
      thresholdUsed: yuan(400),
    });
    // Claim 3: threshold all used → 3000 × 70% = 2100, absorbs nothing.
    const third = allocateAid(
      claim({ setlId: "S-3", burden: 3000 }),
      DIBAO,
      [CIVIL],
      usageOf({ "civil-affairs-illness-aid@1": { yearThresholdUsed: 1000, yearPaid: 1120 } }),
      PLENTY,
    );
    expect(line(third, "civil-affairs-illness-aid")).toMatchObject({ amount: yuan(2100), thresholdUsed: 0 });
  });

  it("a per-case threshold is taken afresh on every claim", () => {
    // 500 per case, 80 %: (2000 − 500) × 80% = 1200 whatever the year used so far.
    const p = program("per-case", {
      benefit: { kind: "ratio_above_threshold", threshold: { amount: 500, per: "case" }, ratio: 80 },
    });
    const a = allocateAid(
      claim({ burden: 2000 }),
      DIBAO,
      [p],
      usageOf({ "per-case@1": { yearThresholdUsed: 500 } }),
      PLENTY,
    );
    expect(line(a, "per-case")).toMatchObject({ amount: yuan(1200), thresholdUsed: 0 });
  });
});

describe("allocateAid: caps", () => {
  // Foundation: 50 %, per case 20000, per year 50000. Lymphoma, 低保, psn_part_amt 60000 all in scope, no 惠民保.
  const big = claim({ diagnosis: "C90.0", burden: 60000 });
  it("per case: 60000 × 50% = 30000 → 20000", () => {
    const a = allocateAid(big, DIBAO, [LYMPHOMA], NO_USAGE, PLENTY);
    expect(line(a, "lymphoma-aid")).toMatchObject({ amount: yuan(20000), wanted: yuan(20000) });
    expect(line(a, "lymphoma-aid").explanation).toContain("单次上限 20000.00");
  });
  it("per year: 40000 paid already → 50000 − 40000 = 10000", () => {
    const a = allocateAid(big, DIBAO, [LYMPHOMA], usageOf({ "lymphoma-aid@1": { yearPaid: 40000 } }), PLENTY);
    expect(line(a, "lymphoma-aid")).toMatchObject({ amount: yuan(10000) });
    expect(line(a, "lymphoma-aid").explanation).toContain("年度上限余额 10000.00");
  });
  it("per year used up: 0, with the reason", () => {
    const a = allocateAid(big, DIBAO, [LYMPHOMA], usageOf({ "lymphoma-aid@1": { yearPaid: 50000 } }), PLENTY);
    expect(line(a, "lymphoma-aid")).toMatchObject({ amount: 0, reason: "本年度救助已达年度上限" });
    expect(a.finalBurden).toBe(yuan(60000));
  });
  it("fixed: 3000 per case, never above the covered amount, 6000 per year", () => {
    const worker: AidPerson = {
      psnNo: "P-1",
      cohort: "hardship_worker",
      birthDate: "1980-01-01",
      region: "532622",
    };
    // psn_part_amt 2000: min(3000, 2000) = 2000.
    expect(
      line(allocateAid(claim({ burden: 2000 }), worker, [UNION], NO_USAGE, PLENTY), "hardship-worker-aid"),
    ).toMatchObject({
      amount: yuan(2000),
    });
    // psn_part_amt 9000 with 5000 paid this year: min(3000, 6000 − 5000) = 1000.
    const a = allocateAid(
      claim({ burden: 9000 }),
      worker,
      [UNION],
      usageOf({ "hardship-worker-aid@1": { yearPaid: 5000 } }),
      PLENTY,
    );
    expect(line(a, "hardship-worker-aid")).toMatchObject({ amount: yuan(1000) });
  });
});

describe("allocateAid: a person covered by two aid programs whose budgets run out", () => {
  // The all-layers claim above: left after 惠民保 in 14400, 自费 6000.
  const c = claim({
    diagnosis: "C83.3",
    funds: { pooled: 50000, criticalIllness: 15000, medicalAssistance: 5000 },
    burden: 30000,
    outOfScope: 6000,
    hmb: 9600,
  });

  it("民政 (queue) pays its last 1000 and queues 8380; the foundation (stop) pays its last 2000 and stops", () => {
    const a = allocateAid(
      c,
      DIBAO,
      [CIVIL, LYMPHOMA],
      NO_USAGE,
      budgetOf({ "civil-affairs-illness-aid@1": 1000, "lymphoma-aid@1": 2000 }),
    );
    // 民政 wanted 9380 (as above); budget 1000 → pays 1000, queues 9380 − 1000 = 8380; the queued part is reserved,
    // so the foundation's base is the same as when 民政 paid in full: covered 11020 → wanted 5510.
    expect(line(a, "civil-affairs-illness-aid")).toMatchObject({
      wanted: yuan(9380),
      amount: yuan(1000),
      queued: yuan(8380),
      reason: "项目额度已用尽",
    });
    // Foundation budget 2000 → pays 2000; `stop` queues nothing: the other 3510 stays with the person.
    expect(line(a, "lymphoma-aid")).toMatchObject({ wanted: yuan(5510), amount: yuan(2000), queued: 0 });
    // Final burden (what the person pays now) = 20400 − 1000 − 2000 = 17400, of which 8380 may still come back.
    expect(a.finalBurden).toBe(yuan(17400));
    expect(a.pending).toBe(yuan(8380));
  });

  it("a queue limit queues only part of the shortfall; the rest passes to the next layer", () => {
    // 民政 wanted 9380, pays 1000, may queue at most 3000 → reserves 4000. The foundation then covers
    //   (14400 − 4000) + 6000 = 16400 → 8200.
    const a = allocateAid(c, DIBAO, [CIVIL, LYMPHOMA], NO_USAGE, (ref) =>
      ref === "civil-affairs-illness-aid@1"
        ? { remaining: yuan(1000), queueLimit: yuan(3000) }
        : { remaining: yuan(10_000_000) },
    );
    expect(line(a, "civil-affairs-illness-aid")).toMatchObject({ amount: yuan(1000), queued: yuan(3000) });
    expect(line(a, "lymphoma-aid")).toMatchObject({ covered: yuan(16400), amount: yuan(8200) });
    expect(a.finalBurden).toBe(yuan(20400 - 1000 - 8200));
    expect(a.pending).toBe(yuan(3000));
  });

  it("a program whose budget is gone pays nothing and (stop) passes the whole burden to the next layer", () => {
    const a = allocateAid(
      c,
      DIBAO,
      [CIVIL, LYMPHOMA],
      NO_USAGE,
      budgetOf({ "civil-affairs-illness-aid@1": 0 }),
    );
    // 民政 is `queue`: pays 0, queues all 9380 (reserved). The foundation then covers 11020 → 5510.
    expect(line(a, "civil-affairs-illness-aid")).toMatchObject({ amount: 0, queued: yuan(9380) });
    expect(line(a, "lymphoma-aid")).toMatchObject({ amount: yuan(5510) });

    // Turn 民政 into `stop`: its 0 reserves nothing, so the foundation covers all 14400 + 6000 = 20400 → 10200.
    const civilStop = { ...CIVIL, budget: { ...CIVIL.budget, whenExhausted: "stop" as const } };
    const b = allocateAid(
      c,
      DIBAO,
      [civilStop, LYMPHOMA],
      NO_USAGE,
      budgetOf({ "civil-affairs-illness-aid@1": 0 }),
    );
    expect(line(b, "civil-affairs-illness-aid")).toMatchObject({
      amount: 0,
      queued: 0,
      reason: "项目额度已用尽",
    });
    expect(line(b, "lymphoma-aid")).toMatchObject({ covered: yuan(20400), amount: yuan(10200) });
    expect(b.finalBurden).toBe(yuan(20400 - 10200));
  });

  it("a pro-rated round scales the wanted amounts to the budget left (largest remainder)", () => {
    // Three 困难职工 claims each want 3000 from the union fund, which has 5000 left for this round:
    //   5000 × 3000 / 9000 = 1666.67 each → 1666.66, 1666.66, 1666.66 (floors, 499998 fen) and the 2 fen left go to
    //   the first two (equal remainders, earlier first): 1666.67, 1666.67, 1666.66 — exactly 5000.
    const worker: AidPerson = {
      psnNo: "P-1",
      cohort: "hardship_worker",
      birthDate: "1980-01-01",
      region: "532622",
    };
    const wanted = ["S-1", "S-2", "S-3"].map(
      (setlId) =>
        line(
          allocateAid(claim({ setlId, burden: 8000 }), worker, [UNION], NO_USAGE, PLENTY),
          "hardship-worker-aid",
        ).wanted,
    );
    expect(wanted).toEqual([yuan(3000), yuan(3000), yuan(3000)]);
    expect(prorateRound(wanted, yuan(5000))).toEqual([166_667, 166_667, 166_666]);
  });
});

describe("allocateAid: in scope only", () => {
  it("惠民保 took more than the in-scope part: an in-scope-only program gets nothing, another gets the 自费 left", () => {
    // psn_part_amt 10000, 自费 8000 → in scope 2000. 惠民保 3000: 2000 in scope + 1000 自费.
    // Left: in scope 0, 自费 7000. 民政 (in scope only): covered 0. A 100 % program after 惠民保: 7000.
    const c = claim({ burden: 10000, outOfScope: 8000, hmb: 3000 });
    const all = program("all", { priority: 90 });
    const a = allocateAid(c, DIBAO, [CIVIL, all], NO_USAGE, PLENTY);
    expect(a.layers.residualInScope).toBe(0);
    expect(line(a, "civil-affairs-illness-aid")).toMatchObject({
      covered: 0,
      amount: 0,
      thresholdUsed: 0,
      reason: "项目覆盖范围内没有剩余负担",
    });
    expect(line(a, "all")).toMatchObject({ covered: yuan(7000), amount: yuan(7000) });
    expect(a.finalBurden).toBe(0);
  });

  it("an earlier program takes the in-scope part first, so a later in-scope-only program sees less", () => {
    // psn_part_amt 10000, 自费 4000, in scope 6000, no 惠民保. Program A (priority 1, 50 %, after 惠民保): covered 10000
    //   → 5000, all taken from the in-scope part (in 1000, 自费 4000 left). Program B (priority 2, in scope only,
    //   100 %, after 惠民保 only — A not named): base in scope 6000, but only 1000 in scope is left → 1000.
    const a1 = program("a1", {
      priority: 1,
      benefit: { kind: "ratio_above_threshold", threshold: { amount: 0, per: "case" }, ratio: 50 },
    });
    const b2 = program("b2", {
      priority: 2,
      covers: { kind: "residual", after: ["hmb"], inScopeOnly: true },
    });
    const a = allocateAid(claim({ burden: 10000, outOfScope: 4000 }), DIBAO, [b2, a1], NO_USAGE, PLENTY);
    expect(line(a, "a1").amount).toBe(yuan(5000));
    expect(line(a, "b2")).toMatchObject({ covered: yuan(6000), wanted: yuan(1000), amount: yuan(1000) });
    expect(a.finalBurden).toBe(yuan(4000));
  });
});

describe("allocateAid: drug_cost and application mode", () => {
  const child: AidPerson = { psnNo: "P-1", birthDate: "2021-02-01", region: "532623" };
  // An SMA child (G12.1): medfee_sumamt 120000 = 统筹 10000 + 大病 5000 + psn_part_amt 105000 (自费 100000).
  //   Own burden for 诺西那生钠 (SAMPLE-WS-D15) 100000, another drug 3000. 惠民保 (特药 80 %) paid 80000.
  const c = claim({
    diagnosis: "G12.1",
    funds: { pooled: 10000, criticalIllness: 5000 },
    burden: 105000,
    outOfScope: 100000,
    hmb: 80000,
    drugs: [
      { code: "SAMPLE-WS-D15", amount: 100000 },
      { code: "OTHER-DRUG", amount: 3000 },
    ],
  });

  it("covers the listed drug's burden left after earlier layers, as a proposal", () => {
    // Earlier layers are taken from the listed drug first: 100000 − 80000 = 20000; × 50% = 10000, proposed
    //   (application): the person pays 105000 − 80000 = 25000 now, of which 10000 may come back after review.
    const a = allocateAid(c, child, [SMA], NO_USAGE, PLENTY);
    expect(line(a, "sma-drug-assistance")).toMatchObject({
      eligible: true,
      mode: "application",
      covered: yuan(20000),
      amount: yuan(10000),
    });
    expect(a.finalBurden).toBe(yuan(25000));
    expect(a.pending).toBe(yuan(10000));
  });

  it("a proposal is reserved: a later program that names it covers what is left after it", () => {
    // After 惠民保 and the drug program (proposal 10000): in scope 5000 − 5000 (惠民保 took in scope first) = 0,
    //   自费 100000 − 75000 − 10000 = 15000 → covered 15000; 100 % → 15000. Final: 25000 − 15000 = 10000 now,
    //   10000 pending → 0 if the application is granted.
    const after = program("after-drug", {
      priority: 90,
      covers: { kind: "residual", after: ["hmb", "sma-drug-assistance"] },
    });
    const a = allocateAid(c, child, [SMA, after], NO_USAGE, PLENTY);
    expect(line(a, "after-drug")).toMatchObject({ covered: yuan(15000), amount: yuan(15000) });
    expect(a.finalBurden).toBe(yuan(10000));
    expect(a.pending).toBe(yuan(10000));
  });

  it("the drug program is ineligible when the drug was not used", () => {
    const noDrug = { ...c, drugCharges: [{ code: "OTHER-DRUG", amount: yuan(3000) }] };
    expect(aidEligibility(SMA, child, noDrug)).toEqual({
      eligible: false,
      reason: "本次就医未使用项目援助的药品",
    });
  });
});

describe("aidEligibility: reasons", () => {
  const c = claim({ diagnosis: "C85.9", burden: 1000, care: "2026-03-14 10:00:00" });
  const cases: [string, AidProgram, AidPerson, AidClaim, string][] = [
    ["period", program("p", {}), DIBAO, c, "就医日期不在项目实施期内"],
    ["region", LYMPHOMA, { ...DIBAO, region: "532301" }, c, "参保地不在项目覆盖地区"],
    [
      "no cohort",
      LYMPHOMA,
      { psnNo: "P-1", region: "532621" },
      c,
      "未登记为项目救助人群（低保对象、特困人员）",
    ],
    [
      "other cohort",
      LYMPHOMA,
      { ...DIBAO, cohort: "dibao_edge" },
      c,
      "低保边缘家庭成员不在项目救助人群（低保对象、特困人员）之内",
    ],
    [
      "no birth date",
      UNION,
      { psnNo: "P-1", cohort: "hardship_worker", region: "532621" },
      c,
      "缺少出生日期，无法核对年龄条件",
    ],
    // Born 2010-03-15: on 2026-03-14 the person is still 15.
    [
      "too young",
      UNION,
      { psnNo: "P-1", cohort: "hardship_worker", birthDate: "2010-03-15", region: "532621" },
      c,
      "就医时 15 周岁，未满 16 周岁",
    ],
    [
      "too old",
      program("kids", {
        period: { start: "2026-01-01 00:00:00", end: "2027-01-01 00:00:00" },
        eligibility: { maxAge: 17 },
      }),
      DIBAO,
      c,
      "就医时 55 周岁，超过 17 周岁",
    ],
    [
      "no diagnosis",
      LYMPHOMA,
      DIBAO,
      { ...c, diagnosisCode: undefined } as AidClaim,
      "结算未记录主要诊断，无法核对病种",
    ],
    [
      "C87 is between the ranges",
      LYMPHOMA,
      DIBAO,
      { ...c, diagnosisCode: "C87" },
      "主要诊断不在项目救助病种之内",
    ],
    ["premium", program("prem", { covers: { kind: "premium" } }), DIBAO, c, "保费资助项目不按单次就医给付"],
  ];
  it.each(cases)("%s", (_name, p, person, cl, reason) => {
    expect(aidEligibility(p, person, cl)).toEqual({ eligible: false, reason });
  });

  it("age is counted on the day of care: 16 on the birthday", () => {
    const worker: AidPerson = {
      psnNo: "P-1",
      cohort: "hardship_worker",
      birthDate: "2010-03-15",
      region: "532621",
    };
    expect(aidEligibility(UNION, worker, claim({ burden: 1, care: "2026-03-15 00:00:00" }))).toEqual({
      eligible: true,
    });
  });

  it("ranges include both ends, by ICD-10 category (C81.0, C86.6, C88.4, C90.0 in; C80, C91 out)", () => {
    for (const code of ["C81.0", "C86.6", "C88.4", "C90.0"])
      expect(aidEligibility(LYMPHOMA, DIBAO, { ...c, diagnosisCode: code }).eligible).toBe(true);
    for (const code of ["C80", "C91.0"])
      expect(aidEligibility(LYMPHOMA, DIBAO, { ...c, diagnosisCode: code }).eligible).toBe(false);
  });

  it("the period is half-open: its end instant is outside", () => {
    const p = program("p");
    expect(aidEligibility(p, DIBAO, claim({ burden: 1, care: "2025-12-31 23:59:59" })).eligible).toBe(true);
    expect(aidEligibility(p, DIBAO, claim({ burden: 1, care: "2026-01-01 00:00:00" })).eligible).toBe(false);
  });

  it("premium programs get no line in a claim's allocation", () => {
    const a = allocateAid(
      claim({ burden: 1000 }),
      DIBAO,
      [program("prem", { covers: { kind: "premium" } })],
      NO_USAGE,
      PLENTY,
    );
    expect(a.lines).toEqual([]);
    expect(a.finalBurden).toBe(yuan(1000));
  });

  it("the aid year is the Beijing calendar year of settlement", () => {
    expect(aidYear({ settledAt: mustParseBusinessTime("2025-12-31 23:30:00") })).toBe(2025);
    expect(aidYear({ settledAt: mustParseBusinessTime("2026-01-01 00:10:00") })).toBe(2026);
  });
});

describe("prorateRound", () => {
  it("hand case: 300, 200, 100 fen into 100 → 50, 33, 17", () => {
    // Exact shares 50, 33.33, 16.67 → floors 50, 33, 16 (99); the 1 fen left goes to the largest remainder (16.67).
    expect(prorateRound([300, 200, 100], 100)).toEqual([50, 33, 17]);
  });
  it("ties go to the earlier index; zero amounts get nothing", () => {
    expect(prorateRound([1, 0, 1, 1], 2)).toEqual([1, 0, 1, 0]);
  });
  it("enough budget: every amount unchanged", () => {
    expect(prorateRound([5, 7], 12)).toEqual([5, 7]);
    expect(prorateRound([], 0)).toEqual([]);
  });
  it("sums to exactly min(Σ, remaining), never above an amount, deterministic (random inputs)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100_000_000_000 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 100_000_000_000 }),
        (amounts, remaining) => {
          const shares = prorateRound(amounts, remaining);
          const total = amounts.reduce((s, a) => s + a, 0);
          expect(shares.reduce((s, a) => s + a, 0)).toBe(Math.min(total, remaining));
          shares.forEach((s, i) => {
            expect(Number.isSafeInteger(s) && s >= 0 && s <= (amounts[i] as number)).toBe(true);
          });
          expect(prorateRound(amounts, remaining)).toEqual(shares);
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });
});

describe("catastrophicShare", () => {
  it("40 % of capacity is the WHO line; floors, exact flag", () => {
    expect(WHO_CATASTROPHIC_BPS).toBe(4000);
    expect(catastrophicShare(yuan(40000), yuan(100000))).toBe(4000);
    expect(isCatastrophic(yuan(40000), yuan(100000))).toBe(true);
    // 39999.99 / 100000 = 39.99999 % → 3999 bps (floored), not catastrophic.
    expect(catastrophicShare(3_999_999, yuan(100000))).toBe(3999);
    expect(isCatastrophic(3_999_999, yuan(100000))).toBe(false);
    // 1 / 3 → 3333 bps; a local line of 30 % flags it.
    expect(catastrophicShare(1, 3)).toBe(3333);
    expect(isCatastrophic(1, 3, 3000)).toBe(true);
  });
  it("no capacity to pay: any spending is catastrophic; none is not", () => {
    expect(catastrophicShare(1, 0)).toBe(MAX_CATASTROPHIC_SHARE_BPS);
    expect(catastrophicShare(0, 0)).toBe(0);
    expect(isCatastrophic(1, 0)).toBe(true);
    expect(isCatastrophic(0, 0)).toBe(false);
  });
});

describe("invariants throw", () => {
  const good = claim({ funds: { pooled: 100 }, burden: 1000, outOfScope: 100, hmb: 100 });
  const t = (f: () => unknown) => expect(f).toThrow(AidInvariantError);
  it("settlement identities", () => {
    t(() => claimLayers({ ...good, totalCost: good.totalCost + 1 }));
    t(() => claimLayers({ ...good, outOfScope: good.personBurden + 1 }));
    t(() => claimLayers({ ...good, hmbPay: good.personBurden + 1 }));
    t(() => claimLayers({ ...good, personBurden: 10.5 }));
    t(() => claimLayers({ ...good, funds: { ...good.funds, other: -1 } }));
  });
  it("bad usage, budget, person or drug amounts", () => {
    t(() => allocateAid(good, DIBAO, [program("p")], () => ({ yearPaid: -1, yearThresholdUsed: 0 }), PLENTY));
    t(() =>
      allocateAid(good, DIBAO, [program("p")], () => ({ yearPaid: 0, yearThresholdUsed: 0.5 }), PLENTY),
    );
    t(() => allocateAid(good, DIBAO, [program("p")], NO_USAGE, () => ({ remaining: Number.NaN })));
    t(() => allocateAid(good, { ...DIBAO, psnNo: "P-2" }, [program("p")], NO_USAGE, PLENTY));
    t(() => allocateAid({ ...good, drugCharges: [{ code: "X", amount: -5 }] }, DIBAO, [], NO_USAGE, PLENTY));
  });
  it("program order: naming a later program in `after`, or two overlapping versions", () => {
    const early = program("early", { priority: 1, covers: { kind: "residual", after: ["hmb", "late"] } });
    t(() => orderAidPrograms([early, program("late", { priority: 2 })]));
    t(() => orderAidPrograms([program("same"), { ...program("same"), version: 2 }]));
    // Also when a new version moved to another priority (not next to the old one in the order).
    t(() =>
      orderAidPrograms([
        program("same"),
        program("other", { priority: 60 }),
        { ...program("same"), version: 2, priority: 70 },
      ]),
    );
    // Back-to-back versions are fine.
    const v2 = {
      ...program("same"),
      version: 2,
      period: { start: program("same").period.end, end: program("same").period.end + 86_400_000 },
    };
    expect(orderAidPrograms([v2, program("same")]).map((p) => p.version)).toEqual([1, 2]);
  });
  it("prorateRound refuses non-fen input", () => {
    t(() => prorateRound([1.5], 1));
    t(() => prorateRound([1], -1));
  });
});
