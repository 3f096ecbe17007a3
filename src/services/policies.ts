/**
 * Policies: issued when paid (pending_effective before coverage start, active after), every state change an
 * event row in policy_events, readable by the owner (insured or payer) and by staff, with an audit row for
 * every read. Only the insured themself sees their full ID number: the payer of a relative's policy, staff
 * and certificates show it masked. Cancellation: full refund before the effective date, cash value after
 * (seed 000), quoted before it is confirmed, refunded through the original channel.
 */
import { randomInt } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { maskCertno } from "../domain/certno.js";
import { type Fen, formatYuan } from "../domain/money.js";
import { type RefundQuote, refundQuote } from "../domain/refund.js";
import { formatBusinessTime } from "../domain/time.js";
import { decrypt } from "../platform/crypto.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import { type Channel, processRefunds, requestRefund } from "./payments/refunds.js";
import { loadProgram, productOf } from "./programs.js";

export type PolicyStatus = "pending_payment" | "pending_effective" | "active" | "cancelled";

export interface PolicyRow {
  program_id: string;
  policy_no: string;
  psn_no: string;
  plan_id: string;
  enrollment_id: string;
  enrollment_kind: string;
  relation: string;
  payer_psn_no: string | null;
  unit_code: string | null;
  pool_id: string | null;
  premium_fen: number;
  premium_rule: string;
  status: PolicyStatus;
  coverage_start: Date;
  coverage_end: Date;
  verification_code: string;
  paid_order_no: string | null;
  paid_channel: Channel | null;
  issued_at: Date | null;
  cancelled_at: Date | null;
  refund_fen: number | null;
}

const POLICY_COLUMNS = `program_id, policy_no, psn_no, plan_id, enrollment_id, enrollment_kind, relation, payer_psn_no,
  unit_code, pool_id, premium_fen, premium_rule, status, coverage_start, coverage_end, verification_code,
  paid_order_no, paid_channel, issued_at, cancelled_at, refund_fen`;

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** 16 characters from a 32-letter alphabet without look-alikes: 80 bits of randomness. */
export function newVerificationCode(): string {
  let s = "";
  for (let i = 0; i < 16; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

export async function nextPolicyNo(tx: Queryable, programId: string): Promise<string> {
  const rows = await tx.query<{ next_no: number }>(
    `insert into policy_counters (program_id, next_no) values ($1, 1)
     on conflict (program_id) do update set next_no = policy_counters.next_no + 1 returning next_no`,
    [programId],
  );
  return `${programId}-${String(Number(rows[0]?.next_no)).padStart(8, "0")}`;
}

export async function addPolicyEvent(
  tx: Queryable,
  programId: string,
  policyNo: string,
  event: string,
  actor: string,
  at: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `insert into policy_events (program_id, policy_no, seq, event, actor, at, data)
     select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6 from policy_events where program_id = $1 and policy_no = $2`,
    [programId, policyNo, event, actor, at, JSON.stringify(data)],
  );
}

/** The status as of `now`: an issued policy becomes active at coverage start. */
export function statusAt(row: Pick<PolicyRow, "status" | "coverage_start">, now: Date): PolicyStatus {
  if (row.status === "pending_effective" && now.getTime() >= new Date(row.coverage_start).getTime())
    return "active";
  return row.status;
}

/** Issues a locked, unpaid policy paid by `order`. */
export async function issuePolicyTx(
  tx: Queryable,
  programId: string,
  policyNo: string,
  order: { order_no: string; channel: Channel },
  at: Date,
  actor: string,
): Promise<void> {
  const rows = await tx.query<{ coverage_start: Date }>(
    "select coverage_start from policies where program_id = $1 and policy_no = $2",
    [programId, policyNo],
  );
  const start = new Date(rows[0]?.coverage_start as Date);
  const status: PolicyStatus = at.getTime() < start.getTime() ? "pending_effective" : "active";
  await tx.query(
    `update policies set status = $3, paid_order_no = $4, paid_channel = $5, issued_at = $6
      where program_id = $1 and policy_no = $2`,
    [programId, policyNo, status, order.order_no, order.channel, at],
  );
  await addPolicyEvent(tx, programId, policyNo, "issued", actor, at, {
    status,
    order_no: order.order_no,
    channel: order.channel,
  });
}

export async function loadPolicyRow(q: Queryable, programId: string, policyNo: string): Promise<PolicyRow> {
  const rows = await q.query<PolicyRow>(
    `select ${POLICY_COLUMNS} from policies where program_id = $1 and policy_no = $2`,
    [programId, policyNo],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`保单 ${policyNo}`, "policy_no");
  return row;
}

export function isOwner(actor: Actor, row: Pick<PolicyRow, "psn_no" | "payer_psn_no">): boolean {
  return (
    actor.role === "resident" &&
    actor.psnNo !== undefined &&
    (actor.psnNo === row.psn_no || actor.psnNo === row.payer_psn_no)
  );
}

const STAFF_READERS = new Set(["operator", "admin", "co_insurer", "bureau"]);

/** Owner, operator/admin, co-insurer, bureau may read; anyone else gets 404 (no probing for policy numbers). */
export function assertCanRead(actor: Actor, row: PolicyRow): void {
  if (isOwner(actor, row) || STAFF_READERS.has(actor.role)) return;
  throw notFound(`保单 ${row.policy_no}`, "policy_no");
}

export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return "*";
  return `${chars[0]}${"*".repeat(chars.length - 1)}`;
}

