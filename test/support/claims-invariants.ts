/**
 * What must hold of stored claims whatever the interleaving or the fault (issue 4 §6–7), as lists of
 * problems so a failing test names every broken claim:
 *  - `claimProblems`: every claim whole (record, events, payout/reversal journals of exactly its amount), no
 *    journal without its claim, each policy's change numbers 1…n without gap or repeat, and its stored
 *    accumulators equal to the sum of what its live claims' benefit lines recorded — for a family-shared
 *    deductible pool (issue 12), summed over the family's members into its family_accumulators row instead;
 *  - `replayProblems`: the sequential replay by the pure engine in the order the platform recorded (per
 *    policy: claims do not record the order in which members drew on a family pool, so a family-pool plan's
 *    members are checked by claimProblems' sums, not replayed).
 */
import type { Queryable } from "../../src/db/database.js";
import type { Cohort } from "../../src/domain/cohort.js";
import { formatYuan } from "../../src/domain/money.js";
import { parseSettlement, type Settlement } from "../../src/domain/settlement.js";
import {
  type Accumulators,
  type AccumulatorsJson,
  accumulatorsToJson,
  emptyAccumulators,
  emptyFamilyAccumulators,
  type FamilyAccumulators,
  unitKey,
} from "../../src/engine/accumulators.js";
import { type Adjudication, adjudicate, revoke } from "../../src/engine/adjudicate.js";
import { type CompiledPlan, NO_LIMIT } from "../../src/engine/compile.js";
import { derivePreExisting } from "../../src/engine/preexisting.js";
import { toWireLine } from "../../src/engine/wire.js";
import { planFor } from "../../src/services/claims/coverage.js";
import { canonicalJson } from "../../src/services/claims/records.js";
import { journalIdOf, type SettlementResponse } from "../../src/services/claims/settle.js";

export interface StoredClaim {
  setl_id: string;
  psn_no: string;
  policy_no: string | null;
  status: string;
  reason: string | null;
  hmb_pay_fen: number;
  adjudication: Adjudication;
  response: SettlementResponse;
  seq: number | null;
  state: "settled" | "revoked";
  revoked_seq: number | null;
}

export async function loadClaims(q: Queryable, programId: string): Promise<StoredClaim[]> {
  const rows = await q.query<StoredClaim>(
    `select setl_id, psn_no, policy_no, status, reason, hmb_pay_fen, adjudication, response, seq, state, revoked_seq
       from claims where program_id = $1 order by setl_id`,
    [programId],
  );
  return rows.map((r) => ({ ...r, hmb_pay_fen: Number(r.hmb_pay_fen) }));
}

interface PolicyRow {
  policy_no: string;
  plan_id: string;
  product_id: string;
  /** The product version the program pins (its claims are paid on exactly that version). */
  product_version: number;
  state: AccumulatorsJson;
  seq: number;
  /** The policy's enrollment: a 'family' one shares the plan's family pools (services/claims/coverage.ts). */
  enrollment_id: string | null;
  enrollment_kind: string | null;
}

async function loadAccumulators(q: Queryable, programId: string): Promise<Map<string, PolicyRow>> {
  const rows = await q.query<PolicyRow>(
    `select a.policy_no, a.plan_id, g.product_id, g.product_version, a.state, a.seq, p.enrollment_id, p.enrollment_kind
       from policy_accumulators a
       join programs g on g.program_id = a.program_id
       left join policies p on p.program_id = a.program_id and p.policy_no = a.policy_no
      where a.program_id = $1`,
    [programId],
  );
  return new Map(rows.map((r) => [r.policy_no, { ...r, seq: Number(r.seq) }]));
}

/** The family whose shared pools a policy's claims draw on, as coverage.ts decides it. */
function familyKeyOf(plan: CompiledPlan, row: PolicyRow): string | undefined {
  return plan.hasFamilyPools && row.enrollment_kind === "family" && row.enrollment_id !== null
    ? row.enrollment_id
    : undefined;
}

