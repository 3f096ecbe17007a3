/**
 * Posting and reading the ledger. Journals are idempotent by journal_id: posting the same journal twice
 * (a replayed callback, a retried request) changes nothing the second time.
 */
import type { Queryable } from "../db/database.js";
import { type Account, type JournalKind, type Leg, splitByShares } from "../domain/ledger.js";
import type { Fen } from "../domain/money.js";
import { formatYuan } from "../domain/money.js";
import type { PlatformContext } from "./context.js";

export interface Journal {
  readonly programId: string;
  readonly journalId: string;
  readonly kind: JournalKind;
  /** What the journal is about: a policy number, an order, a setl_id. */
  readonly ref: string;
  readonly at: Date;
  readonly legs: readonly Leg[];
}

/** Posts a journal inside the caller's transaction. Returns false when it was already posted. */
export async function postJournal(tx: Queryable, journal: Journal): Promise<boolean> {
  const existing = await tx.query(
    "select 1 from ledger_transfers where program_id = $1 and journal_id = $2 limit 1",
    [journal.programId, journal.journalId],
  );
  if (existing.length > 0) return false;
  const shares = await tx.query<{ insurer_code: string; share_bps: number; is_lead: boolean }>(
    "select insurer_code, share_bps, is_lead from program_insurers where program_id = $1",
    [journal.programId],
  );
  const insurers = shares.map((s) => ({ code: s.insurer_code, shareBps: s.share_bps, lead: s.is_lead }));
  for (const [leg, l] of journal.legs.entries()) {
    if (l.amount === 0) continue;
    for (const part of splitByShares(l.amount, insurers)) {
      await tx.query(
        `insert into ledger_transfers (program_id, journal_id, leg, insurer_code, kind, debit_account, credit_account,
           amount_fen, leg_amount_fen, ref, at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
        [
          journal.programId,
          journal.journalId,
          leg,
          part.code,
          journal.kind,
          l.debit,
          l.credit,
          part.amount,
          l.amount,
          journal.ref,
          journal.at,
        ],
      );
    }
  }
  return true;
}

export interface AccountBalance {
  readonly account: Account;
  readonly debits: Fen;
  readonly credits: Fen;
}

export interface LedgerCheck {
  readonly ok: boolean;
  readonly problems: string[];
  readonly totalDebits: Fen;
  readonly totalCredits: Fen;
}

/**
 * The ledger's invariants, checked from the stored rows: debits equal credits (overall and per co-insurer),
 * every leg's insurer parts sum to the leg's amount.
 */
export async function checkLedger(q: Queryable, programId: string): Promise<LedgerCheck> {
  const problems: string[] = [];
  const perInsurer = await q.query<{ insurer_code: string; debits: number; credits: number }>(
    `select insurer_code, sum(amount_fen)::bigint as debits, sum(amount_fen)::bigint as credits
       from ledger_transfers where program_id = $1 group by insurer_code`,
    [programId],
  );
  const accounts = await q.query<{ account: string; net: number }>(
    `select account, sum(net)::bigint as net from (
        select debit_account as account, amount_fen as net from ledger_transfers where program_id = $1
        union all
        select credit_account, -amount_fen from ledger_transfers where program_id = $1) t group by account`,
    [programId],
  );
  const net = accounts.reduce((s, a) => s + Number(a.net), 0);
  if (net !== 0) problems.push(`accounts do not net to zero: ${net}`);
  const legs = await q.query<{ journal_id: string; leg: number; parts: number; leg_amount: number }>(
    `select journal_id, leg, sum(amount_fen)::bigint as parts, max(leg_amount_fen)::bigint as leg_amount
       from ledger_transfers where program_id = $1 group by journal_id, leg
       having sum(amount_fen) <> max(leg_amount_fen) or min(leg_amount_fen) <> max(leg_amount_fen)`,
    [programId],
  );
  for (const l of legs)
    problems.push(`journal ${l.journal_id} leg ${l.leg}: parts ${l.parts} ≠ leg ${l.leg_amount}`);
  const debits = perInsurer.reduce((s, r) => s + Number(r.debits), 0);
  const credits = perInsurer.reduce((s, r) => s + Number(r.credits), 0);
  return {
    ok: problems.length === 0 && debits === credits,
    problems,
    totalDebits: debits,
    totalCredits: credits,
  };
}

export interface StatementLine {
  readonly at: string;
  readonly journal_id: string;
  readonly kind: string;
  readonly ref: string;
  readonly debit_account: string;
  readonly credit_account: string;
  readonly amount: string;
}

export interface Statement {
  readonly program_id: string;
  readonly insurer_code: string;
  readonly from: string;
  readonly to: string;
  readonly lines: StatementLine[];
  readonly balances: { account: string; debits: string; credits: string; net: string }[];
}

/** One co-insurer's statement for [from, to): its share of every transfer and the account totals. */
export async function ledgerStatement(
  ctx: PlatformContext,
  programId: string,
  insurerCode: string,
  from: Date,
  to: Date,
): Promise<Statement> {
  const rows = await ctx.db.query<{
    at: Date;
    journal_id: string;
    kind: string;
    ref: string;
    debit_account: string;
    credit_account: string;
    amount_fen: number;
  }>(
    `select at, journal_id, kind, ref, debit_account, credit_account, amount_fen from ledger_transfers
      where program_id = $1 and insurer_code = $2 and at >= $3 and at < $4 order by at, transfer_id`,
    [programId, insurerCode, from, to],
  );
  const totals = new Map<string, { debits: number; credits: number }>();
  const bump = (account: string, key: "debits" | "credits", amount: number) => {
    const t = totals.get(account) ?? { debits: 0, credits: 0 };
    t[key] += amount;
    totals.set(account, t);
  };
  for (const r of rows) {
    bump(r.debit_account, "debits", Number(r.amount_fen));
    bump(r.credit_account, "credits", Number(r.amount_fen));
  }
  return {
    program_id: programId,
    insurer_code: insurerCode,
    from: from.toISOString(),
    to: to.toISOString(),
    lines: rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      journal_id: r.journal_id,
      kind: r.kind,
      ref: r.ref,
      debit_account: r.debit_account,
      credit_account: r.credit_account,
      amount: formatYuan(Number(r.amount_fen)),
    })),
    balances: [...totals.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([account, t]) => ({
        account,
        debits: formatYuan(t.debits),
        credits: formatYuan(t.credits),
        net: formatYuan(t.debits - t.credits),
      })),
  };
}
