/**
 * Ring-fenced aid funds (救助专户): a foundation's, a drug company's or a union's money for its aid programs,
 * kept apart from premium and from every other fund. Each movement is a double-entry journal on ONE fund
 * (migration 022 enforces it: accounts are (fund, account) rows, a leg names one fund for both its accounts,
 * a journal one fund for all its legs, and aid moves only through the fund its program version names). The
 * balance is kept by the database from the legs touching the fund's `cash` account and can never go negative.
 *
 * Accounts of a fund: `cash` (the money held), `contributions` (donations and sponsors' top-ups) and `aid`
 * (aid paid to beneficiaries, net of reversals). A donation or top-up debits cash and credits contributions;
 * aid paid debits aid and credits cash; a reversal the other way round. So balance = Σ contributions − Σ aid,
 * which `reconcileFund` proves from the legs.
 *
 * Exactly once: a journal's id is `<kind>:<ref>`; posting it again with the same content is a replay (nothing
 * changes), with different content a conflict. Every writer locks the fund's row first, so concurrent
 * donations and payments on one fund take turns and the balance stays exact.
 */
import { type Queryable, sqlStateOf } from "../../db/database.js";
import { AID_SPONSOR_KINDS, type AidSponsorKind } from "../../domain/aid.js";
import { type Fen, MAX_FEN } from "../../domain/money.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";

/** PostgreSQL SQLSTATEs the schema's guards raise. */
const CHECK_VIOLATION = "23514";
const FOREIGN_KEY_VIOLATION = "23503";

export const FUND_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const FUND_ACCOUNTS = ["cash", "contributions", "aid"] as const;
export type FundAccount = (typeof FUND_ACCOUNTS)[number];

export const FUND_JOURNAL_KINDS = ["donation", "top_up", "aid_paid", "aid_reversed"] as const;
export type FundJournalKind = (typeof FUND_JOURNAL_KINDS)[number];

/** Each kind's one leg: which account is debited and which credited. */
const LEG_OF: Record<FundJournalKind, { debit: FundAccount; credit: FundAccount }> = {
  donation: { debit: "cash", credit: "contributions" },
  top_up: { debit: "cash", credit: "contributions" },
  aid_paid: { debit: "aid", credit: "cash" },
  aid_reversed: { debit: "cash", credit: "aid" },
};

const journalIdOf = (kind: FundJournalKind, ref: string) => `${kind}:${ref}`;

/** Who writes a journal that no person asked for (the settlement path, the nightly match). */
const SYSTEM_POSTER = "aid";

/** The fund cannot pay the amount: the caller queues, prorates or stops (the aid program's budget rule). */
export class AidFundInsufficient extends ServiceError {
  constructor(
    readonly fundId: string,
    readonly balance: Fen,
    readonly amount: Fen,
  ) {
    super("conflict", "aid_fund_insufficient", `救助基金 ${fundId} 余额不足，无法支付本笔救助`, "amount");
  }
}

/* ------------------------------------------------------------------------------------------------------------
 * Paying aid and reversing it (called by services/aid/payments.ts inside its own transaction)
 * ---------------------------------------------------------------------------------------------------------- */

export interface AidMovement {
  readonly programId: string;
  readonly fundId: string;
  readonly aidProgramId: string;
  readonly version: number;
  /** The payment's key, e.g. `<setl_id>:<aid_program_id>`: one payment and at most one reversal per ref. */
  readonly ref: string;
  readonly amount: Fen;
  readonly at: Date;
  /** Who posts it (an actor id); the system by default. */
  readonly by?: string;
}

export interface PostedMovement {
  readonly journalId: string;
  /** False when the journal was already posted with the same content (a replay). */
  readonly posted: boolean;
  /** The fund's balance after it. */
  readonly balance: Fen;
}

interface FundRow {
  name: string;
  balance_fen: string | number;
  keeper: string | null;
}

