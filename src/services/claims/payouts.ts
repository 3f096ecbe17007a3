/**
 * Payout batches (赔款划付, issue 4 item 5). Settling a claim books what the program owes (claim_payout:
 * expense → payable to the hospital or the resident); a batch pays it: every settled claim of one payee kind
 * up to a Beijing day that is in no batch yet, one disbursement journal (payable → asset:claims_bank).
 *
 * Revoked claims. A claim revoked before any batch took it nets to zero on the payable account and is never
 * paid. A claim revoked after its batch was paid has left the bank: its reversal leaves the payee owing it
 * back. The next batch takes it as a recovery item, netted off the same payee's payouts. A payee whose
 * recoveries meet or exceed its payouts is held over: none of its claims enter the batch (no money moves
 * towards or from it) and it is reported under `held`, so recovery waits for the payee's next payouts or is
 * collected outside the platform. Only money that actually leaves the bank is journalled.
 *
 * A claim is paid out in at most one batch and recovered in at most one (primary key of
 * payout_batch_claims); batch creation is serialized per program by an advisory lock, so two concurrent
 * requests cannot both take a claim.
 */
import type { Queryable, SqlParam } from "../../db/database.js";
import { beijingDayStart } from "../../domain/ledger.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { formatBusinessTime } from "../../domain/time.js";
import { PAYEE_LABELS } from "../../domain/vocabulary.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { postJournal } from "../ledger.js";
import {
  dayRange,
  Filter,
  type ListStatement,
  orderBy,
  pageFields,
  pageSpec,
  selectAll,
  selectPage,
} from "../paging.js";
import { loadProgram } from "../programs.js";
import { cells, type ExportColumn, tableXlsx } from "../table-export.js";
import type { Payee } from "./settle.js";

const DAY_MS = 24 * 3600_000;

export type Direction = "payout" | "recovery";

export interface BatchClaimView {
  setl_id: string;
  direction: Direction;
  amount_fen: Fen;
}

/** One payee's line: `fixmedins_code` in hospital batches, `psn_no` in resident batches. */
export interface BatchItemView {
  fixmedins_code?: string;
  psn_no?: string;
  /** Paid out minus recovered: what the bank transfers to this payee. */
  amount_fen: Fen;
  paid_out_fen: Fen;
  recovered_fen: Fen;
  claims: BatchClaimView[];
}

export interface PayoutBatchSummary {
  batch_id: string;
  program_id: string;
  payee: Payee;
  through: string;
  total_fen: Fen;
  payees: number;
  claims: number;
  created_by: string;
  created_at: string;
}

export interface PayoutBatchView extends PayoutBatchSummary {
  journal_id: string;
  items: BatchItemView[];
}

export interface HeldPayee {
  payee_ref: string;
  /** Recoveries minus payouts: what the payee still owes (0 when they cancel out exactly). */
  owed_fen: Fen;
  claims: number;
}

export interface CreatedBatch extends PayoutBatchView {
  held: HeldPayee[];
}

const payableAccount = (payee: Payee) =>
  payee === "hospital" ? "liability:claims_payable_hospital" : "liability:claims_payable_resident";

export const disbursementJournalId = (batchId: string) => `disbursement:${batchId}`;

const payeeKey = (payee: Payee) => (payee === "hospital" ? "fixmedins_code" : "psn_no");

function parsePayee(value: unknown): Payee {
  if (value !== "hospital" && value !== "resident")
    throw new ServiceError("invalid", "invalid_value", "payee 应为 resident 或 hospital", "payee");
  return value;
}

/** `through` as a Beijing day → the instant after it; refused when not a date or later than today. */
function throughEnd(through: unknown, now: Date): Date {
  const start = typeof through === "string" ? beijingDayStart(through) : undefined;
  if (start === undefined)
    throw new ServiceError("invalid", "invalid_value", "through 应为 yyyy-mm-dd（北京时间）日期", "through");
  const today = formatBusinessTime(now.getTime()).slice(0, 10);
  if ((through as string) > today)
    throw new ServiceError("invalid", "invalid_value", `through 不能晚于今天 ${today}`, "through");
  return new Date(start.getTime() + DAY_MS);
}

