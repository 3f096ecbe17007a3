/**
 * Counter claims: a case — loading and locking it, who may see it, its view, its record checked against the
 * roster and made whole for the engine, reading one case or the review queue, and its documents. See
 * shared.ts for the workflow.
 */
import type { Queryable, SqlParam } from "../../../db/database.js";
import { type Fen, formatYuan, parseYuan } from "../../../domain/money.js";
import { latestPossibleSettlement, parseSettlement, type Settlement } from "../../../domain/settlement.js";
import { COUNTER_CASE_STATUS_LABELS, type GuardianRelation } from "../../../domain/vocabulary.js";
import { blindIndex, decrypt } from "../../../platform/crypto.js";
import { audit } from "../../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../../context.js";
import {
  dayRange,
  Filter,
  type ListStatement,
  orderBy,
  pageFields,
  pageSpec,
  selectAll,
  selectPage,
} from "../../paging.js";
import { cells, type ExportColumn, tableXlsx } from "../../table-export.js";
import { type DocKind, type DocumentMeta, documentMeta, loadDocument, storeDocument } from "../documents.js";
import { addClaimEvent } from "../settle.js";
import { settingsOf } from "./settings.js";
import {
  APPEAL_SETL_SUFFIX,
  CASE_STATUSES,
  type CaseRow,
  type CaseStatus,
  DAY_MS,
  type Decision,
  iso,
  isStaff,
  requireStaff,
} from "./shared.js";

/* ------------------------------------------------------------------------------------------------------------
 * Rows, access, views
 * ---------------------------------------------------------------------------------------------------------- */

