/**
 * Read models the console needs and no other service offers: the compliance check of a program's product,
 * audit log search, and policy lists (masked for those who may not see persons). Writes stay in their own
 * services; every read of personal data here is itself audited.
 */

import { checkProduct } from "../compliance/check.js";
import { measureText, subjectName } from "../compliance/measure.js";
import { findRuleSet, listRuleSets } from "../compliance/rulesets/index.js";
import type { Finding, RuleSet } from "../compliance/types.js";
import { PAGE_SIZE_MAX } from "../contract/paging.js";
import type { Fen } from "../domain/money.js";
import type { Product } from "../domain/product.js";
import {
  AUDIT_ACTION_LABELS,
  CLAIM_CHANNEL_LABELS,
  CLAIM_CHANNELS,
  CLAIM_STATE_LABELS,
  CLAIM_STATUS_LABELS,
  ENROLLMENT_KINDS,
  POLICY_STATUSES,
  ROLE_LABELS,
} from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { charityPoolScope } from "./charity-keeper.js";
import { SqlParams } from "./claims/sql-params.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { dayRange, Filter, type ListStatement, orderBy, pageSpec, selectAll, selectPage } from "./paging.js";
import { maskName } from "./policies.js";
import { loadProgram, productOf } from "./programs.js";
import { cells, type ExportColumn, tableXlsx } from "./table-export.js";

export interface ComplianceView {
  program_id: string;
  product_id: string;
  product_version: number;
  rules: string;
  rules_name: string;
  source: string;
  passed: number;
  failed: number;
  findings: (Pick<Finding, "clause" | "rule" | "subject" | "status" | "value" | "limit"> & {
    note: string | null;
    title: string | null;
    /** The subject, value and limit as people read them: plan and liability names, measure words. */
    subject_name: string;
    value_text: string;
    limit_text: string;
  })[];
}

/** The product-file rules (no operating figures: the loss ratio is watched on the oversight pages). */
export async function programCompliance(
  ctx: PlatformContext,
  programId: string,
  rules: string,
): Promise<ComplianceView> {
  const ruleSet = ruleSetOf(rules);
  const program = await loadProgram(ctx, programId);
  return { program_id: programId, ...productCompliance(productOf(program), ruleSet.id) };
}

function ruleSetOf(rules: string): RuleSet {
  const ruleSet = findRuleSet(rules);
  if (ruleSet === undefined)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `未知的规则集 ${rules}：可用 ${listRuleSets()
        .map((r) => r.id)
        .join("、")}`,
      "rules",
    );
  return ruleSet;
}

/**
 * A product (any version, pinned by a program or not) checked against a rule set: what `hmb check` prints,
 * for the console's program page and its 产品管理 page (which shows each rule set's own findings, e.g.
 * yunnan-2023's 70 % floor beside nfra-2025's "no pre-set ratio").
 */
export function productCompliance(product: Product, rules: string): Omit<ComplianceView, "program_id"> {
  const ruleSet = ruleSetOf(rules);
  const findings = checkProduct(product, ruleSet);
  const titles = new Map<string, string>(ruleSet.rules.map((r) => [r.id, r.title.zh]));
  return {
    product_id: product.id,
    product_version: product.version,
    rules: ruleSet.id,
    rules_name: ruleSet.name.zh,
    source: ruleSet.source,
    passed: findings.filter((f) => f.status === "pass").length,
    failed: findings.filter((f) => f.status === "fail").length,
    findings: findings.map((f) => ({
      clause: f.clause,
      rule: f.rule,
      subject: f.subject,
      status: f.status,
      value: f.value,
      limit: f.limit,
      note: f.note ?? null,
      title: titles.get(f.rule) ?? null,
      subject_name: subjectName(product, f.subject),
      value_text: measureText(f.value),
      limit_text: measureText(f.limit),
    })),
  };
}

export const MAX_PAGE = PAGE_SIZE_MAX;

function page(limit: number | undefined, offset: number | undefined): { limit: number; offset: number } {
  const l = limit ?? 50;
  if (!Number.isInteger(l) || l < 1 || l > MAX_PAGE)
    throw new ServiceError("invalid", "invalid_value", `limit 须在 1 到 ${MAX_PAGE} 之间`, "limit");
  const o = offset ?? 0;
  if (!Number.isInteger(o) || o < 0)
    throw new ServiceError("invalid", "invalid_value", "offset 须为非负整数", "offset");
  return { limit: l, offset: o };
}

