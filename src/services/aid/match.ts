/**
 * Matching settled claims to aid programs (issue 15 §3): right after a settlement (`matchAfterSettlement`, same
 * request, its own transaction) and nightly for the year to date (`matchYearToDate`, `hmb aid match`), which
 * repairs whatever a crash between the two left undone and pays queued shortfalls once a fund has money again.
 *
 * One round = the claims matched together (one claim after a settlement; the year to date in the sweep), in
 * settlement order. For each claim the engine (engine/aid.ts allocateAid) takes the residual after 惠民保 layer by
 * layer through the active aid programs; automatic programs are paid at once (payments.ts, exactly once per
 * claim and aid program), application programs get a pre-filled application (applications.ts). What an aid
 * program already paid or proposed on a claim stands: it is handed to the engine as that program's budget for
 * the claim, so the layers after it see the same consumption as when it was paid, and nothing is paid twice.
 * Budget rules: `stop` pays what remains, `queue` queues the rest, `prorate` scales the round's new amounts by
 * the largest remainder (engine prorateRound).
 */
import type { Queryable } from "../../db/database.js";
import type { Fen } from "../../domain/money.js";
import { MAX_FEN } from "../../domain/money.js";
import { aidYear, allocateAid, prorateRound } from "../../engine/aid.js";
import { audit } from "../audit.js";
import type { Actor, PlatformContext } from "../context.js";
import { proposeApplication } from "./applications.js";
import { type ClaimFacts, loadClaimFacts, writeClaimLayers } from "./burden.js";
import { fundBalance } from "./funds.js";
import {
  type AidPaymentRow,
  committedByAidProgram,
  lockAid,
  paymentsOf,
  paymentsOfPersons,
  payQueued,
  recordAidPayment,
} from "./payments.js";
import { activeAidPrograms, type StoredAidProgram } from "./programs.js";

/** What one round did. */
export interface MatchSummary {
  readonly claims: number;
  /** New automatic payments and their total. */
  readonly paid: number;
  readonly paidFen: Fen;
  /** Shortfalls queued this round. */
  readonly queuedFen: Fen;
  /** Queued shortfalls paid from topped-up funds. */
  readonly queuePaidFen: Fen;
  /** New pre-filled applications and their proposed total. */
  readonly proposed: number;
  readonly proposedFen: Fen;
  /** Distinct persons paid / proposed this round. */
  readonly personsPaid: readonly string[];
  readonly personsProposed: readonly string[];
}

interface ApplicationRow {
  setl_id: string;
  aid_program_id: string;
  state: string;
  proposed_fen: string | number;
}

const CLOSED_APPLICATION = new Set(["rejected", "withdrawn"]);
const PENDING_APPLICATION = new Set(["proposed", "submitted", "documents_requested"]);

interface NewLine {
  readonly facts: ClaimFacts;
  readonly program: StoredAidProgram;
  amount: Fen;
  readonly queued: Fen;
  readonly wanted: Fen;
  readonly thresholdUsed: Fen;
  readonly mode: "automatic" | "application";
}

/**
 * Matches the given claims (settlement order) inside the caller's transaction, which must hold `lockAid`.
 * Writes payments, proposals and each claim's layers.
 */