interface Candidate {
  setl_id: string;
  payee_ref: string;
  amount_fen: number;
  direction: Direction;
}

async function candidates(tx: Queryable, programId: string, payee: Payee, end: Date): Promise<Candidate[]> {
  const ref = payee === "hospital" ? "c.fixmedins_code" : "c.psn_no";
  return tx.query<Candidate>(
    `select c.setl_id, ${ref} as payee_ref, c.hmb_pay_fen as amount_fen, 'payout' as direction
       from claims c
      where c.program_id = $1 and c.payee = $2 and c.state = 'settled' and c.hmb_pay_fen > 0 and c.created_at < $3
        and not exists (select 1 from payout_batch_claims b
                         where b.program_id = c.program_id and b.setl_id = c.setl_id and b.direction = 'payout')
     union all
     select c.setl_id, ${ref}, c.hmb_pay_fen, 'recovery'
       from claims c
       join payout_batch_claims p on p.program_id = c.program_id and p.setl_id = c.setl_id and p.direction = 'payout'
      where c.program_id = $1 and c.payee = $2 and c.state = 'revoked' and c.revoked_at < $3
        and not exists (select 1 from payout_batch_claims b
                         where b.program_id = c.program_id and b.setl_id = c.setl_id and b.direction = 'recovery')
      order by 2, 1, 4`,
    [programId, payee, end],
  );
}

interface PayeeTotals {
  payout: Fen;
  recovery: Fen;
  rows: Candidate[];
}

function byPayee(rows: readonly Candidate[]): Map<string, PayeeTotals> {
  const out = new Map<string, PayeeTotals>();
  for (const r of rows) {
    const amount = Number(r.amount_fen);
    const t = out.get(r.payee_ref) ?? { payout: 0, recovery: 0, rows: [] };
    if (r.direction === "payout") t.payout += amount;
    else t.recovery += amount;
    t.rows.push({ ...r, amount_fen: amount });
    out.set(r.payee_ref, t);
  }
  return out;
}

const INSERT_CHUNK = 500;

