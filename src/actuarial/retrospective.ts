/**
 * 精算回溯 (issue 13 item 5; 云医保〔2023〕152号 第十一条: a yearly retrospective and next year's adjustment;
 * 金办便函〔2025〕745号: 损益核算 and 精算回溯 by policy year, rates grouped by age, sex and health). Pure: the
 * figures of a year already gathered in, the report's sections out — no I/O.
 *
 *  - experience by rate group (priced vs actual): premium, the claims the premium was priced for, the claims
 *    paid, loss ratio, frequency, severity, exposure — every group's fen adding up exactly to the program's;
 *  - large claims, anonymized: sequential labels, age band, sex, diagnosis chapter, amounts;
 *  - next year's proposal: candidate designs cloned from the pinned product with the deductible, the
 *    医保范围内 ratio and the premium moved over a small grid, each replayed (actuarial/replay.ts) by the
 *    caller, developed to ultimate with the reserve's factor, checked against every rule set, and the
 *    compliant one closest to the target loss ratio recommended.
 */
import { checkProduct } from "../compliance/check.js";
import { measureText, subjectName } from "../compliance/measure.js";
import { listRuleSets } from "../compliance/rulesets/index.js";
import type { Finding, RuleSet } from "../compliance/types.js";
import { type Bps, type Fen, formatPercent, formatYuan } from "../domain/money.js";
import { findPlan, type Product } from "../domain/product.js";
import { type PersonFacts, type RateDimension, rateGroupOf } from "./rate-groups.js";
import { type DesignReplay, ratio4 } from "./replay.js";

const WHOLE_BPS = 10_000;

/* ------------------------------------------------------------------------------------------------------------
 * Experience by rate group
 * ---------------------------------------------------------------------------------------------------------- */

/** One enrolled person's year: who they are (for the rate group) and what they paid and were paid. */
export interface PersonExperience {
  readonly facts: PersonFacts;
  /** The premium the person actually paid (the plan's base or the premium variant that applied). */
  readonly premiumFen: Fen;
  /** Settled (not revoked) claims of the person. */
  readonly claims: number;
  /** Of them, those with a payout above zero. */
  readonly paidClaims: number;
  readonly hmbPayFen: Fen;
  /** Total medical cost (medfee_sumamt) of the settled claims. */
  readonly medicalCostFen: Fen;
  /** What the person bore before 惠民保 (psn_part_amt) on the covered claims. */
  readonly burdenFen: Fen;
  /** The main diagnosis (ICD-10) of the person's largest payout, if any. */
  readonly mainDiagnosis: string | undefined;
}

export interface GroupExperience {
  readonly key: string;
  readonly label: string;
  readonly persons: number;
  /** Earned exposure in person-years, 2 places (persons × the share of the coverage year elapsed). */
  readonly exposureYears: string;
  readonly premiumFen: Fen;
  /** The claims the premium was priced for: premium × the priced loss ratio, rounded half up per group. */
  readonly expectedClaimsFen: Fen;
  readonly claims: number;
  readonly paidClaims: number;
  readonly hmbPayFen: Fen;
  /** hmb_pay ÷ premium, 4 places. */
  readonly lossRatio: string | undefined;
  /** hmb_pay ÷ expected claims (实际/预期), 4 places. */
  readonly actualToExpected: string | undefined;
  /** Paid claims per 1,000 person-years of exposure, 2 places. */
  readonly frequencyPerMille: string | undefined;
  /** hmb_pay ÷ paid claims, fen rounded half up. */
  readonly severityFen: Fen | undefined;
}

/** x × num ÷ den rounded half up, exact (BigInt); all non-negative, den > 0. */
export function mulDivHalfUp(x: number, num: number, den: number): number {
  const n = BigInt(x) * BigInt(num);
  const d = BigInt(den);
  return Number((2n * n + d) / (2n * d));
}

/** a ÷ b as a decimal string with `places` places, half up, exact; undefined when b is 0. */
function decimal(a: bigint, b: bigint, places: number): string | undefined {
  if (b === 0n) return undefined;
  const scale = 10n ** BigInt(places);
  const q = (2n * a * scale + b) / (2n * b);
  return `${q / scale}.${(q % scale).toString().padStart(places, "0")}`;
}

