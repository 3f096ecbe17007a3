/**
 * The layers of one settled claim and the aid programs (救助项目) that take what is left (issue 15).
 *
 * Settlement order: 基本医保 → 大病保险 → 医疗救助 (the national fund fields) → 惠民保 (hmb_pay) → aid programs by
 * `priority` (then id, then version). The same claim's amount is consumed layer by layer, so nothing is paid
 * twice: each aid program is limited by what every earlier layer left, whatever it names in `covers.after`.
 *
 * Pure: no I/O, no clock. Integer fen throughout; the one rounding is `applyRatio` (round half up, DESIGN §4);
 * every floor is named where it happens (`prorateRound`, `catastrophicShare`). Invariants are asserted and
 * throw `AidInvariantError`: a violation is a bug or corrupt input, never something to pay around.
 * docs/aid.md ("分层负担与救助计算") states the rules with worked numbers.
 */
import type { AidProgram } from "../domain/aid.js";
import { aidProgramRef, STATUTORY_LAYERS, type StatutoryLayer } from "../domain/aid.js";
import { COHORTS, type Cohort } from "../domain/cohort.js";
import {
  applyRatio,
  type Bps,
  type Fen,
  FULL_RATIO_BPS,
  formatPercent,
  formatYuan,
  MAX_FEN,
} from "../domain/money.js";
import { icd10InRanges } from "../domain/product.js";
import type { FundPayments } from "../domain/settlement.js";
import { BEIJING_OFFSET_MS, type EpochMs } from "../domain/time.js";
import { ageAt } from "./batch.js";

/** WHO: out-of-pocket health spending ≥ 40 % of capacity to pay is catastrophic (灾难性卫生支出). */
export const WHO_CATASTROPHIC_BPS: Bps = 4000;
/**
 * The largest share `catastrophicShare` reports (1000 × capacity). A person with no capacity to pay at all and any
 * spending gets this value: the share is unbounded, and any line a program can configure lies below it.
 */
export const MAX_CATASTROPHIC_SHARE_BPS: Bps = 1000 * FULL_RATIO_BPS;
/** More aid programs than this for one claim is a configuration error, not a real city (a few dozen at most). */
export const MAX_AID_PROGRAMS_PER_CLAIM = 500;
/** One matching round pro-rates at most this many amounts (a city-year of claims for one program fits). */
export const MAX_PRORATE_ITEMS = 10_000_000;

export class AidInvariantError extends Error {}

/** One settled claim as the aid engine sees it (from the stored settlement and its hmb payout). */
export interface AidClaim {
  readonly setlId: string;
  readonly psnNo: string;
  /** Admission time (begntime, or setl_time when absent): decides age, period and eligibility. */
  readonly careAt: EpochMs;
  /** setl_time: decides the aid year (`aidYear`) and processing order (then setlId). */
  readonly settledAt: EpochMs;
  /** dise_codg, the main diagnosis (ICD-10). */
  readonly diagnosisCode?: string;
  /** medfee_sumamt. */
  readonly totalCost: Fen;
  readonly funds: FundPayments;
  /** psn_part_amt: what the person bears after every national fund. */
  readonly personBurden: Fen;
  /** 医保范围外自费 = fulamt_ownpay_amt + overlmt_selfpay (DESIGN §3). */
  readonly outOfScope: Fen;
  /** The claim's 惠民保 payout (claims.hmb_pay_fen); 0 when it paid nothing or was not covered. */
  readonly hmbPay: Fen;
  /** The person's own burden per fee item (med_list_codg), for drug programs. */
  readonly drugCharges: readonly { readonly code: string; readonly amount: Fen }[];
}

/** The insured as the roster knows them. */
export interface AidPerson {
  readonly psnNo: string;
  readonly cohort?: Cohort;
  /** yyyy-MM-dd. */
  readonly birthDate?: string;
  /** The insured's county (admdvs, GB/T 2260). */
  readonly region: string;
}

/**
 * This person's use of one aid program in the aid year so far (claims before this one, `aidYear`): money paid
 * or queued (not revoked; an application counts once decided) and the per-year threshold already absorbed.
 */
export interface AidUsage {
  readonly yearPaid: Fen;
  readonly yearThresholdUsed: Fen;
}

/** What the program's budget can still pay (budget.amount − paid − queued so far, never above the fund balance). */
export interface AidBudget {
  readonly remaining: Fen;
  /**
   * `queue` programs: at most this much of the shortfall may wait in the queue (e.g. the budget left after what
   * is paid now, when `remaining` is the smaller fund balance). Absent: the whole shortfall queues.
   */
  readonly queueLimit?: Fen;
}

