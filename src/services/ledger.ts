/**
 * Posting and reading the ledger. Journals are idempotent by journal_id: posting the same journal twice
 * (a replayed callback, a retried request, two concurrent deliveries of one callback) changes nothing the
 * second time; posting different legs under a journal_id already used is a conflict.
 */
import { stringify } from "csv-stringify/sync";
import type { Queryable, SqlParam } from "../db/database.js";
import {
  ACCOUNTS,
  type Account,
  type InsurerShare,
  isAccount,
  isJournalKind,
  type JournalKind,
  type Leg,
  splitByShares,
  statementPeriod,
} from "../domain/ledger.js";
import { type Fen, formatYuan, MAX_FEN } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";

export interface Journal {
  readonly programId: string;
  readonly journalId: string;
  readonly kind: JournalKind;
  /** What the journal is about: a policy number, an order, a setl_id. */
  readonly ref: string;
  readonly at: Date;
  readonly legs: readonly Leg[];
}

function validateJournal(journal: Journal): void {
  const bad = (problem: string) => new Error(`journal ${journal.journalId}: ${problem}`);
  if (journal.journalId === "") throw bad("empty journal_id");
  if (!isJournalKind(journal.kind)) throw bad(`unknown kind ${journal.kind}`);
  if (Number.isNaN(journal.at.getTime())) throw bad("invalid time");
  if (journal.legs.length === 0) throw bad("no legs");
  for (const [i, l] of journal.legs.entries()) {
    if (!isAccount(l.debit) || !isAccount(l.credit)) throw bad(`leg ${i}: unknown account`);
    if (l.debit === l.credit) throw bad(`leg ${i}: debit and credit are the same account`);
    if (!Number.isSafeInteger(l.amount) || l.amount < 0 || l.amount > MAX_FEN)
      throw bad(`leg ${i}: amount must be a non-negative integer of fen, got ${l.amount}`);
  }
}

async function programShares(q: Queryable, programId: string): Promise<InsurerShare[]> {
  const rows = await q.query<{ insurer_code: string; share_bps: number; is_lead: boolean }>(
    "select insurer_code, share_bps, is_lead from program_insurers where program_id = $1 order by insurer_code",
    [programId],
  );
  return rows.map((s) => ({ code: s.insurer_code, shareBps: Number(s.share_bps), lead: s.is_lead }));
}

/**
 * The program's co-insurers in the order postJournal splits them, from `PROGRAM_SHARES_JSON` (a json array
 * of [insurer_code, share_bps, is_lead]) read as part of a larger statement.
 */
export const PROGRAM_SHARES_JSON = `(select json_agg(json_build_array(i.insurer_code, i.share_bps, i.is_lead) order by i.insurer_code)
   from program_insurers i where i.program_id = $1)`;

export function sharesFromJson(rows: readonly [string, number, boolean][] | null): InsurerShare[] {
  return (rows ?? []).map(([code, bps, lead]) => ({ code, shareBps: Number(bps), lead }));
}

export const JOURNAL_COLUMNS =
  "program_id, journal_id, leg, insurer_code, kind, debit_account, credit_account, amount_fen, leg_amount_fen, ref, at";

export interface JournalLeg {
  readonly leg: number;
  readonly debit: Account;
  readonly credit: Account;
  readonly amount: Fen;
  /** The leg split among the co-insurers (splitByShares). */
  readonly parts: { code: string; amount: Fen }[];
}

/** A journal's legs with their co-insurers' parts, validated like postJournal; legs of zero are left out. */
export function journalLegs(journal: Journal, insurers: readonly InsurerShare[]): JournalLeg[] {
  validateJournal(journal);
  const legs: JournalLeg[] = [];
  for (const [leg, l] of journal.legs.entries()) {
    if (l.amount <= 0) continue;
    if (insurers.length === 0) throw new Error(`program ${journal.programId} has no co-insurers`);
    legs.push({
      leg,
      debit: l.debit,
      credit: l.credit,
      amount: l.amount,
      parts: splitByShares(l.amount, insurers),
    });
  }
  return legs;
}