export async function loadCase(
  q: Queryable,
  programId: string,
  caseId: string,
  forUpdate = false,
): Promise<CaseRow> {
  const rows = await q.query<CaseRow>(
    `select * from counter_claims where program_id = $1 and case_id = $2${forUpdate ? " for update" : ""}`,
    [programId, caseId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`理赔案件 ${caseId}`, "case_id");
  return { ...row, version: Number(row.version) };
}

/**
 * Staff see every case, residents their own and those they filed for a family member (submit.ts: a guardian
 * or family payer); anyone else learns nothing, not even that the case exists.
 */
export function assertCanSee(actor: Actor, row: CaseRow): void {
  const resident = actor.role === "resident" && actor.psnNo !== undefined;
  const owner = resident && actor.psnNo === row.psn_no;
  const filer = resident && row.submitted_role === "resident" && row.submitted_by === actor.id;
  if (!isStaff(actor) && !owner && !filer) throw notFound(`理赔案件 ${row.case_id}`, "case_id");
}

/** Locks the case for a change and refuses when it moved on since the caller looked at it. */
export async function lockCase(
  tx: Queryable,
  programId: string,
  caseId: string,
  version?: number,
): Promise<CaseRow> {
  const row = await loadCase(tx, programId, caseId, true);
  if (version !== undefined && row.version !== version) {
    throw new ServiceError(
      "conflict",
      "case_changed",
      `案件 ${caseId} 已被他人更新，请刷新后重试`,
      "case_id",
    );
  }
  return row;
}

/** Writes the given columns (names from this module, never from input) and bumps the version. */
export async function updateCase(
  tx: Queryable,
  programId: string,
  caseId: string,
  at: Date,
  fields: Record<string, SqlParam>,
): Promise<void> {
  const names = Object.keys(fields);
  const sets = names.map((n, i) => `${n} = $${i + 4}`);
  await tx.query(
    `update counter_claims set ${[...sets, "version = version + 1", "updated_at = $3"].join(", ")}
      where program_id = $1 and case_id = $2`,
    [programId, caseId, at, ...names.map((n) => fields[n] as SqlParam)],
  );
}

export interface CaseClaim {
  setl_id: string;
  status: string;
  hmb_pay: Fen;
  state: "settled" | "revoked";
}

/** A case as its viewers see it; amounts in fen (the API writes yuan, api/present/claims.ts). */
export interface CounterCase {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  note: string | null;
  record: Record<string, unknown>;
  adjusted_record: Record<string, unknown> | null;
  documents: DocumentMeta[];
  decision: { decision: Decision; reason: string | null; decided_at: string | null } | null;
  /** Awaiting a countersignature: what was proposed and what the engine would pay. */
  pending: { decision: "approve" | "adjust"; hmb_pay: Fen | null; since: string | null } | null;
  /** The claim that pays this case now (null until approved). */
  payout: CaseClaim | null;
  /** Every claim this case produced (an appeal's re-settlement revokes the first). */
  claims: CaseClaim[];
  appeal: {
    reason: string;
    appealed_at: string | null;
    from: "rejected" | "adjusted" | null;
    outcome: "granted" | "dismissed" | null;
    decision_reason: string | null;
    decided_at: string | null;
  } | null;
  /** Appeal deadline while an appeal is still possible. */
  appeal_until: string | null;
  created_at: string;
  updated_at: string;
  events: { event: string; at: string; data: unknown }[];
  /** Filed by a resident declaring guardianship of a minor: the relation, and whether a reviewer checked the proof. */
  guardian: { relation: GuardianRelation; verified: boolean; verified_at: string | null } | null;
  /** Staff only: who did what. */
  review?: {
    assignee: string | null;
    submitted_by: string;
    decided_by: string | null;
    second_approver: string | null;
    pending_by: string | null;
    appeal_decided_by: string | null;
    appeal_excluded: string[];
  };
}

export async function viewOf(
  q: Queryable,
  programId: string,
  actor: Actor,
  row: CaseRow,
): Promise<CounterCase> {
  const setlIds = [row.setl_id, `${row.setl_id}${APPEAL_SETL_SUFFIX}`];
  const claims = await q.query<{
    setl_id: string;
    status: string;
    hmb_pay_fen: string | number;
    state: "settled" | "revoked";
  }>(
    `select setl_id, status, hmb_pay_fen, state from claims
      where program_id = $1 and setl_id in ($2, $3) and kind = 'counter' order by created_at, setl_id`,
    [programId, setlIds[0] as string, setlIds[1] as string],
  );
  const events = await q.query<{ event: string; at: Date; data: unknown }>(
    `select event, at, data from claim_events where program_id = $1 and setl_id in ($2, $3)
      order by event_no`,
    [programId, setlIds[0] as string, setlIds[1] as string],
  );
  const claimViews: CaseClaim[] = claims.map((c) => ({
    setl_id: c.setl_id,
    status: c.status,
    hmb_pay: Number(c.hmb_pay_fen),
    state: c.state,
  }));
  const settings = await settingsOf(q, programId);
  const appealable =
    (row.status === "rejected" || row.status === "adjusted") &&
    row.appealed_at === null &&
    row.decided_at !== null;
  const deadline = (d: Date | null) =>
    d === null ? null : new Date(new Date(d).getTime() + settings.appealDays * DAY_MS).toISOString();
  const view: CounterCase = {
    case_id: row.case_id,
    setl_id: row.setl_id,
    psn_no: row.psn_no,
    status: row.status,
    note: row.note,
    record: row.record,
    adjusted_record: row.adjusted_record,
    documents: await documentMeta(q, programId, row.case_id),
    decision:
      row.decision === null
        ? null
        : { decision: row.decision, reason: row.decision_reason, decided_at: iso(row.decided_at) },
    pending:
      row.pending_decision === null
        ? null
        : {
            decision: row.pending_decision,
            hmb_pay: row.pending_hmb_pay_fen === null ? null : Number(row.pending_hmb_pay_fen),
            since: iso(row.pending_at),
          },
    payout: claimViews.find((c) => c.setl_id === row.paid_setl_id) ?? null,
    claims: claimViews,
    appeal:
      row.appeal_reason === null
        ? null
        : {
            reason: row.appeal_reason,
            appealed_at: iso(row.appealed_at),
            from: row.appeal_from,
            outcome: row.appeal_outcome,
            decision_reason: row.appeal_decision_reason,
            decided_at: iso(row.appeal_decided_at),
          },
    appeal_until: appealable ? deadline(row.decided_at) : null,
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
    events: events.map((e) => ({ event: e.event, at: new Date(e.at).toISOString(), data: e.data })),
    guardian:
      row.guardian_relation === null
        ? null
        : {
            relation: row.guardian_relation,
            verified: row.guardian_checked_at !== null,
            verified_at: iso(row.guardian_checked_at),
          },
  };
  if (isStaff(actor)) {
    view.review = {
      assignee: row.assignee,
      submitted_by: row.submitted_by,
      decided_by: row.decided_by,
      second_approver: row.second_approver,
      pending_by: row.pending_by,
      appeal_decided_by: row.appeal_decided_by,
      appeal_excluded: row.appeal_excluded ?? [],
    };
  }
  return view;
}

/* ------------------------------------------------------------------------------------------------------------
 * Records: validation against the roster, and the wire form rebuilt for the engine
 * ---------------------------------------------------------------------------------------------------------- */

export async function rosterPerson(
  q: Queryable,
  programId: string,
  psnNo: string,
): Promise<{ certno_bidx: Uint8Array; certno_enc: Uint8Array }> {
  const rows = await q.query<{ certno_bidx: Uint8Array; certno_enc: Uint8Array }>(
    "select certno_bidx, certno_enc from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError(
      "unprocessable",
      "not_on_roster",
      `参保人 ${psnNo} 不在本项目参保名单中`,
      "psn_no",
    );
  return row;
}

/** `now` (the business clock) bounds setl_time for a record a person enters now; a stored one is re-read without. */
export function parseRecordField(raw: Record<string, unknown>, now?: Date): Settlement {
  const parsed = parseSettlement(
    raw,
    now === undefined ? {} : { notAfter: latestPossibleSettlement(now.getTime()) },
  );
  if (!parsed.ok) {
    const field = parsed.error.field === "" ? "record" : `record.${parsed.error.field}`;
    throw new ServiceError("invalid", parsed.error.code, parsed.error.message, field);
  }
  return parsed.settlement;
}

export function assertCertno(ctx: PlatformContext, bidx: Uint8Array, certno: string, psnNo: string): void {
  if (!Buffer.from(bidx).equals(blindIndex(ctx.keys, certno))) {
    throw new ServiceError(
      "invalid",
      "certno_mismatch",
      `certno 与 psn_no ${psnNo} 的参保登记不符`,
      "record.certno",
    );
  }
}

/** The stored record (no certno, no name) made whole again with the roster's certno. */
export async function wireOf(
  ctx: PlatformContext,
  q: Queryable,
  programId: string,
  stored: Record<string, unknown>,
  psnNo: string,
): Promise<Record<string, unknown>> {
  const person = await rosterPerson(q, programId, psnNo);
  return { ...stored, certno: decrypt(ctx.keys, person.certno_enc) };
}

/* ------------------------------------------------------------------------------------------------------------
 * Reading: one case, the queue
 * ---------------------------------------------------------------------------------------------------------- */

export async function getCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
): Promise<CounterCase> {
  const row = await loadCase(ctx.db, programId, caseId);
  assertCanSee(actor, row);
  await audit(ctx.db, actor, programId, "counter_claim.read", caseId);
  return viewOf(ctx.db, programId, actor, row);
}

