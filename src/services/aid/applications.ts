/**
 * 一事一议: applications to application-mode aid programs (issue 15 §3). The match pre-fills one per claim and
 * aid program (person, claim, proposed amount, documents required); the person — or the guardian who enrolled
 * a minor — confirms it under a consent to share the claim's layered bill with the program; the program
 * (its fund's keeper, or the operator) reviews: asks for documents, approves with an amount (a committee
 * decision recorded first when the program requires one) or rejects with a reason. Approval pays exactly once
 * (aid_payments' key) from the program's own fund. Every step is audited, notified to the person and kept in
 * the application's trail (aid_application_events).
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../../db/database.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { ageAt } from "../../domain/premium.js";
import { AID_APPLICATION_STATE_LABELS } from "../../domain/vocabulary.js";
import { audit } from "../audit.js";
import { maskPsnNo } from "../console.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { notify } from "../notifications.js";
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
import { cells, type ExportColumn, tableXlsx } from "../table-export.js";
import {
  billsOf,
  type LayeredBill,
  loadClaimFacts,
  type PersonYearBurden,
  personYearOf,
  writeClaimLayers,
} from "./burden.js";
import { lockAid, paymentsOf, recordAidPayment } from "./payments.js";

export const APPLICATION_STATES = [
  "proposed",
  "submitted",
  "documents_requested",
  "approved",
  "rejected",
  "withdrawn",
] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

/** Adulthood under the Civil Code (民法典 第十七条): a guardian acts for a person under 18. */
const AGE_OF_MAJORITY = 18;
/** Limits on what people type into an application (names of documents, notes, minutes). */
const MAX_TEXT = 500;
const MAX_LIST = 20;

