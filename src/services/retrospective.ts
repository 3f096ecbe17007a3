/**
 * 精算回溯 of a stored program (issue 13 item 5): the data gathered in for the pure report of
 * src/actuarial/retrospective.ts. The population is the program's issued, not cancelled policies — the same
 * persons `hmb replay --program` prices (services/replay.ts), so the report's figures and the proposal's replays
 * stand on one base: their premiums as paid, their settled (not revoked) claims, and their rate group facts —
 * age at coverage start and sex from the roster, pre-existing status by the product's own rule over their
 * settlements before coverage start (as the claims service decides it, a status locked healthy at first
 * enrollment staying healthy). The reserve is the program's (services/reserve.ts), as of the valuation date.
 */

import type { RateDimension } from "../actuarial/rate-groups.js";
import { ratio4 } from "../actuarial/replay.js";
import {
  type Candidate,
  candidateDesigns,
  DEFAULT_GRID,
  type ExperienceByGroup,
  evaluateProposal,
  experienceByGroup,
  type LargeClaim,
  largeClaims,
  type PersonExperience,
  type Proposal,
} from "../actuarial/retrospective.js";
import type { Bps, Fen } from "../domain/money.js";
import { ageAt } from "../domain/premium.js";
import { findPlan } from "../domain/product.js";
import { type HistoryFacts, meetsPreExistingRule } from "../engine/preexisting.js";
import { audit } from "./audit.js";
import { historyBefore } from "./claims/coverage.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { beijingDay } from "./oversight/dates.js";
import { loadProgram, productOf } from "./programs.js";
import { programReplay } from "./replay.js";
import { programReserve, RESERVE_METHOD_NAMES } from "./reserve.js";

/** Issued, not cancelled: the persons the year's premium was earned on (as services/replay.ts). */
const ENROLLED_STATUSES = ["active", "pending_effective"];

/** 云医保〔2023〕152号 and common practice: next year's design aims at an 85 % loss ratio unless told otherwise. */
export const DEFAULT_TARGET_LOSS_RATIO_BPS: Bps = 8_500;
/** How many persons the large-claims section lists by default. */
export const DEFAULT_LARGE_CLAIMS = 10;
const MAX_LARGE_CLAIMS = 100;
export const ALL_DIMENSIONS: readonly RateDimension[] = ["age", "sex", "health"];

export interface RetrospectiveOptions {
  /** Valuation date yyyy-mm-dd (Beijing); default the earlier of today and the last day of coverage. */
  readonly asOf?: string | undefined;
  /** Decimal string or number in (0, 2], e.g. "0.85". */
  readonly targetLossRatio?: string | number | undefined;
  readonly largeClaims?: number | undefined;
  readonly dimensions?: readonly RateDimension[] | undefined;
}

export interface ReserveSection {
  readonly methodName: string;
  readonly note: string | undefined;
  /** Paid to date per the triangle (the platform's settled hmb_pay, revocations netted). */
  readonly paidFen: Fen;
  readonly ibnrFen: Fen;
  readonly ultimateFen: Fen;
  /** ultimate ÷ the population's premium, 4 places. */
  readonly ultimateLossRatio: string | undefined;
  /** Origins (yyyy-MM) and cumulative paid per development month (null past the valuation diagonal). */
  readonly origins: readonly string[];
  readonly cumulativeFen: readonly (readonly (Fen | null)[])[];
  /** Chain-ladder development factors f_k (k → k+1), 4 places; empty when no method could run. */
  readonly factors: readonly string[];
}

export interface RetrospectiveReport {
  readonly programId: string;
  readonly programName: string;
  readonly productName: string;
  readonly productVersion: number;
  readonly region: string;
  /** The plan the proposal adjusts (the one most persons hold) and its name. */
  readonly planId: string;
  readonly planName: string;
  readonly coverageFrom: string;
  readonly coverageTo: string;
  readonly asOf: string;
  readonly generatedAt: string;
  readonly experience: ExperienceByGroup;
  readonly reserve: ReserveSection;
  readonly largeClaims: readonly LargeClaim[];
  readonly proposal: Proposal;
}

const invalid = (message: string, field: string) =>
  new ServiceError("invalid", "invalid_value", message, field);

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const RATIO_RE = /^\d(\.\d{1,4})?$/;
const MAX_TARGET_BPS = 20_000;