async function lockFund(tx: Queryable, programId: string, fundId: string): Promise<FundRow> {
  const rows = await tx.query<FundRow>(
    "select name, balance_fen, keeper from aid_funds where program_id = $1 and fund_id = $2 for update",
    [programId, fundId],
  );
  const fund = rows[0];
  if (fund === undefined) throw notFound(`救助基金 ${fundId}`, "fund_id");
  return fund;
}

interface JournalRow {
  fund_id: string;
  kind: string;
  amount_fen: string | number;
  donor: string | null;
  aid_program_id: string | null;
  version: number | null;
}

async function journalOf(
  tx: Queryable,
  programId: string,
  journalId: string,
): Promise<JournalRow | undefined> {
  const rows = await tx.query<JournalRow>(
    "select fund_id, kind, amount_fen, donor, aid_program_id, version from aid_fund_journals where program_id = $1 and journal_id = $2",
    [programId, journalId],
  );
  return rows[0];
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_FEN)
    throw new ServiceError("invalid", "invalid_value", "金额必须为正（整数分）", "amount");
}

function checkRef(ref: string): void {
  if (ref.trim() === "" || ref.length > 200 || ref.includes("\u0000"))
    throw new ServiceError("invalid", "invalid_value", "凭证号不能为空且不超过 200 个字符", "ref");
}

/** The aid program version must exist and pay from `fundId`. */
async function checkAidFund(tx: Queryable, m: AidMovement): Promise<void> {
  const rows = await tx.query<{ fund_id: string }>(
    "select fund_id from aid_programs where program_id = $1 and aid_program_id = $2 and version = $3",
    [m.programId, m.aidProgramId, m.version],
  );
  const own = rows[0];
  if (own === undefined) throw notFound(`救助项目 ${m.aidProgramId} 第 ${m.version} 版`, "aid_program_id");
  if (own.fund_id !== m.fundId)
    throw new ServiceError(
      "unprocessable",
      "aid_fund_mismatch",
      `救助项目 ${m.aidProgramId} 只能从其专户 ${own.fund_id} 支付，不能动用救助基金 ${m.fundId} 的资金`,
      "fund_id",
    );
}

function sameAid(j: JournalRow, m: AidMovement, amount: Fen): boolean {
  return (
    j.fund_id === m.fundId &&
    j.aid_program_id === m.aidProgramId &&
    Number(j.version) === m.version &&
    Number(j.amount_fen) === amount
  );
}

/** Inserts a journal and its one leg; the schema's trigger moves the balance. Returns the new balance. */
async function insertJournal(
  tx: Queryable,
  j: {
    programId: string;
    fundId: string;
    kind: FundJournalKind;
    ref: string;
    amount: Fen;
    donor: string | null;
    aidProgramId: string | null;
    version: number | null;
    at: Date;
    by: string;
  },
): Promise<Fen> {
  const journalId = journalIdOf(j.kind, j.ref);
  const leg = LEG_OF[j.kind];
  try {
    const rows = await tx.query<{ balance_fen: string | number }>(
      `with j as (
         insert into aid_fund_journals (program_id, journal_id, fund_id, kind, ref, amount_fen, donor, aid_program_id, version, at, posted_by)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) returning program_id, journal_id, fund_id, amount_fen)
       insert into aid_fund_entries (program_id, journal_id, leg, fund_id, debit_account, credit_account, amount_fen)
       select program_id, journal_id, 0, fund_id, $12, $13, amount_fen from j returning leg`,
      [
        j.programId,
        journalId,
        j.fundId,
        j.kind,
        j.ref,
        j.amount,
        j.donor,
        j.aidProgramId,
        j.version,
        j.at,
        j.by,
        leg.debit,
        leg.credit,
      ],
    );
    if (rows.length !== 1) throw new Error(`aid fund journal ${journalId}: leg not written`);
  } catch (e) {
    const state = sqlStateOf(e);
    if (state === CHECK_VIOLATION)
      throw new AidFundInsufficient(j.fundId, await balanceOf(tx, j.programId, j.fundId), j.amount);
    if (state === FOREIGN_KEY_VIOLATION)
      throw new ServiceError(
        "unprocessable",
        "aid_fund_mismatch",
        `救助资金只能在救助项目自己的专户内流动（救助基金 ${j.fundId}）`,
        "fund_id",
      );
    throw e;
  }
  return balanceOf(tx, j.programId, j.fundId);
}