/**
 * A journal's rows split among the co-insurers, as a VALUES list for JOURNAL_COLUMNS whose parameters are
 * numbered from `firstParam`. Validates the journal; legs of zero are left out (rows may then be 0).
 */
export function journalValues(
  journal: Journal,
  insurers: readonly InsurerShare[],
  firstParam = 1,
): { values: string; params: SqlParam[]; rows: number } {
  const params: SqlParam[] = [];
  const rows: string[] = [];
  for (const l of journalLegs(journal, insurers)) {
    for (const part of l.parts) {
      const b = firstParam - 1 + params.length;
      rows.push(
        `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9},$${b + 10},$${b + 11})`,
      );
      params.push(
        journal.programId,
        journal.journalId,
        l.leg,
        part.code,
        journal.kind,
        l.debit,
        l.credit,
        part.amount,
        l.amount,
        journal.ref,
        journal.at,
      );
    }
  }
  return { values: rows.join(", "), params, rows: rows.length };
}

/**
 * Posts a journal inside the caller's transaction. Returns false when it was already posted (by an earlier
 * call or a concurrent one). Concurrency: a transaction-scoped advisory lock on the journal's key makes a
 * second poster wait until the first commits, then see its rows; as a second line of defence the insert
 * is `on conflict do nothing` on the unique key (program_id, journal_id, leg, insurer_code), so a poster
 * outside a transaction still cannot double-post or fail with a unique violation.
 */
export async function postJournal(tx: Queryable, journal: Journal): Promise<boolean> {
  validateJournal(journal);
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263002))", [
    `ledger:${journal.programId.length}:${journal.programId}:${journal.journalId}`,
  ]);
  const legs = [...journal.legs.entries()].filter(([, l]) => l.amount > 0);
  // What is already posted under the journal id and the program's shares, in one round trip.
  const read = await tx.query<{
    existing:
      | { leg: number; kind: string; debit_account: string; credit_account: string; leg_amount_fen: number }[]
      | null;
    shares: [string, number, boolean][] | null;
  }>(
    `select (select json_agg(t order by t.leg) from (
               select distinct leg, kind, debit_account, credit_account, leg_amount_fen from ledger_transfers
                where program_id = $1 and journal_id = $2) t) as existing,
            ${PROGRAM_SHARES_JSON} as shares`,
    [journal.programId, journal.journalId],
  );
  const existing = read[0]?.existing ?? [];
  if (existing.length > 0) {
    const same =
      existing.length === legs.length &&
      existing.every((e, i) => {
        const [index, l] = legs[i] as [number, Leg];
        return (
          Number(e.leg) === index &&
          e.kind === journal.kind &&
          e.debit_account === l.debit &&
          e.credit_account === l.credit &&
          Number(e.leg_amount_fen) === l.amount
        );
      });
    if (!same) {
      throw new ServiceError(
        "conflict",
        "journal_conflict",
        `记账凭证 ${journal.journalId} 已以不同内容记账`,
        "journal_id",
      );
    }
    return false;
  }
  if (legs.length === 0) return false;
  const { values, params, rows } = journalValues(journal, sharesFromJson(read[0]?.shares ?? null));
  const inserted = await tx.query(
    `insert into ledger_transfers (${JOURNAL_COLUMNS}) values ${values}
     on conflict (program_id, journal_id, leg, insurer_code) do nothing returning transfer_id`,
    params,
  );
  if (inserted.length === 0) return false;
  if (inserted.length !== rows) {
    // Only reachable when a concurrent poster outside a transaction wrote part of the same journal.
    throw new Error(`journal ${journal.journalId}: partially posted by a concurrent writer`);
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
  readonly journals: number;
  readonly transfers: number;
}

const MAX_PROBLEMS = 100;

/**
 * The ledger's invariants, recomputed from the stored rows and the program's shares (not from what the rows
 * say about themselves):
 * - every row names known accounts and a known kind; a journal has one kind; a leg has one debit account,
 *   one credit account, one leg amount, one ref and one time;
 * - every (journal, leg) is split exactly as splitByShares(leg amount, program shares) says: the same
 *   insurers, each with exactly its part (non-lead floor(amount × share), the lead the remainder);
 * - per account, each insurer's net is the account's total net × its share, within the rounding the
 *   remainder rule allows (< 1 fen per leg for a non-lead insurer, < n−1 fen per leg for the lead);
 * - all accounts net to zero, overall and per insurer; total debits equal total credits.
 */