/** Elapsed share of the coverage year in parts per million (exposure is computed from it exactly). */
const PPM = 1_000_000;

function groupRow(
  key: string,
  label: string,
  people: readonly PersonExperience[],
  pricedLossRatioBps: Bps,
  elapsedPpm: number,
): GroupExperience {
  let premiumFen = 0;
  let claims = 0;
  let paidClaims = 0;
  let hmbPayFen = 0;
  for (const p of people) {
    premiumFen += p.premiumFen;
    claims += p.claims;
    paidClaims += p.paidClaims;
    hmbPayFen += p.hmbPayFen;
  }
  const expectedClaimsFen = mulDivHalfUp(premiumFen, pricedLossRatioBps, WHOLE_BPS);
  // exposure (person-years) = persons × ppm / 10⁶; frequency per mille = paid × 1000 / exposure.
  const exposurePpm = BigInt(people.length) * BigInt(elapsedPpm);
  return {
    key,
    label,
    persons: people.length,
    exposureYears: decimal(exposurePpm, BigInt(PPM), 2) ?? "0.00",
    premiumFen,
    expectedClaimsFen,
    claims,
    paidClaims,
    hmbPayFen,
    lossRatio: ratio4(hmbPayFen, premiumFen),
    actualToExpected: ratio4(hmbPayFen, expectedClaimsFen),
    frequencyPerMille: decimal(BigInt(paidClaims) * 1000n * BigInt(PPM), exposurePpm, 2),
    severityFen: paidClaims === 0 ? undefined : mulDivHalfUp(hmbPayFen, 1, paidClaims),
  };
}

export interface ExperienceByGroup {
  readonly dimensions: readonly RateDimension[];
  /** Groups with at least one person, ordered by their key. */
  readonly groups: readonly GroupExperience[];
  /** The whole program, from the same persons: every fen total equals the sum of the groups'. */
  readonly total: GroupExperience;
}

/**
 * Persons into rate groups (rate-groups.ts) and each group's priced-vs-actual figures. `elapsedPpm`: the
 * share of the coverage year elapsed at the valuation date, parts per million (10⁶ = the whole year).
 */
export function experienceByGroup(
  people: readonly PersonExperience[],
  dimensions: readonly RateDimension[],
  pricedLossRatioBps: Bps,
  elapsedPpm: number,
): ExperienceByGroup {
  const byKey = new Map<string, { label: string; people: PersonExperience[] }>();
  for (const p of people) {
    const g = rateGroupOf(p.facts, [...dimensions]);
    const entry = byKey.get(g.key) ?? { label: g.label, people: [] };
    entry.people.push(p);
    byKey.set(g.key, entry);
  }
  const groups = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => groupRow(key, g.label, g.people, pricedLossRatioBps, elapsedPpm));
  const whole = groupRow("total", "合计", people, pricedLossRatioBps, elapsedPpm);
  // Expected claims are rounded per group; the total is their sum so the table adds up to the fen.
  const expectedClaimsFen = groups.reduce((s, g) => s + g.expectedClaimsFen, 0);
  const total = { ...whole, expectedClaimsFen, actualToExpected: ratio4(whole.hmbPayFen, expectedClaimsFen) };
  return { dimensions, groups, total };
}

/* ------------------------------------------------------------------------------------------------------------
 * Large claims, anonymized
 * ---------------------------------------------------------------------------------------------------------- */

/** ICD-10 chapters (WHO / 国家医保版 ICD-10), by first code of the chapter's range; the names people read. */
const ICD10_CHAPTERS: readonly [string, string, string][] = [
  ["A00", "B99", "某些传染病和寄生虫病"],
  ["C00", "D48", "肿瘤"],
  ["D50", "D89", "血液及造血器官疾病和某些免疫疾患"],
  ["E00", "E90", "内分泌、营养和代谢疾病"],
  ["F00", "F99", "精神和行为障碍"],
  ["G00", "G99", "神经系统疾病"],
  ["H00", "H59", "眼和附器疾病"],
  ["H60", "H95", "耳和乳突疾病"],
  ["I00", "I99", "循环系统疾病"],
  ["J00", "J99", "呼吸系统疾病"],
  ["K00", "K93", "消化系统疾病"],
  ["L00", "L99", "皮肤和皮下组织疾病"],
  ["M00", "M99", "肌肉骨骼系统和结缔组织疾病"],
  ["N00", "N99", "泌尿生殖系统疾病"],
  ["O00", "O99", "妊娠、分娩和产褥期"],
  ["P00", "P96", "起源于围生期的某些情况"],
  ["Q00", "Q99", "先天性畸形、变形和染色体异常"],
  ["R00", "R99", "症状、体征和异常所见"],
  ["S00", "T98", "损伤、中毒和外因的某些其他后果"],
  ["U00", "U99", "特殊目的编码"],
  ["V01", "Y98", "疾病和死亡的外因"],
  ["Z00", "Z99", "影响健康状态和与保健机构接触的因素"],
];