async function balanceOf(tx: Queryable, programId: string, fundId: string): Promise<Fen> {
  const rows = await tx.query<{ balance_fen: string | number }>(
    "select balance_fen from aid_funds where program_id = $1 and fund_id = $2",
    [programId, fundId],
  );
  return Number(rows[0]?.balance_fen ?? 0);
}

/**
 * Pays `amount` of aid from the aid program's own fund, inside the caller's transaction. Exactly once per
 * (program, ref): a replay with the same fund, aid program, version and amount changes nothing; anything else
 * under that ref is a conflict. Refuses a fund that is not the aid program version's (aid_fund_mismatch) and
 * an amount above the balance (AidFundInsufficient, nothing written).
 */
export async function payAidFromFund(tx: Queryable, m: AidMovement): Promise<PostedMovement> {
  checkAmount(m.amount);
  checkRef(m.ref);
  const fund = await lockFund(tx, m.programId, m.fundId);
  await checkAidFund(tx, m);
  const journalId = journalIdOf("aid_paid", m.ref);
  const done = await journalOf(tx, m.programId, journalId);
  if (done !== undefined) {
    if (!sameAid(done, m, m.amount))
      throw new ServiceError("conflict", "aid_journal_conflict", `救助支付 ${m.ref} 已以不同内容记账`, "ref");
    return { journalId, posted: false, balance: Number(fund.balance_fen) };
  }
  if (Number(fund.balance_fen) < m.amount)
    throw new AidFundInsufficient(m.fundId, Number(fund.balance_fen), m.amount);
  const balance = await insertJournal(tx, {
    programId: m.programId,
    fundId: m.fundId,
    kind: "aid_paid",
    ref: m.ref,
    amount: m.amount,
    donor: null,
    aidProgramId: m.aidProgramId,
    version: m.version,
    at: m.at,
    by: m.by ?? SYSTEM_POSTER,
  });
  return { journalId, posted: true, balance };
}

/**
 * Returns aid paid under `ref` to its fund (a revoked claim), inside the caller's transaction: the whole
 * payment unless `amount` says less. Exactly once per (program, ref), like payAidFromFund; refuses a ref that
 * was never paid, or paid from another fund, program or version.
 */
export async function reverseAidToFund(
  tx: Queryable,
  m: Omit<AidMovement, "amount"> & { readonly amount?: Fen },
): Promise<PostedMovement> {
  checkRef(m.ref);
  const fund = await lockFund(tx, m.programId, m.fundId);
  const paid = await journalOf(tx, m.programId, journalIdOf("aid_paid", m.ref));
  if (paid === undefined)
    throw new ServiceError("conflict", "aid_not_paid", `救助支付 ${m.ref} 未入账，无可冲回`, "ref");
  const amount = m.amount ?? Number(paid.amount_fen);
  checkAmount(amount);
  if (!sameAid(paid, { ...m, amount }, Number(paid.amount_fen)))
    throw new ServiceError(
      "conflict",
      "aid_journal_conflict",
      `救助支付 ${m.ref} 并非由救助项目 ${m.aidProgramId} 第 ${m.version} 版从救助基金 ${m.fundId} 支付`,
      "ref",
    );
  if (amount > Number(paid.amount_fen))
    throw new ServiceError("invalid", "invalid_value", "冲回金额不能超过原支付金额", "amount");
  const journalId = journalIdOf("aid_reversed", m.ref);
  const done = await journalOf(tx, m.programId, journalId);
  if (done !== undefined) {
    if (!sameAid(done, { ...m, amount }, amount))
      throw new ServiceError("conflict", "aid_journal_conflict", `救助冲回 ${m.ref} 已以不同内容记账`, "ref");
    return { journalId, posted: false, balance: Number(fund.balance_fen) };
  }
  const balance = await insertJournal(tx, {
    programId: m.programId,
    fundId: m.fundId,
    kind: "aid_reversed",
    ref: m.ref,
    amount,
    donor: null,
    aidProgramId: m.aidProgramId,
    version: m.version,
    at: m.at,
    by: m.by ?? SYSTEM_POSTER,
  });
  return { journalId, posted: true, balance };
}

