/**
 * Aid payments on claims (aid_payments): written exactly once per (program, setl_id, aid program) — the table's
 * key — from the aid program's own ring-fenced fund (services/aid/funds.ts payAidFromFund), and reversed exactly
 * once when the claim is revoked (reverseAidToFund: the money goes back to the fund).
 *
 * Every write of aid in a program runs under one lock (`lockAid`): the match after a settlement, the nightly
 * sweep, an approved application and a revocation. So a person's per-year caps, a program's budget, a fund's
 * balance and a claim's residual are each read and consumed by one writer at a time, and a revocation can never
 * slip between a match's read of the claim and its payment. Settlement itself never takes this lock.
 */
import type { Queryable } from "../../db/database.js";
import type { Fen } from "../../domain/money.js";
import { audit } from "../audit.js";
import type { Actor } from "../context.js";
import { notify } from "../notifications.js";
import { payAidFromFund, reverseAidToFund } from "./funds.js";

/** Serializes every aid write of one program for the length of the transaction. */
export async function lockAid(tx: Queryable, programId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263023))", [
    `aid:${programId.length}:${programId}`,
  ]);
}

/** The fund journal's ref of a claim's first payment by an aid program. */
export function paymentRef(setlId: string, aidProgramId: string): string {
  return `${setlId}:${aidProgramId}`;
}

export interface AidPaymentRow {
  setl_id: string;
  aid_program_id: string;
  version: number;
  fund_id: string;
  psn_no: string;
  mode: "automatic" | "application";
  amount_fen: number;
  queued_fen: number;
  threshold_used_fen: number;
  fund_refs: string[];
  state: "paid" | "revoked";
  queued_at: Date | null;
}

const PAYMENT_COLUMNS =
  "setl_id, aid_program_id, version, fund_id, psn_no, mode, amount_fen, queued_fen, threshold_used_fen, fund_refs, state, queued_at";

function rowOf(r: AidPaymentRow): AidPaymentRow {
  return {
    ...r,
    version: Number(r.version),
    amount_fen: Number(r.amount_fen),
    queued_fen: Number(r.queued_fen),
    threshold_used_fen: Number(r.threshold_used_fen),
    fund_refs: typeof r.fund_refs === "string" ? JSON.parse(r.fund_refs) : r.fund_refs,
  };
}

/** The aid payments of these claims (any state). */
export async function paymentsOf(
  q: Queryable,
  programId: string,
  setlIds: readonly string[],
): Promise<AidPaymentRow[]> {
  const rows = await q.query<AidPaymentRow>(
    `select ${PAYMENT_COLUMNS} from aid_payments where program_id = $1 and setl_id = any($2::text[])`,
    [programId, [...setlIds]],
  );
  return rows.map(rowOf);
}

/** Every live payment of these persons (their per-year usage of each aid program). */
export async function paymentsOfPersons(
  q: Queryable,
  programId: string,
  psnNos: readonly string[],
): Promise<AidPaymentRow[]> {
  const rows = await q.query<AidPaymentRow>(
    `select ${PAYMENT_COLUMNS} from aid_payments
      where program_id = $1 and psn_no = any($2::text[]) and state = 'paid'`,
    [programId, [...psnNos]],
  );
  return rows.map(rowOf);
}

/** Σ paid + queued per aid program (all versions): what its budget has committed. */
export async function committedByAidProgram(q: Queryable, programId: string): Promise<Map<string, Fen>> {
  const rows = await q.query<{ aid_program_id: string; committed: string | number }>(
    `select aid_program_id, sum(amount_fen + queued_fen) as committed from aid_payments
      where program_id = $1 and state = 'paid' group by aid_program_id`,
    [programId],
  );
  return new Map(rows.map((r) => [r.aid_program_id, Number(r.committed)]));
}

export interface NewAidPayment {
  readonly programId: string;
  readonly setlId: string;
  readonly psnNo: string;
  readonly aidProgramId: string;
  readonly version: number;
  readonly fundId: string;
  readonly mode: "automatic" | "application";
  readonly amount: Fen;
  readonly queued: Fen;
  readonly thresholdUsed: Fen;
  readonly applicationId?: string | undefined;
  /** The aid program's name, for the person's notification. */
  readonly name: string;
}

/**
 * Records a payment and posts it to the fund, inside the caller's transaction (which holds `lockAid`). The row's
 * key makes it once per claim and aid program: false (nothing written) when the claim already has it.
 */