async function insertBatchClaims(
  tx: Queryable,
  programId: string,
  batchId: string,
  rows: readonly Candidate[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const params: SqlParam[] = [];
    const values: string[] = [];
    for (const r of rows.slice(i, i + INSERT_CHUNK)) {
      const b = params.length;
      values.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6})`);
      params.push(programId, r.setl_id, r.direction, batchId, r.payee_ref, r.amount_fen);
    }
    await tx.query(
      `insert into payout_batch_claims (program_id, setl_id, direction, batch_id, payee_ref, amount_fen)
       values ${values.join(", ")}`,
      params,
    );
  }
}

function itemsOf(payee: Payee, rows: readonly Candidate[]): BatchItemView[] {
  const items: BatchItemView[] = [];
  for (const [ref, t] of byPayee(rows)) {
    items.push({
      [payeeKey(payee)]: ref,
      amount_fen: t.payout - t.recovery,
      paid_out_fen: t.payout,
      recovered_fen: t.recovery,
      claims: t.rows.map((r) => ({
        setl_id: r.setl_id,
        direction: r.direction,
        amount_fen: r.amount_fen,
      })),
    });
  }
  return items;
}

export async function createPayoutBatch(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { payee: unknown; through: unknown },
): Promise<CreatedBatch> {
  const payee = parsePayee(input.payee);
  const now = ctx.clock.now();
  const end = throughEnd(input.through, now);
  const through = input.through as string;
  await loadProgram(ctx, programId);
  return ctx.db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263009))", [
      `payout-batch:${programId.length}:${programId}`,
    ]);
    const totals = byPayee(await candidates(tx, programId, payee, end));
    const included: Candidate[] = [];
    const held: HeldPayee[] = [];
    let total = 0;
    for (const [ref, t] of totals) {
      const net = t.payout - t.recovery;
      if (net > 0) {
        included.push(...t.rows);
        total += net;
      } else {
        held.push({ payee_ref: ref, owed_fen: t.recovery - t.payout, claims: t.rows.length });
      }
    }
    if (included.length === 0) {
      throw new ServiceError(
        "unprocessable",
        "nothing_to_disburse",
        held.length === 0
          ? `截至 ${through} 没有待划付的赔款`
          : `截至 ${through} 没有待划付的赔款（${held.length} 个收款方应退款不少于应付款，暂缓）`,
        "through",
      );
    }
    const next = await tx.query<{ n: number }>(
      "select coalesce(max(batch_no), 0)::int + 1 as n from payout_batches where program_id = $1",
      [programId],
    );
    const batchNo = Number(next[0]?.n ?? 1);
    const batchId = `PB${String(batchNo).padStart(6, "0")}`;
    await tx.query(
      `insert into payout_batches (program_id, batch_id, batch_no, payee, through_day, total_fen, created_by, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [programId, batchId, batchNo, payee, through, total, actor.id, now],
    );
    await insertBatchClaims(tx, programId, batchId, included);
    await postJournal(tx, {
      programId,
      journalId: disbursementJournalId(batchId),
      kind: "claim_disbursement",
      ref: batchId,
      at: now,
      legs: [{ debit: payableAccount(payee), credit: "asset:claims_bank", amount: total }],
    });
    const items = itemsOf(payee, included);
    // The audit detail keeps the yuan string it has always recorded (audit text is not a wire format).
    await audit(tx, actor, programId, "payout_batch.create", batchId, {
      payee,
      through,
      total: formatYuan(total),
      payees: items.length,
      held: held.length,
    });
    return {
      batch_id: batchId,
      program_id: programId,
      payee,
      through,
      total_fen: total,
      payees: items.length,
      claims: included.length,
      created_by: actor.id,
      created_at: now.toISOString(),
      journal_id: disbursementJournalId(batchId),
      items,
      held,
    };
  });
}

interface BatchRow {
  batch_id: string;
  payee: Payee;
  through_day: string;
  total_fen: number;
  created_by: string;
  created_at: Date;
  payees: number;
  claims: number;
}

function summaryOf(programId: string, r: BatchRow): PayoutBatchSummary {
  return {
    batch_id: r.batch_id,
    program_id: programId,
    payee: r.payee,
    through: r.through_day,
    total_fen: Number(r.total_fen),
    payees: Number(r.payees),
    claims: Number(r.claims),
    created_by: r.created_by,
    created_at: new Date(r.created_at).toISOString(),
  };
}

const BATCH_COLUMNS = `p.batch_id, p.payee, p.through_day, p.total_fen, p.created_by, p.created_at,
         (select count(distinct payee_ref) from payout_batch_claims b
           where b.program_id = p.program_id and b.batch_id = p.batch_id)::int as payees,
         (select count(*) from payout_batch_claims b
           where b.program_id = p.program_id and b.batch_id = p.batch_id)::int as claims`;
const BATCH_SELECT = `select ${BATCH_COLUMNS} from payout_batches p`;

