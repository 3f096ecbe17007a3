/**
 * 投保管理's list (issue 14): every enrollment of a program with its persons, premium, and its latest payment
 * order's status and expiry — what an operator chases when a unit or a family has not paid. Staff only
 * (payer psn_no is shown, no names); audited.
 */
import { PAY_STATUSES } from "../contract/unit-enrollment.js";
import type { Fen } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import { ENROLLMENT_KINDS, type EnrollmentKind } from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { PAYABLE_STATUSES } from "./payments/expiry.js";
import { loadProgram } from "./programs.js";

export type PayStatus = (typeof PAY_STATUSES)[number];

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

export interface EnrollmentListItem {
  enrollment_id: string;
  kind: EnrollmentKind;
  unit_code: string | null;
  pool_id: string | null;
  payer_psn_no: string | null;
  persons: number;
  premium_fen: Fen;
  channel: string;
  order_no: string | null;
  pay_status: PayStatus;
  expires_at: string | null;
  created_at: string;
}

export interface EnrollmentListQuery {
  kind?: string | undefined;
  payStatus?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

const bad = (message: string, field: string) => new ServiceError("invalid", "invalid_value", message, field);

export async function listEnrollments(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: EnrollmentListQuery,
): Promise<{
  program_id: string;
  total: number;
  limit: number;
  offset: number;
  enrollments: EnrollmentListItem[];
}> {
  if (actor.role !== "operator" && actor.role !== "admin")
    throw new ServiceError("forbidden", "forbidden", "只有经办人员可以查看投保记录", undefined);
  const limit = query.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw bad(`limit 须在 1 到 ${MAX_PAGE} 之间`, "limit");
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw bad("offset 须为非负整数", "offset");
  if (query.kind !== undefined && !(ENROLLMENT_KINDS as readonly string[]).includes(query.kind))
    throw bad(`未知的投保方式 ${query.kind}`, "kind");
  if (query.payStatus !== undefined && !(PAY_STATUSES as readonly string[]).includes(query.payStatus))
    throw bad(`未知的缴费状态 ${query.payStatus}`, "pay_status");
  await loadProgram(ctx, programId);
  const now = ctx.clock.now();
  // The latest order of each enrollment; an unpaid payable order past its expiry counts as expired, as
  // payments/expiry.ts isDue decides (the expiry sweep may not have run yet).
  const base = `
    select e.enrollment_id, e.kind, e.unit_code, e.pool_id, e.payer_psn_no, e.channel, e.created_at,
           o.order_no, o.expires_at,
           (select count(*) from policies p where p.program_id = e.program_id and p.enrollment_id = e.enrollment_id)::int as persons,
           (select coalesce(sum(p.premium_fen), 0) from policies p
             where p.program_id = e.program_id and p.enrollment_id = e.enrollment_id)::bigint as premium_fen,
           case when o.order_no is null then 'none'
                when o.status = any($4::text[]) and o.expires_at is not null and o.expires_at <= $3 then 'expired'
                else o.status end as pay_status
      from enrollments e
      left join lateral (
        select x.order_no, x.status, x.expires_at from payment_orders x where x.program_id = e.program_id and x.enrollment_id = e.enrollment_id
         order by x.created_at desc, x.order_no desc limit 1) o on true
     where e.program_id = $1 and ($2::text is null or e.kind = $2)`;
  const filter = "where ($5::text is null or pay_status = $5)";
  const params = [programId, query.kind ?? null, now, [...PAYABLE_STATUSES], query.payStatus ?? null];
  const [count] = await ctx.db.query<{ n: number }>(
    `select count(*)::int as n from (${base}) t ${filter}`,
    params,
  );
  const rows = await ctx.db.query<{
    enrollment_id: string;
    kind: EnrollmentKind;
    unit_code: string | null;
    pool_id: string | null;
    payer_psn_no: string | null;
    channel: string;
    created_at: Date;
    order_no: string | null;
    expires_at: Date | null;
    persons: number;
    premium_fen: number | string;
    pay_status: PayStatus;
  }>(
    `select * from (${base}) t ${filter} order by created_at desc, enrollment_id desc limit ${limit} offset ${offset}`,
    params,
  );
  await audit(ctx.db, actor, programId, "enrollment.list", query.kind ?? "*", {
    pay_status: query.payStatus ?? null,
    count: rows.length,
  });
  return {
    program_id: programId,
    total: Number(count?.n ?? 0),
    limit,
    offset,
    enrollments: rows.map((r) => {
      return {
        enrollment_id: r.enrollment_id,
        kind: r.kind,
        unit_code: r.unit_code,
        pool_id: r.pool_id,
        payer_psn_no: r.payer_psn_no,
        persons: Number(r.persons),
        premium_fen: Number(r.premium_fen),
        channel: r.channel,
        order_no: r.order_no,
        pay_status: r.pay_status,
        // Only an order still waiting for its money has an expiry worth showing.
        expires_at:
          r.expires_at === null || r.pay_status === "paid"
            ? null
            : formatBusinessTime(new Date(r.expires_at).getTime()),
        created_at: new Date(r.created_at).toISOString(),
      };
    }),
  };
}