export async function checkLedger(q: Queryable, programId: string): Promise<LedgerCheck> {
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else if (problems.length === MAX_PROBLEMS) problems.push("… more problems not listed");
  };
  const shares = await programShares(q, programId);
  const byCode = new Map(shares.map((s) => [s.code, s]));
  const legs = await q.query<{
    journal_id: string;
    leg: number;
    n: number;
    kinds: number;
    kind: string;
    debits: number;
    debit_account: string;
    credits: number;
    credit_account: string;
    leg_min: number;
    leg_max: number;
    parts: number;
    refs: number;
    ats: number;
    split: [string, number][];
  }>(
    `select journal_id, leg, count(*)::int as n,
            count(distinct kind)::int as kinds, min(kind) as kind,
            count(distinct debit_account)::int as debits, min(debit_account) as debit_account,
            count(distinct credit_account)::int as credits, min(credit_account) as credit_account,
            min(leg_amount_fen)::bigint as leg_min, max(leg_amount_fen)::bigint as leg_max,
            sum(amount_fen)::bigint as parts, count(distinct ref)::int as refs, count(distinct at)::int as ats,
            json_agg(json_build_array(insurer_code, amount_fen) order by insurer_code) as split
       from ledger_transfers where program_id = $1 group by journal_id, leg order by journal_id, leg`,
    [programId],
  );
  const journalKinds = new Map<string, string>();
  const legsTouching = new Map<string, number>();
  let transfers = 0;
  for (const l of legs) {
    const where = `journal ${l.journal_id} leg ${l.leg}`;
    transfers += Number(l.n);
    if (l.kinds !== 1 || !isJournalKind(l.kind)) problem(`${where}: kind ${l.kind} unknown or not uniform`);
    const kind = journalKinds.get(l.journal_id);
    if (kind !== undefined && kind !== l.kind)
      problem(`journal ${l.journal_id}: legs of kinds ${kind} and ${l.kind}`);
    journalKinds.set(l.journal_id, l.kind);
    if (l.debits !== 1 || l.credits !== 1) problem(`${where}: parts name different accounts`);
    if (!isAccount(l.debit_account) || !isAccount(l.credit_account))
      problem(`${where}: unknown account ${l.debit_account} / ${l.credit_account}`);
    if (l.refs !== 1 || l.ats !== 1) problem(`${where}: parts disagree on ref or time`);
    const legAmount = Number(l.leg_max);
    if (Number(l.leg_min) !== legAmount) problem(`${where}: parts disagree on the leg amount`);
    if (Number(l.parts) !== legAmount) problem(`${where}: parts ${l.parts} ≠ leg ${legAmount}`);
    for (const account of [l.debit_account, l.credit_account])
      legsTouching.set(account, (legsTouching.get(account) ?? 0) + 1);
    if (shares.length === 0) {
      problem(`${where}: program has no co-insurers`);
      continue;
    }
    const stored = new Map(l.split.map(([code, amount]) => [code, Number(amount)]));
    let expected: Map<string, number>;
    try {
      expected = new Map(splitByShares(legAmount, shares).map((p) => [p.code, p.amount]));
    } catch (e) {
      problem(`${where}: cannot split ${legAmount}: ${(e as Error).message}`);
      continue;
    }
    for (const code of new Set([...stored.keys(), ...expected.keys()])) {
      const got = stored.get(code);
      const want = expected.get(code);
      if (!byCode.has(code)) problem(`${where}: insurer ${code} is not a co-insurer of the program`);
      else if (got !== want)
        problem(`${where}: insurer ${code} has ${got ?? 0}, its share of ${legAmount} is ${want ?? 0}`);
    }
  }

  const accountRows = await q.query<{
    account: string;
    insurer_code: string;
    debits: number;
    credits: number;
  }>(
    `select account, insurer_code, sum(debit)::bigint as debits, sum(credit)::bigint as credits from (
        select debit_account as account, insurer_code, amount_fen as debit, 0::bigint as credit
          from ledger_transfers where program_id = $1
        union all
        select credit_account, insurer_code, 0::bigint, amount_fen from ledger_transfers where program_id = $1) t
      group by account, insurer_code`,
    [programId],
  );
  const accountNet = new Map<string, number>();
  const insurerNet = new Map<string, number>();
  let totalDebits = 0;
  let totalCredits = 0;
  for (const r of accountRows) {
    const net = Number(r.debits) - Number(r.credits);
    totalDebits += Number(r.debits);
    totalCredits += Number(r.credits);
    accountNet.set(r.account, (accountNet.get(r.account) ?? 0) + net);
    insurerNet.set(r.insurer_code, (insurerNet.get(r.insurer_code) ?? 0) + net);
  }
  if (totalDebits !== totalCredits) problem(`debits ${totalDebits} ≠ credits ${totalCredits}`);
  const overall = [...accountNet.values()].reduce((s, n) => s + n, 0);
  if (overall !== 0) problem(`accounts do not net to zero: ${overall}`);
  for (const [code, net] of insurerNet)
    if (net !== 0) problem(`insurer ${code}: accounts net to ${net}, not zero`);
  for (const r of accountRows) {
    const share = byCode.get(r.insurer_code);
    if (share === undefined) continue;
    const total = accountNet.get(r.account) ?? 0;
    const net = Number(r.debits) - Number(r.credits);
    const touching = legsTouching.get(r.account) ?? 0;
    const slack = share.lead ? Math.max(0, shares.length - 1) * touching : touching;
    const ideal = (total * share.shareBps) / 10_000;
    if (Math.abs(net - ideal) > slack) {
      problem(
        `account ${r.account}, insurer ${r.insurer_code}: net ${net} is not ${share.shareBps / 100}% of ${total} within ${slack} fen`,
      );
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    totalDebits,
    totalCredits,
    journals: journalKinds.size,
    transfers,
  };
}