interface PersonRow {
  psn_name: string;
  certno_enc: Uint8Array;
  certno_masked: string;
}

async function personOf(q: Queryable, programId: string, psnNo: string): Promise<PersonRow | undefined> {
  const rows = await q.query<PersonRow>(
    "select psn_name, certno_enc, certno_masked from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  return rows[0];
}

export interface PolicyView {
  program_id: string;
  policy_no: string;
  status: PolicyStatus;
  plan: string;
  plan_name: string;
  product_name: string;
  psn_no: string;
  psn_name: string;
  certno: string;
  relation: string;
  enrollment_kind: string;
  payer_psn_no: string | null;
  unit_code: string | null;
  charity_pool: string | null;
  premium_fen: Fen;
  premium_rule: string;
  coverage_start: string;
  coverage_end: string;
  paid_channel: string | null;
  issued_at: string | null;
  cancelled_at: string | null;
  refund_fen: Fen | null;
  verification_code?: string;
  events?: { seq: number; event: string; actor: string; at: string; data: unknown }[];
}

/**
 * owner: the insured themself (full ID number); payer: the resident who pays for a relative (name in full,
 * ID number masked); staff: operator/admin (ID number masked); masked: bureau, co-insurer, public checks.
 */
export type ViewMode = "owner" | "payer" | "staff" | "masked";

export async function policyView(ctx: PlatformContext, row: PolicyRow, mode: ViewMode): Promise<PolicyView> {
  const program = await loadProgram(ctx, row.program_id);
  const product = productOf(program);
  const plan = product.plans.find((p) => p.id === row.plan_id);
  const person = await personOf(ctx.db, row.program_id, row.psn_no);
  const name = person?.psn_name ?? "";
  const certno =
    person === undefined
      ? ""
      : mode === "owner"
        ? decrypt(ctx.keys, person.certno_enc)
        : person.certno_masked;
  const t = (d: Date | null) => (d === null ? null : formatBusinessTime(new Date(d).getTime()));
  return {
    program_id: row.program_id,
    policy_no: row.policy_no,
    status: statusAt(row, ctx.clock.now()),
    plan: row.plan_id,
    plan_name: plan?.name ?? row.plan_id,
    product_name: product.name,
    psn_no: mode === "masked" ? maskCertno(row.psn_no) : row.psn_no,
    psn_name: mode === "masked" ? maskName(name) : name,
    certno: mode === "owner" ? certno : maskCertno(certno),
    relation: row.relation,
    enrollment_kind: row.enrollment_kind,
    payer_psn_no: row.payer_psn_no === null || mode === "masked" ? null : row.payer_psn_no,
    unit_code: row.unit_code,
    charity_pool: row.pool_id,
    premium_fen: Number(row.premium_fen),
    premium_rule: row.premium_rule,
    coverage_start: t(row.coverage_start) as string,
    coverage_end: t(row.coverage_end) as string,
    paid_channel: row.paid_channel,
    issued_at: t(row.issued_at),
    cancelled_at: t(row.cancelled_at),
    refund_fen: row.refund_fen === null ? null : Number(row.refund_fen),
    ...(mode === "masked" || row.issued_at === null ? {} : { verification_code: row.verification_code }),
  };
}

function modeFor(actor: Actor, row: PolicyRow): ViewMode {
  if (actor.role === "resident" && actor.psnNo !== undefined && actor.psnNo === row.psn_no) return "owner";
  if (isOwner(actor, row)) return "payer";
  if (actor.role === "operator" || actor.role === "admin") return "staff";
  return "masked";
}

export async function getPolicy(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  policyNo: string,
): Promise<PolicyView> {
  const row = await loadPolicyRow(ctx.db, programId, policyNo);
  assertCanRead(actor, row);
  const mode = modeFor(actor, row);
  const view = await policyView(ctx, row, mode);
  if (mode !== "masked") {
    const events = await ctx.db.query<{ seq: number; event: string; actor: string; at: Date; data: unknown }>(
      "select seq, event, actor, at, data from policy_events where program_id = $1 and policy_no = $2 order by seq",
      [programId, policyNo],
    );
    view.events = events.map((e) => ({
      seq: e.seq,
      event: e.event,
      actor: e.actor,
      at: formatBusinessTime(new Date(e.at).getTime()),
      data: e.data,
    }));
  }
  await audit(ctx.db, actor, programId, "policy.read", policyNo, { psn_no: row.psn_no, mode });
  return view;
}

/** For certificates: the owner's or staff view of an issued policy. */
export async function certificatePolicy(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  policyNo: string,
): Promise<PolicyView> {
  const row = await loadPolicyRow(ctx.db, programId, policyNo);
  assertCanRead(actor, row);
  if (row.issued_at === null) {
    throw new ServiceError("conflict", "not_issued", `保单 ${policyNo} 尚未出单（待支付）`, "policy_no");
  }
  const mode = modeFor(actor, row);
  const view = await policyView(ctx, row, mode === "masked" ? "masked" : "staff");
  if (mode !== "owner") view.verification_code = row.verification_code;
  await audit(ctx.db, actor, programId, "policy.certificate", policyNo, { psn_no: row.psn_no, mode });
  return view;
}

/** Public verification of a certificate: masked data only; every lookup is audited. */
export async function verifyCertificate(
  ctx: PlatformContext,
  code: string,
): Promise<{ valid: true; policy: Record<string, unknown> }> {
  if (!/^[A-Z2-9]{16}$/.test(code))
    throw new ServiceError("invalid", "invalid_value", "验证码格式不正确", "code");
  const rows = await ctx.db.query<PolicyRow>(
    `select ${POLICY_COLUMNS} from policies where verification_code = $1 and issued_at is not null`,
    [code],
  );
  const row = rows[0];
  if (row === undefined) throw notFound("保单验证码", "code");
  const view = await policyView(ctx, row, "masked");
  await audit(
    ctx.db,
    { id: "public", role: "resident", programId: row.program_id },
    row.program_id,
    "policy.verify",
    row.policy_no,
    {},
  );
  return {
    valid: true,
    policy: {
      program_id: view.program_id,
      product_name: view.product_name,
      policy_no: view.policy_no,
      status: view.status,
      plan_name: view.plan_name,
      psn_name: view.psn_name,
      certno: view.certno,
      coverage_start: view.coverage_start,
      coverage_end: view.coverage_end,
    },
  };
}

export interface CancelQuote {
  policy_no: string;
  status: PolicyStatus;
  premium_fen: Fen;
  refund_fen: Fen;
  kind: RefundQuote["kind"] | "unpaid";
  total_days: number;
  remaining_days: number;
  explanation: string;
  channel: string | null;
}

function assertCanCancel(actor: Actor, row: PolicyRow): void {
  if (isOwner(actor, row) || actor.role === "operator" || actor.role === "admin") return;
  if (STAFF_READERS.has(actor.role)) throw new ServiceError("forbidden", "forbidden", "无权退保", undefined);
  throw notFound(`保单 ${row.policy_no}`, "policy_no");
}

function quoteFor(
  ctx: PlatformContext,
  row: PolicyRow,
  rule: "unearned_pro_rata_by_day" | "none",
): CancelQuote {
  const now = ctx.clock.now();
  const base = {
    policy_no: row.policy_no,
    status: statusAt(row, now),
    premium_fen: Number(row.premium_fen),
    channel: row.paid_channel === "charity" ? `charity:${row.pool_id}` : row.paid_channel,
  };
  if (row.paid_order_no === null) {
    return {
      ...base,
      refund_fen: 0,
      kind: "unpaid",
      total_days: 0,
      remaining_days: 0,
      explanation: "未支付，撤销投保无需退费",
    };
  }
  const q = refundQuote(
    Number(row.premium_fen),
    { start: new Date(row.coverage_start).getTime(), end: new Date(row.coverage_end).getTime() },
    now.getTime(),
    rule,
  );
  return {
    ...base,
    refund_fen: q.amount,
    kind: q.kind,
    total_days: q.totalDays,
    remaining_days: q.remainingDays,
    explanation: q.explanation,
  };
}

export async function cancelQuote(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  policyNo: string,
): Promise<CancelQuote> {
  const row = await loadPolicyRow(ctx.db, programId, policyNo);
  assertCanCancel(actor, row);
  if (row.status === "cancelled")
    throw new ServiceError("conflict", "already_cancelled", `保单 ${policyNo} 已退保`, "policy_no");
  const product = productOf(await loadProgram(ctx, programId));
  await audit(ctx.db, actor, programId, "policy.cancel_quote", policyNo, {});
  return quoteFor(ctx, row, product.refund.afterEffective);
}

/**
 * Cancels a policy. `expectedRefundFen` (from the quote shown to the resident) must match the refund computed
 * now, so nobody confirms an amount they were not shown.
 */
export async function cancelPolicy(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  policyNo: string,
  input: { reason?: string | undefined; expectedRefundFen?: number | undefined },
): Promise<CancelQuote & { refund_no: string | null }> {
  const product = productOf(await loadProgram(ctx, programId));
  const result = await ctx.db.transaction(async (tx) => {
    const locked = await tx.query<PolicyRow>(
      `select ${POLICY_COLUMNS} from policies where program_id = $1 and policy_no = $2 for update`,
      [programId, policyNo],
    );
    const row = locked[0];
    if (row === undefined) throw notFound(`保单 ${policyNo}`, "policy_no");
    assertCanCancel(actor, row);
    if (row.status === "cancelled")
      throw new ServiceError("conflict", "already_cancelled", `保单 ${policyNo} 已退保`, "policy_no");
    const quote = quoteFor(ctx, row, product.refund.afterEffective);
    if (input.expectedRefundFen !== undefined && input.expectedRefundFen !== quote.refund_fen) {
      throw new ServiceError(
        "conflict",
        "quote_changed",
        `退费金额已变为 ${formatYuan(quote.refund_fen)} 元，请重新确认`,
        "expected_refund_fen",
      );
    }
    const at = ctx.clock.now();
    await tx.query(
      "update policies set status = 'cancelled', cancelled_at = $3, refund_fen = $4 where program_id = $1 and policy_no = $2",
      [programId, policyNo, at, quote.refund_fen],
    );
    let refundNo: string | undefined;
    if (row.paid_order_no !== null && row.paid_channel !== null && quote.refund_fen > 0) {
      refundNo = await requestRefund(tx, {
        programId,
        orderNo: row.paid_order_no,
        policyNo,
        channel: row.paid_channel,
        amount: quote.refund_fen,
        reason: "cancellation",
        at,
      });
    }
    await addPolicyEvent(tx, programId, policyNo, "cancelled", actor.id, at, {
      reason: input.reason ?? null,
      refund_fen: quote.refund_fen,
      kind: quote.kind,
      refund_no: refundNo ?? null,
      remaining_days: quote.remaining_days,
      total_days: quote.total_days,
    });
    await audit(tx, actor, programId, "policy.cancel", policyNo, { refund_fen: quote.refund_fen });
    return { ...quote, status: "cancelled" as const, refund_no: refundNo ?? null };
  });
  if (result.refund_no !== null) await processRefunds(ctx, programId);
  return result;
}