/** The chapter name of an ICD-10 code ("C91.000" → 肿瘤); 未记录诊断 when absent or unknown. */
export function diagnosisCategory(code: string | undefined): string {
  if (code === undefined) return "未记录诊断";
  const category = code.slice(0, 3).toUpperCase();
  for (const [from, to, name] of ICD10_CHAPTERS) if (category >= from && category <= to) return name;
  return "其他诊断";
}

export interface LargeClaim {
  /** Sequential label "大额-01" by rank: no name, person number, ID number or settlement id. */
  readonly label: string;
  readonly rank: number;
  /** The person's rate group by age band, sex and health, as people read it. */
  readonly group: string;
  readonly diagnosisCategory: string;
  readonly claims: number;
  readonly medicalCostFen: Fen;
  readonly burdenFen: Fen;
  readonly hmbPayFen: Fen;
  /** hmb_pay ÷ burden, 4 places. */
  readonly burdenReduction: string | undefined;
  /** The person's share of the program's hmb_pay, 4 places. */
  readonly shareOfPaid: string | undefined;
}

/** The `n` persons paid the most over the year (ties: the larger burden first, then the input order). */
export function largeClaims(people: readonly PersonExperience[], n: number): LargeClaim[] {
  const totalPaid = people.reduce((s, p) => s + p.hmbPayFen, 0);
  const ranked = people
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.hmbPayFen > 0)
    .sort((a, b) => b.p.hmbPayFen - a.p.hmbPayFen || b.p.burdenFen - a.p.burdenFen || a.i - b.i)
    .slice(0, n);
  return ranked.map(({ p }, i) => ({
    label: `大额-${String(i + 1).padStart(2, "0")}`,
    rank: i + 1,
    group: rateGroupOf(p.facts, ["age", "sex", "health"]).label,
    diagnosisCategory: diagnosisCategory(p.mainDiagnosis),
    claims: p.paidClaims,
    medicalCostFen: p.medicalCostFen,
    burdenFen: p.burdenFen,
    hmbPayFen: p.hmbPayFen,
    burdenReduction: ratio4(p.hmbPayFen, p.burdenFen),
    shareOfPaid: ratio4(p.hmbPayFen, totalPaid),
  }));
}

/* ------------------------------------------------------------------------------------------------------------
 * Next year's proposal
 * ---------------------------------------------------------------------------------------------------------- */

/** One point of the grid: how far each lever moves from the current design. */
export interface DesignChange {
  /** Added to every deductible pool of the plan (and its variants), fen; never below 0. */
  readonly deductibleDeltaFen: number;
  /** Added to every ratio band of the plan's 医保范围内 liabilities, bps (500 = 5 个百分点); within 0–100 %. */
  readonly ratioDeltaBps: number;
  /** Premium change (base and variants), bps of the current premium; rounded to whole yuan. */
  readonly premiumChangeBps: number;
}

export interface ProposalGrid {
  readonly deductibleDeltasFen: readonly number[];
  readonly ratioDeltasBps: readonly number[];
  readonly premiumChangesBps: readonly number[];
}

/**
 * The default search: deductible ∓2,000 元, the first-tier (医保范围内) ratio ∓5 and ∓10 points, premium ∓10 %
 * — the size of adjustment a program makes from one year to the next (文山 2023 → 2024 moved the deductible and
 * ratios by these steps), 45 designs replayed in one pass.
 */
export const DEFAULT_GRID: ProposalGrid = {
  deductibleDeltasFen: [-200_000, 0, 200_000],
  ratioDeltasBps: [-1000, -500, 0, 500, 1000],
  premiumChangesBps: [-1000, 0, 1000],
};