/** The fund's balance now (no lock): what H3's budget check reads before it decides to pay or queue. */
export async function fundBalance(q: Queryable, programId: string, fundId: string): Promise<Fen> {
  const rows = await q.query<{ balance_fen: string | number }>(
    "select balance_fen from aid_funds where program_id = $1 and fund_id = $2",
    [programId, fundId],
  );
  const r = rows[0];
  if (r === undefined) throw notFound(`救助基金 ${fundId}`, "fund_id");
  return Number(r.balance_fen);
}

/** Net aid paid by one aid program (all its versions) from its fund: paid − reversed. */
export async function aidPaidByProgram(q: Queryable, programId: string, aidProgramId: string): Promise<Fen> {
  const rows = await q.query<{ net: string | number | null }>(
    `select coalesce(sum(case kind when 'aid_paid' then amount_fen else -amount_fen end), 0) as net
       from aid_fund_journals where program_id = $1 and aid_program_id = $2`,
    [programId, aidProgramId],
  );
  return Number(rows[0]?.net ?? 0);
}

/* ------------------------------------------------------------------------------------------------------------
 * Funds: creation, who keeps them, donations, statement, reconciliation
 * ---------------------------------------------------------------------------------------------------------- */

export interface AidFund {
  readonly fundId: string;
  readonly name: string;
  readonly sponsorKind: AidSponsorKind;
  readonly sponsorName: string;
  readonly keeper: string | null;
  readonly balance: Fen;
  readonly createdAt: Date;
}

interface AidFundRow {
  fund_id: string;
  name: string;
  sponsor_kind: AidSponsorKind;
  sponsor_name: string;
  keeper: string | null;
  balance_fen: string | number;
  created_at: Date | string;
}

const FUND_COLUMNS = "fund_id, name, sponsor_kind, sponsor_name, keeper, balance_fen, created_at";

const fundOf = (r: AidFundRow): AidFund => ({
  fundId: r.fund_id,
  name: r.name,
  sponsorKind: r.sponsor_kind,
  sponsorName: r.sponsor_name,
  keeper: r.keeper,
  balance: Number(r.balance_fen),
  createdAt: new Date(r.created_at),
});

/** A `charity` account sees and manages only the funds it keeps; operators and admins all of them. */
function mayManage(actor: Actor, fund: { keeper: string | null }): boolean {
  if (actor.role === "charity") return fund.keeper === actor.id;
  return actor.role === "operator" || actor.role === "admin";
}

/** Readers: the managers above, and the bureau and the regulator (read only). */
function mayRead(actor: Actor, fund: { keeper: string | null }): boolean {
  return mayManage(actor, fund) || actor.role === "bureau" || actor.role === "regulator";
}

const notYours = (fundId: string) =>
  new ServiceError("forbidden", "forbidden", `救助基金 ${fundId} 不由当前账号管理`, "fund_id");

export interface NewAidFund {
  readonly programId: string;
  readonly fundId: string;
  readonly name: string;
  readonly sponsorKind: string;
  readonly sponsorName: string;
  /** The `charity` account keeping the fund, if any. */
  readonly keeper?: string | undefined;
}

function invalid(message: string, field: string): ServiceError {
  return new ServiceError("invalid", "invalid_value", message, field);
}

/**
 * Opens a fund with its three accounts. Same id and same facts again: the existing fund (a replay); same id,
 * other facts: a conflict. A charity account may open a fund only for itself.
 */