/** The claim before aid: the national layers, 惠民保 and what the person still bears after 惠民保. */
export interface StatutoryLayers {
  /** 基本医保 = hifp_pay + cvlserv_pay + hifes_pay + oth_pay. */
  readonly basic: Fen;
  /** 大病保险 = hifmi_pay + hifob_pay. */
  readonly criticalIllness: Fen;
  /** 医疗救助 = maf_pay. */
  readonly medicalAssistance: Fen;
  /** 惠民保 = the claim's hmb_pay. */
  readonly hmb: Fen;
  /** psn_part_amt − hmb_pay. */
  readonly residual: Fen;
  /** The 医保范围内 part of `residual` (惠民保 is taken from the in-scope part first). */
  readonly residualInScope: Fen;
}

export type AidLineMode = "automatic" | "application";

/** One aid program's part of one claim. */
export interface AidLine {
  /** "id@version" (aidProgramRef). */
  readonly ref: string;
  readonly programId: string;
  readonly version: number;
  readonly fundId: string;
  /** automatic: paid now; application: proposed (paid only after review). */
  readonly amount: Fen;
  /** Shortfall waiting for a top-up (budget `queue`); 0 otherwise. */
  readonly queued: Fen;
  readonly mode: AidLineMode;
  readonly eligible: boolean;
  /** The program's covered amount for this claim (before threshold, ratio and caps). */
  readonly covered: Fen;
  /** Per-year threshold absorbed by this claim (add it to the person's yearThresholdUsed); 0 for per-case. */
  readonly thresholdUsed: Fen;
  /** What the program would pay with an unlimited budget; `prorate` rounds scale these (`prorateRound`). */
  readonly wanted: Fen;
  /** Why it is 0 or less than wanted (Chinese, shown to people). */
  readonly reason?: string;
  /** The arithmetic in words, e.g. "（12000.00 − 5000.00）× 70% = 4900.00". */
  readonly explanation: string;
}

export interface AidAllocation {
  readonly layers: StatutoryLayers;
  /** One line per claim aid program given (premium programs excluded), in allocation order. */
  readonly lines: readonly AidLine[];
  /** psn_part_amt − hmb − Σ automatic amounts: what the person pays now. */
  readonly finalBurden: Fen;
  /** Σ queued + Σ application proposals: may still come back to the person (≤ finalBurden). */
  readonly pending: Fen;
}

export type AidEligibilityResult =
  | { readonly eligible: true }
  | { readonly eligible: false; readonly reason: string };

function assertFenValue(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_FEN)
    throw new AidInvariantError(
      `${what} must be a non-negative integer number of fen ≤ ${MAX_FEN}, got ${value}`,
    );
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new AidInvariantError(message);
}

/** The Beijing calendar year of setl_time: the year per-year thresholds and caps count in. */
export function aidYear(claim: Pick<AidClaim, "settledAt">): number {
  return new Date(claim.settledAt + BEIJING_OFFSET_MS).getUTCFullYear();
}

/** The claim's national layers, 惠民保 and residual; asserts the settlement identities. */
export function claimLayers(claim: AidClaim): StatutoryLayers {
  const f = claim.funds;
  for (const [k, v] of Object.entries(f)) assertFenValue(v, `funds.${k}`);
  for (const k of ["totalCost", "personBurden", "outOfScope", "hmbPay"] as const) assertFenValue(claim[k], k);
  const basic = f.pooled + f.civilServant + f.enterpriseSupplementary + f.other;
  const criticalIllness = f.criticalIllness + f.largeAmount;
  const medicalAssistance = f.medicalAssistance;
  check(
    claim.totalCost === basic + criticalIllness + medicalAssistance + claim.personBurden,
    `claim ${claim.setlId}: medfee_sumamt ${claim.totalCost} ≠ fund_pay_sumamt + psn_part_amt`,
  );
  check(claim.outOfScope <= claim.personBurden, `claim ${claim.setlId}: out_of_scope above psn_part_amt`);
  check(claim.hmbPay <= claim.personBurden, `claim ${claim.setlId}: hmb_pay above psn_part_amt`);
  const inScopeBurden = claim.personBurden - claim.outOfScope;
  const residual = claim.personBurden - claim.hmbPay;
  // 惠民保 takes the in-scope part first (docs/aid.md): what it paid beyond that came out of 自费.
  const residualInScope = Math.max(0, inScopeBurden - claim.hmbPay);
  return { basic, criticalIllness, medicalAssistance, hmb: claim.hmbPay, residual, residualInScope };
}

