/**
 * Anti-selection monitor (issue 13 item 6): the facts of each program year of a chain — the program asked
 * about and the programs it follows, oldest first — for src/actuarial/anti-selection.ts to compute on.
 *
 * Per year: the roster count (eligible), the insured persons (an issued policy, not cancelled: the persons the
 * year's premium was earned on) with their premium, paid claims (settled, not revoked) and health status, and
 * which of the previous two years' insured are on the year's roster. The same person in two years is the same
 * ID number, found through the roster's keyed blind index as program years do (services/program-years.ts):
 * psn_no may differ between two rosters.
 *
 * Health status (带病体, docs/anti-selection.md): the year's product's pre-existing conditions, each met when
 * the policy locks it pre-existing at first enrollment (`pre_existing_locked`, 北京), or when the person's
 * settlement history on the platform — every program year of the chain, so last year's stays count — meets
 * its rule (engine/preexisting.ts, as the engine decides). A lock that says healthy is not followed here: it
 * is a benefit promise, not a health fact, and someone who fell ill since is exactly who the monitor watches.
 * Reference dates: the policy's coverage start for the year's mix; its coverage end for the status a person
 * renews (or leaves) with.
 *
 * Every statement names its program (a value, never a join across programs: the chain is walked in code).
 * The answer holds aggregates only: the match keys stay inside this module and the pure computation.
 */
import {
  type AntiSelectionReport,
  type AntiSelectionThresholds,
  analyzeAntiSelection,
  DEFAULT_ANTI_SELECTION_THRESHOLDS,
  type InsuredPerson,
  type YearInput,
} from "../actuarial/anti-selection.js";
import type { Queryable } from "../db/database.js";
import { ageAt } from "../domain/premium.js";
import type { Product } from "../domain/product.js";
import type { FundPayments } from "../domain/settlement.js";
import { beijingDay } from "../domain/time.js";
import { type HistoryFacts, meetsPreExistingRule } from "../engine/preexisting.js";
import type { PlatformContext } from "./context.js";
import { loadProgram, type ProgramRecord } from "./programs.js";

/** Issued and not cancelled: the persons a year's premium was earned on (as replay and program years count). */
const INSURED_STATUSES = ["pending_effective", "active"];

/**
 * The longest chain walked back: persistence needs three years; ten covers a decade of trend and bounds the
 * work (and a corrupted chain) without a loop guard being the only stop.
 */
export const MAX_PROGRAM_YEARS = 10;

/** Blind indexes looked up on a roster per statement (keeps the parameter array modest). */
const ROSTER_LOOKUP_CHUNK = 5_000;