export interface StatementLine {
  /** ISO 8601 instant. */
  readonly at: string;
  readonly journal_id: string;
  readonly leg: number;
  readonly kind: string;
  readonly ref: string;
  readonly debit_account: string;
  readonly credit_account: string;
  /** This insurer's part. */
  readonly amount_fen: Fen;
  /** The whole leg before the co-insurance split. */
  readonly leg_amount_fen: Fen;
}

export interface StatementBalance {
  readonly account: string;
  readonly name: string;
  /** Net (debits − credits) of everything before the period. */
  readonly opening_net_fen: Fen;
  readonly debits_fen: Fen;
  readonly credits_fen: Fen;
  /** Net movement in the period. */
  readonly net_fen: Fen;
  readonly closing_net_fen: Fen;
}

export interface Statement {
  readonly program_id: string;
  readonly insurer_code: string;
  readonly insurer_name: string;
  readonly share: number;
  /** The same share in basis points, exact (10000 = 100 %). */
  readonly share_bps: number;
  readonly lead: boolean;
  /** Start of the period (inclusive), ISO instant. */
  readonly from: string;
  /** End of the period (exclusive), ISO instant. */
  readonly to: string;
  /** The period as Beijing calendar days, both inclusive, when it was given that way. */
  readonly period?: { from: string; to: string; to_inclusive: true; timezone: "Asia/Shanghai" };
  readonly lines: StatementLine[];
  readonly balances: StatementBalance[];
  readonly totals: { debits_fen: Fen; credits_fen: Fen };
}

async function insurerOf(q: Queryable, programId: string, insurerCode: string) {
  const programs = await q.query("select 1 from programs where program_id = $1", [programId]);
  if (programs.length === 0) throw notFound(`项目 ${programId}`, "program_id");
  const rows = await q.query<{ name: string; share_bps: number; is_lead: boolean }>(
    "select name, share_bps, is_lead from program_insurers where program_id = $1 and insurer_code = $2",
    [programId, insurerCode],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`承保公司 ${insurerCode}`, "insurer");
  return row;
}