async function matchRound(
  tx: Queryable,
  actor: Actor,
  programId: string,
  facts: readonly ClaimFacts[],
  at: Date,
): Promise<MatchSummary> {
  const programs = await activeAidPrograms(tx, programId);
  const setlIds = facts.map((f) => f.setlId);
  const existing = await paymentsOf(tx, programId, setlIds);
  const byClaim = new Map<string, Map<string, AidPaymentRow>>();
  for (const r of existing) {
    const m = byClaim.get(r.setl_id) ?? new Map<string, AidPaymentRow>();
    m.set(r.aid_program_id, r);
    byClaim.set(r.setl_id, m);
  }
  const apps = await tx.query<ApplicationRow>(
    `select setl_id, aid_program_id, state, proposed_fen from aid_applications
      where program_id = $1 and setl_id = any($2::text[])`,
    [programId, setlIds],
  );
  const appOf = new Map(apps.map((a) => [`${a.setl_id}\u0000${a.aid_program_id}`, a]));

  // Per person, aid program and aid year: paid + queued and the per-year threshold absorbed.
  const persons = [...new Set(facts.map((f) => f.psnNo))];
  const usageKey = (psnNo: string, aidProgramId: string, year: number) =>
    `${psnNo}\u0000${aidProgramId}\u0000${year}`;
  const usage = new Map<string, { paid: Fen; threshold: Fen }>();
  const settledYear = new Map<string, number>();
  const personRows = await paymentsOfPersons(tx, programId, persons);
  if (personRows.length > 0) {
    const years = await tx.query<{ setl_id: string; settled_at: Date }>(
      "select setl_id, settled_at from medical_records where program_id = $1 and setl_id = any($2::text[])",
      [programId, [...new Set(personRows.map((r) => r.setl_id))]],
    );
    for (const y of years)
      settledYear.set(y.setl_id, aidYear({ settledAt: new Date(y.settled_at).getTime() }));
  }
  const addUsage = (psnNo: string, id: string, year: number, paid: Fen, threshold: Fen) => {
    const k = usageKey(psnNo, id, year);
    const u = usage.get(k) ?? { paid: 0, threshold: 0 };
    usage.set(k, { paid: u.paid + paid, threshold: u.threshold + threshold });
  };
  for (const r of personRows)
    addUsage(
      r.psn_no,
      r.aid_program_id,
      settledYear.get(r.setl_id) ?? 0,
      r.amount_fen + r.queued_fen,
      r.threshold_used_fen,
    );

  const committed = await committedByAidProgram(tx, programId);
  const budgetLeft = new Map<string, Fen>();
  const fundLeft = new Map<string, Fen>();
  for (const p of programs) {
    budgetLeft.set(
      p.aidProgramId,
      Math.max(0, p.program.budget.amount - (committed.get(p.aidProgramId) ?? 0)),
    );
    if (!fundLeft.has(p.fundId)) fundLeft.set(p.fundId, await fundBalance(tx, programId, p.fundId));
  }

  // Queued shortfalls first, first come first served, as far as each fund now holds money.
  let queuePaidFen = 0;
  const queued = await tx.query<AidPaymentRow>(
    `select setl_id, aid_program_id, version, fund_id, psn_no, mode, amount_fen, queued_fen, threshold_used_fen,
            fund_refs, state, queued_at
       from aid_payments where program_id = $1 and queued_fen > 0 and state = 'paid'
      order by queued_at, setl_id, aid_program_id`,
    [programId],
  );
  for (const raw of queued) {
    const row = {
      ...raw,
      amount_fen: Number(raw.amount_fen),
      queued_fen: Number(raw.queued_fen),
      version: Number(raw.version),
    };
    if (!fundLeft.has(row.fund_id)) fundLeft.set(row.fund_id, await fundBalance(tx, programId, row.fund_id));
    const pay = Math.min(row.queued_fen, fundLeft.get(row.fund_id) ?? 0);
    if (pay <= 0) continue;
    await payQueued(tx, actor, programId, row, pay, at);
    fundLeft.set(row.fund_id, (fundLeft.get(row.fund_id) ?? 0) - pay);
    queuePaidFen += pay;
    const claimRow = byClaim.get(row.setl_id)?.get(row.aid_program_id);
    if (claimRow !== undefined) {
      claimRow.amount_fen += pay;
      claimRow.queued_fen -= pay;
    }
  }

  const fresh: NewLine[] = [];
  for (const f of facts) {
    if (f.person === undefined) continue;
    const person = f.person;
    const year = aidYear(f.claim);
    const paidHere = byClaim.get(f.setlId) ?? new Map<string, AidPaymentRow>();
    const claimPrograms = programs.filter((p) => {
      const app = appOf.get(`${f.setlId}\u0000${p.aidProgramId}`);
      // A declined application is allocated again without its program (engine allocateAid).
      return !(app !== undefined && CLOSED_APPLICATION.has(app.state) && !paidHere.has(p.aidProgramId));
    });
    if (claimPrograms.length === 0) continue;
    const byRef = new Map(claimPrograms.map((p) => [`${p.program.id}@${p.program.version}`, p]));
    const allocation = allocateAid(
      f.claim,
      person,
      claimPrograms.map((p) => p.program),
      (ref) => {
        const id = (byRef.get(ref) as StoredAidProgram).aidProgramId;
        const u = usage.get(usageKey(f.psnNo, id, year)) ?? { paid: 0, threshold: 0 };
        const own = paidHere.get(id);
        // Usage is the person's other claims: this claim's own payment is not "before" itself.
        return own === undefined || own.state !== "paid"
          ? { yearPaid: u.paid, yearThresholdUsed: u.threshold }
          : {
              yearPaid: Math.max(0, u.paid - own.amount_fen - own.queued_fen),
              yearThresholdUsed: Math.max(0, u.threshold - own.threshold_used_fen),
            };
      },
      (ref) => {
        const p = byRef.get(ref) as StoredAidProgram;
        const own = paidHere.get(p.aidProgramId);
        // What stands on this claim is this program's budget for it: the engine reproduces its consumption.
        if (own !== undefined) return { remaining: own.state === "paid" ? own.amount_fen : 0 };
        const app = appOf.get(`${f.setlId}\u0000${p.aidProgramId}`);
        if (app !== undefined && PENDING_APPLICATION.has(app.state))
          return { remaining: Number(app.proposed_fen) };
        // A proposal is paid only on approval (which checks the fund then): its budget alone limits it.
        if (p.program.mode.kind === "application") return { remaining: budgetLeft.get(p.aidProgramId) ?? 0 };
        const fund = fundLeft.get(p.fundId) ?? 0;
        // prorate: the round is scaled afterwards, so here each claim asks for what it wants.
        if (p.program.budget.whenExhausted === "prorate") return { remaining: Math.min(MAX_FEN, fund) };
        return { remaining: Math.min(budgetLeft.get(p.aidProgramId) ?? 0, fund) };
      },
    );
    for (const line of allocation.lines) {
      if (!line.eligible) continue;
      const p = byRef.get(line.ref) as StoredAidProgram;
      if (paidHere.has(p.aidProgramId) || appOf.has(`${f.setlId}\u0000${p.aidProgramId}`)) continue;
      // The engine queues the whole shortfall; the queue holds no more than the budget has left (the rest of the
      // fund's shortage is the fund's, the rest of the budget's is the next layer's).
      const queuedFen =
        line.mode === "automatic"
          ? Math.min(line.queued, Math.max(0, (budgetLeft.get(p.aidProgramId) ?? 0) - line.amount))
          : 0;
      if (line.amount + queuedFen <= 0) continue;
      const n: NewLine = {
        facts: f,
        program: p,
        amount: line.amount,
        queued: queuedFen,
        wanted: line.wanted,
        thresholdUsed: line.thresholdUsed,
        mode: line.mode,
      };
      fresh.push(n);
      if (line.mode !== "automatic") continue;
      addUsage(f.psnNo, p.aidProgramId, year, line.amount + queuedFen, line.thresholdUsed);
      if (p.program.budget.whenExhausted !== "prorate") {
        budgetLeft.set(p.aidProgramId, (budgetLeft.get(p.aidProgramId) ?? 0) - line.amount - queuedFen);
        fundLeft.set(p.fundId, (fundLeft.get(p.fundId) ?? 0) - line.amount);
      }
    }
  }

  // prorate: the round's new automatic amounts of each such program scaled to what its budget and fund hold.
  for (const p of programs) {
    if (p.program.budget.whenExhausted !== "prorate") continue;
    const lines = fresh.filter((n) => n.program === p && n.mode === "automatic");
    if (lines.length === 0) continue;
    const remaining = Math.min(budgetLeft.get(p.aidProgramId) ?? 0, fundLeft.get(p.fundId) ?? 0);
    const shares = prorateRound(
      lines.map((n) => n.amount),
      remaining,
    );
    lines.forEach((n, i) => {
      n.amount = shares[i] as Fen;
    });
    const total = shares.reduce((s, x) => s + x, 0);
    budgetLeft.set(p.aidProgramId, (budgetLeft.get(p.aidProgramId) ?? 0) - total);
    fundLeft.set(p.fundId, (fundLeft.get(p.fundId) ?? 0) - total);
  }

  let paid = 0;
  let paidFen = 0;
  let queuedFen = 0;
  let proposed = 0;
  let proposedFen = 0;
  const personsPaid = new Set<string>();
  const personsProposed = new Set<string>();
  for (const n of fresh) {
    const base = {
      programId,
      setlId: n.facts.setlId,
      psnNo: n.facts.psnNo,
      aidProgramId: n.program.aidProgramId,
      version: n.program.version,
      fundId: n.program.fundId,
      name: n.program.program.name,
    };
    if (n.mode === "automatic") {
      if (n.amount + n.queued <= 0) continue;
      const written = await recordAidPayment(
        tx,
        actor,
        { ...base, mode: "automatic", amount: n.amount, queued: n.queued, thresholdUsed: n.thresholdUsed },
        at,
      );
      if (!written) continue;
      paid++;
      paidFen += n.amount;
      queuedFen += n.queued;
      personsPaid.add(n.facts.psnNo);
    } else {
      const created = await proposeApplication(
        tx,
        actor,
        {
          ...base,
          amount: n.amount,
          documents: n.program.program.mode.kind === "application" ? n.program.program.mode.documents : [],
          committee: n.program.program.mode.kind === "application" && n.program.program.mode.committee,
        },
        at,
      );
      if (!created) continue;
      proposed++;
      proposedFen += n.amount;
      personsProposed.add(n.facts.psnNo);
    }
  }
  await refreshLayers(tx, programId, facts, at);
  return {
    claims: facts.length,
    paid,
    paidFen,
    queuedFen,
    queuePaidFen,
    proposed,
    proposedFen,
    personsPaid: [...personsPaid].sort(),
    personsProposed: [...personsProposed].sort(),
  };
}

