/**
 * 投保管理's list (issue 14): every enrollment of a program with its persons, premium, and its latest payment
 * order's status and expiry — what an operator chases when a unit or a family has not paid. Staff only
 * (payer psn_no is shown, no names); audited.
 */
import { PAY_STATUSES } from "../contract/unit-enrollment.js";
import type { Fen } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import {
  ENROLLMENT_KIND_LABELS,
  ENROLLMENT_KINDS,
  type EnrollmentKind,
  PAY_STATUS_LABELS,
  PAYMENT_CHANNEL_LABELS,
} from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { dayRange, Filter, type ListStatement, orderBy, pageSpec, selectAll, selectPage } from "./paging.js";
import { PAYABLE_STATUSES } from "./payments/expiry.js";
import { loadProgram } from "./programs.js";
import { cells, type ExportColumn, tableXlsx } from "./table-export.js";

export type PayStatus = (typeof PAY_STATUSES)[number];

export const ENROLLMENT_SORTS = ["created_at", "premium", "persons"] as const;

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
  /** Beijing days of enrollment, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Free text: the start of an enrollment number or of a unit code. */
  q?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

const bad = (message: string, field: string) => new ServiceError("invalid", "invalid_value", message, field);

interface EnrollmentRow {
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
}

function readersOnly(actor: Actor): void {
  if (actor.role !== "operator" && actor.role !== "admin")
    throw new ServiceError("forbidden", "forbidden", "只有经办人员可以查看投保记录", undefined);
}

/**
 * The enrollments with their persons, premium and latest order, filtered and sorted. The latest order of each
 * enrollment; an unpaid payable order past its expiry counts as expired, as payments/expiry.ts isDue decides
 * (the expiry sweep may not have run yet) — so pay_status is computed in a subquery and filtered outside it.
 */
function enrollmentStatement(programId: string, now: Date, query: EnrollmentListQuery): ListStatement {
  if (query.kind !== undefined && !(ENROLLMENT_KINDS as readonly string[]).includes(query.kind))
    throw bad(`未知的投保方式 ${query.kind}`, "kind");
  if (query.payStatus !== undefined && !(PAY_STATUSES as readonly string[]).includes(query.payStatus))
    throw bad(`未知的缴费状态 ${query.payStatus}`, "pay_status");
  const f = new Filter();
  const inner = new Filter(f.params)
    .eq("e.program_id", programId)
    .eq("e.kind", query.kind)
    .between("e.created_at", dayRange(query.from, query.to))
    .startsWith(["e.enrollment_id", "e.unit_code"], query.q);
  const from = `(
    select e.enrollment_id, e.kind, e.unit_code, e.pool_id, e.payer_psn_no, e.channel, e.created_at,
           o.order_no, o.expires_at,
           (select count(*) from policies p where p.program_id = e.program_id and p.enrollment_id = e.enrollment_id)::int as persons,
           (select coalesce(sum(p.premium_fen), 0) from policies p
             where p.program_id = e.program_id and p.enrollment_id = e.enrollment_id)::bigint as premium_fen,
           case when o.order_no is null then 'none'
                when o.status = any(${f.p([...PAYABLE_STATUSES], "text[]")}) and o.expires_at is not null
                     and o.expires_at <= ${f.p(now, "timestamptz")} then 'expired'
                else o.status end as pay_status
      from enrollments e
      left join lateral (
        select x.order_no, x.status, x.expires_at from payment_orders x
         where x.program_id = e.program_id and x.enrollment_id = e.enrollment_id
         order by x.created_at desc, x.order_no desc limit 1) o on true
     ${inner.sql()}) t`;
  f.eq("pay_status", query.payStatus);
  return {
    select: "*",
    from,
    filter: f,
    order: orderBy(
      {
        columns: { created_at: "created_at", premium: "premium_fen", persons: "persons" },
        byDefault: "created_at",
        order: "desc",
        tieBreak: "enrollment_id",
      },
      query.sort,
      query.order,
    ),
  };
}

const itemOf = (r: EnrollmentRow): EnrollmentListItem => ({
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
});

const auditDetail = (query: EnrollmentListQuery, count: number) => ({
  pay_status: query.payStatus ?? null,
  from: query.from ?? null,
  to: query.to ?? null,
  q: query.q ?? null,
  count,
});

/** One page of the program's enrollments (newest first by default); staff only, audited. */
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
  page: number;
  page_size: number;
  enrollments: EnrollmentListItem[];
}> {
  readersOnly(actor);
  const spec = pageSpec(query);
  const statement = enrollmentStatement(programId, ctx.clock.now(), query);
  await loadProgram(ctx, programId);
  const { rows, total } = await selectPage<EnrollmentRow>(ctx.db, statement, spec);
  await audit(
    ctx.db,
    actor,
    programId,
    "enrollment.list",
    query.kind ?? "*",
    auditDetail(query, rows.length),
  );
  return {
    program_id: programId,
    total,
    limit: spec.limit,
    offset: spec.offset,
    page: spec.page,
    page_size: spec.pageSize,
    enrollments: rows.map(itemOf),
  };
}

const ENROLLMENT_EXPORT: readonly ExportColumn<EnrollmentListItem>[] = [
  { header: "投保单号", width: 150, cell: (e) => cells.text(e.enrollment_id) },
  { header: "投保方式", width: 70, cell: (e) => cells.label(ENROLLMENT_KIND_LABELS, e.kind) },
  { header: "单位编码", width: 90, cell: (e) => cells.text(e.unit_code) },
  { header: "慈善资金池", width: 90, cell: (e) => cells.text(e.pool_id) },
  { header: "投保人人员编号", width: 100, cell: (e) => cells.text(e.payer_psn_no) },
  { header: "人数", width: 40, cell: (e) => cells.int(e.persons) },
  { header: "保费合计（元）", width: 80, cell: (e) => cells.fen(e.premium_fen) },
  { header: "缴费渠道", width: 70, cell: (e) => cells.label(PAYMENT_CHANNEL_LABELS, e.channel) },
  { header: "缴费状态", width: 70, cell: (e) => cells.label(PAY_STATUS_LABELS, e.pay_status) },
  { header: "订单过期时间", width: 110, cell: (e) => cells.text(e.expires_at) },
  { header: "投保时间", width: 110, cell: (e) => cells.time(e.created_at) },
];

/** The filtered enrollments as Excel (staff only; the payer's psn_no as the list shows it); audited once. */
export async function enrollmentsXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<EnrollmentListQuery, "limit" | "offset" | "page" | "pageSize">,
): Promise<Buffer> {
  readersOnly(actor);
  const statement = enrollmentStatement(programId, ctx.clock.now(), query);
  await loadProgram(ctx, programId);
  const rows = (await selectAll<EnrollmentRow>(ctx.db, statement, "投保记录")).map(itemOf);
  await audit(
    ctx.db,
    actor,
    programId,
    "enrollment.export",
    query.kind ?? "*",
    auditDetail(query, rows.length),
  );
  return tableXlsx({ sheet: "投保记录", columns: ENROLLMENT_EXPORT, rows, now: ctx.clock.now() });
}