export const NO_CHANGE: DesignChange = { deductibleDeltaFen: 0, ratioDeltaBps: 0, premiumChangeBps: 0 };

export interface Candidate {
  /** "c00" (the current design) … : stable within a report, used as the replay label. */
  readonly id: string;
  readonly change: DesignChange;
  /** Chinese, e.g. "免赔额 +2,000 元；医保范围内赔付比例 −5 个百分点；保费 不变". */
  readonly label: string;
  readonly product: Product;
  readonly planId: string;
}

const YUAN_FEN = 100;

function roundToYuan(fen: number): Fen {
  return Math.floor((fen + YUAN_FEN / 2) / YUAN_FEN) * YUAN_FEN;
}

const clampBps = (bps: number) => Math.min(WHOLE_BPS, Math.max(0, bps));

/**
 * The product with the plan's levers moved: a deep copy (the pinned product is never touched). Ratios are
 * moved on liabilities paying 医保范围内 costs (in_scope), the first-tier benefit the guidance's ratio floors
 * and most of the payout concern; catalog, 范围外 and lump-sum liabilities keep their terms.
 */
export function changedProduct(product: Product, planId: string, change: DesignChange): Product {
  const copy = structuredClone(product) as Product;
  const plan = findPlan(copy, planId);
  for (const pool of plan.deductiblePools) {
    pool.amount = Math.max(0, pool.amount + change.deductibleDeltaFen);
    for (const v of pool.variants) v.amount = Math.max(0, v.amount + change.deductibleDeltaFen);
  }
  for (const l of plan.liabilities) {
    if (l.eligible !== "in_scope") continue;
    for (const r of l.ratios) r.ratioPercent = clampBps(r.ratioPercent + change.ratioDeltaBps);
  }
  const scale = (fen: Fen) => roundToYuan(mulDivHalfUp(fen, WHOLE_BPS + change.premiumChangeBps, WHOLE_BPS));
  plan.premium.base = scale(plan.premium.base);
  for (const v of plan.premium.variants) v.amount = scale(v.amount);
  return copy;
}

const signed = (n: number, text: string) => (n > 0 ? `+${text}` : n < 0 ? `−${text}` : "不变");

/** A change as people read it. */
export function changeLabel(c: DesignChange): string {
  if (c.deductibleDeltaFen === 0 && c.ratioDeltaBps === 0 && c.premiumChangeBps === 0) return "维持现行方案";
  const ded = signed(
    c.deductibleDeltaFen,
    `${formatYuan(Math.abs(c.deductibleDeltaFen)).replace(/\.00$/, "")} 元`,
  );
  const ratio = signed(c.ratioDeltaBps, `${Math.abs(c.ratioDeltaBps) / 100} 个百分点`);
  const premium = signed(c.premiumChangeBps, formatPercent(Math.abs(c.premiumChangeBps)));
  return `免赔额 ${ded}；医保范围内赔付比例 ${ratio}；保费 ${premium}`;
}

/**
 * Every grid point as a candidate design, the current design first (c00). Points that give the same product
 * as an earlier one (a deductible already 0 cannot go lower) are left out.
 */
export function candidateDesigns(
  product: Product,
  planId: string,
  grid: ProposalGrid = DEFAULT_GRID,
): Candidate[] {
  const changes: DesignChange[] = [NO_CHANGE];
  for (const d of grid.deductibleDeltasFen)
    for (const r of grid.ratioDeltasBps)
      for (const p of grid.premiumChangesBps)
        if (d !== 0 || r !== 0 || p !== 0)
          changes.push({ deductibleDeltaFen: d, ratioDeltaBps: r, premiumChangeBps: p });
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const change of changes) {
    const changed = changedProduct(product, planId, change);
    const fingerprint = JSON.stringify(findPlan(changed, planId));
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    out.push({
      id: `c${String(out.length).padStart(2, "0")}`,
      change,
      label: changeLabel(change),
      product: changed,
      planId,
    });
  }
  return out;
}

export interface RuleSetStanding {
  readonly ruleSet: string;
  /** The rule set's Chinese name. */
  readonly name: string;
  readonly pass: number;
  readonly fail: number;
  /** Failures the current product does not have (what the change itself would break), in Chinese. */
  readonly newFailures: readonly string[];
}