/** Stores each claim's layers with the aid now live on it. */
export async function refreshLayers(
  tx: Queryable,
  programId: string,
  facts: readonly ClaimFacts[],
  at: Date,
): Promise<void> {
  if (facts.length === 0) return;
  const rows = await paymentsOf(
    tx,
    programId,
    facts.map((f) => f.setlId),
  );
  const aidOf = new Map<string, Fen>();
  for (const r of rows)
    if (r.state === "paid") aidOf.set(r.setl_id, (aidOf.get(r.setl_id) ?? 0) + r.amount_fen);
  for (const f of facts) await writeClaimLayers(tx, programId, f, aidOf.get(f.setlId) ?? 0, at);
}

/* ------------------------------------------------------------------------------------------------------------
 * After a settlement: a cheap cached check, then the claim's own round.
 * ---------------------------------------------------------------------------------------------------------- */

/** How long "this program has aid programs" is remembered: a publication is seen by settlements within it. */
const ACTIVE_CHECK_TTL_MS = 5_000;
const activeCache = new WeakMap<object, Map<string, { value: boolean; at: number }>>();

async function hasActiveAidPrograms(ctx: PlatformContext, programId: string): Promise<boolean> {
  const cache = activeCache.get(ctx.db) ?? new Map<string, { value: boolean; at: number }>();
  activeCache.set(ctx.db, cache);
  const hit = cache.get(programId);
  // Wall-clock time on purpose: the cache is about this process's freshness, not the business clock.
  const now = Date.now();
  if (hit !== undefined && now - hit.at < ACTIVE_CHECK_TTL_MS) return hit.value;
  const rows = await ctx.db.query<{ n: number }>(
    "select count(*)::int as n from aid_programs where program_id = $1 and status = 'published'",
    [programId],
  );
  const value = Number(rows[0]?.n ?? 0) > 0;
  cache.set(programId, { value, at: now });
  return value;
}