export interface AuditEntry {
  audit_id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  subject: string;
  detail: unknown;
}

export interface AuditQuery {
  action?: string | undefined;
  actor?: string | undefined;
  subject?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** asc: oldest first (default newest first). */
  order?: string | undefined;
}

interface AuditRow {
  audit_id: string | number;
  at: Date;
  actor: string;
  role: string;
  action: string;
  subject: string;
  detail: unknown;
}

/** The search's statement, shared by the page and the export (services/paging.ts). */
function auditStatement(programId: string, query: AuditQuery): ListStatement {
  const range = dayRange(query.from, query.to);
  const action = query.action ?? undefined;
  const f = new Filter().eq("program_id", programId);
  if (action?.endsWith(".")) f.startsWith(["action"], action);
  else f.eq("action", action);
  f.eq("actor", query.actor).eq("subject", query.subject).between("at", range);
  return {
    select: "audit_id, at, actor, role, action, subject, detail",
    from: "audit_log",
    filter: f,
    order: orderBy(
      { columns: { at: "at" }, byDefault: "at", order: "desc", tieBreak: "audit_id" },
      undefined,
      query.order,
    ),
  };
}

const auditEntryOf = (r: AuditRow): AuditEntry => ({
  audit_id: String(r.audit_id),
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  role: r.role,
  action: r.action,
  subject: r.subject,
  detail: typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail,
});

/**
 * The audit log, newest first. Filters: action (exact, or a prefix ending in "."), actor, Beijing days
 * from … to (inclusive). Paged by limit/offset or page/page_size. The search itself is recorded: who looked
 * at who looked.
 */
export async function searchAudit(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: AuditQuery & {
    limit?: number | undefined;
    offset?: number | undefined;
    page?: number | undefined;
    pageSize?: number | undefined;
  },
): Promise<{
  program_id: string;
  total: number;
  limit: number;
  offset: number;
  page: number;
  page_size: number;
  entries: AuditEntry[];
}> {
  await loadProgram(ctx, programId);
  const spec = pageSpec(query);
  const { rows, total } = await selectPage<AuditRow>(ctx.db, auditStatement(programId, query), spec);
  await audit(ctx.db, actor, programId, "audit.search", query.action ?? "*", {
    actor: query.actor ?? null,
    subject: query.subject ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    count: rows.length,
  });
  return {
    program_id: programId,
    total,
    limit: spec.limit,
    offset: spec.offset,
    page: spec.page,
    page_size: spec.pageSize,
    entries: rows.map(auditEntryOf),
  };
}

const AUDIT_COLUMNS: readonly ExportColumn<AuditEntry>[] = [
  { header: "时间（北京时间）", width: 120, cell: (e) => cells.time(e.at) },
  { header: "操作人", width: 90, cell: (e) => cells.text(e.actor) },
  { header: "角色", width: 70, cell: (e) => cells.label(ROLE_LABELS, e.role) },
  { header: "操作", width: 140, cell: (e) => cells.label(AUDIT_ACTION_LABELS, e.action) },
  { header: "对象", width: 130, cell: (e) => cells.text(e.subject) },
  { header: "操作代码", width: 120, cell: (e) => cells.text(e.action) },
  { header: "原始记录", width: 240, cell: (e) => cells.text(JSON.stringify(e.detail ?? null)) },
];

/** The searched audit log as Excel (same filters and order); the export is itself audited. */
export async function auditXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: AuditQuery,
): Promise<Buffer> {
  await loadProgram(ctx, programId);
  const rows = (await selectAll<AuditRow>(ctx.db, auditStatement(programId, query), "审计记录")).map(
    auditEntryOf,
  );
  await audit(ctx.db, actor, programId, "audit.export", query.action ?? "*", {
    actor: query.actor ?? null,
    subject: query.subject ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    count: rows.length,
  });
  return tableXlsx({ sheet: "审计日志", columns: AUDIT_COLUMNS, rows, now: ctx.clock.now() });
}