export async function createAidFund(
  ctx: PlatformContext,
  actor: Actor,
  input: NewAidFund,
): Promise<{ fund: AidFund; created: boolean }> {
  if (!FUND_ID_PATTERN.test(input.fundId))
    throw invalid("基金编号只能包含小写字母、数字、_ 和 -（不超过 64 位）", "fund_id");
  const name = input.name.trim();
  if (name === "" || name.length > 200) throw invalid("基金名称不能为空且不超过 200 个字符", "name");
  if (!Object.hasOwn(AID_SPONSOR_KINDS, input.sponsorKind))
    throw invalid(
      `出资方类型应为 ${Object.values(AID_SPONSOR_KINDS).join("、")} 之一（${Object.keys(AID_SPONSOR_KINDS).join(" | ")}）`,
      "sponsor_kind",
    );
  const sponsorName = input.sponsorName.trim();
  if (sponsorName === "" || sponsorName.length > 200)
    throw invalid("出资方名称不能为空且不超过 200 个字符", "sponsor_name");
  const keeper = actor.role === "charity" ? actor.id : (input.keeper ?? null);
  if (actor.role === "charity" && input.keeper !== undefined && input.keeper !== actor.id)
    throw new ServiceError("forbidden", "forbidden", "慈善机构账号只能为自己开设救助基金", "keeper");
  return ctx.db.transaction(async (tx) => {
    const program = await tx.query("select 1 from programs where program_id = $1", [input.programId]);
    if (program.length === 0) throw notFound(`惠民保项目 ${input.programId}`, "program_id");
    if (keeper !== null) {
      const users = await tx.query(
        "select 1 from users where program_id in ($1, '*') and username = $2 and role = 'charity'",
        [input.programId, keeper],
      );
      if (users.length === 0) throw invalid(`${keeper} 不是本项目的慈善机构账号`, "keeper");
    }
    const inserted = await tx.query<AidFundRow>(
      `insert into aid_funds (program_id, fund_id, name, sponsor_kind, sponsor_name, keeper, created_at, created_by)
       values ($1,$2,$3,$4,$5,$6,$7,$8) on conflict (program_id, fund_id) do nothing returning ${FUND_COLUMNS}`,
      [
        input.programId,
        input.fundId,
        name,
        input.sponsorKind,
        sponsorName,
        keeper,
        ctx.clock.now(),
        actor.id,
      ],
    );
    const row = inserted[0];
    if (row === undefined) {
      const existing = (
        await tx.query<AidFundRow>(
          `select ${FUND_COLUMNS} from aid_funds where program_id = $1 and fund_id = $2`,
          [input.programId, input.fundId],
        )
      )[0] as AidFundRow;
      const same =
        existing.name === name &&
        existing.sponsor_kind === input.sponsorKind &&
        existing.sponsor_name === sponsorName &&
        existing.keeper === keeper;
      if (!same) throw new ServiceError("conflict", "conflict", `救助基金 ${input.fundId} 已存在`, "fund_id");
      return { fund: fundOf(existing), created: false };
    }
    await tx.query(
      "insert into aid_fund_accounts (program_id, fund_id, account) select $1, $2, unnest($3::text[])",
      [input.programId, input.fundId, FUND_ACCOUNTS],
    );
    await audit(tx, actor, input.programId, "aid_fund.create", input.fundId, {
      sponsor_kind: input.sponsorKind,
      keeper,
    });
    return { fund: fundOf(row), created: true };
  });
}