/** Forget the cached check (a test or the CLI that has just published an aid program). */
export function forgetAidProgramsCache(ctx: PlatformContext): void {
  activeCache.delete(ctx.db);
}

/**
 * The after-settle hook: the settled claim's automatic aid paid (exactly once), application programs
 * proposed. Untouched settle path when the program has no aid programs (one cached check). A failure here
 * leaves the settlement as it is: the nightly sweep repairs it, so it is not the hospital's error.
 */
export async function matchAfterSettlement(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  setlId: string,
): Promise<MatchSummary | undefined> {
  if (!(await hasActiveAidPrograms(ctx, programId))) return undefined;
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await lockAid(tx, programId);
    // Read under the lock: a revocation committed meanwhile is seen, and the claim drops out.
    const facts = await loadClaimFacts(tx, ctx.keys, programId, { setlIds: [setlId] });
    return matchRound(tx, actor, programId, facts, at);
  });
}

/**
 * The sweep (`hmb aid match`): every live claim settled before the end of `date` (default: now), one round. Pays
 * what a crash left unpaid, queued shortfalls, new proposals; stores every claim's layers. Idempotent.
 */
export async function matchYearToDate(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  until?: Date,
): Promise<MatchSummary> {
  const at = ctx.clock.now();
  const before = until ?? at;
  const summary = await ctx.db.transaction(async (tx) => {
    await lockAid(tx, programId);
    const facts = await loadClaimFacts(tx, ctx.keys, programId, { settledBefore: before });
    return matchRound(tx, actor, programId, facts, at);
  });
  await audit(ctx.db, actor, programId, "aid.match", programId, {
    until: before.toISOString(),
    claims: summary.claims,
    paid_fen: summary.paidFen,
    proposed: summary.proposed,
  });
  return summary;
}