const byKey = ([a]: [string, number], [b]: [string, number]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Stored accumulators in a comparable form: item and per-code unit totals that came back to zero are the same
 * as absent (a revocation leaves a zero behind), in key order.
 */
export function comparable(json: AccumulatorsJson): AccumulatorsJson {
  return {
    ...json,
    paidByItem: json.paidByItem.filter(([, v]) => v !== 0).sort(byKey),
    paidByUnit: (json.paidByUnit ?? []).filter(([, v]) => v !== 0).sort(byKey),
  };
}

/** Adds (sign 1) or removes (sign −1) what an adjudication's assessed lines recorded, like adjudicate/revoke do. */
function applyLines(plan: CompiledPlan, acc: Accumulators, a: Adjudication, sign: 1 | -1): void {
  for (const line of a.lines) {
    if (line.outcome.kind !== "assessed") continue;
    const l = plan.liabilities[line.liabilityIndex];
    if (l === undefined) throw new Error(`unknown liability index ${line.liabilityIndex}`);
    if (line.poolIndex >= 0) {
      // A family pool's deductible goes to the family when it is attached, as the engine's usedArray does.
      const used =
        acc.family !== undefined && plan.pools[line.poolIndex]?.family === true
          ? acc.family.deductibleUsed
          : acc.deductibleUsed;
      used[line.poolIndex] = (used[line.poolIndex] ?? 0) + sign * line.deductible;
    }
    const base = line.segments.reduce((s, x) => s + x.base, 0);
    acc.baseByLiability[l.index] = (acc.baseByLiability[l.index] ?? 0) + sign * base;
    acc.paidByLiability[l.index] = (acc.paidByLiability[l.index] ?? 0) + sign * line.payout;
    for (const g of l.capGroups) acc.paidByCapGroup[g] = (acc.paidByCapGroup[g] ?? 0) + sign * line.payout;
    acc.paidTotal += sign * line.payout;
    // Schema v2: a line that counted one of the liability's maxClaimsPerYear records.
    if (line.claimCounted === true)
      acc.claimsByLiability[l.index] = (acc.claimsByLiability[l.index] ?? 0) + sign;
    // Item payouts go where the engine's commitItems puts them: catalog items to their per-item totals, and
    // for a liability with a per-code unit cap to its per-code totals (unitKey).
    const perCode = l.unitCapPerCode !== NO_LIMIT;
    for (const it of line.items) {
      if (l.base === "catalog")
        acc.paidByItem.set(it.code, (acc.paidByItem.get(it.code) ?? 0) + sign * it.payout);
      if (perCode) {
        const key = unitKey(l.id, it.code);
        acc.paidByUnit.set(key, (acc.paidByUnit.get(key) ?? 0) + sign * it.payout);
      }
    }
  }
}

export interface ClaimTotals {
  /** Σ hmb_pay of claims not revoked. */
  readonly livePayout: number;
  /** Ledger: claim_payout − claim_reversal. */
  readonly ledgerNet: number;
  readonly claims: number;
  readonly revoked: number;
}

/** Every invariant of the stored claims of a program that does not depend on the order they ran in. */
export async function claimProblems(
  q: Queryable,
  programId: string,
): Promise<{ problems: string[]; totals: ClaimTotals }> {
  const problems: string[] = [];
  const claims = await loadClaims(q, programId);
  const bySetl = new Map(claims.map((c) => [c.setl_id, c]));
  const records = new Set(
    (
      await q.query<{ setl_id: string }>("select setl_id from medical_records where program_id = $1", [
        programId,
      ])
    ).map((r) => r.setl_id),
  );
  const events = await q.query<{ setl_id: string; event: string; n: number }>(
    "select setl_id, event, count(*)::int as n from claim_events where program_id = $1 group by setl_id, event",
    [programId],
  );
  const eventCount = new Map(events.map((e) => [`${e.setl_id}\u0000${e.event}`, Number(e.n)]));
  const journals = await q.query<{
    journal_id: string;
    kind: string;
    ref: string;
    total: number;
    legs: number;
  }>(
    `select journal_id, min(kind) as kind, min(ref) as ref, sum(amount_fen)::bigint as total,
            count(distinct leg)::int as legs
       from ledger_transfers where program_id = $1 and kind in ('claim_payout', 'claim_reversal')
      group by journal_id`,
    [programId],
  );
  const journal = new Map(journals.map((j) => [j.journal_id, { ...j, total: Number(j.total) }]));
  let livePayout = 0;
  let ledgerNet = 0;
  for (const j of journal.values()) {
    ledgerNet += j.kind === "claim_payout" ? j.total : -j.total;
    const claim = bySetl.get(j.ref);
    const what = j.kind === "claim_payout" ? "payout" : "reversal";
    if (claim === undefined) problems.push(`journal ${j.journal_id} (${j.kind}) has no claim ${j.ref}`);
    else if (j.journal_id !== journalIdOf(j.ref, what))
      problems.push(`journal ${j.journal_id} (${j.kind}) is not the ${what} of ${j.ref}`);
  }
  for (const c of claims) {
    const id = c.setl_id;
    if (!records.has(id)) problems.push(`claim ${id} has no medical record`);
    if (c.state === "settled") livePayout += c.hmb_pay_fen;
    if (c.hmb_pay_fen > 0 !== (c.status === "paid"))
      problems.push(`claim ${id}: status ${c.status} with pay ${c.hmb_pay_fen}`);
    if (c.response.hmb_pay !== formatYuan(c.hmb_pay_fen) || c.adjudication.hmbPay !== c.hmb_pay_fen)
      problems.push(`claim ${id}: stored response/adjudication disagree with hmb_pay ${c.hmb_pay_fen}`);
    if (eventCount.get(`${id}\u0000settled`) !== 1)
      problems.push(`claim ${id}: ${eventCount.get(`${id}\u0000settled`) ?? 0} settled events`);
    const revokedEvents = eventCount.get(`${id}\u0000revoked`) ?? 0;
    if (revokedEvents !== (c.state === "revoked" ? 1 : 0))
      problems.push(`claim ${id} (${c.state}): ${revokedEvents} revoked events`);
    const payout = journal.get(journalIdOf(id, "payout"));
    const reversal = journal.get(journalIdOf(id, "reversal"));
    if (
      c.hmb_pay_fen > 0
        ? payout?.total !== c.hmb_pay_fen || payout.kind !== "claim_payout"
        : payout !== undefined
    )
      problems.push(`claim ${id}: pays ${c.hmb_pay_fen}, payout journal ${payout?.total ?? "absent"}`);
    const reversed = c.state === "revoked" && c.hmb_pay_fen > 0;
    if (
      reversed
        ? reversal?.total !== c.hmb_pay_fen || reversal.kind !== "claim_reversal"
        : reversal !== undefined
    )
      problems.push(
        `claim ${id} (${c.state}): pays ${c.hmb_pay_fen}, reversal journal ${reversal?.total ?? "absent"}`,
      );
    if ((c.policy_no === null) !== (c.seq === null))
      problems.push(`claim ${id}: policy ${c.policy_no} with seq ${c.seq}`);
    if (c.state === "revoked" && c.policy_no !== null && c.revoked_seq === null)
      problems.push(`claim ${id}: revoked without a change number`);
  }
  if (livePayout !== ledgerNet)
    problems.push(`live claims pay ${livePayout}, ledger claims net ${ledgerNet}`);

  // Per policy: change numbers 1…n, and the accumulators equal what the live claims' lines recorded.
  const accumulators = await loadAccumulators(q, programId);
  const families = new Map<string, FamilyAccumulators>();
  const byPolicy = new Map<string, StoredClaim[]>();
  for (const c of claims) {
    if (c.policy_no === null) continue;
    const list = byPolicy.get(c.policy_no) ?? [];
    list.push(c);
    byPolicy.set(c.policy_no, list);
  }
  for (const [policyNo, list] of byPolicy) {
    const row = accumulators.get(policyNo);
    if (row === undefined) {
      problems.push(`policy ${policyNo} has claims but no accumulators`);
      continue;
    }
    const seqs = list
      .flatMap((c) => [c.seq, c.revoked_seq])
      .filter((s): s is number => s !== null)
      .map(Number)
      .sort((a, b) => a - b);
    if (row.seq !== seqs.length || seqs.some((s, i) => s !== i + 1))
      problems.push(`policy ${policyNo}: accumulators seq ${row.seq}, change numbers [${seqs.join(",")}]`);
    const plan = await planFor(q, row.product_id, Number(row.product_version), row.plan_id);
    const acc = emptyAccumulators(plan);
    const familyKey = familyKeyOf(plan, row);
    if (familyKey !== undefined) {
      const family = families.get(familyKey) ?? emptyFamilyAccumulators(plan);
      families.set(familyKey, family);
      acc.family = family;
    }
    for (const c of list) if (c.state === "settled") applyLines(plan, acc, c.adjudication, 1);
    const want = normal(comparable(accumulatorsToJson(acc)));
    const have = normal(comparable(row.state));
    if (want !== have)
      problems.push(`policy ${policyNo}: accumulators ${have}, live claims add up to ${want}`);
  }
  for (const policyNo of accumulators.keys())
    if (!byPolicy.has(policyNo)) problems.push(`policy ${policyNo} has accumulators but no claims`);
  // Each family's stored shared pools equal what its members' live claims drew from them.
  const stored = await q.query<{ family_key: string; state: FamilyAccumulators }>(
    "select family_key, state from family_accumulators where program_id = $1",
    [programId],
  );
  const storedByKey = new Map(stored.map((r) => [r.family_key, r.state]));
  for (const [key, family] of families) {
    const have = storedByKey.get(key);
    if (have === undefined || normal(have.deductibleUsed) !== normal(family.deductibleUsed))
      problems.push(
        `family ${key}: shared pools ${normal(have?.deductibleUsed)}, live claims add up to ${normal(family.deductibleUsed)}`,
      );
  }
  for (const key of storedByKey.keys())
    if (!families.has(key)) problems.push(`family ${key} has shared pools but no claims`);
  return {
    problems,
    totals: {
      livePayout,
      ledgerNet,
      claims: claims.length,
      revoked: claims.filter((c) => c.state === "revoked").length,
    },
  };
}

interface Terms {
  plan: CompiledPlan;
  start: number;
  end: number;
  cohort: Cohort | undefined;
}

async function policyTerms(q: Queryable, programId: string): Promise<Map<string, Terms>> {
  const rows = await q.query<{
    policy_no: string;
    plan_id: string;
    product_id: string;
    product_version: number;
    coverage_start: Date;
    coverage_end: Date;
    cancelled_at: Date | null;
    cohort: string | null;
  }>(
    `select p.policy_no, p.plan_id, g.product_id, g.product_version, p.coverage_start, p.coverage_end, p.cancelled_at, r.cohort
       from policies p join programs g on g.program_id = p.program_id
       left join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1`,
    [programId],
  );
  const terms = new Map<string, Terms>();
  for (const r of rows) {
    const start = new Date(r.coverage_start).getTime();
    let end = new Date(r.coverage_end).getTime();
    if (r.cancelled_at !== null) end = Math.min(end, new Date(r.cancelled_at).getTime());
    terms.set(r.policy_no, {
      plan: await planFor(q, r.product_id, Number(r.product_version), r.plan_id),
      start,
      end,
      cohort: (r.cohort ?? undefined) as Cohort | undefined,
    });
  }
  return terms;
}

/** Equal content gives equal text whatever the key order (jsonb does not keep it) or Infinity vs null. */
const normal = (v: unknown) => canonicalJson(JSON.parse(JSON.stringify(v)));

/**
 * Replays every policy's claims with the pure engine, one after another in the order the platform recorded
 * them (claims.seq, claims.revoked_seq), from fresh accumulators and with terms built the way settle.ts
 * builds them (coverage from the policy, cohort from the roster, pre-existing conditions from the person's
 * records settled before coverage start that the platform held at that point). `records` are the wire
 * records as sent, by setl_id; it assumes, as in these tests, that every record of an insured person
 * arrived through a settlement. Returns the problems and Σ of the replay's payouts of live claims.
 */
export async function replayProblems(
  q: Queryable,
  programId: string,
  records: ReadonlyMap<string, Record<string, unknown>>,
): Promise<{ problems: string[]; livePayout: number; replayed: number }> {
  const problems: string[] = [];
  const claims = await loadClaims(q, programId);
  const terms = await policyTerms(q, programId);
  const accumulators = await loadAccumulators(q, programId);
  type Step = { seq: number; what: "settle" | "revoke"; claim: StoredClaim };
  const steps = new Map<string, Step[]>();
  let livePayout = 0;
  let replayed = 0;
  for (const c of claims) {
    if (c.policy_no === null) {
      // No policy in force: the platform answers no_policy without touching any accumulators.
      if (c.hmb_pay_fen !== 0 || c.reason !== "no_policy")
        problems.push(`claim ${c.setl_id}: no policy yet ${c.status}/${c.reason}`);
      continue;
    }
    const list = steps.get(c.policy_no) ?? [];
    list.push({ seq: Number(c.seq), what: "settle", claim: c });
    if (c.revoked_seq !== null) list.push({ seq: Number(c.revoked_seq), what: "revoke", claim: c });
    steps.set(c.policy_no, list);
  }
  for (const [policyNo, list] of steps) {
    const t = terms.get(policyNo);
    if (t === undefined) {
      problems.push(`policy ${policyNo} not found`);
      continue;
    }
    list.sort((a, b) => a.seq - b.seq);
    const acc = emptyAccumulators(t.plan);
    const history: Settlement[] = [];
    const replay = new Map<string, Adjudication>();
    for (const step of list) {
      const c = step.claim;
      if (step.what === "revoke") {
        const a = replay.get(c.setl_id);
        if (a === undefined)
          problems.push(`policy ${policyNo}: ${c.setl_id} revoked (seq ${step.seq}) before it was settled`);
        else revoke(t.plan, acc, a);
        continue;
      }
      const wire = records.get(c.setl_id);
      if (wire === undefined) {
        problems.push(`claim ${c.setl_id}: no record to replay`);
        continue;
      }
      const parsed = parseSettlement(wire);
      if (!parsed.ok) {
        problems.push(`claim ${c.setl_id}: record does not parse (${parsed.error.code})`);
        continue;
      }
      const s = parsed.settlement;
      // settle.ts stores the record before it reads the history, so a record counts as its own history.
      history.push(s);
      const a = adjudicate(
        t.plan,
        {
          coverage: { start: t.start, end: t.end },
          cohort: t.cohort,
          preExisting: derivePreExisting(t.plan, t.start, history),
        },
        acc,
        s,
      );
      replay.set(c.setl_id, a);
      replayed++;
      if (c.state === "settled") livePayout += a.hmbPay;
      const lines = a.lines.map((l) => toWireLine(l));
      if (
        a.hmbPay !== c.hmb_pay_fen ||
        a.status !== c.status ||
        (a.reason ?? null) !== c.reason ||
        normal(lines) !== normal(c.response.lines)
      ) {
        problems.push(
          `claim ${c.setl_id} (policy ${policyNo} seq ${step.seq}): stored ${c.status}/${c.reason} ${c.hmb_pay_fen}, replay ${a.status}/${a.reason} ${a.hmbPay}`,
        );
      }
    }
    const stored = accumulators.get(policyNo);
    const want = normal(comparable(accumulatorsToJson(acc)));
    if (stored === undefined || normal(comparable(stored.state)) !== want)
      problems.push(`policy ${policyNo}: stored accumulators ${normal(stored?.state)}, replay ${want}`);
  }
  return { problems, livePayout, replayed };
}