/** One co-insurer's statement for the instants [from, to): its share of every transfer and the account totals. */
export async function ledgerStatement(
  ctx: PlatformContext,
  programId: string,
  insurerCode: string,
  from: Date,
  to: Date,
): Promise<Statement> {
  const insurer = await insurerOf(ctx.db, programId, insurerCode);
  const rows = await ctx.db.query<{
    at: Date;
    journal_id: string;
    leg: number;
    kind: string;
    ref: string;
    debit_account: string;
    credit_account: string;
    amount_fen: number;
    leg_amount_fen: number;
  }>(
    `select at, journal_id, leg, kind, ref, debit_account, credit_account, amount_fen, leg_amount_fen
       from ledger_transfers
      where program_id = $1 and insurer_code = $2 and at >= $3 and at < $4 order by at, journal_id, leg`,
    [programId, insurerCode, from, to],
  );
  const opening = await ctx.db.query<{ account: string; net: number }>(
    `select account, sum(net)::bigint as net from (
        select debit_account as account, amount_fen as net from ledger_transfers
         where program_id = $1 and insurer_code = $2 and at < $3
        union all
        select credit_account, -amount_fen from ledger_transfers
         where program_id = $1 and insurer_code = $2 and at < $3) t group by account`,
    [programId, insurerCode, from],
  );
  const totals = new Map<string, { opening: number; debits: number; credits: number }>();
  const entry = (account: string) => {
    let t = totals.get(account);
    if (t === undefined) {
      t = { opening: 0, debits: 0, credits: 0 };
      totals.set(account, t);
    }
    return t;
  };
  for (const o of opening) entry(o.account).opening += Number(o.net);
  let debits = 0;
  for (const r of rows) {
    entry(r.debit_account).debits += Number(r.amount_fen);
    entry(r.credit_account).credits += Number(r.amount_fen);
    debits += Number(r.amount_fen);
  }
  return {
    program_id: programId,
    insurer_code: insurerCode,
    insurer_name: insurer.name,
    share: Number(insurer.share_bps) / 10_000,
    share_bps: Number(insurer.share_bps),
    lead: insurer.is_lead,
    from: from.toISOString(),
    to: to.toISOString(),
    lines: rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      journal_id: r.journal_id,
      leg: Number(r.leg),
      kind: r.kind,
      ref: r.ref,
      debit_account: r.debit_account,
      credit_account: r.credit_account,
      amount_fen: Number(r.amount_fen),
      leg_amount_fen: Number(r.leg_amount_fen),
    })),
    balances: [...totals.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([account, t]) => ({
        account,
        name: isAccount(account) ? ACCOUNTS[account] : account,
        opening_net_fen: t.opening,
        debits_fen: t.debits,
        credits_fen: t.credits,
        net_fen: t.debits - t.credits,
        closing_net_fen: t.opening + t.debits - t.credits,
      })),
    totals: { debits_fen: debits, credits_fen: debits },
  };
}

/**
 * A statement for Beijing calendar days `fromDay` … `toDay`, both inclusive (yyyy-mm-dd). A co-insurer's
 * account may only read its own insurer's statement. Every read is audited.
 */
export async function ledgerStatementForDays(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  insurerCode: string,
  fromDay: string,
  toDay: string,
): Promise<Statement> {
  if (actor.role === "co_insurer" && actor.insurerCode !== insurerCode) {
    throw new ServiceError("forbidden", "forbidden", "共保公司只能查看本公司的对账单", "insurer");
  }
  const period = statementPeriod(fromDay, toDay);
  if (!period.ok) throw new ServiceError("invalid", "invalid_value", period.problem, period.field);
  const statement = await ledgerStatement(ctx, programId, insurerCode, period.start, period.end);
  await audit(ctx.db, actor, programId, "ledger.statement", insurerCode, { from: fromDay, to: toDay });
  return {
    ...statement,
    period: { from: fromDay, to: toDay, to_inclusive: true, timezone: "Asia/Shanghai" },
  };
}

export const STATEMENT_CSV_COLUMNS = [
  "at_beijing",
  "journal_id",
  "leg",
  "kind",
  "ref",
  "debit_account",
  "credit_account",
  "amount",
  "leg_amount",
] as const;