/** "0.85" → 8500 bps; a ServiceError naming target_loss_ratio for anything else. */
export function parseTargetLossRatio(value: string | number | undefined): Bps {
  if (value === undefined) return DEFAULT_TARGET_LOSS_RATIO_BPS;
  const text = String(value);
  if (!RATIO_RE.test(text))
    throw invalid(
      `目标赔付率应为 0 到 2 之间最多四位小数的小数（如 0.85），收到 ${text}`,
      "target_loss_ratio",
    );
  const bps = Math.round(Number(text) * 10_000);
  if (bps <= 0 || bps > MAX_TARGET_BPS)
    throw invalid(`目标赔付率应大于 0 且不超过 2，收到 ${text}`, "target_loss_ratio");
  return bps;
}

function parseLargeClaims(n: number | undefined): number {
  if (n === undefined) return DEFAULT_LARGE_CLAIMS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LARGE_CLAIMS)
    throw invalid(`大额赔付人数应为 1 到 ${MAX_LARGE_CLAIMS} 的整数，收到 ${n}`, "large_claims");
  return n;
}

interface PersonRow {
  psn_no: string;
  plan_id: string;
  premium_fen: number | string;
  gend: string;
  brdy: string;
  pre_existing_locked: Record<string, boolean> | null;
}

interface ClaimRow {
  psn_no: string;
  status: string;
  hmb_pay_fen: number | string;
  psn_part_amt_fen: number | string;
  medfee: string | null;
  diagnosis_code: string | null;
}

/** Yuan text of the record (at most 2 decimals, validated on the way in) → fen. */
function fenOf(yuanText: string | null): Fen {
  if (yuanText === null) return 0;
  const [whole, frac = ""] = yuanText.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0").slice(0, 2));
}

/**
 * The report's data. Throws ServiceError: not_found for an unknown program (field program_id), invalid for a
 * bad as_of, target_loss_ratio or large_claims. Audited as a report generation (it reads personal data to
 * build aggregates; none leaves it).
 */