export async function recordAidPayment(
  tx: Queryable,
  actor: Actor,
  p: NewAidPayment,
  at: Date,
): Promise<boolean> {
  const ref = paymentRef(p.setlId, p.aidProgramId);
  const inserted = await tx.query(
    `insert into aid_payments (program_id, setl_id, aid_program_id, version, fund_id, psn_no, mode, amount_fen,
       queued_fen, threshold_used_fen, fund_refs, state, application_id, paid_at, queued_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'paid',$12,$13,$14)
     on conflict (program_id, setl_id, aid_program_id) do nothing returning 1`,
    [
      p.programId,
      p.setlId,
      p.aidProgramId,
      p.version,
      p.fundId,
      p.psnNo,
      p.mode,
      p.amount,
      p.queued,
      p.thresholdUsed,
      JSON.stringify(p.amount > 0 ? [ref] : []),
      p.applicationId ?? null,
      at,
      p.queued > 0 ? at : null,
    ],
  );
  if (inserted.length === 0) return false;
  if (p.amount > 0)
    await payAidFromFund(tx, {
      programId: p.programId,
      fundId: p.fundId,
      aidProgramId: p.aidProgramId,
      version: p.version,
      ref,
      amount: p.amount,
      at,
      by: actor.id,
    });
  await audit(tx, actor, p.programId, "aid.paid", p.setlId, {
    aid_program_id: p.aidProgramId,
    version: p.version,
    amount_fen: p.amount,
    queued_fen: p.queued,
    mode: p.mode,
  });
  if (p.amount > 0 || p.queued > 0)
    await notify(
      tx,
      {
        programId: p.programId,
        psnNo: p.psnNo,
        kind: p.amount > 0 ? "aid.paid" : "aid.queued",
        subject: p.setlId,
        title: p.amount > 0 ? `${p.name}已为您支付救助` : `${p.name}救助排队待付`,
        body:
          p.amount > 0
            ? `本次就医的剩余负担中，${p.name}已支付救助，可在“我可申请的救助”查看分层明细。`
            : `${p.name}本期额度已用尽，您的救助已登记排队，资金到位后按顺序支付。`,
        data: { aid_program_id: p.aidProgramId, amount_fen: p.amount, queued_fen: p.queued },
      },
      at,
    );
  return true;
}

/**
 * Pays (part of) a queued shortfall from the fund once it has money again. Each part gets its own fund ref, kept
 * in fund_refs so a revocation reverses every part.
 */
export async function payQueued(
  tx: Queryable,
  actor: Actor,
  programId: string,
  row: AidPaymentRow,
  amount: Fen,
  at: Date,
): Promise<void> {
  if (amount <= 0 || amount > row.queued_fen) throw new Error("queued payment out of range");
  const paid = row.amount_fen + amount;
  const ref = `${paymentRef(row.setl_id, row.aid_program_id)}:${paid}`;
  await payAidFromFund(tx, {
    programId,
    fundId: row.fund_id,
    aidProgramId: row.aid_program_id,
    version: row.version,
    ref,
    amount,
    at,
    by: actor.id,
  });
  await tx.query(
    `update aid_payments set amount_fen = $4, queued_fen = queued_fen - $5, fund_refs = fund_refs || $6::jsonb
      where program_id = $1 and setl_id = $2 and aid_program_id = $3`,
    [programId, row.setl_id, row.aid_program_id, paid, amount, JSON.stringify([ref])],
  );
  await audit(tx, actor, programId, "aid.queue_paid", row.setl_id, {
    aid_program_id: row.aid_program_id,
    amount_fen: amount,
  });
  await notify(
    tx,
    {
      programId,
      psnNo: row.psn_no,
      kind: "aid.paid",
      subject: row.setl_id,
      title: "排队的救助已支付",
      body: "救助基金资金到位，您排队待付的救助已支付。",
      data: { aid_program_id: row.aid_program_id, amount_fen: amount },
    },
    at,
  );
}

/**
 * Revocation of a claim (called inside revokeClaim's transaction): every live aid payment on it goes back to its
 * fund, exactly once (the fund's reversal journal per ref and the row's state); open applications on it are
 * withdrawn; its layers drop out of the person-year. Nothing to do (one indexed read) when it had no aid.
 */
export async function reverseClaimAid(
  tx: Queryable,
  actor: Actor,
  programId: string,
  setlId: string,
  at: Date,
): Promise<Fen> {
  await lockAid(tx, programId);
  const rows = (await paymentsOf(tx, programId, [setlId])).filter((r) => r.state === "paid");
  let reversed = 0;
  for (const r of rows) {
    for (const ref of r.fund_refs) {
      await reverseAidToFund(tx, {
        programId,
        fundId: r.fund_id,
        aidProgramId: r.aid_program_id,
        version: r.version,
        ref,
        at,
        by: actor.id,
      });
    }
    reversed += r.amount_fen;
    await tx.query(
      `update aid_payments set state = 'revoked', queued_fen = 0, revoked_at = $4
        where program_id = $1 and setl_id = $2 and aid_program_id = $3`,
      [programId, setlId, r.aid_program_id, at],
    );
    await audit(tx, actor, programId, "aid.reversed", setlId, {
      aid_program_id: r.aid_program_id,
      amount_fen: r.amount_fen,
    });
  }
  if (rows.length > 0) {
    const psnNo = (rows[0] as AidPaymentRow).psn_no;
    await notify(
      tx,
      {
        programId,
        psnNo,
        kind: "aid.reversed",
        subject: setlId,
        title: "结算撤销，相应救助已冲回",
        body: "医院撤销了这笔结算，其上的救助已退回救助基金；更正后的结算会重新匹配救助。",
        data: { amount_fen: reversed },
      },
      at,
    );
  }
  const open = await tx.query<{ application_id: string }>(
    `update aid_applications set state = 'withdrawn', updated_at = $3
      where program_id = $1 and setl_id = $2 and state in ('proposed', 'submitted', 'documents_requested')
      returning application_id`,
    [programId, setlId, at],
  );
  for (const a of open)
    await tx.query(
      `insert into aid_application_events (program_id, application_id, event, actor, at, data)
       values ($1,$2,'withdrawn',$3,$4,$5)`,
      [programId, a.application_id, actor.id, at, JSON.stringify({ reason: "claim_revoked" })],
    );
  await tx.query(
    `update claim_layers set state = 'revoked', aid_fen = 0, final_burden_fen = person_burden_fen - hmb_fen,
            computed_at = $3
      where program_id = $1 and setl_id = $2`,
    [programId, setlId, at],
  );
  return reversed;
}