/** Spreadsheets run cells that start with = + - @ as formulas; such text cells get a leading apostrophe. */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
}

/**
 * The statement's lines as CSV (header row, one row per transfer part, times in Beijing time). A file for
 * people and spreadsheets, so amounts are yuan strings here, where the statement leaves the program.
 */
export function statementCsv(statement: Statement): string {
  return stringify(
    statement.lines.map((l) => [
      formatBusinessTime(Date.parse(l.at)),
      l.journal_id,
      l.leg,
      l.kind,
      l.ref,
      l.debit_account,
      l.credit_account,
      formatYuan(l.amount_fen),
      formatYuan(l.leg_amount_fen),
    ]),
    {
      header: true,
      columns: [...STATEMENT_CSV_COLUMNS],
      cast: { string: neutralizeFormula },
      record_delimiter: "\n",
    },
  );
}

export interface LedgerSummary {
  readonly program_id: string;
  readonly balanced: boolean;
  readonly journals: { kind: string; count: number }[];
  readonly accounts: { account: string; name: string; debits_fen: Fen; credits_fen: Fen; net_fen: Fen }[];
  readonly insurers: {
    code: string;
    name: string;
    share: number;
    share_bps: number;
    lead: boolean;
    accounts: { account: string; net_fen: Fen }[];
  }[];
}

/** Aggregates for oversight (bureau, regulator): totals per account and per co-insurer, no refs, no persons. */
export async function ledgerSummary(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<LedgerSummary> {
  const programs = await ctx.db.query("select 1 from programs where program_id = $1", [programId]);
  if (programs.length === 0) throw notFound(`项目 ${programId}`, "program_id");
  const rows = await ctx.db.query<{ account: string; insurer_code: string; debits: number; credits: number }>(
    `select account, insurer_code, sum(debit)::bigint as debits, sum(credit)::bigint as credits from (
        select debit_account as account, insurer_code, amount_fen as debit, 0::bigint as credit
          from ledger_transfers where program_id = $1
        union all
        select credit_account, insurer_code, 0::bigint, amount_fen from ledger_transfers where program_id = $1) t
      group by account, insurer_code order by account, insurer_code`,
    [programId],
  );
  const kinds = await ctx.db.query<{ kind: string; n: number }>(
    `select kind, count(distinct journal_id)::int as n from ledger_transfers where program_id = $1
      group by kind order by kind`,
    [programId],
  );
  const insurers = await ctx.db.query<{
    insurer_code: string;
    name: string;
    share_bps: number;
    is_lead: boolean;
  }>(
    "select insurer_code, name, share_bps, is_lead from program_insurers where program_id = $1 order by is_lead desc, insurer_code",
    [programId],
  );
  const accounts = new Map<string, { debits: number; credits: number }>();
  for (const r of rows) {
    const a = accounts.get(r.account) ?? { debits: 0, credits: 0 };
    a.debits += Number(r.debits);
    a.credits += Number(r.credits);
    accounts.set(r.account, a);
  }
  const check = await checkLedger(ctx.db, programId);
  await audit(ctx.db, actor, programId, "ledger.summary", programId);
  return {
    program_id: programId,
    balanced: check.ok,
    journals: kinds.map((k) => ({ kind: k.kind, count: Number(k.n) })),
    accounts: [...accounts.entries()].map(([account, a]) => ({
      account,
      name: isAccount(account) ? ACCOUNTS[account] : account,
      debits_fen: a.debits,
      credits_fen: a.credits,
      net_fen: a.debits - a.credits,
    })),
    // A co-insurer sees its own figures only (its share of each account); shares are public on the program.
    insurers: insurers
      .filter((i) => actor.role !== "co_insurer" || i.insurer_code === actor.insurerCode)
      .map((i) => ({
        code: i.insurer_code,
        name: i.name,
        share: Number(i.share_bps) / 10_000,
        share_bps: Number(i.share_bps),
        lead: i.is_lead,
        accounts: rows
          .filter((r) => r.insurer_code === i.insurer_code)
          .map((r) => ({ account: r.account, net_fen: Number(r.debits) - Number(r.credits) })),
      })),
  };
}