/** Program period covers the care date, then region, cohort, age, diagnosis, drugs: the first miss is the reason. */
export function aidEligibility(
  program: AidProgram,
  person: AidPerson,
  claim: AidClaim,
): AidEligibilityResult {
  if (program.covers.kind === "premium") return { eligible: false, reason: "保费资助项目不按单次就医给付" };
  if (claim.careAt < program.period.start || claim.careAt >= program.period.end)
    return { eligible: false, reason: "就医日期不在项目实施期内" };
  const e = program.eligibility;
  if (e.regions !== undefined && !e.regions.some((prefix) => person.region.startsWith(prefix)))
    return { eligible: false, reason: "参保地不在项目覆盖地区" };
  if (e.cohorts !== undefined) {
    const wanted = e.cohorts.map((c) => COHORTS[c]).join("、");
    if (person.cohort === undefined) return { eligible: false, reason: `未登记为项目救助人群（${wanted}）` };
    if (!e.cohorts.includes(person.cohort))
      return { eligible: false, reason: `${COHORTS[person.cohort]}不在项目救助人群（${wanted}）之内` };
  }
  if (e.minAge !== undefined || e.maxAge !== undefined) {
    if (person.birthDate === undefined) return { eligible: false, reason: "缺少出生日期，无法核对年龄条件" };
    const age = ageAt(person.birthDate, claim.careAt);
    if (e.minAge !== undefined && age < e.minAge)
      return { eligible: false, reason: `就医时 ${age} 周岁，未满 ${e.minAge} 周岁` };
    if (e.maxAge !== undefined && age > e.maxAge)
      return { eligible: false, reason: `就医时 ${age} 周岁，超过 ${e.maxAge} 周岁` };
  }
  if (e.icd10 !== undefined) {
    if (claim.diagnosisCode === undefined || claim.diagnosisCode === "")
      return { eligible: false, reason: "结算未记录主要诊断，无法核对病种" };
    if (!icd10InRanges(claim.diagnosisCode, e.icd10))
      return { eligible: false, reason: "主要诊断不在项目救助病种之内" };
  }
  if (e.drugs !== undefined) {
    const listed = new Set(e.drugs);
    if (!claim.drugCharges.some((d) => listed.has(d.code)))
      return { eligible: false, reason: "本次就医未使用项目援助的药品" };
  }
  return { eligible: true };
}

function isStatutoryLayer(name: string): name is StatutoryLayer {
  return Object.hasOwn(STATUTORY_LAYERS, name);
}

/**
 * The allocation order: priority, then id, then version. Throws when a program names in `covers.after` an aid
 * program that comes later in that order (it would wait for a layer that has not run), or when the same program
 * id appears twice with overlapping periods (two versions of one program would pay one claim twice).
 */
export function orderAidPrograms(programs: readonly AidProgram[]): AidProgram[] {
  check(
    programs.length <= MAX_AID_PROGRAMS_PER_CLAIM,
    `more than ${MAX_AID_PROGRAMS_PER_CLAIM} aid programs`,
  );
  const ordered = [...programs].sort((a, b) =>
    a.priority !== b.priority
      ? a.priority - b.priority
      : a.id !== b.id
        ? a.id < b.id
          ? -1
          : 1
        : a.version - b.version,
  );
  const position = new Map<string, number>();
  ordered.forEach((p, i) => {
    if (!position.has(p.id)) position.set(p.id, i);
  });
  for (let i = 0; i < ordered.length; i++) {
    const p = ordered[i] as AidProgram;
    // Versions of one program may sit anywhere in the order (a new version may change its priority).
    for (let j = 0; j < i; j++) {
      const q = ordered[j] as AidProgram;
      if (q.id === p.id)
        check(
          q.period.end <= p.period.start || p.period.end <= q.period.start,
          `救助项目 ${p.id} 的版本 ${q.version} 与版本 ${p.version} 实施期重叠`,
        );
    }
    if (p.covers.kind !== "residual") continue;
    for (const name of p.covers.after) {
      if (isStatutoryLayer(name)) continue;
      const at = position.get(name);
      if (at !== undefined && at > i)
        throw new AidInvariantError(`救助项目 ${p.id} 排在 ${name} 之后，但 ${name} 的优先级更靠后`);
    }
  }
  return ordered;
}