/** The funds the actor may see: a charity account only those it keeps. */
export async function listAidFunds(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<AidFund[]> {
  const rows = await ctx.db.query<AidFundRow>(
    `select ${FUND_COLUMNS} from aid_funds where program_id = $1 and ($2::text is null or keeper = $2) order by fund_id`,
    [programId, actor.role === "charity" ? actor.id : null],
  );
  return rows.map(fundOf).filter((f) => mayRead(actor, f));
}

export async function getAidFund(
  q: Queryable,
  actor: Actor,
  programId: string,
  fundId: string,
): Promise<AidFund> {
  const rows = await q.query<AidFundRow>(
    `select ${FUND_COLUMNS} from aid_funds where program_id = $1 and fund_id = $2`,
    [programId, fundId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`救助基金 ${fundId}`, "fund_id");
  const fund = fundOf(row);
  if (!mayRead(actor, fund)) throw notYours(fundId);
  return fund;
}

export interface Contribution {
  readonly programId: string;
  readonly fundId: string;
  /** donation: a gift (donor or anonymous); top_up: the sponsor's own money put in. */
  readonly kind: "donation" | "top_up";
  readonly amount: Fen;
  /** The donor's name; null or absent = anonymous. Only for donations. */
  readonly donor?: string | null | undefined;
  /** The receipt / transfer reference: one contribution per (kind, ref). */
  readonly ref: string;
}

/** Records a donation or top-up. The same ref again with the same content is a replay; otherwise a conflict. */
export async function contributeToFund(
  ctx: PlatformContext,
  actor: Actor,
  c: Contribution,
): Promise<PostedMovement> {
  checkAmount(c.amount);
  checkRef(c.ref);
  const donor = c.kind === "donation" ? c.donor?.trim() || null : null;
  if (c.kind === "top_up" && c.donor !== undefined && c.donor !== null && c.donor.trim() !== "")
    throw invalid("出资方注资不记捐款人", "donor");
  if (donor !== null && donor.length > 200) throw invalid("捐款人名称不超过 200 个字符", "donor");
  return ctx.db.transaction(async (tx) => {
    const fund = await lockFund(tx, c.programId, c.fundId);
    if (!mayManage(actor, fund)) throw notYours(c.fundId);
    const journalId = journalIdOf(c.kind, c.ref);
    const done = await journalOf(tx, c.programId, journalId);
    if (done !== undefined) {
      if (done.fund_id !== c.fundId || Number(done.amount_fen) !== c.amount || done.donor !== donor)
        throw new ServiceError("conflict", "aid_journal_conflict", `凭证号 ${c.ref} 已以不同内容入账`, "ref");
      return { journalId, posted: false, balance: Number(fund.balance_fen) };
    }
    const balance = await insertJournal(tx, {
      programId: c.programId,
      fundId: c.fundId,
      kind: c.kind,
      ref: c.ref,
      amount: c.amount,
      donor,
      aidProgramId: null,
      version: null,
      at: ctx.clock.now(),
      by: actor.id,
    });
    await audit(tx, actor, c.programId, `aid_fund.${c.kind}`, c.fundId, { amount_fen: c.amount, ref: c.ref });
    return { journalId, posted: true, balance };
  });
}

export interface FundStatementLine {
  readonly journalId: string;
  readonly kind: FundJournalKind;
  readonly ref: string;
  /** Signed: positive into the fund's cash, negative out of it. */
  readonly amount: Fen;
  readonly balanceAfter: Fen;
  readonly donor: string | null;
  readonly aidProgramId: string | null;
  readonly version: number | null;
  readonly at: Date;
}

export interface FundStatement {
  readonly fund: AidFund;
  readonly lines: FundStatementLine[];
  readonly contributions: Fen;
  readonly aidPaid: Fen;
  readonly aidReversed: Fen;
}

/** The fund's journals in posting order with the running balance (一本账). */
export async function fundStatement(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  fundId: string,
): Promise<FundStatement> {
  const fund = await getAidFund(ctx.db, actor, programId, fundId);
  const rows = await ctx.db.query<{
    journal_id: string;
    kind: FundJournalKind;
    ref: string;
    amount_fen: string | number;
    donor: string | null;
    aid_program_id: string | null;
    version: number | null;
    at: Date | string;
  }>(
    `select journal_id, kind, ref, amount_fen, donor, aid_program_id, version, at from aid_fund_journals
      where program_id = $1 and fund_id = $2 order by posted_at, journal_id`,
    [programId, fundId],
  );
  let balance = 0;
  let contributions = 0;
  let aidPaid = 0;
  let aidReversed = 0;
  const lines = rows.map((r): FundStatementLine => {
    const amount = Number(r.amount_fen);
    const signed = LEG_OF[r.kind].debit === "cash" ? amount : -amount;
    balance += signed;
    if (r.kind === "donation" || r.kind === "top_up") contributions += amount;
    else if (r.kind === "aid_paid") aidPaid += amount;
    else aidReversed += amount;
    return {
      journalId: r.journal_id,
      kind: r.kind,
      ref: r.ref,
      amount: signed,
      balanceAfter: balance,
      donor: r.donor,
      aidProgramId: r.aid_program_id,
      version: r.version === null ? null : Number(r.version),
      at: new Date(r.at),
    };
  });
  await audit(ctx.db, actor, programId, "aid_fund.read", fundId);
  return { fund, lines, contributions, aidPaid, aidReversed };
}

export interface FundReconciliation {
  readonly fundId: string;
  /** The balance the fund row holds. */
  readonly balance: Fen;
  /** Σ legs debiting cash − Σ legs crediting cash. */
  readonly fromEntries: Fen;
  /** Per account: Σ debits − Σ credits (cash + contributions + aid = 0: every leg is double-entry). */
  readonly accounts: Readonly<Record<FundAccount, Fen>>;
  /** Journals whose legs do not add up to the journal's amount, or that touch another fund (none expected). */
  readonly brokenJournals: number;
  readonly ok: boolean;
}

/** Proves balance = Σ entries for one fund, from the legs alone. */
export async function reconcileFund(
  q: Queryable,
  programId: string,
  fundId: string,
): Promise<FundReconciliation> {
  const rows = await q.query<{
    balance_fen: string | number;
    cash: string | number;
    contributions: string | number;
    aid: string | number;
    broken: string | number;
  }>(
    `select f.balance_fen,
            coalesce((select sum(case when e.debit_account = 'cash' then e.amount_fen else 0 end)
                           - sum(case when e.credit_account = 'cash' then e.amount_fen else 0 end)
                        from aid_fund_entries e where e.program_id = f.program_id and e.fund_id = f.fund_id), 0) as cash,
            coalesce((select sum(case when e.debit_account = 'contributions' then e.amount_fen else 0 end)
                           - sum(case when e.credit_account = 'contributions' then e.amount_fen else 0 end)
                        from aid_fund_entries e where e.program_id = f.program_id and e.fund_id = f.fund_id), 0) as contributions,
            coalesce((select sum(case when e.debit_account = 'aid' then e.amount_fen else 0 end)
                           - sum(case when e.credit_account = 'aid' then e.amount_fen else 0 end)
                        from aid_fund_entries e where e.program_id = f.program_id and e.fund_id = f.fund_id), 0) as aid,
            (select count(*) from aid_fund_journals j
              where j.program_id = f.program_id and j.fund_id = f.fund_id
                and j.amount_fen <> coalesce((select sum(e.amount_fen) from aid_fund_entries e
                                               where e.program_id = j.program_id and e.journal_id = j.journal_id
                                                 and e.fund_id = j.fund_id), 0)) as broken
       from aid_funds f where f.program_id = $1 and f.fund_id = $2`,
    [programId, fundId],
  );
  const r = rows[0];
  if (r === undefined) throw notFound(`救助基金 ${fundId}`, "fund_id");
  const accounts = { cash: Number(r.cash), contributions: Number(r.contributions), aid: Number(r.aid) };
  const balance = Number(r.balance_fen);
  const brokenJournals = Number(r.broken);
  return {
    fundId,
    balance,
    fromEntries: accounts.cash,
    accounts,
    brokenJournals,
    ok:
      balance === accounts.cash &&
      accounts.cash + accounts.contributions + accounts.aid === 0 &&
      brokenJournals === 0 &&
      balance >= 0,
  };
}