export interface CandidateEvaluation {
  readonly candidate: Candidate;
  readonly replay: DesignReplay;
  /** Replayed hmb_pay developed to ultimate with the reserve's factor (paid + IBNR) ÷ paid. */
  readonly projectedHmbPayFen: Fen;
  /** projected hmb_pay ÷ replayed premium, 4 places. */
  readonly projectedLossRatio: string | undefined;
  readonly compliance: readonly RuleSetStanding[];
  /** No new failure in any rule set (the loss-ratio floor judged on the projected year). */
  readonly compliant: boolean;
}

export interface Proposal {
  readonly targetLossRatio: string;
  /** (paid + IBNR) ÷ paid of the program's reserve, 4 places (1.0000 when nothing is paid yet). */
  readonly developmentFactor: string;
  readonly evaluations: readonly CandidateEvaluation[];
  /** Index into evaluations; undefined when no candidate is compliant. */
  readonly recommended: number | undefined;
  /** Why, in Chinese. */
  readonly reason: string;
  /** The current product's own failures (not caused by any change; to be fixed separately), in Chinese. */
  readonly existingFailures: readonly string[];
}

/** "九" → "第九条"; a clause named by words (金办便函 sections) stays as written, in quotes. */
function clauseText(clause: string): string {
  return /^[一二三四五六七八九十百]+$/.test(clause) ? `第${clause}条` : `「${clause}」`;
}

function failureText(product: Product, ruleSet: RuleSet, f: Finding): string {
  const rule = ruleSet.rules.find((r) => r.id === f.rule);
  return `${ruleSet.name.zh} ${clauseText(f.clause)} ${rule?.title.zh ?? "规则"}（${subjectName(product, f.subject)}）：${measureText(f.value)}，要求 ${measureText(f.limit)}`;
}

const failKey = (ruleSet: string, f: Finding) => `${ruleSet}|${f.rule}|${f.subject}|${f.note ?? ""}`;

/**
 * Each candidate's standing, its projection and the recommendation: among the compliant candidates, the one
 * whose projected loss ratio is closest to the target; ties go to the smaller change (fewer levers moved,
 * then the smaller moves), then to the larger burden reduction. `replays` are in `candidates` order.
 */
export function evaluateProposal(
  current: Product,
  candidates: readonly Candidate[],
  replays: readonly DesignReplay[],
  targetLossRatioBps: Bps,
  reserve: { paidFen: Fen; ibnrFen: Fen },
): Proposal {
  const ruleSets = listRuleSets();
  // The current product checked on its own terms (no year's figures): what it already fails.
  const existing = new Map<string, string>();
  for (const rs of ruleSets)
    for (const f of checkProduct(current, rs))
      if (f.status === "fail") existing.set(failKey(rs.id, f), failureText(current, rs, f));
  const devNum = reserve.paidFen === 0 ? 1 : reserve.paidFen + reserve.ibnrFen;
  const devDen = reserve.paidFen === 0 ? 1 : reserve.paidFen;
  const evaluations = candidates.map((candidate, i): CandidateEvaluation => {
    const replay = replays[i] as DesignReplay;
    const projectedHmbPayFen = mulDivHalfUp(replay.hmbPay, devNum, devDen);
    const context =
      replay.premium > 0
        ? { operating: { earnedPremiumFen: replay.premium, incurredClaimsFen: projectedHmbPayFen } }
        : {};
    const compliance = ruleSets.map((rs): RuleSetStanding => {
      const findings = checkProduct(candidate.product, rs, context);
      const newFailures = findings
        .filter((f) => f.status === "fail" && !existing.has(failKey(rs.id, f)))
        .map((f) => failureText(candidate.product, rs, f));
      return {
        ruleSet: rs.id,
        name: rs.name.zh,
        pass: findings.filter((f) => f.status === "pass").length,
        fail: findings.filter((f) => f.status === "fail").length,
        newFailures,
      };
    });
    return {
      candidate,
      replay,
      projectedHmbPayFen,
      projectedLossRatio: ratio4(projectedHmbPayFen, replay.premium),
      compliance,
      compliant: compliance.every((c) => c.newFailures.length === 0),
    };
  });
  const target = decimal(BigInt(targetLossRatioBps), BigInt(WHOLE_BPS), 4) as string;
  const recommended = recommend(evaluations, targetLossRatioBps);
  return {
    targetLossRatio: target,
    developmentFactor: decimal(BigInt(devNum), BigInt(devDen), 4) as string,
    evaluations,
    recommended,
    reason: reasonText(evaluations, recommended, targetLossRatioBps),
    existingFailures: [...existing.values()],
  };
}