const LIMIT_REASONS = {
  nothingCovered: "项目覆盖范围内没有剩余负担",
  belowThreshold: "未超过起付线",
  yearCapUsed: "本年度救助已达年度上限",
  nothingLeft: "前序各层已无剩余负担",
  budgetOut: "项目额度已用尽",
} as const;

/** What one consumer took of the residual: in-scope first, then out-of-scope. */
interface Taken {
  inScope: Fen;
  outOfScope: Fen;
}

/**
 * Allocates one claim's residual (after 惠民保) to the aid programs given, in `orderAidPrograms` order.
 * `usage(ref)` and `budget(ref)` are read once per eligible program. Premium programs are skipped (not a claim
 * layer). Lines of `application` programs are proposals: they reserve their amount (a later layer never covers
 * it too) but are not part of what is paid now; if the application is declined, allocate again without it.
 */
export function allocateAid(
  claim: AidClaim,
  person: AidPerson,
  programs: readonly AidProgram[],
  usage: (ref: string) => AidUsage,
  budget: (ref: string) => AidBudget,
): AidAllocation {
  check(claim.psnNo === person.psnNo, `claim ${claim.setlId} is not person ${person.psnNo}'s`);
  for (const d of claim.drugCharges) assertFenValue(d.amount, `drugCharges[${d.code}]`);
  const layers = claimLayers(claim);
  const inScopeBurden = claim.personBurden - claim.outOfScope;
  const hmbIn = Math.min(claim.hmbPay, inScopeBurden);
  const taken = new Map<string, Taken>([["hmb", { inScope: hmbIn, outOfScope: claim.hmbPay - hmbIn }]]);
  let leftIn = layers.residualInScope;
  let leftOut = layers.residual - layers.residualInScope;
  const lines: AidLine[] = [];

  for (const program of orderAidPrograms(programs)) {
    if (program.covers.kind === "premium") continue;
    const ref = aidProgramRef(program);
    const base = {
      ref,
      programId: program.id,
      version: program.version,
      fundId: program.fund,
      mode: program.mode.kind,
    } as const;
    const verdict = aidEligibility(program, person, claim);
    if (!verdict.eligible) {
      lines.push({
        ...base,
        amount: 0,
        queued: 0,
        eligible: false,
        covered: 0,
        thresholdUsed: 0,
        wanted: 0,
        reason: verdict.reason,
        explanation: verdict.reason,
      });
      continue;
    }
    const inScopeOnly = program.covers.kind === "residual" && program.covers.inScopeOnly;
    const covered = coveredAmount(program, claim, inScopeBurden, taken, layers.residual - leftIn - leftOut);
    const u = usage(ref);
    assertFenValue(u.yearPaid, `usage(${ref}).yearPaid`);
    assertFenValue(u.yearThresholdUsed, `usage(${ref}).yearThresholdUsed`);
    const steps: string[] = [];
    let reason: string | undefined;
    const limit = (why: string) => {
      reason ??= why;
    };

    // Benefit: ratio above a threshold, or a fixed sum never above the covered amount.
    let payable: Fen;
    let thresholdUsed: Fen = 0;
    const b = program.benefit;
    if (b.kind === "ratio_above_threshold") {
      let threshold: Fen;
      if (b.threshold.per === "case") threshold = b.threshold.amount;
      else {
        threshold = Math.max(0, b.threshold.amount - u.yearThresholdUsed);
        thresholdUsed = Math.min(covered, threshold);
      }
      const above = Math.max(0, covered - threshold);
      payable = applyRatio(above, b.ratio);
      steps.push(
        `（${formatYuan(covered)} − ${formatYuan(Math.min(covered, threshold))}）× ${formatPercent(b.ratio)} = ${formatYuan(payable)}`,
      );
      if (covered === 0) limit(LIMIT_REASONS.nothingCovered);
      else if (above === 0) limit(LIMIT_REASONS.belowThreshold);
    } else {
      payable = Math.min(b.amount, covered);
      steps.push(
        `定额 ${formatYuan(b.amount)}${payable < b.amount ? `，以覆盖金额 ${formatYuan(covered)} 为限` : ""}`,
      );
      if (covered === 0) limit(LIMIT_REASONS.nothingCovered);
    }
    if (program.caps.perCase !== undefined && payable > program.caps.perCase) {
      payable = program.caps.perCase;
      steps.push(`单次上限 ${formatYuan(payable)}`);
    }
    if (program.caps.perYear !== undefined) {
      const yearLeft = Math.max(0, program.caps.perYear - u.yearPaid);
      if (payable > yearLeft) {
        payable = yearLeft;
        steps.push(`年度上限余额 ${formatYuan(yearLeft)}`);
        if (yearLeft === 0) limit(LIMIT_REASONS.yearCapUsed);
      }
    }
    // Never more than every earlier layer left (in-scope only where the program says so).
    const capacity = inScopeOnly ? leftIn : leftIn + leftOut;
    const wanted = Math.min(payable, capacity);
    if (wanted < payable) {
      steps.push(`以前序各层剩余负担 ${formatYuan(capacity)} 为限`);
      limit(LIMIT_REASONS.nothingLeft);
    }

    // Budget.
    const bud = budget(ref);
    assertFenValue(bud.remaining, `budget(${ref}).remaining`);
    const amount = Math.min(wanted, bud.remaining);
    if (bud.queueLimit !== undefined) assertFenValue(bud.queueLimit, `budget(${ref}).queueLimit`);
    const queued =
      program.budget.whenExhausted === "queue" ? Math.min(wanted - amount, bud.queueLimit ?? MAX_FEN) : 0;
    if (amount < wanted) {
      limit(LIMIT_REASONS.budgetOut);
      steps.push(
        queued > 0
          ? `项目额度余 ${formatYuan(bud.remaining)}，${formatYuan(queued)} 排队待补`
          : `项目额度余 ${formatYuan(bud.remaining)}`,
      );
    }

    // Consume: in-scope first, then out-of-scope; a queued shortfall is reserved like a payment.
    const consumed = amount + queued;
    const fromIn = Math.min(consumed, leftIn);
    const fromOut = consumed - fromIn;
    check(fromOut <= leftOut && (!inScopeOnly || fromOut === 0), `aid ${ref} took more than was left`);
    leftIn -= fromIn;
    leftOut -= fromOut;
    taken.set(program.id, { inScope: fromIn, outOfScope: fromOut });
    lines.push({
      ...base,
      amount,
      queued,
      eligible: true,
      covered,
      thresholdUsed,
      wanted,
      ...(reason !== undefined ? { reason } : {}),
      explanation: steps.join("；"),
    });
  }

  let paid = 0;
  let pending = 0;
  for (const l of lines) {
    if (l.mode === "automatic") paid += l.amount;
    else pending += l.amount;
    pending += l.queued;
  }
  const finalBurden = layers.residual - paid;
  // Σ layers + final burden = medfee_sumamt; nothing negative; what may still come back fits in what is borne.
  check(finalBurden >= 0 && pending <= finalBurden, `claim ${claim.setlId}: aid above the residual`);
  check(finalBurden - pending === leftIn + leftOut, `claim ${claim.setlId}: consumption does not add up`);
  check(
    layers.basic + layers.criticalIllness + layers.medicalAssistance + layers.hmb + paid + finalBurden ===
      claim.totalCost,
    `claim ${claim.setlId}: layers do not add up to medfee_sumamt`,
  );
  return { layers, lines, finalBurden, pending };
}