export interface BatchListQuery {
  payee?: string | undefined;
  /** Beijing days of creation, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** desc: newest first (default oldest first, by batch number). */
  order?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

function batchStatement(programId: string, query: BatchListQuery): ListStatement {
  if (query.payee !== undefined && query.payee !== "hospital" && query.payee !== "resident")
    throw new ServiceError("invalid", "invalid_value", `未知的收款方 ${query.payee}`, "payee");
  return {
    select: BATCH_COLUMNS,
    from: "payout_batches p",
    filter: new Filter()
      .eq("p.program_id", programId)
      .eq("p.payee", query.payee)
      .between("p.created_at", dayRange(query.from, query.to)),
    order: orderBy(
      { columns: { batch_no: "p.batch_no" }, byDefault: "batch_no", order: "asc", tieBreak: "p.batch_id" },
      undefined,
      query.order,
    ),
  };
}

/**
 * The batches without their items; still a read of what was paid to whom and when, so it is audited. Paged
 * when page or page_size is given; otherwise every batch (as before paging), in batch order.
 */
export async function listPayoutBatches(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: BatchListQuery = {},
): Promise<{ batches: PayoutBatchSummary[]; total: number; page: number; page_size: number }> {
  await loadProgram(ctx, programId);
  const s = batchStatement(programId, query);
  let rows: BatchRow[];
  let fields: { total: number; page: number; page_size: number };
  if (query.page !== undefined || query.pageSize !== undefined) {
    const spec = pageSpec(query);
    const got = await selectPage<BatchRow>(ctx.db, s, spec);
    rows = got.rows;
    fields = pageFields(spec, got.total);
  } else {
    rows = await selectAll<BatchRow>(ctx.db, s, "划付批次");
    fields = { total: rows.length, page: 1, page_size: rows.length };
  }
  await audit(ctx.db, actor, programId, "payout_batch.list", "*", { count: rows.length });
  return { batches: rows.map((r) => summaryOf(programId, r)), ...fields };
}

const BATCH_EXPORT: readonly ExportColumn<PayoutBatchSummary>[] = [
  { header: "批次号", width: 130, cell: (b) => cells.text(b.batch_id) },
  { header: "收款方", width: 70, cell: (b) => cells.label(PAYEE_LABELS, b.payee) },
  { header: "截至日期", width: 80, cell: (b) => cells.text(b.through) },
  { header: "收款方数", width: 60, cell: (b) => cells.int(b.payees) },
  { header: "理赔笔数", width: 60, cell: (b) => cells.int(b.claims) },
  { header: "划付合计（元）", width: 100, cell: (b) => cells.fen(b.total_fen) },
  { header: "生成人", width: 80, cell: (b) => cells.text(b.created_by) },
  { header: "生成时间", width: 120, cell: (b) => cells.time(b.created_at) },
];

/** The filtered batches as Excel (no items, no person's data); audited once. */
export async function payoutBatchesXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<BatchListQuery, "page" | "pageSize">,
): Promise<Buffer> {
  await loadProgram(ctx, programId);
  const rows = (await selectAll<BatchRow>(ctx.db, batchStatement(programId, query), "划付批次")).map((r) =>
    summaryOf(programId, r),
  );
  await audit(ctx.db, actor, programId, "payout_batch.export", "*", {
    payee: query.payee ?? null,
    count: rows.length,
  });
  return tableXlsx({ sheet: "划付批次", columns: BATCH_EXPORT, rows, now: ctx.clock.now() });
}

/** A batch with its items; resident batches name persons (psn_no), so every read is audited. */
export async function getPayoutBatch(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  batchId: string,
): Promise<PayoutBatchView> {
  const rows = await ctx.db.query<BatchRow>(`${BATCH_SELECT} where p.program_id = $1 and p.batch_id = $2`, [
    programId,
    batchId,
  ]);
  const row = rows[0];
  if (row === undefined) throw notFound(`划付批次 ${batchId}`, "batch_id");
  const claims = await ctx.db.query<Candidate>(
    `select setl_id, payee_ref, amount_fen, direction from payout_batch_claims
      where program_id = $1 and batch_id = $2 order by payee_ref, setl_id, direction`,
    [programId, batchId],
  );
  await audit(ctx.db, actor, programId, "payout_batch.read", batchId);
  return {
    ...summaryOf(programId, row),
    journal_id: disbursementJournalId(batchId),
    items: itemsOf(row.payee, claims),
  };
}