/** |projected − target| in units of 10⁻⁸ (both as exact fractions): comparable across candidates. */
function distance(e: CandidateEvaluation, targetBps: Bps): bigint {
  const premium = BigInt(e.replay.premium);
  if (premium === 0n) return BigInt(Number.MAX_SAFE_INTEGER) * 10n ** 8n;
  // projected/premium − target/10⁴ = (projected·10⁴ − target·premium) / (premium·10⁴), scaled to 10⁸.
  const diff = BigInt(e.projectedHmbPayFen) * 10_000n - BigInt(targetBps) * premium;
  const abs = diff < 0n ? -diff : diff;
  return (abs * 10_000n) / premium;
}

function changeSize(c: DesignChange): [number, number] {
  const levers = [c.deductibleDeltaFen, c.ratioDeltaBps, c.premiumChangeBps].filter((x) => x !== 0).length;
  return [
    levers,
    Math.abs(c.deductibleDeltaFen) / 100_000 +
      Math.abs(c.ratioDeltaBps) / 500 +
      Math.abs(c.premiumChangeBps) / 1000,
  ];
}

function reductionBps(e: CandidateEvaluation): number {
  return e.replay.burdenReduction === undefined
    ? 0
    : Math.round(Number(e.replay.burdenReduction) * WHOLE_BPS);
}

export function recommend(evaluations: readonly CandidateEvaluation[], targetBps: Bps): number | undefined {
  let best: number | undefined;
  for (const [i, e] of evaluations.entries()) {
    if (!e.compliant || e.replay.premium === 0) continue;
    if (best === undefined) {
      best = i;
      continue;
    }
    const b = evaluations[best] as CandidateEvaluation;
    const d = distance(e, targetBps) - distance(b, targetBps);
    if (d < 0n) best = i;
    else if (d === 0n) {
      const [el, es] = changeSize(e.candidate.change);
      const [bl, bs] = changeSize(b.candidate.change);
      if (el < bl || (el === bl && es < bs) || (el === bl && es === bs && reductionBps(e) > reductionBps(b)))
        best = i;
    }
  }
  return best;
}

const pct = (ratio: string | undefined) =>
  ratio === undefined ? "—" : formatPercent(Math.round(Number(ratio) * WHOLE_BPS));

function reasonText(
  evaluations: readonly CandidateEvaluation[],
  best: number | undefined,
  targetBps: Bps,
): string {
  const compliant = evaluations.filter((e) => e.compliant).length;
  const head = `共回放 ${evaluations.length} 个候选方案，其中 ${compliant} 个不新增任何不合规项（含第十一条赔付率不低于 70% 的要求，按预测满期赔付率判断）`;
  if (evaluations.every((e) => e.replay.premium === 0))
    return "尚无参保人员（保费为 0），无法测算赔付率：没有可推荐的方案。";
  if (best === undefined)
    return `${head}；没有合规的候选方案，建议扩大调整范围或调整其他保障责任后重新回溯。`;
  const e = evaluations[best] as CandidateEvaluation;
  const current = evaluations[0] as CandidateEvaluation;
  const gapBps = Number(distance(e, targetBps)) / 10_000;
  return (
    `${head}。推荐「${e.candidate.label}」：按本年度理赔数据回放，预测满期赔付率 ${pct(e.projectedLossRatio)}，` +
    `与目标赔付率 ${formatPercent(targetBps)} 最接近（相差 ${(gapBps / 100).toFixed(2)} 个百分点；现行方案为 ${pct(current.projectedLossRatio)}），` +
    `惠民保赔付 ${formatYuan(e.replay.hmbPay)} 元，受益 ${e.replay.beneficiaries} 人，个人负担减轻比例 ${pct(e.replay.burdenReduction)}。` +
    "同样接近目标时，取调整项更少、幅度更小、负担减轻更多的方案。"
  );
}