/**
 * The amount a program covers before its own threshold, ratio and caps; the payment is later limited to what
 * every earlier layer left.
 * - `residual`: psn_part_amt (the national funds always come first: a person's burden exists only after them)
 *   minus what the layers it names in `after` took (惠民保 and/or earlier aid programs); `inScopeOnly` keeps only
 *   the in-scope part, where every layer took from the in-scope part first.
 * - `drug_cost`: the person's own burden for the listed drugs minus everything 惠民保 and earlier aid programs
 *   took from this claim: earlier layers are taken from the listed drugs first ("经大病保险报销后剩余的药品费用"),
 *   the cautious reading when a claim's earlier payments are not itemised, so a drug program never pays for
 *   anything but its drug.
 */
function coveredAmount(
  program: AidProgram,
  claim: AidClaim,
  inScopeBurden: Fen,
  taken: ReadonlyMap<string, Taken>,
  takenByEarlierAid: Fen,
): Fen {
  const covers = program.covers;
  if (covers.kind === "drug_cost") {
    const listed = new Set(program.eligibility.drugs ?? []);
    let drugBurden = 0;
    for (const d of claim.drugCharges) if (listed.has(d.code)) drugBurden += d.amount;
    return Math.max(0, drugBurden - claim.hmbPay - takenByEarlierAid);
  }
  if (covers.kind !== "residual")
    throw new AidInvariantError(`aid ${program.id}: a premium program has no covered amount`);
  let inScope = inScopeBurden;
  let outOfScope = claim.outOfScope;
  for (const name of new Set(covers.after)) {
    const t = taken.get(name);
    if (t === undefined) continue; // a national fund layer (always before), or a program not in this claim's set
    inScope -= t.inScope;
    outOfScope -= t.outOfScope;
  }
  check(inScope >= 0 && outOfScope >= 0, `aid ${program.id}: named layers took more than the burden`);
  return covers.inScopeOnly ? inScope : inScope + outOfScope;
}