export interface QueueItem {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  psn_part_amt: string;
  created_at: string;
  updated_at: string;
  assignee?: string | null;
  /** The institution of the record, by name where it is registered. */
  fixmedins_code: string | null;
  institution_name: string | null;
}

export const MAX_QUEUE = 200;

export interface QueueQuery {
  status?: CaseStatus | undefined;
  assignee?: string | undefined;
  psnNo?: string | undefined;
  /** Beijing days of submission, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** desc: newest first (default oldest first, the order of review). */
  order?: string | undefined;
  /** The older form: at most `limit` cases (clamped to 1–200), no page. */
  limit?: number | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

interface QueueRow {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  record: Record<string, unknown>;
  assignee: string | null;
  institution_name: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The queue's statement (services/paging.ts), shared by the page and the export. */
function queueStatement(actor: Actor, programId: string, query: QueueQuery): ListStatement {
  let psnNo = query.psnNo;
  if (actor.role === "resident") {
    if (psnNo !== undefined && psnNo !== actor.psnNo)
      throw new ServiceError("forbidden", "forbidden", "只能查看本人的理赔案件", "psn_no");
    psnNo = actor.psnNo ?? "";
  } else requireStaff(actor);
  if (query.status !== undefined && !CASE_STATUSES.includes(query.status))
    throw new ServiceError("invalid", "invalid_value", `未知的案件状态 ${String(query.status)}`, "status");
  const f = new Filter()
    .eq("program_id", programId)
    .eq("status", query.status)
    .eq("assignee", query.assignee)
    .between("created_at", dayRange(query.from, query.to));
  if (psnNo !== undefined) {
    // A resident also sees the cases they filed for a family member (assertCanSee).
    const filer = actor.role === "resident" ? actor.id : null;
    f.where(
      (p) =>
        `(psn_no = ${p(psnNo, "text")} or (${p(filer, "text")} is not null and submitted_role = 'resident' and submitted_by = ${p(filer, "text")}))`,
    );
  }
  return {
    select: `case_id, setl_id, psn_no, status, record, assignee, created_at, updated_at,
      (select i.name from institutions i where i.program_id = counter_claims.program_id
          and i.fixmedins_code = counter_claims.record->>'fixmedins_code') as institution_name`,
    from: "counter_claims",
    filter: f,
    order: orderBy(
      { columns: { created_at: "created_at" }, byDefault: "created_at", order: "asc", tieBreak: "case_id" },
      undefined,
      query.order,
    ),
  };
}

function queueItemOf(actor: Actor, r: QueueRow): QueueItem {
  const burden = parseYuan(r.record.psn_part_amt);
  const item: QueueItem = {
    case_id: r.case_id,
    setl_id: r.setl_id,
    psn_no: r.psn_no,
    status: r.status,
    psn_part_amt: burden.ok ? formatYuan(burden.fen) : String(r.record.psn_part_amt),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
    fixmedins_code: typeof r.record.fixmedins_code === "string" ? r.record.fixmedins_code : null,
    institution_name: r.institution_name,
  };
  if (isStaff(actor)) item.assignee = r.assignee;
  return item;
}

/**
 * The review queue, oldest first, paged on the server (page / page_size, or the older clamped limit). Residents
 * see only their own cases and those they filed for a family member, whatever they ask for.
 */
export async function listCounterClaims(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: QueueQuery,
): Promise<{ cases: QueueItem[]; total: number; page: number; page_size: number }> {
  const paged = query.page !== undefined || query.pageSize !== undefined;
  const spec = paged
    ? pageSpec(query)
    : pageSpec({ pageSize: Math.min(Math.max(query.limit ?? 50, 1), MAX_QUEUE) });
  const s = queueStatement(actor, programId, query);
  const { rows, total } = await selectPage<QueueRow>(ctx.db, s, spec);
  // The subject names a thing read; a list reads many, so its filter goes into the detail.
  await audit(ctx.db, actor, programId, "counter_claim.list", "*", {
    status: query.status ?? null,
    psn_no: actor.role === "resident" ? (actor.psnNo ?? null) : (query.psnNo ?? null),
    count: rows.length,
  });
  return {
    ...pageFields(spec, total),
    cases: rows.map((r) => queueItemOf(actor, r)),
  };
}

const QUEUE_COLUMNS: readonly ExportColumn<QueueItem>[] = [
  { header: "案件号", width: 130, cell: (c) => cells.text(c.case_id) },
  { header: "结算编号", width: 130, cell: (c) => cells.text(c.setl_id) },
  { header: "人员编号", width: 90, cell: (c) => cells.text(c.psn_no) },
  { header: "定点机构", width: 150, cell: (c) => cells.text(c.institution_name ?? c.fixmedins_code) },
  { header: "状态", width: 90, cell: (c) => cells.label(COUNTER_CASE_STATUS_LABELS, c.status) },
  { header: "个人负担（元）", width: 90, cell: (c) => cells.yuan(c.psn_part_amt) },
  { header: "审核人", width: 80, cell: (c) => cells.text(c.assignee ?? null) },
  { header: "提交时间", width: 120, cell: (c) => cells.time(c.created_at) },
  { header: "最近更新", width: 120, cell: (c) => cells.time(c.updated_at) },
];

/** The queue (same filters and order) as Excel, for staff; audited once as counter_claim.export. */
export async function counterClaimsXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<QueueQuery, "limit" | "page" | "pageSize">,
): Promise<Buffer> {
  requireStaff(actor);
  const rows = (
    await selectAll<QueueRow>(ctx.db, queueStatement(actor, programId, query), "柜面理赔案件")
  ).map((r) => queueItemOf(actor, r));
  await audit(ctx.db, actor, programId, "counter_claim.export", "*", {
    status: query.status ?? null,
    psn_no: query.psnNo ?? null,
    count: rows.length,
  });
  return tableXlsx({ sheet: "柜面理赔案件", columns: QUEUE_COLUMNS, rows, now: ctx.clock.now() });
}

/* ------------------------------------------------------------------------------------------------------------
 * Documents
 * ---------------------------------------------------------------------------------------------------------- */

export async function uploadCounterDocument(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  doc: { kind: DocKind; type: "application/pdf" | "image/jpeg" | "image/png"; bytes: Buffer },
): Promise<DocumentMeta & { case_id: string; outcome: "stored" | "same" | "replaced" }> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId);
    assertCanSee(actor, row);
    // Evidence is frozen once a decision is under way: what an approver saw stays on file. An appeal may
    // add what was missing (the invoice a rejection asked for) and its own evidence under 'appeal'.
    const reviewing = row.status === "submitted" || row.status === "in_review";
    const appealing = row.status === "appealed";
    const allowed =
      doc.kind === "appeal"
        ? { add: appealing, replace: appealing }
        : { add: reviewing || appealing, replace: reviewing };
    const stored = await storeDocument(
      tx,
      { programId, caseId, kind: doc.kind, type: doc.type, bytes: doc.bytes, by: actor.id, at: now },
      allowed,
    );
    if (stored.outcome !== "same") {
      await updateCase(tx, programId, caseId, now, {});
      await addClaimEvent(tx, programId, row.setl_id, "counter_document", actor, now, {
        case_id: caseId,
        doc_kind: doc.kind,
        sha256: stored.meta.sha256,
        size: stored.meta.size,
        replaced: stored.previous ?? null,
      });
      if (isStaff(actor))
        await audit(tx, actor, programId, "counter_claim.document.upload", caseId, {
          doc_kind: doc.kind,
          sha256: stored.meta.sha256,
        });
    }
    return { case_id: caseId, ...stored.meta, outcome: stored.outcome };
  });
}

export async function downloadCounterDocument(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  kind: DocKind,
): Promise<{ meta: DocumentMeta; bytes: Buffer }> {
  const row = await loadCase(ctx.db, programId, caseId);
  assertCanSee(actor, row);
  const doc = await loadDocument(ctx.db, programId, caseId, kind);
  await audit(ctx.db, actor, programId, "counter_claim.document.read", caseId, { doc_kind: kind });
  return doc;
}