export async function retrospectiveReport(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  options: RetrospectiveOptions = {},
): Promise<RetrospectiveReport> {
  const targetBps = parseTargetLossRatio(options.targetLossRatio);
  const topN = parseLargeClaims(options.largeClaims);
  if (options.asOf !== undefined && !DAY_RE.test(options.asOf))
    throw invalid(`评估日应为 yyyy-mm-dd 日期，收到 ${options.asOf}`, "as_of");
  const program = await loadProgram(ctx, programId);
  const product = productOf(program);
  const start = product.coverage.start;
  const end = product.coverage.end;
  const lastDay = beijingDay(end - 1);
  const today = beijingDay(ctx.clock.now());
  const asOf = options.asOf ?? ([today, lastDay].sort()[0] as string);

  const persons = await ctx.db.query<PersonRow>(
    `select p.psn_no, p.plan_id, p.premium_fen, r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy, p.pre_existing_locked
       from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.status = any($2::text[])
      order by p.psn_no`,
    [programId, ENROLLED_STATUSES],
  );
  const claims = await ctx.db.query<ClaimRow>(
    `select c.psn_no, c.status, c.hmb_pay_fen, c.psn_part_amt_fen, m.record->>'medfee_sumamt' as medfee, m.diagnosis_code
       from claims c join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
      where c.program_id = $1 and c.state = 'settled'
        and c.psn_no in (select psn_no from policies where program_id = $1 and status = any($2::text[]))
      order by c.psn_no, c.hmb_pay_fen desc, c.setl_id`,
    [programId, ENROLLED_STATUSES],
  );
  // Pre-existing status reads each person's history through the claims service's one history read
  // (coverage.ts); only persons with any record in the program can have one.
  const withRecords = await ctx.db.query<{ psn_no: string }>(
    `select distinct m.psn_no from medical_records m
      where m.program_id = $1
        and m.psn_no in (select psn_no from policies where program_id = $1 and status = any($2::text[]))`,
    [programId, ENROLLED_STATUSES],
  );
  const historyOf = new Map<string, HistoryFacts[]>();
  for (const { psn_no } of withRecords)
    historyOf.set(psn_no, await historyBefore(ctx.db, programId, psn_no, new Date(start)));
  const claimsOf = new Map<string, ClaimRow[]>();
  for (const c of claims) {
    const list = claimsOf.get(c.psn_no) ?? [];
    list.push(c);
    claimsOf.set(c.psn_no, list);
  }

  const planCount = new Map<string, number>();
  const people: PersonExperience[] = persons.map((p) => {
    planCount.set(p.plan_id, (planCount.get(p.plan_id) ?? 0) + 1);
    const past = historyOf.get(p.psn_no) ?? [];
    const preExisting = product.preExistingConditions.some(
      (c) => p.pre_existing_locked?.[c.id] !== false && meetsPreExistingRule(c.rule, start, past),
    );
    const own = claimsOf.get(p.psn_no) ?? [];
    let hmbPayFen = 0;
    let paidClaims = 0;
    let medicalCostFen = 0;
    let burdenFen = 0;
    for (const c of own) {
      const paid = Number(c.hmb_pay_fen);
      hmbPayFen += paid;
      if (paid > 0) paidClaims++;
      medicalCostFen += fenOf(c.medfee);
      if (c.status !== "not_covered") burdenFen += Number(c.psn_part_amt_fen);
    }
    // Claims are ordered by payout, largest first: its diagnosis is the person's main one.
    const top = own[0];
    return {
      facts: {
        age: ageAt(p.brdy, start),
        sex: p.gend === "1" || p.gend === "2" ? p.gend : undefined,
        preExisting,
      },
      premiumFen: Number(p.premium_fen),
      claims: own.length,
      paidClaims,
      hmbPayFen,
      medicalCostFen,
      burdenFen,
      mainDiagnosis:
        top !== undefined && Number(top.hmb_pay_fen) > 0 ? (top.diagnosis_code ?? undefined) : undefined,
    };
  });

  const elapsedMs = Math.min(end, Math.max(start, endOfDay(asOf))) - start;
  const elapsedPpm = Math.round((elapsedMs / (end - start)) * 1_000_000);
  const experience = experienceByGroup(people, options.dimensions ?? ALL_DIMENSIONS, targetBps, elapsedPpm);

  const reserve = await programReserve(ctx, programId, asOf);
  const paidFen =
    reserve.triangle === undefined ? 0 : reserve.triangle.incrementalFen.flat().reduce((a, b) => a + b, 0);
  const ultimateFen = paidFen + reserve.ibnrFen;
  const cumulativeFen = (reserve.triangle?.incrementalFen ?? []).map((row, i, all) => {
    let sum = 0;
    // Origin i (of n) is observed for n − i development months at the valuation diagonal.
    const observed = all.length - i;
    return row.map((x, k) => {
      sum += x;
      return k < observed ? sum : null;
    });
  });
  const reserveSection: ReserveSection = {
    methodName: reserve.methodName ?? RESERVE_METHOD_NAMES.none,
    note: reserve.note,
    paidFen,
    ibnrFen: reserve.ibnrFen,
    ultimateFen,
    ultimateLossRatio: ratio4(ultimateFen, experience.total.premiumFen),
    origins: reserve.triangle?.origins ?? [],
    cumulativeFen,
    factors: (reserve.report?.chainLadder.factors ?? []).map((f) => f.toFixed(4)),
  };

  // The plan most persons hold (ties: the product's order); a program without policies: the first plan.
  const planId =
    [...planCount.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? (product.plans[0]?.id as string);
  const candidates: Candidate[] = candidateDesigns(product, planId, DEFAULT_GRID);
  const { result } = await programReplay(
    ctx,
    programId,
    candidates.map((c) => ({ label: c.id, product: c.product, planId: c.planId })),
  );
  if (!result.ok)
    throw new Error(`stored records of ${programId} no longer parse: ${JSON.stringify(result.errors)}`);
  const proposal = evaluateProposal(product, candidates, result.designs, targetBps, {
    paidFen,
    ibnrFen: reserve.ibnrFen,
  });

  await audit(ctx.db, actor, programId, "report.retrospective", asOf, {
    as_of: asOf,
    target_loss_ratio: proposal.targetLossRatio,
  });
  return {
    programId,
    programName: program.name,
    productName: product.name,
    productVersion: product.version,
    region: product.region.name,
    planId,
    planName: findPlan(product, planId).name,
    coverageFrom: beijingDay(start),
    coverageTo: lastDay,
    asOf,
    generatedAt: ctx.clock.now().toISOString(),
    experience,
    reserve: reserveSection,
    largeClaims: largeClaims(people, topN),
    proposal,
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** The instant a Beijing day ends. */
function endOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`) + DAY_MS;
}