/** The programs of the chain ending at `programId`, oldest first. Unknown program: ServiceError not_found. */
async function chainOf(ctx: PlatformContext, programId: string): Promise<ProgramRecord[]> {
  const chain: ProgramRecord[] = [await loadProgram(ctx, programId)];
  const seen = new Set([programId]);
  for (;;) {
    const follows = (chain[0] as ProgramRecord).followsProgramId;
    if (follows === null || seen.has(follows) || chain.length >= MAX_PROGRAM_YEARS) break;
    seen.add(follows);
    chain.unshift(await loadProgram(ctx, follows));
  }
  return chain;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface PolicyRow {
  psn_no: string;
  certno_bidx: Uint8Array;
  brdy: string;
  premium_fen: string | number;
  coverage_start: Date | string;
  coverage_end: Date | string;
  pre_existing_locked: Record<string, boolean> | string | null;
}

interface Insured {
  key: string;
  brdy: string;
  premiumFen: number;
  claimsFen: number;
  start: number;
  end: number;
  locked: Record<string, boolean>;
}

/** The year's insured persons by match key (a person with two issued policies counts once, premiums summed). */
async function insuredOf(q: Queryable, programId: string): Promise<Map<string, Insured>> {
  const rows = await q.query<PolicyRow>(
    `select p.psn_no, r.certno_bidx, to_char(r.brdy, 'YYYY-MM-DD') as brdy, p.premium_fen, p.coverage_start,
            p.coverage_end, p.pre_existing_locked
       from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.issued_at is not null and p.status = any($2::text[])`,
    [programId, INSURED_STATUSES],
  );
  const claims = await q.query<{ psn_no: string; fen: string | number }>(
    `select psn_no, sum(hmb_pay_fen) as fen from claims
      where program_id = $1 and state = 'settled' and status = 'paid' group by psn_no`,
    [programId],
  );
  const claimsOf = new Map(claims.map((c) => [c.psn_no, Number(c.fen)]));
  const byPsn = new Map<string, Insured>();
  for (const r of rows) {
    const locked =
      typeof r.pre_existing_locked === "string"
        ? (JSON.parse(r.pre_existing_locked) as Record<string, boolean>)
        : (r.pre_existing_locked ?? {});
    const known = byPsn.get(r.psn_no);
    if (known !== undefined) {
      known.premiumFen += Number(r.premium_fen);
      continue;
    }
    byPsn.set(r.psn_no, {
      key: hex(r.certno_bidx),
      brdy: r.brdy,
      premiumFen: Number(r.premium_fen),
      claimsFen: claimsOf.get(r.psn_no) ?? 0,
      start: new Date(r.coverage_start).getTime(),
      end: new Date(r.coverage_end).getTime(),
      locked,
    });
  }
  return new Map([...byPsn.values()].map((i) => [i.key, i]));
}

/** Every settlement fact of the program's records, by match key (what pre-existing rules read). */
async function historyOf(q: Queryable, programId: string, into: Map<string, HistoryFacts[]>): Promise<void> {
  const rows = await q.query<{
    certno_bidx: Uint8Array;
    settled_at: Date | string;
    funds: FundPayments | string;
    diagnosis_code: string | null;
  }>(
    `select r.certno_bidx, m.settled_at, m.funds, m.diagnosis_code
       from medical_records m join roster_persons r on r.program_id = m.program_id and r.psn_no = m.psn_no
      where m.program_id = $1`,
    [programId],
  );
  for (const r of rows) {
    const key = hex(r.certno_bidx);
    const facts: HistoryFacts = {
      settledAt: new Date(r.settled_at).getTime(),
      funds: typeof r.funds === "string" ? (JSON.parse(r.funds) as FundPayments) : r.funds,
      diagnosisCode: r.diagnosis_code ?? undefined,
    };
    const list = into.get(key);
    if (list === undefined) into.set(key, [facts]);
    else list.push(facts);
  }
}

/** Which of `keys` are on the program's roster. */
async function onRosterOf(q: Queryable, programId: string, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += ROSTER_LOOKUP_CHUNK) {
    const chunk = keys.slice(i, i + ROSTER_LOOKUP_CHUNK);
    // The keys travel as hex text (the driver seam takes text arrays) and become bytea again for the index.
    const rows = await q.query<{ certno_bidx: Uint8Array }>(
      `select certno_bidx from roster_persons
        where program_id = $1 and certno_bidx = any(array(select decode(k, 'hex') from unnest($2::text[]) as k))`,
      [programId, chunk],
    );
    for (const r of rows) found.add(hex(r.certno_bidx));
  }
  return found;
}

/** 带病体 under the product at `at` (see the module comment). */
function preExistingAt(
  product: Product,
  locked: Record<string, boolean>,
  history: readonly HistoryFacts[],
  at: number,
): boolean {
  return product.preExistingConditions.some(
    (c) => locked[c.id] === true || meetsPreExistingRule(c.rule, at, history),
  );
}

/** yyyy-MM-dd of an instant on the Beijing calendar. */

/**
 * The anti-selection report of a program and the programs it follows. Unknown program: ServiceError
 * not_found naming program_id (项目 X 不存在).
 */
export async function antiSelection(
  ctx: PlatformContext,
  programId: string,
  thresholds: AntiSelectionThresholds = DEFAULT_ANTI_SELECTION_THRESHOLDS,
): Promise<AntiSelectionReport> {
  const chain = await chainOf(ctx, programId);
  const q = ctx.db;
  const history = new Map<string, HistoryFacts[]>();
  const insured: Map<string, Insured>[] = [];
  const eligible: number[] = [];
  for (const p of chain) {
    insured.push(await insuredOf(q, p.programId));
    await historyOf(q, p.programId, history);
    const n = await q.query<{ n: string | number }>(
      "select count(*) as n from roster_persons where program_id = $1",
      [p.programId],
    );
    eligible.push(Number(n[0]?.n ?? 0));
  }
  const years: YearInput[] = [];
  for (const [i, p] of chain.entries()) {
    const product = p.product;
    const earlier = [insured[i - 1], insured[i - 2]].filter((m) => m !== undefined);
    const keys = [...new Set(earlier.flatMap((m) => [...m.keys()]))];
    const onRoster = keys.length === 0 ? new Set<string>() : await onRosterOf(q, p.programId, keys);
    const persons: InsuredPerson[] = [...(insured[i] as Map<string, Insured>).values()].map((x) => {
      const h = history.get(x.key) ?? [];
      return {
        key: x.key,
        age: ageAt(x.brdy, x.start),
        preExisting: preExistingAt(product, x.locked, h, x.start),
        preExistingAtRenewal: preExistingAt(product, x.locked, h, x.end),
        premiumFen: x.premiumFen,
        claimsFen: x.claimsFen,
      };
    });
    years.push({
      programId: p.programId,
      name: p.name,
      coverageStart: beijingDay(product.coverage.start),
      eligible: eligible[i] as number,
      insured: persons,
      healthRuleDefined: product.preExistingConditions.length > 0,
      onRoster: (key) => onRoster.has(key),
    });
  }
  return analyzeAntiSelection(years, thresholds);
}
