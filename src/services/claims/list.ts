/**
 * 理赔 list (issue 14): every settled claim of a program — one-stop settlements, online, counter and
 * special-drug claims — paged, filtered (channel, status, state, institution, Beijing days, free text) and
 * sorted on the server, with the institution's name; and the same list as Excel. Operators and admins see
 * psn_no; co-insurers and the bureau see it masked and may not look a person up. Every read is audited
 * (the list as claim.list, the export once as claim.export).
 */
import type { Fen } from "../../domain/money.js";
import {
  CLAIM_CHANNEL_LABELS,
  CLAIM_CHANNELS,
  CLAIM_STATE_LABELS,
  CLAIM_STATUS_LABELS,
  labelOf,
} from "../../domain/vocabulary.js";
import { audit } from "../audit.js";
import { maskPsnNo } from "../console.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
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

export const CLAIM_STATUSES = ["paid", "zero", "not_covered"] as const;
export const CLAIM_STATES = ["settled", "revoked"] as const;
export const CLAIM_SORTS = ["created_at", "hmb_pay", "psn_part_amt"] as const;
const READERS = new Set(["operator", "admin", "co_insurer", "bureau"]);

export interface ClaimListQuery {
  kind?: string | undefined;
  status?: string | undefined;
  state?: string | undefined;
  institution?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Free text: the start of a settlement number; staff also a whole person or policy number. */
  q?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

export interface ClaimListItem {
  setl_id: string;
  kind: string;
  psn_no: string;
  policy_no: string | null;
  fixmedins_code: string;
  institution_name: string | null;
  status: string;
  state: string;
  hmb_pay_fen: Fen;
  psn_part_amt_fen: Fen;
  created_at: string;
  revoked_at: string | null;
}

interface Row {
  setl_id: string;
  kind: string;
  psn_no: string;
  policy_no: string | null;
  fixmedins_code: string;
  institution_name: string | null;
  status: string;
  state: string;
  hmb_pay_fen: number | string;
  psn_part_amt_fen: number | string;
  created_at: Date;
  revoked_at: Date | null;
}

const bad = (message: string, field: string) => new ServiceError("invalid", "invalid_value", message, field);
const oneOf = (values: readonly string[], value: string | undefined, field: string, what: string) => {
  if (value !== undefined && !values.includes(value)) throw bad(`未知的${what} ${value}`, field);
};

/** The statement of the filtered list (shared by the page and the export), and whether the reader is staff. */
async function statement(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: ClaimListQuery,
): Promise<{ s: ListStatement; staff: boolean }> {
  if (!READERS.has(actor.role))
    throw new ServiceError(
      "forbidden",
      "forbidden",
      "只有经办人员、共保公司与医保局可以查看理赔清单",
      undefined,
    );
  await loadProgram(ctx, programId);
  oneOf(CLAIM_CHANNELS, query.kind, "kind", "理赔方式");
  oneOf(CLAIM_STATUSES, query.status, "status", "赔付结果");
  oneOf(CLAIM_STATES, query.state, "state", "结算状态");
  const staff = actor.role === "operator" || actor.role === "admin";
  const f = new Filter()
    .eq("c.program_id", programId)
    .eq("c.kind", query.kind)
    .eq("c.status", query.status)
    .eq("c.state", query.state)
    .eq("c.fixmedins_code", query.institution)
    .between("c.created_at", dayRange(query.from, query.to));
  const text = query.q?.trim();
  if (text !== undefined && text !== "") {
    // Masking withholds looking a person up: others search settlement numbers only.
    if (staff) {
      const like = f.p(`${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, "text");
      const exact = f.p(text, "text");
      f.where(() => `(c.setl_id ilike ${like} or c.psn_no = ${exact} or c.policy_no = ${exact})`);
    } else f.startsWith(["c.setl_id"], text);
  }
  const order = orderBy(
    {
      columns: { created_at: "c.created_at", hmb_pay: "c.hmb_pay_fen", psn_part_amt: "c.psn_part_amt_fen" },
      byDefault: "created_at",
      order: "desc",
      tieBreak: "c.setl_id",
    },
    query.sort,
    query.order,
  );
  return {
    staff,
    s: {
      select: `c.setl_id, c.kind, c.psn_no, c.policy_no, c.fixmedins_code, i.name as institution_name, c.status,
               c.state, c.hmb_pay_fen, c.psn_part_amt_fen, c.created_at, c.revoked_at`,
      from: `claims c left join institutions i
               on i.program_id = c.program_id and i.fixmedins_code = c.fixmedins_code`,
      filter: f,
      order,
    },
  };
}

function itemOf(r: Row, staff: boolean): ClaimListItem {
  return {
    setl_id: r.setl_id,
    kind: r.kind,
    psn_no: staff ? r.psn_no : maskPsnNo(r.psn_no),
    policy_no: staff ? r.policy_no : null,
    fixmedins_code: r.fixmedins_code,
    institution_name: r.institution_name,
    status: r.status,
    state: r.state,
    hmb_pay_fen: Number(r.hmb_pay_fen),
    psn_part_amt_fen: Number(r.psn_part_amt_fen),
    created_at: new Date(r.created_at).toISOString(),
    revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  };
}

const auditDetail = (query: ClaimListQuery, staff: boolean, count: number) => ({
  kind: query.kind ?? null,
  status: query.status ?? null,
  state: query.state ?? null,
  institution: query.institution ?? null,
  from: query.from ?? null,
  to: query.to ?? null,
  search: query.q !== undefined,
  count,
  masked: !staff,
});

export async function listClaims(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: ClaimListQuery,
): Promise<{ items: ClaimListItem[]; total: number; page: number; page_size: number }> {
  const page = pageSpec(query);
  const { s, staff } = await statement(ctx, actor, programId, query);
  const { rows, total } = await selectPage<Row>(ctx.db, s, page);
  await audit(ctx.db, actor, programId, "claim.list", "*", auditDetail(query, staff, rows.length));
  return { items: rows.map((r) => itemOf(r, staff)), ...pageFields(page, total) };
}

const COLUMNS: readonly ExportColumn<ClaimListItem>[] = [
  { header: "结算编号", width: 140, cell: (c) => cells.text(c.setl_id) },
  { header: "理赔方式", width: 80, cell: (c) => cells.text(labelOf(CLAIM_CHANNEL_LABELS, c.kind)) },
  { header: "人员编号", width: 90, cell: (c) => cells.text(c.psn_no) },
  { header: "保单号", width: 130, cell: (c) => cells.text(c.policy_no) },
  { header: "定点机构", width: 150, cell: (c) => cells.text(c.institution_name ?? c.fixmedins_code) },
  { header: "赔付结果", width: 80, cell: (c) => cells.label(CLAIM_STATUS_LABELS, c.status) },
  { header: "结算状态", width: 70, cell: (c) => cells.label(CLAIM_STATE_LABELS, c.state) },
  { header: "个人负担（元）", width: 90, cell: (c) => cells.fen(c.psn_part_amt_fen) },
  { header: "惠民保赔付（元）", width: 90, cell: (c) => cells.fen(c.hmb_pay_fen) },
  { header: "结算时间", width: 120, cell: (c) => cells.time(c.created_at) },
  { header: "撤销时间", width: 120, cell: (c) => cells.time(c.revoked_at) },
];

/** The filtered list (same filters, order and masking as the page) as Excel; audited once. */
export async function claimsXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<ClaimListQuery, "page" | "pageSize">,
): Promise<Buffer> {
  const { s, staff } = await statement(ctx, actor, programId, query);
  const rows = (await selectAll<Row>(ctx.db, s, "理赔")).map((r) => itemOf(r, staff));
  await audit(ctx.db, actor, programId, "claim.export", "*", auditDetail(query, staff, rows.length));
  return tableXlsx({
    sheet: "理赔清单",
    columns: COLUMNS,
    rows,
    now: ctx.clock.now(),
    ...(staff ? {} : { note: "人员编号已脱敏。" }),
  });
}