export interface PolicyListItem {
  policy_no: string;
  /** Full for operator / admin; masked ("P****1234") for co-insurers and charities. */
  psn_no: string;
  /** Masked for every reader ("张*"): a list never shows a whole name. */
  psn_name: string;
  plan_id: string;
  /** The plan's name in the program's product (what a screen shows; the id is the product's own code). */
  plan_name: string;
  enrollment_id: string;
  enrollment_kind: string;
  relation: string;
  unit_code: string | null;
  pool_id: string | null;
  premium_fen: Fen;
  status: string;
  paid_channel: string | null;
  coverage_start: string;
  coverage_end: string;
  issued_at: string | null;
  cancelled_at: string | null;
}

/** "P000123" → "P0***23": enough to tell rows apart, not to look a person up. */
export function maskPsnNo(psnNo: string): string {
  if (psnNo.length <= 2) return "*".repeat(psnNo.length);
  if (psnNo.length <= 4) return `${psnNo[0]}${"*".repeat(psnNo.length - 2)}${psnNo.slice(-1)}`;
  return `${psnNo.slice(0, 2)}${"*".repeat(psnNo.length - 4)}${psnNo.slice(-2)}`;
}

/**
 * Policies (one per insured person) with their enrollment, newest first. A charity sees only persons it
 * sponsored (a pool), masked; co-insurers see every policy, masked; staff see psn_no. Audited.
 */
export async function listPolicies(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: {
    status?: string | undefined;
    kind?: string | undefined;
    pool?: string | undefined;
    /** Exact policy number, roster number or name (the last two for staff only), and the paid channel. */
    policyNo?: string | undefined;
    psnNo?: string | undefined;
    name?: string | undefined;
    channel?: string | undefined;
    limit?: number | undefined;
    offset?: number | undefined;
  },
  /** audited false: the caller audits the read itself, once (the Excel export reads page by page). */
  options: { audited?: boolean } = {},
): Promise<{ program_id: string; total: number; limit: number; offset: number; policies: PolicyListItem[] }> {
  const program = await loadProgram(ctx, programId);
  const planNames = new Map(productOf(program).plans.map((p) => [p.id, p.name]));
  const { limit, offset } = page(query.limit, query.offset);
  if (query.status !== undefined && !(POLICY_STATUSES as readonly string[]).includes(query.status))
    throw new ServiceError("invalid", "invalid_value", `未知的保单状态 ${query.status}`, "status");
  let kind = query.kind ?? null;
  if (kind !== null && !(ENROLLMENT_KINDS as readonly string[]).includes(kind))
    throw new ServiceError("invalid", "invalid_value", `未知的投保方式 ${kind}`, "kind");
  const charity = actor.role === "charity";
  if (charity) {
    if (kind !== null && kind !== "charity")
      throw new ServiceError("forbidden", "forbidden", "慈善机构只能查看资金池资助的投保", "kind");
    kind = "charity";
  }
  const staff = actor.role === "operator" || actor.role === "admin";
  if (!staff && (query.psnNo !== undefined || query.name !== undefined)) {
    // Looking a person up is what masking withholds from co-insurers and charities.
    const field = query.psnNo !== undefined ? "psn_no" : "name";
    throw new ServiceError("forbidden", "forbidden", "只有经办人员可以按人员编号或姓名查找保单", field);
  }
  const filter = new Filter()
    .eq("program_id", programId)
    .eq("status", query.status)
    .eq("enrollment_kind", kind)
    .eq("pool_id", query.pool)
    .eq("policy_no", query.policyNo)
    .eq("psn_no", query.psnNo)
    .eq("paid_channel", query.channel);
  // A charity sees the persons its pools sponsored: pools it keeps and the program's own (charity-keeper.ts).
  if (charity)
    filter.where(
      (p) => `exists (select 1 from charity_pools cp
            where cp.program_id = policies.program_id and cp.pool_id = policies.pool_id
              and ${charityPoolScope(actor, "cp", (v) => p(v, "text"))})`,
    );
  const name = query.name?.trim();
  if (name !== undefined)
    filter.where(
      (p) => `exists (select 1 from roster_persons r
            where r.program_id = policies.program_id and r.psn_no = policies.psn_no and r.psn_name = ${p(name, "text")})`,
    );
  const where = filter.sql();
  const params = filter.params.values;
  const [count] = await ctx.db.query<{ n: number }>(
    `select count(*)::int as n from policies ${where}`,
    params,
  );
  const rows = await ctx.db.query<{
    policy_no: string;
    psn_no: string;
    psn_name: string | null;
    plan_id: string;
    enrollment_id: string;
    enrollment_kind: string;
    relation: string;
    unit_code: string | null;
    pool_id: string | null;
    premium_fen: number | string;
    status: string;
    paid_channel: string | null;
    coverage_start: Date;
    coverage_end: Date;
    issued_at: Date | null;
    cancelled_at: Date | null;
  }>(
    `select policy_no, psn_no, plan_id, enrollment_id, enrollment_kind, relation, unit_code, pool_id, premium_fen,
            (select r.psn_name from roster_persons r
              where r.program_id = policies.program_id and r.psn_no = policies.psn_no) as psn_name,
            status, paid_channel, coverage_start, coverage_end, issued_at, cancelled_at
       from policies ${where} order by created_at desc, policy_no desc limit ${limit} offset ${offset}`,
    params,
  );
  if (options.audited !== false)
    await audit(ctx.db, actor, programId, "policy.list", query.status ?? "*", {
      kind,
      pool: query.pool ?? null,
      search: query.policyNo !== undefined || query.psnNo !== undefined || query.name !== undefined,
      count: rows.length,
      masked: !staff,
    });
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    program_id: programId,
    total: Number(count?.n ?? 0),
    limit,
    offset,
    policies: rows.map((r) => ({
      policy_no: r.policy_no,
      psn_no: staff ? r.psn_no : maskPsnNo(r.psn_no),
      psn_name: r.psn_name === null ? "—" : maskName(r.psn_name),
      plan_id: r.plan_id,
      plan_name: planNames.get(r.plan_id) ?? r.plan_id,
      enrollment_id: r.enrollment_id,
      enrollment_kind: r.enrollment_kind,
      relation: r.relation,
      unit_code: r.unit_code,
      pool_id: r.pool_id,
      premium_fen: Number(r.premium_fen),
      status: r.status,
      paid_channel: r.paid_channel,
      coverage_start: new Date(r.coverage_start).toISOString(),
      coverage_end: new Date(r.coverage_end).toISOString(),
      issued_at: iso(r.issued_at),
      cancelled_at: iso(r.cancelled_at),
    })),
  };
}