export interface ApplicationView {
  readonly applicationId: string;
  readonly setlId: string;
  readonly psnNo: string;
  readonly aidProgramId: string;
  readonly version: number;
  readonly programName: string;
  readonly sponsorName: string;
  readonly fundId: string;
  readonly proposed: Fen;
  readonly approved: Fen | null;
  readonly documentsRequired: readonly string[];
  readonly documents: readonly string[];
  readonly committeeRequired: boolean;
  readonly state: ApplicationState;
  readonly consentRelation: "self" | "guardian" | null;
  readonly consentAt: Date | null;
  readonly reviewNote: string | null;
  readonly decidedAt: Date | null;
  readonly committee: { members: string[]; minutes: string; at: Date } | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface Row {
  application_id: string;
  setl_id: string;
  psn_no: string;
  aid_program_id: string;
  version: number;
  fund_id: string;
  name: string;
  sponsor_name: string;
  keeper: string | null;
  sponsor_kind: string;
  proposed_fen: string | number;
  approved_fen: string | number | null;
  documents_required: string[];
  documents: string[];
  committee_required: boolean;
  state: ApplicationState;
  consent_relation: "self" | "guardian" | null;
  consent_at: Date | null;
  review_note: string | null;
  decided_at: Date | null;
  committee_members: string[] | null;
  committee_minutes: string | null;
  committee_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `a.application_id, a.setl_id, a.psn_no, a.aid_program_id, a.version, a.fund_id, p.name, f.sponsor_name,
         f.keeper, f.sponsor_kind, a.proposed_fen, a.approved_fen, a.documents_required, a.documents, a.committee_required,
         a.state, a.consent_relation, a.consent_at, a.review_note, a.decided_at, a.committee_members,
         a.committee_minutes, a.committee_at, a.created_at, a.updated_at`;
const FROM = `aid_applications a
    join aid_programs p on p.program_id = a.program_id and p.aid_program_id = a.aid_program_id
                       and p.version = a.version
    join aid_funds f on f.program_id = a.program_id and f.fund_id = a.fund_id`;
const SELECT = `
  select ${COLUMNS}
    from ${FROM}`;

function viewOf(r: Row): ApplicationView {
  return {
    applicationId: r.application_id,
    setlId: r.setl_id,
    psnNo: r.psn_no,
    aidProgramId: r.aid_program_id,
    version: Number(r.version),
    programName: r.name,
    sponsorName: r.sponsor_name,
    fundId: r.fund_id,
    proposed: Number(r.proposed_fen),
    approved: r.approved_fen === null ? null : Number(r.approved_fen),
    documentsRequired: r.documents_required,
    documents: r.documents,
    committeeRequired: r.committee_required,
    state: r.state,
    consentRelation: r.consent_relation,
    consentAt: r.consent_at === null ? null : new Date(r.consent_at),
    reviewNote: r.review_note,
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
    committee:
      r.committee_at === null
        ? null
        : {
            members: r.committee_members ?? [],
            minutes: r.committee_minutes ?? "",
            at: new Date(r.committee_at),
          },
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function applicationIdOf(programId: string, setlId: string, aidProgramId: string): string {
  const digest = createHash("sha256")
    .update(`${programId}\u0000${setlId}\u0000${aidProgramId}`)
    .digest("hex");
  return `AA${digest.slice(0, 16).toUpperCase()}`;
}

async function addEvent(
  tx: Queryable,
  programId: string,
  applicationId: string,
  event: string,
  actor: Actor,
  at: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `insert into aid_application_events (program_id, application_id, event, actor, at, data)
     values ($1,$2,$3,$4,$5,$6)`,
    [programId, applicationId, event, actor.id, at, JSON.stringify(data)],
  );
}

export interface Proposal {
  readonly programId: string;
  readonly setlId: string;
  readonly psnNo: string;
  readonly aidProgramId: string;
  readonly version: number;
  readonly fundId: string;
  readonly name: string;
  readonly amount: Fen;
  readonly documents: readonly string[];
  readonly committee: boolean;
}

/** A pre-filled application from the match (inside its transaction); false when the claim already has one. */
export async function proposeApplication(
  tx: Queryable,
  actor: Actor,
  p: Proposal,
  at: Date,
): Promise<boolean> {
  const applicationId = applicationIdOf(p.programId, p.setlId, p.aidProgramId);
  const inserted = await tx.query(
    `insert into aid_applications (program_id, application_id, setl_id, aid_program_id, version, fund_id, psn_no,
       proposed_fen, documents_required, committee_required, state, created_at, updated_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'proposed',$11,$11)
     on conflict do nothing returning 1`,
    [
      p.programId,
      applicationId,
      p.setlId,
      p.aidProgramId,
      p.version,
      p.fundId,
      p.psnNo,
      p.amount,
      JSON.stringify(p.documents),
      p.committee,
      at,
    ],
  );
  if (inserted.length === 0) return false;
  await addEvent(tx, p.programId, applicationId, "proposed", actor, at, { proposed_fen: p.amount });
  await audit(tx, actor, p.programId, "aid.application.propose", applicationId, {
    setl_id: p.setlId,
    aid_program_id: p.aidProgramId,
    proposed_fen: p.amount,
  });
  await notify(
    tx,
    {
      programId: p.programId,
      psnNo: p.psnNo,
      kind: "aid.application.proposed",
      subject: applicationId,
      title: `您可申请：${p.name}`,
      body: `根据您本次就医的剩余负担，平台已为您预填${p.name}的救助申请。请在“我可申请的救助”中确认授权后提交。`,
      data: { aid_program_id: p.aidProgramId, proposed_fen: p.amount },
    },
    at,
  );
  return true;
}

async function loadRow(q: Queryable, programId: string, applicationId: string, lock = false): Promise<Row> {
  const rows = await q.query<Row>(
    `${SELECT} where a.program_id = $1 and a.application_id = $2${lock ? " for update of a" : ""}`,
    [programId, applicationId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`救助申请 ${applicationId.slice(0, 40)}`, "application_id");
  return row;
}

/**
 * Whether a resident speaks for the person: themself, or the guardian who paid a minor's policy in this program
 * (the minor is under 18 now). Undefined: neither.
 */
async function relationTo(
  ctx: PlatformContext,
  q: Queryable,
  actor: Actor,
  programId: string,
  psnNo: string,
): Promise<"self" | "guardian" | undefined> {
  if (actor.role !== "resident" || actor.psnNo === undefined || actor.psnNo === "") return undefined;
  if (actor.psnNo === psnNo) return "self";
  const minors = await minorsOf(ctx, q, programId, actor.psnNo);
  return minors.includes(psnNo) ? "guardian" : undefined;
}

/** The minors a resident enrolled (paid for) in this program: the persons they act for as guardian. */
async function minorsOf(
  ctx: PlatformContext,
  q: Queryable,
  programId: string,
  payer: string,
): Promise<string[]> {
  const rows = await q.query<{ psn_no: string; brdy: string | null }>(
    `select distinct p.psn_no, to_char(r.brdy, 'YYYY-MM-DD') as brdy
       from policies p join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.payer_psn_no = $2 and p.psn_no <> $2 and p.issued_at is not null`,
    [programId, payer],
  );
  const now = ctx.clock.now().getTime();
  return rows.filter((r) => r.brdy !== null && ageAt(r.brdy, now) < AGE_OF_MAJORITY).map((r) => r.psn_no);
}

/** Funds whose applications 民政 (role civil_affairs) reviews: its own and the 医疗救助 line's. */
const CIVIL_AFFAIRS_SPONSORS: readonly string[] = ["civil_affairs", "medical_assistance"];

/**
 * The program's reviewers: the operator, the charity account that keeps the aid program's fund, and 民政 for
 * the funds of the assistance line (CIVIL_AFFAIRS_SPONSORS).
 */
function mayReview(actor: Actor, row: Pick<Row, "keeper" | "sponsor_kind">): boolean {
  if (actor.role === "charity") return row.keeper === actor.id;
  if (actor.role === "civil_affairs") return CIVIL_AFFAIRS_SPONSORS.includes(row.sponsor_kind);
  return actor.role === "operator" || actor.role === "admin";
}

function invalid(message: string, field: string): ServiceError {
  return new ServiceError("invalid", "invalid_value", message, field);
}

function textList(value: readonly string[] | undefined, field: string): string[] {
  if (value === undefined) return [];
  if (value.length > MAX_LIST) throw invalid(`${field} 最多 ${MAX_LIST} 项`, field);
  return value.map((v, i) => {
    const t = v.trim();
    if (t === "" || t.length > MAX_TEXT) throw invalid(`${field}[${i}] 应为 1–${MAX_TEXT} 个字`, field);
    return t;
  });
}

/* ------------------------------------------------------------------------------------------------------------
 * The resident
 * ---------------------------------------------------------------------------------------------------------- */

export interface MatchedProgram {
  readonly aidProgramId: string;
  readonly name: string;
  readonly sponsorName: string;
  readonly mode: "automatic" | "application";
  readonly description: string | null;
  /** Σ paid to the person by it (automatic, or approved applications). */
  readonly paid: Fen;
}

export interface ResidentAid {
  readonly psnNo: string;
  readonly matched: readonly MatchedProgram[];
  /** The person's own applications and those of the minors they act for. */
  readonly applications: readonly ApplicationView[];
  readonly bills: readonly LayeredBill[];
  readonly year: PersonYearBurden;
}

/** "我可申请的救助": what matched, the applications to confirm or follow, and the layered bills. Audited. */
export async function residentAid(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<ResidentAid> {
  if (actor.role !== "resident" || actor.psnNo === undefined || actor.psnNo === "")
    throw new ServiceError("forbidden", "forbidden", "仅参保人本人可以查看");
  const psnNo = actor.psnNo;
  const persons = [psnNo, ...(await minorsOf(ctx, ctx.db, programId, psnNo))];
  const rows = await ctx.db.query<Row>(
    `${SELECT} where a.program_id = $1 and a.psn_no = any($2::text[]) order by a.created_at desc, a.application_id`,
    [programId, persons],
  );
  const matched = await ctx.db.query<{
    aid_program_id: string;
    name: string;
    sponsor_name: string;
    document: { mode?: { kind?: string }; description?: string };
    paid: string | number;
  }>(
    `select m.aid_program_id, p.name, f.sponsor_name, p.document, m.paid
       from (select aid_program_id, max(version) as version,
                    sum(case when state = 'paid' then amount_fen else 0 end) as paid
               from (select aid_program_id, version, state, amount_fen from aid_payments
                      where program_id = $1 and psn_no = $2
                     union all
                     select aid_program_id, version, 'proposed', 0 from aid_applications
                      where program_id = $1 and psn_no = $2) x
              group by aid_program_id) m
       join aid_programs p on p.program_id = $1 and p.aid_program_id = m.aid_program_id and p.version = m.version
       join aid_funds f on f.program_id = p.program_id and f.fund_id = p.fund_id
      order by m.aid_program_id`,
    [programId, psnNo],
  );
  const bills = await billsOf(ctx.db, ctx.keys, programId, { psnNo });
  await audit(ctx.db, actor, programId, "aid.resident.read", psnNo, { applications: rows.length });
  return {
    psnNo,
    matched: matched.map((m) => ({
      aidProgramId: m.aid_program_id,
      name: m.name,
      sponsorName: m.sponsor_name,
      mode: m.document.mode?.kind === "application" ? "application" : "automatic",
      description: m.document.description ?? null,
      paid: Number(m.paid),
    })),
    applications: rows.map(viewOf),
    bills,
    year: personYearOf(bills),
  };
}

export interface Confirmation {
  /** The person (or guardian) agrees to share the claim's layered bill and documents with the aid program. */
  readonly consent: boolean;
  /** The documents the applicant provides (names from the program's list). */
  readonly documents?: readonly string[] | undefined;
}

/**
 * The person or guardian confirms a pre-filled application (or answers a request for documents). Without the
 * consent nothing changes. A confirmed application goes to the program's review.
 */
export async function confirmApplication(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  applicationId: string,
  c: Confirmation,
): Promise<ApplicationView> {
  if (c.consent !== true)
    throw new ServiceError(
      "invalid",
      "consent_required",
      "请先阅读并同意授权：向救助项目提供本次就医的分层费用与申请材料",
      "consent",
    );
  const documents = textList(c.documents, "documents");
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const row = await loadRow(tx, programId, applicationId, true);
    const relation = await relationTo(ctx, tx, actor, programId, row.psn_no);
    if (relation === undefined) throw notFound(`救助申请 ${applicationId.slice(0, 40)}`, "application_id");
    if (row.state !== "proposed" && row.state !== "documents_requested")
      throw new ServiceError(
        "conflict",
        "application_state",
        "该申请已提交或已有结论，无需再次确认",
        "application_id",
      );
    await tx.query(
      `update aid_applications set state = 'submitted', consent_by = $3, consent_relation = $4, consent_at = $5,
              documents = $6, updated_at = $5
        where program_id = $1 and application_id = $2`,
      [programId, applicationId, actor.id, relation, at, JSON.stringify(documents)],
    );
    await addEvent(tx, programId, applicationId, "submitted", actor, at, { relation, documents });
    await audit(tx, actor, programId, "aid.application.confirm", applicationId, {
      psn_no: row.psn_no,
      relation,
      consent: true,
      documents: documents.length,
    });
    return viewOf(await loadRow(tx, programId, applicationId));
  });
}

/* ------------------------------------------------------------------------------------------------------------
 * The program's review
 * ---------------------------------------------------------------------------------------------------------- */

export type Decision =
  | { readonly action: "request_documents"; readonly documents: readonly string[]; readonly note?: string }
  | {
      readonly action: "approve";
      readonly amount: Fen;
      readonly note?: string | undefined;
      readonly committee?: { readonly members: readonly string[]; readonly minutes: string } | undefined;
    }
  | { readonly action: "reject"; readonly reason: string };

/** The queue's rows when no page is asked for (as before paging): the newest changes, at most this many. */
const UNPAGED_MAX = 500;

/** Filters, sort and page of the review queue (the export takes the same without the page). */
export interface ApplicationQuery {
  state?: string | undefined;
  /** One aid program (its id). */
  aidProgram?: string | undefined;
  /** Beijing days the application was submitted (consent_at), both inclusive. */
  submittedFrom?: string | undefined;
  submittedTo?: string | undefined;
  /** Beijing days of its last change, both inclusive. */
  updatedFrom?: string | undefined;
  updatedTo?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

/**
 * The queue's statement, scoped to what the actor reviews (mayReview, as SQL): the operator every
 * application, a charity those of the funds it keeps, 民政 those of CIVIL_AFFAIRS_SPONSORS funds.
 */
function queueStatement(actor: Actor, programId: string, query: ApplicationQuery): ListStatement {
  if (
    actor.role !== "charity" &&
    actor.role !== "civil_affairs" &&
    actor.role !== "operator" &&
    actor.role !== "admin"
  )
    throw new ServiceError("forbidden", "forbidden", `角色 ${actor.role} 无权查看救助申请`);
  if (query.state !== undefined && !(APPLICATION_STATES as readonly string[]).includes(query.state))
    throw invalid(`未知的申请状态 ${query.state}`, "state");
  const f = new Filter()
    .eq("a.program_id", programId)
    .eq("a.state", query.state)
    .eq("a.aid_program_id", query.aidProgram)
    .between(
      "a.consent_at",
      dayRange(query.submittedFrom, query.submittedTo, { from: "submitted_from", to: "submitted_to" }),
    )
    .between(
      "a.updated_at",
      dayRange(query.updatedFrom, query.updatedTo, { from: "updated_from", to: "updated_to" }),
    );
  if (actor.role === "charity") f.eq("f.keeper", actor.id);
  if (actor.role === "civil_affairs")
    f.where((p) => `f.sponsor_kind = any(${p([...CIVIL_AFFAIRS_SPONSORS], "text[]")})`);
  return {
    select: COLUMNS,
    from: FROM,
    filter: f,
    order: orderBy(
      {
        columns: {
          updated_at: "a.updated_at",
          created_at: "a.created_at",
          submitted_at: "a.consent_at",
          proposed: "a.proposed_fen",
        },
        byDefault: "updated_at",
        order: "desc",
        tieBreak: "a.application_id",
      },
      query.sort,
      query.order,
    ),
  };
}

const queueAuditDetail = (query: ApplicationQuery, count: number) => ({
  state: query.state ?? null,
  aid_program: query.aidProgram ?? null,
  submitted: [query.submittedFrom ?? null, query.submittedTo ?? null],
  updated: [query.updatedFrom ?? null, query.updatedTo ?? null],
  count,
});

/**
 * The review queue: what the actor may review, newest change first; filtered by state, aid program, Beijing
 * days submitted or changed; sorted; paged when page or page_size is given (otherwise the newest UNPAGED_MAX,
 * as before paging). Audited.
 */
export async function listApplications(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: ApplicationQuery = {},
): Promise<{ applications: ApplicationView[]; total: number; page: number; page_size: number }> {
  const s = queueStatement(actor, programId, query);
  const spec =
    query.page !== undefined || query.pageSize !== undefined
      ? pageSpec(query)
      : { page: 1, pageSize: UNPAGED_MAX, limit: UNPAGED_MAX, offset: 0 };
  const { rows, total } = await selectPage<Row>(ctx.db, s, spec);
  await audit(
    ctx.db,
    actor,
    programId,
    "aid.application.list",
    programId,
    queueAuditDetail(query, rows.length),
  );
  return { applications: rows.map(viewOf), ...pageFields(spec, total) };
}

const QUEUE_COLUMNS: readonly ExportColumn<ApplicationView>[] = [
  { header: "申请编号", width: 150, cell: (a) => cells.text(a.applicationId) },
  { header: "救助项目", width: 130, cell: (a) => cells.text(a.programName) },
  { header: "出资方", width: 110, cell: (a) => cells.text(a.sponsorName) },
  { header: "人员编号", width: 90, cell: (a) => cells.text(maskPsnNo(a.psnNo)) },
  { header: "结算编号", width: 140, cell: (a) => cells.text(a.setlId) },
  { header: "状态", width: 100, cell: (a) => cells.label(AID_APPLICATION_STATE_LABELS, a.state) },
  { header: "建议金额（元）", width: 90, cell: (a) => cells.fen(a.proposed) },
  { header: "批准金额（元）", width: 90, cell: (a) => cells.fen(a.approved) },
  { header: "须评审委员会", width: 80, cell: (a) => cells.text(a.committeeRequired ? "是" : "否") },
  { header: "提交时间", width: 120, cell: (a) => cells.time(a.consentAt) },
  { header: "决定时间", width: 120, cell: (a) => cells.time(a.decidedAt) },
  { header: "更新时间", width: 120, cell: (a) => cells.time(a.updatedAt) },
];

/** The queue (same scoping, filters and order as the list; persons masked) as Excel; audited once. */
export async function applicationsXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: Omit<ApplicationQuery, "page" | "pageSize">,
): Promise<Buffer> {
  const rows = (await selectAll<Row>(ctx.db, queueStatement(actor, programId, query), "救助申请")).map(
    viewOf,
  );
  await audit(
    ctx.db,
    actor,
    programId,
    "aid.application.export",
    programId,
    queueAuditDetail(query, rows.length),
  );
  return tableXlsx({
    sheet: "救助申请",
    columns: QUEUE_COLUMNS,
    rows,
    now: ctx.clock.now(),
    note: "人员编号已脱敏。",
  });
}

export interface ApplicationDetail {
  readonly application: ApplicationView;
  readonly bill: LayeredBill | undefined;
  readonly events: readonly { event: string; at: Date; data: unknown }[];
  /** The person's age on the day of care, when known (reviewers see no ID number or name). */
  readonly age: number | undefined;
}

/** One application with its claim's layered bill and trail, for its reviewers or its applicant. Audited. */
export async function getApplication(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  applicationId: string,
): Promise<ApplicationDetail> {
  const row = await loadRow(ctx.db, programId, applicationId);
  const own = (await relationTo(ctx, ctx.db, actor, programId, row.psn_no)) !== undefined;
  if (!own && !mayReview(actor, row))
    throw notFound(`救助申请 ${applicationId.slice(0, 40)}`, "application_id");
  const [bill] = await billsOf(ctx.db, ctx.keys, programId, { setlIds: [row.setl_id] });
  const events = await ctx.db.query<{ event: string; at: Date; data: unknown }>(
    `select event, at, data from aid_application_events where program_id = $1 and application_id = $2
      order by event_no`,
    [programId, applicationId],
  );
  const facts = await loadClaimFacts(ctx.db, ctx.keys, programId, {
    setlIds: [row.setl_id],
    includeRevoked: true,
  });
  const f = facts[0];
  await audit(ctx.db, actor, programId, "aid.application.read", applicationId, { psn_no: row.psn_no });
  return {
    application: viewOf(row),
    bill,
    events: events.map((e) => ({ event: e.event, at: new Date(e.at), data: e.data })),
    age: f?.birthDate === undefined ? undefined : ageAt(f.birthDate, f.claim.careAt),
  };
}

/** The program's decision: documents requested, approved (and paid, exactly once) or rejected. */
export async function decideApplication(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  applicationId: string,
  d: Decision,
): Promise<ApplicationView> {
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    // The aid lock first (as every aid writer takes it), then the application row.
    await lockAid(tx, programId);
    const row = await loadRow(tx, programId, applicationId, true);
    if (!mayReview(actor, row)) throw notFound(`救助申请 ${applicationId.slice(0, 40)}`, "application_id");
    if (row.state !== "submitted")
      throw new ServiceError(
        "conflict",
        "application_state",
        row.state === "proposed" || row.state === "documents_requested"
          ? "申请人尚未确认提交，暂不能审核"
          : "该申请已有结论",
        "application_id",
      );
    const tell = (title: string, body: string) =>
      notify(
        tx,
        {
          programId,
          psnNo: row.psn_no,
          kind: `aid.application.${d.action}`,
          subject: applicationId,
          title,
          body,
        },
        at,
      );
    if (d.action === "request_documents") {
      const documents = textList(d.documents, "documents");
      if (documents.length === 0) throw invalid("请列出需要补充的材料", "documents");
      const note = d.note?.trim() || null;
      if (note !== null && note.length > MAX_TEXT) throw invalid(`说明不超过 ${MAX_TEXT} 个字`, "note");
      const required = [...new Set([...row.documents_required, ...documents])];
      await tx.query(
        `update aid_applications set state = 'documents_requested', documents_required = $3, review_note = $4,
                updated_at = $5 where program_id = $1 and application_id = $2`,
        [programId, applicationId, JSON.stringify(required), note, at],
      );
      await addEvent(tx, programId, applicationId, "documents_requested", actor, at, { documents, note });
      await tell(
        `${row.name}：请补充材料`,
        `请补充：${documents.join("、")}。补充后在“我可申请的救助”中再次提交。`,
      );
    } else if (d.action === "reject") {
      const reason = d.reason.trim();
      if (reason === "" || reason.length > MAX_TEXT)
        throw invalid(`请填写不超过 ${MAX_TEXT} 字的不予救助理由`, "reason");
      await tx.query(
        `update aid_applications set state = 'rejected', review_note = $3, decided_by = $4, decided_at = $5,
                updated_at = $5 where program_id = $1 and application_id = $2`,
        [programId, applicationId, reason, actor.id, at],
      );
      await addEvent(tx, programId, applicationId, "rejected", actor, at, { reason });
      await tell(`${row.name}：申请未获批准`, `理由：${reason}`);
    } else {
      await approve(ctx, tx, actor, programId, row, d, at);
      await tell(`${row.name}：申请已批准`, "救助款已从救助基金支付，可在“我可申请的救助”查看分层明细。");
    }
    await audit(tx, actor, programId, `aid.application.${d.action}`, applicationId, {
      psn_no: row.psn_no,
      ...(d.action === "approve" ? { amount_fen: d.amount } : {}),
    });
    return viewOf(await loadRow(tx, programId, applicationId));
  });
}

async function approve(
  ctx: PlatformContext,
  tx: Queryable,
  actor: Actor,
  programId: string,
  row: Row,
  d: Extract<Decision, { action: "approve" }>,
  at: Date,
): Promise<void> {
  if (!Number.isSafeInteger(d.amount) || d.amount <= 0) throw invalid("批准金额应大于 0", "amount");
  let members: string[] = [];
  let minutes: string | null = null;
  if (row.committee_required) {
    if (d.committee === undefined) throw invalid("该项目须先记录评审委员会的决定（成员与纪要）", "committee");
    members = textList(d.committee.members, "committee.members");
    minutes = d.committee.minutes.trim();
    if (members.length === 0) throw invalid("请填写评审委员会成员", "committee.members");
    if (minutes === "" || minutes.length > MAX_TEXT)
      throw invalid(`请填写不超过 ${MAX_TEXT} 字的评审纪要`, "committee.minutes");
  }
  const note = d.note?.trim() || null;
  if (note !== null && note.length > MAX_TEXT) throw invalid(`说明不超过 ${MAX_TEXT} 个字`, "note");
  // Never beyond what the person still bears on the claim after 惠民保 and every other aid program.
  const facts = await loadClaimFacts(tx, ctx.keys, programId, { setlIds: [row.setl_id] });
  const f = facts[0];
  if (f === undefined)
    throw new ServiceError("conflict", "claim_revoked", "该结算已撤销，申请不能再批准", "application_id");
  const others = (await paymentsOf(tx, programId, [row.setl_id])).filter(
    (p) => p.state === "paid" && p.aid_program_id !== row.aid_program_id,
  );
  const otherAid = others.reduce((s, p) => s + p.amount_fen + p.queued_fen, 0);
  const left = f.claim.personBurden - f.claim.hmbPay - otherAid;
  if (d.amount > left)
    throw invalid(`批准金额超过本次就医尚余的个人负担（${formatYuan(left)} 元）`, "amount");
  const paid = await recordAidPayment(
    tx,
    actor,
    {
      programId,
      setlId: row.setl_id,
      psnNo: row.psn_no,
      aidProgramId: row.aid_program_id,
      version: Number(row.version),
      fundId: row.fund_id,
      mode: "application",
      amount: d.amount,
      queued: 0,
      thresholdUsed: 0,
      applicationId: row.application_id,
      name: row.name,
    },
    at,
  );
  if (!paid)
    throw new ServiceError(
      "conflict",
      "already_paid",
      "该结算已由此救助项目支付过，不能重复支付",
      "application_id",
    );
  await tx.query(
    `update aid_applications set state = 'approved', approved_fen = $3, review_note = $4, decided_by = $5,
            decided_at = $6, updated_at = $6, committee_members = $7, committee_minutes = $8, committee_at = $9
      where program_id = $1 and application_id = $2`,
    [
      programId,
      row.application_id,
      d.amount,
      note,
      actor.id,
      at,
      row.committee_required ? JSON.stringify(members) : null,
      minutes,
      row.committee_required ? at : null,
    ],
  );
  if (row.committee_required)
    await addEvent(tx, programId, row.application_id, "committee", actor, at, { members, minutes });
  await addEvent(tx, programId, row.application_id, "approved", actor, at, { amount_fen: d.amount, note });
  const live = (await paymentsOf(tx, programId, [row.setl_id])).filter((p) => p.state === "paid");
  await writeClaimLayers(
    tx,
    programId,
    f,
    live.reduce((s, p) => s + p.amount_fen, 0),
    at,
  );
}