/**
 * Scales `amounts` to fit `remaining` by the largest-remainder method: each gets ⌊a × remaining ÷ Σ⌋ (a floor,
 * computed exactly in BigInt), then the fen left over go one each to the largest fractional remainders, ties to
 * the earlier index. The result sums to exactly min(Σ, remaining) and never exceeds an input amount.
 */
export function prorateRound(amounts: readonly Fen[], remaining: Fen): Fen[] {
  check(amounts.length <= MAX_PRORATE_ITEMS, `more than ${MAX_PRORATE_ITEMS} amounts to pro-rate`);
  assertFenValue(remaining, "remaining");
  let total = 0n;
  for (const a of amounts) {
    if (!Number.isSafeInteger(a) || a < 0)
      throw new AidInvariantError(`amount to pro-rate must be fen ≥ 0, got ${a}`);
    total += BigInt(a);
  }
  const r = BigInt(remaining);
  if (total <= r) return [...amounts];
  const shares: Fen[] = new Array(amounts.length);
  const fractions: { index: number; rest: bigint }[] = [];
  let given = 0n;
  amounts.forEach((a, index) => {
    const product = BigInt(a) * r;
    const share = product / total; // BigInt division truncates: the floor, since both are ≥ 0
    shares[index] = Number(share);
    given += share;
    const rest = product - share * total;
    if (rest > 0n) fractions.push({ index, rest });
  });
  fractions.sort((x, y) => (x.rest === y.rest ? x.index - y.index : x.rest > y.rest ? -1 : 1));
  let leftOver = Number(r - given);
  check(leftOver <= fractions.length, "largest remainder: more fen left over than fractional shares");
  for (const f of fractions) {
    if (leftOver === 0) break;
    shares[f.index] = (shares[f.index] as Fen) + 1;
    leftOver--;
  }
  let sum = 0;
  for (let i = 0; i < shares.length; i++) {
    sum += shares[i] as Fen;
    check((shares[i] as Fen) <= (amounts[i] as Fen), "pro-rated share above its amount");
  }
  check(sum === remaining, "pro-rated shares do not sum to the remaining budget");
  return shares;
}

/**
 * Out-of-pocket spending as a share of capacity to pay, in basis points, floored (so a share is never reported
 * above the line it has not reached; compare with `isCatastrophic` for the exact test). No capacity to pay and any
 * spending: MAX_CATASTROPHIC_SHARE_BPS; shares above it are reported as it.
 */
export function catastrophicShare(oop: Fen, capacityToPay: Fen): Bps {
  assertFenValue(oop, "oop");
  assertFenValue(capacityToPay, "capacityToPay");
  if (oop === 0) return 0;
  if (capacityToPay === 0) return MAX_CATASTROPHIC_SHARE_BPS;
  // oop ≤ MAX_FEN and FULL_RATIO_BPS = 10^4 keep the product ≤ 10^15 < 2^53: exact before the floor.
  return Math.min(MAX_CATASTROPHIC_SHARE_BPS, Math.floor((oop * FULL_RATIO_BPS) / capacityToPay));
}

/** oop ≥ line × capacity, exactly in integers (no share rounding decides a flag). */
export function isCatastrophic(oop: Fen, capacityToPay: Fen, lineBps: Bps = WHO_CATASTROPHIC_BPS): boolean {
  assertFenValue(oop, "oop");
  assertFenValue(capacityToPay, "capacityToPay");
  check(Number.isSafeInteger(lineBps) && lineBps >= 0, `line must be whole basis points, got ${lineBps}`);
  if (oop === 0) return false;
  // BigInt: a local line may be set above 100 %, and line × capacity could then pass 2^53.
  return BigInt(oop) * BigInt(FULL_RATIO_BPS) >= BigInt(lineBps) * BigInt(capacityToPay);
}