export interface PoolSummary {
  pool_id: string;
  name: string;
  balance_fen: Fen;
  /** Donated, sponsored out, refunded: each a sum of movements, as a positive amount. */
  donated_fen: Fen;
  sponsored_fen: Fen;
  refunded_fen: Fen;
  donations: number;
  sponsored_persons: number;
  /** The charity account that keeps the pool (charity-keeper.ts); null: the program's own, shared by all. */
  keeper: string | null;
}

/**
 * The program's charity pools with what went in and out (no persons): every pool for staff and read-only roles;
 * for a charity, the pools it keeps and the program's own (charity-keeper.ts).
 */
export async function listCharityPools(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<{ program_id: string; pools: PoolSummary[] }> {
  await loadProgram(ctx, programId);
  const q = new SqlParams();
  const program = q.add(programId);
  const rows = await ctx.db.query<{
    pool_id: string;
    name: string;
    balance_fen: number | string;
    donated: number | string;
    sponsored: number | string;
    refunded: number | string;
    donations: number;
    persons: number;
    keeper: string | null;
  }>(
    `select p.pool_id, p.name, p.balance_fen, p.keeper,
            coalesce((select sum(amount_fen) from charity_pool_movements m
                       where m.program_id = p.program_id and m.pool_id = p.pool_id and m.kind = 'donation'), 0)::bigint as donated,
            coalesce((select sum(amount_fen) from charity_pool_movements m
                       where m.program_id = p.program_id and m.pool_id = p.pool_id and m.kind = 'sponsorship'), 0)::bigint as sponsored,
            coalesce((select sum(amount_fen) from charity_pool_movements m
                       where m.program_id = p.program_id and m.pool_id = p.pool_id and m.kind = 'refund'), 0)::bigint as refunded,
            (select count(*) from charity_pool_movements m
              where m.program_id = p.program_id and m.pool_id = p.pool_id and m.kind = 'donation')::int as donations,
            (select count(*) from policies x
              where x.program_id = p.program_id and x.pool_id = p.pool_id and x.status <> 'cancelled')::int as persons
       from charity_pools p where p.program_id = ${program} and ${charityPoolScope(actor, "p", (v) => q.add(v))}
      order by p.pool_id`,
    q.values,
  );
  await audit(ctx.db, actor, programId, "charity_pool.list", "*", { count: rows.length });
  const amount = (v: number | string): Fen => Math.abs(Number(v));
  return {
    program_id: programId,
    pools: rows.map((r) => ({
      pool_id: r.pool_id,
      name: r.name,
      balance_fen: Number(r.balance_fen),
      donated_fen: amount(r.donated),
      sponsored_fen: amount(r.sponsored),
      refunded_fen: amount(r.refunded),
      donations: Number(r.donations),
      sponsored_persons: Number(r.persons),
      keeper: r.keeper,
    })),
  };
}

export interface SponsoredClaim {
  setl_id: string;
  kind: string;
  psn_no: string;
  pool_id: string;
  /** The pool's name (null only if the pool row were missing). */
  pool_name: string | null;
  status: string;
  state: string;
  hmb_pay_fen: Fen;
  psn_part_amt_fen: Fen;
  /** What the person still bears after 惠民保 (the charity's question: is help still needed?). */
  remaining_fen: Fen;
  settled_at: string;
}

export const SPONSORED_CLAIM_STATES = ["settled", "revoked"] as const;

/** Filters, sort and page of the sponsored persons' claims (the export takes the same without the page). */
export interface SponsoredClaimQuery {
  pool?: string | undefined;
  /** The claim's channel (CLAIM_CHANNELS). */
  kind?: string | undefined;
  /** settled or revoked. */
  state?: string | undefined;
  /** Beijing settlement days, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

interface SponsoredClaimRow {
  setl_id: string;
  kind: string;
  psn_no: string;
  pool_id: string;
  pool_name: string | null;
  status: string;
  state: string;
  hmb_pay_fen: number | string;
  psn_part_amt_fen: number | string;
  created_at: Date;
}

/** What the person still bears: a revoked claim paid nothing. */
const REMAINING_SQL = "(c.psn_part_amt_fen - case when c.state = 'revoked' then 0 else c.hmb_pay_fen end)";

/**
 * The statement of the sponsored persons' claims (shared by the page and the export). A charity sees the
 * claims of persons sponsored from its own pools and the program's own (charity-keeper.ts).
 */
function sponsoredClaimStatement(actor: Actor, programId: string, query: SponsoredClaimQuery): ListStatement {
  const oneOf = (values: readonly string[], value: string | undefined, field: string, what: string) => {
    if (value !== undefined && !values.includes(value))
      throw new ServiceError("invalid", "invalid_value", `未知的${what} ${value}`, field);
  };
  oneOf(CLAIM_CHANNELS, query.kind, "kind", "理赔方式");
  oneOf(SPONSORED_CLAIM_STATES, query.state, "state", "结算状态");
  const f = new Filter()
    .eq("c.program_id", programId)
    .eq("p.pool_id", query.pool)
    .eq("c.kind", query.kind)
    .eq("c.state", query.state)
    .between("c.created_at", dayRange(query.from, query.to))
    .where((p) => charityPoolScope(actor, "cp", p));
  return {
    select: `c.setl_id, c.kind, c.psn_no, p.pool_id, cp.name as pool_name, c.status, c.state, c.hmb_pay_fen,
             c.psn_part_amt_fen, c.created_at`,
    // One sponsoring policy per claim: the claim's own when it names one, else the person's latest sponsored
    // policy — a person sponsored twice in the program (cancelled, then sponsored again) is not listed twice.
    from: `claims c
             join lateral (
               select x.pool_id from policies x
                where x.program_id = c.program_id and x.psn_no = c.psn_no and x.pool_id is not null
                order by (x.policy_no = c.policy_no) desc nulls last, x.issued_at desc nulls last, x.policy_no desc
                limit 1) p on true
             left join charity_pools cp on cp.program_id = c.program_id and cp.pool_id = p.pool_id`,
    filter: f,
    order: orderBy(
      {
        columns: { created_at: "c.created_at", hmb_pay: "c.hmb_pay_fen", remaining: REMAINING_SQL },
        byDefault: "created_at",
        order: "desc",
        tieBreak: "c.setl_id",
      },
      query.sort,
      query.order,
    ),
  };
}

function sponsoredClaimOf(r: SponsoredClaimRow): SponsoredClaim {
  const pay = r.state === "revoked" ? 0 : Number(r.hmb_pay_fen);
  return {
    setl_id: r.setl_id,
    kind: r.kind,
    psn_no: maskPsnNo(r.psn_no),
    pool_id: r.pool_id,
    pool_name: r.pool_name,
    status: r.status,
    state: r.state,
    hmb_pay_fen: Number(r.hmb_pay_fen),
    psn_part_amt_fen: Number(r.psn_part_amt_fen),
    remaining_fen: Number(r.psn_part_amt_fen) - pay,
    settled_at: new Date(r.created_at).toISOString(),
  };
}

const sponsoredAuditDetail = (query: SponsoredClaimQuery, count: number) => ({
  kind: query.kind ?? null,
  state: query.state ?? null,
  from: query.from ?? null,
  to: query.to ?? null,
  count,
});

/**
 * Claims of persons a charity pool sponsored, newest first, psn_no masked for everyone: a charity follows
 * outcomes, not persons. Filters: pool, channel, state, Beijing settlement days; sorted by time, 惠民保 paid or
 * what remains; paged by limit/offset or page/page_size. Audited.
 */
export async function listSponsoredClaims(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: SponsoredClaimQuery,
): Promise<{
  program_id: string;
  total: number;
  limit: number;
  offset: number;
  page: number;
  page_size: number;
  claims: SponsoredClaim[];
}> {
  await loadProgram(ctx, programId);
  const spec = pageSpec(query);
  const { rows, total } = await selectPage<SponsoredClaimRow>(
    ctx.db,
    sponsoredClaimStatement(actor, programId, query),
    spec,
  );
  await audit(
    ctx.db,
    actor,
    programId,
    "charity_claim.list",
    query.pool ?? "*",
    sponsoredAuditDetail(query, rows.length),
  );
  return {
    program_id: programId,
    total,
    limit: spec.limit,
    offset: spec.offset,
    page: spec.page,
    page_size: spec.pageSize,
    claims: rows.map(sponsoredClaimOf),
  };
}

const SPONSORED_CLAIM_COLUMNS: readonly ExportColumn<SponsoredClaim>[] = [
  { header: "结算编号", width: 140, cell: (c) => cells.text(c.setl_id) },
  { header: "资金池", width: 120, cell: (c) => cells.text(c.pool_name ?? c.pool_id) },
  { header: "人员编号", width: 90, cell: (c) => cells.text(c.psn_no) },
  { header: "理赔方式", width: 80, cell: (c) => cells.label(CLAIM_CHANNEL_LABELS, c.kind) },
  { header: "赔付结果", width: 80, cell: (c) => cells.label(CLAIM_STATUS_LABELS, c.status) },
  { header: "结算状态", width: 70, cell: (c) => cells.label(CLAIM_STATE_LABELS, c.state) },
  { header: "个人负担（元）", width: 90, cell: (c) => cells.fen(c.psn_part_amt_fen) },
  { header: "惠民保赔付（元）", width: 90, cell: (c) => cells.fen(c.hmb_pay_fen) },
  { header: "赔付后仍需负担（元）", width: 110, cell: (c) => cells.fen(c.remaining_fen) },
  { header: "结算时间", width: 120, cell: (c) => cells.time(c.settled_at) },
];

/** The sponsored persons' claims (same filters, order and masking as the list) as Excel; audited once. */
export async function sponsoredClaimsXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<SponsoredClaimQuery, "limit" | "offset" | "page" | "pageSize">,
): Promise<Buffer> {
  await loadProgram(ctx, programId);
  const rows = (
    await selectAll<SponsoredClaimRow>(ctx.db, sponsoredClaimStatement(actor, programId, query), "受助人理赔")
  ).map(sponsoredClaimOf);
  await audit(
    ctx.db,
    actor,
    programId,
    "charity_claim.export",
    query.pool ?? "*",
    sponsoredAuditDetail(query, rows.length),
  );
  return tableXlsx({
    sheet: "资助对象理赔",
    columns: SPONSORED_CLAIM_COLUMNS,
    rows,
    now: ctx.clock.now(),
    note: "人员编号已脱敏。",
  });
}
